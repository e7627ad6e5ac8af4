"""The fulfilment ledger: commitments as deltas, idempotent deliveries, fulfilment totals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from spilno.audit.models import AuditEntry
from spilno.capabilities.models import FulfilmentEntry, Requirement
from spilno.capabilities.selectors import fulfilment, fulfilment_many
from spilno.capabilities.services.ledger import Source, record_delivery, set_commitment
from spilno.kernel.access import SystemActor
from tests.helpers import rolled_back

pytestmark = pytest.mark.django_db

CONTRACT = Source(
    "contract", "17", "SPL-2026-000017-C1 Supplier Alpha", "/procurement/contracts/17/"
)
PLEDGE = Source("pledge", "3", "Pledge 3 by Norway", "/assistance/pledges/3/")
ACTOR = SystemActor()


def _entries(requirement: Requirement) -> list[tuple[str, str, str, Decimal]]:
    return list(
        FulfilmentEntry.objects.filter(requirement=requirement)
        .order_by("pk")
        .values_list("source_kind", "kind", "key", "quantity")
    )


def test_set_commitment_writes_deltas_and_is_idempotent(
    make_requirement: Callable[..., Requirement],
) -> None:
    requirement = make_requirement()
    audit = AuditEntry.objects.count()
    first = set_commitment(
        actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(30)
    )
    assert first is not None
    assert (
        set_commitment(actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(30))
        is None
    )
    set_commitment(actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(40))
    set_commitment(actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal("12.5"))
    assert (
        set_commitment(
            actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal("12.500")
        )
        is None
    )
    assert _entries(requirement) == [
        ("contract", "committed", f"contract:17:req{requirement.pk}:committed:1", Decimal(30)),
        ("contract", "committed", f"contract:17:req{requirement.pk}:committed:2", Decimal(10)),
        ("contract", "committed", f"contract:17:req{requirement.pk}:committed:3", Decimal("-27.5")),
    ]
    assert fulfilment(requirement).committed == Decimal("12.5")
    # One audit entry per ledger line, none for the calls that changed nothing.
    entries = AuditEntry.objects.filter(pk__gt=0).order_by("-pk")[:3]
    assert AuditEntry.objects.count() == audit + 3
    assert [e.action for e in entries] == ["capabilities.ledger.committed"] * 3
    after = dict(entries[0].after)
    assert Decimal(after.pop("quantity")) == Decimal("-27.5")
    assert after == {
        "requirement": requirement.pk,
        "source": ["contract", "17"],
        "kind": "committed",
    }
    assert entries[0].classification == requirement.classification


def test_commitments_of_sources_are_independent(
    make_requirement: Callable[..., Requirement],
) -> None:
    requirement = make_requirement()
    other = make_requirement(title_en="Other")
    set_commitment(actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(10))
    set_commitment(actor=ACTOR, requirement=requirement, source=PLEDGE, quantity=Decimal(10))
    set_commitment(actor=ACTOR, requirement=other, source=CONTRACT, quantity=Decimal(5))
    assert fulfilment(requirement).committed == 20
    assert fulfilment(other).committed == 5
    set_commitment(actor=ACTOR, requirement=requirement, source=PLEDGE, quantity=Decimal(0))
    assert fulfilment(requirement).committed == 10
    assert fulfilment(other).committed == 5


@hypothesis_settings(max_examples=25)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from([CONTRACT, PLEDGE]),
            st.integers(min_value=0, max_value=2 * 10**6).map(lambda n: Decimal(n) / 2),
        ),
        max_size=12,
    )
)
def test_commitment_is_the_last_value_set(
    make_requirement: Callable[..., Requirement], steps: list[tuple[Source, Decimal]]
) -> None:
    with rolled_back():
        requirement = make_requirement()
        last: dict[str, Decimal] = {}
        touched: set[str] = set()
        for source, quantity in steps:
            entry = set_commitment(
                actor=ACTOR, requirement=requirement, source=source, quantity=quantity
            )
            changed = quantity != last.get(source.kind, Decimal(0))
            assert (entry is not None) == changed
            if changed:
                touched.add(source.kind)
            last[source.kind] = quantity
        state = fulfilment(requirement)
        assert state.committed == sum(last.values(), Decimal(0))
        assert {line.kind: line.committed for line in state.sources} == {
            kind: last[kind] for kind in touched
        }
        changes = FulfilmentEntry.objects.filter(requirement=requirement)
        assert sum(changes.values_list("quantity", flat=True), Decimal(0)) == state.committed
        assert len(set(changes.values_list("key", flat=True))) == changes.count()


def test_commitment_arithmetic_is_exact(make_requirement: Callable[..., Requirement]) -> None:
    """Decimal sums, not binary floating point (SQLite's SUM): no spurious 1E-16 deltas."""
    requirement = make_requirement()
    set_commitment(actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal("1.001"))
    set_commitment(actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal("0.001"))
    assert fulfilment(requirement).committed == Decimal("0.001")
    again = set_commitment(
        actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal("0.001")
    )
    assert again is None
    for value in ("0.1", "0.2", "0.3"):
        record_delivery(
            actor=ACTOR, requirement=requirement, source=PLEDGE, quantity=Decimal(value), key=value
        )
    assert fulfilment(requirement).delivered == Decimal("0.6")


def test_record_delivery_once_per_key(make_requirement: Callable[..., Requirement]) -> None:
    requirement = make_requirement()
    audit = AuditEntry.objects.count()
    key = "delivery:5:line:9"
    assert record_delivery(
        actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(7), key=key
    )
    assert (
        record_delivery(
            actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(7), key=key
        )
        is None
    )
    assert (
        record_delivery(
            actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(99), key=key
        )
        is None
    )
    record_delivery(
        actor=ACTOR,
        requirement=requirement,
        source=CONTRACT,
        quantity=Decimal("3.5"),
        key="delivery:6:line:10",
    )
    for nothing in (Decimal(0), Decimal(-1)):
        assert (
            record_delivery(
                actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=nothing, key="z"
            )
            is None
        )
    assert fulfilment(requirement).delivered == Decimal("10.5")
    assert AuditEntry.objects.count() == audit + 2
    assert not FulfilmentEntry.objects.filter(key="z").exists()


def test_fulfilment_totals_and_source_lines(make_requirement: Callable[..., Requirement]) -> None:
    requirement = make_requirement(quantity=Decimal(100))
    empty = fulfilment(requirement)
    assert (empty.needed, empty.committed, empty.delivered, empty.gap, empty.uncovered) == (
        100,
        0,
        0,
        100,
        100,
    )
    assert (empty.sources, empty.delivered_share) == ([], 0.0)

    set_commitment(actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(60))
    set_commitment(actor=ACTOR, requirement=requirement, source=PLEDGE, quantity=Decimal(25))
    record_delivery(
        actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(20), key="a"
    )
    record_delivery(
        actor=ACTOR, requirement=requirement, source=CONTRACT, quantity=Decimal(15), key="b"
    )
    record_delivery(
        actor=ACTOR, requirement=requirement, source=PLEDGE, quantity=Decimal(25), key="c"
    )
    state = fulfilment(requirement)
    assert (state.needed, state.committed, state.delivered) == (100, 85, 60)
    assert (state.gap, state.uncovered) == (40, 15)
    assert state.delivered_share == pytest.approx(0.6)
    assert [(s.kind, s.id, s.label, s.url, s.committed, s.delivered) for s in state.sources] == [
        ("contract", "17", CONTRACT.label, CONTRACT.url, 60, 35),
        ("pledge", "3", PLEDGE.label, PLEDGE.url, 25, 25),
    ]
    many = fulfilment_many([requirement, make_requirement(title_en="Untouched")])
    assert (many[requirement.pk].committed, many[requirement.pk].delivered) == (85, 60)
    assert [(f.committed, f.delivered, f.gap) for f in many.values()][1] == (0, 0, 40)

    # Over-delivery: no negative gap, the share is capped.
    set_commitment(actor=ACTOR, requirement=requirement, source=PLEDGE, quantity=Decimal(200))
    record_delivery(
        actor=ACTOR, requirement=requirement, source=PLEDGE, quantity=Decimal(200), key="d"
    )
    state = fulfilment(requirement)
    assert (state.gap, state.uncovered, state.delivered_share) == (0, 0, 1.0)
