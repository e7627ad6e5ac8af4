"""A hypothesis state machine driving the real procurement services on the database.

Each example starts a tender at a random point of its life (enquiries, tendering, evaluation,
standstill or signed contracts), then applies random steps: bids by random suppliers (some
on behalf of others, some invalid, some retried), clock jumps, ticks, opening, qualification,
awards, complaints, signatures, call-offs, deliveries and terminations. Every step either
succeeds or raises ValidationError/AccessDenied having changed nothing at all; after every
step the invariants of the sealed-bid rule, the transition tables and the ledger must hold.
Each example runs in a savepoint that is rolled back at its end.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from spilno.capabilities.models import FulfilmentEntry
from spilno.kernel.access import AccessDenied
from spilno.procurement.models import (
    Award,
    Bid,
    BidVersion,
    Complaint,
    Contract,
    Delivery,
    DeliveryLine,
    NonConformanceClaim,
    Tender,
    TenderEvent,
)
from spilno.procurement.services.bids import BidContent, open_bids, submit_bid, withdraw_bid
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import (
    create_call_off,
    sign_contract,
    terminate_contract,
)
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
from spilno.procurement.services.tenders import approve_plan, cancel_tender, publish_tender
from spilno.procurement.states import METHODS, TENDER_TRANSITIONS, TenderStatus
from tests.procurement.conftest import START, Travel, World, draft_tender, fingerprint

pytestmark = pytest.mark.django_db

FAILED = object()
BUYER_ACTORS = ("drafter", "officer", "approver")
STAGES = (
    "enquiries", "tendering", "tendering", "evaluation", "awarded", "contract", "delivery", "delivery"
)  # fmt: skip

# Valid prices: a few that tie, and arbitrary ones (below what Bid.amount can hold: see
# test_bad_input.test_amount_too_large_to_store_is_refused).
good_amounts = st.one_of(
    st.sampled_from(["1000.00", "999.99", "1000.00", "1500.00"]).map(Decimal),
    st.integers(min_value=1, max_value=10**11).map(lambda cents: Decimal(cents).scaleb(-2)),
)
amounts = st.one_of(
    good_amounts,
    good_amounts,
    good_amounts,
    st.sampled_from(["0.00", "-5.00", "10.001"]).map(Decimal),
)
good_days = st.integers(min_value=1, max_value=400)
days = st.one_of(good_days, good_days, good_days, st.sampled_from([0, 3651]))
suppliers = st.integers(min_value=0, max_value=2)
buyer_actors = st.sampled_from(BUYER_ACTORS)
picks = st.integers(min_value=0, max_value=5)
aims = st.integers(min_value=0, max_value=3)
jumps = st.sampled_from(
    [
        dt.timedelta(hours=1),
        dt.timedelta(days=1),
        dt.timedelta(days=3),
        dt.timedelta(days=6),
        dt.timedelta(days=25),
        "enquiry_end",
        "tender_end-1us",
        "tender_end-1us",
        "tender_end",
        "tender_end",
        "standstill_end",
    ]
)
quantities = st.sampled_from(["1", "100", "333.333", "400", "600", "1000", "1001"]).map(Decimal)


def total(quantities: Any) -> Decimal:
    """Summed in Python: exact on SQLite too."""
    return sum((q or Decimal(0) for q in quantities), Decimal(0))


def accepted(item: Any) -> Decimal:
    lines = DeliveryLine.objects.filter(item=item, delivery__status="accepted")
    return total(lines.values_list("received_quantity", flat=True))


def _valid(amount: Decimal, delivery_days: int) -> bool:
    exponent = amount.as_tuple().exponent
    return (
        amount > 0 and isinstance(exponent, int) and exponent >= -2 and 1 <= delivery_days <= 3650
    )


class ProcurementMachine(RuleBasedStateMachine):
    world: ClassVar[World]
    travel: ClassVar[Travel]

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.travel.to(START)
        self.tender: Tender | None = None
        self.keys = itertools.count(1)
        # The model: what each supplier last had acknowledged (None: withdrawn), and which
        # bid versions were acknowledged by a successful call.
        self.sealed: dict[int, tuple[Decimal, int] | None] = {}
        self.last_key: dict[int, tuple[str, BidContent]] = {}
        self.acknowledged: set[int] = set()
        self.committed_at_termination: dict[int, Decimal] = {}
        # Refreshed after every step, for the preconditions.
        self.status = ""
        self.has_contracts = self.has_deliveries = False

    def _refresh(self) -> None:
        self.status = self.t.status
        self.has_contracts = self.contracts().exists()
        self.has_deliveries = self.deliveries().exists()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ----------------------------------------------------------------------------
    @property
    def t(self) -> Tender:
        assert self.tender is not None
        self.tender.refresh_from_db()
        return self.tender

    def actor(self, name: str) -> Any:
        return getattr(self.world, name)

    def attempt(self, fn: Any, **kwargs: Any) -> Any:
        """Call a service: it succeeds, or refuses having changed nothing at all."""
        before = fingerprint()
        try:
            return fn(**kwargs)
        except (ValidationError, AccessDenied):
            after = fingerprint()
            changed = sorted(k for k in before if before[k] != after[k])
            assert not changed, f"{fn.__name__} refused but changed {changed}"
            return FAILED

    def pick(self, queryset: Any, index: int) -> Any:
        rows = list(queryset.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    def contracts(self) -> Any:
        return Contract.objects.filter(tender=self.tender)

    def deliveries(self) -> Any:
        return Delivery.objects.filter(contract__tender=self.tender)

    # --- start ------------------------------------------------------------------------------
    @initialize(
        method=st.sampled_from(["open", "framework"]),
        stage=st.sampled_from(STAGES),
        offers=st.lists(st.tuples(good_amounts, good_days), min_size=1, max_size=3),
    )
    def start(self, method: str, stage: str, offers: list[tuple[Decimal, int]]) -> None:
        self._start(method, stage, offers)
        self._refresh()

    def _start(self, method: str, stage: str, offers: list[tuple[Decimal, int]]) -> None:
        world = self.world
        fields: dict[str, Any] = {}
        if method == "framework":
            fields = {"max_awards": 2, "tender_end": START + dt.timedelta(days=15)}
        self.tender = draft_tender(world, method=method, **fields)
        approve_plan(actor=world.approver, plan=world.plan)
        publish_tender(actor=world.drafter, tender=self.tender)
        if stage == "enquiries":
            return
        self.travel.to(self.t.enquiry_end)  # type: ignore[arg-type]
        tick()
        if stage == "tendering":
            return
        for index, (amount, delivery_days) in enumerate(offers):
            self.submit(index, index, amount, delivery_days, retry=False)
        self.travel.to(self.t.tender_end + dt.timedelta(seconds=1))  # type: ignore[operator]
        tick()
        if stage == "evaluation":
            return
        self.open("officer")
        for index in range(len(offers)):
            self.qualify(index, True, "officer", 50)
        self.decide("approver")
        if stage == "awarded":
            return
        self.travel.to(self.t.standstill_end)  # type: ignore[arg-type]
        tick()
        for contract in self.contracts():
            self._sign(contract, "buyer", 0)
            self._sign(contract, "supplier", 0)
        if stage == "contract":
            return
        for framework in self.contracts().filter(kind="framework", status="active"):
            call_off = create_call_off(
                actor=world.officer,
                framework=framework,
                value=framework.value,
                lines=[(framework.items.get(), Decimal(400))],
            )
            self._sign(call_off, "buyer", 1)
            self._sign(call_off, "supplier", 1)
        for index in range(self.contracts().exclude(kind="framework").count()):
            self.schedule(index, 0, Decimal(400), 3)
            self.schedule(index, 0, Decimal(100), -2)
        for index in range(self.deliveries().count()):
            self.ship(index, 0, 1)

    # --- bids -------------------------------------------------------------------------------
    @precondition(lambda self: self.status in ("active.enquiries", "active.tendering"))
    @rule(
        supplier=suppliers,
        by=suppliers,
        amount=amounts,
        delivery_days=days,
        retry=st.booleans(),
    )
    def submit(
        self, supplier: int, by: int, amount: Decimal, delivery_days: int, retry: bool
    ) -> None:
        tender = self.t
        content = BidContent(amount, "EUR", delivery_days, notes=f"{amount}/{delivery_days}")
        key = f"key-{next(self.keys)}"
        if retry and supplier in self.last_key:
            key, content = self.last_key[supplier]
        assert tender.tender_end is not None
        expected = (
            by == supplier
            and tender.status == TenderStatus.TENDERING
            and self.travel.now < tender.tender_end
            and _valid(content.amount, content.delivery_days)
        )
        before = fingerprint()
        version = self.attempt(
            submit_bid,
            actor=self.world.reps[by],
            tender=tender,
            lot=tender.lots.get(),
            supplier=self.world.suppliers[supplier],
            content=content,
            idempotency_key=key,
        )
        if retry and supplier in self.last_key:
            if version is not FAILED:  # the version stored before: nothing new
                assert version.pk in self.acknowledged
                assert fingerprint() == before
            return
        assert (version is not FAILED) == expected, (tender.status, amount, delivery_days)
        if version is not FAILED:
            assert version.at < tender.tender_end
            self.acknowledged.add(version.pk)
            self.sealed[supplier] = (content.amount, content.delivery_days)
            self.last_key[supplier] = (key, content)

    @precondition(lambda self: self.status == "active.tendering")
    @rule(
        supplier=suppliers,
        offset=st.sampled_from([-1, 0, 1, 10**6]),
        amount=good_amounts,
        withdraw=st.booleans(),
    )
    def at_the_deadline(self, supplier: int, offset: int, amount: Decimal, withdraw: bool) -> None:
        """The clock stands ``offset`` microseconds from the deadline (no tick yet)."""
        moment = self.t.tender_end + dt.timedelta(microseconds=offset)  # type: ignore[operator]
        if moment > self.travel.now:
            self.travel.to(moment)
        if withdraw:
            self.withdraw(supplier, supplier)
        else:
            self.submit(supplier, supplier, amount, 30, retry=False)

    @precondition(lambda self: self.status in ("active.enquiries", "active.tendering"))
    @rule(supplier=suppliers, by=suppliers)
    def withdraw(self, supplier: int, by: int) -> None:
        tender = self.t
        existing = Bid.objects.filter(tender=tender, supplier=self.world.suppliers[supplier])
        bid = existing.first()
        if bid is None:
            return
        assert tender.tender_end is not None
        expected = (
            by == supplier
            and tender.status == TenderStatus.TENDERING
            and self.travel.now < tender.tender_end
            and bid.status == "submitted"
        )
        key = f"key-{next(self.keys)}"
        version = self.attempt(
            withdraw_bid, actor=self.world.reps[by], bid=bid, idempotency_key=key
        )
        assert (version is not FAILED) == expected
        if version is not FAILED:
            self.acknowledged.add(version.pk)
            self.sealed[supplier] = None
            self.last_key.pop(supplier, None)

    # --- time -------------------------------------------------------------------------------
    @rule(jump=jumps)
    def advance(self, jump: Any) -> None:
        tender = self.t
        if isinstance(jump, dt.timedelta):
            self.travel.by(seconds=jump.total_seconds())
            return
        name, _, minus = jump.partition("-")
        moment = getattr(tender, name)
        if moment is None:
            return
        if minus:
            moment -= dt.timedelta(microseconds=1)
        if moment > self.travel.now:
            self.travel.to(moment)

    @rule()
    def run_tick(self) -> None:
        tick()

    # --- evaluation -------------------------------------------------------------------------
    @precondition(lambda self: self.status in ("active.tendering", "active.evaluation"))
    @rule(by=buyer_actors)
    def open(self, by: str) -> None:
        tender = self.t
        assert tender.tender_end is not None
        live = {i for i, content in self.sealed.items() if content is not None}
        due = tender.status == TenderStatus.TENDERING and self.travel.now >= tender.tender_end
        expected = (
            by != "drafter"
            and tender.opened_at is None
            # Opening closes a tendering period the chronograph has not closed yet.
            and (tender.status == TenderStatus.EVALUATION or (due and bool(live)))
        )
        opened = self.attempt(open_bids, actor=self.actor(by), tender=tender)
        assert (opened is not FAILED) == expected
        if opened is not FAILED:
            for b in opened:
                index = self.world.suppliers.index(b.supplier)
                assert self.sealed[index] == (b.amount, b.delivery_days)
            assert {self.world.suppliers.index(b.supplier) for b in opened} == live

    @precondition(lambda self: self.status == "active.evaluation")
    @rule(supplier=suppliers, qualified=st.booleans(), by=buyer_actors, score=st.integers(0, 100))
    def qualify(self, supplier: int, qualified: bool, by: str, score: int) -> None:
        bid = Bid.objects.filter(
            tender=self.tender, supplier=self.world.suppliers[supplier]
        ).first()
        if bid is None:
            return
        result = self.attempt(
            qualify_bid,
            actor=self.actor(by),
            bid=bid,
            qualified=qualified,
            reason="" if qualified else "Missing certificate",
            quality_score=score,
        )
        if by == "drafter":
            assert result is FAILED

    @precondition(lambda self: self.status == "active.evaluation")
    @rule(by=buyer_actors)
    def decide(self, by: str) -> None:
        tender = self.t
        qualified = sorted(
            Bid.objects.filter(tender=tender, status="qualified"),
            key=lambda b: (b.amount, b.last_changed_at, b.pk),
        )
        expected = (
            by == "approver"
            and tender.status == TenderStatus.EVALUATION
            and tender.opened_at is not None
            and not Bid.objects.filter(tender=tender, status="opened").exists()
            and not Award.objects.filter(tender=tender, status="pending").exists()
        )
        awards = self.attempt(decide_awards, actor=self.actor(by), tender=tender)
        assert (awards is not FAILED) == expected
        if awards is not FAILED:
            winners = [b.pk for b in qualified[: tender.max_awards]]
            assert [a.bid_id for a in awards] == winners
            assert [a.amount for a in awards] == [b.amount for b in qualified[: len(winners)]]
            status = self.t.status
            assert status == (TenderStatus.AWARDED if winners else TenderStatus.UNSUCCESSFUL)

    @precondition(lambda self: self.status in ("active.evaluation", "active.awarded"))
    @rule(supplier=suppliers, by=suppliers)
    def complain(self, supplier: int, by: int) -> None:
        self.attempt(
            submit_complaint,
            actor=self.world.reps[by],
            tender=self.t,
            complainant=self.world.suppliers[supplier],
            text="The winner does not meet the specification.",
        )

    @precondition(lambda self: self.status in ("active.evaluation", "active.awarded"))
    @rule(
        index=picks,
        outcome=st.sampled_from(["accepted", "upheld", "dismissed"]),
        by=buyer_actors,
    )
    def judge(self, index: int, outcome: str, by: str) -> None:
        complaint = self.pick(Complaint.objects.filter(tender=self.tender), index)
        if complaint is None:
            return
        before = complaint.status
        result = self.attempt(
            decide_complaint,
            actor=self.actor(by),
            complaint=complaint,
            outcome=outcome,
            reason="Considered.",
        )
        if result is not FAILED and outcome == "upheld":
            assert before == "accepted"
            assert not Award.objects.filter(tender=self.tender, status="pending").exists()
            assert not Complaint.objects.filter(
                tender=self.tender, status__in=["submitted", "accepted"]
            ).exists()
            assert self.t.status == TenderStatus.EVALUATION

    @precondition(lambda self: self.status not in ("complete", "cancelled", "unsuccessful"))
    @rule(by=st.sampled_from(["drafter", "approver"]), chance=st.integers(0, 19))
    def cancel(self, by: str, chance: int) -> None:
        if chance != 7:  # rarely: a cancelled tender ends the story
            return
        self.attempt(cancel_tender, actor=self.actor(by), tender=self.t, reason="Need changed")

    # --- contracts --------------------------------------------------------------------------
    # Each rule mostly picks a record its service can move on (``aim`` 1-3), sometimes any
    # record at all (``aim`` 0), so that long stories and refusals both happen.
    def choose(self, queryset: Any, index: int, aim: int, **usable: Any) -> Any:
        if aim:
            chosen = self.pick(queryset.filter(**usable), index)
            if chosen is not None:
                return chosen
        return self.pick(queryset, index)

    @precondition(lambda self: self.has_contracts)
    @rule(
        index=picks,
        aim=aims,
        side=st.sampled_from(["buyer", "supplier"]),
        by=st.integers(0, 3),
    )
    def sign(self, index: int, aim: int, side: str, by: int) -> None:
        contract = self.choose(self.contracts(), index, aim, status="pending")
        self._sign(contract, side, by)

    def _sign(self, contract: Contract, side: str, by: int) -> None:
        """``by`` 0 and 1 may sign for ``side``; 2 and 3 may not."""
        rep = self.world.reps[self.world.suppliers.index(contract.supplier)]
        other_rep = self.world.reps[(self.world.suppliers.index(contract.supplier) + 1) % 3]
        if side == "buyer":
            actor = [self.world.officer, self.world.approver, rep, self.world.drafter][by]
        else:
            actor = [rep, rep, self.world.officer, other_rep][by]
        result = self.attempt(sign_contract, actor=actor, contract=contract, side=side)
        if by >= 2 and not (side == "buyer" and by == 3):
            assert result is FAILED

    @precondition(lambda self: self.has_contracts)
    @rule(
        index=picks,
        aim=aims,
        quantity=quantities,
        value=st.sampled_from(["1000.00", "5000000.00"]),
    )
    def call_off(self, index: int, aim: int, quantity: Decimal, value: str) -> None:
        framework = self.choose(self.contracts(), index, aim, kind="framework", status="active")
        self.attempt(
            create_call_off,
            actor=self.world.officer,
            framework=framework,
            value=Decimal(value),
            lines=[(framework.items.get(), quantity)],
        )

    @precondition(lambda self: self.has_contracts)
    @rule(index=picks, chance=st.integers(0, 3))
    def terminate(self, index: int, chance: int) -> None:
        if chance != 2:  # now and then
            return
        contract = self.pick(self.contracts(), index)
        result = self.attempt(
            terminate_contract, actor=self.world.officer, contract=contract, reason="Ended"
        )
        if result is not FAILED:
            # A terminated contract stays committed to what had been accepted by then.
            self.committed_at_termination[contract.pk] = accepted(contract.items.get())

    # --- deliveries -------------------------------------------------------------------------
    @precondition(lambda self: self.has_contracts)
    @rule(index=picks, aim=aims, quantity=quantities, due_in=st.sampled_from([-2, 0, 3, 20]))
    def schedule(self, index: int, aim: int, quantity: Decimal, due_in: int) -> None:
        contract = self.choose(
            self.contracts().exclude(kind="framework"), index, aim, status="active"
        ) or self.pick(self.contracts(), index)
        self.attempt(
            schedule_delivery,
            actor=self.world.officer,
            contract=contract,
            due_date=self.travel.now.date() + dt.timedelta(days=due_in),
            lines=[(contract.items.get(), quantity)],
            receiving_unit=self.world.unit,
        )

    @precondition(lambda self: self.has_deliveries)
    @rule(index=picks, aim=aims, by=st.integers(0, 3))
    def ship(self, index: int, aim: int, by: int) -> None:
        delivery = self.choose(self.deliveries(), index, aim, status="scheduled")
        supplier = self.world.suppliers.index(delivery.contract.supplier)
        rep = self.world.reps[supplier if by else (supplier + 1) % 3]  # 0: the wrong one
        result = self.attempt(ship_delivery, actor=rep, delivery=delivery)
        if not by:
            assert result is FAILED

    @precondition(lambda self: self.has_deliveries)
    @rule(index=picks, aim=aims, share=st.sampled_from(["all", "third", "none", "more"]))
    def receive(self, index: int, aim: int, share: str) -> None:
        delivery = self.choose(self.deliveries(), index, aim, status="shipped")
        received: dict[int, Decimal] = {}
        for line in delivery.lines.all():
            received[line.pk] = {
                "all": line.quantity,
                "third": (line.quantity / 3).quantize(Decimal("0.001")),
                "none": Decimal(0),
                "more": line.quantity + 1,
            }[share]
        self.attempt(
            receive_delivery, actor=self.world.officer, delivery=delivery, received=received
        )

    @precondition(lambda self: self.has_deliveries)
    @rule(index=picks, aim=aims, accept=st.booleans())
    def judge_delivery(self, index: int, aim: int, accept: bool) -> None:
        delivery = self.choose(self.deliveries(), index, aim, status="received")
        if accept:
            self.attempt(accept_delivery, actor=self.world.officer, delivery=delivery)
        else:
            self.attempt(
                reject_delivery, actor=self.world.officer, delivery=delivery, reason="Damaged"
            )

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def tender_follows_its_table(self) -> None:
        if self.tender is None:
            return
        self._refresh()
        tender = self.t
        assert tender.status in TENDER_TRANSITIONS
        events = list(
            TenderEvent.objects.filter(tender=tender)
            .order_by("at", "pk")
            .values_list("status", flat=True)
        )
        assert events[0] == TenderStatus.DRAFT
        for current, target in zip(events, events[1:], strict=False):
            assert target in TENDER_TRANSITIONS[current], events
        assert events[-1] == tender.status

    @invariant()
    def bids_stay_sealed(self) -> None:
        if self.tender is None:
            return
        tender = self.t
        versions = BidVersion.objects.filter(bid__tender=tender)
        assert not versions.filter(at__gte=tender.tender_end).exists()
        # No version exists for an attempt that got an error.
        assert set(versions.values_list("pk", flat=True)) == self.acknowledged
        for bid in Bid.objects.filter(tender=tender):
            seqs = list(bid.versions.order_by("seq").values_list("seq", flat=True))
            assert seqs == list(range(1, bid.version_count + 1))
            index = self.world.suppliers.index(bid.supplier)
            if tender.opened_at is None or bid.status == "withdrawn":
                assert (bid.amount, bid.currency, bid.delivery_days, bid.notes) == (
                    None,
                    "",
                    None,
                    "",
                )
                assert bid.opened_version is None
            if bid.status == "withdrawn":
                assert self.sealed.get(index) is None
            if bid.opened_version is not None:
                assert bid.opened_version == bid.version_count
                assert self.sealed[index] == (bid.amount, bid.delivery_days)

    @invariant()
    def awards_are_bounded(self) -> None:
        if self.tender is None:
            return
        tender = self.t
        live = Award.objects.filter(tender=tender, status__in=["pending", "active"])
        per_lot: dict[int, int] = defaultdict(int)
        for award in live:
            per_lot[award.lot_id] += 1
            assert award.bid is not None
            assert award.amount == award.bid.amount
        assert all(n <= tender.max_awards for n in per_lot.values())
        if tender.status == TenderStatus.AWARDED and live.filter(status="pending").exists():
            assert tender.standstill_end is not None
        if Award.objects.filter(tender=tender, status="active").exists():
            assert METHODS[tender.method].bidding

    @invariant()
    def ledger_matches_contracts_and_deliveries(self) -> None:
        if self.tender is None:
            return
        requirement = self.world.requirement
        accepted_total = total(
            DeliveryLine.objects.filter(
                delivery__status="accepted", item__requirement=requirement
            ).values_list("received_quantity", flat=True)
        )
        entries = FulfilmentEntry.objects.filter(requirement=requirement)
        delivered = total(entries.filter(kind="delivered").values_list("quantity", flat=True))
        assert delivered == accepted_total
        for contract in self.contracts().prefetch_related("items"):
            committed = total(
                entries.filter(kind="committed", source_id=str(contract.pk)).values_list(
                    "quantity", flat=True
                )
            )
            [item] = contract.items.all()
            accepted_here = accepted(item)
            was_signed = contract.buyer_signed_at and contract.supplier_signed_at
            if contract.kind == "framework" or not was_signed:
                expected = Decimal(0)
            elif contract.status == "terminated":
                expected = self.committed_at_termination[contract.pk]
            else:
                expected = item.quantity
            assert committed == expected, (contract.kind, contract.status)
            # What is on its way or in (accepted counts as received) never exceeds the order.
            lines = DeliveryLine.objects.filter(item=item).exclude(delivery__status="rejected")
            on_order = sum(
                (
                    (received or Decimal(0)) if status == "accepted" else quantity
                    for quantity, received, status in lines.values_list(
                        "quantity", "received_quantity", "delivery__status"
                    )
                ),
                Decimal(0),
            )
            assert accepted_here <= on_order <= item.quantity
            if contract.status == "complete":
                assert accepted_here == item.quantity
            if contract.status == "active":
                assert accepted_here < item.quantity

    @invariant()
    def claims_follow_deliveries(self) -> None:
        if self.tender is None:
            return
        for delivery in self.deliveries().prefetch_related("lines", "claims"):
            kinds = {c.kind for c in delivery.claims.all()}
            if delivery.received_at is not None:
                if timezone.localdate(delivery.received_at) > delivery.due_date:
                    assert "late" in kinds
                short = any(
                    line.received_quantity is not None and line.received_quantity < line.quantity
                    for line in delivery.lines.all()
                )
                assert ("short" in kinds) == short
            else:
                assert "short" not in kinds
            assert ("rejected" in kinds) == (delivery.status == "rejected")
        assert not NonConformanceClaim.objects.exclude(
            delivery__contract__tender=self.tender
        ).exists()


def test_procurement_state_machine(world: World, travel: Travel) -> None:
    ProcurementMachine.world = world
    ProcurementMachine.travel = travel
    run_state_machine_as_test(
        ProcurementMachine,
        settings=settings(max_examples=20, stateful_step_count=20, deadline=None),
    )
