"""``spilno bench ocds`` end to end with tiny numbers: a smoke test, not a measurement.

It runs the real thing: generates and validates a feed, runs ``ocdskit compile`` and
``spilno ocds compile`` as processes at three sizes in both modes, and compares their outputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_bench_ocds_reports_identical_outputs(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spilno",
            "bench",
            "ocds",
            "--releases",
            "2000",
            "--ocids",
            "500",
            "--workdir",
            str(tmp_path / "bench"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "valid against the OCDS 1.1.5 release package schema" in out
    for mode in ("== compiled:", "== records:"):
        assert mode in out
    assert out.count("identical: 500 records, byte for byte") == 2  # 2 modes × spilno
    # the console command, which no longer starts Django: no separate "lean" row
    assert out.count("spilno ocds compile") == 2
    assert "not measured apart" in out
    assert "   lean " not in out
    assert "DIFFERENT" not in out
    assert "All outputs identical." in out
    assert not any((tmp_path / "bench").iterdir())  # outputs removed (no --keep)
