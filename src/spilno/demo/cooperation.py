"""Demo cooperation: the U.S.-Ukraine Partner Concept with its four lines of effort, reviewed at
bilateral consultations and interim progress reviews from 2018 to 2025; the NATO-Ukraine
Strategic Defence Procurement Review and its recommendations; the National Security Strategy of
Ukraine and the 15 strategic documents it launched (DESIGN §9, seeds 000, 001, 002, 004).

Everything is written through the cooperation services at the business time it happened
(``clock.travel``), so the audit log, the value approvals and the locks are what real use leaves
behind. What the seeds say is kept as they say it: the wording of the lines of effort, the
meeting of 23 December 2020 (its participants, results and decisions), the review's lead,
requester, experts, Luxembourg launch and Washington adoption, the decree of the strategy and
its 15 documents in 13 areas. What they do not give is illustrative and said to be so: indicator
figures, the other reviews' dates and narratives, the working groups, recommendation statuses.

Separation of duties: there is one demo login per role, so the U.S. partner liaison enters and
submits the typed figures (from the sources each names) and the Ukrainian reform office approves
or returns them: nobody approves their own figure. One figure waits for the reform office's
approval and one is returned to the liaison, so both logins have something to do.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from spilno.accounts.models import User
from spilno.cooperation.models import (
    ActionItem,
    Indicator,
    IndicatorValue,
    Objective,
    Programme,
    Review,
    Strategy,
)
from spilno.cooperation.services import programmes as prog
from spilno.cooperation.services import recommendations as recs
from spilno.cooperation.services import reviews as meetings
from spilno.cooperation.services import strategies as strat
from spilno.cooperation.services import values as vals
from spilno.cooperation.states import ActionStatus, DocumentStatus, Rating, ReviewKind
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
from spilno.kernel import clock
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level

D = Decimal
K = OrganisationKind
PROGRAMME_TITLE = "Partner Concept: U.S.-Ukraine defence cooperation"

# The four lines of effort, worded as the Partner Concept words them (seed 002).
LINES = [
    (
        "Improve Ukraine’s defenses by bolstering capability to maintain its territorial "
        "integrity and protect its population from hostile acts",
        "Посилити оборону України, нарощуючи спроможність зберігати її територіальну "
        "цілісність і захищати населення від ворожих дій",
        ["combat-capabilities", "provision-and-armament", "unit-training"],
    ),
    (
        "Support Ukrainian defense sector reform to modernize MoD organizations and systems, "
        "improve civilian control of the military, increase transparency and accountability in "
        "defense processes, and promote greater interoperability between U.S. and Ukrainian "
        "forces",
        "Підтримати реформу оборонного сектору України, щоб модернізувати структури й системи "
        "Міністерства оборони, посилити цивільний контроль над військовими, підвищити "
        "прозорість і підзвітність оборонних процесів та сприяти більшій оперативній "
        "сумісності сил США та України",
        ["defence-reform", "personnel-policy", "military-education", "international-formats"],
    ),
    (
        "Improve Ukraine’s defense requirements and resource management processes to generate "
        "and support better manned, trained, and equipped forces",
        "Удосконалити процеси визначення оборонних потреб і управління ресурсами в Україні, "
        "щоб формувати й підтримувати краще укомплектовані, підготовлені та оснащені сили",
        ["defence-reform", "provision-and-armament", "personnel-policy"],
    ),
    (
        "Enhance defense technology cooperation between our two countries through improved "
        "technology security processes and seek ways to encourage industry-to-industry "
        "cooperation",
        "Поглибити співпрацю наших двох країн у сфері оборонних технологій, удосконалюючи "
        "процеси безпеки технологій, і шукати шляхи заохочення співпраці між промисловими "
        "підприємствами",
        ["defence-technology", "defence-industry-reform"],
    ),
]

# line number, objective number, English, Ukrainian
OBJECTIVES = [
    (1, 1, "Train units to NATO standards", "Підготовка підрозділів за стандартами НАТО"),
    (1, 2, "Keep the forces supplied with ammunition and air defence",
     "Забезпечення військ боєприпасами та засобами протиповітряної оборони"),
    (2, 1, "Command and control reformed to NATO standards",
     "Реформування системи управління відповідно до стандартів НАТО"),
    (2, 2, "Transparency and accountability in defence processes",
     "Прозорість і підзвітність оборонних процесів"),
    (2, 3, "Interoperability between U.S. and Ukrainian forces",
     "Оперативна сумісність сил США та України"),
    (3, 1, "Capability-based defence planning and budgeting",
     "Оборонне планування та бюджетування на основі спроможностей"),
    (3, 2, "Requirements turned quickly into contracts and deliveries",
     "Швидке перетворення потреб на контракти та поставки"),
    (4, 1, "Technology security processes aligned with U.S. requirements",
     "Процеси безпеки технологій, узгоджені з вимогами США"),
    (4, 2, "Industry-to-industry cooperation", "Співпраця між промисловими підприємствами"),
]  # fmt: skip


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    objective: tuple[int, int]
    title_en: str
    title_uk: str
    unit: str
    baseline: tuple[str, dt.date]
    target: tuple[str, dt.date]
    source: str = ""
    evidence: str = ""  # prefix of the evidence reference of each figure
    maximum: str | None = None
    direction: str = "increase"
    metric: str = ""
    params: dict[str, str] = field(default_factory=dict)
    half_yearly: bool = False
    # as of, value (illustrative figures)
    figures: tuple[tuple[dt.date, str], ...] = ()


def _d(y: int, m: int, d: int) -> dt.date:
    return dt.date(y, m, d)


def _half_years(first: int, last: dt.date, values: list[str]) -> tuple[tuple[dt.date, str], ...]:
    """Figures as of 30 June and 31 December from ``first``'s June up to ``last``."""
    dates: list[dt.date] = []
    year = first
    while True:
        for day in (_d(year, 6, 30), _d(year, 12, 31)):
            if day <= last:
                dates.append(day)
        if year >= last.year:
            break
        year += 1
    return tuple(zip(dates, values, strict=True))


def _years(
    first: int, values: list[str], mid_year: str | None = None
) -> tuple[tuple[dt.date, str], ...]:
    """Figures as of 31 December of each year from ``first``, then optionally 30 June 2025."""
    rows = [(_d(first + i, 12, 31), v) for i, v in enumerate(values)]
    if mid_year is not None:
        rows.append((_d(2025, 6, 30), mid_year))
    return tuple(rows)


START = _d(2017, 12, 31)
END = _d(2025, 12, 31)
INDICATORS = [
    IndicatorSpec(
        "battalions", (1, 1),
        "Battalions through the collective training cycle with partner trainers (cumulative)",
        "Батальйони, що пройшли цикл колективної підготовки з інструкторами партнерів "
        "(наростаючим підсумком)",
        "count", ("10", START), ("60", END),
        source="Partner training mission, semi-annual training report", evidence="TRG",
        half_yearly=True,
        figures=_half_years(2018, _d(2025, 6, 30), [
            "13", "16", "19", "22", "23", "26", "29", "32", "34", "38", "43", "47", "51", "55",
            "58",
        ]),
    ),
    IndicatorSpec(
        "ad_crews", (1, 2),
        "Air-defence crews trained on partner-provided systems (cumulative)",
        "Розрахунки ППО, підготовлені на системах, наданих партнерами (наростаючим підсумком)",
        "count", ("0", _d(2022, 3, 31)), ("120", END),
        source="General Staff of the Armed Forces of Ukraine, air-defence training reports",
        evidence="ADT", half_yearly=True,
        figures=_half_years(2022, _d(2025, 6, 30), ["6", "18", "34", "47", "63", "80", "94"]),
    ),
    IndicatorSpec(
        "ammunition", (1, 2),
        "Share of artillery ammunition requirements delivered",
        "Частка потреб в артилерійських боєприпасах, задоволених поставками",
        "percent", ("0", START), ("100", END),
        metric="capabilities.delivered_share", params={"cpv": "35330000"},  # ammunition
    ),
    IndicatorSpec(
        "j_structure", (2, 1),
        "Headquarters reorganised on the NATO J-structure",
        "Штаби, реорганізовані за J-структурою НАТО",
        "percent", ("0", START), ("100", _d(2021, 12, 31)),
        source="General Staff of the Armed Forces of Ukraine, reform progress report",
        evidence="GS-REF", half_yearly=True,
        figures=_half_years(
            2018, _d(2021, 12, 31), ["5", "15", "30", "45", "60", "80", "92", "100"]
        ),
    ),
    IndicatorSpec(
        "open_procedures", (2, 2),
        "Defence procurement value awarded through open procedures",
        "Частка вартості оборонних закупівель, присуджених через відкриті процедури",
        "percent", ("28", START), ("70", END),
        source="Ministry of Defence of Ukraine, annual procurement report", evidence="PROC",
        figures=_years(2018, ["31", "38", "44", "49", "21", "27", "36"], mid_year="41"),
    ),
    IndicatorSpec(
        "parp", (2, 3),
        "NATO Partnership Goals assessed as implemented",
        "Цілі партнерства НАТО, визнані виконаними",
        "percent", ("20", START), ("80", END),
        source="NATO Planning and Review Process (PARP) assessment", evidence="PARP",
        figures=_years(2018, ["26", "34", "45", "52", "55", "61", "68"]),
    ),
    IndicatorSpec(
        "capability_budget", (3, 1),
        "Defence budget planned through capability programmes",
        "Частка оборонного бюджету, спланована через програми розвитку спроможностей",
        "percent", ("10", START), ("90", END),
        source="Ministry of Defence of Ukraine, defence planning department", evidence="DPL",
        figures=_years(2018, ["18", "30", "42", "55", "40", "48", "60"]),
    ),
    IndicatorSpec(
        "days_to_contract", (3, 2),
        "Median days from tender to contract",
        "Медіанна кількість днів від тендеру до контракту",
        "days", ("120", _d(2023, 12, 31)), ("45", END), direction="decrease",
        metric="procurement.median_days_to_contract",
    ),
    IndicatorSpec(
        "tsfd", (4, 1),
        "Technology security and foreign disclosure procedures in place (of 8 planned)",
        "Запроваджені процедури безпеки технологій і розкриття інформації іноземним партнерам "
        "(з 8 запланованих)",
        "count", ("0", START), ("8", END), maximum="8",
        source="U.S. Department of Defense, technology security review", evidence="TSFD",
        figures=_years(2018, ["1", "2", "3", "5", "5", "6", "7"]),
    ),
    IndicatorSpec(
        "industry", (4, 2),
        "Active U.S.-Ukrainian industry cooperation agreements",
        "Чинні угоди про промислову співпрацю між підприємствами США та України",
        "count", ("2", START), ("20", END),
        source="Office of Defense Cooperation, industry cooperation register", evidence="IND",
        figures=_years(2018, ["3", "5", "6", "8", "9", "13", "17"], mid_year="18"),
    ),
]  # fmt: skip

# Organisations the cooperation demo needs besides those of the world (DESIGN §9).
ORGANISATIONS = [
    # key, name_en, name_uk, short, country, kind
    ("opu", "Office of the President of Ukraine", "Офіс Президента України", "OP", "UA",
     K.AGENCY),
    ("nsdc", "National Security and Defense Council of Ukraine",
     "Рада національної безпеки і оборони України", "NSDC", "UA", K.AGENCY),
    ("us_embassy", "Embassy of the United States in Ukraine", "Посольство США в Україні",
     "U.S. Embassy", "US", K.AGENCY),
    ("social", "Ministry of Social Policy of Ukraine", "Міністерство соціальної політики України",
     "MinSocPolicy", "UA", K.MINISTRY),
    ("msi", "Ministry of Strategic Industries of Ukraine",
     "Міністерство з питань стратегічних галузей промисловості України", "MSI", "UA",
     K.MINISTRY),
    ("interior", "Ministry of Internal Affairs of Ukraine", "Міністерство внутрішніх справ України",
     "MIA", "UA", K.MINISTRY),
    ("economy", "Ministry of Economy of Ukraine", "Міністерство економіки України",
     "MinEconomy", "UA", K.MINISTRY),
    ("energy", "Ministry of Energy of Ukraine", "Міністерство енергетики України", "MinEnergy",
     "UA", K.MINISTRY),
    ("environment", "Ministry of Environmental Protection and Natural Resources of Ukraine",
     "Міністерство захисту довкілля та природних ресурсів України", "MinEnvironment", "UA",
     K.MINISTRY),
    ("health", "Ministry of Health of Ukraine", "Міністерство охорони здоров'я України", "MoH",
     "UA", K.MINISTRY),
    ("agrarian", "Ministry of Agrarian Policy and Food of Ukraine",
     "Міністерство аграрної політики та продовольства України", "MinAgro", "UA", K.MINISTRY),
    ("culture", "Ministry of Culture and Information Policy of Ukraine",
     "Міністерство культури та інформаційної політики України", "MCIP", "UA", K.MINISTRY),
    ("intelligence", "Intelligence Committee under the President of Ukraine",
     "Комітет з питань розвідки при Президентові України", "Intelligence Committee", "UA",
     K.AGENCY),
    ("mfa", "Ministry of Foreign Affairs of Ukraine", "Міністерство закордонних справ України",
     "MFA", "UA", K.MINISTRY),
    ("border", "State Border Guard Service of Ukraine", "Державна прикордонна служба України",
     "SBGS", "UA", K.AGENCY),
]  # fmt: skip
WORLD = {
    "mod_ua": "MoD UA", "dpa": "DPA", "afu": "AFU", "dod": "DoD", "nato": "NATO", "nspa": "NSPA",
    "no_mod": "MoD NO", "mjc": "MJC",
}  # fmt: skip


@dataclass
class CooperationResult:
    created: bool
    programme: Programme
    review: Review
    strategy: Strategy

    def summary(self) -> str:
        p = self.programme
        lines = p.lines.count()
        indicators = Indicator.objects.filter(objective__line__programme=p).count()
        figures = IndicatorValue.objects.filter(indicator__objective__line__programme=p).count()
        meetings_held = p.reviews.filter(status="held").count()
        return (
            f"{p.title_en} ({lines} lines of effort, {indicators} indicators, {figures} figures, "
            f"{meetings_held} progress reviews held); {self.review.title_en} "
            f"({self.review.recommendations.count()} recommendations); {self.strategy.title_en} "
            f"({self.strategy.documents.count()} documents)"
        )


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def at(day: dt.date, hour: int = 10) -> AbstractContextManager[None]:
    """Run a block at ``hour`` o'clock (Kyiv time) of ``day``."""
    return clock.travel(_moment(day, hour))


def build_cooperation() -> CooperationResult:
    """Create the cooperation demo once (after the world and its procurement, which the computed
    indicators read); a second run changes nothing."""
    partner_concept = Agreement.objects.get(reference="Partner Concept")
    existing = Programme.objects.filter(agreement=partner_concept, title_en=PROGRAMME_TITLE).first()
    if existing is not None:
        return CooperationResult(
            created=False,
            programme=existing,
            review=Review.objects.get(title_en=SDPR_TITLE),
            strategy=Strategy.objects.get(title_en=NSS_TITLE),
        )
    with transaction.atomic():
        orgs = _organisations()
        reform = User.objects.get(username="reformer")
        liaison = User.objects.get(username="liaison")
        framework = _framework_agreement(orgs)
        programme, objectives, indicators = _programme(partner_concept, reform)
        figures = _Figures(indicators, liaison, reform)
        _progress_reviews(programme, orgs, reform, figures, framework)
        figures.finish()
        _compute(indicators, reform)
        review = _procurement_review(orgs, objectives, reform)
        strategy = _strategy(orgs)
    programme.refresh_from_db()  # the services locked periods on their own copies
    return CooperationResult(created=True, programme=programme, review=review, strategy=strategy)


def _organisations() -> dict[str, Organisation]:
    orgs = {key: Organisation.objects.get(short_name=short) for key, short in WORLD.items()}
    system = SystemActor()
    for key, en, uk, short, country, kind in ORGANISATIONS:
        found = Organisation.objects.filter(name_en=en, country=country).first()
        orgs[key] = found or create_organisation(
            actor=system, name_en=en, name_uk=uk, short_name=short, country=country, kind=kind
        )
    return orgs


def _framework_agreement(orgs: dict[str, Organisation]) -> Agreement:
    """The bilateral framework agreement whose drafting the meeting of 23 December 2020
    proposed: the world holds it as a draft; created here only if it does not."""
    found = Agreement.objects.filter(
        kind=AgreementKind.BILATERAL_FRAMEWORK,
        status=AgreementStatus.DRAFT,
        agreement_parties__organisation=orgs["dod"],
    ).first()
    if found is not None:
        return found
    return create_agreement(
        actor=SystemActor(),
        title_en="Bilateral framework agreement on defence cooperation (U.S.-Ukraine)",
        title_uk="Рамкова угода про оборонне співробітництво (США — Україна)",
        reference="proposed 2020-12-23",
        kind=AgreementKind.BILATERAL_FRAMEWORK,
        status=AgreementStatus.DRAFT,
        summary="Drafting proposed at the meeting of 23 December 2020 summing up the year's "
        "cooperation; to cover all areas of Ukrainian-American defence cooperation.",
        parties=[(orgs["mod_ua"], PartyRole.SIGNATORY), (orgs["dod"], PartyRole.SIGNATORY)],
        areas=list(CooperationArea.objects.all()),
        classification=Level.INTERNAL,
    )


# --- the programme ---------------------------------------------------------------------------
Objectives = dict[tuple[int, int], Objective]


def _programme(
    agreement: Agreement, reform: User
) -> tuple[Programme, Objectives, dict[str, Indicator]]:
    areas = {a.slug: a for a in CooperationArea.objects.all()}
    with at(_d(2018, 1, 15)):
        programme = prog.create_programme(
            actor=reform,
            agreement=agreement,
            title_en=PROGRAMME_TITLE,
            title_uk="Концепція партнерства: оборонне співробітництво США та України",
            description="Cooperation between the U.S. Department of Defense and the Ministry of "
            "Defence of Ukraine under the Partner Concept: four lines of effort, evaluated at "
            "annual bilateral defense consultations and interim progress reviews; assistance and "
            "reform efforts with other partners are synchronised through the Multinational Joint "
            "Commission. The indicator figures of this demo are illustrative.",
            starts_on=_d(2018, 1, 1),
            classification=Level.RESTRICTED,
        )
        lines = {}
        for number, (en, uk, slugs) in enumerate(LINES, start=1):
            lines[number] = prog.add_line(
                actor=reform,
                programme=programme,
                number=number,
                title_en=en,
                title_uk=uk,
                areas=[areas[s] for s in slugs],
            )
        objectives: Objectives = {}
        for line, number, en, uk in OBJECTIVES:
            objectives[(line, number)] = prog.add_objective(
                actor=reform,
                line=lines[line],
                number=number,
                title_en=en,
                title_uk=uk,
                target_date=END,
            )
        indicators = {}
        for spec in INDICATORS:
            indicators[spec.key] = prog.add_indicator(
                actor=reform,
                objective=objectives[spec.objective],
                title_en=spec.title_en,
                title_uk=spec.title_uk,
                unit=spec.unit,
                direction=spec.direction,
                baseline=D(spec.baseline[0]),
                baseline_date=spec.baseline[1],
                target=D(spec.target[0]),
                target_date=spec.target[1],
                minimum=D(0),
                maximum=D(spec.maximum) if spec.maximum else None,
                metric=spec.metric,
                metric_params=spec.params,
                source=spec.source,
            )
    return programme, objectives, indicators


class _Figures:
    """Typed figures in date order: entered and submitted by the liaison some three weeks after
    the period ends, approved by the reform office two weeks later."""

    def __init__(self, indicators: dict[str, Indicator], liaison: User, reform: User) -> None:
        self.liaison, self.reform = liaison, reform
        self.pending = sorted(
            (
                (as_of, spec, indicators[spec.key], value)
                for spec in INDICATORS
                for as_of, value in spec.figures
            ),
            key=lambda row: (row[0], row[1].key),
        )

    @staticmethod
    def _evidence(spec: IndicatorSpec, as_of: dt.date) -> str:
        """A report reference: ``TRG-2019-H1``, ``TRG-2019-H2``, ``PROC-2019``."""
        if as_of.month == 6:
            return f"{spec.evidence}-{as_of.year}-H1"
        return f"{spec.evidence}-{as_of.year}" + ("-H2" if spec.half_yearly else "")

    def _enter(self, spec: IndicatorSpec, indicator: Indicator, as_of: dt.date, value: str) -> Any:
        with at(as_of + dt.timedelta(days=20)):
            row = vals.enter_value(
                actor=self.liaison,
                indicator=indicator,
                as_of=as_of,
                value=D(value),
                unit=spec.unit,
                source=spec.source,
                evidence=self._evidence(spec, as_of),
            )
            return vals.submit_value(actor=self.liaison, value=row)

    def report_until(self, until: dt.date) -> None:
        """Enter and approve every figure up to ``until`` (before a review looks at them)."""
        while self.pending and self.pending[0][0] <= until:
            as_of, spec, indicator, value = self.pending.pop(0)
            row = self._enter(spec, indicator, as_of, value)
            with at(as_of + dt.timedelta(days=35)):
                vals.approve_value(actor=self.reform, value=row)

    def finish(self) -> None:
        """The last half-year: one figure returned to the liaison, one waiting for approval."""
        for as_of, spec, indicator, value in self.pending:
            row = self._enter(spec, indicator, as_of, value)
            with at(as_of + dt.timedelta(days=35)):
                if spec.key == "open_procedures":
                    vals.return_value(
                        actor=self.reform,
                        value=row,
                        note="The share counts call-off orders under framework agreements "
                        "twice; recompute it without them and attach the half-year report.",
                    )
                elif spec.key != "industry":  # left submitted: waiting for the reform office
                    vals.approve_value(actor=self.reform, value=row)
        self.pending = []


def _compute(indicators: dict[str, Indicator], reform: User) -> None:
    """Computed indicators read the demo's procurement (its last five months)."""
    today = clock.today()
    for key in ("ammunition", "days_to_contract"):
        # Read afresh: the reviews have locked periods since the indicator was created.
        indicator = Indicator.objects.select_related("objective__line__programme").get(
            pk=indicators[key].pk
        )
        locked = indicator.objective.line.programme.locked_until or dt.date.min
        for days in (120, 90, 60, 30, 0):
            as_of = today - dt.timedelta(days=days)
            if as_of > locked:  # a reviewed period keeps its figures
                vals.compute_value(actor=reform, indicator=indicator, as_of=as_of)


# --- progress reviews ------------------------------------------------------------------------
@dataclass
class Meeting:
    kind: str
    title: str
    held_on: dt.date
    place: str
    period: tuple[dt.date, dt.date]
    participants: list[tuple[str, str, str]]  # organisation key, person, position
    ratings: dict[int, tuple[str, str]]  # line number: rating, narrative
    decisions: list[tuple[int | None, str]]
    actions: list[tuple[str, int | None, str, str, str, dt.date]]  # key, line, text, owner…
    follow_ups: list[tuple[str, str, str]] = field(default_factory=list)  # action key, status…
    objective_ratings: list[tuple[int, int, str, str]] = field(default_factory=list)
    summary: str = ""
    lock: dt.date | None = None


ON, RISK, OFF = Rating.ON_TRACK, Rating.AT_RISK, Rating.OFF_TRACK
DONE, PROGRESS, DROPPED = ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.DROPPED
UA_DEPUTY = ("mod_ua", "", "Deputy Minister of Defence of Ukraine")
US_DASD = ("dod", "", "Deputy Assistant Secretary of Defense for Russia, Ukraine and Eurasia")
GENERAL_STAFF = ("afu", "", "Deputy Chief of the General Staff of the Armed Forces of Ukraine")
MJC = ("mjc", "", "Multinational Joint Commission secretariat")


def _meetings(framework: Agreement) -> list[Meeting]:
    """Dates, places and narratives other than the meeting of 23 December 2020 are illustrative;
    the narratives quote the illustrative figures above."""
    today = clock.today()
    areas_listed = (
        "defence reform; personnel policy; development of combat capabilities of the Armed "
        "Forces of Ukraine; comprehensive provision and armament of troops; reform of the "
        "defence industry; training of military units; military education; science and "
        "development of defence technologies; treatment and rehabilitation of wounded "
        "servicemen; social protection of veterans, servicemen and members of their families; "
        "mutual participation in international formats of cooperation; and other issues "
        "important for Ukraine's defence capabilities"
    )
    return [
        Meeting(
            ReviewKind.INTERIM_REVIEW,
            "Interim progress review, spring 2019",
            _d(2019, 4, 18),
            "Kyiv",
            (_d(2018, 1, 1), _d(2018, 12, 31)),
            [UA_DEPUTY, US_DASD, GENERAL_STAFF, MJC],
            {
                1: (ON, "16 battalions through the collective training cycle by the end of "
                    "2018 (10 at the baseline): on course for the 2025 target."),
                2: (RISK, "Conversion of headquarters to the J-structure reached 15% against "
                    "25% planned; 31% of procurement value awarded through open procedures."),
                3: (OFF, "Only 18% of the defence budget is planned through capability "
                    "programmes; requirements are still set service by service."),
                4: (RISK, "One technology-security procedure of eight in place; three industry "
                    "cooperation agreements; no framework yet for sharing controlled "
                    "technology with industry."),
            },
            [
                (2, "Adopt a joint roadmap for converting the General Staff and the service "
                    "headquarters to the J-structure by the end of 2019."),
                (3, "Pilot capability-based planning on two capability programmes of the "
                    "2020 budget."),
            ],
            [
                ("roadmap", 2, "Draft the J-structure conversion roadmap and share it with "
                 "the U.S. advisers", "mod_ua", "", _d(2019, 7, 31)),
                ("planning_method", 3, "Prepare the method for capability-based planning of "
                 "the 2020 budget", "mod_ua", "", _d(2019, 9, 30)),
                ("tsfd_requirements", 4, "Share the U.S. technology-security and "
                 "foreign-disclosure requirements relevant to co-production", "dod", "",
                 _d(2019, 6, 30)),
            ],
            lock=_d(2018, 12, 31),
        ),
        Meeting(
            ReviewKind.ANNUAL_CONSULTATION,
            "Annual bilateral defense consultations 2019",
            _d(2019, 10, 24),
            "Washington, D.C.",
            (_d(2019, 1, 1), _d(2019, 6, 30)),
            [UA_DEPUTY, US_DASD, GENERAL_STAFF],
            {
                1: (ON, "19 battalions trained by mid-2019; the training throughput holds."),
                2: (RISK, "J-structure conversion at 30% against 40% planned: the roadmap was "
                    "adopted in July, staffing of the new headquarters lags."),
                3: (RISK, "The capability-based planning method is ready and piloted on two "
                    "programmes of the 2020 budget."),
                4: (RISK, "U.S. technology-security requirements handed over; the Ukrainian "
                    "procedures are still to be written."),
            },
            [
                (2, "Complete the conversion of the General Staff to the J-structure in 2020."),
                (4, "Set up a joint working group on industry-to-industry cooperation."),
            ],
            [
                ("general_staff", 2, "Complete the conversion of the General Staff to the "
                 "J-structure", "afu", "", _d(2020, 12, 31)),
                ("industry_group", 4, "Set up the joint working group on industry-to-industry "
                 "cooperation and hold its first meeting", "dod", "", _d(2020, 3, 31)),
            ],
            follow_ups=[
                ("roadmap", DONE, "Roadmap adopted in July 2019."),
                ("planning_method", PROGRESS, "Method drafted; piloted on two programmes of "
                 "the 2020 budget."),
                ("tsfd_requirements", DONE, "Requirements handed over in June 2019."),
            ],
            lock=_d(2019, 6, 30),
        ),
        # Seed 000: the meeting of 23 December 2020, as the President's Office reported it.
        Meeting(
            ReviewKind.WORKING_MEETING,
            "Results of bilateral cooperation in national security and defence in 2020",
            _d(2020, 12, 23),
            "Kyiv",
            (_d(2020, 1, 1), _d(2020, 12, 31)),
            [
                ("opu", "Roman Mashovets", "Deputy Head of the Office of the President of "
                 "Ukraine"),
                ("us_embassy", "Kristina Kvien", "Chargé d'Affaires a.i. of the United States "
                 "in Ukraine"),
            ],
            {
                1: (ON, "The joint strategic command and staff exercise \"Joint Efforts - "
                    "2020\" involved representatives of the armies of NATO member states, "
                    "including the United States and the United Kingdom, together with "
                    "Ukrainian units."),
                2: (ON, "The management system of the Armed Forces of Ukraine was reformed "
                    "according to Alliance standards and the list of senior military ranks "
                    "changed in accordance with the standards of leading NATO member states; "
                    "Ukraine obtained NATO Enhanced Opportunities Partner status in June."),
                3: (RISK, "Capability programmes cover 30% of the budget (2019): the pilots "
                    "must be extended to the whole budget."),
                4: (RISK, "The Ministry of Strategic Industries of Ukraine, established this "
                    "year, gives industry cooperation a counterpart; two technology-security "
                    "procedures of eight in place."),
            },
            [
                (None, "Start drafting a bilateral framework agreement on defence cooperation, "
                 f"covering all areas of Ukrainian-American defence cooperation: {areas_listed}. "
                 f"Recorded as the draft agreement \"{framework.title_en}\" "
                 f"({framework.reference})."),
                (None, "Work next year on the further development of the agreement base between "
                 "Ukraine and the United States on defence cooperation, and make efforts to use "
                 "effectively the U.S. assistance to Ukraine's defence forces scheduled for "
                 "2021."),
            ],
            [
                ("framework_draft", None, "Prepare the first draft of the bilateral framework "
                 f"agreement on defence cooperation (draft agreement \"{framework.title_en}\")",
                 "opu", "Deputy Head of the Office of the President of Ukraine",
                 _d(2021, 3, 31)),
                ("assistance_2021", 1, "Agree the plan for using the U.S. assistance to "
                 "Ukraine's defence forces scheduled for 2021", "mod_ua", "", _d(2021, 3, 31)),
            ],
            follow_ups=[
                ("planning_method", DONE, "Method applied to two programmes of the 2020 "
                 "budget."),
                ("general_staff", DONE, "Management system of the Armed Forces reformed "
                 "according to Alliance standards."),
                ("industry_group", PROGRESS, "Working group set up; its first meeting is "
                 "planned for early 2021."),
            ],
            summary="Summing up bilateral cooperation in national security and defence in 2020 "
            "and outlining plans for the next year and beyond. Ukraine's course to join NATO is "
            "unchanged; the parties positively assessed Ukraine's status of NATO Enhanced "
            "Opportunities Partner obtained in June 2020. Among the most important results: the "
            "reform of the management system of the Armed Forces of Ukraine according to "
            "Alliance standards; the establishment of the Intelligence Committee and the "
            "Ministry of Strategic Industries of Ukraine; changes in the list of senior military "
            "ranks in accordance with the standards of leading NATO member states; the joint "
            "strategic command and staff exercise \"Joint Efforts - 2020\" with representatives "
            "of the armies of NATO member states, including the United States and the United "
            "Kingdom. The United States reaffirmed its willingness to continue assistance in "
            "developing Ukraine's defence capabilities and to develop new formats of bilateral "
            "cooperation; Ukraine's accession to NATO's Enhanced Opportunities Program is to "
            "become operational next year.",
        ),
        Meeting(
            ReviewKind.INTERIM_REVIEW,
            "Interim progress review, summer 2021",
            _d(2021, 6, 17),
            "Kyiv",
            (_d(2020, 1, 1), _d(2020, 12, 31)),
            [UA_DEPUTY, US_DASD, GENERAL_STAFF, MJC],
            {
                1: (ON, "26 battalions through the training cycle by the end of 2020, despite "
                    "restrictions on training during the year."),
                2: (ON, "J-structure conversion at 80% at the end of 2020; open procedures at "
                    "44% of procurement value; 45% of Partnership Goals implemented."),
                3: (RISK, "Capability programmes cover 42% of the budget: progress, but below "
                    "the 50% planned for 2020."),
                4: (ON, "The industry working group has met; six industry cooperation "
                    "agreements and three technology-security procedures in place."),
            },
            [
                (2, "Publish the Ministry of Defence's annual procurement plan in open format "
                    "from 2022."),
                (3, "Extend capability-based planning to the whole defence budget for 2022."),
            ],
            [
                ("open_plan", 2, "Publish the annual procurement plan of the Ministry of "
                 "Defence in open format", "mod_ua", "", _d(2021, 12, 31)),
                ("whole_budget", 3, "Extend capability-based planning to the whole 2022 "
                 "defence budget", "mod_ua", "", _d(2021, 12, 31)),
            ],
            follow_ups=[
                ("industry_group", DONE, "First meeting held in February 2021."),
                ("framework_draft", DONE, "First draft exchanged with the U.S. side; the "
                 "agreement stays a draft until it is negotiated and signed."),
                ("assistance_2021", DONE, "Plan agreed in the Multinational Joint Commission."),
            ],
            lock=_d(2020, 12, 31),
        ),
        Meeting(
            ReviewKind.ANNUAL_CONSULTATION,
            "Annual bilateral defense consultations 2023",
            _d(2023, 11, 16),
            "Washington, D.C.",
            (_d(2021, 1, 1), _d(2023, 6, 30)),
            [UA_DEPUTY, US_DASD, GENERAL_STAFF],
            {
                1: (RISK, "Since the full-scale invasion, training continues in partner "
                    "countries: 43 battalions by mid-2023 and 34 air-defence crews trained on "
                    "partner-provided systems; demand for ammunition and air defence outstrips "
                    "supply."),
                2: (RISK, "Under martial law the share of procurement value awarded through "
                    "open procedures fell to 21% (2022); 55% of Partnership Goals implemented."),
                3: (OFF, "Wartime procurement outran planning: capability programmes cover 40% "
                    "of the 2022 budget, down from 55%."),
                4: (ON, "Nine industry cooperation agreements at the end of 2022, more under "
                    "negotiation; five technology-security procedures in place."),
            },
            [
                (3, "The Ministry of Defence of Ukraine asks NATO for a strategic review of "
                    "defence procurement under the Comprehensive Assistance Package; the U.S. "
                    "side supports the request."),
                (2, "Agree a method for publishing procurement data once security allows."),
            ],
            [
                ("review_terms", 3, "Agree with Allies the terms of reference of a strategic "
                 "review of defence procurement", "mod_ua", "", _d(2024, 3, 31)),
                ("declassification", 2, "Publish a method for declassifying procurement data "
                 "after delivery", "mod_ua", "", _d(2024, 6, 30)),
                ("coproduction_channel", 4, "Set up a channel for technology-security reviews "
                 "of co-production projects", "dod", "", _d(2024, 9, 30)),
            ],
            follow_ups=[
                ("open_plan", DONE, "Annual procurement plan published in open format."),
                ("whole_budget", DROPPED, "Overtaken by the full-scale invasion: the 2022 "
                 "budget was re-planned under martial law."),
            ],
            objective_ratings=[
                (2, 2, OFF, "Open procedures at 21% of procurement value in 2022 against a "
                 "target of 70%: procurement is classified more broadly than security "
                 "requires."),
            ],
            lock=_d(2023, 6, 30),
        ),
        Meeting(
            ReviewKind.INTERIM_REVIEW,
            "Interim progress review, spring 2025",
            _d(2025, 5, 22),
            "Kyiv",
            (_d(2023, 7, 1), _d(2024, 12, 31)),
            [UA_DEPUTY, US_DASD, GENERAL_STAFF, MJC],
            {
                1: (RISK, "55 battalions and 80 air-defence crews trained by the end of 2024: "
                    "training keeps pace, ammunition deliveries still fall short of "
                    "requirements."),
                2: (ON, "Open procedures back to 36% of procurement value (2024); the Strategic "
                    "Defence Procurement Review's recommendations, adopted at the Washington "
                    "Summit, set the path; 68% of Partnership Goals implemented."),
                3: (RISK, "Capability programmes cover 60% of the 2024 budget; multi-year "
                    "procurement planning introduced after the review."),
                4: (ON, "17 industry cooperation agreements; seven technology-security "
                    "procedures of eight in place; joint production projects under way."),
            },
            [
                (2, "Follow the implementation of the Strategic Defence Procurement Review's "
                    "recommendations at every review of the Partner Concept."),
                (1, "Give priority to the training of air-defence crews in 2025."),
            ],
            [
                # Due after the day the demo is built, so that they are open but not late.
                ("sdpr_report", 2, "Report on the Strategic Defence Procurement Review's "
                 "recommendations due in 2025", "mod_ua", "", today + dt.timedelta(days=60)),
                ("export_cases", 4, "Review the export-control cases for joint production of "
                 "air-defence components", "dod", "", today + dt.timedelta(days=120)),
            ],
            follow_ups=[
                ("review_terms", DONE, "Terms of reference agreed; the review was launched in "
                 "Luxembourg in March 2024."),
                ("declassification", PROGRESS, "Method drafted; waits for the review of secrecy "
                 "rules the Strategic Defence Procurement Review recommends."),
                ("coproduction_channel", DONE, "Channel in place since September 2024."),
            ],
            lock=_d(2024, 12, 31),
        ),
    ]  # fmt: skip


def _progress_reviews(
    programme: Programme,
    orgs: dict[str, Organisation],
    reform: User,
    figures: _Figures,
    framework: Agreement,
) -> None:
    lines = {line.number: line for line in programme.lines.all()}
    actions: dict[str, ActionItem] = {}
    for m in _meetings(framework):
        figures.report_until(m.held_on - dt.timedelta(days=40))
        with at(m.held_on - dt.timedelta(days=30)):
            review = meetings.plan_review(
                actor=reform,
                programme=programme,
                kind=m.kind,
                title=m.title,
                held_on=m.held_on,
                place=m.place,
                period_start=m.period[0],
                period_end=m.period[1],
            )
        with at(m.held_on, 18):
            for key, person, position in m.participants:
                meetings.add_participant(
                    actor=reform,
                    review=review,
                    organisation=orgs[key],
                    person=person,
                    position=position,
                )
            for number, (rating, narrative) in m.ratings.items():
                meetings.rate(
                    actor=reform,
                    review=review,
                    line=lines[number],
                    rating=rating,
                    narrative=narrative,
                )
            for number, objective, rating, narrative in m.objective_ratings:
                meetings.rate(
                    actor=reform,
                    review=review,
                    line=lines[number],
                    objective=lines[number].objectives.get(number=objective),
                    rating=rating,
                    narrative=narrative,
                )
            for number_or_none, text in m.decisions:
                meetings.add_decision(
                    actor=reform,
                    review=review,
                    text=text,
                    line=lines[number_or_none] if number_or_none else None,
                )
            for key, status, note in m.follow_ups:
                meetings.follow_up(
                    actor=reform, review=review, action=actions[key], status=status, note=note
                )
            for key, number_or_none, text, owner, person, due in m.actions:
                actions[key] = meetings.add_action(
                    actor=reform,
                    review=review,
                    text=text,
                    owner=orgs[owner],
                    owner_person=person,
                    due_on=due,
                    line=lines[number_or_none] if number_or_none else None,
                )
            meetings.mark_held(actor=reform, review=review, summary=m.summary)
        if m.lock is not None:
            with at(m.held_on + dt.timedelta(days=7)):
                prog.lock_period(actor=reform, programme=programme, until=m.lock)
        if m.held_on == _d(2019, 4, 18):
            _revise_first_figure(programme, figures)
    # The next consultations, planned: the figures since the last review will be looked at.
    today = clock.today()
    meetings.plan_review(
        actor=reform,
        programme=programme,
        kind=ReviewKind.ANNUAL_CONSULTATION,
        title="Annual bilateral defense consultations",
        held_on=today + dt.timedelta(days=45),
        place="Kyiv",
        period_start=_d(2025, 1, 1),
        period_end=today,
    )


def _revise_first_figure(programme: Programme, figures: _Figures) -> None:
    """After the first lock, a reviewed figure is corrected by a revision, never in place."""
    indicator = Indicator.objects.get(
        objective__line__programme=programme, title_en__startswith="Battalions"
    )
    reviewed = indicator.values.get(as_of=_d(2018, 12, 31))
    with at(_d(2019, 5, 10)):
        revision = vals.revise_value(
            actor=figures.liaison,
            value=reviewed,
            new_value=D(15),
            reason="One battalion was counted in both halves of 2018: its rotation straddled "
            "the end of June.",
            evidence="TRG-2018-H2-corrigendum",
        )
        vals.submit_value(actor=figures.liaison, value=revision)
    with at(_d(2019, 5, 20)):
        vals.approve_value(actor=figures.reform, value=revision)


# --- the Strategic Defence Procurement Review --------------------------------------------------
SDPR_TITLE = "NATO-Ukraine Strategic Defence Procurement Review"
# The launch conference: seeds 001 and 004 say "this week"; NATO's announcement of 18 March 2024
# and the reports of 19 March give 18-19 March 2024 in Luxembourg (public record, not the seeds).
LUXEMBOURG = _d(2024, 3, 18)
# NATO Washington Summit, 9-11 July 2024; the recommendations are recorded as adopted on 10 July,
# the day of the summit declaration (the exact day of endorsement is approximate).
WASHINGTON = _d(2024, 7, 10)
SUMMIT = "NATO Washington Summit (9–11 July 2024)"

WORKING_GROUPS = [
    # name, topic, members (organisation key, person or role, chair)
    ("Policy and long-term planning",
     "Procurement policy, multi-year planning from capability programmes, lessons learned",
     [("mod_ua", "Procurement policy department", True),
      ("no_mod", "Norwegian defence procurement experts", False),
      ("nspa", "NSPA subject-matter experts", False)]),
    ("Procedures and contracting",
     "Tendering, direct contracts, interoperability of Ukrainian and Allied purchases",
     [("nspa", "NSPA acquisition experts", True),
      ("dpa", "Defence Procurement Agency", False),
      ("mod_ua", "Procurement policy department", False)]),
    ("Transparency, secrecy and oversight",
     "Classification of procurement, parliamentary oversight, integrity",
     [("no_mod", "Norwegian defence procurement experts", True),
      ("nato", "NATO International Staff experts", False),
      ("mod_ua", "Procurement policy department", False)]),
]  # fmt: skip


@dataclass(frozen=True)
class RecommendationSpec:
    title_en: str
    title_uk: str
    text: str
    group: int  # index in WORKING_GROUPS
    responsible: str
    due: dt.date | None
    objectives: tuple[tuple[int, int], ...]
    areas: tuple[str, ...]
    # after adoption: (status, date, evidence, note); verification is by the review team
    steps: tuple[tuple[str, dt.date, str, str], ...] = ()


# The published review holds 21 recommendations; the demo holds seven, after the themes
# reported when it was adopted (interoperability, long-term planning, direct contracts and
# competition, secrecy, Parliament's role, lessons learned, Allies learning from Ukraine). Their
# wording and their progress after adoption are illustrative.
RECOMMENDATIONS = [
    RecommendationSpec(
        "Interoperable defence procurement", "Оперативна сумісність оборонних закупівель",
        "Align Ukraine's defence procurement with NATO standards and practices (codification, "
        "standardised specifications, joint purchases through NSPA) so that Ukrainian and "
        "Allied purchases can be combined.",
        1, "mod_ua", _d(2025, 12, 31), ((2, 3),), ("provision-and-armament",
                                                   "international-formats"),
        (("in_implementation", _d(2024, 10, 1), "", "Codification project started with NSPA."),),
    ),
    RecommendationSpec(
        "Long-term procurement planning", "Довгострокове планування закупівель",
        "Plan defence procurement over several years from the capability programmes, and "
        "publish the unclassified part of the multi-year plan.",
        0, "mod_ua", _d(2025, 6, 30), ((3, 1),), ("defence-reform", "provision-and-armament"),
        (("in_implementation", _d(2024, 9, 2), "", ""),
         ("implemented", _d(2025, 3, 14), "Multi-year defence procurement plan 2025-2027, "
          "ref. PP-2025-01", "Approved by the Minister of Defence."),
         ("verified", _d(2025, 6, 20), "Review team follow-up report, ref. SDPR-FU-2025-1",
          "Verified by the review team: the plan covers every capability programme and its "
          "unclassified part is published.")),
    ),
    RecommendationSpec(
        "Direct contracts and competitive tendering", "Прямі контракти та конкурентні закупівлі",
        "Improve the procedures for direct contracts and competitive tendering: justify every "
        "direct contract in writing and return to competition wherever security allows.",
        1, "dpa", _d(2025, 3, 31), ((3, 2), (2, 2)), ("provision-and-armament",),
        (("in_implementation", _d(2024, 9, 2), "", ""),
         ("implemented", _d(2025, 4, 10), "DPA procedure for direct contracts with written "
          "justification, ref. DPA-PR-2025-04", "")),
    ),
    RecommendationSpec(
        "Normalise the secrecy of defence procurement",
        "Нормалізація рівня секретності оборонних закупівель",
        "Classify only what security requires, publish the rest, and declassify procurement "
        "data on a schedule after delivery.",
        2, "mod_ua", _d(2025, 12, 31), ((2, 2),), ("defence-reform",),
        (("in_implementation", _d(2024, 11, 15), "", "Review of secrecy rules started."),),
    ),
    RecommendationSpec(
        "Parliamentary oversight of defence procurement",
        "Парламентський контроль за оборонними закупівлями",
        "Give Parliament the leading role in civilian democratic control of defence "
        "procurement, with regular reporting to its committees.",
        2, "mod_ua", _d(2026, 6, 30), ((2, 2),), ("defence-reform",),
    ),
    RecommendationSpec(
        "A lessons-learned mechanism for procurement",
        "Механізм врахування набутого досвіду в закупівлях",
        "Set up a lessons-learned mechanism that feeds the experience of wartime procurement "
        "back into rules and plans.",
        0, "mod_ua", _d(2025, 9, 30), ((3, 2),), ("defence-reform",),
        (("in_implementation", _d(2025, 1, 20), "", ""),),
    ),
    RecommendationSpec(
        "Allies learn from Ukraine's wartime procurement and logistics",
        "Союзники вивчають досвід України у воєнних закупівлях і логістиці",
        "Share Ukraine's experience of organising procurement and logistics under full-scale "
        "invasion with NATO members and NSPA: the review works both ways.",
        0, "nspa", None, (), ("international-formats",),
    ),
]  # fmt: skip


def _procurement_review(
    orgs: dict[str, Organisation], objectives: Objectives, reform: User
) -> Review:
    """Seeds 001 and 004: part of the Comprehensive Assistance Package, led by Norway at the
    request of Ukraine's Ministry of Defence, with experts of the Alliance and NSPA; working
    groups formed at the Luxembourg conference; recommendations adopted at Washington."""
    areas = {a.slug: a for a in CooperationArea.objects.all()}
    cap = Agreement.objects.filter(reference="CAP").first()
    with at(LUXEMBOURG):
        review = recs.create_review(
            actor=reform,
            title_en=SDPR_TITLE,
            title_uk="Стратегічний огляд оборонних закупівель Україна — НАТО",
            description="Part of the Comprehensive Assistance Package adopted by the Allies in "
            "2016. Carried out under the leadership of Norway, at the request of the Ministry of "
            "Defence of Ukraine, with leading specialists of the Alliance and the NATO Support "
            "and Procurement Agency. Its purpose: to help Ukraine reform its defence procurement "
            "system, and to increase accountability, transparency and interoperability on "
            "Ukraine's path to NATO membership.",
            agreement=cap,
            started_on=LUXEMBOURG,
            lead=[orgs["no_mod"]],
            requested_by=[orgs["mod_ua"]],
            experts=[orgs["nato"], orgs["nspa"]],
            classification=Level.INTERNAL,
        )
        recs.add_phase(
            actor=reform,
            review=review,
            title="Phase 1: working groups and policy recommendations",
            starts_on=LUXEMBOURG,
            ends_on=_d(2024, 7, 11),
            description="Launched at the joint conference in Luxembourg, opened by Stacy "
            "Cummings, General Manager of the NATO Support and Procurement Agency; speakers "
            "included Ukraine's Deputy Minister of Defence Dmytro Klymenkov and NATO Assistant "
            "Secretary General for Operations Tom Goffus. Working groups were formed to develop "
            "policy recommendations on defence procurement reform for adoption at the Washington "
            "Summit in July 2024.",
        )
    with at(LUXEMBOURG + dt.timedelta(days=1)):
        groups = [
            recs.add_working_group(
                actor=reform,
                review=review,
                name=name,
                topic=topic,
                members=[(orgs[key], person, chair) for key, person, chair in members],
            )
            for name, topic, members in WORKING_GROUPS
        ]
    drafted = []
    with at(_d(2024, 6, 14)):
        for spec in RECOMMENDATIONS:
            drafted.append(
                recs.add_recommendation(
                    actor=reform,
                    review=review,
                    title_en=spec.title_en,
                    title_uk=spec.title_uk,
                    text=spec.text,
                    working_group=groups[spec.group],
                    responsible=orgs[spec.responsible],
                    due_on=spec.due,
                    objectives=[objectives[o] for o in spec.objectives],
                    areas=[areas[a] for a in spec.areas],
                )
            )
    with at(WASHINGTON, 18):
        for rec in drafted:
            recs.advance_recommendation(
                actor=reform, recommendation=rec, status="adopted", on=WASHINGTON, event=SUMMIT
            )
    with at(_d(2024, 7, 12)):
        recs.add_phase(
            actor=reform,
            review=review,
            title="Phase 2: implementation and monitoring",
            starts_on=_d(2024, 7, 12),
            description="Each recommendation carries its implementation deadline, so that "
            "Ukrainian society and the partners can follow its progress.",
        )
    steps = sorted(
        ((day, i, status, evidence, note) for i, spec in enumerate(RECOMMENDATIONS)
         for status, day, evidence, note in spec.steps),
        key=lambda row: (row[0], row[1]),
    )  # fmt: skip
    system = SystemActor()
    for day, i, status, evidence, note in steps:
        with at(day):
            recs.advance_recommendation(
                # The review team verifies (recorded at the console): not who implemented.
                actor=system if status == "verified" else reform,
                recommendation=drafted[i],
                status=status,
                on=day,
                evidence=evidence,
                note=note,
            )
    return review


# --- the National Security Strategy ----------------------------------------------------------
NSS_TITLE = "National Security Strategy of Ukraine"
NSS_DATE = _d(2020, 9, 14)


@dataclass(frozen=True)
class DocumentSpec:
    area_en: str
    area_uk: str
    title_en: str
    title_uk: str
    responsible: str
    cooperation_area: str | None
    status: str
    act: str = ""
    approved_on: dt.date | None = None


A = DocumentStatus
# The seed names 13 areas for 15 documents: military security and information and
# cybersecurity have two each. Approval acts are those published for the documents (public
# record, not the seeds); the status of the five not approved here is illustrative.
DOCUMENTS = [
    DocumentSpec("Human development", "Людський розвиток",
                 "Human Development Strategy", "Стратегія людського розвитку",
                 "social", "social-protection", A.APPROVED,
                 "Decree of the President of Ukraine No. 225/2021", _d(2021, 6, 2)),
    DocumentSpec("Defence industry", "Оборонна промисловість",
                 "Strategy for the Development of the Defence-Industrial Complex of Ukraine",
                 "Стратегія розвитку оборонно-промислового комплексу України",
                 "msi", "defence-industry-reform", A.APPROVED,
                 "Decree of the President of Ukraine No. 372/2021", _d(2021, 8, 20)),
    DocumentSpec("Public security", "Громадська безпека",
                 "Public Security and Civil Protection Strategy of Ukraine",
                 "Стратегія громадської безпеки та цивільного захисту України",
                 "interior", None, A.SUBMITTED),
    DocumentSpec("Military security", "Воєнна безпека",
                 "Military Security Strategy of Ukraine", "Стратегія воєнної безпеки України",
                 "mod_ua", "defence-reform", A.APPROVED,
                 "Decree of the President of Ukraine No. 121/2021", _d(2021, 3, 25)),
    DocumentSpec("Military security", "Воєнна безпека",
                 "Strategic Defence Bulletin of Ukraine",
                 "Стратегічний оборонний бюлетень України",
                 "mod_ua", "combat-capabilities", A.APPROVED,
                 "Decree of the President of Ukraine No. 473/2021", _d(2021, 9, 17)),
    DocumentSpec("Economic security", "Економічна безпека",
                 "Economic Security Strategy of Ukraine until 2025",
                 "Стратегія економічної безпеки України на період до 2025 року",
                 "economy", None, A.APPROVED,
                 "Decree of the President of Ukraine No. 347/2021", _d(2021, 8, 11)),
    DocumentSpec("Energy security", "Енергетична безпека",
                 "Energy Security Strategy", "Стратегія енергетичної безпеки",
                 "energy", None, A.APPROVED,
                 "Order of the Cabinet of Ministers of Ukraine No. 907-r", _d(2021, 8, 4)),
    DocumentSpec("Environmental security", "Екологічна безпека",
                 "Environmental Security and Climate Change Adaptation Strategy until 2030",
                 "Стратегія екологічної безпеки та адаптації до зміни клімату на період до "
                 "2030 року",
                 "environment", None, A.APPROVED,
                 "Order of the Cabinet of Ministers of Ukraine No. 1363-r", _d(2021, 10, 20)),
    DocumentSpec("Biological security", "Біологічна безпека",
                 "Biosafety and Biological Protection Strategy",
                 "Стратегія біобезпеки та біологічного захисту",
                 "health", "medical-rehabilitation", A.DRAFTING),
    DocumentSpec("Food security", "Продовольча безпека",
                 "Food Security Strategy", "Стратегія продовольчої безпеки",
                 "agrarian", None, A.DRAFTING),
    DocumentSpec("Information and cybersecurity", "Інформаційна безпека та кібербезпека",
                 "Information Security Strategy", "Стратегія інформаційної безпеки",
                 "culture", None, A.APPROVED,
                 "Decree of the President of Ukraine No. 685/2021", _d(2021, 12, 28)),
    DocumentSpec("Information and cybersecurity", "Інформаційна безпека та кібербезпека",
                 "Cybersecurity Strategy of Ukraine", "Стратегія кібербезпеки України",
                 "nsdc", "defence-technology", A.APPROVED,
                 "Decree of the President of Ukraine No. 447/2021", _d(2021, 8, 26)),
    DocumentSpec("Intelligence", "Розвідувальна діяльність",
                 "Strategy for the Development of the Intelligence Agencies of Ukraine",
                 "Стратегія розвитку розвідувальних органів України",
                 "intelligence", None, A.SUBMITTED),
    DocumentSpec("Foreign policy", "Зовнішня політика",
                 "Foreign Policy Strategy of Ukraine",
                 "Стратегія зовнішньополітичної діяльності України",
                 "mfa", "international-formats", A.APPROVED,
                 "Decree of the President of Ukraine No. 448/2021", _d(2021, 8, 26)),
    DocumentSpec("Integrated border management", "Інтегроване управління кордонами",
                 "Integrated Border Management Strategy",
                 "Стратегія інтегрованого управління кордонами",
                 "border", None, A.DRAFTING),
]  # fmt: skip


def _strategy(orgs: dict[str, Organisation]) -> Strategy:
    """Seed 000: approved by Presidential Decree No. 392 of 14 September 2020, it launched the
    development of 15 drafts of strategic documents. Written at the console: the demo has no
    login in the National Security and Defense Council, which owns it."""
    system = SystemActor()
    areas = {a.slug: a for a in CooperationArea.objects.all()}
    today = clock.today()
    first_draft_due = NSS_DATE + dt.timedelta(days=182)
    with at(NSS_DATE, 18):
        strategy = strat.create_strategy(
            actor=system,
            owner=orgs["nsdc"],
            title_en=NSS_TITLE,
            title_uk="Стратегія національної безпеки України",
            approving_act="Decree of the President of Ukraine No. 392/2020 of 14 September 2020",
            approved_on=NSS_DATE,
            description="Launched the development of 15 drafts of strategic documents in the "
            "areas of human development, defence industry, public, military, economic, energy, "
            "environmental, biological, food, information and cybersecurity, intelligence, "
            "foreign policy and integrated border management.",
            classification=Level.PUBLIC,
        )
    documents = []
    with at(NSS_DATE + dt.timedelta(days=7)):
        for spec in DOCUMENTS:
            if spec.status == A.APPROVED or spec.title_en == "Food Security Strategy":
                # Due six months after the strategy; the food security strategy is late.
                draft_due, approval_due = first_draft_due, first_draft_due + dt.timedelta(days=92)
            elif spec.status == A.SUBMITTED:
                draft_due, approval_due = first_draft_due, today + dt.timedelta(days=50)
            else:  # drafting, rescheduled: due after the day the demo is built
                draft_due = today + dt.timedelta(days=90)
                approval_due = draft_due + dt.timedelta(days=90)
            documents.append(
                strat.add_document(
                    actor=system,
                    strategy=strategy,
                    title_en=spec.title_en,
                    title_uk=spec.title_uk,
                    area_en=spec.area_en,
                    area_uk=spec.area_uk,
                    cooperation_area=areas[spec.cooperation_area]
                    if spec.cooperation_area
                    else None,
                    responsible=orgs[spec.responsible],
                    draft_due=draft_due,
                    approval_due=approval_due,
                )
            )
    with at(_d(2020, 10, 1)):
        for document in documents:
            strat.move_document(actor=system, document=document, status=A.DRAFTING)
    for spec, document in zip(DOCUMENTS, documents, strict=True):
        if spec.status == A.APPROVED and spec.approved_on is not None:
            with at(spec.approved_on - dt.timedelta(days=45)):
                strat.move_document(actor=system, document=document, status=A.SUBMITTED)
            with at(spec.approved_on, 18):
                strat.move_document(
                    actor=system,
                    document=document,
                    status=A.APPROVED,
                    approval_act=spec.act,
                    approved_on=spec.approved_on,
                )
        elif spec.status == A.SUBMITTED:
            with at(today - dt.timedelta(days=40)):
                strat.move_document(actor=system, document=document, status=A.SUBMITTED)
    return strategy
