"""Compile a whole input of OCDS releases into records, streaming, in memory that stays flat.

Two phases (ADR 0007):

1. **Group.** Every release is reduced to an *entry* ``(ocid, seq, JSON bytes, where from)`` and
   kept in a buffer of at most ``memory`` bytes; a full buffer is sorted by ``(ocid, seq)`` and
   spilled to a run file in a temporary folder. ``seq`` is the input order, so releases of one
   process keep their order (the merge's tie-break for equal dates, as in ``ocdskit compile``).
   An input that fits the buffer never touches the disk; an input already sorted by ``ocid``
   gets its runs concatenated instead of merged.
2. **Merge.** The runs are merged (a heap over one small chunk per run; more than
   :data:`FAN_IN` runs are merged in passes first), consecutive entries of one ocid form a
   process, and batches of processes go to worker processes that parse, merge
   (:mod:`spilno.transparency.ocds.merge`) and serialise them. Output comes back in order.

Input: anything :func:`spilno.transparency.ocds.reader.iter_items` reads (release and record
packages, records with embedded releases, single releases, directories, gzip). JSON Lines files
of releases take a dedicated fast path: the ``ocid`` is read from the line's bytes and the line
is parsed once, in a worker; a line that is not plainly a release is parsed on the spot, and a
line holding a package or a record sends the whole file back to the reader.

Output (:data:`FORMATS`): a record package (default), records as JSON Lines, or compiled or
versioned releases as JSON Lines, ordered by ocid, like ``ocdskit compile``'s. No Django here.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import heapq
import itertools
import os
import pickle
import queue
import re
import subprocess
import sys
import tempfile
import threading
from collections import deque
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
#: Bytes of releases per chunk of a run file (what the merge holds per run).
CHUNK_BYTES = 256 * 1024
#: Releases per batch sent to a worker.
BATCH_RELEASES = 256
#: Below this many releases the work stays in this process (starting workers costs more).
PARALLEL_FROM = 20_000
#: What an entry costs in the buffer beyond its JSON bytes (the tuple, its strings and ints).
ENTRY_OVERHEAD = 320

_LINES_SUFFIXES = (".jsonl", ".ndjson")
# The ocid as the bytes of a line show it. A line is taken on this reading only if it names
# "ocid" once and none of "releases", "records", "…Release" (a package or a record may);
# otherwise it is parsed to find out what it is.
_OCID = re.compile(rb'"ocid"\s*:\s*"([^"\\]*)"')

# An entry: (ocid, seq, release JSON, file number, position, package uri number, parsed?).
# ``parsed`` is False on the fast path: the worker still has to check the line is a release
# with that ocid.
Entry = tuple[str, int, bytes, int, str, int, bool]


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
    memory: int = 32 * 1024 * 1024  # bytes of releases held before spilling a run
    tempdir: str | None = None


@dataclass
class Report:
    """What a compilation did."""

    files: int = 0
    releases: int = 0
    records: int = 0
    problems: int = 0
    linked_only: int = 0  # linked releases seen in records (a Note: nothing to compile)
    runs: int = 0  # run files spilled (0: everything fit in memory)
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


class _Abandon(Exception):
    """A JSON Lines file holds more than releases: the reader takes it over."""


class _Grouper:
    """Phase 1: entries into sorted runs (in memory, or spilled to the temporary folder)."""

    def __init__(self, folder: Path, memory: int) -> None:
        self.folder = folder
        self.memory = memory
        self.buffer: list[Entry] = []
        self.held = 0
        self.runs: list[Path] = []
        self.seq = 0
        self.previous = ""
        self.presorted = True
        self.count = 0
        self.dropped_files: set[int] = set()  # files handed from the fast path to the reader

    def add(
        self, ocid: str, payload: bytes, file_no: int, position: str, uri_no: int, parsed: bool
    ) -> None:
        self.seq += 1
        self.count += 1
        if ocid < self.previous:
            self.presorted = False
        self.previous = ocid
        self.buffer.append((ocid, self.seq, payload, file_no, position, uri_no, parsed))
        self.held += len(payload) + ENTRY_OVERHEAD
        if self.held >= self.memory:
            self.spill()

    def spill(self) -> None:
        if not self.buffer:
            return
        if not self.presorted:
            self.buffer.sort()
        path = self.folder / f"run-{len(self.runs):05d}"
        _write_run(path, self.buffer)
        self.runs.append(path)
        self.buffer = []
        self.held = 0

    def entries(self) -> Iterator[Entry]:
        """Every entry in ``(ocid, seq)`` order."""
        if not self.runs:
            self.buffer.sort()
            entries: Iterable[Entry] = self.buffer
        else:
            self.spill()
            runs = self.runs
            if self.presorted:
                entries = itertools.chain.from_iterable(_read_run(path) for path in runs)
            else:
                while len(runs) > FAN_IN:
                    runs = self._merge_pass(runs)
                entries = heapq.merge(*(_read_run(path) for path in runs))
        if self.dropped_files:
            dropped = self.dropped_files
            return (entry for entry in entries if entry[3] not in dropped)
        return iter(entries)

    def _merge_pass(self, runs: list[Path]) -> list[Path]:
        merged: list[Path] = []
        for start in range(0, len(runs), FAN_IN):
            group = runs[start : start + FAN_IN]
            path = self.folder / f"pass-{len(self.runs) + len(merged):05d}"
            _write_run(path, heapq.merge(*(_read_run(p) for p in group)))
            for used in group:
                used.unlink()
            merged.append(path)
        self.runs.extend(merged)
        return merged


def _write_run(path: Path, entries: Iterable[Entry]) -> None:
    with path.open("wb") as handle:
        chunk: list[Entry] = []
        size = 0
        for entry in entries:
            chunk.append(entry)
            size += len(entry[2]) + ENTRY_OVERHEAD
            if size >= CHUNK_BYTES:
                pickle.dump(chunk, handle, protocol=pickle.HIGHEST_PROTOCOL)
                chunk, size = [], 0
        if chunk:
            pickle.dump(chunk, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _read_run(path: Path) -> Iterator[Entry]:
    with path.open("rb") as handle:
        while True:
            try:
                chunk: list[Entry] = pickle.load(handle)  # noqa: S301 - our own temporary file
            except EOFError:
                return
            yield from chunk


# --- phase 1: reading -------------------------------------------------------------------------


def _is_lines(path: Path) -> bool:
    """JSON Lines by name, or by a first line that is a whole JSON object with more after it
    (the reader's rule). UTF-8 only: anything else is left to the reader."""
    name = path.name.lower().removesuffix(".gz")
    try:
        with _open_binary(path) as handle:
            head = handle.read(4)
            if head.startswith(b"\xef\xbb\xbf") or b"\0" in head:
                return False
            if name.endswith(_LINES_SUFFIXES):
                return True
            first = head + handle.readline()
            if not first.strip().startswith(b"{"):
                return False
            try:
                orjson.loads(first)
            except orjson.JSONDecodeError:
                return False
            return any(line.strip() for line in itertools.islice(handle, 100))
    except (OSError, EOFError, gzip.BadGzipFile):
        return False


def _open_binary(path: Path) -> Any:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(path, "rb")
    return path.open("rb")


class _Reading:
    """Phase 1 over every input: the fast path for JSON Lines, the reader for the rest."""

    def __init__(
        self,
        grouper: _Grouper,
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
        self.files: list[str] = []

    def name(self, path: str | Path) -> str:
        return self.names.get(str(path), str(path))

    def problem(self, path: str | Path, position: str, message: str) -> None:
        self.report.problems += 1
        self.on_problem(Problem(self.name(path), position, message))

    def run(self, paths: list[str]) -> None:
        for given in paths:
            path = Path(given)
            if path.is_dir():
                for found in iter_files([path]):
                    self.file(found)
            else:
                self.file(path)

    def file(self, path: Path) -> None:
        self.report.files += 1
        if path.is_file() and _is_lines(path):
            file_no = self.number(path)
            try:
                self.lines(path, file_no)
                return
            except _Abandon:
                # Drop what the fast path took from this file; the reader reads all of it.
                self.grouper.dropped_files.add(file_no)
        self.items(path, self.number(path))

    def number(self, path: Path) -> int:
        self.files.append(self.name(path))
        return len(self.files) - 1

    def lines(self, path: Path, file_no: int) -> None:
        """The fast path: one release per line, ocid read from the bytes."""
        add = self.grouper.add
        find = _OCID.search
        told = 0
        with path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            handle: Any = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
            for number, line in enumerate(handle, start=1):
                if not number & 4095:
                    at = raw.tell()
                    self.progress.read(at - told)
                    told = at
                match = find(line)
                if (
                    match is not None
                    and line.count(b'"ocid"') == 1
                    and b'"releases"' not in line
                    and b'"records"' not in line
                    and b'Release"' not in line
                ):
                    try:
                        ocid = match.group(1).decode()
                    except UnicodeDecodeError:
                        ocid = ""
                    if ocid:
                        add(ocid, line.strip(), file_no, f"line {number}", -1, False)
                        continue
                if line.strip():
                    self.odd_line(path, file_no, number, line)
            self.progress.read(_size(path) - told)

    def odd_line(self, path: Path, file_no: int, number: int, line: bytes) -> None:
        position = f"line {number}"
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise _Abandon from error  # the reader reports syntax errors best
        if not isinstance(value, dict):
            raise _Abandon
        if isinstance(value.get("releases"), list) or isinstance(value.get("records"), list):
            raise _Abandon
        if "compiledRelease" in value or "versionedRelease" in value:
            raise _Abandon
        self.release(value, line.strip(), path, file_no, position, -1)

    def release(
        self,
        data: dict[str, Any],
        payload: bytes | None,
        path: str | Path,
        file_no: int,
        position: str,
        uri_no: int,
    ) -> None:
        ocid = data.get("ocid")
        if not isinstance(ocid, str) or not ocid:
            what = "no ocid" if ocid is None else "an ocid that is not a non-empty string"
            self.problem(path, position, f"the release has {what}: it cannot be compiled")
            return
        if payload is None:
            payload = orjson.dumps(data)
        self.grouper.add(ocid, payload, file_no, position, uri_no, True)

    def items(self, path: Path, file_no: int) -> None:
        """Anything else, through the shared reader."""
        for result in iter_items([path], on_read=self.progress.read):
            if isinstance(result, Problem):
                self.problem(result.path, result.position, result.message)
                continue
            item: Item = result
            uri_no = self.packages.see(item.package)
            if item.kind == "release":
                self.release(item.data, None, item.path, file_no, item.position, uri_no)
                continue
            releases = item.data.get("releases")
            if not isinstance(releases, list):
                self.problem(item.path, item.position, "the record has no releases array")
                continue
            linked = 0
            for index, release in enumerate(releases):
                where = f"{item.position}, releases[{index}]"
                if not isinstance(release, dict):
                    self.problem(item.path, where, "a release must be an object")
                elif _is_linked(release):
                    linked += 1
                else:
                    self.release(release, None, item.path, file_no, where, uri_no)
            if linked:
                self.report.linked_only += linked
                ocid = item.data.get("ocid")
                self.on_problem(
                    Note(
                        self.name(item.path),
                        item.position,
                        f"record {ocid}: {linked} linked release(s) (url, date, tag only): "
                        "nothing to compile from them; fetch the releases and compile those",
                    )
                )


def _is_linked(release: dict[str, Any]) -> bool:
    """A linked release: a url and at most date and tag besides (the standard's shape)."""
    return "url" in release and len(release) <= 3


# --- phase 2: merging -------------------------------------------------------------------------

# A process sent to a worker: (ocid, [(release JSON, file number, position, link uri, parsed)]).
Work = tuple[str, list[tuple[bytes, int, str, str | None, bool]]]
# What comes back per process: (output bytes or None, [(file number, position, message)]).
Done = tuple[bytes | None, list[tuple[int, str, str]]]


@dataclass(frozen=True)
class _Job:
    """What a worker needs to know (sent once, at start)."""

    format: str
    versioned: bool
    schema: str | None


_worker: dict[str, Any] = {}


def _start_worker(job: _Job) -> None:
    """Per worker process: the rules, computed once. The data is acyclic JSON, so the cyclic
    garbage collector only costs time (it walks every live dict again and again)."""
    gc.disable()
    rules = rules_from_file(job.schema) if job.schema else standard_rules()
    _worker["job"] = job
    _worker["merger"] = Merger(rules)


def _compile_batch(batch: list[Work]) -> tuple[list[Done], int]:
    job: _Job = _worker["job"]
    merger: Merger = _worker["merger"]
    before = merger.fallbacks
    done = [_compile_one(job, merger, work) for work in batch]
    return done, merger.fallbacks - before


def _type_name(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _compile_one(job: _Job, merger: Merger, work: Work) -> Done:
    ocid, rows = work
    releases: list[dict[str, Any]] = []
    kept: list[tuple[bytes, str | None, dict[str, Any]]] = []
    problems: list[tuple[int, str, str]] = []
    for payload, file_no, position, uri, parsed in rows:
        try:
            data = orjson.loads(payload)
        except orjson.JSONDecodeError as error:
            problems.append((file_no, position, f"invalid JSON: {error}"))
            continue
        if not parsed:
            if not isinstance(data, dict):
                problems.append(
                    (file_no, position, f"expected a release object, found {_type_name(data)}")
                )
                continue
            if data.get("ocid") != ocid:
                problems.append(
                    (file_no, position, "the release has no ocid: it cannot be compiled")
                )
                continue
        releases.append(data)
        kept.append((payload, uri, data))
    if not releases:
        return None, problems
    try:
        if job.format == "compiled":
            return orjson.dumps(merger.compiled(releases)), problems
        if job.format == "versioned":
            return orjson.dumps(merger.versioned(releases)), problems
        compiled = orjson.dumps(merger.compiled(releases))
        versioned = orjson.dumps(merger.versioned(releases)) if job.versioned else b""
    except MergeError as error:
        first = rows[0]
        problems.append(
            (first[1], first[2], f"cannot merge the {len(releases)} release(s) of {ocid}: {error}")
        )
        return None, problems
    parts = [b'{"ocid":', orjson.dumps(ocid), b',"releases":[']
    for n, (payload, uri, data) in enumerate(kept):
        if n:
            parts.append(b",")
        release_id = data.get("id")
        if uri is not None and isinstance(release_id, str):
            link = {"url": f"{uri}#{release_id}", "date": data.get("date")}
            if "tag" in data:
                link["tag"] = data["tag"]
            parts.append(orjson.dumps(link))
        else:
            parts.append(payload)
    parts += [b'],"compiledRelease":', compiled]
    if versioned:
        parts += [b',"versionedRelease":', versioned]
    parts.append(b"}")
    return b"".join(parts), problems


class _Output:
    """Writes records or releases: a package document, or one per line."""

    def __init__(self, out: BinaryIO, options: CompileOptions, packages: _Packages) -> None:
        self.out = out
        self.options = options
        self.packages = packages
        self.count = 0

    def start(self) -> None:
        if self.options.format != "package":
            return
        packages = self.packages
        head: dict[str, Any] = {
            "uri": self.options.uri,
            "publisher": {"name": self.options.publisher_name}
            if self.options.publisher_name
            else packages.publisher or {"name": ""},
            "publishedDate": self.options.published_date
            or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
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
        self.out.write(orjson.dumps(head)[:-2])  # without the closing "]}"

    def write(self, data: bytes) -> None:
        if self.options.format == "package":
            self.out.write(b"," + data if self.count else data)
        else:
            self.out.write(data + b"\n")
        self.count += 1

    def finish(self) -> None:
        if self.options.format == "package":
            self.out.write(b"]}\n")


def _processes(entries: Iterator[Entry], uris: list[str], linked: bool) -> Iterator[Work]:
    """Consecutive entries of one ocid as one process."""
    current: str | None = None
    rows: list[tuple[bytes, int, str, str | None, bool]] = []
    for ocid, _seq, payload, file_no, position, uri_no, parsed in entries:
        if ocid != current:
            if rows:
                yield current or "", rows
            current, rows = ocid, []
        uri = uris[uri_no] if linked and uri_no >= 0 else None
        rows.append((payload, file_no, position, uri, parsed))
    if rows:
        yield current or "", rows


def _batches(processes: Iterator[Work]) -> Iterator[list[Work]]:
    batch: list[Work] = []
    size = 0
    for work in processes:
        batch.append(work)
        size += len(work[1])
        if size >= BATCH_RELEASES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _worker_count(options: CompileOptions, releases: int) -> int:
    if options.workers is not None:
        return max(0, options.workers)
    cores = os.cpu_count() or 1
    if releases < PARALLEL_FROM or cores < 2:
        return 0
    return min(2, cores)


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
    Django, a few MB) compiling batches sent over a pipe. A thread drains its answers, so
    neither side ever blocks the other on a full pipe."""

    def __init__(self, job: _Job) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "spilno.transparency.ocds.compiler", "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.stdin = self.process.stdin
        self.answers: queue.Queue[Any] = queue.Queue()
        self.drain = threading.Thread(target=self._drain, args=(self.process.stdout,), daemon=True)
        self.drain.start()
        _send(self.stdin, job)

    def _drain(self, stdout: IO[bytes]) -> None:
        while True:
            try:
                self.answers.put(_receive(stdout))
            except EOFError:
                self.answers.put(("failed", "the worker process ended unexpectedly"))
                return
            except Exception as error:  # a broken frame: say so rather than hang
                self.answers.put(("failed", f"unreadable answer from a worker: {error}"))
                return

    def submit(self, batch: list[Work]) -> None:
        try:
            _send(self.stdin, batch)
        except (BrokenPipeError, OSError) as error:
            raise WorkerError(f"a worker process is gone: {error}") from error

    def result(self) -> tuple[list[Done], int]:
        answer = self.answers.get()
        if answer[0] == "failed":
            raise WorkerError(str(answer[1]))
        return answer[1], answer[2]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _worker_main() -> None:
    """The worker's loop: a job, then batches until the pipe closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        _start_worker(_receive(stdin))
        while True:
            try:
                batch = _receive(stdin)
            except EOFError:
                return
            done, fallbacks = _compile_batch(batch)
            _send(stdout, ("ok", done, fallbacks))
    except Exception as error:
        _send(stdout, ("failed", f"{type(error).__name__}: {error}"))


def _results(
    batches: Iterator[list[Work]], workers: int, job: _Job, report: Report
) -> Iterator[tuple[list[Done], int]]:
    """(compiled batch, releases in it), in input order: in this process, or round-robin over
    worker processes with a bounded number of batches in flight (memory stays flat)."""
    if workers == 0:
        _start_worker(job)
        for batch in batches:
            done, fallbacks = _compile_batch(batch)
            report.fallbacks += fallbacks
            yield done, sum(len(work[1]) for work in batch)
        return
    pool = [_Worker(job) for _ in range(workers)]
    in_flight: deque[tuple[_Worker, int]] = deque()
    try:
        turn = itertools.cycle(pool)
        for batch in batches:
            worker = next(turn)
            worker.submit(batch)
            in_flight.append((worker, sum(len(work[1]) for work in batch)))
            if len(in_flight) >= workers * 3:
                worker, size = in_flight.popleft()
                done, fallbacks = worker.result()
                report.fallbacks += fallbacks
                yield done, size
        while in_flight:
            worker, size = in_flight.popleft()
            done, fallbacks = worker.result()
            report.fallbacks += fallbacks
            yield done, size
    finally:
        for worker in pool:
            worker.close()


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
    is compiled. ``names`` maps file paths to the names problems should use (a spooled stdin)."""
    options = options or CompileOptions()
    if options.format not in FORMATS:
        raise ValueError(f"Unknown output format {options.format!r}.")
    if options.schema:
        rules_from_file(options.schema)  # a bad schema fails here, before any work
    report = Report()
    progress = progress or Progress()
    problems: list[Problem] = []
    sink = on_problem or problems.append
    packages = _Packages()
    total_bytes = sum(_size(path) for path in iter_files(paths))
    progress.reading(total_bytes)
    collecting = gc.isenabled()
    gc.disable()
    try:
        with tempfile.TemporaryDirectory(prefix="spilno-compile-", dir=options.tempdir) as folder:
            grouper = _Grouper(Path(folder), options.memory)
            reading = _Reading(grouper, packages, report, sink, progress, names or {})
            reading.run(paths)
            report.releases = grouper.count
            report.runs = len(grouper.runs)
            report.presorted = grouper.presorted
            report.workers = _worker_count(options, grouper.count)
            output = _Output(out, options, packages)
            output.start()
            progress.compiling(grouper.count)
            job = _Job(options.format, options.versioned, options.schema)
            uris = list(packages.uris)
            processes = _processes(grouper.entries(), uris, options.linked_releases)
            for done, size in _results(_batches(processes), report.workers, job, report):
                for data, found in done:
                    for file_no, position, message in found:
                        report.problems += 1
                        sink(Problem(reading.files[file_no], position, message))
                    if data is not None:
                        output.write(data)
                progress.compiled(size)
            output.finish()
            report.records = output.count
            report.runs = max(report.runs, len(grouper.runs))
    finally:
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
