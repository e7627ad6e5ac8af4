"""The OCDS analytics store: imported releases and records in DuckDB (ADR 0008).

One file, ``SPILNO_ANALYTICS_DIR / "ocds.duckdb"``, apart from the OLTP database. Tables:

``releases``
    One row per (ocid, release id): date (TIMESTAMPTZ, UTC), tags, buyer, package metadata
    (publisher, uri, publishedDate), where it came from (file, position, run), a content hash and
    the whole release as JSON.
``parties``, ``tenders``, ``awards``, ``contracts``, ``items``
    Flattened from each release, keyed by ``ocid`` + ``release_id`` (items also by ``source``:
    tender, award or contract, and ``parent_id``: the award's or contract's id).
``records``
    One row per ocid from record packages: the compiled release and the releases (links or
    embedded) as JSON.
``import_runs``, ``rejections``
    What each run read, imported, skipped and rejected, and why (file, position, reason).

How an import works (:class:`Importer`)
    1. Read the input with :func:`.reader.iter_items`, streaming, and write what is accepted so far
       to temporary NDJSON files (one per table) next to the database: memory stays flat.
       Items are rejected one by one: not readable, missing or empty ocid or id, a release date
       that cannot be parsed. Odd but clear dates (no time zone, a space for ``T``, a date only,
       no seconds, ``+0200``) are normalised to UTC and the release keeps a ``date_note``.
    2. In **one DuckDB transaction**: load the NDJSON, drop the items of JSON documents whose
       reading stopped at an error (a truncated package may lack data: the whole file is
       rejected, item by item; in JSON Lines only the bad lines are lost), resolve duplicates,
       insert, record the run and its rejections, commit. An error, a crash or Ctrl-C before the
       commit leaves the store exactly as it was.

Duplicates
    Within one run, the first occurrence of a key (ocid + release id; ocid for records) wins: a
    later identical copy (same content hash) is counted as a duplicate and skipped, a later one
    with different content is rejected ("duplicate release id with different content"). Against
    the store, an identical release is "unchanged" (re-importing is idempotent) and a different
    one is rejected as conflicting: OCDS releases are immutable, so a changed release under the
    same id is a publisher's error worth seeing, not something to overwrite silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import duckdb
import orjson

from spilno.transparency.ocds.reader import STOPPED, Item, Problem, Skipped, iter_items

DATABASE = "ocds.duckdb"
#: DuckDB's memory budget during an import (it spills to disk beyond it).
MEMORY_LIMIT = "512MB"
#: The largest release or record imported (as compact JSON); larger ones are rejected.
MAX_ITEM = 32 * 1024 * 1024

# --------------------------------------------------------------------------------------------
# Dates

_DATE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})"
    r"(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$",
    re.ASCII,
)


def normalise_date(value: Any) -> tuple[datetime, str | None]:
    """An OCDS date as an aware UTC datetime, and a note when it was not RFC 3339.

    Accepted with a note: no time zone (read as UTC), a space instead of ``T``, a date only
    (midnight UTC), no seconds, an offset without a colon or with hours only, more than six
    decimals (truncated), white space around. Anything else raises :class:`ValueError`."""
    if not isinstance(value, str):
        raise ValueError(f"date is not a string: {orjson.dumps(value).decode()[:40]}")
    match = _DATE.match(value)
    if not match:
        raise ValueError(f"unparseable date {value[:60]!r}")
    year, month, day, separator, hour, minute, second, fraction, zone = match.groups()
    notes = []
    if value != value.strip():
        notes.append("white space around")
    if separator is None:
        notes.append("date only, read as midnight")
    elif separator == " ":
        notes.append("space instead of T")
    if separator is not None and second is None:
        notes.append("no seconds")
    micro = 0
    if fraction:
        if len(fraction) > 6:
            notes.append("more than 6 decimals of a second, truncated")
        micro = int(fraction[:6].ljust(6, "0"))
    if zone is None:
        notes.append("no time zone, read as UTC")
        tz = UTC
    elif zone in ("Z", "z"):
        tz = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        if len(digits) == 2:
            notes.append("offset in hours only")
        elif ":" not in zone:
            notes.append("offset without a colon")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"unparseable date {value[:60]!r}: bad offset")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
    except ValueError as error:
        raise ValueError(f"unparseable date {value[:60]!r}: {error}") from None
    return moment.astimezone(UTC), "; ".join(notes) or None


def _iso(value: Any) -> str | None:
    """A date for a flattened column: normalised, or None when absent or unparseable."""
    if value is None:
        return None
    try:
        return normalise_date(value)[0].isoformat()
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Tables

TABLES: dict[str, list[tuple[str, str]]] = {
    "releases": [
        ("ocid", "VARCHAR NOT NULL"),
        ("release_id", "VARCHAR NOT NULL"),
        ("date", "TIMESTAMPTZ"),
        ("date_note", "VARCHAR"),
        ("tags", "VARCHAR[]"),
        ("initiation_type", "VARCHAR"),
        ("language", "VARCHAR"),
        ("buyer_id", "VARCHAR"),
        ("buyer_name", "VARCHAR"),
        ("publisher", "VARCHAR"),
        ("package_uri", "VARCHAR"),
        ("published_date", "TIMESTAMPTZ"),
        ("source_file", "VARCHAR"),
        ("position", "VARCHAR"),
        ("run_id", "INTEGER"),
        ("content_hash", "VARCHAR"),
        ("data", "JSON"),
    ],
    "records": [
        ("ocid", "VARCHAR NOT NULL"),
        ("release_count", "INTEGER"),
        ("linked", "BOOLEAN"),
        ("compiled_date", "TIMESTAMPTZ"),
        ("publisher", "VARCHAR"),
        ("package_uri", "VARCHAR"),
        ("published_date", "TIMESTAMPTZ"),
        ("source_file", "VARCHAR"),
        ("position", "VARCHAR"),
        ("run_id", "INTEGER"),
        ("content_hash", "VARCHAR"),
        ("compiled_release", "JSON"),
        ("data", "JSON"),
    ],
    "parties": [
        ("ocid", "VARCHAR"),
        ("release_id", "VARCHAR"),
        ("party_id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("roles", "VARCHAR[]"),
        ("identifier_scheme", "VARCHAR"),
        ("identifier_id", "VARCHAR"),
        ("country_name", "VARCHAR"),
        ("locality", "VARCHAR"),
    ],
    "tenders": [
        ("ocid", "VARCHAR"),
        ("release_id", "VARCHAR"),
        ("tender_id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("status", "VARCHAR"),
        ("procurement_method", "VARCHAR"),
        ("procurement_method_details", "VARCHAR"),
        ("main_procurement_category", "VARCHAR"),
        ("value_amount", "DOUBLE"),
        ("value_currency", "VARCHAR"),
        ("start_date", "TIMESTAMPTZ"),
        ("end_date", "TIMESTAMPTZ"),
        ("number_of_tenderers", "INTEGER"),
        ("procuring_entity_id", "VARCHAR"),
        ("procuring_entity_name", "VARCHAR"),
    ],
    "awards": [
        ("ocid", "VARCHAR"),
        ("release_id", "VARCHAR"),
        ("award_id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("status", "VARCHAR"),
        ("date", "TIMESTAMPTZ"),
        ("value_amount", "DOUBLE"),
        ("value_currency", "VARCHAR"),
        ("supplier_ids", "VARCHAR[]"),
        ("supplier_names", "VARCHAR[]"),
    ],
    "contracts": [
        ("ocid", "VARCHAR"),
        ("release_id", "VARCHAR"),
        ("contract_id", "VARCHAR"),
        ("award_id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("status", "VARCHAR"),
        ("date_signed", "TIMESTAMPTZ"),
        ("start_date", "TIMESTAMPTZ"),
        ("end_date", "TIMESTAMPTZ"),
        ("value_amount", "DOUBLE"),
        ("value_currency", "VARCHAR"),
    ],
    "items": [
        ("ocid", "VARCHAR"),
        ("release_id", "VARCHAR"),
        ("source", "VARCHAR"),
        ("parent_id", "VARCHAR"),
        ("item_id", "VARCHAR"),
        ("description", "VARCHAR"),
        ("classification_scheme", "VARCHAR"),
        ("classification_id", "VARCHAR"),
        ("quantity", "DOUBLE"),
        ("unit_name", "VARCHAR"),
        ("unit_value_amount", "DOUBLE"),
        ("unit_value_currency", "VARCHAR"),
    ],
    "import_runs": [
        ("run_id", "INTEGER PRIMARY KEY"),
        ("started_at", "TIMESTAMPTZ"),
        ("finished_at", "TIMESTAMPTZ"),
        ("paths", "VARCHAR[]"),
        ("files", "INTEGER"),
        ("items", "INTEGER"),
        ("imported", "INTEGER"),
        ("duplicates", "INTEGER"),
        ("unchanged", "INTEGER"),
        ("rejected", "INTEGER"),
        ("normalised_dates", "INTEGER"),
    ],
    "rejections": [
        ("run_id", "INTEGER"),
        ("seq", "BIGINT"),
        ("file", "VARCHAR"),
        ("position", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("ocid", "VARCHAR"),
        ("release_id", "VARCHAR"),
    ],
}
# No PRIMARY KEY on releases and records: DuckDB keeps such indexes in memory, which would grow
# with the store; the importer itself guarantees one row per key (see Importer._resolve).
_KEYS: dict[str, str] = {}
FLAT = ("parties", "tenders", "awards", "contracts", "items")


def _base_type(sql: str) -> str:
    return sql.replace(" NOT NULL", "").replace(" PRIMARY KEY", "")


def create_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the tables that do not exist yet (idempotent)."""
    for table, columns in TABLES.items():
        body = ", ".join(f"{name} {sql}" for name, sql in columns)
        if table in _KEYS:
            body += f", {_KEYS[table]}"
        connection.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The store at ``path`` (created with its tables if missing), in UTC."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, str | bool | int | float | list[str]] = {}
    if not read_only:
        config = {"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": False}
    connection = duckdb.connect(str(path), read_only=read_only, config=config)
    connection.execute("SET TimeZone = 'UTC'")
    if not read_only:
        # beyond the limit DuckDB spills to disk next to the database, so memory stays flat
        connection.execute("SET temp_directory = ?", [str(path.parent / ".duckdb-tmp")])
    if not read_only:
        create_schema(connection)
    return connection


# --------------------------------------------------------------------------------------------
# Flattening


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None
    return None


def _int(value: Any) -> int | None:
    number = _num(value)
    if number is None or number != int(number) or abs(number) >= 2**31:
        return None
    return int(number)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strs(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [s for s in (_str(v) for v in value) if s is not None]


def _items(key: tuple[str, str], source: str, parent: Any, values: Any) -> list[list[Any]]:
    rows = []
    for item in _dicts(values):
        classification = _dict(item.get("classification"))
        unit = _dict(item.get("unit"))
        unit_value = _dict(unit.get("value"))
        rows.append(
            [
                *key,
                source,
                _str(parent),
                _str(item.get("id")),
                _str(item.get("description")),
                _str(classification.get("scheme")),
                _str(classification.get("id")),
                _num(item.get("quantity")),
                _str(unit.get("name")),
                _num(unit_value.get("amount")),
                _str(unit_value.get("currency")),
            ]
        )
    return rows


def flatten(ocid: str, release_id: str, release: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """The rows of the flattened tables for one release (columns as in :data:`TABLES`)."""
    key = (ocid, release_id)
    out: dict[str, list[list[Any]]] = {table: [] for table in FLAT}
    for party in _dicts(release.get("parties")):
        identifier = _dict(party.get("identifier"))
        address = _dict(party.get("address"))
        out["parties"].append(
            [
                *key,
                _str(party.get("id")),
                _str(party.get("name")),
                _strs(party.get("roles")),
                _str(identifier.get("scheme")),
                _str(identifier.get("id")),
                _str(address.get("countryName")),
                _str(address.get("locality")),
            ]
        )
    tender = release.get("tender")
    if isinstance(tender, dict):
        value = _dict(tender.get("value"))
        period = _dict(tender.get("tenderPeriod"))
        entity = _dict(tender.get("procuringEntity"))
        out["tenders"].append(
            [
                *key,
                _str(tender.get("id")),
                _str(tender.get("title")),
                _str(tender.get("status")),
                _str(tender.get("procurementMethod")),
                _str(tender.get("procurementMethodDetails")),
                _str(tender.get("mainProcurementCategory")),
                _num(value.get("amount")),
                _str(value.get("currency")),
                _iso(period.get("startDate")),
                _iso(period.get("endDate")),
                _int(tender.get("numberOfTenderers")),
                _str(entity.get("id")),
                _str(entity.get("name")),
            ]
        )
        out["items"] += _items(key, "tender", None, tender.get("items"))
    for award in _dicts(release.get("awards")):
        value = _dict(award.get("value"))
        suppliers = _dicts(award.get("suppliers"))
        out["awards"].append(
            [
                *key,
                _str(award.get("id")),
                _str(award.get("title")),
                _str(award.get("status")),
                _iso(award.get("date")),
                _num(value.get("amount")),
                _str(value.get("currency")),
                [s for s in (_str(x.get("id")) for x in suppliers) if s is not None],
                [s for s in (_str(x.get("name")) for x in suppliers) if s is not None],
            ]
        )
        out["items"] += _items(key, "award", award.get("id"), award.get("items"))
    for contract in _dicts(release.get("contracts")):
        value = _dict(contract.get("value"))
        period = _dict(contract.get("period"))
        out["contracts"].append(
            [
                *key,
                _str(contract.get("id")),
                _str(contract.get("awardID")),
                _str(contract.get("title")),
                _str(contract.get("status")),
                _iso(contract.get("dateSigned")),
                _iso(period.get("startDate")),
                _iso(period.get("endDate")),
                _num(value.get("amount")),
                _str(value.get("currency")),
            ]
        )
        out["items"] += _items(key, "contract", contract.get("id"), contract.get("items"))
    return out


# --------------------------------------------------------------------------------------------
# Importing


@dataclass
class Report:
    """What one import run did."""

    run_id: int | None = None
    files: int = 0
    skipped_files: int = 0
    items: int = 0
    imported: int = 0
    duplicates: int = 0
    unchanged: int = 0
    rejected: int = 0
    notes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def normalised_dates(self) -> int:
        return sum(self.notes.values())


def _key(value: Any) -> str | None:
    """An ocid or release id as a key: a non-blank string, or an integer (OCDS 1.0 ids)."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _content_hash(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()[:32]


class _Staging:
    """Temporary NDJSON files, one per table, in a private folder next to the database."""

    TABLES = ("releases", "records", "rejections", *FLAT)

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=".import-", dir=folder))
        self.files: dict[str, IO[bytes]] = {
            name: (self.folder / f"{name}.ndjson").open("wb") for name in self.TABLES
        }
        self.names = {name: [c for c, _ in _staged_columns(name)] for name in self.TABLES}

    def write(self, table: str, row: list[Any]) -> None:
        names = self.names[table]
        row = row + [None] * (len(names) - len(row))
        self.files[table].write(orjson.dumps(dict(zip(names, row, strict=True))) + b"\n")

    def path(self, table: str) -> str:
        return str(self.folder / f"{table}.ndjson")

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# Staged columns: ``seq`` first (the order items were read), then the table's own columns
# (releases/records without run_id, which is known only in the transaction).
def _staged_columns(table: str) -> list[tuple[str, str]]:
    if table == "rejections":
        return [c for c in TABLES["rejections"] if c[0] != "run_id"]
    return [("seq", "BIGINT")] + [
        (name, _base_type(sql)) for name, sql in TABLES[table] if name != "run_id"
    ]


class Importer:
    """Imports OCDS files into the store at ``database`` (see the module's docstring)."""

    def __init__(self, database: Path) -> None:
        self.database = database

    def run(
        self,
        paths: Iterable[str | Path],
        *,
        on_read: Callable[[int], None] | None = None,
        on_item: Callable[[Item | Problem], None] | None = None,
    ) -> Report:
        started = datetime.now(UTC)
        clock = time.perf_counter()
        names = [str(p) for p in paths]
        report = Report()
        # open (and lock) the store first: a store in use fails before any reading
        connection = connect(self.database)
        staging = _Staging(self.database.parent)
        try:
            broken = self._read(names, staging, report, on_read, on_item)
            staging.close()
            self._commit(connection, staging, broken, report, names, started)
        finally:
            staging.remove()
            connection.close()
        report.seconds = time.perf_counter() - clock
        return report

    # -- reading (no database) ------------------------------------------------------------

    def _read(
        self,
        paths: list[str],
        staging: _Staging,
        report: Report,
        on_read: Callable[[int], None] | None,
        on_item: Callable[[Item | Problem], None] | None,
    ) -> dict[str, str]:
        """Stage every item; returns {file: reason} for JSON documents whose reading stopped."""
        seq = 0
        files: set[str] = set()
        lines: set[str] = set()  # files read as JSON Lines
        broken: dict[str, str] = {}
        for result in iter_items(paths, on_read=on_read):
            seq += 1
            if on_item is not None:
                on_item(result)
            if isinstance(result, Skipped):
                report.skipped_files += 1
                report.skipped.append(result)
                continue
            files.add(result.path)
            if isinstance(result, Problem):
                staging.write("rejections", [seq, result.path, result.position, result.message])
                if result.fatal and result.path not in lines:
                    message = result.message.removesuffix(f"; {STOPPED}")
                    broken[result.path] = f"{result.position}: {message}"
                continue
            report.items += 1
            if result.position.startswith("line "):
                lines.add(result.path)
            reason = self._stage(seq, result, staging, report)
            if reason is not None:
                ocid, release_id = _key(result.data.get("ocid")), _key(result.data.get("id"))
                staging.write(
                    "rejections", [seq, result.path, result.position, reason, ocid, release_id]
                )
        report.files = len(files)
        return broken

    def _stage(self, seq: int, item: Item, staging: _Staging, report: Report) -> str | None:
        """Stage one item; the reason it is rejected, or None."""
        data = item.data
        ocid = _key(data.get("ocid"))
        if ocid is None:
            return "missing ocid" if data.get("ocid") in (None, "") else "ocid is not a string"
        package = item.package or {}
        publisher = _str(_dict(package.get("publisher")).get("name"))
        package_uri = _str(package.get("uri"))
        published = _iso(package.get("publishedDate"))
        canonical = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
        if len(canonical) > MAX_ITEM:
            return f"{item.kind} larger than {MAX_ITEM // 1024 // 1024} MB ({len(canonical)} bytes)"
        digest = _content_hash(canonical)
        if item.kind == "record":
            releases = data.get("releases")
            listed = _dicts(releases)
            compiled = data.get("compiledRelease")
            staging.write(
                "records",
                [
                    seq,
                    ocid,
                    len(listed),
                    bool(listed) and all("id" not in r for r in listed),
                    _iso(_dict(compiled).get("date")),
                    publisher,
                    package_uri,
                    published,
                    item.path,
                    item.position,
                    digest,
                    compiled if isinstance(compiled, dict) else None,
                    orjson.Fragment(canonical),
                ],
            )
            return None
        release_id = _key(data.get("id"))
        if release_id is None:
            return "missing release id" if data.get("id") in (None, "") else "id is not a string"
        date: str | None
        note: str | None
        if data.get("date") is None:
            date, note = None, "no date"
        else:
            try:
                moment, note = normalise_date(data.get("date"))
            except ValueError as error:
                return str(error)
            date = moment.isoformat()
        if note:
            report.notes[note] += 1
        buyer = _dict(data.get("buyer"))
        staging.write(
            "releases",
            [
                seq,
                ocid,
                release_id,
                date,
                note,
                _strs(data.get("tag")),
                _str(data.get("initiationType")),
                _str(data.get("language")),
                _str(buyer.get("id")),
                _str(buyer.get("name")),
                publisher,
                package_uri,
                published,
                item.path,
                item.position,
                digest,
                orjson.Fragment(canonical),
            ],
        )
        for table, rows in flatten(ocid, release_id, data).items():
            for row in rows:
                staging.write(table, [seq, *row])
        return None

    # -- the transaction ------------------------------------------------------------------

    @staticmethod
    def _staged(staging: _Staging, table: str) -> str:
        """A ``read_ndjson(...)`` table function over a staged file (typed columns)."""
        spec = ", ".join(f"'{name}': '{sql}'" for name, sql in _staged_columns(table))
        path = staging.path(table).replace("'", "''")
        return (
            f"read_ndjson('{path}', columns = {{{spec}}}, format = 'newline_delimited', "
            f"maximum_object_size = {MAX_ITEM + 1024 * 1024})"
        )

    def _commit(
        self,
        connection: duckdb.DuckDBPyConnection,
        staging: _Staging,
        broken: dict[str, str],
        report: Report,
        paths: list[str],
        started: datetime,
    ) -> None:
        connection.execute("BEGIN TRANSACTION")
        try:
            self._apply(connection, staging, broken, report, paths, started)
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                connection.execute("ROLLBACK")
            raise

    def _apply(
        self,
        c: duckdb.DuckDBPyConnection,
        staging: _Staging,
        broken: dict[str, str],
        report: Report,
        paths: list[str],
        started: datetime,
    ) -> None:
        """The transaction's work. Only keys are materialised (in ``_import_*`` work tables that
        live and die inside the transaction, so DuckDB may spill them); the staged rows with the
        JSON are read from the NDJSON files straight into their tables."""
        run = c.execute("SELECT coalesce(max(run_id), 0) + 1 FROM import_runs").fetchone()
        assert run is not None
        run_id = int(run[0])
        report.run_id = run_id
        c.execute(
            "CREATE TABLE _import_rejections (seq BIGINT, file VARCHAR, position VARCHAR, "
            "reason VARCHAR, ocid VARCHAR, release_id VARCHAR)"
        )
        c.execute("CREATE TABLE _import_broken (file VARCHAR, reason VARCHAR)")
        if broken:
            c.executemany("INSERT INTO _import_broken VALUES (?, ?)", list(broken.items()))
        for table, key in (("releases", "release_id"), ("records", "NULL AS release_id")):
            c.execute(
                f"CREATE TABLE _import_{table} AS SELECT seq, ocid, {key}, content_hash, "  # noqa: S608
                f"source_file, position FROM {self._staged(staging, table)}"
            )
            # 1. items of JSON documents whose reading stopped: all rejected
            c.execute(
                f"""INSERT INTO _import_rejections
                SELECT s.seq, s.source_file, s.position,
                       'not imported: reading of the file stopped at ' || b.reason,
                       s.ocid, s.release_id
                FROM _import_{table} s JOIN _import_broken b ON b.file = s.source_file"""  # noqa: S608
            )
            c.execute(
                f"DELETE FROM _import_{table} "  # noqa: S608
                "WHERE source_file IN (SELECT file FROM _import_broken)"
            )
        # 2. duplicates within the run, then against the store
        self._resolve(c, "releases", ["ocid", "release_id"], report)
        self._resolve(c, "records", ["ocid"], report)
        # 3. insert what is left, straight from the staged files
        for table in ("releases", "records"):
            names = ", ".join(n for n, _ in TABLES[table] if n != "run_id")
            c.execute(
                f"INSERT INTO {table} ({names}, run_id) SELECT {names}, ? "  # noqa: S608
                f"FROM {self._staged(staging, table)} "
                f"WHERE seq IN (SELECT seq FROM _import_{table})",
                [run_id],
            )
        for flat in FLAT:
            names = ", ".join(n for n, _ in TABLES[flat])
            c.execute(
                f"INSERT INTO {flat} ({names}) SELECT {names} "  # noqa: S608
                f"FROM {self._staged(staging, flat)} "
                "WHERE seq IN (SELECT seq FROM _import_releases)"
            )
        imported = c.execute(
            "SELECT (SELECT count(*) FROM _import_releases) "
            "+ (SELECT count(*) FROM _import_records)"
        ).fetchone()
        assert imported is not None
        report.imported = int(imported[0])
        c.execute(
            "INSERT INTO rejections SELECT ?, seq, file, position, reason, ocid, release_id "  # noqa: S608
            f"FROM (SELECT * FROM {self._staged(staging, 'rejections')} "
            "UNION ALL SELECT * FROM _import_rejections) ORDER BY seq",
            [run_id],
        )
        rejected = c.execute(
            "SELECT count(*) FROM rejections WHERE run_id = ?", [run_id]
        ).fetchone()
        assert rejected is not None
        report.rejected = int(rejected[0])
        c.execute(
            "INSERT INTO import_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                started,
                datetime.now(UTC),
                paths,
                report.files,
                report.items,
                report.imported,
                report.duplicates,
                report.unchanged,
                report.rejected,
                report.normalised_dates,
            ],
        )
        for work in ("rejections", "broken", "releases", "records", "firsts"):
            c.execute(f"DROP TABLE IF EXISTS _import_{work}")

    def _resolve(
        self, c: duckdb.DuckDBPyConnection, table: str, key: list[str], report: Report
    ) -> None:
        """Keep in ``_import_<table>`` only the keys to insert; count and reject the others."""
        keys = ", ".join(key)
        on = " AND ".join(f"s.{k} = f.{k}" for k in key)
        what = "release id" if table == "releases" else "record ocid"
        c.execute(
            f"""CREATE OR REPLACE TABLE _import_firsts AS
            SELECT {keys}, min(seq) AS seq, arg_min(content_hash, seq) AS content_hash,
                   arg_min(source_file, seq) AS source_file, arg_min(position, seq) AS position
            FROM _import_{table} GROUP BY {keys}"""  # noqa: S608
        )
        duplicates = c.execute(
            f"""SELECT count(*) FROM _import_{table} s JOIN _import_firsts f ON {on}
            WHERE s.seq > f.seq AND s.content_hash = f.content_hash"""  # noqa: S608
        ).fetchone()
        assert duplicates is not None
        report.duplicates += int(duplicates[0])
        c.execute(
            f"""INSERT INTO _import_rejections
            SELECT s.seq, s.source_file, s.position,
                   'duplicate {what} with different content (first at ' || f.source_file
                   || ', ' || f.position || ')', s.ocid, s.release_id
            FROM _import_{table} s JOIN _import_firsts f ON {on}
            WHERE s.seq > f.seq AND s.content_hash <> f.content_hash"""  # noqa: S608
        )
        c.execute(
            f"DELETE FROM _import_{table} WHERE seq NOT IN (SELECT seq FROM _import_firsts)"  # noqa: S608
        )
        stored_on = " AND ".join(f"s.{k} = t.{k}" for k in key)
        unchanged = c.execute(
            f"""SELECT count(*) FROM _import_{table} s JOIN {table} t ON {stored_on}
            WHERE s.content_hash = t.content_hash"""  # noqa: S608
        ).fetchone()
        assert unchanged is not None
        report.unchanged += int(unchanged[0])
        c.execute(
            f"""INSERT INTO _import_rejections
            SELECT s.seq, s.source_file, s.position,
                   'conflicts with the {what.split()[0]} already stored (run ' || t.run_id
                   || ', ' || t.source_file || ', ' || t.position || '): same {what.split()[-1]}'
                   || ', different content', s.ocid, s.release_id
            FROM _import_{table} s JOIN {table} t ON {stored_on}
            WHERE s.content_hash <> t.content_hash"""  # noqa: S608
        )
        stored = " AND ".join(f"t.{k} = _import_{table}.{k}" for k in key)
        c.execute(
            f"DELETE FROM _import_{table} WHERE EXISTS (SELECT 1 FROM {table} t WHERE {stored})"  # noqa: S608
        )


def rejections(connection: duckdb.DuckDBPyConnection, run_id: int) -> Iterator[tuple[Any, ...]]:
    """(file, position, reason) of every rejection of a run, in reading order, streaming."""
    cursor = connection.execute(
        "SELECT file, position, reason FROM rejections WHERE run_id = ? ORDER BY seq", [run_id]
    )
    while rows := cursor.fetchmany(1000):
        yield from rows
