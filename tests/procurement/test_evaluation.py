"""Ranking and awards by method: lowest price, weighted criteria, frameworks and call-offs,
complaints, and the single-source methods (negotiated, government-to-government)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spilno.accounts.models import User
from spilno.capabilities.selectors import fulfilment
from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel.access import Role
from spilno.procurement.models import Award, Bid, Complaint, Contract, TenderEvent
from spilno.procurement.services.bids import open_bids
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import (
    create_call_off,
    sign_contract,
    terminate_contract,
)
from spilno.procurement.services.deliveries import schedule_delivery
from spilno.procurement.services.evaluation import (
    decide_awards,
    decide_complaint,
    qualify_bid,
    rank_lot,
    submit_complaint,
)
from spilno.procurement.services.tenders import approve_plan, publish_tender
from spilno.procurement.states import METHODS, TENDER_TRANSITIONS
from tests.procurement.conftest import (
    Travel,
    World,
    awarded_tender,
    bid,
    draft_tender,
    error_fields,
    opened_tender,
    past_deadline,
    refused,
    signed_contracts,
    tender_in_tendering,
)

pytestmark = pytest.mark.django_db


def _by_supplier(world: World) -> dict[int, Bid]:
    return {world.suppliers.index(b.supplier): b for b in Bid.objects.select_related("supplier")}


def _events(tender_id: int) -> list[str]:
    return list(
        TenderEvent.objects.filter(tender_id=tender_id)
        .order_by("at", "pk")
        .values_list("status", flat=True)
    )


def test_lowest_price_with_ties_goes_to_the_earlier_last_version(
    world: World, travel: Travel
) -> None:
    tender = tender_in_tendering(world, travel)
    bid(world, tender, 0, "1000.00")
    travel.by(hours=1)
    bid(world, tender, 1, "1000.00")
    travel.by(hours=1)
    bid(world, tender, 2, "1200.00")
    travel.by(hours=1)
    bid(world, tender, 0, "1000.00")  # Alpha's last version is now the latest of the tie
    past_deadline(travel, tender)
    for b in open_bids(actor=world.officer, tender=tender):
        qualify_bid(actor=world.officer, bid=b, qualified=True)

    ranking = rank_lot(tender, tender.lots.get())
    assert [world.suppliers.index(r.bid.supplier) for r in ranking] == [1, 0, 2]
    assert [r.total for r in ranking] == [Decimal("100.000"), Decimal("100.000"), Decimal("83.333")]

    [award] = decide_awards(actor=world.approver, tender=tender)
    assert (award.supplier, award.amount, award.score) == (
        world.suppliers[1],
        Decimal("1000.00"),
        Decimal("100.000"),
    )
    bids = _by_supplier(world)
    assert [(bids[i].rank, bids[i].score) for i in range(3)] == [
        (2, Decimal("100.000")),
        (1, Decimal("100.000")),
        (3, Decimal("83.333")),
    ]


def test_lowest_price_beats_earlier_when_a_cent_cheaper(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    bid(world, tender, 0, "1000000.00")
    travel.by(hours=1)
    bid(world, tender, 1, "999999.99")  # same score to three decimals, still cheaper
    past_deadline(travel, tender)
    for b in open_bids(actor=world.officer, tender=tender):
        qualify_bid(actor=world.officer, bid=b, qualified=True)
    [award] = decide_awards(actor=world.approver, tender=tender)
    assert award.supplier == world.suppliers[1]


def test_weighted_scores_are_exact(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(
        world,
        travel,
        award_criteria="weighted",
        weight_price=50,
        weight_delivery=30,
        weight_quality=20,
    )
    bid(world, tender, 0, "1000.00", days=60)
    bid(world, tender, 1, "1250.00", days=30)
    bid(world, tender, 2, "800.00", days=90)
    past_deadline(travel, tender)
    opened = {
        world.suppliers.index(b.supplier): b for b in open_bids(actor=world.officer, tender=tender)
    }
    for index, quality in ((0, 70), (1, 90)):
        qualify_bid(actor=world.officer, bid=opened[index], qualified=True, quality_score=quality)
    qualify_bid(actor=world.officer, bid=opened[2], qualified=True)
    exc = refused(ValidationError, decide_awards, actor=world.approver, tender=tender)
    assert error_fields(exc) == {"bids": ["Score the quality of every qualified bid first."]}
    qualify_bid(actor=world.officer, bid=opened[2], qualified=True, quality_score=40)

    ranking = rank_lot(tender, tender.lots.get())
    rows = [
        (
            world.suppliers.index(r.bid.supplier),
            r.price_score,
            r.delivery_score,
            r.quality_score,
            r.total,
        )
        for r in ranking
    ]
    # price = 100 * 800 / price; delivery = 100 * 30 / days; then 50/30/20 weights.
    assert rows == [
        (1, Decimal("64.000"), Decimal("100.000"), Decimal(90), Decimal("80.000")),
        (0, Decimal("80.000"), Decimal("50.000"), Decimal(70), Decimal("69.000")),
        # (50 * 100 + 30 * 33.333 + 20 * 40) / 100 = 67.9999 -> 68.000
        (2, Decimal("100.000"), Decimal("33.333"), Decimal(40), Decimal("68.000")),
    ]
    [award] = decide_awards(actor=world.approver, tender=tender)
    assert (award.supplier, award.amount, award.score) == (
        world.suppliers[1],
        Decimal("1250.00"),
        Decimal("80.000"),
    )


def test_disqualified_bids_are_not_ranked(world: World, travel: Travel) -> None:
    tender = opened_tender(world, travel, "900.00", "1000.00")
    bids = _by_supplier(world)
    exc = refused(ValidationError, qualify_bid, actor=world.officer, bid=bids[0], qualified=False)
    assert "reason" in error_fields(exc)
    exc = refused(
        ValidationError,
        qualify_bid,
        actor=world.officer,
        bid=bids[0],
        qualified=True,
        quality_score=101,
    )
    assert "quality_score" in error_fields(exc)
    qualify_bid(actor=world.officer, bid=bids[0], qualified=False, reason="No certificate")
    qualify_bid(actor=world.officer, bid=bids[1], qualified=True)
    [award] = decide_awards(actor=world.approver, tender=tender)
    assert award.supplier == world.suppliers[1]


def test_all_disqualified_makes_the_tender_unsuccessful(world: World, travel: Travel) -> None:
    tender = opened_tender(world, travel, "900.00")
    [only] = Bid.objects.all()
    qualify_bid(actor=world.officer, bid=only, qualified=False, reason="Expired licence")
    assert decide_awards(actor=world.approver, tender=tender) == []
    tender.refresh_from_db()
    assert tender.status == "unsuccessful"
    assert tender.lots.get().status == "unsuccessful"


def test_no_bids_by_the_deadline_is_unsuccessful(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    withdrawn = bid(world, tender, 0, "10.00").bid
    from spilno.procurement.services.bids import withdraw_bid

    withdraw_bid(actor=world.reps[0], bid=withdrawn, idempotency_key="w")
    past_deadline(travel, tender)
    assert tick().unsuccessful == 1
    tender.refresh_from_db()
    assert tender.status == "unsuccessful"
    assert _events(tender.pk)[-2:] == ["active.tendering", "unsuccessful"]


# --- frameworks and call-offs ----------------------------------------------------------------
def test_framework_awards_two_suppliers_then_call_offs(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(
        world,
        travel,
        method="framework",
        max_awards=2,
        tender_end=travel.now + dt.timedelta(days=15),
    )
    bid(world, tender, 0, "1000000.00")
    bid(world, tender, 1, "1100000.00")
    bid(world, tender, 2, "1200000.00")
    past_deadline(travel, tender)
    for b in open_bids(actor=world.officer, tender=tender):
        qualify_bid(actor=world.officer, bid=b, qualified=True)
    awards = decide_awards(actor=world.approver, tender=tender)
    assert [a.supplier for a in awards] == world.suppliers[:2]

    frameworks = signed_contracts(world, travel, tender)
    assert [(c.kind, c.status, c.supplier) for c in frameworks] == [
        ("framework", "active", world.suppliers[0]),
        ("framework", "active", world.suppliers[1]),
    ]
    tender.refresh_from_db()
    assert tender.status == "complete"
    assert sorted(Bid.objects.values_list("status", flat=True)) == [
        "awarded",
        "awarded",
        "not_awarded",
    ]
    # A framework commits nothing by itself and delivers nothing.
    assert fulfilment(world.requirement).committed == 0
    alpha = frameworks[0]
    item = alpha.items.get()
    exc = refused(
        ValidationError,
        schedule_delivery,
        actor=world.officer,
        contract=alpha,
        due_date=travel.now.date(),
        lines=[(item, Decimal(1))],
    )
    assert "call-off" in error_fields(exc)["contract"][0]

    first = create_call_off(
        actor=world.officer,
        framework=alpha,
        value=Decimal("400000.00"),
        lines=[(item, Decimal(400))],
    )
    assert (first.kind, first.status, first.supplier, first.framework) == (
        "call_off",
        "pending",
        world.suppliers[0],
        alpha,
    )
    assert fulfilment(world.requirement).committed == 0  # not signed yet
    sign_contract(actor=world.officer, contract=first, side="buyer")
    sign_contract(actor=world.reps[0], contract=first, side="supplier")
    state = fulfilment(world.requirement)
    assert state.committed == 400
    assert [(s.kind, s.id, s.committed) for s in state.sources] == [
        ("contract", str(first.pk), Decimal(400))
    ]

    # Beyond the remaining quantity, beyond the ceiling, or an item of another framework.
    exc = refused(
        ValidationError,
        create_call_off,
        actor=world.officer,
        framework=alpha,
        value=Decimal("100.00"),
        lines=[(item, Decimal("600.001"))],
    )
    assert "600.000" in error_fields(exc)["lines.1.quantity"][0]
    exc = refused(
        ValidationError,
        create_call_off,
        actor=world.officer,
        framework=alpha,
        value=Decimal("600000.01"),
        lines=[(item, Decimal(1))],
    )
    assert "ceiling" in error_fields(exc)["value"][0]
    exc = refused(
        ValidationError,
        create_call_off,
        actor=world.officer,
        framework=alpha,
        value=Decimal("1.00"),
        lines=[(frameworks[1].items.get(), Decimal(1))],
    )
    assert "lines.1.item" in error_fields(exc)
    exc = refused(
        ValidationError,
        create_call_off,
        actor=world.officer,
        framework=first,
        value=Decimal("1.00"),
        lines=[(first.items.get(), Decimal(1))],
    )
    assert "framework" in error_fields(exc)

    # Exactly up to the ceiling and the quantity is fine; then nothing is left.
    second = create_call_off(
        actor=world.officer,
        framework=alpha,
        value=Decimal("600000.00"),
        lines=[(item, Decimal(600))],
    )
    exc = refused(
        ValidationError,
        create_call_off,
        actor=world.officer,
        framework=alpha,
        value=Decimal("0.01"),
        lines=[(item, Decimal("0.001"))],
    )
    assert set(error_fields(exc)) == {"value"}
    # Terminating an order gives its quantity and value back to the framework.
    terminate_contract(actor=world.officer, contract=second, reason="Not needed after all")
    create_call_off(
        actor=world.officer, framework=alpha, value=Decimal("1.00"), lines=[(item, Decimal(1))]
    )
    # The other framework supplier has its own ceiling and quantity.
    bravo_item = frameworks[1].items.get()
    create_call_off(
        actor=world.officer,
        framework=frameworks[1],
        value=Decimal("1100000.00"),
        lines=[(bravo_item, Decimal(1000))],
    )
    assert fulfilment(world.requirement).committed == 400  # unsigned orders commit nothing


# --- complaints ------------------------------------------------------------------------------
def test_upheld_complaint_cancels_the_award_and_returns_to_evaluation(
    world: World, travel: Travel
) -> None:
    tender = awarded_tender(world, travel, "900.00", "1000.00", "1100.00")
    [award] = Award.objects.filter(tender=tender)
    assert award.supplier == world.suppliers[0]
    bravo = submit_complaint(
        actor=world.reps[1],
        tender=tender,
        complainant=world.suppliers[1],
        text="Alpha's certificate expired",
        award=award,
    )
    charlie = submit_complaint(
        actor=world.reps[2], tender=tender, complainant=world.suppliers[2], text="Also unfair"
    )
    exc = refused(
        ValidationError,
        decide_complaint,
        actor=world.approver,
        complaint=bravo,
        outcome="upheld",
        reason="Straight away",
    )
    assert "submitted to upheld" in error_fields(exc)["outcome"][0]
    exc = refused(
        ValidationError,
        decide_complaint,
        actor=world.approver,
        complaint=bravo,
        outcome="accepted",
        reason=" ",
    )
    assert "reason" in error_fields(exc)
    decide_complaint(actor=world.approver, complaint=bravo, outcome="accepted", reason="Review")
    decide_complaint(actor=world.approver, complaint=bravo, outcome="upheld", reason="Expired")

    award.refresh_from_db()
    tender.refresh_from_db()
    charlie.refresh_from_db()
    assert award.status == "cancelled"
    assert (tender.status, tender.standstill_end) == ("active.evaluation", None)
    assert charlie.status == "dismissed"
    assert charlie.decision.startswith("Moot")
    exc = refused(
        ValidationError,
        decide_complaint,
        actor=world.approver,
        complaint=charlie,
        outcome="accepted",
        reason="Too late",
    )
    assert "outcome" in error_fields(exc)

    # The committee disqualifies Alpha and decides again: Bravo wins, a new standstill runs.
    alpha = Bid.objects.get(supplier=world.suppliers[0])
    qualify_bid(actor=world.officer, bid=alpha, qualified=False, reason="Certificate expired")
    [again] = decide_awards(actor=world.approver, tender=tender)
    assert again.supplier == world.suppliers[1]
    tender.refresh_from_db()
    assert tender.status == "active.awarded"
    assert tender.standstill_end is not None
    statuses = _events(tender.pk)
    assert statuses[-3:] == ["active.awarded", "active.evaluation", "active.awarded"]
    for current, target in zip(statuses, statuses[1:], strict=False):
        assert target in TENDER_TRANSITIONS[current]

    # With no complaint open the standstill ends and only the new award becomes a contract.
    travel.to(tender.standstill_end)
    assert tick().standstills_ended == 1
    assert list(Award.objects.filter(tender=tender).values_list("status", flat=True)) == [
        "cancelled",
        "active",
    ]
    contract = Contract.objects.get(tender=tender)
    assert (contract.supplier, contract.value) == (world.suppliers[1], Decimal("1000.00"))
    assert Bid.objects.get(supplier=world.suppliers[1]).status == "awarded"
    assert Bid.objects.get(supplier=world.suppliers[2]).status == "not_awarded"


def test_dismissed_complaints_let_the_standstill_end(world: World, travel: Travel) -> None:
    tender = awarded_tender(world, travel, "900.00", "1000.00")
    complaint = submit_complaint(
        actor=world.reps[1], tender=tender, complainant=world.suppliers[1], text="?"
    )
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end)
    report = tick()
    assert (report.standstills_held, report.standstills_ended) == (1, 0)
    assert tick().standstills_held == 1
    assert not Contract.objects.exists()
    decide_complaint(actor=world.approver, complaint=complaint, outcome="dismissed", reason="No")
    assert Complaint.objects.get().status == "dismissed"
    assert tick().standstills_ended == 1
    assert Contract.objects.get().supplier == world.suppliers[0]


# --- single-source methods -------------------------------------------------------------------
def test_negotiated_tender_has_no_bidding(world: World, travel: Travel) -> None:
    tender = draft_tender(
        world,
        method="negotiated",
        justification="Only the original maker can refurbish these guns.",
        supplier=world.suppliers[2],
    )
    assert set(tender.participants.all()) == {world.buyer, world.suppliers[2]}
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    tender.refresh_from_db()
    assert tender.status == "active.evaluation"
    assert _events(tender.pk) == ["draft", "planned", "active.evaluation"]
    exc = refused(ValidationError, open_bids, actor=world.officer, tender=tender)
    assert error_fields(exc) == {"status": ["This method has no sealed bids."]}

    lot = tender.lots.get()
    exc = refused(ValidationError, decide_awards, actor=world.approver, tender=tender)
    assert error_fields(exc) == {"offers.1": ["Give the negotiated price for lot 1."]}
    for offers, key in (
        ({lot.pk: Decimal("-1")}, "offers.1"),
        ({lot.pk: Decimal("1.001")}, "offers.1"),
        ({lot.pk: Decimal(1), lot.pk + 99: Decimal(1)}, "offers"),
    ):
        exc = refused(
            ValidationError, decide_awards, actor=world.approver, tender=tender, offers=offers
        )
        assert key in error_fields(exc)
    [award] = decide_awards(
        actor=world.approver, tender=tender, offers={lot.pk: Decimal("1234567.89")}
    )
    assert (award.supplier, award.amount, award.bid) == (
        world.suppliers[2],
        Decimal("1234567.89"),
        None,
    )
    tender.refresh_from_db()
    assert tender.standstill_end == travel.now + dt.timedelta(days=5)
    travel.to(tender.standstill_end)
    tick()
    contract = Contract.objects.get(tender=tender)
    assert (contract.kind, contract.supplier, contract.value) == (
        "standard",
        world.suppliers[2],
        Decimal("1234567.89"),
    )
    assert not Bid.objects.exists()


def test_g2g_under_an_agreement(
    world: World,
    travel: Travel,
    make_org: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_agreement: Callable,
) -> None:
    foreign = make_org("Forsvarsmateriell", country="NO", kind=OrganisationKind.AGENCY)
    agreement = make_agreement(
        world.buyer, foreign, status="in_force", signed_on=dt.date(2025, 5, 1)
    )
    tender = draft_tender(
        world,
        method="g2g",
        justification="Government stock under the memorandum",
        supplier=foreign,
        agreement=agreement,
    )
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    lot = tender.lots.get()
    decide_awards(actor=world.approver, tender=tender, offers={lot.pk: Decimal("5000000.00")})
    tender.refresh_from_db()
    standstill = dt.timedelta(days=METHODS["g2g"].standstill_days)
    assert tender.standstill_end == travel.now + standstill
    travel.to(tender.standstill_end)
    assert tick().standstills_ended == 1
    contract = Contract.objects.get(tender=tender)
    assert (contract.agreement, contract.supplier) == (agreement, foreign)
    liaison = make_user((foreign, Role.SUPPLIER_REPRESENTATIVE))
    sign_contract(actor=world.approver, contract=contract, side="buyer")
    sign_contract(actor=liaison, contract=contract, side="supplier")
    tender.refresh_from_db()
    assert tender.status == "complete"
    assert fulfilment(world.requirement).committed == 1000
