"""``spilno bench portal`` end to end with tiny numbers: a smoke test, not a measurement.

It runs the real thing (COPY into a fresh database, gunicorn, client threads, EXPLAIN) with 2,000
contracts for a few seconds, on a throwaway database of the PostgreSQL server the suite uses, or
of the one answering on 127.0.0.1:5432 when the suite runs on SQLite. The benchmark loads its
data with COPY and prints PostgreSQL plans, so it has no SQLite mode: without any PostgreSQL it
is skipped, as ``./run test`` then skips its whole PostgreSQL pass (CI always has one).
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

from spilno.transparency.bench_portal import request_kinds

LOCAL = {"HOST": "127.0.0.1", "PORT": "5432", "USER": "postgres", "PASSWORD": ""}


def _server() -> dict[str, Any] | None:
    """The PostgreSQL server to make the throwaway database on (None: none answers)."""
    import psycopg

    db = settings.DATABASES["default"]
    server = db if db["ENGINE"].endswith("postgresql") else LOCAL
    try:
        psycopg.connect(
            dbname="postgres",
            host=server["HOST"] or None,
            port=server["PORT"] or None,
            user=server["USER"] or None,
            password=server.get("PASSWORD") or None,
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError:
        return None
    return server


@pytest.fixture
def bench_database() -> Iterator[str]:
    server = _server()
    if server is None:
        pytest.skip("no PostgreSQL answers (bench portal loads with COPY, prints its plans)")
    import psycopg
    from psycopg import sql

    name = f"spilno_bench_portal_smoke_{os.getpid()}"
    auth = server["USER"] + (f":{server['PASSWORD']}" if server.get("PASSWORD") else "")
    yield f"postgres://{auth}@{server['HOST'] or 'localhost'}:{server['PORT'] or 5432}/{name}"
    with psycopg.connect(
        dbname="postgres",
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"] or None,
        password=server.get("PASSWORD") or None,
        autocommit=True,
    ) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def test_bench_portal_smoke(tmp_path: Path, bench_database: str) -> None:
    env = {**os.environ, "SPILNO_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "160"}
    env.pop("SPILNO_DEBUG", None)
    argv = [sys.executable, "-m", "spilno", "bench", "portal", "--database-url", bench_database]
    argv += ["--contracts", "2000", "--clients", "2", "--duration", "3", "--workers", "1"]
    argv += ["--threads", "2", "--data-dir", str(tmp_path / "bench")]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) == 8:
            rows[cells[0]] = cells
    for kind in request_kinds():
        assert kind.name in rows, f"{kind.name} missing:\n{output}"
        requests, errors = rows[kind.name][1], rows[kind.name][6]
        assert int(requests) > 0, f"{kind.name} not measured:\n{output}"
        assert errors == "0", f"{kind.name}: {rows[kind.name]}\n{output}"
    assert "requests/s" in output
    assert "EXPLAIN (ANALYZE" in output
    assert "pubcontract_" in output
    assert "bench portal: OK" in output
    assert "dropped spilno_bench_portal_smoke_" in output  # the benchmark cleans up after itself
