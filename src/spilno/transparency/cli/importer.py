"""``spilno ocds import PATH...``: import OCDS data into the analytics store (DuckDB).

Reads release packages, record packages, JSON Lines, gzip and directories of them, streaming,
into ``SPILNO_ANALYTICS_DIR/ocds.duckdb`` (see :mod:`spilno.transparency.ocds.store` and ADR 0008).
A progress bar (bytes read of the total) goes to stderr; the report to stdout: files, items read,
imported, duplicates, unchanged, rejected, and each rejection (file, position, reason) — the first
``--show`` of them, all of them into ``--report FILE`` (``.csv`` or ``.json``).

Exit status: 0 when everything was imported (or already there), 1 when anything was rejected,
2 on a fatal error (nothing of the run is kept).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from spilno.transparency.ocds.reader import Item, Problem, iter_files
from spilno.transparency.ocds.store import DATABASE, Importer, Report, connect, rejections


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or directories.")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="Write every rejection to FILE (.csv, or .json for a JSON array).",
    )
    parser.add_argument(
        "--show",
        type=int,
        default=50,
        metavar="N",
        help="Print the first N rejections (default 50).",
    )
    parser.add_argument(
        "--database",
        type=Path,
        metavar="FILE",
        help="The DuckDB file (default: SPILNO_ANALYTICS_DIR/ocds.duckdb).",
    )


def database_path(options: dict[str, Any]) -> Path:
    return Path(options.get("database") or Path(settings.SPILNO_ANALYTICS_DIR) / DATABASE)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[items]} items"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def run(options: dict[str, Any]) -> int:
    paths = [str(p) for p in options["paths"]]
    database = database_path(options)
    out = sys.stdout
    err = Console(stderr=True)
    total = 0
    for path in iter_files(paths):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    counted = 0
    try:
        with _progress(err) as progress:
            task = progress.add_task("Importing", total=total or None, items=0)

            def on_read(size: int) -> None:
                progress.advance(task, size)

            def on_item(result: Item | Problem) -> None:
                nonlocal counted
                counted += 1
                if counted % 1000 == 0:
                    progress.update(task, items=counted)

            report = Importer(database).run(paths, on_read=on_read, on_item=on_item)
    except KeyboardInterrupt:
        err.print("[red]Interrupted: nothing of this run was imported.[/red]")
        return 2
    except (duckdb.Error, OSError) as error:
        err.print(f"[red]Import failed, nothing of this run was imported: {error}[/red]")
        return 2
    _print_report(report, database, options, out)
    return 1 if report.rejected else 0


def _print_report(report: Report, database: Path, options: dict[str, Any], out: Any) -> None:
    rate = report.items / report.seconds if report.seconds else 0.0
    out.write(
        f"Import run {report.run_id} into {database}: {report.files} file(s), "
        f"{report.items} item(s) read in {report.seconds:.1f} s ({rate:,.0f}/s).\n"
        f"  imported   {report.imported}\n"
        f"  duplicates {report.duplicates} (identical copies in the input, skipped)\n"
        f"  unchanged  {report.unchanged} (already in the store)\n"
        f"  rejected   {report.rejected}\n"
    )
    if report.skipped_files:
        out.write(f"  skipped    {report.skipped_files} file(s) that are not JSON:\n")
        for skipped in report.skipped[:10]:
            out.write(f"    {skipped.path}\n")
    if report.notes:
        out.write(f"Dates normalised ({report.normalised_dates}):\n")
        for note, count in report.notes.most_common():
            out.write(f"  {count:>7}  {note}\n")
    if not report.rejected or report.run_id is None:
        return
    show = options.get("show")
    show = 50 if show is None else max(0, int(show))
    target = options.get("report")
    connection = connect(database, read_only=True)
    try:
        if show:
            out.write("Rejected:\n")
        shown = 0
        for file, position, reason in rejections(connection, report.run_id):
            if shown >= show:
                break
            out.write(f"  {file}: {position}: {reason}\n")
            shown += 1
        if report.rejected > shown:
            more = report.rejected - shown
            hint = f"all of them are in {target}" if target else "use --report FILE for all"
            out.write(f"  … and {more} more ({hint}; table rejections, run_id {report.run_id})\n")
        if target:
            _write_rejections(connection, report.run_id, Path(target))
    finally:
        connection.close()


def _write_rejections(connection: duckdb.DuckDBPyConnection, run_id: int, target: Path) -> None:
    rows = rejections(connection, run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        if target.suffix.lower() == ".json":
            handle.write("[")
            for index, (file, position, reason) in enumerate(rows):
                record = {"file": file, "position": position, "reason": reason}
                handle.write(("\n" if index == 0 else ",\n") + json.dumps(record))
            handle.write("\n]\n")
        else:
            writer = csv.writer(handle)
            writer.writerow(["file", "position", "reason"])
            writer.writerows(rows)
