"""Deliveries: claims raised by themselves, supplier performance, completion, termination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from spilno.audit.models import AuditEntry
from spilno.capabilities.models import FulfilmentEntry
from spilno.capabilities.selectors import fulfilment
from spilno.procurement.models import Contract, Delivery, NonConformanceClaim
from spilno.procurement.selectors import supplier_performance
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import terminate_contract
from spilno.procurement.services.deliveries import (
    accept_delivery,
    receive_delivery,
    reject_delivery,
    schedule_delivery,
    ship_delivery,
)
from tests.procurement.conftest import (
    Travel,
    World,
    active_contract,
    error_fields,
    refused,
)

pytestmark = pytest.mark.django_db
KYIV = ZoneInfo("Europe/Kyiv")  # settings.TIME_ZONE: what "today" means for due dates


def _schedule(world: World, contract: Contract, quantity: int | str, days: int) -> Delivery:
    return schedule_delivery(
        actor=world.officer,
        contract=contract,
        due_date=dt.date(2026, 4, 1) + dt.timedelta(days=days),
        lines=[(contract.items.get(), Decimal(quantity))],
        receiving_unit=world.unit,
    )


def _arrive(
    world: World, travel: Travel, delivery: Delivery, received: int | str | None = None, *, on: int
) -> Delivery:
    rep = world.reps[world.suppliers.index(delivery.contract.supplier)]
    ship_delivery(actor=rep, delivery=delivery)
    travel.to(dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC) + dt.timedelta(days=on))
    line = delivery.lines.get()
    quantities = None if received is None else {line.pk: Decimal(received)}
    return receive_delivery(actor=world.officer, delivery=delivery, received=quantities)


def _claims(delivery: Delivery) -> set[str]:
    return set(NonConformanceClaim.objects.filter(delivery=delivery).values_list("kind", flat=True))


def _accepted_total() -> Decimal:
    return sum(
        (
            line.received_quantity or Decimal(0)
            for d in Delivery.objects.filter(status="accepted")
            for line in d.lines.all()
        ),
        Decimal(0),
    )


def test_claims_are_raised_by_themselves(world: World, travel: Travel) -> None:
    contract = active_contract(world, travel)
    on_time = _schedule(world, contract, 100, days=10)
    late = _schedule(world, contract, 100, days=10)
    short = _schedule(world, contract, 100, days=20)
    late_and_short = _schedule(world, contract, 100, days=20)
    rejected = _schedule(world, contract, 100, days=30)

    _arrive(world, travel, on_time, on=10)  # on the due date itself: on time
    assert _claims(on_time) == set()
    _arrive(world, travel, late, on=11)
    assert _claims(late) == {"late"}
    assert "1 day(s) after" in NonConformanceClaim.objects.get(delivery=late).detail
    _arrive(world, travel, short, "99.999", on=15)
    assert _claims(short) == {"short"}
    assert "99.999 of 100.000" in NonConformanceClaim.objects.get(delivery=short).detail
    _arrive(world, travel, late_and_short, 0, on=25)
    assert _claims(late_and_short) == {"late", "short"}
    _arrive(world, travel, rejected, on=30)
    assert _claims(rejected) == set()
    reject_delivery(actor=world.officer, delivery=rejected, reason="Wrong fuze type")
    assert _claims(rejected) == {"rejected"}
    assert NonConformanceClaim.objects.get(delivery=rejected).detail == "Wrong fuze type"
    assert set(NonConformanceClaim.objects.values_list("status", flat=True)) == {"open"}

    for delivery in (on_time, late, short, late_and_short):
        accept_delivery(actor=world.officer, delivery=delivery)
    state = fulfilment(world.requirement)
    assert state.delivered == Decimal("299.999") == _accepted_total()
    # A rejected delivery frees its quantity to be scheduled again.
    _schedule(world, contract, 600, days=40)


def test_tick_raises_one_late_claim_for_an_overdue_milestone(world: World, travel: Travel) -> None:
    contract = active_contract(world, travel)
    due = travel.now.date() + dt.timedelta(days=3)
    waiting = schedule_delivery(
        actor=world.officer, contract=contract, due_date=due, lines=[(contract.items.get(), 10)]
    )
    shipped = schedule_delivery(
        actor=world.officer, contract=contract, due_date=due, lines=[(contract.items.get(), 10)]
    )
    received = schedule_delivery(
        actor=world.officer, contract=contract, due_date=due, lines=[(contract.items.get(), 10)]
    )
    ship_delivery(actor=world.reps[0], delivery=shipped)
    ship_delivery(actor=world.reps[0], delivery=received)
    receive_delivery(actor=world.officer, delivery=received)

    travel.to(dt.datetime.combine(due, dt.time(23, 59), tzinfo=KYIV))
    assert tick().late_claims == 0  # due today (in the business time zone) is not late yet
    travel.by(minutes=2)
    assert tick().late_claims == 2
    assert tick().late_claims == 0
    assert _claims(waiting) == _claims(shipped) == {"late"}
    assert _claims(received) == set()
    assert AuditEntry.objects.filter(action="procurement.delivery.late").count() == 2

    # Arriving later adds no second late claim.
    travel.by(days=2)
    receive_delivery(actor=world.officer, delivery=shipped)
    assert NonConformanceClaim.objects.filter(delivery=shipped).count() == 1
    travel.by(days=2)
    assert tick().late_claims == 0


def test_supplier_performance(world: World, travel: Travel) -> None:
    contract = active_contract(world, travel)
    assert supplier_performance(world.suppliers[0]).on_time_rate is None
    on_time = _schedule(world, contract, 100, days=10)
    late = _schedule(world, contract, 100, days=10)
    bad = _schedule(world, contract, 100, days=10)
    pending = _schedule(world, contract, 100, days=10)
    received_only = _schedule(world, contract, 100, days=20)
    _arrive(world, travel, on_time, on=9)
    _arrive(world, travel, bad, on=10)
    _arrive(world, travel, late, on=14)
    _arrive(world, travel, received_only, on=14)
    accept_delivery(actor=world.officer, delivery=on_time)
    accept_delivery(actor=world.officer, delivery=late)
    reject_delivery(actor=world.officer, delivery=bad, reason="Damaged")
    tick()  # `pending` is overdue now: a late claim
    assert _claims(pending) == {"late"}

    performance = supplier_performance(world.suppliers[0])
    assert (
        performance.received,
        performance.on_time,
        performance.decided,
        performance.rejected,
        performance.open_claims,
        performance.contracts,
    ) == (4, 3, 3, 1, 3, 1)
    assert performance.on_time_rate == pytest.approx(3 / 4)
    assert performance.rejection_rate == pytest.approx(1 / 3)
    other = supplier_performance(world.suppliers[1])
    assert (other.received, other.contracts, other.on_time_rate, other.rejection_rate) == (
        0,
        0,
        None,
        None,
    )


def test_contract_completes_when_every_item_is_accepted_in_full(
    world: World, travel: Travel
) -> None:
    contract = active_contract(world, travel)
    first = _schedule(world, contract, 600, days=10)
    second = _schedule(world, contract, 400, days=20)
    _arrive(world, travel, first, on=5)
    accept_delivery(actor=world.officer, delivery=first)
    contract.refresh_from_db()
    assert contract.status == "active"
    _arrive(world, travel, second, on=15)
    accept_delivery(actor=world.officer, delivery=second)
    contract.refresh_from_db()
    assert contract.status == "complete"
    state = fulfilment(world.requirement)
    assert (state.committed, state.delivered, state.gap) == (1000, 1000, 0)
    assert AuditEntry.objects.filter(action="procurement.contract.complete").count() == 1
    exc = refused(ValidationError, accept_delivery, actor=world.officer, delivery=second)
    assert "status" in error_fields(exc)
    exc = refused(
        ValidationError, terminate_contract, actor=world.officer, contract=contract, reason="x"
    )
    assert "status" in error_fields(exc)


def test_a_rejected_delivery_does_not_count(world: World, travel: Travel) -> None:
    contract = active_contract(world, travel)
    delivery = _schedule(world, contract, 1000, days=10)
    _arrive(world, travel, delivery, on=5)
    reject_delivery(actor=world.officer, delivery=delivery, reason="Wrong lot numbers")
    contract.refresh_from_db()
    assert contract.status == "active"
    assert fulfilment(world.requirement).delivered == 0
    again = _schedule(world, contract, 1000, days=20)
    _arrive(world, travel, again, on=20)
    accept_delivery(actor=world.officer, delivery=again)
    contract.refresh_from_db()
    assert contract.status == "complete"


def test_the_shortfall_of_a_short_delivery_can_be_scheduled(world: World, travel: Travel) -> None:
    """What was accepted counts, not what was due: the rest can be ordered again."""
    contract = active_contract(world, travel)
    delivery = _schedule(world, contract, 1000, days=10)
    _arrive(world, travel, delivery, 900, on=5)
    accept_delivery(actor=world.officer, delivery=delivery)
    rest = _schedule(world, contract, 100, days=20)
    _arrive(world, travel, rest, on=20)
    accept_delivery(actor=world.officer, delivery=rest)
    contract.refresh_from_db()
    assert contract.status == "complete"


def test_termination_reduces_the_commitment_to_what_was_delivered(
    world: World, travel: Travel
) -> None:
    contract = active_contract(world, travel)
    assert fulfilment(world.requirement).committed == 1000
    delivered = _schedule(world, contract, 300, days=10)
    _arrive(world, travel, delivered, "250", on=5)
    accept_delivery(actor=world.officer, delivery=delivered)
    exc = refused(
        ValidationError, terminate_contract, actor=world.officer, contract=contract, reason=" "
    )
    assert "reason" in error_fields(exc)
    terminate_contract(actor=world.officer, contract=contract, reason="Supplier insolvent")
    contract.refresh_from_db()
    assert (contract.status, contract.terminated_reason) == ("terminated", "Supplier insolvent")
    state = fulfilment(world.requirement)
    assert (state.committed, state.delivered, state.gap, state.uncovered) == (250, 250, 750, 750)
    committed = FulfilmentEntry.objects.filter(kind="committed").order_by("pk")
    assert [e.quantity for e in committed] == [Decimal(1000), Decimal(-750)]
    exc = refused(
        ValidationError,
        schedule_delivery,
        actor=world.officer,
        contract=contract,
        due_date=travel.now.date(),
        lines=[(contract.items.get(), Decimal(1))],
    )
    assert "contract" in error_fields(exc)


def test_terminating_a_pending_contract_commits_nothing(world: World, travel: Travel) -> None:
    from tests.procurement.conftest import awarded_tender

    tender = awarded_tender(world, travel, "1000.00")
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end)
    tick()
    contract = Contract.objects.get(tender=tender)
    terminate_contract(actor=world.officer, contract=contract, reason="Award annulled by court")
    assert not FulfilmentEntry.objects.exists()


def test_accepting_after_termination_is_handled(world: World, travel: Travel) -> None:
    """Goods received before a termination may still be accepted; the contract stays
    terminated (never "complete"), and what arrived counts as delivered."""
    contract = active_contract(world, travel)
    delivery = _schedule(world, contract, 1000, days=10)
    _arrive(world, travel, delivery, on=5)
    terminate_contract(actor=world.officer, contract=contract, reason="Budget cut")
    assert fulfilment(world.requirement).committed == 0  # nothing had been accepted yet
    accept_delivery(actor=world.officer, delivery=delivery)
    contract.refresh_from_db()
    assert contract.status == "terminated"
    state = fulfilment(world.requirement)
    assert (state.committed, state.delivered) == (0, 1000)


def test_lateness_uses_the_same_day_as_the_chronograph(world: World, travel: Travel) -> None:
    """Due dates are days in the business time zone, for the tick and for receipt alike."""
    contract = active_contract(world, travel)
    due = dt.date(2026, 4, 10)
    delivery = schedule_delivery(
        actor=world.officer, contract=contract, due_date=due, lines=[(contract.items.get(), 1)]
    )
    ship_delivery(actor=world.reps[0], delivery=delivery)
    travel.to(dt.datetime(2026, 4, 11, 0, 30, tzinfo=KYIV))
    assert tick().late_claims == 1  # the chronograph: the 11th, so overdue
    travel.to(dt.datetime(2026, 4, 11, 1, 0, tzinfo=KYIV))
    receive_delivery(actor=world.officer, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.on_time is False
