"""Organisations, agreements and one user per role, from the seeds (DESIGN §9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from spilno.accounts.models import User
from spilno.accounts.services.users import create_user
from spilno.core.models import (
    Agreement,
    AgreementKind,
    CooperationArea,
    Organisation,
    OrganisationKind,
    PartyRole,
)
from spilno.core.services.agreements import create_agreement
from spilno.core.services.organisations import create_organisation
from spilno.core.states import AgreementStatus
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level

DEMO_PASSWORD = "spilno-demo"

K = OrganisationKind
ORGANISATIONS = [
    # key, name_en, name_uk, short, country, kind, parent key, identifiers
    ("mod_ua", "Ministry of Defence of Ukraine", "Міністерство оборони України", "MoD UA", "UA",
     K.MINISTRY, None, [("UA-EDR", "00034022")]),
    ("dpa", "Defence Procurement Agency", "Агенція оборонних закупівель", "DPA", "UA",
     K.AGENCY, "mod_ua", []),
    ("afu", "Armed Forces of Ukraine", "Збройні Сили України", "AFU", "UA",
     K.ARMED_FORCES_UNIT, "mod_ua", []),
    ("dod", "U.S. Department of Defense", "Міністерство оборони США", "DoD", "US",
     K.MINISTRY, None, []),
    ("fr_mod", "Ministry of the Armed Forces (France)", "Міністерство збройних сил Франції",
     "MinArm", "FR", K.MINISTRY, None, []),
    ("dga", "Directorate General for Armaments (DGA)", "Генеральна дирекція озброєнь (DGA)",
     "DGA", "FR", K.AGENCY, "fr_mod", []),
    ("nato", "North Atlantic Treaty Organization", "Організація Північноатлантичного договору",
     "NATO", "BE", K.INTERNATIONAL_ORGANISATION, None, []),
    ("nspa", "NATO Support and Procurement Agency", "Агенція НАТО з підтримки та закупівель",
     "NSPA", "LU", K.INTERNATIONAL_ORGANISATION, "nato", []),
    ("no_mod", "Norwegian Ministry of Defence", "Міністерство оборони Норвегії", "MoD NO", "NO",
     K.MINISTRY, None, []),
    ("mjc", "Multinational Joint Commission", "Багатонаціональна об'єднана комісія", "MJC", "UA",
     K.INTERNATIONAL_ORGANISATION, None, []),
    ("supplier", "Demo Defence Works LLC (fictional)", "ТОВ «Демо Оборонні Заводи» (вигадане)",
     "Demo Works", "UA", K.SUPPLIER, None, []),
    ("supplier2", "Vistula Munitions Sp. z o.o. (fictional)",
     "«Віслянські боєприпаси» (вигадане)", "Vistula", "PL", K.SUPPLIER, None, []),
    ("supplier3", "Aéro Drones SAS (fictional)", "«Аеро Дрони» (вигадане)", "Aéro Drones",
     "FR", K.SUPPLIER, None, []),
    ("brigade", "95th Air Assault Brigade", "95-та окрема десантно-штурмова бригада",
     "95 AAB", "UA", K.ARMED_FORCES_UNIT, "afu", []),
]  # fmt: skip

R = Role
USERS = [
    # username, first, last, role, organisation key, clearance
    ("admin", "Olena", "Administrator", R.ADMINISTRATOR, "mod_ua", Level.SECRET),
    ("officer", "Taras", "Procurement", R.PROCUREMENT_OFFICER, "dpa", Level.RESTRICTED),
    ("officer2", "Dmytro", "Evaluation", R.PROCUREMENT_OFFICER, "dpa", Level.RESTRICTED),
    ("approver", "Iryna", "Committee", R.APPROVER, "dpa", Level.CONFIDENTIAL),
    ("supplier", "Mykola", "Supplier", R.SUPPLIER_REPRESENTATIVE, "supplier", Level.INTERNAL),
    ("supplier2", "Anna", "Nowak", R.SUPPLIER_REPRESENTATIVE, "supplier2", Level.INTERNAL),
    ("supplier3", "Luc", "Moreau", R.SUPPLIER_REPRESENTATIVE, "supplier3", Level.INTERNAL),
    ("liaison", "Kate", "Liaison", R.PARTNER_LIAISON, "dod", Level.RESTRICTED),
    ("coordinator", "Lars", "Coordination", R.COORDINATION_CELL, "mjc", Level.RESTRICTED),
    ("reformer", "Oksana", "Reform", R.REFORM_OFFICE, "mod_ua", Level.RESTRICTED),
    ("auditor", "Andrii", "Auditor", R.AUDITOR, "mod_ua", Level.SECRET),
]

A = AgreementKind
S = AgreementStatus


@dataclass
class DemoResult:
    created: bool
    users: list[tuple[str, str, str]]


def _agreements(orgs: dict[str, Organisation]) -> list[dict[str, object]]:
    areas = {a.slug: a for a in CooperationArea.objects.all()}
    return [
        {
            "title_en": "Comprehensive Assistance Package for Ukraine",
            "title_uk": "Комплексний пакет допомоги Україні",
            "reference": "CAP",
            "kind": A.ASSISTANCE_PACKAGE,
            "status": S.IN_FORCE,
            "signed_on": dt.date(2016, 7, 9),
            "valid_from": dt.date(2016, 7, 9),
            "summary": "Adopted by the Allies in 2016 to increase Ukraine's capabilities to "
            "protect its security and implement large-scale reforms. The NATO-Ukraine Strategic "
            "Defence Procurement Review is part of it.",
            "parties": [(orgs["nato"], PartyRole.LEAD), (orgs["mod_ua"], PartyRole.BENEFICIARY)],
            "areas": [areas["defence-reform"], areas["combat-capabilities"]],
        },
        {
            "title_en": "U.S.-Ukraine Partner Concept",
            "title_uk": "Концепція партнерства США — Україна",
            "reference": "Partner Concept",
            "kind": A.PARTNERSHIP_CONCEPT,
            "status": S.IN_FORCE,
            "valid_from": dt.date(2018, 1, 1),
            "summary": "Four lines of effort between the U.S. DoD and the Ukrainian MoD, evaluated "
            "at annual bilateral defence consultations and interim progress reviews. Does not "
            "obligate additional funding; more than $600 million in security assistance "
            "committed since 2014 for train, equip and advise efforts.",
            "parties": [(orgs["dod"], PartyRole.SIGNATORY), (orgs["mod_ua"], PartyRole.SIGNATORY)],
            "areas": [
                areas["combat-capabilities"],
                areas["defence-reform"],
                areas["provision-and-armament"],
                areas["defence-technology"],
            ],
        },
        {
            "title_en": "Memorandum of intent on cooperation between the Defence Procurement "
            "Agency and the Directorate General for Armaments",
            "title_uk": "Меморандум про наміри щодо співпраці між Агенцією оборонних закупівель "
            "та Генеральною дирекцією озброєнь",
            "reference": "DPA–DGA MoI",
            "kind": A.MOI,
            "status": S.IN_FORCE,
            "signed_on": dt.date(2023, 9, 29),
            "valid_from": dt.date(2023, 9, 29),
            "summary": "Indefinite cooperation; creates a regulatory framework for concluding "
            "contracts and deepens military-technical cooperation, including joint high-tech "
            "projects.",
            "parties": [(orgs["dpa"], PartyRole.SIGNATORY), (orgs["dga"], PartyRole.SIGNATORY)],
            "areas": [
                areas["provision-and-armament"],
                areas["defence-industry-reform"],
                areas["defence-technology"],
            ],
        },
        {
            "title_en": "Bilateral framework agreement on defence cooperation (U.S.-Ukraine)",
            "title_uk": "Рамкова угода про оборонне співробітництво (США — Україна)",
            "reference": "proposed 2020-12-23",
            "kind": A.BILATERAL_FRAMEWORK,
            "status": S.DRAFT,
            "summary": "Drafting proposed at the meeting of 23 December 2020 summing up the "
            "year's cooperation; to cover all areas of Ukrainian-American defence cooperation.",
            "parties": [(orgs["mod_ua"], PartyRole.SIGNATORY), (orgs["dod"], PartyRole.SIGNATORY)],
            "areas": [a for slug, a in areas.items() if slug != "other"],
            "classification": Level.INTERNAL,
        },
    ]


def build_world() -> DemoResult:
    """Create the demo world once; a second run only reports the logins."""
    users = [(u[0], DEMO_PASSWORD, str(Role(u[3]).label)) for u in USERS]
    if User.objects.filter(username="admin").exists():
        return DemoResult(created=False, users=users)
    system = SystemActor()
    with transaction.atomic():
        orgs: dict[str, Organisation] = {}
        for key, en, uk, short, country, kind, parent, identifiers in ORGANISATIONS:
            orgs[key] = create_organisation(
                actor=system,
                name_en=en,
                name_uk=uk,
                short_name=short,
                country=country,
                kind=kind,
                parent=orgs[parent] if parent else None,
                identifiers=identifiers,
            )
        for fields in _agreements(orgs):
            create_agreement(actor=system, **fields)  # type: ignore[arg-type]
        people: dict[str, User] = {}
        for username, first, last, role, org, clearance in USERS:
            people[username] = create_user(
                actor=system,
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                clearance=clearance,
                memberships=[(orgs[org], role)],
            )
        from spilno.demo.procurement import build_procurement
        from spilno.demo.publication import set_demo_policy

        set_demo_policy()
        build_procurement(orgs, people)
    return DemoResult(created=True, users=users)


__all__ = ["Agreement", "build_world"]
