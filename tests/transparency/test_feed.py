"""The publication feed: numbers are given at publication, in commit order, so a reader paging by
number never misses a release that committed late, and concurrent sequencers never collide."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel import clock
from spilno.kernel.access import SystemActor
from spilno.procurement.models import Tender
from spilno.procurement.services.tenders import create_plan
from spilno.transparency import selectors
from spilno.transparency.models import Process, Release
from spilno.transparency.services.publication import publish_due
from tests.procurement.test_deadline_race import ON_POSTGRES, on, race_database, with_connection

__all__ = ["race_database"]  # a fixture, used by name below

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def make_process(make_org: Callable[..., Organisation], name: str) -> int:
    """A bare process to hang releases on (the sequencer does not look at the tender)."""
    buyer = make_org(name, kind=OrganisationKind.AGENCY)
    plan = create_plan(actor=SystemActor(), buyer=buyer, year=2026, title_en=f"{name} plan")
    tender = Tender.objects.create(
        reference=f"T-{name}",
        plan=plan,
        buyer=buyer,
        method="open",
        status="active.enquiries",
        currency="EUR",
        title_en=name,
        created_by=None,
    )
    process = Process.objects.create(ocid=f"ocds-test-{name}", tender=tender, level=0)
    return process.pk


def add_release(process_id: int, name: str, publish_at: dt.datetime | None) -> Release:
    process = Process.objects.get(pk=process_id)
    return Release.objects.create(
        process=process,
        release_id=f"{process.ocid}-{name}",
        date=T0,
        tags=["tender"],
        payload={"ocid": process.ocid, "id": f"{process.ocid}-{name}", "tag": ["tender"]},
        level=0,
        publish_at=publish_at,
    )


def test_a_held_release_written_first_is_numbered_after_the_ones_published_before_it(
    make_org: Callable[..., Organisation], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("spilno.transparency.services.publication.refresh_public", lambda _: None)
    process = make_process(make_org, "held")
    held = add_release(process, "held", T0 + dt.timedelta(days=30))
    waiting = add_release(process, "event", None)  # held until an event
    at_once = add_release(process, "now", T0)
    assert publish_due(T0) == 1
    assert [r.release_id for r in selectors.feed(0)] == [at_once.release_id]
    last = selectors.last_seq()
    assert publish_due(T0 + dt.timedelta(days=30)) == 1
    assert [r.release_id for r in selectors.feed(last)] == [held.release_id]
    assert held.pk < at_once.pk  # by row id the reader would have skipped it
    assert Release.objects.get(pk=waiting.pk).seq is None


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises writers")
def test_a_reader_never_misses_a_release_that_commits_late(
    race_database: dict[str, Any],
    make_org: Callable[..., Organisation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clock, "now", lambda: T0)
    monkeypatch.setattr("spilno.transparency.services.publication.refresh_public", lambda _: None)
    process = on(race_database, make_process, make_org, "late")
    start = on(race_database, selectors.last_seq)
    inserted, release_late = threading.Event(), threading.Event()
    ids: dict[str, int] = {}

    def slow_writer() -> None:
        with transaction.atomic():
            ids["late"] = add_release(process, "late", T0).pk
            inserted.set()
            assert release_late.wait(30)
        publish_due()  # what the writer's on_commit does

    thread = threading.Thread(target=with_connection, args=(race_database, slow_writer))
    thread.start()
    assert inserted.wait(30)

    def fast_writer() -> None:
        with transaction.atomic():
            ids["fast"] = add_release(process, "fast", T0).pk
        publish_due()

    on(race_database, fast_writer)
    first = on(race_database, lambda: [(r.release_id, r.seq) for r in selectors.feed(start)])
    assert [name for name, _ in first] == ["ocds-test-late-fast"]
    seen = first[-1][1]
    release_late.set()
    thread.join(30)
    assert not thread.is_alive()
    assert ids["late"] < ids["fast"]  # the late one has the lower row id …
    second = on(race_database, lambda: [r.release_id for r in selectors.feed(seen)])
    assert second == ["ocds-test-late-late"]  # … and the reader still gets it


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises writers")
def test_concurrent_sequencers_give_each_release_one_number_without_gaps(
    race_database: dict[str, Any],
    make_org: Callable[..., Organisation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clock, "now", lambda: T0)
    monkeypatch.setattr("spilno.transparency.services.publication.refresh_public", lambda _: None)
    process = on(race_database, make_process, make_org, "many")
    start = on(race_database, selectors.last_seq)

    def writer(index: int) -> None:
        for n in range(25):
            with transaction.atomic():
                add_release(process, f"w{index}-{n}", T0)
            publish_due(batch=7)

    threads = [
        threading.Thread(target=with_connection, args=(race_database, writer, i)) for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()

    def numbers() -> list[int | None]:
        return list(
            Release.objects.filter(process_id=process).order_by("seq").values_list("seq", flat=True)
        )

    assert on(race_database, numbers) == list(range(start + 1, start + 101))
