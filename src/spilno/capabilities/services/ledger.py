"""The fulfilment ledger's one way in: other apps record commitments and deliveries here.

Callers (procurement today, assistance and joint production later) run these inside their own
transaction, so the ledger line commits with the change that caused it. Both functions are
idempotent: recording the same fact twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from spilno.audit.services import record
from spilno.capabilities.models import EntryKind, FulfilmentEntry, Requirement
from spilno.kernel import clock


@dataclass(frozen=True)
class Source:
    """What is fulfilling a requirement, e.g. ``Source("contract", "42", "Contract C-42")``."""

    kind: str
    id: str
    label: str
    url: str = ""


def _total(requirement: Requirement, source: Source, kind: str) -> Decimal:
    # Summed in Python: SQLite's SUM works in binary floating point.
    quantities = FulfilmentEntry.objects.filter(
        requirement=requirement, source_kind=source.kind, source_id=source.id, kind=kind
    ).values_list("quantity", flat=True)
    return sum(quantities, Decimal(0))


def _write(
    actor: Any, requirement: Requirement, source: Source, kind: str, quantity: Decimal, key: str
) -> FulfilmentEntry | None:
    if FulfilmentEntry.objects.filter(key=key).exists():
        return None
    entry = FulfilmentEntry.objects.create(
        requirement=requirement,
        source_kind=source.kind,
        source_id=source.id,
        source_label=source.label[:300],
        source_url=source.url,
        kind=kind,
        quantity=quantity,
        key=key,
        recorded_at=clock.now(),
    )
    record(
        actor=actor,
        action=f"capabilities.ledger.{kind}",
        obj=entry,
        object_repr=f"{requirement.reference}: {kind} {quantity} by {source.label}"[:300],
        classification=requirement.classification,
        after={
            "requirement": requirement.pk,
            "source": [source.kind, source.id],
            "kind": kind,
            "quantity": quantity,
        },
    )
    return entry


def set_commitment(
    *, actor: Any, requirement: Requirement, source: Source, quantity: Decimal
) -> FulfilmentEntry | None:
    """Make ``source``'s commitment to ``requirement`` equal ``quantity`` (writes the delta)."""
    delta = Decimal(quantity) - _total(requirement, source, EntryKind.COMMITTED)
    if delta == 0:
        return None
    revision = FulfilmentEntry.objects.filter(
        requirement=requirement, source_kind=source.kind, source_id=source.id, kind="committed"
    ).count()
    key = f"{source.kind}:{source.id}:req{requirement.pk}:committed:{revision + 1}"
    return _write(actor, requirement, source, EntryKind.COMMITTED, delta, key)


def record_delivery(
    *, actor: Any, requirement: Requirement, source: Source, quantity: Decimal, key: str
) -> FulfilmentEntry | None:
    """Add a delivered quantity once per ``key`` (e.g. ``delivery:17:line:3``)."""
    if Decimal(quantity) <= 0:
        return None
    return _write(actor, requirement, source, EntryKind.DELIVERED, Decimal(quantity), key)
