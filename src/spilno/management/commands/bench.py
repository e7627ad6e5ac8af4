"""``spilno bench audit``: how fast can concurrent writers append to the audit log?

Runs W writer threads, each committing N transactions of one audit entry, first with every
writer forced onto one chain (a single global chain), then spread over all streams; prints
commits per second and p50/p99 latency for both, plus the raw single-row durable commit rate of
the same database. A benchmark, not a test: run it on PostgreSQL (set DATABASE_URL).
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, transaction

from spilno.audit.services.record import record
from spilno.audit.services.verify import verify_log
from spilno.kernel.access import SystemActor


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


class Command(BaseCommand):
    help = "Benchmarks (not tests). `spilno bench audit`: concurrent audit-log writers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["audit"])
        parser.add_argument("--writers", type=int, default=16)
        parser.add_argument("--per-writer", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Run this benchmark on PostgreSQL: set DATABASE_URL.")
        writers, per = options["writers"], options["per_writer"]
        actor = SystemActor()

        def raw_commit(i: int) -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO spilno_bench_raw (n) VALUES (%s)", [i])

        def audit_commit(i: int) -> None:
            with transaction.atomic():
                record(actor=actor, action="bench.write", object_type="bench", object_id=str(i))

        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS spilno_bench_raw (n integer)")
        self.stdout.write(
            f"{writers} writers × {per} commits each, {connection.settings_dict['NAME']}"
        )
        rows = []
        for label, work, streams in (
            ("raw single-row commit", raw_commit, settings.SPILNO_AUDIT_STREAMS),
            ("audit, one global chain", audit_commit, 1),
            (
                f"audit, {settings.SPILNO_AUDIT_STREAMS} streams",
                audit_commit,
                settings.SPILNO_AUDIT_STREAMS,
            ),
        ):
            original = settings.SPILNO_AUDIT_STREAMS
            settings.SPILNO_AUDIT_STREAMS = streams
            try:
                wall, latencies = _writers(writers, per, work)
            finally:
                settings.SPILNO_AUDIT_STREAMS = original
            latencies.sort()
            rate = len(latencies) / wall
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
            rows.append((label, rate, p50, p99))
            self.stdout.write(
                f"  {label:<28} {rate:8.0f} commits/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
            )
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE spilno_bench_raw")
        raw = rows[0][1]
        for label, rate, _p50, _p99 in rows[1:]:
            self.stdout.write(f"  {label}: {rate / raw:.0%} of the raw commit rate")
        result = verify_log()
        self.stdout.write(f"verify after the run: {'intact' if result.ok else result.first_break}")
