"""Bids racing the deadline.

The rule (DESIGN §4): the server clock decides, inside the transaction that stores the bid;
closing the tender waits for every bid transaction in flight. On PostgreSQL this is tested with
real threads on a throw-away copy of the test database (each thread has its own connection and
commits; the copy is dropped afterwards, so no committed row ever reaches the test database and
no flush is needed). SQLite serialises writers, so the race cannot happen there.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.utils import load_backend

from spilno.accounts.models import User
from spilno.capabilities.services.requirements import create_requirement
from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel import clock
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from spilno.procurement import sealing
from spilno.procurement.models import Bid, BidVersion, Tender, TenderEvent
from spilno.procurement.services.bids import BidContent, open_bids, submit_bid, withdraw_bid
from spilno.procurement.services.chronograph import close_tendering_if_due, tick
from spilno.procurement.services.tenders import (
    approve_plan,
    create_plan,
    create_tender,
    lots_from_requirements,
    publish_tender,
)
from tests.procurement.conftest import START, Travel, World, tender_in_tendering

pytestmark = pytest.mark.django_db

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
SUPPLIERS = 6


# --- one clock reading decides ---------------------------------------------------------------
class Readings:
    """A clock that moves on at every reading: the first reading is just before ``end``."""

    def __init__(self, end: dt.datetime) -> None:
        self.next = end - dt.timedelta(microseconds=1)

    def __call__(self) -> dt.datetime:
        value, self.next = self.next, self.next + dt.timedelta(microseconds=1)
        return value


def test_the_deadline_check_and_the_stored_time_are_one_reading(
    world: World, travel: Travel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bid checked 1 µs before the deadline must not be stored as made at the deadline."""
    tender = tender_in_tendering(world, travel)
    assert tender.tender_end is not None
    supplier, rep = world.supplier_rep(0)
    monkeypatch.setattr(clock, "now", Readings(tender.tender_end))
    try:
        version = submit_bid(
            actor=rep,
            tender=tender,
            lot=tender.lots.get(),
            supplier=supplier,
            content=BidContent(Decimal("1000.00"), "EUR", 30),
            idempotency_key="last-moment",
        )
    except ValidationError:
        assert not BidVersion.objects.exists()
    else:
        assert version.at < tender.tender_end


# --- threads on PostgreSQL -------------------------------------------------------------------
@pytest.fixture(scope="session")
def race_database(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """A copy of the (migrated, empty) test database that threads may commit to."""
    with django_db_blocker.unblock():
        main = connections["default"]
        template = main.settings_dict["NAME"]
        name = f"{template}_race"
        connections.close_all()  # CREATE DATABASE … TEMPLATE needs the template idle
        with main._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        race = copy.deepcopy(main.settings_dict)
        race["NAME"] = name
        race["CONN_MAX_AGE"] = 0
        try:
            yield race
        finally:
            with main._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on(database: dict[str, Any], fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` in a new thread whose default connection is to ``database``."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(with_connection(database, fn, *args))
        except BaseException as exc:  # handed to the calling thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def with_connection(database: dict[str, Any], fn: Callable[..., Any], *args: Any) -> Any:
    backend = load_backend(database["ENGINE"])
    wrapper = backend.DatabaseWrapper(copy.deepcopy(database), "default")
    connections["default"] = wrapper  # thread-local: other threads keep theirs
    try:
        return fn(*args)
    finally:
        wrapper.close()


class RaceClock:
    """Frozen while the scene is set, then real time running up to and past the deadline."""

    def __init__(self, start: dt.datetime) -> None:
        self.frozen: dt.datetime | None = start
        self.anchor = (start, time.monotonic())

    def __call__(self) -> dt.datetime:
        if self.frozen is not None:
            return self.frozen
        base, at = self.anchor
        return base + dt.timedelta(seconds=time.monotonic() - at)

    def run_from(self, moment: dt.datetime) -> None:
        self.anchor = (moment, time.monotonic())
        self.frozen = None


@dataclass
class Scene:
    tender: int
    suppliers: list[int]
    reps: list[int]
    officer: int


@dataclass
class Log:
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict[str, tuple[int, int, dt.datetime]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    last: dict[int, Decimal | None] = field(default_factory=dict)
    closed_by_tick_at: list[dt.datetime] = field(default_factory=list)


def set_scene(make_org: Callable[..., Organisation], make_user: Callable[..., User]) -> Scene:
    system = SystemActor()
    buyer = make_org("Race Agency", kind=OrganisationKind.AGENCY)
    unit = make_org("Race Brigade", kind=OrganisationKind.ARMED_FORCES_UNIT)
    drafter = make_user((buyer, Role.PROCUREMENT_OFFICER), clearance=Level.SECRET)
    officer = make_user((buyer, Role.PROCUREMENT_OFFICER), clearance=Level.SECRET)
    approver = make_user((buyer, Role.APPROVER), clearance=Level.SECRET)
    suppliers = [make_org(kind=OrganisationKind.SUPPLIER) for _ in range(SUPPLIERS)]
    reps = [make_user((s, Role.SUPPLIER_REPRESENTATIVE)) for s in suppliers]
    requirement = create_requirement(
        actor=system,
        title_en="Shells",
        cpv="35331200-5",
        quantity=Decimal(100),
        unit="rounds",
        needed_by=dt.date(2026, 9, 1),
        requesting_organisation=unit,
        priority=1,
        priority_reason="Front line",
        classification=Level.PUBLIC,
    )
    plan = create_plan(actor=drafter, buyer=buyer, year=2026, title_en="Race plan")
    tender = create_tender(
        actor=drafter,
        plan=plan,
        method="open",
        currency="EUR",
        title_en="Race",
        lots=lots_from_requirements([requirement], [Decimal(100000)]),
        enquiry_end=clock.now() + dt.timedelta(days=4),
        tender_end=clock.now() + dt.timedelta(days=12),
    )
    approve_plan(actor=approver, plan=plan)
    publish_tender(actor=drafter, tender=tender)
    return Scene(tender.pk, [s.pk for s in suppliers], [r.pk for r in reps], officer.pk)


def bidder(scene: Scene, index: int, log: Log, barrier: threading.Barrier) -> None:
    supplier = Organisation.objects.get(pk=scene.suppliers[index])
    rep = User.objects.get(pk=scene.reps[index])
    tender = Tender.objects.get(pk=scene.tender)
    lot = tender.lots.get()
    barrier.wait()
    for attempt in range(1, 10_000):
        key = f"s{index}-{attempt}"
        try:
            bid = Bid.objects.filter(lot=lot, supplier=supplier).first()
            if attempt % 4 == 0 and bid is not None and bid.status == "submitted":
                version = withdraw_bid(actor=rep, bid=bid, idempotency_key=key)
                amount = None
            else:
                amount = Decimal(1000 * (index + 1) + attempt)
                version = submit_bid(
                    actor=rep,
                    tender=tender,
                    lot=lot,
                    supplier=supplier,
                    content=BidContent(amount, "EUR", 30),
                    idempotency_key=key,
                )
        except ValidationError as exc:
            with log.lock:
                log.refused[key] = " ".join(exc.messages)
            return
        with log.lock:
            log.acknowledged[key] = (version.pk, version.seq, version.at)
            log.last[index] = amount


def closer(scene: Scene, log: Log, barrier: threading.Barrier) -> None:
    barrier.wait()
    while close_tendering_if_due(scene.tender) is None:
        time.sleep(0.0005)
    log.closed_by_tick_at.append(clock.now())


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="needs PostgreSQL: SQLite serialises writers, so bids cannot race the closing tick",
)
def test_bids_racing_the_deadline(
    race_database: dict[str, Any],
    make_org: Callable[..., Organisation],
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    race_clock = RaceClock(START)
    monkeypatch.setattr(clock, "now", race_clock)
    sealing.seal(b"", b"")  # create the bid key before the threads need it
    scene = on(race_database, set_scene, make_org, make_user)

    race_clock.frozen = START + dt.timedelta(days=4)
    assert on(race_database, tick).enquiries_closed == 1
    deadline = START + dt.timedelta(days=12)
    race_clock.run_from(deadline - dt.timedelta(seconds=0.4))

    log = Log()
    barrier = threading.Barrier(SUPPLIERS + 1)
    threads = [
        threading.Thread(
            target=with_connection, args=(race_database, bidder, scene, i, log, barrier)
        )
        for i in range(SUPPLIERS)
    ]
    threads.append(
        threading.Thread(target=with_connection, args=(race_database, closer, scene, log, barrier))
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    race_clock.frozen = deadline + dt.timedelta(seconds=10)

    # Every supplier got acknowledgements, then a refusal because of the deadline.
    assert len(log.refused) == SUPPLIERS, log.refused
    for message in log.refused.values():
        assert "deadline passed" in message or "only during tendering" in message, message
    assert len(log.acknowledged) > SUPPLIERS
    assert log.closed_by_tick_at
    assert log.closed_by_tick_at[0] >= deadline

    def check() -> None:
        stored = {v.idempotency_key: (v.pk, v.seq, v.at) for v in BidVersion.objects.all()}
        # Exactly the acknowledged attempts were stored: none of the refused ones.
        assert stored == log.acknowledged
        assert not set(stored) & set(log.refused)
        for _pk, _seq, at in stored.values():
            assert at < deadline
        closing = TenderEvent.objects.get(tender_id=scene.tender, status="active.evaluation")
        assert closing.at >= deadline
        assert closing.at >= max(at for _pk, _seq, at in stored.values())
        for bid in Bid.objects.filter(tender_id=scene.tender):
            assert bid.version_count == bid.versions.count()
            assert bid.amount is None

        officer = User.objects.get(pk=scene.officer)
        opened = open_bids(actor=officer, tender=Tender.objects.get(pk=scene.tender))
        by_supplier = {scene.suppliers.index(b.supplier_id): b.amount for b in opened}
        assert by_supplier == {i: a for i, a in log.last.items() if a is not None}

    on(race_database, check)
