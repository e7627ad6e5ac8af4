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
from django.db import connection
from django.db.models import Count, Exists, Field, Min, Model, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

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


def process_releases(ocid: str, payloads: bool = True) -> list[Release]:
    """Every published release of one process, in feed order (empty: unknown or unpublished).
    ``payloads=False`` leaves the release JSON unread (a page's timeline shows only the dates,
    tags and ids)."""
    rows = Release.objects.filter(process__ocid=ocid, seq__isnull=False).order_by("seq")
    if not payloads:
        rows = rows.defer("payload")
    return list(rows)


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


def _day_start(day: dt.date, days_after: int = 0) -> dt.datetime | None:
    """Midnight (in the current time zone) starting ``day`` plus ``days_after`` days, in UTC;
    None when that moment is outside what a datetime can hold (no bound needed there)."""
    try:
        moment = dt.datetime.combine(day + dt.timedelta(days=days_after), dt.time.min)
        return timezone.make_aware(moment).astimezone(dt.UTC)
    except OverflowError:
        return None


def search_processes(filters: Filters) -> QuerySet[PublicProcess]:
    """Published processes, newest first (keyset on ``(updated, id)``). The compiled release
    is not read (the list shows the summary columns only)."""
    rows = PublicProcess.objects.defer("compiled")
    if filters.q:
        rows = rows.filter(Q(title__icontains=filters.q) | Q(ocid__icontains=filters.q))
    if filters.buyer:
        rows = rows.filter(buyer=filters.buyer)
    if filters.supplier:
        # A semi-join: each process once, without DISTINCT over whole rows.
        rows = rows.filter(
            Exists(PublicContract.objects.filter(process=OuterRef("pk"), supplier=filters.supplier))
        )
    if filters.cpv:
        rows = rows.filter(cpv__startswith=filters.cpv)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.value_min is not None:
        rows = rows.filter(value__gte=filters.value_min)
    if filters.value_max is not None:
        rows = rows.filter(value__lte=filters.value_max)
    # A range of ``updated`` (the index's own column), not a function of it: the days are those
    # of the current time zone, both ends included.
    if filters.date_from and (start := _day_start(filters.date_from)):
        rows = rows.filter(updated__gte=start)
    if filters.date_to and (end := _day_start(filters.date_to, days_after=1)):
        rows = rows.filter(updated__lt=end)
    return rows.order_by("-updated", "-id")


def search_contracts(filters: Filters) -> QuerySet[PublicContract]:
    """Published contracts, latest signed first (keyset on ``(signed, id)``). Of each row's
    process only the ocid is read, in a second query for the page's rows (no join, and no
    compiled release)."""
    rows = PublicContract.objects.prefetch_related(
        Prefetch("process", queryset=PublicProcess.objects.only("id", "ocid"))
    )
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


def distinct_values(model: type[Model], column: str, skip_blank: bool = False) -> list[str]:
    """The distinct values of an indexed text column (``skip_blank``: without ``""``), sorted.

    On PostgreSQL a loose index scan: a recursive query that jumps from one value to the next
    through the index whose first column is ``column``, one probe per distinct value, so the
    cost follows the number of values, not of rows. Elsewhere a plain DISTINCT."""
    if connection.vendor != "postgresql":
        rows = model._default_manager.order_by().values_list(column, flat=True).distinct()
        if skip_blank:
            rows = rows.exclude(**{column: ""})
        return sorted(rows)
    found = model._meta.get_field(column)
    if not isinstance(found, Field):
        raise TypeError(f"{model.__name__}.{column} is not a column.")
    quote = connection.ops.quote_name
    table, col = quote(model._meta.db_table), quote(found.column)
    first = f"WHERE {col} > ''" if skip_blank else ""
    sql = (
        f"WITH RECURSIVE walk(value) AS ("  # noqa: S608 - names from the model, quoted
        f"(SELECT {col} FROM {table} {first} ORDER BY {col} LIMIT 1) "
        f"UNION ALL SELECT (SELECT {col} FROM {table} WHERE {col} > walk.value "
        f"ORDER BY {col} LIMIT 1) FROM walk WHERE walk.value IS NOT NULL"
        f") SELECT value FROM walk WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(row[0] for row in cursor.fetchall())


def facet_values() -> dict[str, list[str]]:
    """Values for the portal's filter menus (buyers and statuses). Suppliers have no menu (the
    portal asks for a supplier's name in a text field): thousands of options made every page
    hundreds of kilobytes."""
    return {
        "buyers": distinct_values(PublicProcess, "buyer"),
        "statuses": distinct_values(PublicProcess, "status"),
        "contract_statuses": distinct_values(PublicContract, "status"),
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


def held_back(ocid: str | None = None) -> list[HeldBack]:
    """Every process with releases held or fields withheld (``ocid``: that process only): how
    many, until when, and why. Says *that* something is withheld, never what (no titles, no
    values). Each level's disclosure rule is read once per call."""
    held = Release.objects.filter(seq__isnull=True)
    withholdings = Withholding.objects.filter(released_at__isnull=True)
    processes: dict[int, Process] = {}
    if ocid is not None:
        one = Process.objects.filter(ocid=ocid).only("pk", "ocid", "level").first()
        if one is None:
            return []
        processes[one.pk] = one
        held = held.filter(process_id=one.pk)
        withholdings = withholdings.filter(process_id=one.pk)
    groups = list(
        held.values("process_id", "hold_event")
        .annotate(count=Count("id"), until=Min("publish_at"))
        .order_by("process_id", "hold_event")
    )
    withheld = list(withholdings.order_by("process_id", "field"))
    if ocid is None:
        ids = {row["process_id"] for row in groups} | {w.process_id for w in withheld}
        processes = Process.objects.only("pk", "ocid", "level").in_bulk(ids)
    rules: dict[int, DisclosureRule] = {}

    def rule_of(level: int) -> DisclosureRule:
        if level not in rules:
            rules[level] = rule_for(level)
        return rules[level]

    found: dict[int, HeldBack] = {}
    for row in groups:
        process = processes[row["process_id"]]
        rule = rule_of(process.level)
        entry = found.setdefault(process.pk, HeldBack(ocid=process.ocid))
        entry.held_releases += row["count"]
        until = row["until"]  # the earliest date a held release is due (None: an event)
        if until is not None and (entry.held_until is None or until < entry.held_until):
            entry.held_until = until
        if row["hold_event"]:
            entry.held_until_event = describe_wait(rule.delay_days, row["hold_event"])
        entry.reason = rule.reason_en
    for w in withheld:
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
        # ``field <= value`` is implied by the OR, but only as a plain condition can it bound
        # the index scan: without it every page scans from the newest row.
        rows = rows.filter(**{f"{field_name}__lte": value}).filter(
            Q(**{f"{field_name}__lt": value}) | Q(**{field_name: value, "id__lt": pk})
        )
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    if not (more and items):
        return items, None
    last = items[-1]
    return items, f"{getattr(last, field_name).isoformat()}~{last.pk}"
