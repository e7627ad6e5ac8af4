"""The portal's search as the benchmark made it (docs/benchmarks.md, ``spilno bench portal``):
the filter menus read by a loose index scan, ``held_back`` for one process, keyset pages bound
by the index, processes by a range of dates and by supplier, and a supplier text field.

The rows of the public view are written here directly (a process needs only its tender row),
so that many processes with chosen dates, buyers and suppliers cost milliseconds."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from spilno.core.models import Organisation
from spilno.kernel.classification import Level
from spilno.procurement.models import ProcurementPlan, Tender
from spilno.transparency import selectors
from spilno.transparency.models import (
    Process,
    PublicContract,
    PublicProcess,
    Release,
    Withholding,
)
from spilno.transparency.selectors import Filters

pytestmark = pytest.mark.django_db

KYIV = timezone.get_default_timezone()
DAY = dt.date(2026, 3, 2)
_numbers = itertools.count(1)


class Rows:
    """Writes processes and contracts of the public view (and the rows they hang on)."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.plan = ProcurementPlan.objects.create(
            buyer=org, year=2026, status="approved", title_en="Plan"
        )

    def process(
        self,
        *,
        updated: dt.datetime | None = None,
        buyer: str = "Ministry of Defence",
        status: str = "active",
        title: str = "Shells",
        cpv: str = "35330000",
        level: int = Level.PUBLIC,
        published: bool = True,
    ) -> Process:
        n = next(_numbers)
        tender = Tender.objects.create(
            reference=f"UA-T-{n:06d}",
            title_en=title,
            plan=self.plan,
            buyer=self.org,
            method="open",
            currency="UAH",
        )
        process = Process.objects.create(ocid=f"ocds-test-{n:06d}", tender=tender, level=level)
        if published:
            PublicProcess.objects.create(
                process=process,
                ocid=process.ocid,
                title=title,
                buyer=buyer,
                method="Open tender",
                status=status,
                cpv=cpv,
                value=Decimal("1000.00"),
                currency="UAH",
                updated=updated or dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC),
                last_seq=n,
                compiled={"ocid": process.ocid, "tender": {"title": title}},
            )
        return process

    def contract(
        self,
        process: Process,
        *,
        supplier: str = "Arsenal LLC",
        signed: dt.date | None = DAY,
        status: str = "active",
        title: str = "Shells",
    ) -> PublicContract:
        return PublicContract.objects.create(
            process=process.public,
            contract_id=f"c-{next(_numbers)}",
            title=title,
            buyer=process.public.buyer,
            supplier=supplier,
            cpv=process.public.cpv,
            status=status,
            value=Decimal("10.00"),
            currency="UAH",
            signed=signed,
        )

    def held(self, process: Process, *, publish_at: dt.datetime | None, event: str = "") -> None:
        n = next(_numbers)
        Release.objects.create(
            process=process,
            release_id=f"{process.ocid}-held-{n}",
            date=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
            tags=["award"],
            payload={"ocid": process.ocid},
            level=process.level,
            publish_at=publish_at,
            hold_event=event,
        )

    def withhold(self, process: Process, field: str) -> None:
        Withholding.objects.create(
            process=process,
            field=field,
            reason="Operational needs.",
            release_event="contract_complete",
            release_days=365,
            created_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        )


@pytest.fixture
def rows(make_org: Callable[..., Organisation]) -> Rows:
    return Rows(make_org("Ministry of Defence"))


def walk(rows: Any, field_name: str, limit: int) -> list[int]:
    """Every row's id, following the cursor page after page."""
    seen: list[int] = []
    cursor = ""
    for _ in range(1000):
        page, cursor_or_none = selectors.newest_first_page(rows, field_name, cursor, limit)
        seen += [row.pk for row in page]
        if cursor_or_none is None:
            return seen
        cursor = cursor_or_none
    raise AssertionError("the cursor never ended")


# --- filter menus ----------------------------------------------------------------------------
def test_the_filter_menus_hold_exactly_the_distinct_values(rows: Rows) -> None:
    buyers = ["Ministry of Defence", "A", "AB", "ab", "Військова частина А0001", "O'Hara & Sons"]
    statuses = ["active", "complete", "active", "cancelled"]
    suppliers = ["Zeta", "", "Arsenal LLC", "arsenal llc", "Arsenal LLC", "Ґрунт ТОВ", ""]
    for buyer, status in itertools.product(buyers, statuses):
        process = rows.process(buyer=buyer, status=status)
    for supplier, status in zip(suppliers, itertools.cycle(["active", "terminated"])):
        rows.contract(process, supplier=supplier, status=status)

    facets = selectors.facet_values()

    assert facets == {
        "buyers": sorted(set(PublicProcess.objects.values_list("buyer", flat=True))),
        "statuses": sorted(set(statuses)),
        "contract_statuses": ["active", "terminated"],
    }
    assert facets["buyers"] == sorted(set(buyers))
    assert selectors.distinct_values(PublicContract, "supplier", skip_blank=True) == sorted(
        {s for s in suppliers if s}
    )
    assert selectors.distinct_values(PublicContract, "supplier") == sorted(set(suppliers))


def test_the_filter_menus_of_an_empty_portal_are_empty(db: None) -> None:
    assert selectors.facet_values() == {"buyers": [], "statuses": [], "contract_statuses": []}


def test_the_menus_cost_one_query_each_however_many_rows(
    rows: Rows, django_assert_num_queries: Any
) -> None:
    for index in range(20):
        process = rows.process(buyer=f"Unit {index % 4}")
        rows.contract(process, supplier=f"Supplier {index % 3}")
    with django_assert_num_queries(3):
        selectors.facet_values()


# --- held back -------------------------------------------------------------------------------
def test_held_back_for_one_process_is_that_process_entry_of_the_full_list(rows: Rows) -> None:
    restricted = [rows.process(level=Level.RESTRICTED) for _ in range(3)]
    internal = rows.process(level=Level.INTERNAL)
    quiet = rows.process()
    first, second, third = restricted
    rows.held(first, publish_at=dt.datetime(2026, 4, 9, tzinfo=dt.UTC))
    rows.held(first, publish_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    rows.held(first, publish_at=None, event="award")
    rows.withhold(first, "items.quantity")
    rows.withhold(first, "documents")
    rows.held(second, publish_at=None, event="award")
    rows.withhold(third, "items.deliveryAddress")
    rows.held(internal, publish_at=None, event="contract_signed")

    everything = selectors.held_back()

    assert [h.ocid for h in everything] == sorted(p.ocid for p in (*restricted, internal))
    for process in (*restricted, internal, quiet):
        assert selectors.held_back(process.ocid) == [
            h for h in everything if h.ocid == process.ocid
        ]
    [entry] = selectors.held_back(first.ocid)
    assert entry.held_releases == 3
    assert entry.held_until == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)  # the earliest due
    assert entry.held_until_event  # and one waits for the award
    assert [w["field"] for w in entry.withheld] == ["documents", "items.quantity"]
    assert selectors.held_back(quiet.ocid) == []
    assert selectors.held_back("ocds-nobody") == []


def test_held_back_reads_each_level_rule_once(
    rows: Rows, django_assert_max_num_queries: Any
) -> None:
    processes = [rows.process(level=Level.RESTRICTED) for _ in range(6)]
    for process in processes:
        for event in ("", "award", "contract_signed"):
            rows.held(process, publish_at=None, event=event)
    # held releases, withholdings, processes, one rule
    with django_assert_max_num_queries(4):
        everything = selectors.held_back()
    assert sum(h.held_releases for h in everything) == 18
    # the process, held releases, withholdings, one rule
    with django_assert_max_num_queries(4):
        selectors.held_back(processes[0].ocid)


def test_the_process_page_shows_only_its_own_held_releases(rows: Rows) -> None:
    mine, other = rows.process(level=Level.RESTRICTED), rows.process(level=Level.RESTRICTED)
    rows.held(mine, publish_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    rows.held(other, publish_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    rows.held(other, publish_at=dt.datetime(2026, 5, 2, tzinfo=dt.UTC))
    page = Client().get(f"/open/{mine.ocid}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 newer release is held back" in page
    assert "2026-04-01" in page
    assert "newer releases are held back" not in page


# --- keyset pages ----------------------------------------------------------------------------
@settings(max_examples=30)
@given(
    days=st.lists(st.integers(min_value=0, max_value=3), max_size=25),
    limit=st.integers(min_value=1, max_value=6),
)
def test_contract_pages_return_every_row_once_across_equal_dates(
    rows: Rows, days: list[int], limit: int
) -> None:
    with transaction.atomic():
        process = rows.process()
        made = [rows.contract(process, signed=DAY - dt.timedelta(days=d)) for d in days]
        rows.contract(process, signed=None)  # never listed: not signed
        expected = [c.pk for c in sorted(made, key=lambda c: (c.signed, c.pk), reverse=True)]
        assert walk(selectors.search_contracts(Filters()), "signed", limit) == expected
        transaction.set_rollback(True)


@settings(max_examples=15)
@given(
    moments=st.lists(st.integers(min_value=0, max_value=2), max_size=12),
    limit=st.integers(min_value=1, max_value=4),
)
def test_process_pages_return_every_row_once_across_equal_times(
    rows: Rows, moments: list[int], limit: int
) -> None:
    with transaction.atomic():
        start = dt.datetime(2026, 3, 2, 12, 30, 15, 250000, tzinfo=dt.UTC)
        made = [rows.process(updated=start + dt.timedelta(seconds=s)).public for s in moments]
        expected = [p.pk for p in sorted(made, key=lambda p: (p.updated, p.pk), reverse=True)]
        assert walk(selectors.search_processes(Filters()), "updated", limit) == expected
        transaction.set_rollback(True)


def test_a_cursor_page_is_bound_by_the_index_column(rows: Rows) -> None:
    process = rows.process()
    for _ in range(3):
        rows.contract(process)
    _page, cursor = selectors.newest_first_page(
        selectors.search_contracts(Filters()), "signed", "", 1
    )
    assert cursor
    capture = _Capture()
    with connection.execute_wrapper(capture):
        selectors.newest_first_page(selectors.search_contracts(Filters()), "signed", cursor, 1)
    sql = capture.sql[0].replace('"', "")
    assert "transparency_publiccontract.signed <= " in sql


class _Capture:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.sql.append(sql)
        return execute(sql, params, many, context)


# --- processes by date range, by supplier ----------------------------------------------------
def _kyiv(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=KYIV)


def _ocids(found: Iterable[PublicProcess]) -> set[str]:
    return {p.ocid for p in found}


def test_a_date_range_includes_both_days_whole_in_kyiv_time(rows: Rows) -> None:
    moments = {
        "before": _kyiv(2026, 3, 1, 23, 59, 59, 999999),
        "first": _kyiv(2026, 3, 2, 0, 0),
        "middle": _kyiv(2026, 3, 3, 12, 0),
        "last": _kyiv(2026, 3, 4, 23, 59, 59, 999999),
        "after": _kyiv(2026, 3, 5, 0, 0),
        "utc evening": dt.datetime(2026, 3, 4, 21, 59, tzinfo=dt.UTC),  # 23:59 in Kyiv
        "utc late": dt.datetime(2026, 3, 4, 22, 0, tzinfo=dt.UTC),  # the 5th in Kyiv
    }
    ocid = {name: rows.process(updated=moment).ocid for name, moment in moments.items()}
    found = selectors.search_processes(
        Filters(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 4))
    )
    assert _ocids(found) == {ocid[n] for n in ("first", "middle", "last", "utc evening")}
    one_day = selectors.search_processes(
        Filters(date_from=dt.date(2026, 3, 5), date_to=dt.date(2026, 3, 5))
    )
    assert _ocids(one_day) == {ocid["after"], ocid["utc late"]}
    # The same as comparing each row's day in the current time zone, as before.
    for start, end in [(dt.date(2026, 3, 1), None), (None, dt.date(2026, 3, 3))]:
        expected = {
            ocid[name]
            for name, moment in moments.items()
            if (start is None or timezone.localtime(moment).date() >= start)
            and (end is None or timezone.localtime(moment).date() <= end)
        }
        assert _ocids(selectors.search_processes(Filters(date_from=start, date_to=end))) == (
            expected
        )


def test_dates_at_the_ends_of_the_calendar_do_not_break_the_search(rows: Rows) -> None:
    process = rows.process()
    wide = Filters(date_from=dt.date.min, date_to=dt.date.max)
    assert _ocids(selectors.search_processes(wide)) == {process.ocid}
    assert not selectors.search_processes(Filters(date_from=dt.date.max)).exists()
    assert not selectors.search_processes(Filters(date_to=dt.date.min)).exists()
    page = Client().get("/open/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert page.status_code == 200
    assert process.ocid in page.content.decode()


def test_processes_by_supplier_list_each_process_once(rows: Rows) -> None:
    many = rows.process(updated=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    for _ in range(3):
        rows.contract(many, supplier="Arsenal LLC")
    rows.contract(many, supplier="Other Ltd")
    one = rows.process(updated=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    rows.contract(one, supplier="Arsenal LLC")
    elsewhere = rows.process()
    rows.contract(elsewhere, supplier="Arsenal LLC Group")
    rows.contract(elsewhere, supplier="arsenal llc")

    found = list(selectors.search_processes(Filters(supplier="Arsenal LLC")))
    assert [p.ocid for p in found] == [many.ocid, one.ocid]
    items = orjson.loads(
        Client().get("/api/v1/ocds/processes", {"supplier": "Arsenal LLC", "limit": 1}).content
    )
    assert [i["ocid"] for i in items["items"]] == [many.ocid]
    walked = walk(selectors.search_processes(Filters(supplier="Arsenal LLC")), "updated", 1)
    assert walked == [many.public.pk, one.public.pk]
    combined = Filters(supplier="Arsenal LLC", buyer="Ministry of Defence", status="active")
    assert [p.ocid for p in selectors.search_processes(combined)] == [many.ocid, one.ocid]


def test_the_title_search_still_finds_a_part_of_a_title_or_ocid_in_any_case(rows: Rows) -> None:
    shells = rows.process(title="155 mm artillery SHELLS")
    other = rows.process(title="Winter boots")
    rows.contract(shells, title="Shells, lot 2")
    assert _ocids(selectors.search_processes(Filters(q="shells"))) == {shells.ocid}
    assert _ocids(selectors.search_processes(Filters(q=other.ocid[-6:]))) == {other.ocid}
    assert [c.title for c in selectors.search_contracts(Filters(q="SHELL"))] == ["Shells, lot 2"]


# --- what the lists read ----------------------------------------------------------------------
def test_lists_leave_compiled_releases_and_payloads_unread(
    rows: Rows, django_assert_num_queries: Any
) -> None:
    processes = [rows.process() for _ in range(3)]
    for process in processes:
        rows.contract(process)
    Release.objects.create(
        process=processes[0],
        release_id="r-1",
        date=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        tags=["tender"],
        payload={"ocid": processes[0].ocid},
        level=Level.PUBLIC,
        seq=1,
    )
    with django_assert_num_queries(2):  # the contracts, then their processes' ocids
        contracts, _cursor = selectors.newest_first_page(
            selectors.search_contracts(Filters()), "signed", "", 50
        )
        ocids = {c.process.ocid for c in contracts}
    assert ocids == {p.ocid for p in processes}
    assert all("compiled" in c.process.get_deferred_fields() for c in contracts)
    found = list(selectors.search_processes(Filters()))
    assert all("compiled" in p.get_deferred_fields() for p in found)
    [timeline] = selectors.process_releases(processes[0].ocid, payloads=False)
    assert "payload" in timeline.get_deferred_fields()
    [full] = selectors.process_releases(processes[0].ocid)
    assert full.payload == {"ocid": processes[0].ocid}


# --- the supplier field ----------------------------------------------------------------------
def test_the_supplier_is_a_text_field_and_buyers_and_statuses_stay_menus(rows: Rows) -> None:
    process = rows.process(buyer="Ministry of Defence")
    rows.contract(process, supplier='Arsenal "Kyiv" LLC')
    rows.contract(process, supplier="Zbroyar")
    for path in ("/open/", "/open/contracts/"):
        text = Client().get(path, {"supplier": 'Arsenal "Kyiv" LLC'}).content.decode()
        assert '<select id="supplier"' not in text
        assert '<input id="supplier" name="supplier" value="Arsenal &quot;Kyiv&quot; LLC"' in text
        assert '<select id="buyer" name="buyer">' in text
        assert "<option>Ministry of Defence</option>" in text
        assert '<select id="status" name="status">' in text
        assert "<option>Zbroyar</option>" not in text
    listing = Client().get("/open/contracts/", {"supplier": 'Arsenal "Kyiv" LLC'})
    text = listing.content.decode()
    assert "Zbroyar" not in text
    assert '<a href="?supplier=Arsenal%20%22Kyiv%22%20LLC">' in text
    assert process.ocid in Client().get("/open/", {"supplier": "Zbroyar"}).content.decode()
    assert process.ocid not in Client().get("/open/", {"supplier": "Zbroy"}).content.decode()


# --- the indexes -----------------------------------------------------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes only")
def test_the_search_indexes_exist_on_postgresql(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('transparency_publicprocess', 'transparency_publiccontract')"
        )
        indexes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT attrelid::regclass::text, attstattarget FROM pg_attribute WHERE attname = "
            "'value' AND attrelid IN ('transparency_publicprocess'::regclass, "
            "'transparency_publiccontract'::regclass)"
        )
        targets = dict(cursor.fetchall())
    assert "varchar_pattern_ops" in indexes["pubproc_cpv"]
    assert "varchar_pattern_ops" in indexes["pubcontract_cpv"]
    for name in ("pubproc_title_trgm", "pubproc_ocid_trgm", "pubcontract_title_trgm"):
        assert "gin_trgm_ops" in indexes[name]
        assert "upper(" in indexes[name]
    assert set(targets.values()) == {1000}
