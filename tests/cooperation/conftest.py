"""A small cooperation world built through the services: the Partner Concept between a U.S.
department and a Ukrainian ministry (RESTRICTED, so only its parties see it), with two lines of
effort, an objective, a typed and a computed indicator, and users on each side and one outsider.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from spilno.accounts.models import User
from spilno.cooperation.models import Indicator, LineOfEffort, Objective, Programme
from spilno.cooperation.services import programmes as svc
from spilno.core.models import Agreement, Organisation, OrganisationKind
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level


@dataclass
class World:
    ua: Organisation
    us: Organisation
    fr: Organisation
    agreement: Agreement
    programme: Programme
    line1: LineOfEffort
    line2: LineOfEffort
    objective: Objective
    indicator: Indicator  # typed: per cent of units trained to NATO standards
    computed: Indicator  # computed from the capabilities ledger
    reform: User  # reform office, Ukrainian ministry
    approver: User  # approver, Ukrainian ministry
    us_liaison: User  # partner liaison, U.S. department
    fr_liaison: User  # partner liaison, French ministry: not a party
    auditor: User


@pytest.fixture
def world(make_org: Any, make_user: Any, make_agreement: Any) -> World:
    system = SystemActor()
    ua = make_org("Ministry of Defence of Ukraine", kind=OrganisationKind.MINISTRY)
    us = make_org("U.S. Department of Defense", country="US", kind=OrganisationKind.MINISTRY)
    fr = make_org("Ministère des Armées", country="FR", kind=OrganisationKind.MINISTRY)
    agreement = make_agreement(
        us,
        ua,
        title_en="U.S.-Ukraine Partner Concept",
        kind="partnership_concept",
        classification=Level.RESTRICTED,
    )
    programme = svc.create_programme(
        actor=system,
        agreement=agreement,
        title_en="Partner Concept cooperation",
        starts_on=dt.date(2018, 1, 1),
        classification=Level.RESTRICTED,
    )
    line1 = svc.add_line(actor=system, programme=programme, title_en="Improve Ukraine's defenses")
    line2 = svc.add_line(
        actor=system, programme=programme, title_en="Support defense sector reform"
    )
    objective = svc.add_objective(
        actor=system, line=line1, title_en="Units trained to NATO standards"
    )
    indicator = svc.add_indicator(
        actor=system,
        objective=objective,
        title_en="Share of brigades certified",
        unit="percent",
        baseline=Decimal(10),
        baseline_date=dt.date(2018, 1, 1),
        target=Decimal(60),
        target_date=dt.date(2025, 12, 31),
        source="General Staff certification reports",
    )
    computed = svc.add_indicator(
        actor=system,
        objective=objective,
        title_en="Share of air-defence requirements delivered",
        unit="percent",
        baseline=Decimal(0),
        baseline_date=dt.date(2018, 1, 1),
        target=Decimal(100),
        target_date=dt.date(2025, 12, 31),
        metric="capabilities.delivered_share",
        metric_params={"cpv": "35723000"},
    )
    return World(
        ua=ua,
        us=us,
        fr=fr,
        agreement=agreement,
        programme=programme,
        line1=line1,
        line2=line2,
        objective=objective,
        indicator=indicator,
        computed=computed,
        reform=make_user((ua, Role.REFORM_OFFICE), clearance=Level.SECRET, username="reform"),
        approver=make_user((ua, Role.APPROVER), clearance=Level.SECRET, username="approver"),
        us_liaison=make_user(
            (us, Role.PARTNER_LIAISON), clearance=Level.RESTRICTED, username="usliaison"
        ),
        fr_liaison=make_user(
            (fr, Role.PARTNER_LIAISON), clearance=Level.SECRET, username="frliaison"
        ),
        auditor=make_user((ua, Role.AUDITOR), clearance=Level.SECRET, username="auditor"),
    )
