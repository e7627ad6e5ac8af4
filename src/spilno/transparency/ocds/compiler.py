"""Compile a whole input of OCDS releases into records, streaming, in memory that stays flat.

Two phases (ADR 0007):

1. **Group.** Every release becomes a small *entry*: its ocid, its place in the input (``seq``)
   and where its JSON bytes lie (a file, an offset, a length). Releases of JSON Lines files
   stay where they are; others (from packages, records, gzip) are appended to a spool file in
   a temporary folder. Entries are kept in a buffer of at most ``memory`` bytes; a full buffer
   is sorted by ``(ocid, seq)`` and spilled as a *run*. ``seq`` keeps the input order of one
   process's releases (the merge's tie-break for equal dates, as in ``ocdskit compile``). An
   input whose entries fit the buffer never writes a run; an input already sorted by ocid gets
   its runs concatenated instead of merged.
2. **Merge.** The runs are merged (a heap over one small chunk per run; more than
   :data:`FAN_IN` runs are merged in passes first); consecutive entries of one ocid form a
   process; batches of processes go to worker processes, which read the releases' bytes,
   parse, merge (:mod:`spilno.transparency.ocds.merge`) and serialise. Output comes back in
   order and is written as it comes.

Input: anything :func:`spilno.transparency.ocds.reader.iter_items` reads (release and record
packages, records with embedded releases, releases, directories, gzip, odd encodings). JSON
Lines files whose first line is a release take a dedicated fast path: the ocid is read from the
start of each line (``{"ocid":"…"``, where OCDS data puts it) and the line is parsed once, in a
worker, which checks it. A line that does not start so is parsed on the spot; if it holds a
package or a record, the whole file goes to the reader instead.

Output (:data:`FORMATS`): a record package (default), records as JSON Lines, or compiled or
versioned releases as JSON Lines, ordered by ocid, as ``ocdskit compile`` orders them. No
Django here: the workers are plain Python processes.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import gzip
import heapq
import io
import itertools
import mmap
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

import orjson

from spilno.transparency.ocds.merge import MergeError, Merger, rules_from_file, standard_rules
from spilno.transparency.ocds.reader import Item, Problem, iter_files, iter_items

FORMATS = ("package", "records", "compiled", "versioned")
#: Runs merged at once; more are merged in passes, so memory does not grow with the input.
FAN_IN = 32
#: Entries per chunk of a run file (what the merge holds per run).
CHUNK_ENTRIES = 2048
#: Releases merged between two progress reports.
PROGRESS_EVERY = 512
#: Below this much input the work stays in this process (starting workers costs more).
PARALLEL_BYTES = 32 * 1024 * 1024
#: What an entry costs in the buffer (the tuple, its strings and ints).
ENTRY_BYTES = 360
#: Bytes of a JSON Lines file scanned between two releases of its mapped pages.
READ_BYTES = 4 * 1024 * 1024

_LINES_SUFFIXES = (".jsonl", ".ndjson")
# The ocid at the start of a line: the first member of the release object.
_LEADING_OCID = re.compile(rb'[ \t]*\{[ \t]*"ocid"[ \t]*:[ \t]*"([^"\\]*)"')
_CONTAINERS = ("releases", "records", "compiledRelease", "versionedRelease")
# What makes an object with an ocid a record, not a release (the reader's rule).
_RECORD_MEMBERS = ("releases", "compiledRelease", "versionedRelease")

# (ocid, seq, source, offset, length, file, where, package uri, checked): ``source`` numbers
# the file holding the release's bytes, ``file`` the input file named in messages, ``where``
# is a line number (int) or a position (str); ``checked`` is False on the fast path (the
# worker still has to check that the line is a release with that ocid).
Entry = tuple[str, int, int, int, int, int, int | str, int, bool]


@dataclass
class CompileOptions:
    """What to write and how to work. Defaults suit a laptop and a national feed."""

    format: str = "package"
    versioned: bool = False  # records carry versionedRelease too
    linked_releases: bool = False  # records link releases from packages that have a uri
    uri: str = ""
    published_date: str = ""  # default: now
    publisher_name: str = ""  # default: the first input package's publisher
    schema: str | None = None  # a patched release schema; default the vendored OCDS 1.1.5
    workers: int | None = None  # None: 2 when the input is large and there are 2 cores
    memory: int = 16 * 1024 * 1024  # bytes of entries held before spilling a run
    tempdir: str | None = None


@dataclass
class Report:
    """What a compilation did."""

    files: int = 0
    releases: int = 0
    records: int = 0
    problems: int = 0
    linked_only: int = 0  # linked releases seen in records (a Note: nothing to compile)
    runs: int = 0  # sorted runs written (0: every entry fit in memory)
    presorted: bool = True  # the input came sorted by ocid
    workers: int = 0
    fallbacks: int = 0  # processes the direct merge handed to the path merge


class Progress:
    """Hooks a caller may override to show progress (the CLI draws rich bars)."""

    def reading(self, total_bytes: int) -> None: ...

    def read(self, count: int) -> None: ...

    def compiling(self, total_releases: int) -> None: ...

    def compiled(self, count: int) -> None: ...


class Note(Problem):
    """Something worth saying that is not an error (linked releases: nothing to compile)."""


def _position(where: int | str) -> str:
    return f"line {where}" if isinstance(where, int) else where


@dataclass
class _Packages:
    """Metadata of the input packages, for the output package."""

    publisher: dict[str, Any] | None = None
    license: Any = None
    policy: Any = None
    extensions: dict[str, None] = field(default_factory=dict)
    uris: dict[str, int] = field(default_factory=dict)  # package uri → number
    last: int | None = None

    def see(self, package: dict[str, Any] | None) -> int:
        """Note a package once; returns its uri number (-1: none)."""
        if package is None:
            return -1
        if id(package) != self.last:
            self.last = id(package)
            if self.publisher is None and isinstance(package.get("publisher"), dict):
                self.publisher = package["publisher"]
            if self.license is None:
                self.license = package.get("license")
            if self.policy is None:
                self.policy = package.get("publicationPolicy")
            extensions = package.get("extensions")
            if isinstance(extensions, list):
                self.extensions.update(dict.fromkeys(e for e in extensions if isinstance(e, str)))
        uri = package.get("uri")
        if not isinstance(uri, str) or not uri:
            return -1
        return self.uris.setdefault(uri, len(self.uris))


@dataclass(frozen=True)
class _Run:
    """A sorted run on disk: pickled chunks of entries, and where each chunk starts."""

    path: str
    firsts: tuple[str, ...]  # the first ocid of each chunk
    offsets: tuple[int, ...]  # the file offset of each chunk
    count: int


def _write_run(path: Path, entries: Iterable[Entry]) -> _Run:
    firsts: list[str] = []
    offsets: list[int] = []
    count = 0
    with path.open("wb") as handle:
        chunk: list[Entry] = []

        def flush() -> None:
            firsts.append(chunk[0][0])
            offsets.append(handle.tell())
            pickle.dump(chunk, handle, protocol=pickle.HIGHEST_PROTOCOL)

        for entry in entries:
            chunk.append(entry)
            count += 1
            if len(chunk) >= CHUNK_ENTRIES:
                flush()
                chunk = []
        if chunk:
            flush()
    return _Run(str(path), tuple(firsts), tuple(offsets), count)


def _read_run(run: _Run, low: str | None = None, high: str | None = None) -> Iterator[Entry]:
    """The entries of a run with ``low <= ocid < high`` (None: unbounded), reading only the
    chunks that may hold them."""
    start = 0
    if low is not None:
        # the chunk before the first one starting at ``low`` may end with entries of ``low``
        start = max(0, bisect.bisect_left(run.firsts, low) - 1)
    if start >= len(run.offsets):
        return
    with open(run.path, "rb") as handle:
        handle.seek(run.offsets[start])
        for _ in range(start, len(run.offsets)):
            chunk: list[Entry] = pickle.load(handle)  # noqa: S301 - our own temporary file
            for entry in chunk:
                if low is not None and entry[0] < low:
                    continue
                if high is not None and entry[0] >= high:
                    return
                yield entry


def _merged(
    runs: list[_Run],
    low: str | None,
    high: str | None,
    presorted: bool,
    dropped: frozenset[int],
) -> Iterator[Entry]:
    """Every entry of ``runs`` in ``[low, high)``, in ``(ocid, seq)`` order."""
    streams = [_read_run(run, low, high) for run in runs]
    entries = itertools.chain(*streams) if presorted else heapq.merge(*streams)
    if dropped:
        return (entry for entry in entries if entry[5] not in dropped)
    return entries


class _Grouper:
    """Phase 1: entries into sorted runs (kept in memory while they fit)."""

    def __init__(self, folder: Path, memory: int) -> None:
        self.folder = folder
        self.limit = max(1, memory // ENTRY_BYTES)
        self.buffer: list[Entry] = []
        self.runs: list[_Run] = []
        self.spilled = 0  # runs written from the buffer
        self.seq = 0
        self.previous = ""
        self.presorted = True
        self.dropped_files: set[int] = set()  # files the fast path handed to the reader

    def add(
        self,
        ocid: str,
        source: int,
        offset: int,
        length: int,
        file_no: int,
        where: int | str,
        uri_no: int,
        checked: bool,
    ) -> None:
        self.seq += 1
        if ocid < self.previous:
            self.presorted = False
        self.previous = ocid
        self.buffer.append(
            (ocid, self.seq, source, offset, length, file_no, where, uri_no, checked)
        )
        if len(self.buffer) >= self.limit:
            self.spill()

    def drop(self, file_no: int) -> None:
        """Forget what was taken from a file (the reader reads it again)."""
        self.dropped_files.add(file_no)
        self.buffer = [entry for entry in self.buffer if entry[5] != file_no]

    def spill(self) -> None:
        if not self.buffer:
            return
        if not self.presorted:
            self.buffer.sort()
        path = self.folder / f"run-{self.spilled:05d}"
        self.runs.append(_write_run(path, self.buffer))
        self.spilled += 1
        self.buffer = []

    def count(self) -> int:
        """Entries so far (those of dropped files included)."""
        return self.seq

    def in_memory(self) -> list[Entry] | None:
        """All entries, sorted, if no run was written (then no disk is needed at all)."""
        if self.runs:
            return None
        self.buffer.sort()
        dropped = self.dropped_files
        return [e for e in self.buffer if e[5] not in dropped] if dropped else self.buffer

    def finish(self) -> list[_Run]:
        """Every entry in runs on disk, at most :data:`FAN_IN` of them."""
        self.spill()
        while len(self.runs) > FAN_IN:
            merged: list[_Run] = []
            for start in range(0, len(self.runs), FAN_IN):
                group = self.runs[start : start + FAN_IN]
                path = self.folder / f"pass-{self.seq}-{start:05d}"
                entries = _merged(group, None, None, self.presorted, frozenset())
                merged.append(_write_run(path, entries))
                for used in group:
                    os.unlink(used.path)
            self.runs = merged
        return self.runs


def _split(runs: list[_Run], parts: int) -> list[str | None]:
    """Boundaries of up to ``parts`` ocid ranges holding about as many releases each, from the
    runs' chunk index: ``[None, b1, …, None]``, range ``i`` being ``[b_i, b_i+1)``."""
    marks = sorted(
        (first, min(CHUNK_ENTRIES, run.count - n * CHUNK_ENTRIES))
        for run in runs
        for n, first in enumerate(run.firsts)
    )
    total = sum(count for _, count in marks)
    bounds: list[str | None] = [None]
    seen = 0
    for first, count in marks:
        last = bounds[-1]
        if (
            len(bounds) < parts
            and seen
            and seen >= total * len(bounds) / parts
            and (last is None or first > last)
        ):
            bounds.append(first)
        seen += count
    bounds.append(None)
    return bounds


# --- phase 1: reading -------------------------------------------------------------------------


class _Abandon(Exception):
    """A JSON Lines file holds more than releases: the reader takes it over."""


def _gzipped(path: Path) -> bool:
    with path.open("rb") as probe:
        return probe.read(2) == b"\x1f\x8b"


def _first_release_line(path: Path) -> bool:
    """Whether ``path`` is JSON Lines whose first line is a release (by name, or by a first
    line that is a whole JSON object with more lines after it: the reader's rule). UTF-8 only:
    anything else is left to the reader."""
    name = path.name.lower().removesuffix(".gz")
    try:
        gzipped = _gzipped(path)
        with gzip.GzipFile(path, "rb") if gzipped else path.open("rb") as handle:
            head = handle.read(4)
            if head.startswith(b"\xef\xbb\xbf") or b"\0" in head:
                return False
            first = head + handle.readline()
            while not first.strip():
                first = handle.readline()
                if not first:
                    return False
            try:
                value = orjson.loads(first)
            except orjson.JSONDecodeError:
                return False
            if not isinstance(value, dict) or any(key in value for key in _CONTAINERS):
                return False
            if name.endswith(_LINES_SUFFIXES):
                return True
            return any(line.strip() for line in itertools.islice(handle, 100))
    except (OSError, EOFError, gzip.BadGzipFile):
        return False


class _Reading:
    """Phase 1 over every input: the fast path for JSON Lines, the reader for the rest."""

    def __init__(
        self,
        grouper: _Grouper,
        folder: Path,
        packages: _Packages,
        report: Report,
        on_problem: Callable[[Problem], None],
        progress: Progress,
        names: dict[str, str],
    ) -> None:
        self.grouper = grouper
        self.packages = packages
        self.report = report
        self.on_problem = on_problem
        self.progress = progress
        self.names = names  # spooled stdin → "<stdin>"
        self.files: list[str] = []  # input files, by number (for messages)
        self.sources: list[str] = []  # files holding release bytes, by number
        self.spool_path = folder / "releases.spool"
        self.spool: IO[bytes] | None = None
        self.spool_source = -1

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()

    def name(self, path: str | Path) -> str:
        return self.names.get(str(path), str(path))

    def problem(self, file_no: int, where: int | str, message: str) -> None:
        self.report.problems += 1
        self.on_problem(Problem(self.files[file_no], _position(where), message))

    def run(self, paths: list[str]) -> None:
        for given in paths:
            path = Path(given)
            if path.is_dir():
                for found in iter_files([path]):
                    self.file(found)
            else:
                self.file(path)

    def number(self, path: Path) -> int:
        self.files.append(self.name(path))
        return len(self.files) - 1

    def file(self, path: Path) -> None:
        self.report.files += 1
        if path.is_file() and _first_release_line(path):
            file_no = self.number(path)
            try:
                self.lines(path, file_no)
                return
            except _Abandon:
                self.grouper.drop(file_no)  # the reader reads all of it, under a new number
        self.items(path, self.number(path))

    def keep(self, payload: bytes) -> tuple[int, int]:
        """Append release bytes to the spool; (source, offset) to read them back."""
        if self.spool is None:
            self.spool = self.spool_path.open("wb")
            self.sources.append(str(self.spool_path))
            self.spool_source = len(self.sources) - 1
        offset = self.spool.tell()
        self.spool.write(payload)
        return self.spool_source, offset

    def lines(self, path: Path, file_no: int) -> None:
        """The fast path: one release per line, its ocid read from the line's start."""
        if _gzipped(path):
            self.gzip_lines(path, file_no)
            return
        self.sources.append(str(path))
        source = len(self.sources) - 1
        grouper = self.grouper
        match = _LEADING_OCID.match
        number = 0
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if not size:
                return
            # Mapped, not read: no copies, and each window's pages are let go once scanned,
            # so the file never sits in this process's memory.
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                pos = 0
                released = 0
                # The grouper's state in locals: this loop runs once per release.
                seq, previous, presorted = grouper.seq, grouper.previous, grouper.presorted
                append, room = grouper.buffer.append, grouper.limit - len(grouper.buffer)
                while pos < size:
                    stop = data.find(b"\n", pos)
                    if stop < 0:
                        stop = size
                    number += 1
                    found = match(data, pos, stop)
                    ocid = ""
                    if found is not None:
                        with contextlib.suppress(UnicodeDecodeError):
                            ocid = found.group(1).decode()
                    if ocid:
                        seq += 1
                        if ocid < previous:
                            presorted = False
                        previous = ocid
                        append((ocid, seq, source, pos, stop - pos, file_no, number, -1, False))
                        room -= 1
                        pos = stop + 1
                        if pos - released >= READ_BYTES:
                            released = self._release(data, released, pos)
                        if room > 0:
                            continue
                        line = b""
                    else:
                        line = data[pos:stop]
                        pos = stop + 1
                    grouper.seq, grouper.previous, grouper.presorted = seq, previous, presorted
                    if room <= 0:
                        grouper.spill()
                    if line.strip():
                        self.odd_line(line, source, pos - len(line) - 1, file_no, number)
                    seq, previous, presorted = grouper.seq, grouper.previous, grouper.presorted
                    append, room = grouper.buffer.append, grouper.limit - len(grouper.buffer)
                grouper.seq, grouper.previous, grouper.presorted = seq, previous, presorted
                self._release(data, released, min(pos, size))

    def _release(self, data: mmap.mmap, start: int, end: int) -> int:
        """Let go of the mapped pages before ``end`` (whole pages only); report progress."""
        page = (end // mmap.PAGESIZE) * mmap.PAGESIZE
        first = (start // mmap.PAGESIZE) * mmap.PAGESIZE
        if page > first and hasattr(data, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            data.madvise(mmap.MADV_DONTNEED, first, page - first)
        self.progress.read(end - start)
        return end

    def gzip_lines(self, path: Path, file_no: int) -> None:
        """The fast path for compressed JSON Lines: lines are spooled (they cannot be read back
        from the compressed file by offset)."""
        told = 0
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as handle:
            for number, line in enumerate(handle, start=1):
                found = _LEADING_OCID.match(line)
                ocid = ""
                if found is not None:
                    with contextlib.suppress(UnicodeDecodeError):
                        ocid = found.group(1).decode()
                if ocid:
                    source, offset = self.keep(line)
                    self.grouper.add(ocid, source, offset, len(line), file_no, number, -1, False)
                elif line.strip():
                    source, offset = self.keep(line)
                    self.odd_line(line, source, offset, file_no, number)
                if not number & 1023:
                    at = raw.tell()
                    self.progress.read(at - told)
                    told = at
            self.progress.read(raw.tell() - told)

    def odd_line(self, line: bytes, source: int, offset: int, file_no: int, number: int) -> None:
        """A line the fast path cannot take at a glance: parsed here."""
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise _Abandon from error  # the reader reports syntax errors best
        if not isinstance(value, dict) or any(
            isinstance(value.get(key), list) for key in ("releases", "records")
        ):
            raise _Abandon
        if "compiledRelease" in value or "versionedRelease" in value:
            raise _Abandon
        ocid = value.get("ocid")
        if not isinstance(ocid, str) or not ocid:
            self.problem(file_no, number, _no_ocid(ocid))
            return
        self.grouper.add(ocid, source, offset, len(line), file_no, number, -1, True)

    def release(self, data: dict[str, Any], file_no: int, where: str, uri_no: int) -> None:
        ocid = data.get("ocid")
        if not isinstance(ocid, str) or not ocid:
            self.problem(file_no, where, _no_ocid(ocid))
            return
        payload = orjson.dumps(data)
        source, offset = self.keep(payload)
        self.grouper.add(ocid, source, offset, len(payload), file_no, where, uri_no, True)

    def items(self, path: Path, file_no: int) -> None:
        """Anything else, through the shared reader."""
        for result in iter_items([path], on_read=self.progress.read):
            if isinstance(result, Problem):
                self.report.problems += 1
                self.on_problem(Problem(self.name(result.path), result.position, result.message))
                continue
            item: Item = result
            uri_no = self.packages.see(item.package)
            if item.kind == "release":
                self.release(item.data, file_no, item.position, uri_no)
                continue
            releases = item.data.get("releases")
            if not isinstance(releases, list):
                self.problem(file_no, item.position, "the record has no releases array")
                continue
            linked = 0
            for index, release in enumerate(releases):
                where = f"{item.position}, releases[{index}]"
                if not isinstance(release, dict):
                    self.problem(file_no, where, "a release must be an object")
                elif _is_linked(release):
                    linked += 1
                else:
                    self.release(release, file_no, where, uri_no)
            if linked:
                self.report.linked_only += linked
                self.on_problem(
                    Note(
                        self.files[file_no],
                        item.position,
                        f"record {item.data.get('ocid')}: {linked} linked release(s) (url, date, "
                        "tag only): nothing to compile from them; fetch the releases and "
                        "compile those",
                    )
                )


def _no_ocid(ocid: Any) -> str:
    what = "no ocid" if ocid is None else "an ocid that is not a non-empty string"
    return f"the release has {what}: it cannot be compiled"


def _is_linked(release: dict[str, Any]) -> bool:
    """A linked release: a url and at most date and tag besides (the standard's shape)."""
    return "url" in release and len(release) <= 3


# --- phase 2: merging -------------------------------------------------------------------------

# A process: (ocid, [(source, offset, length, file, where, link uri, checked)]).
Row = tuple[int, int, int, int, int | str, str | None, bool]
Work = tuple[str, list[Row]]
# A problem found while merging: (file number, where, message).
Found = tuple[int, int | str, str]


@dataclass(frozen=True)
class _Job:
    """What a process merging a range of ocids needs to know."""

    format: str
    versioned: bool
    linked: bool
    schema: str | None
    sources: tuple[str, ...]
    uris: tuple[str, ...]
    presorted: bool
    dropped: frozenset[int]


class _Merging:
    """Merges processes: the rules (computed once), the open source files, the counts."""

    def __init__(self, job: _Job) -> None:
        rules = rules_from_file(job.schema) if job.schema else standard_rules()
        self.job = job
        self.merger = Merger(rules)
        self.handles: dict[int, int] = {}
        self.records = 0
        self.releases = 0

    def read(self, source: int, offset: int, length: int) -> bytes:
        handle = self.handles.get(source)
        if handle is None:
            handle = self.handles[source] = os.open(self.job.sources[source], os.O_RDONLY)
        return os.pread(handle, length, offset)

    def close(self) -> None:
        for handle in self.handles.values():
            os.close(handle)
        self.handles.clear()

    def run(
        self,
        entries: Iterator[Entry],
        write: Callable[[bytes], None],
        on_problem: Callable[[Found], None],
        on_progress: Callable[[int], None],
    ) -> None:
        """Merge every process in ``entries`` (sorted), writing each result as it comes."""
        pending = 0
        for work in _processes(entries, self.job.uris, self.job.linked):
            data, problems = self.compile(work)
            for found in problems:
                on_problem(found)
            if data is not None:
                write(data)
                self.records += 1
            size = len(work[1])
            self.releases += size
            pending += size
            if pending >= PROGRESS_EVERY:
                on_progress(pending)
                pending = 0
        if pending:
            on_progress(pending)

    def compile(self, work: Work) -> tuple[bytes | None, list[Found]]:
        """One process: its releases read, parsed, checked, merged and serialised."""
        job, merger = self.job, self.merger
        ocid, rows = work
        releases: list[dict[str, Any]] = []
        kept: list[tuple[bytes, str | None, dict[str, Any]]] = []
        problems: list[Found] = []
        for source, offset, length, file_no, where, uri, checked in rows:
            payload = self.read(source, offset, length)
            try:
                data = orjson.loads(payload)
            except orjson.JSONDecodeError as error:
                problems.append((file_no, where, f"invalid JSON: {error}"))
                continue
            if not checked:
                problem = _unchecked_problem(data, ocid)
                if problem:
                    problems.append((file_no, where, problem))
                    continue
            releases.append(data)
            kept.append((payload.strip(), uri, data))
        if not releases:
            return None, problems
        embedded: list[bytes] = []
        if job.format in ("package", "records"):
            for payload, uri, data in kept:
                release_id = data.get("id")
                if uri is not None and isinstance(release_id, str):
                    link = {"url": f"{uri}#{release_id}", "date": data.get("date")}
                    if "tag" in data:
                        link["tag"] = data["tag"]
                    embedded.append(orjson.dumps(link))
                else:
                    embedded.append(payload)
        unused = [releases]

        def load() -> list[dict[str, Any]]:
            """The parsed releases once, then parsed again (the merge takes the first apart)."""
            return unused.pop() if unused else [orjson.loads(payload) for payload, _, _ in kept]

        try:
            if job.format == "versioned":
                return orjson.dumps(merger.versioned(releases)), problems
            # The versioned release first: the compiled one consumes the parsed releases.
            versioned = b""
            if job.versioned and job.format != "compiled":
                versioned = orjson.dumps(merger.versioned(releases))
            compiled = orjson.dumps(merger.compiled_consuming(load))
        except MergeError as error:
            first = rows[0]
            problems.append(
                (
                    first[3],
                    first[4],
                    f"cannot merge the {len(releases)} release(s) of {ocid}: {error}",
                )
            )
            return None, problems
        if job.format == "compiled":
            return compiled, problems
        parts = [b'{"ocid":', orjson.dumps(ocid), b',"releases":[', b",".join(embedded)]
        parts += [b'],"compiledRelease":', compiled]
        if versioned:
            parts += [b',"versionedRelease":', versioned]
        parts.append(b"}")
        return b"".join(parts), problems


def _unchecked_problem(data: Any, ocid: str) -> str:
    """What is wrong with a line the fast path took for a release with ``ocid`` (or "")."""
    if data.__class__ is not dict:
        return f"expected a release, found {_type_name(data)}"
    if "releases" in data or "compiledRelease" in data or "versionedRelease" in data:
        return (
            "a record in a JSON Lines file read as one release per line (its first line is "
            "a release): put records in a file of their own"
        )
    if data.get("ocid") != ocid:
        return "the release names its ocid twice"
    return ""


def _type_name(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _processes(entries: Iterator[Entry], uris: tuple[str, ...], linked: bool) -> Iterator[Work]:
    """Consecutive entries of one ocid as one process."""
    current: str | None = None
    rows: list[Row] = []
    for ocid, _seq, source, offset, length, file_no, where, uri_no, checked in entries:
        if ocid != current:
            if rows:
                yield current or "", rows
            current, rows = ocid, []
        uri = uris[uri_no] if linked and uri_no >= 0 else None
        rows.append((source, offset, length, file_no, where, uri, checked))
    if rows:
        yield current or "", rows


class _Records:
    """Writes records or releases one after another: comma-separated for a package, one per
    line otherwise."""

    def __init__(self, out: IO[bytes], package: bool) -> None:
        self.out = out
        self.package = package
        self.count = 0

    def write(self, data: bytes) -> None:
        if self.package:
            self.out.write(b"," + data if self.count else data)
        else:
            self.out.write(data + b"\n")
        self.count += 1

    def append(self, path: str, count: int) -> None:
        """Copy what another process wrote the same way."""
        if not count:
            return
        if self.package and self.count:
            self.out.write(b",")
        with open(path, "rb") as part:
            if isinstance(self.out, io.BufferedWriter | io.FileIO):
                # a plain file or pipe: the kernel copies, nothing passes through Python
                self.out.flush()
                size = os.fstat(part.fileno()).st_size
                sent = 0
                try:
                    while sent < size:
                        done = os.sendfile(self.out.fileno(), part.fileno(), sent, size - sent)
                        if not done:
                            break
                        sent += done
                except OSError:
                    pass
                part.seek(sent)
            shutil.copyfileobj(part, self.out, 1 << 20)  # the rest, if any
        self.count += count


def _package_head(options: CompileOptions, packages: _Packages) -> bytes:
    publisher = (
        {"name": options.publisher_name}
        if options.publisher_name
        else packages.publisher or {"name": ""}
    )
    head: dict[str, Any] = {
        "uri": options.uri,
        "publisher": publisher,
        "publishedDate": options.published_date or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if packages.license is not None:
        head["license"] = packages.license
    if packages.policy is not None:
        head["publicationPolicy"] = packages.policy
    head["version"] = "1.1"
    if packages.extensions:
        head["extensions"] = list(packages.extensions)
    if packages.uris:
        head["packages"] = list(packages.uris)
    head["records"] = []
    return orjson.dumps(head)[:-2]  # without the closing "]}"


def _worker_count(options: CompileOptions, input_bytes: int) -> int:
    """Worker processes besides this one: none for small inputs (starting one costs more than
    it saves), else one per further core, at most three."""
    if options.workers is not None:
        return max(0, options.workers)
    cores = os.cpu_count() or 1
    if input_bytes < PARALLEL_BYTES or cores < 2:
        return 0
    return min(3, cores - 1)


class WorkerError(RuntimeError):
    """A worker process failed (it says why)."""


def _send(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - our own worker, over our own pipe


class _Worker:
    """A lean child process (``python -m spilno.transparency.ocds.compiler --worker``: no
    Django, a few MB) that merges one range of ocids into a file of its own. Started early, so
    its start-up overlaps the reading; a thread collects its progress and its answer."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "spilno.transparency.ocds.compiler", "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.stdin = self.process.stdin
        self.progress = 0  # releases merged, not yet reported
        self.lock = threading.Lock()
        self.answer: Any = None
        self.finished = threading.Event()
        self.drain = threading.Thread(target=self._drain, args=(self.process.stdout,), daemon=True)
        self.drain.start()

    def _drain(self, stdout: IO[bytes]) -> None:
        try:
            while True:
                message = _receive(stdout)
                if message[0] == "progress":
                    with self.lock:
                        self.progress += message[1]
                    continue
                self.answer = message
                return
        except EOFError:
            self.answer = ("failed", "the worker process ended unexpectedly")
        except Exception as error:  # a broken frame: say so rather than hang
            self.answer = ("failed", f"unreadable answer from a worker: {error}")
        finally:
            self.finished.set()

    def start(
        self, job: _Job, runs: list[_Run], low: str | None, high: str | None, out: str
    ) -> None:
        try:
            _send(self.stdin, (job, runs, low, high, out))
        except OSError as error:
            raise WorkerError(f"a worker process is gone: {error}") from error

    def take_progress(self) -> int:
        with self.lock:
            done, self.progress = self.progress, 0
        return done

    def result(self) -> tuple[int, int, list[Found], int]:
        self.finished.wait()
        if self.answer[0] == "failed":
            raise WorkerError(str(self.answer[1]))
        _, records, releases, problems, fallbacks = self.answer
        return records, releases, problems, fallbacks

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _worker_main() -> None:
    """A worker: one range of ocids, merged into its own file; progress as it goes."""
    gc.disable()  # acyclic JSON: the cyclic collector would only cost time
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        try:
            job, runs, low, high, path = _receive(stdin)
        except EOFError:
            return  # not needed after all
        merging = _Merging(job)
        problems: list[Found] = []
        with open(path, "wb") as out:
            records = _Records(out, job.format == "package")
            merging.run(
                _merged(runs, low, high, job.presorted, job.dropped),
                records.write,
                problems.append,
                lambda count: _send(stdout, ("progress", count)),
            )
        merging.close()
        _send(
            stdout,
            ("done", merging.records, merging.releases, problems, merging.merger.fallbacks),
        )
    except Exception as error:
        _send(stdout, ("failed", f"{type(error).__name__}: {error}"))


# --- the whole ----------------------------------------------------------------------------------


def compile_paths(
    paths: list[str],
    out: BinaryIO,
    options: CompileOptions | None = None,
    *,
    on_problem: Callable[[Problem], None] | None = None,
    progress: Progress | None = None,
    names: dict[str, str] | None = None,
) -> Report:
    """Compile every release found in ``paths`` into ``out``; problems (unreadable input,
    releases without ocid, processes that cannot be merged) go to ``on_problem`` and the rest
    is compiled. ``names`` maps file paths to the names problems should use (a spooled stdin).
    The input files must not change while this runs (releases are read back by offset)."""
    options = options or CompileOptions()
    if options.format not in FORMATS:
        raise ValueError(f"Unknown output format {options.format!r}.")
    if options.schema:
        rules_from_file(options.schema)  # a bad schema fails here, before any work
    report = Report()
    progress = progress or Progress()
    sink = on_problem or (lambda problem: None)
    packages = _Packages()
    total = sum(_size(path) for path in iter_files(paths))
    progress.reading(total)
    report.workers = _worker_count(options, total)
    workers = [_Worker() for _ in range(report.workers)]
    collecting = gc.isenabled()
    gc.disable()
    try:
        with tempfile.TemporaryDirectory(prefix="spilno-compile-", dir=options.tempdir) as folder:
            grouper = _Grouper(Path(folder), options.memory)
            reading = _Reading(grouper, Path(folder), packages, report, sink, progress, names or {})
            try:
                reading.run(paths)
            finally:
                reading.close()
            progress.compiling(grouper.count())
            job = _Job(
                options.format,
                options.versioned,
                options.linked_releases,
                options.schema,
                tuple(reading.sources),
                tuple(packages.uris),
                grouper.presorted,
                frozenset(grouper.dropped_files),
            )

            def problem(found: Found) -> None:
                file_no, where, message = found
                report.problems += 1
                sink(Problem(reading.files[file_no], _position(where), message))

            package = options.format == "package"
            if package:
                out.write(_package_head(options, packages))
            records = _Records(out, package)
            in_memory = None if workers else grouper.in_memory()
            runs: list[_Run] = []
            ranges: list[str | None] = [None, None]
            if in_memory is None:
                runs = grouper.finish()
                ranges = _split(runs, len(workers) + 1)
            parts = []
            for number, worker in enumerate(workers[: len(ranges) - 2]):
                path = str(Path(folder) / f"part-{number + 1}")
                worker.start(job, runs, ranges[number + 1], ranges[number + 2], path)
                parts.append((worker, path))

            def advance(count: int) -> None:
                progress.compiled(count + sum(worker.take_progress() for worker, _ in parts))

            merging = _Merging(job)
            try:
                mine = (
                    iter(in_memory)
                    if in_memory is not None
                    else _merged(runs, ranges[0], ranges[1], grouper.presorted, job.dropped)
                )
                merging.run(mine, records.write, problem, advance)
            finally:
                merging.close()
            report.releases = merging.releases
            report.fallbacks = merging.merger.fallbacks
            for worker, path in parts:
                count, releases, found, fallbacks = worker.result()
                advance(0)
                for one in found:
                    problem(one)
                records.append(path, count)
                report.releases += releases
                report.fallbacks += fallbacks
            if package:
                out.write(b"]}\n")
            report.records = records.count
            report.runs = grouper.spilled
            report.presorted = grouper.presorted
    finally:
        for worker in workers:
            worker.close()
        if collecting:
            gc.enable()
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        _worker_main()
    else:
        sys.exit("This module runs as a worker of `spilno ocds compile`; use that command.")
