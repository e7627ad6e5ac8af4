"""Separation of duties (the drafter of a tender cannot decide it) and roles held per
organisation. Every refusal is AccessDenied, changes nothing and writes no audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from spilno.accounts.models import User
from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel.access import AccessDenied, Role
from spilno.procurement.models import Bid, Complaint, Contract, Tender
from spilno.procurement.services.bids import BidContent, open_bids, submit_bid, withdraw_bid
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import sign_contract, terminate_contract
from spilno.procurement.services.deliveries import (
    receive_delivery,
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
    approve_plan,
    cancel_tender,
    create_plan,
    publish_tender,
    qualify_supplier,
)
from tests.procurement.conftest import (
    Travel,
    World,
    active_contract,
    bid,
    draft_tender,
    past_deadline,
    refused,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chief(world: World, make_user: Callable[..., User]) -> User:
    """Holds both buyer roles: only separation of duties can stop them deciding."""
    return make_user(
        (world.buyer, Role.PROCUREMENT_OFFICER),
        (world.buyer, Role.APPROVER),
        username="chief",
    )


def _drafted_by(world: World, user: User, **fields: object) -> Tender:
    drafter = world.drafter
    world.drafter = user
    try:
        return draft_tender(world, **fields)
    finally:
        world.drafter = drafter


def test_drafter_cannot_approve_the_plan_of_their_tender(
    world: World, travel: Travel, chief: User
) -> None:
    tender = _drafted_by(world, chief)
    exc = refused(AccessDenied, approve_plan, actor=chief, plan=world.plan)
    assert "Separation of duties" in str(exc)
    approve_plan(actor=world.approver, plan=world.plan)
    tender.refresh_from_db()
    assert tender.status == "planned"


def test_drafter_of_a_plan_cannot_approve_it(world: World, travel: Travel, chief: User) -> None:
    plan = create_plan(actor=chief, buyer=world.buyer, year=2027, title_en="Chief's plan")
    world.plan = plan
    draft_tender(world)  # drafted by someone else
    exc = refused(AccessDenied, approve_plan, actor=chief, plan=plan)
    assert "drafted this plan" in str(exc)
    approve_plan(actor=world.approver, plan=plan)


def test_drafter_cannot_open_evaluate_award_or_judge_complaints(
    world: World, travel: Travel, chief: User
) -> None:
    tender = _drafted_by(world, chief)
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=chief, tender=tender)  # publishing is the drafter's job
    travel.by(days=4)
    tick()
    bid(world, tender, 0, "1000.00")
    bid(world, tender, 1, "1100.00")
    past_deadline(travel, tender)
    tick()

    exc = refused(AccessDenied, open_bids, actor=chief, tender=tender)
    assert "open its bids" in str(exc)
    opened = open_bids(actor=world.officer, tender=tender)

    for b in opened:
        exc = refused(AccessDenied, qualify_bid, actor=chief, bid=b, qualified=True)
        assert "evaluate its bids" in str(exc)
        refused(AccessDenied, qualify_bid, actor=chief, bid=b, qualified=False, reason="x")
        qualify_bid(actor=world.approver, bid=b, qualified=True)

    exc = refused(AccessDenied, decide_awards, actor=chief, tender=tender)
    assert "decide its award" in str(exc)
    [award] = decide_awards(actor=world.approver, tender=tender)
    assert award.supplier == world.suppliers[0]

    complaint = submit_complaint(
        actor=world.reps[1], tender=tender, complainant=world.suppliers[1], text="Unfair"
    )
    for outcome in ("accepted", "dismissed"):
        exc = refused(
            AccessDenied,
            decide_complaint,
            actor=chief,
            complaint=complaint,
            outcome=outcome,
            reason="r",
        )
        assert "decide complaints" in str(exc)
    decide_complaint(actor=world.approver, complaint=complaint, outcome="dismissed", reason="r")
    assert Complaint.objects.get().status == "dismissed"


def test_the_other_buyer_roles_are_needed(world: World, travel: Travel) -> None:
    """An officer cannot decide awards or complaints; an approver cannot draft or publish."""
    tender = draft_tender(world)
    refused(AccessDenied, approve_plan, actor=world.officer, plan=world.plan)
    approve_plan(actor=world.approver, plan=world.plan)
    refused(AccessDenied, publish_tender, actor=world.approver, tender=tender)
    publish_tender(actor=world.officer, tender=tender)
    travel.by(days=4)
    tick()
    bid(world, tender, 0, "1000.00")
    past_deadline(travel, tender)
    refused(AccessDenied, open_bids, actor=world.reps[0], tender=tender)
    [opened] = open_bids(actor=world.approver, tender=tender)
    qualify_bid(actor=world.officer, bid=opened, qualified=True)
    refused(AccessDenied, decide_awards, actor=world.officer, tender=tender)
    decide_awards(actor=world.approver, tender=tender)
    complaint = submit_complaint(
        actor=world.reps[0], tender=tender, complainant=world.suppliers[0], text="?"
    )
    refused(
        AccessDenied,
        decide_complaint,
        actor=world.officer,
        complaint=complaint,
        outcome="accepted",
        reason="r",
    )


# --- roles are held per organisation ---------------------------------------------------------
def test_a_supplier_rep_acts_only_for_their_supplier(world: World, travel: Travel) -> None:
    from tests.procurement.conftest import tender_in_tendering

    tender = tender_in_tendering(world, travel)
    alpha, alpha_rep = world.supplier_rep(0)
    bravo, _bravo_rep = world.supplier_rep(1)
    refused(
        AccessDenied,
        submit_bid,
        actor=alpha_rep,
        tender=tender,
        lot=tender.lots.get(),
        supplier=bravo,
        content=BidContent(Decimal(1), "EUR", 10),
        idempotency_key="for-bravo",
    )
    bravo_bid = bid(world, tender, 1, "1200.00").bid
    refused(AccessDenied, withdraw_bid, actor=alpha_rep, bid=bravo_bid, idempotency_key="w")
    # A buyer's officer cannot bid or withdraw for anyone either.
    refused(AccessDenied, withdraw_bid, actor=world.officer, bid=bravo_bid, idempotency_key="w")
    assert Bid.objects.get(pk=bravo_bid.pk).status == "submitted"
    bid(world, tender, 0, "1300.00")

    past_deadline(travel, tender)
    for b in open_bids(actor=world.officer, tender=tender):
        qualify_bid(actor=world.approver, bid=b, qualified=True)
    decide_awards(actor=world.approver, tender=tender)
    refused(
        AccessDenied,
        submit_complaint,
        actor=alpha_rep,
        tender=tender,
        complainant=bravo,
        text="In Bravo's name",
    )
    submit_complaint(actor=alpha_rep, tender=tender, complainant=alpha, text="Mine")


def test_signatures_belong_to_each_side(world: World, travel: Travel) -> None:
    from tests.procurement.conftest import awarded_tender

    tender = awarded_tender(world, travel, "1000.00")
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end)
    tick()
    contract = Contract.objects.get(tender=tender)
    exc = refused(
        AccessDenied, sign_contract, actor=world.officer, contract=contract, side="supplier"
    )
    assert "sign_supplier" in str(exc)
    refused(AccessDenied, sign_contract, actor=world.reps[0], contract=contract, side="buyer")
    refused(AccessDenied, sign_contract, actor=world.reps[1], contract=contract, side="supplier")
    sign_contract(actor=world.reps[0], contract=contract, side="supplier")
    sign_contract(actor=world.approver, contract=contract, side="buyer")
    contract.refresh_from_db()
    assert contract.status == "active"
    assert contract.supplier_signed_by == world.reps[0]
    assert contract.buyer_signed_by == world.approver


def test_deliveries_belong_to_each_side(world: World, travel: Travel) -> None:
    contract = active_contract(world, travel, "1000.00")
    item = contract.items.get()
    due = travel.now.date() + dt.timedelta(days=5)
    refused(
        AccessDenied,
        schedule_delivery,
        actor=world.reps[0],
        contract=contract,
        due_date=due,
        lines=[(item, Decimal(1))],
    )
    delivery = schedule_delivery(
        actor=world.officer, contract=contract, due_date=due, lines=[(item, Decimal(1))]
    )
    refused(AccessDenied, ship_delivery, actor=world.officer, delivery=delivery)
    refused(AccessDenied, ship_delivery, actor=world.reps[1], delivery=delivery)
    ship_delivery(actor=world.reps[0], delivery=delivery)
    refused(AccessDenied, receive_delivery, actor=world.reps[0], delivery=delivery)
    refused(AccessDenied, terminate_contract, actor=world.reps[0], contract=contract, reason="quit")


def test_officers_of_another_organisation_have_no_say(
    world: World,
    travel: Travel,
    make_org: Callable[..., Organisation],
    make_user: Callable[..., User],
) -> None:
    other = make_org("Other Agency", kind=OrganisationKind.AGENCY)
    outsider = make_user(
        (other, Role.PROCUREMENT_OFFICER), (other, Role.APPROVER), username="outsider"
    )
    tender = draft_tender(world)
    refused(AccessDenied, approve_plan, actor=outsider, plan=world.plan)
    approve_plan(actor=world.approver, plan=world.plan)
    exc = refused(AccessDenied, publish_tender, actor=outsider, tender=tender)
    assert "procurement.tender.change" in str(exc)
    refused(AccessDenied, cancel_tender, actor=outsider, tender=tender, reason="mine now")
    refused(
        AccessDenied,
        qualify_supplier,
        actor=outsider,
        buyer=world.buyer,
        supplier=world.suppliers[0],
        cpv="35300000-7",
        valid_until=travel.now.date() + dt.timedelta(days=30),
    )
    publish_tender(actor=world.officer, tender=tender)
    travel.by(days=4)
    tick()
    bid(world, tender, 0, "1000.00")
    past_deadline(travel, tender)
    refused(AccessDenied, open_bids, actor=outsider, tender=tender)
    [opened] = open_bids(actor=world.officer, tender=tender)
    refused(AccessDenied, qualify_bid, actor=outsider, bid=opened, qualified=True)
    qualify_bid(actor=world.officer, bid=opened, qualified=True)
    refused(AccessDenied, decide_awards, actor=outsider, tender=tender)
