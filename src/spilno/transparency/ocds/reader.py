"""Read OCDS releases and records from files of any size, in constant memory.

:func:`iter_items` takes files and directories and yields, in order, every release or record it
finds (:class:`Item`) and everything it could not read (:class:`Problem`); a problem never stops
the reading of the other files, nor of the rest of a JSON Lines file.

Accepted input
    Release packages, record packages (each record is yielded as one item, embedded releases
    included: consumers decide what to do with them), a single release or record as a file,
    JSON Lines (``.jsonl``/``.ndjson``, or a ``.json`` file whose first line is a complete JSON
    object followed by more: each line a release, record or package), concatenated JSON values,
    gzip (recognised by its magic bytes, whatever the name) and directories (recursively, in
    sorted order; ``*.json``, ``*.jsonl``, ``*.ndjson`` and ``*.gz`` are read, other files are
    reported as :class:`Skipped`, names starting with ``.`` are ignored). A file named explicitly
    is always read, whatever its name.

How a file is read
    JSON Lines: line by line with orjson (the fast path); a bad line is one Problem and reading
    goes on with the next line. A line is held in memory whole. JSON documents up to
    :data:`SMALL_DOCUMENT` bytes: parsed whole with orjson. Larger documents are streamed with
    ijson (yajl2_c backend) in two passes, both in constant memory: the first reads the shape
    and the package metadata (which publishers put before *or after* the ``releases`` array), the
    second yields the items one by one. ``package`` therefore always holds all of the package's
    metadata (everything but ``releases``/``records``).

Syntax errors (decided here, relied upon by the importer)
    In a JSON document, the items that precede the error are yielded, then one Problem whose
    position says where reading of that file stopped (line, column and byte offset); nothing after
    it is read. Consumers that must not import half a document (the importer) drop the file's
    items when a Problem with :attr:`Problem.fatal` follows them. In JSON Lines, only the bad line
    is lost.

Encodings
    UTF-8 with or without a byte order mark; UTF-16 and UTF-32 (either byte order) recognised by
    their BOM or, without one, by the pattern of null bytes in the first four bytes (RFC 4627), and
    transcoded on the fly. Bytes that do not decode give a Problem naming the byte offset in the
    file (for UTF-16/32 input, syntax error positions are given as line and column only).

Numbers
    As :func:`json.load` gives them: integers as ``int``, every other number as ``float``
    (ijson's ``Decimal`` is never exposed: ``use_float=True``). ``NaN``/``Infinity`` and numbers
    that overflow a double are errors. Integers beyond 64 bits are not exact (orjson makes them
    floats; yajl reports an "integer overflow" Problem); OCDS data has none.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import gzip
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import ijson
import orjson

try:  # the C backend is ~10x faster than the pure Python one; fall back if it is missing
    _ijson: Any = ijson.get_backend("yajl2_c")
except ImportError:  # pragma: no cover - depends on the platform's wheel
    _ijson = ijson

#: JSON documents up to this size (decoded) are parsed whole with orjson; larger ones are streamed.
SMALL_DOCUMENT = 8 * 1024 * 1024
#: File names read when found in a directory (compared case-insensitively).
SUFFIXES = (".json", ".jsonl", ".ndjson", ".gz")
_LINES_SUFFIXES = (".jsonl", ".ndjson")
_CHUNK = 64 * 1024
_SNIFF = 1024 * 1024
WHOLE_FILE = "whole file"


@dataclass(frozen=True)
class Item:
    """One release or record found in the input."""

    path: str  # file name as given/found
    position: str  # "line 12", "releases[3]", "records[0]", "value 2, releases[3]", "whole file"
    kind: str  # "release" | "record"
    data: dict[str, Any]  # the release or record object
    package: dict[str, Any] | None  # the enclosing package's metadata, or None


@dataclass(frozen=True)
class Problem:
    """Something that could not be read; reading goes on with the rest."""

    path: str
    position: str
    message: str

    @property
    def fatal(self) -> bool:
        """True when reading of the file stopped here (a syntax, encoding or I/O error in a JSON
        document): items of the same file yielded before it came from a broken document."""
        return self.message.endswith(STOPPED)


@dataclass(frozen=True)
class Skipped(Problem):
    """A file in a directory that is not JSON by its name: reported, not read."""


STOPPED = "reading of this file stopped here"


# --------------------------------------------------------------------------------------------
# Walking paths


def iter_items(
    paths: Iterable[str | Path], *, on_read: Callable[[int], None] | None = None
) -> Iterator[Item | Problem]:
    """Every release and record in ``paths`` (files or directories), and every problem, in order.

    ``on_read``, if given, is called with the number of bytes of the files (as stored: compressed
    for gzip) read since its last call, so a progress bar over the files' total size
    (:func:`iter_files`) reaches exactly 100%."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _iter_directory(path, on_read)
        elif path.is_file():
            yield from _iter_file(path, on_read)
        elif path.exists():
            yield Problem(str(path), WHOLE_FILE, "not a regular file or directory")
        else:
            yield Problem(str(path), WHOLE_FILE, "no such file or directory")


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files :func:`iter_items` reads, in the same order (for progress bars: sizes)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for found in _walk(path):
                if _wanted(found):
                    yield found
        elif path.is_file():
            yield path


def _walk(root: Path) -> Iterator[Path]:
    """Files under ``root`` in sorted path order (a directory's entries by name, depth first),
    not following symbolic links to directories (no loops)."""
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


def _wanted(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def _iter_directory(root: Path, on_read: Callable[[int], None] | None) -> Iterator[Item | Problem]:
    for path in _walk(root):
        if _wanted(path):
            yield from _iter_file(path, on_read)
        else:
            yield Skipped(
                str(path), WHOLE_FILE, "skipped: not a .json, .jsonl, .ndjson or .gz file"
            )


# --------------------------------------------------------------------------------------------
# Opening: gzip, encodings


class _Meter:
    """Reports the progress through one file to an ``on_read`` callback."""

    def __init__(self, on_read: Callable[[int], None] | None) -> None:
        self.on_read = on_read
        self.reported = 0

    def to(self, position: int) -> None:
        if self.on_read is not None and position > self.reported:
            self.on_read(position - self.reported)
            self.reported = position


class _StopReading(Exception):
    """Raised by :class:`_Stream` on undecodable or corrupt input; carries the Problem text."""

    def __init__(self, position: str, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16-LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _detect(head: bytes) -> tuple[str, int]:
    """(encoding, length of its BOM) from the first bytes of a file."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    if len(head) >= 4:
        if head[:3] == b"\0\0\0" and head[3]:
            return "utf-32-be", 0
        if head[0] and head[1:4] == b"\0\0\0":
            return "utf-32-le", 0
    if len(head) >= 2:
        if head[0] == 0 and head[1]:
            return "utf-16-be", 0
        if head[0] and head[1] == 0:
            return "utf-16-le", 0
    return "utf-8", 0


class _Stream:
    """A file as UTF-8 bytes: gunzipped, BOM dropped, UTF-16/32 transcoded, optionally checked
    to be valid UTF-8. Counts what it delivered so errors can be placed (line, column, byte)."""

    def __init__(self, path: Path, *, check_utf8: bool, meter: _Meter | None = None) -> None:
        self.meter = meter
        self.delivered = 0  # UTF-8 bytes handed out
        self._file: IO[bytes] = path.open("rb")
        try:
            magic = self._file.read(2)
            self._file.seek(0)
            self.gzipped = magic == b"\x1f\x8b"
            self._raw: IO[bytes] | gzip.GzipFile = (
                gzip.GzipFile(fileobj=self._file, mode="rb") if self.gzipped else self._file
            )
            head = self._read_raw(4)
        except BaseException:
            self._file.close()
            raise
        self.encoding, bom = _detect(head)
        self._pending = head[bom:]
        self.source_offset = bom  # bytes of the (decompressed) file consumed so far
        self._transcoder = (
            None
            if self.encoding == "utf-8"
            else codecs.getincrementaldecoder(self.encoding)("strict")
        )
        self._checker = (
            codecs.getincrementaldecoder("utf-8")("strict")
            if check_utf8 and self._transcoder is None
            else None
        )
        self._error: _StopReading | None = None
        self._eof = False
        self.newlines = 0  # newlines in what was handed out before ``last``
        self.column = 0  # characters since the last of those newlines
        self.last = b""  # the last chunk handed out
        self.last_start = 0

    def __enter__(self) -> _Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._raw is not self._file:
            self._raw.close()
        self._file.close()

    @property
    def transcoded(self) -> bool:
        return self._transcoder is not None

    def _read_raw(self, size: int) -> bytes:
        try:
            return self._raw.read(size)
        except (EOFError, OSError, zlib.error) as error:
            raise _StopReading(
                f"byte {self.delivered} of the decompressed data",
                f"corrupt or truncated gzip data ({error}); {STOPPED}",
            ) from error

    def read(self, size: int = -1) -> bytes:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if size == 0:
            return b""  # ijson probes with read(0)
        if size is None or size < 0:
            size = 1 << 62
        data = self._next(size)
        if self.meter is not None:
            self.meter.to(self._file.tell())
        newlines = self.last.count(b"\n")
        if newlines:
            self.newlines += newlines
            self.column = _chars(self.last[self.last.rfind(b"\n") + 1 :])
        else:
            self.column += _chars(self.last)
        self.last = data
        self.last_start = self.delivered
        self.delivered += len(data)
        return data

    def _next(self, size: int) -> bytes:
        while not self._eof:
            if self._pending:
                raw, self._pending = self._pending, b""
                if len(raw) < size:
                    raw += self._read_raw(size - len(raw))
            else:
                raw = self._read_raw(size)
            final = not raw
            self._eof = final
            start = self.source_offset
            self.source_offset += len(raw)
            try:
                if self._transcoder is not None:
                    text = self._transcoder.decode(raw, final)
                    out = text.encode("utf-8")
                else:
                    if self._checker is not None:
                        self._checker.decode(raw, final)
                    out = raw
            except UnicodeDecodeError as error:
                # the decoder may hold back bytes of an incomplete character from earlier reads
                held = len(error.object) - len(raw)
                at = start - held + error.start
                bad = bytes(error.object[error.start : error.start + 1])
                stop = _StopReading(
                    f"byte {at}",
                    f"not valid {self.encoding.upper()}: byte 0x{bad.hex()} cannot be decoded; "
                    f"{STOPPED}",
                )
                if self._transcoder is None and error.start - held > 0:
                    # hand out the valid part first, so items before the bad byte are read
                    self._eof = True
                    self._error = stop
                    return raw[: error.start - held]
                raise stop from error
            if out or final:
                return out
        return b""

    def where(self, offset: int) -> str:
        """Human position of a byte offset in the delivered UTF-8 data (within ``last``)."""
        inside = max(0, min(offset - self.last_start, len(self.last)))
        before = self.last[:inside]
        line = self.newlines + before.count(b"\n") + 1
        newline = before.rfind(b"\n")
        if newline >= 0:
            column = _chars(before[newline + 1 :]) + 1
        else:
            column = self.column + _chars(before) + 1
        text = f"line {line}, column {column}"
        if not self.transcoded:
            text += f" (byte {offset})"
        return text


_CONTINUATION = bytes(range(0x80)) + bytes(range(0xC0, 0x100))


def _chars(data: bytes) -> int:
    """Characters in UTF-8 bytes (continuation bytes do not count)."""
    return len(data) - len(data.translate(None, _CONTINUATION))


def _head_and_mode(path: Path) -> tuple[str, bytes, bool]:
    """(mode, head, complete): mode is "lines" or "document"; head the first decoded bytes."""
    with _Stream(path, check_utf8=False) as stream:
        try:
            head = stream.read(_SNIFF)
            more = stream.read(1)
        except _StopReading:
            head, more = b"", b"?"  # the reading proper will report it
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(_LINES_SUFFIXES):
        return "lines", head, not more
    body = head.lstrip()
    newline = body.find(b"\n")
    if newline > 0 and body[newline:].strip():
        try:
            first = orjson.loads(body[:newline])
        except orjson.JSONDecodeError:
            first = None
        if isinstance(first, dict):
            return "lines", head, not more
    return "document", head, not more


def _iter_file(path: Path, on_read: Callable[[int], None] | None) -> Iterator[Item | Problem]:
    meter = _Meter(on_read)
    try:
        yield from _read_file(path, meter)
    finally:
        with contextlib.suppress(OSError):
            meter.to(path.stat().st_size)


def _read_file(path: Path, meter: _Meter) -> Iterator[Item | Problem]:
    name = str(path)
    try:
        mode, head, complete = _head_and_mode(path)
        if complete and not head.strip():
            yield Problem(name, WHOLE_FILE, "empty file")
        elif mode == "lines":
            yield from _iter_lines(path, meter)
        elif complete and len(head) <= SMALL_DOCUMENT:
            yield from _iter_small(path, head, meter)
        else:
            yield from _iter_document(path, meter)
    except _StopReading as stop:
        yield Problem(name, stop.position, stop.message)
    except OSError as error:
        yield Problem(name, WHOLE_FILE, f"cannot read: {error.strerror or error}; {STOPPED}")


# --------------------------------------------------------------------------------------------
# What a value is


@cache
def _release_fields() -> frozenset[str]:
    from spilno.transparency.ocds import standard

    return frozenset(standard.release_schema()["properties"])


def _shape(keys: Iterable[str], arrays: set[str]) -> tuple[str, str | None, str | None]:
    """(what, array key, problem) of an object from its top-level keys; ``arrays`` are the keys
    among "releases"/"records" whose value is an array. ``what`` is "release", "record",
    "package" or "bad"."""
    keys = set(keys)
    if "ocid" not in keys and "id" not in keys:
        if "records" in arrays:
            return "package", "records", None
        if "releases" in arrays:
            return "package", "releases", None
        for key in ("records", "releases"):
            if key in keys:
                return "bad", None, f"'{key}' is not an array"
    if keys & {"compiledRelease", "versionedRelease"} or ("releases" in keys and "ocid" in keys):
        return "record", None, None
    if keys & _release_fields():
        return "release", None, None
    return "bad", None, "not an OCDS release, record or package (no ocid, id, releases or records)"


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return "an object"


def _join(base: str, position: str) -> str:
    return f"{base}, {position}" if base else position


def _items_from_value(name: str, value: Any, base: str) -> Iterator[Item | Problem]:
    """The items of one parsed top-level value (small documents and JSON Lines)."""
    where = base or WHOLE_FILE
    if not isinstance(value, dict):
        yield Problem(
            name,
            where,
            f"expected a release, record or package object, found {_type_name(value)}",
        )
        return
    arrays = {k for k in ("releases", "records") if isinstance(value.get(k), list)}
    what, key, problem = _shape(value.keys(), arrays)
    if what == "bad":
        yield Problem(name, where, problem or "")
    elif what in ("release", "record"):
        yield Item(name, where, what, value, None)
    else:
        assert key is not None
        package = {k: v for k, v in value.items() if k != key}
        kind = key[:-1]
        for index, element in enumerate(value[key]):
            yield _element(name, _join(base, f"{key}[{index}]"), kind, element, package)


def _element(
    name: str, position: str, kind: str, element: Any, package: dict[str, Any] | None
) -> Item | Problem:
    if isinstance(element, dict):
        return Item(name, position, kind, element, package)
    return Problem(name, position, f"a {kind} must be an object, found {_type_name(element)}")


# --------------------------------------------------------------------------------------------
# JSON Lines


def _lines(stream: _Stream) -> Iterator[bytes]:
    """The lines of a stream, without their ``\n`` (long lines are joined once, not re-copied)."""
    rest: list[bytes] = []
    while chunk := stream.read(_CHUNK):
        parts = chunk.split(b"\n")
        if len(parts) == 1:
            rest.append(chunk)
            continue
        if rest:
            rest.append(parts[0])
            parts[0] = b"".join(rest)
        rest = [parts.pop()]
        yield from parts
    if rest and any(rest):
        yield b"".join(rest)


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} overflows a double")
    return number


def _parse_line(line: bytes) -> Any:
    """orjson, then (for what it refuses) the standard library, which reports errors better."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    import json

    value = json.loads(line.decode("utf-8"), parse_constant=_constant, parse_float=_finite)
    try:
        orjson.dumps(value)
    except TypeError as error:  # a lone surrogate escape ("\\ud800") makes a str no codec writes
        raise ValueError(str(error)) from error
    return value


def _iter_lines(path: Path, meter: _Meter) -> Iterator[Item | Problem]:
    import json

    name = str(path)
    with _Stream(path, check_utf8=False, meter=meter) as stream:
        offset = 0
        for number, raw in enumerate(_lines(stream), start=1):
            start, offset = offset, offset + len(raw) + 1
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if not line.strip():
                continue
            byte = "" if stream.transcoded else f" (byte {start})"
            try:
                value = _parse_line(line)
            except UnicodeDecodeError as error:
                at = "" if stream.transcoded else f" (byte {start + error.start})"
                bad = line[error.start : error.start + 1].hex()
                yield Problem(
                    name,
                    f"line {number}, column {error.start + 1}{at}",
                    f"not valid UTF-8: byte 0x{bad} cannot be decoded",
                )
                continue
            except json.JSONDecodeError as error:
                at = ""
                if not stream.transcoded:
                    at = f" (byte {start + len(error.doc[: error.pos].encode('utf-8'))})"
                yield Problem(
                    name, f"line {number}, column {error.colno}{at}", f"invalid JSON: {error.msg}"
                )
                continue
            except ValueError as error:
                yield Problem(name, f"line {number}{byte}", f"invalid JSON: {error}")
                continue
            yield from _items_from_value(name, value, f"line {number}")


# --------------------------------------------------------------------------------------------
# JSON documents


def _iter_small(path: Path, data: bytes, meter: _Meter) -> Iterator[Item | Problem]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        # concatenated values, syntax or encoding errors: the streaming reader says where
        yield from _iter_document(path, meter)
        return
    yield from _items_from_value(str(path), value, "")


@dataclass
class _Value:
    """The shape of one top-level value, from the first pass."""

    kind: str  # "object", "array" or "scalar"
    keys: list[str]
    arrays: dict[str, int]  # "releases"/"records" whose value is an array -> number of elements
    metadata: dict[str, Any]
    complete: bool = False


_OPEN = frozenset(("start_map", "start_array"))
_CLOSE = frozenset(("end_map", "end_array"))


def _scan(stream: _Stream) -> list[_Value]:
    """First pass: every top-level value's keys, array sizes and metadata (not the items).

    Stops silently at the first error (the second pass reports it, after the items before it)."""
    values: list[_Value] = []
    events = _ijson.basic_parse(stream, use_float=True, multiple_values=True, buf_size=_CHUNK)
    depth = 0
    current: _Value | None = None
    key = ""
    builder: Any = None  # ObjectBuilder of the metadata value being read
    counting = ""  # the array whose elements are being counted
    try:
        for event, value in events:
            if depth == 0:
                if event == "start_map":
                    current = _Value("object", [], {}, {})
                    values.append(current)
                    depth = 1
                elif event == "start_array":
                    current = _Value("array", [], {}, {})
                    values.append(current)
                    depth = 1
                else:
                    values.append(_Value("scalar", [], {}, {}, complete=True))
                continue
            assert current is not None
            if depth == 1:
                if event == "map_key":
                    key = value
                    current.keys.append(key)
                    continue
                if event in _CLOSE:
                    current.complete = True
                    depth = 0
                    continue
                if current.kind == "array":
                    if event in _OPEN:
                        depth += 1
                    continue
                if key in ("releases", "records") and event == "start_array":
                    counting = key
                    current.arrays[key] = 0
                    depth = 2
                    continue
                if event in _OPEN:
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    depth = 2
                else:
                    current.metadata[key] = value
                continue
            # depth >= 2: inside a metadata value, an array being counted, or a top-level array
            if event in _OPEN:
                if depth == 2 and counting:
                    current.arrays[counting] += 1
                depth += 1
            elif event in _CLOSE:
                depth -= 1
            elif depth == 2 and counting:
                current.arrays[counting] += 1
            if builder is not None:
                builder.event(event, value)
                if depth == 1:
                    current.metadata[key] = builder.value
                    builder = None
            elif depth == 1:
                counting = ""
    except (ijson.JSONError, _StopReading):
        pass
    return values


def _locate(stream: _Stream, error: Exception) -> str:
    """Where yajl stopped: it quotes up to 30 bytes either side of the place, with the caret in
    column 40, from the last buffer it was given; find that quote in the last chunk read."""
    message = str(error)
    if message.startswith(("b'", 'b"')):
        try:
            text = ast.literal_eval(message)
        except (ValueError, SyntaxError):
            text = message.encode("utf-8", "replace")
    else:
        text = message.encode("utf-8", "replace")
    lines = text.split(b"\n")
    if b"premature EOF" in lines[0] or len(lines) < 3 or b"^" not in lines[2]:
        return stream.where(stream.delivered)
    quote = lines[1]
    chunk = stream.last.replace(b"\n", b" ").replace(b"\r", b" ")
    found = []
    for offset in range(min(30, len(chunk) + 1)):
        if quote == b" " * (40 - offset) + chunk[: offset + 30]:
            found.append(offset)
    body = quote[10:]
    at = chunk.find(body)
    while at >= 0 and len(found) < 2:
        if chunk[at : at + 60] == body and at + 30 >= 30:
            found.append(at + 30)
        at = chunk.find(body, at + 1)
    if found:
        # yajl has consumed the offending byte: point at it
        return stream.where(stream.last_start + max(0, found[0] - 1))
    return stream.where(stream.last_start)


def _reason(error: Exception) -> str:
    first = str(error).split("\n", 1)[0]
    if first.startswith(("b'", 'b"')):
        first = first[2:].split("\\n", 1)[0]
    if "premature EOF" in first:
        return "invalid JSON: unexpected end of data (truncated file?)"
    return f"invalid JSON: {first}"


def _iter_document(path: Path, meter: _Meter) -> Iterator[Item | Problem]:
    """Two streaming passes: shapes and metadata, then the items."""
    name = str(path)
    with _Stream(path, check_utf8=True) as stream:
        values = _scan(stream)
    if not values:
        # nothing but whitespace, or an error before the first value: the second pass says which
        values = [_Value("scalar", [], {}, {})]
    several = len(values) > 1
    plans: list[tuple[str, str, str | None, dict[str, Any] | None]] = []
    for number, value in enumerate(values, start=1):
        base = f"value {number}" if several else ""
        if value.kind != "object":
            plans.append(("skip", base, None, None))
            continue
        what, key, _problem = _shape(value.keys, set(value.arrays))
        if what == "package":
            assert key is not None
            metadata = {k: v for k, v in value.metadata.items() if k != key}
            plans.append(("package", base, key, metadata))
        else:
            plans.append(("object", base, None, None))
    with _Stream(path, check_utf8=True, meter=meter) as stream:
        try:
            if not several and plans[0][0] == "package":
                _, _, key, found = plans[0]
                kind = str(key)[:-1]
                elements = _ijson.items(stream, f"{key}.item", use_float=True, buf_size=_CHUNK)
                for index, element in enumerate(elements):
                    yield _element(name, f"{key}[{index}]", kind, element, found)
            else:
                yield from _route(name, stream, plans)
            return
        except _StopReading as stop:
            yield Problem(name, stop.position, stop.message)
        except ijson.JSONError as error:
            yield Problem(name, _locate(stream, error), f"{_reason(error)}; {STOPPED}")


def _route(
    name: str, stream: _Stream, plans: list[tuple[str, str, str | None, dict[str, Any] | None]]
) -> Iterator[Item | Problem]:
    """Second pass over several top-level values (or one that is not a package): each value's
    events go to a builder suited to its shape."""
    events = _ijson.parse(stream, use_float=True, multiple_values=True, buf_size=_CHUNK)
    number = -1
    built: list[Any] = []
    sink: Any = None
    index = 0
    for prefix, event, value in events:
        if prefix == "" and event not in _CLOSE and event != "map_key":
            number += 1  # a new top-level value starts
            plan, base, key, metadata = plans[min(number, len(plans) - 1)]
            index = 0
            if event != "start_map":
                found = "an array" if event == "start_array" else _type_name(value)
                yield Problem(
                    name,
                    base or WHOLE_FILE,
                    f"expected a release, record or package object, found {found}",
                )
                sink = None
                continue
            target = f"{key}.item" if plan == "package" else ""
            sink = _ijson.items_basecoro(_Collector(built.append), target)
        if sink is None:
            continue
        sink.send((prefix, event, value))
        for element in built:
            plan, base, key, metadata = plans[min(number, len(plans) - 1)]
            if plan == "package":
                assert key is not None
                yield _element(name, _join(base, f"{key}[{index}]"), key[:-1], element, metadata)
                index += 1
            else:
                yield from _items_from_value(name, element, base)
        built.clear()


class _Collector:
    """A coroutine-like target for ijson's push interface."""

    def __init__(self, append: Callable[[Any], None]) -> None:
        self.send = append

    def close(self) -> None:
        pass
