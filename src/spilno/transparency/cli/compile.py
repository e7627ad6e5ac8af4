"""``spilno ocds compile IN [IN ...] OUT``: compile OCDS releases into records, streaming.

The merge follows the OCDS 1.1 merge rules, exactly as ``ocdskit compile`` (ocdsmerge) applies
them, and the work streams: memory stays flat however large the input (ADR 0007). See
:mod:`spilno.transparency.ocds.compiler` for how, and ``spilno bench ocds`` for how fast.

Nothing here needs Django, so nothing here imports it: ``spilno ocds compile`` is routed to
:func:`run` by :mod:`spilno.cli` before Django starts (see :func:`spilno.cli.ocds_compile`), and
``python -m spilno.transparency.cli.compile`` (:func:`main`) is the same command under another
name. ``spilno ocds`` (the management command) still lists and dispatches it, for the forms the
console command leaves to Django (``spilno ocds --skip-checks compile …``, ``call_command``).

Exit status: 0 when every release was compiled; 1 when some input could not be read or some
process could not be merged (each is reported on stderr with its file and position, and the
rest is still compiled); 2 when nothing could be done (bad arguments, unwritable output).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from spilno.transparency.ocds import compiler
from spilno.transparency.ocds.merge import MergeError, rules_from_file
from spilno.transparency.ocds.reader import Problem

SHOWN_PROBLEMS = 200

DESCRIPTION = """\
Compile OCDS releases into records: each process's releases (grouped by ocid, in date order)
merged into a compiled release and, with --versioned, a versioned release, by the OCDS 1.1 merge
rules, exactly as ocdskit compile (ocdsmerge) does.

IN: files or directories (release packages, record packages with embedded releases, releases,
JSON Lines, concatenated JSON, gzip), or - for standard input. OUT: a file (.gz: compressed), or
- for standard output. Records come out ordered by ocid; memory stays flat however large the
input (releases are grouped through sorted runs in a temporary folder).
"""

FORMAT_HELP = """\
package (default): one record package; records: one record per line (JSON Lines);
compiled: one compiled release per line (what `ocdskit compile` prints);
versioned: one versioned release per line (`ocdskit compile --versioned`).
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "inputs", nargs="+", metavar="IN", help="Input files or folders; - for stdin."
    )
    parser.add_argument("output", metavar="OUT", help="Output file; - for stdout.")
    parser.add_argument("--format", choices=compiler.FORMATS, default="package", help=FORMAT_HELP)
    parser.add_argument(
        "--versioned",
        action="store_true",
        help="Records also carry a versionedRelease (formats package and records).",
    )
    parser.add_argument(
        "--linked-releases",
        action="store_true",
        help="Records link the releases that came from a package with a uri (url, date, tag) "
        "instead of embedding them.",
    )
    package = parser.add_argument_group("record package metadata (--format package)")
    package.add_argument("--uri", default="", help="The package's uri.")
    package.add_argument(
        "--published-date", default="", help="The package's publishedDate (default: now)."
    )
    package.add_argument(
        "--publisher-name",
        default="",
        help="The publisher's name (default: the first input package's publisher).",
    )
    work = parser.add_argument_group("how the work is done")
    work.add_argument(
        "--schema",
        type=Path,
        default=None,
        help="A patched release schema (with extensions) to take merge rules from "
        "(default: the vendored OCDS 1.1.5 release schema; never downloaded).",
    )
    work.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Worker processes merging in parallel; 0: all in this process "
        "(default: 2 for inputs of 20,000 releases or more, when there are 2 cores).",
    )
    work.add_argument(
        "--memory",
        type=int,
        default=16,
        metavar="MB",
        help="Memory for grouping releases by ocid before a sorted run of them is written to "
        "disk (default 16 MB; the releases themselves are never held).",
    )
    work.add_argument(
        "--tmpdir", default=None, help="Folder for the sorted runs (default: the system's)."
    )
    work.add_argument("--quiet", action="store_true", help="No progress bar, no summary.")


class _Bars(compiler.Progress):
    """Rich progress bars on stderr: bytes read, then releases compiled."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def reading(self, total_bytes: int) -> None:
        self.task = self.progress.add_task(
            "Reading and grouping", total=total_bytes or None, kind="bytes"
        )

    def read(self, count: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, count)

    def compiling(self, total_releases: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[0].total or 0)
        self.task = self.progress.add_task("Merging", total=total_releases, kind="releases")

    def compiled(self, count: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, count)


class _Amount(TextColumn):
    """Bytes for the reading bar, releases for the merging bar."""

    def __init__(self) -> None:
        super().__init__("")
        self.bytes = DownloadColumn()
        self.count = MofNCompleteColumn()

    def render(self, task: Any) -> Any:
        column = self.bytes if task.fields.get("kind") == "bytes" else self.count
        return column.render(task)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        _Amount(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@contextlib.contextmanager
def _inputs(given: list[str], folder: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    """The input paths, with ``-`` spooled from stdin to a file (the compiler reads files)."""
    paths: list[str] = []
    names: dict[str, str] = {}
    for value in given:
        if value == "-":
            spool = folder / "stdin.json"
            with spool.open("wb") as handle:
                shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
            paths.append(str(spool))
            names[str(spool)] = "<stdin>"
        else:
            paths.append(value)
    yield paths, names


@contextlib.contextmanager
def _output(target: str) -> Iterator[BinaryIO]:
    """Standard output, or a file written under a temporary name and renamed when complete
    (so a failed run never leaves a half-written file behind a good name)."""
    if target == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(target)
    part = path.with_name(f".{path.name}.part")
    raw: IO[bytes] = part.open("wb")
    try:
        handle: Any = (
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6)
            if (path.suffix == ".gz")
            else raw
        )
        try:
            yield handle
        finally:
            if handle is not raw:
                handle.close()
        raw.close()
        part.replace(path)
    except BaseException:
        raw.close()
        part.unlink(missing_ok=True)
        raise


def run(options: dict[str, Any]) -> int:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    settings = compiler.CompileOptions(
        format=options["format"],
        versioned=options["versioned"],
        linked_releases=options["linked_releases"],
        uri=options["uri"],
        published_date=options["published_date"],
        publisher_name=options["publisher_name"],
        schema=str(options["schema"]) if options["schema"] else None,
        workers=options["workers"],
        memory=max(1, options["memory"]) * 1024 * 1024,
        tempdir=options["tmpdir"],
    )
    if settings.schema:
        try:
            rules_from_file(settings.schema)
        except (OSError, ValueError, MergeError) as error:
            err.print(f"Cannot use the schema {settings.schema}: {error}")
            return 2
    if options["inputs"].count("-") > 1:
        err.print("Standard input (-) can be read once only.")
        return 2
    if options["output"] != "-" and Path(options["output"]).is_dir():
        err.print(f"{options['output']} is a folder; give a file name (or - for stdout).")
        return 2
    shown = 0

    def report(problem: Problem) -> None:
        nonlocal shown
        shown += 1
        if shown <= SHOWN_PROBLEMS:
            note = "note: " if isinstance(problem, compiler.Note) else ""
            err.print(f"{problem.path}: {problem.position}: {note}{problem.message}", markup=False)

    quiet = options["quiet"]
    try:
        with (
            tempfile.TemporaryDirectory(prefix="spilno-stdin-", dir=settings.tempdir) as spool,
            _inputs(options["inputs"], Path(spool)) as (paths, names),
            _output(options["output"]) as out,
            contextlib.nullcontext(None) if quiet else _progress(err) as bars,
        ):
            result = compiler.compile_paths(
                paths,
                out,
                settings,
                on_problem=report,
                progress=_Bars(bars) if bars is not None else None,
                names=names,
            )
    except compiler.WorkerError as error:
        err.print(f"Compilation failed: {error}", markup=False)
        return 2
    except OSError as error:
        err.print(f"Cannot read or write: {error}", markup=False)
        return 2
    except KeyboardInterrupt:
        err.print("Interrupted; nothing written.")
        return 130
    if shown > SHOWN_PROBLEMS:
        err.print(f"… and {shown - SHOWN_PROBLEMS} more.")
    if not quiet:
        what = {"compiled": "compiled releases", "versioned": "versioned releases"}.get(
            settings.format, "records"
        )
        summary = (
            f"{result.releases} release(s) from {result.files} file(s) → "
            f"{result.records} {what} in {options['output']}"
        )
        if result.runs:
            summary += f" ({result.runs} sorted runs spilled to disk)"
        if result.problems:
            summary += f"; {result.problems} problem(s) reported above"
        err.print(summary, markup=False)
    return 1 if result.problems else 0


PROG = "python -m spilno.transparency.cli.compile"


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The command's parser, standing alone (``spilno ocds compile`` passes its own name)."""
    standalone = argparse.ArgumentParser(prog=prog)
    configure(standalone)
    return standalone


def main(argv: list[str] | None = None) -> int:
    """``python -m spilno.transparency.cli.compile IN... OUT``: the command under its module's
    name, for scripts that prefer it; ``spilno ocds compile`` runs the same code."""
    return run(vars(parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
