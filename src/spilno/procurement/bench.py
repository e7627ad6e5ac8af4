"""``spilno bench bids``: the last minute before a bid deadline, over real HTTP (a benchmark).

N supplier organisations, each with a representative and an API token, bid on one open tender
whose deadline is ``window`` seconds away by the real clock. The API is served by gunicorn
(``spilno serve`` in a subprocess, W workers × T threads) on the benchmark database; client
processes (stdlib ``http.client``, a keep-alive connection per supplier, or a new connection per
bid with ``--connection close``) submit and replace bids as fast as they can (or paced,
``--bids-per-supplier``) until ``grace`` seconds after the deadline, now and then retrying an
acknowledged request with the same idempotency key. Half-way through the grace period the
chronograph's ``close_tendering_if_due`` runs while late bids are still arriving, as ``spilno
tick`` would.

Afterwards the database is checked against what the clients were told: every 201 receipt names
a stored version of that supplier's bid with the same receipt and key (no lost bids); nothing is
stored at or after the deadline and no bid sent after it was acknowledged (no late bids); every
retry got the stored version back; no 5xx, dropped connection or unexpected answer. The table
sets the bid rate beside the raw durable single-row commit rate of the same database, measured
in the same run.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import multiprocessing
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from unittest import mock

import dj_database_url
from rich.console import Console
from rich.table import Table

# Django-dependent imports are local to the functions that use them: the launcher needs only
# the database helpers, and the forked client processes need none of it.


@dataclass(frozen=True)
class Config:
    suppliers: int = 50
    bids_per_supplier: int = 0  # 0: as fast as possible; N: N bids paced over the window
    workers: int = 4
    threads: int = 4
    window: float = 60.0
    grace: float = 2.0
    clients: int = 2
    retry_rate: float = 0.05
    keep_alive: bool = True  # one persistent connection per supplier; else one per request


# --- the benchmark database ------------------------------------------------------------------
def parse_database_url(url: str) -> dict[str, Any]:
    return dict(dj_database_url.parse(url))


def _identity(db: Mapping[str, Any]) -> tuple[str, str, str, str]:
    engine = str(db.get("ENGINE", ""))
    name = str(db.get("NAME", ""))
    if engine.endswith("sqlite3"):
        return ("sqlite", str(Path(name).resolve()), "", "")
    host = str(db.get("HOST") or "")
    host = "local" if host in ("", "localhost", "127.0.0.1", "::1") else host
    return (engine, name, host, str(db.get("PORT") or "5432"))


def same_database(target: Mapping[str, Any], configured: Mapping[str, Any]) -> bool:
    """Is ``target`` the configured database, or the test database made from it?"""
    mine = _identity(target)
    test_name = (configured.get("TEST") or {}).get("NAME") or f"test_{configured.get('NAME')}"
    candidates = {_identity(configured), _identity({**configured, "NAME": test_name})}
    return mine in candidates


def ensure_database(target: Mapping[str, Any]) -> bool:
    """Create the PostgreSQL database named by ``target`` when missing; True if created."""
    if not str(target["ENGINE"]).endswith("postgresql"):
        return False
    import psycopg
    from psycopg import sql

    params: dict[str, Any] = {
        "host": target.get("HOST") or None,
        "port": target.get("PORT") or None,
        "user": target.get("USER") or None,
        "password": target.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    for maintenance in ("postgres", "template1"):
        try:
            admin = psycopg.connect(dbname=maintenance, autocommit=True, **params)
        except psycopg.OperationalError:
            if maintenance == "template1":
                raise
            continue
        with admin:
            row = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [target["NAME"]]
            ).fetchone()
            if row is not None:
                return False
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target["NAME"])))
            return True
    return False


def child_environment(base: Mapping[str, str], url: str, data_dir: Path) -> dict[str, str]:
    """Environment of the benchmark process and its server: the benchmark database, a data
    folder (keys, logs) of its own, the real clock, no debug (which would log every query)."""
    env = dict(base)
    env.update(
        DJANGO_SETTINGS_MODULE="spilno.settings",
        DATABASE_URL=url,
        SPILNO_DATA_DIR=str(data_dir),
        SPILNO_BID_KEY_FILE=str(data_dir / "keys" / "bids-aes256.key"),
        SPILNO_AUDIT_KEY_FILE=str(data_dir / "keys" / "audit-ed25519.pem"),
        SPILNO_CLOCK_SPEED="1",
        SPILNO_DEBUG="0",
        SPILNO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    env.pop("SPILNO_CLOCK_EPOCH", None)
    return env


# --- the world -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Supplier:
    index: int
    org_id: int
    token: str


@dataclass
class World:
    buyer: Any
    requirement: Any
    suppliers: list[Supplier]


@dataclass
class OpenTender:
    pk: int
    reference: str
    lot_id: int
    tender_end: dt.datetime


def build_world(config: Config, tag: str) -> World:
    """A buyer, a requirement and N suppliers, each with a representative and an API token;
    all through the services (SystemActor), so the audit log holds them as in production."""
    from django.test import override_settings

    from spilno.accounts.services.tokens import create_token
    from spilno.accounts.services.users import create_user
    from spilno.capabilities.services.requirements import create_requirement
    from spilno.core.models import OrganisationKind
    from spilno.core.services.organisations import create_organisation
    from spilno.kernel.access import Role, SystemActor
    from spilno.kernel.classification import Level

    system = SystemActor()
    buyer = create_organisation(
        actor=system, name_en=f"Bench buyer {tag}", country="UA", kind=OrganisationKind.AGENCY
    )
    unit = create_organisation(
        actor=system,
        name_en=f"Bench unit {tag}",
        country="UA",
        kind=OrganisationKind.ARMED_FORCES_UNIT,
    )
    requirement = create_requirement(
        actor=system,
        title_en=f"155 mm artillery ammunition ({tag})",
        cpv="35331200-5",
        quantity=Decimal(1000),
        unit="rounds",
        needed_by=dt.date.today() + dt.timedelta(days=365),
        requesting_organisation=unit,
        priority=1,
        priority_reason="Benchmark: the deadline rush.",
        classification=Level.PUBLIC,
    )
    countries = ("UA", "PL", "FR", "DE", "CZ", "LT", "NL", "SE")
    suppliers = []
    # Representatives sign in with tokens only: a random password, hashed cheaply, so that
    # creating fifty of them takes a second rather than half a minute of PBKDF2.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for i in range(config.suppliers):
            org = create_organisation(
                actor=system,
                name_en=f"Bench supplier {tag}-{i:03d}",
                country=countries[i % len(countries)],
                kind=OrganisationKind.SUPPLIER,
            )
            rep = create_user(
                actor=system,
                username=f"bench-{tag}-rep{i:03d}",
                password=secrets.token_urlsafe(24),
                memberships=[(org, Role.SUPPLIER_REPRESENTATIVE)],
            )
            _token, secret = create_token(actor=rep, name=f"bench {tag}")
            suppliers.append(Supplier(i, org.pk, secret))
    return World(buyer, requirement, suppliers)


@contextmanager
def _clock_at(moment: dt.datetime) -> Iterator[None]:
    from spilno.kernel import clock

    with mock.patch.object(clock, "now", return_value=moment):
        yield


def open_tender(world: World, tender_end: dt.datetime, tag: str) -> OpenTender:
    """An open tender in ``active.tendering`` until ``tender_end`` (real time), made through the
    services: drafted, approved and published on a business clock set back by the method's
    minimum periods, then moved past its enquiry period by the chronograph."""
    from spilno.kernel.access import SystemActor
    from spilno.procurement.services.chronograph import close_enquiries_if_due
    from spilno.procurement.services.tenders import (
        approve_plan,
        create_plan,
        create_tender,
        lots_from_requirements,
        publish_tender,
    )
    from spilno.procurement.states import METHODS, TenderStatus

    system = SystemActor()
    rules = METHODS["open"]
    enquiry_end = tender_end - dt.timedelta(days=rules.min_tender_days, minutes=1)
    published = enquiry_end - dt.timedelta(days=rules.min_enquiry_days, minutes=1)
    with _clock_at(published):
        plan = create_plan(
            actor=system, buyer=world.buyer, year=published.year, title_en=f"Bench plan {tag}"
        )
        tender = create_tender(
            actor=system,
            plan=plan,
            method="open",
            currency="EUR",
            title_en=f"Deadline rush ({tag})",
            lots=lots_from_requirements([world.requirement], [Decimal("1000000.00")]),
            enquiry_end=enquiry_end,
            tender_end=tender_end,
        )
        approve_plan(actor=system, plan=plan)
        publish_tender(actor=system, tender=tender)
    with _clock_at(enquiry_end):
        close_enquiries_if_due(tender.pk, system)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.TENDERING, tender.status
    assert tender.tender_end is not None
    return OpenTender(tender.pk, tender.reference, tender.lots.get().pk, tender.tender_end)


# --- the server ------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``spilno serve`` in a subprocess (gunicorn, W workers × T threads) on a free port."""

    def __init__(self, workers: int, threads: int, log: Path) -> None:
        self.workers, self.threads, self.log = workers, threads, log
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        argv = [sys.executable, "-m", "spilno", "serve", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--workers", str(self.workers)]
        # The benchmark closes the tender itself, at a chosen moment: no chronograph beside it.
        argv += ["--threads", str(self.threads), "--tick", "0"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_healthy(self, timeout: float = 60) -> None:
        assert self.process is not None
        url = f"http://127.0.0.1:{self.port}/health"
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s:\n{self.tail()}")

    def warm_up(self, token: str, requests: int) -> None:
        """Let each worker load the API (routers, schemas) before the clock starts."""
        for _ in range(requests):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request(
                    "GET", "/api/v1/tenders?limit=1", headers={"Authorization": f"Bearer {token}"}
                )
                conn.getresponse().read()
            finally:
                conn.close()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def begin_stop(self) -> None:
        """Ask gunicorn to stop without waiting (its workers take about a second to exit).
        Called when every client has finished, so nothing is in flight: quick shutdown (INT)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.begin_stop()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the clients -----------------------------------------------------------------------------
class Result(NamedTuple):
    """One HTTP request as the client saw it (``sent`` is the client's wall clock)."""

    supplier: int
    key: str
    retry: bool
    sent: float
    latency: float
    status: int  # 0: the connection failed, no answer
    bid_id: int
    version: int
    receipt: str
    fields: str  # the fields a problem+json answer named, e.g. "tender" for the deadline rule


@dataclass(frozen=True)
class Job:
    port: int
    tender_id: int
    lot_id: int
    suppliers: tuple[Supplier, ...]
    start_at: float
    deadline: float
    stop_at: float
    bids_per_supplier: int
    retry_rate: float
    keep_alive: bool
    tag: str


def _post(
    conn: http.client.HTTPConnection | None, job: Job, body: bytes, token: str
) -> tuple[http.client.HTTPConnection | None, int, bytes]:
    """POST one bid; answer the connection to reuse (or None), the status (0: no answer) and
    the body. A kept-alive connection the server has closed meanwhile (gunicorn drops idle ones
    after 2 s) is reopened once and the same request sent again, as HTTP clients do: the
    idempotency key makes that safe."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if not job.keep_alive:
        headers["Connection"] = "close"
    while True:
        reused = conn is not None
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", job.port, timeout=120)
        try:
            conn.request("POST", f"/api/v1/tenders/{job.tender_id}/bids", body, headers)
            response = conn.getresponse()
            data = response.read()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            conn.close()
            conn = None
            if reused:
                continue
            return None, 0, b""
        except (OSError, http.client.HTTPException):
            conn.close()
            return None, 0, b""
        if response.will_close or not job.keep_alive:
            conn.close()
            return None, response.status, data
        return conn, response.status, data


def _supplier(job: Job, supplier: Supplier, out: list[Result]) -> None:
    rng = random.Random(f"{job.tag}-{supplier.index}")  # noqa: S311 - load shape, no secret
    paced = job.bids_per_supplier > 0
    interval = (job.deadline - job.start_at) / job.bids_per_supplier if paced else 0.0
    next_at = job.start_at + (rng.uniform(0, interval) if paced else 0.0)
    late_planned = False
    conn: http.client.HTTPConnection | None = None
    last: tuple[str, bytes] | None = None  # the last acknowledged new bid: a retry candidate
    number = 0
    time.sleep(max(0.0, job.start_at - time.time()))
    while True:
        now = time.time()
        if now >= job.stop_at:
            break
        retry = last is not None and rng.random() < job.retry_rate
        if retry:
            assert last is not None
            key, body = last
        else:
            if paced and next_at >= job.deadline and not late_planned:
                # Whatever the pace, every supplier tries once more after the deadline.
                next_at = min(next_at, job.deadline + rng.uniform(0, job.stop_at - job.deadline))
                late_planned = True
            if now < next_at:
                time.sleep(min(next_at, job.stop_at) - now)
                continue
            next_at += interval
            number += 1
            key = f"{job.tag}-{supplier.index}-{number}"
            body = json.dumps(
                {
                    "supplier_id": supplier.org_id,
                    "lot_id": job.lot_id,
                    "amount": f"{rng.randrange(50_000_000, 100_000_000) / 100:.2f}",
                    "currency": "EUR",
                    "delivery_days": rng.randrange(30, 180),
                    "idempotency_key": key,
                }
            ).encode()
        sent = time.time()
        started = time.perf_counter()
        conn, status, data = _post(conn, job, body, supplier.token)
        latency = time.perf_counter() - started
        bid_id = version = 0
        receipt = fields = ""
        try:
            answer = json.loads(data) if data else {}
        except ValueError:
            answer = {}
        try:
            if status == 201:
                bid_id, version = int(answer["bid_id"]), int(answer["version"])
                receipt = str(answer["receipt"])
            else:
                fields = ",".join(sorted({str(e["field"]) for e in answer.get("errors", [])}))
        except (KeyError, TypeError, ValueError, AttributeError):
            fields = "(unreadable answer)"  # a 201 without a receipt then counts as lost
        out.append(
            Result(
                supplier.index, key, retry, sent, latency, status, bid_id, version, receipt, fields
            )
        )
        last = (key, body) if status == 201 and not retry else None
    if conn is not None:
        conn.close()


def client_process(job: Job) -> list[Result]:
    """One client process: a thread per supplier, each with its own connection."""
    results: list[list[Result]] = [[] for _ in job.suppliers]
    threads = [
        threading.Thread(target=_supplier, args=(job, s, results[i]), daemon=True)
        for i, s in enumerate(job.suppliers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for mine in results for r in mine]


# --- checks and figures ----------------------------------------------------------------------
def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0 for none)."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))]


class CommitRate(Protocol):
    writers: int
    rate: float
    p50: float
    p99: float


@dataclass
class Verdict:
    answers_201: int = 0  # every 201, new bids and retries
    acknowledged: int = 0  # new bids answered 201
    submitted: int = 0
    replaced: int = 0
    retries: int = 0
    retries_bad: int = 0
    late_refused: int = 0
    refused_in_flight: int = 0  # refused by the deadline rule although sent before it
    server_errors: int = 0
    transport_errors: int = 0
    unexpected: int = 0
    lost: int = 0
    stored: int = 0
    stored_unacknowledged: int = 0
    stored_late: int = 0
    acknowledged_late: int = 0
    last_stored_before: float = 0.0  # seconds between the last stored bid and the deadline
    status_after: str = ""
    unexpected_sample: str = ""

    @property
    def checks(self) -> list[tuple[str, bool, str]]:
        return [
            (
                "no lost bids",
                self.lost == 0,
                f"{self.answers_201 - self.lost}/{self.answers_201} receipts match a stored "
                "version",
            ),
            (
                "no bid after the deadline",
                self.stored_late == 0 and self.acknowledged_late == 0,
                f"{self.stored_late} stored at or after it, "
                f"{self.acknowledged_late} late ones acknowledged",
            ),
            (
                "idempotent retries",
                self.retries_bad == 0,
                f"{self.retries - self.retries_bad}/{self.retries} got the stored version",
            ),
            (
                "no server errors",
                self.server_errors + self.transport_errors + self.unexpected == 0,
                f"{self.server_errors + self.transport_errors + self.unexpected} "
                "5xx, dropped or unexpected",
            ),
        ]


def verify(tender: OpenTender, world: World, results: list[Result]) -> Verdict:
    from spilno.procurement.models import Bid, BidVersion, Tender
    from spilno.procurement.states import BidAction

    deadline = tender.tender_end.timestamp()
    org_of = {s.index: s.org_id for s in world.suppliers}
    owner = dict(Bid.objects.filter(tender_id=tender.pk).values_list("pk", "supplier_id"))
    stored = {
        (bid_id, seq): (receipt, at, key, action)
        for bid_id, seq, receipt, at, key, action in BidVersion.objects.filter(
            bid__tender_id=tender.pk
        ).values_list("bid_id", "seq", "receipt", "at", "idempotency_key", "action")
    }
    v = Verdict(stored=len(stored))
    first_answer: dict[str, tuple[int, int, str]] = {}
    acknowledged_keys = set()
    for r in results:
        if r.status == 201:
            v.answers_201 += 1
            acknowledged_keys.add(r.key)
            entry = stored.get((r.bid_id, r.version))
            if (
                entry is None
                or entry[0] != r.receipt
                or entry[2] != r.key
                or owner.get(r.bid_id) != org_of[r.supplier]
            ):
                v.lost += 1
            if r.retry:
                v.retries += 1
                if first_answer.get(r.key) != (r.bid_id, r.version, r.receipt):
                    v.retries_bad += 1
                continue
            first_answer[r.key] = (r.bid_id, r.version, r.receipt)
            v.acknowledged += 1
            if entry is not None and entry[3] == BidAction.SUBMIT:
                v.submitted += 1
            else:
                v.replaced += 1
            if r.sent >= deadline:
                v.acknowledged_late += 1
        elif r.retry and r.status != 0:
            v.retries += 1
            v.retries_bad += 1
        elif r.status == 422 and r.fields == "tender":
            v.late_refused += 1
            v.refused_in_flight += r.sent < deadline
        elif r.status >= 500:
            v.server_errors += 1
        elif r.status == 0:
            v.transport_errors += 1
        else:
            v.unexpected += 1
            v.unexpected_sample = v.unexpected_sample or f"{r.status} {r.fields}"
    v.stored_unacknowledged = sum(1 for e in stored.values() if e[2] not in acknowledged_keys)
    v.stored_late = sum(1 for e in stored.values() if e[1] >= tender.tender_end)
    if stored:
        v.last_stored_before = (
            tender.tender_end - max(e[1] for e in stored.values())
        ).total_seconds()
    v.status_after = Tender.objects.get(pk=tender.pk).status
    return v


# --- the run ---------------------------------------------------------------------------------
def _cpu_busy(seconds: float = 0.5) -> float | None:
    """Share of all CPUs busy over ``seconds`` (Linux ``/proc/stat``; None elsewhere)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait

    try:
        total, idle = sample()
        time.sleep(seconds)
        total2, idle2 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle2 - idle) / max(total2 - total, 1)


def _database_line() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"{connection.vendor} {db['NAME']}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
    return (
        f"PostgreSQL {version}, {db['HOST'] or 'local'}:{db['PORT'] or 5432}/{db['NAME']}, "
        f"synchronous_commit={sync}, fsync={fsync}"
    )


def _jobs(config: Config, port: int, tender: OpenTender, world: World, **times: float) -> list[Job]:
    tag = secrets.token_hex(3)
    shares = [world.suppliers[i :: config.clients] for i in range(config.clients)]
    return [
        Job(
            port=port,
            tender_id=tender.pk,
            lot_id=tender.lot_id,
            suppliers=tuple(share),
            bids_per_supplier=config.bids_per_supplier,
            retry_rate=config.retry_rate,
            keep_alive=config.keep_alive,
            tag=tag,
            start_at=times["start_at"],
            deadline=times["deadline"],
            stop_at=times["stop_at"],
        )
        for share in shares
        if share
    ]


def run(config: Config, raw_rate: Callable[[], CommitRate]) -> bool:
    """Run the whole benchmark on the default database; print the table; True if all checks
    pass. ``raw_rate()`` measures the raw commit rate (``bench``'s ``raw_commit_rate``)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from spilno.procurement import sealing
    from spilno.procurement.services.chronograph import close_tendering_if_due

    console = Console(highlight=False)
    tag = time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
    mode = (
        f"{config.bids_per_supplier} bids each, paced"
        if config.bids_per_supplier
        else "as fast as they can"
    )
    connection = "keep-alive" if config.keep_alive else "a new connection per bid"
    console.print(
        f"[bold]spilno bench bids[/] {config.suppliers} suppliers ({mode}; {connection}), "
        f"gunicorn {config.workers} workers × {config.threads} threads, {config.clients} client "
        f"processes, {config.window:g} s window + {config.grace:g} s after the deadline"
    )
    busy = _cpu_busy()
    console.print(
        f"  machine: {os.cpu_count()} CPUs"
        + (f", {busy:.0%} busy just before the run" if busy is not None else "")
    )
    if busy is not None and busy > 0.25:
        console.print(
            "  [yellow]something else is using the CPUs: the figures will be lower than the "
            "machine can do[/]"
        )
    step = time.monotonic()

    def done(what: str) -> None:
        nonlocal step
        console.print(f"  {what} ({time.monotonic() - step:.1f} s)")
        step = time.monotonic()

    call_command("migrate", interactive=False, verbosity=0)
    console.print(f"  database: {_database_line()}")
    done("migrated")
    sealing.request_digest(b"")  # create the bid key once, before the workers race to
    world = build_world(config, tag)
    done(f"{config.suppliers} suppliers with representatives and API tokens")
    data_dir = Path(settings.DATA_DIR)
    connections.close_all()
    with Server(config.workers, config.threads, data_dir / "bench-gunicorn.log") as server:
        server.warm_up(world.suppliers[0].token, 2 * config.workers)
        done(f"gunicorn on 127.0.0.1:{server.port} (log: {server.log})")
        lead = 0.5 + 0.1 * config.clients  # time to open the tender and start the clients
        deadline = round(time.time() + lead + config.window, 3)
        tender = open_tender(world, dt.datetime.fromtimestamp(deadline, dt.UTC), tag)
        deadline = tender.tender_end.timestamp()
        start_at = deadline - config.window
        stop_at = deadline + config.grace
        console.print(
            f"  tender {tender.reference} in active.tendering; deadline "
            f"{tender.tender_end.isoformat()}"
        )
        connections.close_all()  # no database socket may be shared with the forked clients
        jobs = _jobs(
            config,
            server.port,
            tender,
            world,
            start_at=start_at,
            deadline=deadline,
            stop_at=stop_at,
        )
        context = multiprocessing.get_context("fork")
        with context.Pool(len(jobs)) as pool:
            launched = time.time()
            pending = pool.map_async(client_process, jobs)
            closed_by_tick: str | None = None
            with console.status("bidding…") as status:
                while not pending.ready():
                    left = deadline - time.time()
                    if left > 0:
                        status.update(f"bidding… deadline in {left:4.1f} s")
                    else:
                        status.update(
                            f"after the deadline: late bids… {stop_at - time.time():.1f} s"
                        )
                    if closed_by_tick is None and time.time() >= deadline + config.grace / 2:
                        # The chronograph closes the tender while late bids still arrive.
                        tick = time.time()
                        closed_by_tick = close_tendering_if_due(tender.pk) or "already closed"
                        connections.close_all()
                        console.print(
                            f"  chronograph at deadline + {tick - deadline:.1f} s: "
                            f"{closed_by_tick} (took {time.time() - tick:.2f} s)"
                        )
                    pending.wait(0.1)
            results = [r for chunk in pending.get() for r in chunk]
        done(f"{len(results)} requests sent")
        server.begin_stop()  # no client is left; the checks need no server
        close_tendering_if_due(tender.pk)
        verdict = verify(tender, world, results)
        done(f"checked against the database; tender now {verdict.status_after}")
        server.stop()  # the raw rate is measured on a quiet machine
        done("server stopped")
        raw = raw_rate()
        done("raw single-row commit rate measured")
        report(
            console,
            tender,
            results,
            verdict,
            raw,
            window=deadline - max(start_at, launched),
            suppliers=config.suppliers,
        )
    return all(ok for _name, ok, _detail in verdict.checks)


def report(
    console: Console,
    tender: OpenTender,
    results: list[Result],
    verdict: Verdict,
    raw: CommitRate,
    *,
    window: float,
    suppliers: int,
) -> None:
    deadline = tender.tender_end.timestamp()
    acked = sorted(r.latency * 1000 for r in results if r.status == 201 and not r.retry)
    refused = sorted(r.latency * 1000 for r in results if r.status == 422 and r.sent >= deadline)
    rate = verdict.acknowledged / window if window > 0 else 0.0
    errors = verdict.server_errors + verdict.transport_errors + verdict.unexpected
    sample = f", first: {verdict.unexpected_sample}" if verdict.unexpected_sample else ""
    figures = Table(title="bench bids", title_justify="left", show_header=False)
    figures.add_column("what")
    figures.add_column("figure", justify="right")
    figures.add_column("detail")
    figures.add_row("requests", f"{len(results)}", "")
    figures.add_row(
        "bids acknowledged",
        f"{verdict.acknowledged}",
        f"201: {verdict.submitted} first, {verdict.replaced} replacing",
    )
    figures.add_row("retries, same key", f"{verdict.retries}", "201 with the stored version")
    figures.add_row(
        "late bids refused",
        f"{verdict.late_refused}",
        f"422; {verdict.refused_in_flight} sent before the deadline",
    )
    figures.add_row(
        "errors",
        f"{errors}",
        f"5xx {verdict.server_errors}, dropped {verdict.transport_errors}, "
        f"other {verdict.unexpected}{sample}",
    )
    figures.add_row("bids/s", f"{rate:.1f}", f"acknowledged in {window:.1f} s")
    per_supplier = Counter(r.supplier for r in results if r.status == 201 and not r.retry)
    counts = sorted(per_supplier.get(i, 0) for i in range(suppliers))
    figures.add_row(
        "bids per supplier",
        f"{counts[0]} / {percentile(counts, 0.5):.0f} / {counts[-1]}",
        "fewest / median / most acknowledged",
    )
    figures.add_row(
        "latency p50/p95/p99",
        f"{percentile(acked, 0.5):.1f} / {percentile(acked, 0.95):.1f} / "
        f"{percentile(acked, 0.99):.1f} ms",
        f"acknowledged bids; max {acked[-1] if acked else 0:.0f} ms",
    )
    figures.add_row(
        "refusal p50/p99",
        f"{percentile(refused, 0.5):.1f} / {percentile(refused, 0.99):.1f} ms",
        "bids sent after the deadline",
    )
    figures.add_row(
        "raw commits/s",
        f"{raw.rate:.0f}",
        f"durable 1-row inserts, {raw.writers} writers, p99 {raw.p99:.1f} ms",
    )
    figures.add_row("bids/s ÷ raw commits/s", f"{rate / raw.rate:.1%}" if raw.rate else "-", "")
    figures.add_row(
        "last stored bid",
        f"{verdict.last_stored_before * 1000:.1f} ms",
        f"before the deadline; {verdict.stored} versions stored",
    )
    console.print(figures)
    checks = Table(show_header=False)
    checks.add_column("check")
    checks.add_column("verdict")
    checks.add_column("detail")
    for name, ok, detail in verdict.checks:
        checks.add_row(name, "[green]PASS[/]" if ok else "[bold red]FAIL[/]", detail)
    console.print(checks)
