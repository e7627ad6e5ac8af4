"""Reads of requirements and the ledger, filtered by what the reader may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from spilno.capabilities.models import EntryKind, FulfilmentEntry, Requirement
from spilno.core.codes import cpv_prefix


def requirements_for(
    user: Any,
    *,
    q: str = "",
    cpv: str = "",
    priority: int | None = None,
    organisation: int | None = None,
    status: str = "",
    after: int | None = None,
) -> QuerySet[Requirement]:
    qs: QuerySet[Requirement] = Requirement.objects.visible_to(user).select_related(
        "requesting_organisation"
    )
    if q:
        qs = qs.filter(
            Q(title_en__icontains=q)
            | Q(title_uk__icontains=q)
            | Q(reference__iexact=q)
            | Q(description__icontains=q)
        )
    if cpv:
        qs = qs.filter(cpv__startswith=cpv_prefix(cpv))
    if priority:
        qs = qs.filter(priority=priority)
    if organisation:
        qs = qs.filter(requesting_organisation_id=organisation)
    if status:
        qs = qs.filter(status=status)
    if after:
        qs = qs.filter(pk__gt=after)
    return qs


def requirement_for(user: Any, pk: int) -> Requirement:
    return requirements_for(user).get(pk=pk)


Q3 = Decimal("0.001")


def _q(value: Decimal | None) -> Decimal:
    """Ledger quantities carry three decimals whatever the database's SUM returns."""
    return (value or Decimal(0)).quantize(Q3)


@dataclass
class SourceLine:
    kind: str
    id: str
    label: str
    url: str
    committed: Decimal = Decimal(0)
    delivered: Decimal = Decimal(0)


@dataclass
class Fulfilment:
    """Needed / committed / delivered / gap for one requirement, with a line per source."""

    needed: Decimal
    committed: Decimal
    delivered: Decimal
    sources: list[SourceLine] = field(default_factory=list)

    @property
    def gap(self) -> Decimal:
        """What is still to be delivered."""
        return _q(max(self.needed - self.delivered, Decimal(0)))

    @property
    def uncovered(self) -> Decimal:
        """What no source has committed to yet."""
        return _q(max(self.needed - self.committed, Decimal(0)))

    @property
    def delivered_share(self) -> float:
        return float(min(self.delivered / self.needed, Decimal(1))) if self.needed else 0.0


def fulfilment(requirement: Requirement) -> Fulfilment:
    # Summed in Python with Decimal: SQLite's SUM works in binary floating point.
    rows = (
        FulfilmentEntry.objects.filter(requirement=requirement)
        .values_list("source_kind", "source_id", "source_label", "source_url", "kind", "quantity")
        .order_by("source_kind", "source_id", "pk")
    )
    lines: dict[tuple[str, str], SourceLine] = {}
    for source_kind, source_id, label, url, kind, quantity in rows:
        line = lines.setdefault(
            (source_kind, source_id), SourceLine(source_kind, source_id, label, "")
        )
        line.url = line.url or url
        if kind == EntryKind.COMMITTED:
            line.committed = _q(line.committed + quantity)
        else:
            line.delivered = _q(line.delivered + quantity)
    return Fulfilment(
        needed=requirement.quantity,
        committed=_q(sum((line.committed for line in lines.values()), Decimal(0))),
        delivered=_q(sum((line.delivered for line in lines.values()), Decimal(0))),
        sources=list(lines.values()),
    )


def fulfilment_many(requirements: list[Requirement]) -> dict[int, Fulfilment]:
    """Totals for a page of requirements in one query."""
    totals: dict[int, dict[str, Decimal]] = {}
    rows = FulfilmentEntry.objects.filter(requirement__in=requirements).values_list(
        "requirement_id", "kind", "quantity"
    )
    for requirement_id, kind, quantity in rows:
        per_kind = totals.setdefault(requirement_id, {})
        per_kind[kind] = per_kind.get(kind, Decimal(0)) + quantity
    return {
        r.pk: Fulfilment(
            needed=r.quantity,
            committed=_q(totals.get(r.pk, {}).get(EntryKind.COMMITTED)),
            delivered=_q(totals.get(r.pk, {}).get(EntryKind.DELIVERED)),
        )
        for r in requirements
    }
