"""Smoke test of the `spilno` console entry point in a fresh process with its own SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from spilno.audit.triggers import drop_sql


@pytest.fixture
def spilno(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SPILNO_"))}
    env["SPILNO_DATA_DIR"] = str(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "spilno", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run


def test_demo_then_verify_then_tamper(
    spilno: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    demo = spilno("demo")
    assert demo.returncode == 0, demo.stderr
    assert "Demo world created." in demo.stdout
    database = tmp_path / "spilno.sqlite3"
    assert database.exists()

    again = spilno("demo")
    assert again.returncode == 0, again.stderr
    assert "Demo world already present." in again.stdout

    verify = spilno("audit", "verify")
    assert verify.returncode == 0, verify.stderr
    with sqlite3.connect(database) as db:
        (entries,) = db.execute("SELECT COUNT(*) FROM audit_auditentry").fetchone()
    assert entries > 100  # organisations, agreements, users, requirements, tenders, bids, …
    assert f"Audit log intact: {entries} entries" in verify.stdout

    out = tmp_path / "cp.json"
    checkpoint = spilno("audit", "checkpoint", "--out", str(out))
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["payload"]["entries"] == entries
    assert (tmp_path / "keys" / "audit-ed25519.pem").exists()

    with sqlite3.connect(database) as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE audit_auditentry SET actor = 'mallory' WHERE id = 3")
        for statement in drop_sql("sqlite", "audit_auditentry"):
            db.execute(statement)
        db.execute("UPDATE audit_auditentry SET actor = 'mallory' WHERE id = 3")
    db.close()

    broken = spilno("audit", "verify")
    assert broken.returncode == 1
    assert "Audit log BROKEN at entry #3 " in broken.stderr
