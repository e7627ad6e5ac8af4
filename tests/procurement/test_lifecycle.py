"""A whole open tender, requirement to accepted delivery, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spilno.capabilities.selectors import fulfilment
from spilno.procurement.models import Bid, BidVersion, Contract, NonConformanceClaim
from spilno.procurement.services.bids import open_bids, withdraw_bid
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import sign_contract
from spilno.procurement.services.deliveries import (
    accept_delivery,
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
from spilno.procurement.services.tenders import answer_question, ask_question
from tests.procurement.conftest import Travel, World, bid, tender_in_tendering

pytestmark = pytest.mark.django_db


def test_open_tender_from_requirement_to_accepted_delivery(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    # Enquiries happened before: a question asked during tendering is refused.
    with pytest.raises(ValidationError, match="ask questions"):
        ask_question(actor=world.reps[0], tender=tender, supplier=world.suppliers[0], text="?")

    bid(world, tender, 0, "1200000.00")
    bid(world, tender, 1, "1300000.00")
    bid(world, tender, 1, "1100000.00")  # Bravo replaces its bid
    charlie = bid(world, tender, 2, "900000.00").bid
    withdraw_bid(actor=world.reps[2], bid=charlie, idempotency_key="w1")
    assert (
        Bid.objects.filter(tender=tender).values_list("amount", flat=True).distinct().get() is None
    )

    assert tender.tender_end is not None
    travel.to(tender.tender_end + dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="deadline passed"):
        bid(world, tender, 0, "1.00")
    report = tick()
    assert report.tendering_closed == 1
    tender.refresh_from_db()
    assert tender.status == "active.evaluation"

    opened = open_bids(actor=world.officer, tender=tender)
    assert sorted(b.amount for b in opened) == [Decimal("1100000.00"), Decimal("1200000.00")]
    charlie.refresh_from_db()
    assert charlie.status == "withdrawn"
    assert charlie.amount is None  # a withdrawn bid is never opened

    for b in opened:
        qualify_bid(actor=world.officer, bid=b, qualified=True)
    awards = decide_awards(actor=world.approver, tender=tender)
    assert [a.supplier for a in awards] == [world.suppliers[1]]

    complaint = submit_complaint(
        actor=world.reps[0], tender=tender, complainant=world.suppliers[0], text="Too cheap."
    )
    tender.refresh_from_db()
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end + dt.timedelta(minutes=1))
    assert tick().standstills_held == 1  # the complaint holds the award
    decide_complaint(actor=world.approver, complaint=complaint, outcome="accepted", reason="ok")
    decide_complaint(actor=world.approver, complaint=complaint, outcome="dismissed", reason="no")
    assert tick().standstills_ended == 1
    assert tick().changed == 0  # idempotent

    contract = Contract.objects.get(tender=tender)
    assert (contract.supplier, contract.value, contract.status) == (
        world.suppliers[1],
        Decimal("1100000.00"),
        "pending",
    )
    sign_contract(actor=world.officer, contract=contract, side="buyer")
    sign_contract(actor=world.reps[1], contract=contract, side="supplier")
    contract.refresh_from_db()
    tender.refresh_from_db()
    assert (contract.status, tender.status) == ("active", "complete")
    assert fulfilment(world.requirement).committed == 1000

    item = contract.items.get()
    delivery = schedule_delivery(
        actor=world.officer,
        contract=contract,
        due_date=travel.now.date() + dt.timedelta(days=30),
        lines=[(item, Decimal(400))],
        receiving_unit=world.unit,
    )
    ship_delivery(actor=world.reps[1], delivery=delivery)
    travel.by(days=35)
    line = delivery.lines.get()
    receive_delivery(actor=world.officer, delivery=delivery, received={line.pk: Decimal(350)})
    kinds = set(
        NonConformanceClaim.objects.filter(delivery=delivery).values_list("kind", flat=True)
    )
    assert kinds == {"late", "short"}
    accept_delivery(actor=world.officer, delivery=delivery)
    state = fulfilment(world.requirement)
    assert (state.committed, state.delivered, state.gap) == (1000, 350, 650)


def test_question_and_answer_during_enquiries(world: World, travel: Travel) -> None:
    from spilno.procurement.services.tenders import approve_plan, publish_tender
    from tests.procurement.conftest import draft_tender

    tender = draft_tender(world)
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    question = ask_question(
        actor=world.reps[0], tender=tender, supplier=world.suppliers[0], text="NATO standard?"
    )
    answer_question(actor=world.drafter, question=question, answer="Yes, STANAG 4425.")
    question.refresh_from_db()
    assert question.answer.startswith("Yes")


def test_idempotent_bid_retry_returns_the_same_version(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    first = bid(world, tender, 0, "1000.00", key="same")
    again = bid(world, tender, 0, "1000.00", key="same")
    assert first.pk == again.pk
    assert BidVersion.objects.filter(bid=first.bid).count() == 1
    with pytest.raises(ValidationError, match="different request"):
        bid(world, tender, 0, "999.00", key="same")
