"""``spilno bench bids`` end to end with tiny numbers: a smoke test, not a measurement.

It runs the real thing (gunicorn, client processes, the checks) for a one-second window on the
kind of database the suite uses: a throwaway database on the same PostgreSQL server, or an
SQLite file in a temporary folder. Never the test database itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings


def _database_url(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}", ["--allow-sqlite"]
        return
    import psycopg
    from psycopg import sql

    name = f"spilno_bench_smoke_{os.getpid()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    yield f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}", []
    with psycopg.connect(
        dbname="postgres",
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    ) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def bench_database(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    yield from _database_url(tmp_path)


def test_bench_bids_smoke(tmp_path: Path, bench_database: Any) -> None:
    url, extra = bench_database
    env = {**os.environ, "SPILNO_DATA_DIR": str(tmp_path / "data")}
    env.pop("SPILNO_DEBUG", None)
    argv = [sys.executable, "-m", "spilno", "bench", "bids", "--database-url", url, *extra]
    argv += ["--suppliers", "3", "--window", "1", "--grace", "0.5", "--workers", "1"]
    argv += ["--threads", "2", "--clients", "1", "--writers", "2", "--per-writer", "10"]
    argv += ["--data-dir", str(tmp_path / "bench")]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for check in ("no lost bids", "no bid after the deadline", "idempotent retries"):
        line = next(line for line in output.splitlines() if check in line)
        assert "PASS" in line, output
    assert "FAIL" not in output
    assert "bids/s" in output
