"""Benchmarks (not tests): ``spilno bench audit`` and ``spilno bench bids``.

``bench audit``: how fast can concurrent writers append to the audit log? Runs W writer threads,
each committing N transactions of one audit entry, first with every writer forced onto one chain
(a single global chain), then spread over all streams; prints commits per second and p50/p99
latency for both, plus the raw single-row durable commit rate of the same database. Run it on
PostgreSQL (set DATABASE_URL).

``bench bids``: N suppliers submitting and replacing sealed bids over HTTP against gunicorn, in
the last minute before a deadline, on a separate benchmark database (``--database-url``); checks
that every acknowledged bid is stored and none after the deadline (see
:mod:`spilno.procurement.bench` and docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, transaction

from spilno.audit.services.record import record
from spilno.audit.services.verify import verify_log
from spilno.kernel.access import SystemActor

DEFAULT_BENCH_DATABASE = "postgres://postgres@127.0.0.1:5432/spilno_bench"


def _writers(threads: int, per_thread: int, work: Any) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def run() -> None:
        mine = []
        barrier.wait()
        for i in range(per_thread):
            started = time.perf_counter()
            work(i)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
        connections.close_all()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started, latencies


@dataclass
class CommitRate:
    """Commits per second of ``writers`` threads, with latency percentiles in milliseconds."""

    writers: int
    commits: int
    rate: float
    p50: float
    p99: float


def _rate(writers: int, wall: float, latencies: list[float]) -> CommitRate:
    latencies = sorted(latencies)
    return CommitRate(
        writers=writers,
        commits=len(latencies),
        rate=len(latencies) / wall,
        p50=statistics.median(latencies) * 1000,
        p99=latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000,
    )


def _raw_commit(i: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO spilno_bench_raw (n) VALUES (%s)", [i])


def raw_commit_rate(writers: int, per_writer: int) -> CommitRate:
    """The raw durable commit rate of the default database: ``writers`` threads, each committing
    ``per_writer`` transactions of one single-row insert into a scratch table (dropped after)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS spilno_bench_raw (n integer)")
    try:
        wall, latencies = _writers(writers, per_writer, _raw_commit)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE spilno_bench_raw")
    return _rate(writers, wall, latencies)


class Command(BaseCommand):
    help = (
        "Benchmarks (not tests). `spilno bench audit`: concurrent audit-log writers. "
        "`spilno bench bids`: suppliers bidding over HTTP against gunicorn before a deadline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["audit", "bids", "portal", "ocds"])
        parser.add_argument(
            "--writers",
            type=int,
            default=None,
            help="Writer threads for the commit rates (audit: 16; bids: workers × threads).",
        )
        parser.add_argument("--per-writer", type=int, default=200)
        bids = parser.add_argument_group("bench bids")
        bids.add_argument("--suppliers", type=int, default=50)
        bids.add_argument(
            "--bids-per-supplier",
            type=int,
            default=0,
            help="0 (default): every supplier bids as fast as it can until the deadline. "
            "N: each supplier paces N bids evenly over the window (a given offered load).",
        )
        bids.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
        bids.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
        bids.add_argument(
            "--window", type=float, default=60, help="seconds from the first bid to the deadline"
        )
        bids.add_argument(
            "--grace", type=float, default=2, help="seconds of (refused) bidding after it"
        )
        bids.add_argument("--clients", type=int, default=2, help="client processes")
        bids.add_argument(
            "--retry-rate",
            type=float,
            default=0.05,
            help="share of acknowledged bids sent again with the same idempotency key",
        )
        bids.add_argument(
            "--connection",
            choices=["keep-alive", "close"],
            default="keep-alive",
            help="keep-alive (default): one persistent connection per supplier; "
            "close: a new connection for every bid",
        )
        bids.add_argument(
            "--database-url",
            default=None,
            help=f"bids: default {DEFAULT_BENCH_DATABASE}; portal: default "
            "postgres://postgres@127.0.0.1:5432/spilno_bench_portal",
        )
        bids.add_argument(
            "--allow-sqlite", action="store_true", help="allow an sqlite:// --database-url"
        )
        bids.add_argument(
            "--data-dir",
            default=None,
            help="data folder of the benchmark (keys, server log); default <data dir>/bench",
        )
        # Set by the launcher in the process it starts with DATABASE_URL pointing at the bench DB.
        bids.add_argument("--in-bench-database", action="store_true", help=argparse.SUPPRESS)
        portal = parser.add_argument_group(
            "bench portal",
            "also --clients (HTTP client threads), --workers, --threads, "
            "--database-url and --data-dir (default <data dir>/bench-portal)",
        )
        portal.add_argument("--contracts", type=int, default=1_000_000)
        portal.add_argument("--duration", type=float, default=60, help="seconds measured")
        portal.add_argument("--keep", action="store_true", help="keep the database afterwards")
        portal.add_argument(
            "--reuse",
            action="store_true",
            help="skip generating if the database holds the same data (implies --keep)",
        )

        ocds = parser.add_argument_group(
            "bench ocds",
            "spilno ocds compile (the console command) against ocdskit compile on a synthetic "
            "feed; also --keep (keep the generated feed and the outputs)",
        )
        ocds.add_argument("--releases", type=int, default=200_000)
        ocds.add_argument("--ocids", type=int, default=50_000, help="processes (default 50,000)")
        ocds.add_argument("--seed", type=int, default=1)
        ocds.add_argument(
            "--workdir", default=None, help="folder for the feed and outputs (default: temporary)"
        )
        ocds.add_argument(
            "--modes",
            default="compiled,records",
            help="compiled: compiled releases (ocdskit compile); records: a record package with "
            "versioned releases (ocdskit compile --package --versioned); default both",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "ocds":
            self.bench_ocds(options)
            return
        if options["what"] == "portal":
            self.bench_portal(options)
            return
        if options["what"] == "bids":
            if options["in_bench_database"]:
                self.run_bids(options)
            else:
                self.launch_bids(options)
            return
        self.bench_audit(options)

    # --- bench audit ------------------------------------------------------------------------
    def bench_audit(self, options: dict[str, Any]) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Run this benchmark on PostgreSQL: set DATABASE_URL.")
        writers, per = options["writers"] or 16, options["per_writer"]
        actor = SystemActor()

        def audit_commit(i: int) -> None:
            with transaction.atomic():
                record(actor=actor, action="bench.write", object_type="bench", object_id=str(i))

        self.stdout.write(
            f"{writers} writers × {per} commits each, {connection.settings_dict['NAME']}"
        )
        rows = []
        raw = raw_commit_rate(writers, per)
        rows.append(("raw single-row commit", raw))
        for label, streams in (
            ("audit, one global chain", 1),
            (f"audit, {settings.SPILNO_AUDIT_STREAMS} streams", settings.SPILNO_AUDIT_STREAMS),
        ):
            original = settings.SPILNO_AUDIT_STREAMS
            settings.SPILNO_AUDIT_STREAMS = streams
            try:
                wall, latencies = _writers(writers, per, audit_commit)
            finally:
                settings.SPILNO_AUDIT_STREAMS = original
            rows.append((label, _rate(writers, wall, latencies)))
        for label, rate in rows:
            self.stdout.write(
                f"  {label:<28} {rate.rate:8.0f} commits/s   "
                f"p50 {rate.p50:6.1f} ms   p99 {rate.p99:6.1f} ms"
            )
        for label, rate in rows[1:]:
            self.stdout.write(f"  {label}: {rate.rate / raw.rate:.0%} of the raw commit rate")
        result = verify_log()
        self.stdout.write(f"verify after the run: {'intact' if result.ok else result.first_break}")

    # --- bench bids -------------------------------------------------------------------------
    def launch_bids(self, options: dict[str, Any]) -> None:
        """Check the target database, create it if missing, and run the benchmark in a fresh
        process whose settings point at it (so the server and the checks see one database)."""
        from spilno.procurement import bench

        url = options["database_url"] or DEFAULT_BENCH_DATABASE
        target = bench.parse_database_url(url)
        if target["ENGINE"].endswith("sqlite3") and not options["allow_sqlite"]:
            raise CommandError(
                "bench bids measures PostgreSQL: SQLite serialises every writer, so its figures "
                "say nothing about the deadline rush. Pass a postgres:// --database-url, or "
                "--allow-sqlite to run it anyway."
            )
        if not target["ENGINE"].endswith(("sqlite3", "postgresql")):
            raise CommandError(f"Unsupported database for bench bids: {url}")
        if bench.same_database(target, settings.DATABASES["default"]):
            raise CommandError(
                "--database-url names the database this installation uses; the benchmark adds "
                "tenders, suppliers and audit entries to it. Give it a database of its own "
                f"(default {DEFAULT_BENCH_DATABASE})."
            )
        for name, low in (("suppliers", 1), ("workers", 1), ("threads", 1), ("clients", 1)):
            if options[name] < low:
                raise CommandError(f"--{name} must be at least {low}.")
        if options["window"] <= 0 or options["grace"] < 0:
            raise CommandError("--window must be positive and --grace not negative.")
        try:
            created = bench.ensure_database(target)
        except Exception as exc:
            raise CommandError(f"Cannot reach or create the benchmark database: {exc}") from exc
        if created:
            self.stdout.write(f"Created database {target['NAME']}.")
        data_dir = Path(options["data_dir"] or Path(settings.DATA_DIR) / "bench").resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        env = bench.child_environment(os.environ, url, data_dir)
        argv = [sys.executable, "-m", "spilno", "bench", "bids", "--in-bench-database"]
        for name in (
            "writers",
            "per_writer",
            "suppliers",
            "bids_per_supplier",
            "workers",
            "threads",
            "window",
            "grace",
            "clients",
            "retry_rate",
            "connection",
        ):
            if options[name] is not None:
                argv += [f"--{name.replace('_', '-')}", str(options[name])]
        self.stdout.flush()
        returncode = subprocess.call(argv, env=env)  # noqa: S603 - our own interpreter and argv
        if returncode:
            raise SystemExit(returncode)

    def run_bids(self, options: dict[str, Any]) -> None:
        from spilno.procurement import bench

        config = bench.Config(
            suppliers=options["suppliers"],
            bids_per_supplier=options["bids_per_supplier"],
            workers=options["workers"],
            threads=options["threads"],
            window=options["window"],
            grace=options["grace"],
            clients=options["clients"],
            retry_rate=options["retry_rate"],
            keep_alive=options["connection"] == "keep-alive",
        )
        writers = options["writers"] or config.workers * config.threads
        outcome = bench.run(
            config, raw_rate=lambda: raw_commit_rate(writers, options["per_writer"])
        )
        if not outcome:
            raise CommandError("bench bids: a check failed (see the table above).")

    # --- bench ocds -------------------------------------------------------------------------
    def bench_ocds(self, options: dict[str, Any]) -> None:
        """The record compiler against ocdskit (:mod:`spilno.transparency.ocds.bench`)."""
        from spilno.transparency.ocds import bench as ocds_bench

        modes = tuple(m.strip() for m in options["modes"].split(",") if m.strip())
        unknown = set(modes) - set(ocds_bench.MODES)
        if unknown or not modes:
            raise CommandError(f"--modes: choose from {', '.join(ocds_bench.MODES)}.")
        if options["releases"] < 4 or not 1 <= options["ocids"] <= options["releases"]:
            raise CommandError("Need --releases ≥ 4 and 1 ≤ --ocids ≤ --releases.")
        config = ocds_bench.Config(
            releases=options["releases"],
            ocids=options["ocids"],
            seed=options["seed"],
            workdir=Path(options["workdir"]) if options["workdir"] else None,
            keep=options["keep"],
            modes=modes,
        )
        if not ocds_bench.run(config, write=self.stdout.write):
            raise CommandError("bench ocds: outputs differ or the sample is invalid (see above).")

    # --- bench portal -----------------------------------------------------------------------
    def bench_portal(self, options: dict[str, Any]) -> None:
        """Public pages with a million contracts (:mod:`spilno.transparency.bench_portal`)."""
        from spilno.transparency import bench_portal

        config = bench_portal.Config(
            contracts=options["contracts"],
            clients=options["clients"],
            duration=options["duration"],
            workers=options["workers"],
            threads=options["threads"],
        )
        if options["in_bench_database"]:
            if not bench_portal.run(config):
                raise CommandError("bench portal: a kind of request failed (see the table).")
            return
        folder = Path(options["data_dir"] or Path(settings.DATA_DIR) / "bench-portal").resolve()
        try:
            returncode = bench_portal.launch(
                config,
                url=options["database_url"] or bench_portal.DEFAULT_DATABASE,
                data_dir=folder,
                keep=options["keep"],
                reuse=options["reuse"],
                configured=settings.DATABASES["default"],
                write=self.stdout.write,
            )
        except bench_portal.Refused as exc:
            raise CommandError(str(exc)) from exc
        if returncode:
            raise SystemExit(returncode)
