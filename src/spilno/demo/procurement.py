"""Demo procurement: believable requirements and tenders in every state (DESIGN §9).

Everything is written through the services at chosen business times (``clock.travel``), so the
audit log, the stage timeline and the capabilities ledger are exactly what real use produces.
Suppliers are fictional; amounts are illustrative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from spilno.accounts.models import User
from spilno.capabilities.models import Requirement
from spilno.capabilities.services.requirements import create_requirement
from spilno.core.models import Agreement, Organisation
from spilno.kernel import clock
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from spilno.procurement.models import Contract, Tender
from spilno.procurement.services.bids import BidContent, open_bids, submit_bid, withdraw_bid
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import create_call_off, sign_contract
from spilno.procurement.services.deliveries import (
    accept_delivery,
    receive_delivery,
    reject_delivery,
    schedule_delivery,
    ship_delivery,
)
from spilno.procurement.services.evaluation import (
    decide_awards,
    decide_complaint,
    qualify_bid,
    submit_complaint,
)
from spilno.procurement.services.tenders import (
    ItemSpec,
    LotSpec,
    answer_question,
    approve_plan,
    ask_question,
    cancel_tender,
    create_plan,
    create_tender,
    lots_from_requirements,
    publish_tender,
    qualify_supplier,
)

D = Decimal
REQUIREMENTS = [
    # key, title_en, title_uk, cpv, quantity, unit, days until needed, priority, reason, level
    (
        "shells",
        "155 mm artillery ammunition",
        "Артилерійські боєприпаси 155 мм",
        "35331200-5",
        20000,
        "rounds",
        120,
        1,
        "Counter-battery fire; stocks below 30 days of use.",
        Level.PUBLIC,
    ),
    (
        "fpv",
        "FPV drones with spare parts",
        "FPV-дрони із запасними частинами",
        "35613000-4",
        6000,
        "units",
        90,
        1,
        "Replaces attrition at the front; cheapest precision effect.",
        Level.PUBLIC,
    ),
    (
        "interceptors",
        "Air-defence interceptor missiles",
        "Ракети-перехоплювачі ППО",
        "35620000-6",
        120,
        "missiles",
        200,
        1,
        "Protection of critical infrastructure.",
        Level.RESTRICTED,
    ),
    (
        "rations",
        "Field rations (24-hour)",
        "Добові польові пайки",
        "15897100-3",
        400000,
        "rations",
        150,
        3,
        "Routine resupply for the winter.",
        Level.PUBLIC,
    ),
    (
        "radar",
        "Air-defence radars",
        "Радари протиповітряної оборони",
        "35723000-8",
        6,
        "units",
        300,
        2,
        "Gap-filling coverage of the northern border.",
        Level.PUBLIC,
    ),
    (
        "raincoats",
        "Waterproof capes",
        "Водонепроникні накидки",
        "18221100-5",
        30000,
        "units",
        100,
        4,
        "Seasonal clothing.",
        Level.PUBLIC,
    ),
]

_keys = count(1)


def _key() -> str:
    return f"demo-{next(_keys)}"


def _steps(start: dt.datetime) -> Iterator[dt.datetime]:
    moment = start
    while True:
        yield moment
        moment += dt.timedelta(minutes=7)


def build_procurement(orgs: dict[str, Organisation], people: dict[str, User]) -> None:
    """Tenders in every state: draft, planned, enquiries, tendering, evaluation, awarded,
    complete (with on-time, late and rejected deliveries), cancelled and unsuccessful."""
    system = SystemActor()
    now = timezone.now().replace(second=0, microsecond=0)
    t0 = now - dt.timedelta(days=150)
    dpa, brigade = orgs["dpa"], orgs["brigade"]
    officer, evaluator, approver = people["officer"], people["officer2"], people["approver"]
    reps = {key: people[key] for key in ("supplier", "supplier2", "supplier3")}
    firms = {key: orgs[key] for key in reps}

    def at(days: float) -> AbstractContextManager[None]:
        return clock.travel(t0 + dt.timedelta(days=days))

    with at(0):
        req: dict[str, Requirement] = {}
        for key, en, uk, cpv, qty, unit, needed, prio, reason, level in REQUIREMENTS:
            req[key] = create_requirement(
                actor=system,
                title_en=en,
                title_uk=uk,
                cpv=cpv,
                quantity=D(qty),
                unit=unit,
                needed_by=(now + dt.timedelta(days=needed)).date(),
                requesting_organisation=brigade if key != "interceptors" else orgs["afu"],
                priority=prio,
                priority_reason=reason,
                classification=level,
            )
        qualify_supplier(
            actor=approver,
            buyer=dpa,
            supplier=firms["supplier"],
            cpv="35700000-1",
            valid_until=(now + dt.timedelta(days=365)).date(),
            reason="Audited production line for military electronics.",
        )
        plan = create_plan(
            actor=officer,
            buyer=dpa,
            year=t0.year,
            title_en="DPA annual plan",
            title_uk="Річний план АОЗ",
        )

    def tender(
        title: str, method: str, lots: list[LotSpec], publish_day: float, **extra: object
    ) -> Tender:
        with at(1):
            fields: dict[str, Any] = {"title_en": title, **extra}
            if method in ("open", "selective", "framework"):
                fields.setdefault("enquiry_end", t0 + dt.timedelta(days=publish_day + 5))
                fields.setdefault("tender_end", t0 + dt.timedelta(days=publish_day + 16))
            return create_tender(
                actor=officer, plan=plan, method=method, currency="EUR", lots=lots, **fields
            )

    shells = tender(
        "155 mm artillery shells",
        "open",
        lots_from_requirements([req["shells"]], [D("68000000")]),
        3,
    )
    fpv = tender(
        "FPV drones (framework agreement)",
        "framework",
        lots_from_requirements([req["fpv"]], [D("3000000")]),
        3,
        max_awards=2,
        award_criteria="weighted",
        weight_price=60,
        weight_delivery=20,
        weight_quality=20,
        classification=Level.INTERNAL,  # published when signed, quantities withheld
    )
    rations = tender(
        "Field rations, winter resupply",
        "open",
        lots_from_requirements([req["rations"]], [D("4800000")]),
        140,
        enquiry_end=now - dt.timedelta(days=2),
        tender_end=now + dt.timedelta(days=6),
    )
    radar = tender(
        "Gap-filler air-defence radars",
        "selective",
        lots_from_requirements([req["radar"]], [D("42000000")]),
        148,
        enquiry_end=now + dt.timedelta(days=4),
        tender_end=now + dt.timedelta(days=18),
    )
    interceptors = tender(
        "Interceptor missiles under the DPA–DGA memorandum",
        "g2g",
        lots_from_requirements([req["interceptors"]], [D("96000000")]),
        140,
        agreement=Agreement.objects.get(reference="DPA–DGA MoI"),
        supplier=orgs["dga"],
        justification="Concluded between procurement agencies under the memorandum of intent "
        "of 29 September 2023; the missiles are produced for the French armed forces.",
        classification=Level.RESTRICTED,
    )
    capes = tender(
        "Waterproof capes", "open", lots_from_requirements([req["raincoats"]], [D("900000")]), 120
    )
    spare_shells = tender(
        "155 mm shells, second source",
        "open",
        [
            LotSpec(
                "Second source",
                D("3400000"),
                items=[ItemSpec(requirement=req["shells"], quantity=D(1000))],
            )
        ],
        125,
    )
    cancelled = tender(
        "Rations, duplicate notice",
        "open",
        lots_from_requirements([req["rations"]], [D("100000")]),
        20,
    )
    planned = tender(
        "Radar spare parts",
        "open",
        [
            LotSpec(
                "Spares",
                D("250000"),
                items=[
                    ItemSpec(
                        description="Radar spare parts kit",
                        cpv="35723000-8",
                        quantity=D(12),
                        unit="kits",
                    )
                ],
            )
        ],
        160,
        enquiry_end=now + dt.timedelta(days=10),
        tender_end=now + dt.timedelta(days=25),
    )
    with at(2):
        approve_plan(actor=approver, plan=plan)
        draft_plan = create_plan(
            actor=officer, buyer=dpa, year=t0.year + 1, title_en="DPA plan, next year (draft)"
        )
        create_tender(
            actor=officer,
            plan=draft_plan,
            method="open",
            currency="EUR",
            title_en="Winter uniforms (draft)",
            lots=lots_from_requirements([req["raincoats"]], [D("500000")]),
            enquiry_end=now + dt.timedelta(days=40),
            tender_end=now + dt.timedelta(days=60),
        )

    def publish(t: Tender, day: float) -> None:
        with at(day):
            publish_tender(actor=officer, tender=t)

    def offer(t: Tender, firm: str, amount: str, days: int, day: float) -> None:
        with at(day):
            submit_bid(
                actor=reps[firm],
                tender=t,
                lot=t.lots.get(),
                supplier=firms[firm],
                content=BidContent(D(amount), "EUR", days, notes="Demo offer."),
                idempotency_key=_key(),
            )

    def run_clock(day: float) -> None:
        with at(day):
            tick()

    # 155 mm shells: complete, with on-time, late and rejected deliveries.
    publish(shells, 3)
    with at(4):
        q = ask_question(
            actor=reps["supplier2"],
            tender=shells,
            supplier=firms["supplier2"],
            text="Is STANAG 4425 interchangeability required?",
        )
        answer_question(actor=officer, question=q, answer="Yes: STANAG 4425.1 and AQAP-2110.")
    run_clock(8.1)
    offer(shells, "supplier", "69500000", 120, 12)
    offer(shells, "supplier2", "66800000", 150, 13)
    offer(shells, "supplier2", "65900000", 150, 18.5)  # replaced before the deadline
    run_clock(19.1)
    with at(20):
        for b in open_bids(actor=evaluator, tender=shells):
            qualify_bid(actor=evaluator, bid=b, qualified=True)
        decide_awards(actor=approver, tender=shells)
    with at(21):
        complaint = submit_complaint(
            actor=reps["supplier"],
            tender=shells,
            complainant=firms["supplier"],
            text="The winner's delivery schedule is unrealistic.",
        )
    with at(23):
        decide_complaint(
            actor=approver, complaint=complaint, outcome="accepted", reason="Admissible."
        )
    with at(27):
        decide_complaint(
            actor=approver,
            complaint=complaint,
            outcome="dismissed",
            reason="The schedule is backed by a production plan.",
        )
    run_clock(27.1)
    contract = Contract.objects.get(tender=shells)
    with at(29):
        sign_contract(actor=officer, contract=contract, side="buyer")
    with at(30):
        sign_contract(actor=reps["supplier2"], contract=contract, side="supplier")
        item = contract.items.get()
        d1 = schedule_delivery(
            actor=officer,
            contract=contract,
            due_date=(t0 + dt.timedelta(days=60)).date(),
            lines=[(item, D(6000))],
            place="Depot, Lviv region",
            receiving_unit=brigade,
        )
        d2 = schedule_delivery(
            actor=officer,
            contract=contract,
            due_date=(t0 + dt.timedelta(days=90)).date(),
            lines=[(item, D(6000))],
            place="Depot, Lviv region",
            receiving_unit=brigade,
        )
        d3 = schedule_delivery(
            actor=officer,
            contract=contract,
            due_date=(t0 + dt.timedelta(days=120)).date(),
            lines=[(item, D(4000))],
            place="Depot, Lviv region",
            receiving_unit=brigade,
        )
        schedule_delivery(
            actor=officer,
            contract=contract,
            due_date=(now + dt.timedelta(days=20)).date(),
            lines=[(item, D(4000))],
            place="Depot, Lviv region",
            receiving_unit=brigade,
        )
    with at(55):
        ship_delivery(actor=reps["supplier2"], delivery=d1)
    with at(58):
        receive_delivery(actor=officer, delivery=d1)
        accept_delivery(actor=officer, delivery=d1)
    with at(95):
        ship_delivery(actor=reps["supplier2"], delivery=d2)
    with at(99):  # late and short
        receive_delivery(actor=officer, delivery=d2, received={d2.lines.get().pk: D(5400)})
        accept_delivery(actor=officer, delivery=d2)
    with at(118):
        ship_delivery(actor=reps["supplier2"], delivery=d3)
    with at(120):
        receive_delivery(actor=officer, delivery=d3)
        reject_delivery(
            actor=officer,
            delivery=d3,
            reason="Lot failed acceptance firing: 3 of 20 sampled rounds out of tolerance.",
        )

    # FPV drones: framework with two suppliers, one call-off delivered on time.
    publish(fpv, 3)
    run_clock(8.1)
    offer(fpv, "supplier", "2700000", 30, 10)
    offer(fpv, "supplier3", "2950000", 20, 11)
    offer(fpv, "supplier2", "3100000", 45, 12)
    run_clock(19.1)
    with at(21):
        scores = {"supplier": 70, "supplier3": 90, "supplier2": 60}
        for b in open_bids(actor=evaluator, tender=fpv):
            key = next(k for k, firm in firms.items() if firm.pk == b.supplier_id)
            qualify_bid(actor=evaluator, bid=b, qualified=True, quality_score=scores[key])
        decide_awards(actor=approver, tender=fpv)
    run_clock(27)
    with at(28):
        for signed in Contract.objects.filter(tender=fpv):
            sign_contract(actor=officer, contract=signed, side="buyer")
            rep = next(reps[k] for k, firm in firms.items() if firm.pk == signed.supplier_id)
            sign_contract(actor=rep, contract=signed, side="supplier")
    framework = Contract.objects.filter(tender=fpv).order_by("pk")[0]
    with at(35):
        order = create_call_off(
            actor=officer,
            framework=framework,
            value=D("900000"),
            lines=[(framework.items.get(), D(1800))],
            title="First call-off",
        )
        sign_contract(actor=officer, contract=order, side="buyer")
        rep = next(reps[k] for k, firm in firms.items() if firm.pk == order.supplier_id)
        sign_contract(actor=rep, contract=order, side="supplier")
        delivery = schedule_delivery(
            actor=officer,
            contract=order,
            due_date=(t0 + dt.timedelta(days=65)).date(),
            lines=[(order.items.get(), D(1800))],
            receiving_unit=brigade,
        )
    with at(60):
        ship_delivery(actor=rep, delivery=delivery)
    with at(62):
        receive_delivery(actor=officer, delivery=delivery)
        accept_delivery(actor=officer, delivery=delivery)

    # Waterproof capes: bids opened, evaluation under way (one bid disqualified).
    publish(capes, 120)
    run_clock(125.1)
    offer(capes, "supplier", "880000", 40, 128)
    offer(capes, "supplier2", "790000", 35, 129)
    run_clock(136.1)
    with at(137):
        first, _second = open_bids(actor=evaluator, tender=capes)
        qualify_bid(
            actor=evaluator,
            bid=first,
            qualified=False,
            reason="Fabric certificate missing (tender documents, section 4.2).",
        )

    # Second source for shells: nobody bid, so it failed.
    publish(spare_shells, 125)
    run_clock(141.5)

    # Interceptors (government-to-government): award decided, standstill running.
    publish(interceptors, 140)
    with clock.travel(now - dt.timedelta(days=1)):
        decide_awards(
            actor=approver,
            tender=interceptors,
            offers={interceptors.lots.get().pk: D("94500000")},
            note="Price per the DGA's offer of the same date.",
        )
        interceptors.refresh_from_db()

    # Rations: tendering now, bids sealed; one withdrawn.
    publish(rations, 140)
    run_clock(148.1)
    offer(rations, "supplier", "4650000", 30, 148.5)
    offer(rations, "supplier2", "4390000", 25, 149)
    with at(149.2):
        from spilno.procurement.models import Bid

        withdraw_bid(
            actor=reps["supplier2"],
            bid=Bid.objects.get(tender=rations, supplier=firms["supplier2"]),
            idempotency_key=_key(),
        )

    # Radar (selective): enquiries open now.
    publish(radar, 149.5)
    with at(149.6):
        ask_question(
            actor=reps["supplier"],
            tender=radar,
            supplier=firms["supplier"],
            text="May the radar be delivered in two batches?",
        )

    with at(21):
        cancel_tender(actor=officer, tender=cancelled, reason="Published twice by mistake.")
    del planned  # stays planned: approved, not yet published

    build_classified(dpa, firms, req, at)


CLASSIFIED = [
    # title, requirement key, supplier key, value, day
    ("Counter-battery radar spares", "radar", "supplier", "1200000", 30),
    ("Electronic-warfare modules", "fpv", "supplier3", "2600000", 45),
    ("Encrypted radio sets", "radar", "supplier2", "800000", 70),
    ("Special rations for reconnaissance units", "rations", "supplier", "150000", 90),
]


def build_classified(
    dpa: Organisation,
    firms: dict[str, Organisation],
    req: dict[str, Requirement],
    at: Any,
) -> None:
    """Confidential single-source contracts, entered at the console in the secure room. The
    disclosure policy publishes them only in aggregate: three in one CPV division make a cell the
    public sees; the fourth, alone in its division, is suppressed."""
    system = SystemActor()
    with at(20):
        plan = create_plan(
            actor=system,
            buyer=dpa,
            year=clock.now().year,
            title_en="Classified procurement plan",
        )
        tenders = [
            create_tender(
                actor=system,
                plan=plan,
                method="negotiated",
                currency="EUR",
                title_en=title,
                lots=lots_from_requirements([req[key]], [D(value)]),
                supplier=firms[firm],
                justification="Protection of essential security interests: single source.",
                classification=Level.CONFIDENTIAL,
            )
            for title, key, firm, value, _day in CLASSIFIED
        ]
        approve_plan(actor=system, plan=plan)
    for classified, (_title, _key, _firm, value, day) in zip(tenders, CLASSIFIED, strict=True):
        with at(day):
            publish_tender(actor=system, tender=classified)
            decide_awards(
                actor=system, tender=classified, offers={classified.lots.get().pk: D(value)}
            )
        with at(day + 6):
            tick()
            for contract in Contract.objects.filter(tender=classified):
                sign_contract(actor=system, contract=contract, side="buyer")
                sign_contract(actor=system, contract=contract, side="supplier")
