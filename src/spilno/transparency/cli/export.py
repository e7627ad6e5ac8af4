"""``spilno ocds export``: write the published releases as bulk files.

Writes, into the bulk folder (``SPILNO_BULK_DIR``, served at /api/v1/ocds/bulk/):

- ``releases.jsonl.gz``: one published release per line, in feed order;
- ``release-package.json.gz``: the same releases in one OCDS release package;
- ``records.jsonl.gz``: one record per process (releases, compiled and versioned release).

Each file is written to a temporary name and renamed when complete, so a reader never downloads
a half-written file. Streaming: memory does not grow with the number of releases.
"""

from __future__ import annotations

import argparse
import gzip
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from rich.console import Console
from rich.progress import Progress

from spilno.transparency import packages
from spilno.transparency.models import Release

BATCH = 2000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="Folder to write to (default: the bulk folder served at /api/v1/ocds/bulk/).",
    )


def published_payloads() -> Iterator[tuple[str, dict[str, Any]]]:
    """(ocid, release) of every published release in feed order, a batch at a time."""
    after = 0
    while True:
        rows = list(
            Release.objects.filter(seq__gt=after)
            .order_by("seq")
            .values_list("seq", "process__ocid", "payload")[:BATCH]
        )
        if not rows:
            return
        for seq, ocid, payload in rows:
            after = seq or after
            yield ocid, payload


class _Atomic:
    """A gzip file written under a temporary name, renamed into place on success."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.part")

    def __enter__(self) -> gzip.GzipFile:
        self.handle = gzip.GzipFile(self.tmp, "wb", compresslevel=6)
        return self.handle

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.handle.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def export(folder: Path, progress: Progress | None = None) -> dict[str, int]:
    """Write the three bulk files into ``folder``; returns how many releases and records."""
    folder.mkdir(parents=True, exist_ok=True)
    total = Release.objects.filter(seq__isnull=False).count()
    task = progress.add_task("Exporting releases", total=total * 2) if progress else None
    uri = packages.public_url("/api/v1/ocds/bulk/release-package.json.gz")
    head = orjson.dumps(packages.release_package([], uri))[:-2]  # drop the closing `]}`
    releases = 0
    with (
        _Atomic(folder / "releases.jsonl.gz") as lines,
        _Atomic(folder / "release-package.json.gz") as package,
    ):
        package.write(head)
        for _ocid, payload in published_payloads():
            data = orjson.dumps(payload)
            lines.write(data + b"\n")
            package.write((b"," if releases else b"") + data)
            releases += 1
            if progress and task is not None:
                progress.advance(task)
        package.write(b"]}")
    records = 0
    with _Atomic(folder / "records.jsonl.gz") as out:
        current: str | None = None
        group: list[dict[str, Any]] = []
        for ocid, payload in sorted_by_process():
            if ocid != current and group:
                out.write(orjson.dumps(packages.record(current or "", group)) + b"\n")
                records += 1
                group = []
            current = ocid
            group.append(payload)
            if progress and task is not None:
                progress.advance(task)
        if group:
            out.write(orjson.dumps(packages.record(current or "", group)) + b"\n")
            records += 1
    return {"releases": releases, "records": records}


def sorted_by_process() -> Iterator[tuple[str, dict[str, Any]]]:
    """Published releases grouped by process (feed order within each), a process at a time."""
    after = 0
    while True:
        ids = list(
            Release.objects.filter(seq__isnull=False, process_id__gt=after)
            .order_by("process_id")
            .values_list("process_id", flat=True)
            .distinct()[:BATCH]
        )
        if not ids:
            return
        for process_id in ids:
            rows = Release.objects.filter(process_id=process_id, seq__isnull=False).order_by("seq")
            yield from rows.values_list("process__ocid", "payload")
        after = ids[-1]


def run(options: dict[str, Any]) -> int:
    folder = options["out"] or Path(settings.SPILNO_BULK_DIR)
    console = Console(stderr=True)
    with Progress(console=console, transient=True) as progress:
        counts = export(folder, progress)
    console.print(
        f"Wrote {counts['releases']} releases and {counts['records']} records to {folder}: "
        "releases.jsonl.gz, release-package.json.gz, records.jsonl.gz"
    )
    return 0
