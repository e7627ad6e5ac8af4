"""Public reads: everything here serves anonymous readers, so it reads only what was published
(``Release.seq`` set, the public view) — except :func:`classified_aggregates`, which reads the
procurement tables but returns only suppressed counts and sums."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet

from spilno.kernel.classification import Level
from spilno.procurement.models import Contract
from spilno.transparency.disclosure import describe_wait, rule_for
from spilno.transparency.models import (
    DisclosureMode,
    DisclosureRule,
    FeedCounter,
    Process,
    PublicContract,
    PublicProcess,
    Release,
    Withholding,
)


def bulk_files() -> list[dict[str, Any]]:
    """The bulk files ``spilno ocds export`` wrote: name, size in bytes, time written."""
    folder = settings.SPILNO_BULK_DIR
    files = sorted(folder.glob("*.gz")) if folder.is_dir() else []
    return [
        {
            "name": f.name,
            "size": f.stat().st_size,
            "modified": dt.datetime.fromtimestamp(f.stat().st_mtime, dt.UTC),
        }
        for f in files
    ]


# A cell of the classified aggregates with fewer contracts than this is not shown.
MIN_CELL = 3


def feed(after: int = 0, limit: int = 100) -> list[Release]:
    """Published releases with ``seq > after``, in feed order."""
    return list(Release.objects.filter(seq__gt=after).order_by("seq")[:limit])


def last_seq() -> int:
    counter = FeedCounter.objects.filter(pk=1).first()
    return counter.last_seq if counter else 0


def published_release(release_id: str) -> Release | None:
    return Release.objects.filter(release_id=release_id, seq__isnull=False).first()


def process_releases(ocid: str) -> list[Release]:
    """Every published release of one process, in feed order (empty: unknown or unpublished)."""
    return list(Release.objects.filter(process__ocid=ocid, seq__isnull=False).order_by("seq"))


def public_process(ocid: str) -> PublicProcess | None:
    return PublicProcess.objects.filter(ocid=ocid).first()


@dataclass
class Filters:
    """The portal's search: every field optional; text fields match a prefix or a part."""

    q: str = ""
    buyer: str = ""
    supplier: str = ""
    cpv: str = ""
    status: str = ""
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def active(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def search_processes(filters: Filters) -> QuerySet[PublicProcess]:
    """Published processes, newest first (keyset on ``(updated, id)``)."""
    rows = PublicProcess.objects.all()
    if filters.q:
        rows = rows.filter(title__icontains=filters.q) | rows.filter(ocid__icontains=filters.q)
    if filters.buyer:
        rows = rows.filter(buyer=filters.buyer)
    if filters.supplier:
        rows = rows.filter(contracts__supplier=filters.supplier).distinct()
    if filters.cpv:
        rows = rows.filter(cpv__startswith=filters.cpv)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.value_min is not None:
        rows = rows.filter(value__gte=filters.value_min)
    if filters.value_max is not None:
        rows = rows.filter(value__lte=filters.value_max)
    if filters.date_from:
        rows = rows.filter(updated__date__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(updated__date__lte=filters.date_to)
    return rows.order_by("-updated", "-id")


def search_contracts(filters: Filters) -> QuerySet[PublicContract]:
    """Published contracts, latest signed first (keyset on ``(signed, id)``)."""
    rows = PublicContract.objects.select_related("process")
    if filters.q:
        rows = rows.filter(title__icontains=filters.q)
    if filters.buyer:
        rows = rows.filter(buyer=filters.buyer)
    if filters.supplier:
        rows = rows.filter(supplier=filters.supplier)
    if filters.cpv:
        rows = rows.filter(cpv__startswith=filters.cpv)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.value_min is not None:
        rows = rows.filter(value__gte=filters.value_min)
    if filters.value_max is not None:
        rows = rows.filter(value__lte=filters.value_max)
    if filters.date_from:
        rows = rows.filter(signed__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(signed__lte=filters.date_to)
    return rows.exclude(signed__isnull=True).order_by("-signed", "-id")


def facet_values() -> dict[str, list[str]]:
    """Values for the portal's filter menus (buyers, suppliers, statuses)."""
    return {
        "buyers": sorted(set(PublicProcess.objects.values_list("buyer", flat=True))),
        "suppliers": sorted(
            set(PublicContract.objects.exclude(supplier="").values_list("supplier", flat=True))
        ),
        "statuses": sorted(set(PublicProcess.objects.values_list("status", flat=True))),
        "contract_statuses": sorted(set(PublicContract.objects.values_list("status", flat=True))),
    }


@dataclass
class HeldBack:
    """What the public is told about one process whose releases or fields are not out yet."""

    ocid: str
    held_releases: int = 0
    held_until: dt.datetime | None = None
    held_until_event: str = ""
    reason: str = ""
    withheld: list[dict[str, Any]] = field(default_factory=list)


def held_back() -> list[HeldBack]:
    """Every process with releases held or fields withheld: how many, until when, and why.
    Says *that* something is withheld, never what (no titles, no values)."""
    found: dict[int, HeldBack] = {}
    processes = {p.pk: p for p in Process.objects.all().only("pk", "ocid", "level")}
    held = (
        Release.objects.filter(seq__isnull=True)
        .values("process_id", "hold_event")
        .annotate(count=Count("id"), until=Min("publish_at"))
    )
    for row in held:
        process = processes[row["process_id"]]
        rule = rule_for(process.level)
        entry = found.setdefault(process.pk, HeldBack(ocid=process.ocid))
        entry.held_releases += row["count"]
        entry.held_until = row["until"] or entry.held_until
        if row["hold_event"]:
            entry.held_until_event = describe_wait(rule.delay_days, row["hold_event"])
        entry.reason = rule.reason_en
    for w in Withholding.objects.filter(released_at__isnull=True).order_by("field"):
        process = processes[w.process_id]
        entry = found.setdefault(process.pk, HeldBack(ocid=process.ocid))
        entry.withheld.append(
            {
                "field": w.field,
                "reason": w.reason,
                "until": w.release_at,
                "until_event": ""
                if w.release_at
                else describe_wait(w.release_days, w.release_event),
            }
        )
        entry.reason = entry.reason or w.reason
    return sorted(found.values(), key=lambda e: e.ocid)


@dataclass
class AggregateCell:
    year: int
    cpv_division: str
    currency: str
    contracts: int | None  # None when suppressed (fewer than MIN_CELL)
    total: Decimal | None


def classified_aggregates() -> list[AggregateCell]:
    """Contracts at levels the policy limits to aggregates: counts and totals per year, CPV
    division and currency. Cells of fewer than :data:`MIN_CELL` contracts are suppressed (their
    total is withheld and their count shown as under the minimum)."""
    levels = list(
        DisclosureRule.objects.filter(mode=DisclosureMode.AGGREGATE).values_list("level", flat=True)
    )
    if not levels:
        levels = [Level.CONFIDENTIAL, Level.SECRET]
    cells: dict[tuple[int, str, str], list[Decimal]] = defaultdict(list)
    for contract in Contract.objects.filter(classification__in=levels).prefetch_related("items"):
        first = next(iter(contract.items.all()), None)
        division = f"{first.cpv[:2]}000000" if first else ""
        cells[(contract.created_at.year, division, contract.currency)].append(contract.value)
    result = []
    for (year, division, currency), values in sorted(cells.items()):
        suppressed = len(values) < MIN_CELL
        result.append(
            AggregateCell(
                year=year,
                cpv_division=division,
                currency=currency,
                contracts=None if suppressed else len(values),
                total=None if suppressed else sum(values, Decimal(0)),
            )
        )
    return result


class BadCursor(ValueError):
    """A paging cursor that this server did not hand out."""


def _parse_cursor(cursor: str, kind: type[dt.date] | type[dt.datetime]) -> tuple[Any, int]:
    try:
        raw, _, pk = cursor.rpartition("~")
        value: Any = kind.fromisoformat(raw)
        return value, int(pk)
    except ValueError as exc:
        raise BadCursor(f"Not a paging cursor: {cursor!r}.") from exc


def newest_first_page(
    rows: QuerySet[Any], field_name: str, cursor: str, limit: int
) -> tuple[list[Any], str | None]:
    """One page of ``rows`` ordered by ``(field_name, id)`` descending, after ``cursor`` (the
    ``"<value>~<id>"`` of the last row of the previous page). Pages stay stable and each costs
    one index range scan, however deep the reader goes."""
    kind: type[dt.date] | type[dt.datetime] = dt.date if field_name == "signed" else dt.datetime
    if cursor:
        value, pk = _parse_cursor(cursor, kind)
        rows = rows.filter(
            Q(**{f"{field_name}__lt": value}) | Q(**{field_name: value, "id__lt": pk})
        )
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    if not (more and items):
        return items, None
    last = items[-1]
    return items, f"{getattr(last, field_name).isoformat()}~{last.pk}"
