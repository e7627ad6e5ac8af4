"""``spilno bench portal``: the public portal with a million contracts, over real HTTP.

DESIGN §8 measures the public pages by their p95 latency with a million contracts in PostgreSQL,
so this is a benchmark, not a test. A run:

1. **Database.** A PostgreSQL database of its own (``--database-url``), made fresh and migrated
   with the project's migrations. N public contracts over N/4 processes are generated (a few
   hundred buyers with a Zipf-like skew, thousands of suppliers, CPV codes from the vendored
   vocabulary, statuses by age, log-normal values, signatures over five years), with the rows
   behind them (organisations, plans, tenders, processes, releases, withholdings), and written
   with COPY. Secondary indexes and foreign keys are dropped for the load and rebuilt after it,
   exactly as the migrations define them; then ``VACUUM (ANALYZE)``, as autovacuum would leave a
   long-lived database. ``--reuse`` keeps a database that already holds the same data.
2. **Server.** ``spilno serve`` (gunicorn) on that database, as ``bench bids`` starts it.
3. **Load.** ``--clients`` threads, each with a keep-alive ``http.client`` connection, ask for a
   mix of portal pages and their JSON API equivalents for ``--duration`` seconds: first pages,
   each filter alone and combined, 49 pages deep by cursor, process pages. Each kind of request
   is drawn equally often; latency is measured by the client per request.
4. **Plans.** The selectors behind each kind run once more in this process under EXPLAIN
   (ANALYZE, BUFFERS): which index each query used, how many rows it read, how long it took.

See docs/benchmarks.md for how to read the output and the figures measured.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import http.client
import itertools
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from spilno.procurement.bench import (
    Server,
    _cpu_busy,
    _database_line,
    child_environment,
    ensure_database,
    parse_database_url,
    percentile,
    same_database,
)

# Django-dependent imports are local to the functions that use them: the launcher runs before
# the benchmark database exists, and only the child process has it as its default database.

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/spilno_bench_portal"
MARKER = "spilno_bench_portal"  # a table only this benchmark creates: what it may drop
GENERATOR = 2  # bump when the generated data changes, so --reuse regenerates
DEEP_PAGES = 50


@dataclass(frozen=True)
class Config:
    contracts: int = 1_000_000
    clients: int = 2
    duration: float = 60.0
    workers: int = 4
    threads: int = 4
    seed: int = 20261123

    @property
    def processes(self) -> int:
        return max(1, self.contracts // 4)

    @property
    def buyers(self) -> int:
        return min(300, max(5, self.contracts // 3000))

    @property
    def suppliers(self) -> int:
        return min(5000, max(20, self.contracts // 200))


class Refused(Exception):
    """The benchmark will not run with these options or on this database."""


# --- the benchmark database (launcher side) --------------------------------------------------
def _connect(target: Mapping[str, Any], dbname: str) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=dbname,
        host=target.get("HOST") or None,
        port=target.get("PORT") or None,
        user=target.get("USER") or None,
        password=target.get("PASSWORD") or None,
        connect_timeout=5,
        autocommit=True,
    )


def _marker(target: Mapping[str, Any]) -> tuple[dict[str, Any] | None, int]:
    """The benchmark's marker row of an existing database (None: not ours) and how many tables
    the database holds in ``public``."""
    with _connect(target, target["NAME"]) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
        if conn.execute("SELECT to_regclass(%s)", [MARKER]).fetchone()[0] is None:
            return None, tables
        row = conn.execute(
            f"SELECT contracts, generator, complete FROM {MARKER} LIMIT 1"  # noqa: S608
        ).fetchone()
    if row is None:
        return {"contracts": 0, "generator": 0, "complete": False}, tables
    return {"contracts": row[0], "generator": row[1], "complete": row[2]}, tables


def _exists(target: Mapping[str, Any]) -> bool:
    with _connect(target, "postgres") as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [target["NAME"]]
        ).fetchone()
    return found is not None


def drop_database(target: Mapping[str, Any]) -> None:
    from psycopg import sql

    with _connect(target, "postgres") as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(target["NAME"])
            )
        )


def prepare_database(target: Mapping[str, Any], config: Config, reuse: bool) -> str:
    """Make the benchmark database ready; say what was done. Drops only a database this
    benchmark made (it holds the marker table) or an empty one, never anything else."""
    if _exists(target):
        marker, tables = _marker(target)
        if marker is None and tables:
            raise Refused(
                f"Database {target['NAME']} exists and was not made by bench portal "
                f"({tables} tables); drop it yourself or name another one with --database-url."
            )
        if (
            reuse
            and marker is not None
            and marker["complete"]
            and marker["contracts"] == config.contracts
            and marker["generator"] == GENERATOR
        ):
            return f"reusing {target['NAME']} ({config.contracts:,} contracts)"
        if marker is not None:
            drop_database(target)
            ensure_database(target)
            what = f"dropped and created {target['NAME']}"
        else:
            what = f"using the empty database {target['NAME']}"
    else:
        ensure_database(target)
        what = f"created {target['NAME']}"
    with _connect(target, target["NAME"]) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (contracts bigint NOT NULL, "
            "generator integer NOT NULL, complete boolean NOT NULL, generated_at timestamptz)"
        )
        conn.execute(f"DELETE FROM {MARKER}")  # noqa: S608
        conn.execute(
            f"INSERT INTO {MARKER} VALUES (%s, %s, false, NULL)",  # noqa: S608
            [config.contracts, GENERATOR],
        )
    return what


def launch(
    config: Config,
    *,
    url: str,
    data_dir: Path,
    keep: bool,
    reuse: bool,
    configured: Mapping[str, Any],
    write: Callable[[str], Any],
) -> int:
    """Check the options and the target, prepare the database and run the benchmark in a child
    process whose DATABASE_URL is the benchmark database (the server and the plans see it)."""
    target = parse_database_url(url)
    if not str(target["ENGINE"]).endswith("postgresql"):
        raise Refused(
            "bench portal measures PostgreSQL (it loads the data with COPY and prints "
            f"PostgreSQL plans): give a postgres:// --database-url, not {url}."
        )
    if same_database(target, configured):
        raise Refused(
            "--database-url names the database this installation uses; the benchmark fills and "
            f"drops its own. Give it a database of its own (default {DEFAULT_DATABASE})."
        )
    for name, low in (("contracts", 100), ("clients", 1), ("workers", 1), ("threads", 1)):
        if getattr(config, name) < low:
            raise Refused(f"--{name} must be at least {low}.")
    if config.duration <= 0:
        raise Refused("--duration must be positive.")
    try:
        write(f"bench portal: {prepare_database(target, config, reuse)}")
    except Refused:
        raise
    except Exception as exc:
        raise Refused(f"Cannot reach or prepare the benchmark database: {exc}") from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    env = child_environment(os.environ, url, data_dir)
    argv = [sys.executable, "-m", "spilno", "bench", "portal", "--in-bench-database"]
    argv += ["--contracts", str(config.contracts), "--clients", str(config.clients)]
    argv += ["--duration", str(config.duration), "--workers", str(config.workers)]
    argv += ["--threads", str(config.threads)]
    try:
        return subprocess.call(argv, env=env)  # noqa: S603 - our own interpreter and argv
    finally:
        if not (keep or reuse):
            drop_database(target)
            write(f"bench portal: dropped {target['NAME']} (--keep keeps it)")


# --- names, codes and distributions ------------------------------------------------------------
_NAMED_BUYERS = (
    "Defence Procurement Agency",
    "Ministry of Defence of Ukraine",
    "State Logistics Operator",
    "Support Forces Command",
    "National Guard of Ukraine",
    "State Special Communications Service",
    "State Border Guard Service of Ukraine",
    "Medical Forces Command",
    "Territorial Defence Forces Command",
    "Land Forces Command",
    "Air Force Command",
    "Naval Forces Command",
    "Air Assault Forces Command",
    "Special Operations Forces Command",
    "Unmanned Systems Forces Command",
    "State Emergency Service of Ukraine",
    "Main Directorate of Intelligence",
    "Main Military Clinical Hospital",
    "National Defence University of Ukraine",
    "Central Housing Directorate of the Armed Forces",
)
_STEMS = (
    "Ukr", "Arsenal", "Defence", "Techno", "Avia", "Mash", "Spets", "Radio", "Opto", "Bronya",
    "Zbroya", "Kyiv", "Kharkiv", "Dnipro", "Lviv", "Odesa", "Poltava", "Zhytomyr", "Chernihiv",
    "Vinnytsia", "Nord", "Baltic", "Vistula", "Danube", "Carpathian", "Steppe", "Polissia",
    "Tavria", "Sloboda", "Volyn", "Atlas", "Orion", "Vector", "Falcon", "Granite", "Titan",
    "Meridian", "Horizon", "Sigma", "Delta",
)  # fmt: skip
_TRADES = (
    "Systems", "Armour", "Logistics", "Optics", "Motors", "Electronics", "Textiles", "Foods",
    "Fuel", "Medical", "Engineering", "Aerospace", "Robotics", "Munitions", "Trade", "Industries",
    "Machinery", "Communications", "Security", "Construction", "Supply", "Tech", "Drones",
    "Energy", "Metals", "Chemicals", "Service", "Repair", "Instruments", "Components",
)  # fmt: skip
# Legal form, country, weight: most suppliers of a Ukrainian defence buyer are Ukrainian.
_FORMS = (
    ("LLC", "UA", 40), ("PJSC", "UA", 8), ("SE", "UA", 10), ("Sp. z o.o.", "PL", 6),
    ("GmbH", "DE", 5), ("SAS", "FR", 4), ("s.r.o.", "CZ", 4), ("UAB", "LT", 3),
    ("AB", "SE", 2), ("Ltd", "GB", 4), ("Inc.", "US", 5), ("B.V.", "NL", 3),
)  # fmt: skip
# CPV divisions a defence buyer buys from, by weight; every other division weighs 0.2.
_DIVISIONS = {
    "35": 20, "34": 8, "09": 8, "15": 7, "18": 7, "33": 7, "30": 3, "32": 4, "31": 4, "38": 4,
    "42": 3, "44": 3, "45": 5, "50": 6, "71": 2, "72": 2, "79": 2, "90": 1, "39": 2, "24": 2,
}  # fmt: skip
_METHODS = (  # display name (PublicProcess.method), code, OCDS method, weight, contract weight
    ("Open", "open", "open", 55, 1.2),
    ("Selective (pre-qualified suppliers)", "selective", "selective", 10, 1.0),
    ("Negotiated (single source)", "negotiated", "limited", 20, 1.0),
    ("Framework agreement", "framework", "selective", 10, 8.0),
    ("Government-to-government", "g2g", "direct", 5, 1.0),
)
_CURRENCIES = (("UAH", 85), ("EUR", 8), ("USD", 5), ("PLN", 1), ("GBP", 1))
_UNITS = ("pieces", "sets", "kg", "litres", "tonnes", "pairs", "units", "hours")


def _zipf(n: int, s: float) -> list[float]:
    """Cumulative Zipf weights of ranks 1..n (for ``random.choices(cum_weights=...)``)."""
    return list(itertools.accumulate(1 / (rank**s) for rank in range(1, n + 1)))


def _pick(rng: random.Random, cum: Sequence[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


@dataclass
class Vocabulary:
    """Buyers, suppliers and CPV codes with the weights contracts are drawn with."""

    buyers: list[str]
    buyer_cum: list[float]
    suppliers: list[tuple[str, str]]  # name, country
    supplier_cum: list[float]
    by_division: dict[str, tuple[list[int], list[float]]]  # suppliers of a division, Zipf
    codes: list[str]
    code_cum: list[float]
    titles: dict[str, str]


def vocabulary(config: Config, rng: random.Random) -> Vocabulary:
    from spilno.core.codes import cpv_vocabulary

    units = rng.sample(range(1000, 10000), config.buyers)
    buyers = list(_NAMED_BUYERS[: config.buyers])
    buyers += [f"Military unit A{n:04d}" for n in units[: config.buyers - len(buyers)]]
    names: dict[str, str] = {}
    form_cum = list(itertools.accumulate(w for _f, _c, w in _FORMS))
    while len(names) < config.suppliers:
        form, country, _w = _FORMS[_pick(rng, form_cum)]
        name = f"{rng.choice(_STEMS)}{rng.choice(_TRADES).lower()} {form}"
        if name in names:
            name = f"{rng.choice(_STEMS)} {rng.choice(_TRADES)} {len(names)} {form}"
        names.setdefault(name, country)
    suppliers = list(names.items())
    vocab = cpv_vocabulary()
    by_div: dict[str, list[str]] = {}
    for code in sorted(vocab):
        by_div.setdefault(code[:2], []).append(code)
    codes: list[str] = []
    weights: list[float] = []
    for division, members in by_div.items():
        rng.shuffle(members)
        within = [1 / rank for rank in range(1, len(members) + 1)]
        total = sum(within)
        share = _DIVISIONS.get(division, 0.2)
        codes += members
        weights += [share * w / total for w in within]
    divisions = sorted(by_div)
    home = [divisions[_pick(rng, _division_cum(divisions))] for _ in suppliers]
    supplier_cum = _zipf(len(suppliers), 0.9)
    grouped: dict[str, list[int]] = {}
    for index, division in enumerate(home):
        grouped.setdefault(division, []).append(index)
    return Vocabulary(
        buyers=buyers,
        buyer_cum=_zipf(len(buyers), 1.1),
        suppliers=suppliers,
        supplier_cum=supplier_cum,
        by_division={d: (ids, _zipf(len(ids), 0.9)) for d, ids in grouped.items()},
        codes=codes,
        code_cum=list(itertools.accumulate(weights)),
        titles={code: titles[0] for code, titles in vocab.items()},
    )


def _division_cum(divisions: list[str]) -> list[float]:
    return list(itertools.accumulate(_DIVISIONS.get(d, 0.2) for d in divisions))


# --- generation (child side, on the benchmark database) ------------------------------------------
def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _plain(value: Any) -> Any:
    return _json(value) if isinstance(value, dict | list) else value


class _Copy:
    """One COPY into a model's table, naming the given fields; every other column gets the
    field's default (or NULL), so the rows are what the ORM would have written."""

    def __init__(self, stack: ExitStack, conn: Any, model: Any, given: Sequence[str]) -> None:
        from psycopg import sql

        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = []
        for name, f in fields.items():
            if name in given or f.primary_key:  # a primary key not given: the database's
                continue
            value = f.get_default()  # "" for a string field without one, as the ORM saves
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{name} needs a value")
            rest.append((f.column, _plain(value)))
        columns = [fields[name].column for name in given] + [column for column, _v in rest]
        self.tail = tuple(value for _c, value in rest)
        self.table = model._meta.db_table
        self.rows = 0
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        cursor = stack.enter_context(conn.cursor())
        self.copy = stack.enter_context(cursor.copy(statement))

    def write(self, *values: Any) -> None:
        self.copy.write_row(values + self.tail)
        self.rows += 1


# The fields each COPY names, in the order ``_process`` writes them; other columns get defaults.
_COLUMNS = {
    "tender": "id reference title_en plan_id buyer_id method status currency enquiry_end "
    "tender_end standstill_end opened_at classification created_at updated_at",
    "process": "id ocid tender_id level snapshot releases signed_at awarded_at completed_at",
    "release": "id process_id release_id date tags payload level publish_at hold_event seq "
    "published_at",
    "public": "id process_id ocid title buyer method status cpv value currency tender_start "
    "tender_end updated last_seq compiled withheld",
    "contract": "id process_id contract_id title buyer supplier cpv status value currency signed "
    "period_end",
    "withholding": "process_id field reason release_at release_event release_days released_at "
    "created_at",
}


def _connection_params() -> dict[str, Any]:
    from django.db import connection

    db = connection.settings_dict
    return {
        "dbname": db["NAME"],
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
    }


def _models() -> list[Any]:
    from spilno.core.models import Organisation
    from spilno.procurement.models import ProcurementPlan, Tender
    from spilno.transparency.models import (
        FeedCounter,
        Process,
        PublicContract,
        PublicProcess,
        Release,
        Withholding,
    )

    return [
        Organisation,
        ProcurementPlan,
        Tender,
        Process,
        Release,
        PublicProcess,
        PublicContract,
        Withholding,
        FeedCounter,
    ]


@contextmanager
def _bulk_load(cursor: Any, tables: list[str], say: Callable[[str], None]) -> Iterator[None]:
    """Drop the tables' foreign keys, unique constraints (except primary keys) and indexes for
    the load, and build them again after it from their own definitions: one sort per index
    instead of a million index insertions."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
        "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') "
        "ORDER BY contype",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _definition, _kind in constraints:  # 'f' sorts before 'u'
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.monotonic()
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for table, name, definition, _kind in reversed(constraints):  # unique before foreign keys
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    say(
        f"{len(indexes)} indexes, {len(constraints)} constraints rebuilt "
        f"({time.monotonic() - started:.1f} s)"
    )


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def generate(config: Config, say: Callable[[str], None]) -> None:
    """Fill the (migrated, empty) benchmark database: organisations, plans, tenders, processes,
    releases, the public view and withholdings, by COPY over parallel connections."""
    import psycopg
    from django.conf import settings
    from django.db import connection

    from spilno.procurement.models import Tender
    from spilno.transparency.models import (
        FeedCounter,
        Process,
        PublicContract,
        PublicProcess,
        Release,
        Withholding,
    )

    rng = random.Random(config.seed)  # noqa: S311 - synthetic data, no secret
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    span = dt.timedelta(days=5 * 365)
    start = now - span
    voc = vocabulary(config, rng)
    prefix = settings.SPILNO_OCID_PREFIX
    public_url = settings.SPILNO_PUBLIC_URL.rstrip("/")
    method_cum = list(itertools.accumulate(m[3] for m in _METHODS))
    currency_cum = list(itertools.accumulate(w for _c, w in _CURRENCIES))
    processes = config.processes
    method_of = [_pick(rng, method_cum) for _ in range(processes)]
    # 8% of processes have no contract yet (tendering, cancelled, unsuccessful); the contracts
    # spread over the rest with framework agreements holding many call-offs each.
    bearing = [p for p in range(processes) if rng.random() >= 0.08] or [0]
    bearing = bearing[: config.contracts]
    counts = [0] * processes
    for p in bearing:
        counts[p] = 1
    weights = list(
        itertools.accumulate(
            _METHODS[method_of[p]][4] * rng.lognormvariate(0, 0.7) for p in bearing
        )
    )
    for _ in range(config.contracts - len(bearing)):
        counts[bearing[_pick(rng, weights)]] += 1
    # Processes are numbered in time order, as a table filled over five years would be;
    # activity grows over the years (density rising linearly to twice the start).
    ages = sorted(math.sqrt(1 + 3 * rng.random()) - 1 for _ in range(processes))
    say(
        f"{config.contracts:,} contracts over {processes:,} processes, {len(voc.buyers)} buyers, "
        f"{len(voc.suppliers):,} suppliers, {len(voc.codes):,} CPV codes"
    )

    tables = [m._meta.db_table for m in _models()]
    counts_written = Counter[str]()
    with connection.cursor() as cursor, _bulk_load(cursor, tables, say):
        started = time.monotonic()
        with ExitStack() as stack:
            conns = {}
            for key in ("tender", "process", "release", "public", "contract", "withholding"):
                conn = stack.enter_context(psycopg.connect(**_connection_params()))
                conn.execute("SET synchronous_commit = off")
                conns[key] = conn
            supplier_ids, plan_ids = _organisations_and_plans(
                conns["withholding"], voc, start, now, counts_written
            )
            targets = {
                "tender": Tender,
                "process": Process,
                "release": Release,
                "public": PublicProcess,
                "contract": PublicContract,
                "withholding": Withholding,
            }
            out = {
                key: _Copy(stack, conns[key], model, _COLUMNS[key].split())
                for key, model in targets.items()
            }
            state = _State(seq=0, contract_id=0, release_id=0)
            step = max(1, processes // 10)
            for p in range(processes):
                _process(
                    p,
                    rng=rng,
                    voc=voc,
                    out=out,
                    state=state,
                    base=start + span * ages[p],
                    now=now,
                    method=_METHODS[method_of[p]],
                    count=counts[p],
                    currency=_CURRENCIES[_pick(rng, currency_cum)][0],
                    plan_ids=plan_ids,
                    supplier_ids=supplier_ids,
                    prefix=prefix,
                    public_url=public_url,
                )
                if (p + 1) % step == 0:
                    say(
                        f"  {p + 1:,} processes, {state.contract_id:,} contracts "
                        f"({time.monotonic() - started:.0f} s)"
                    )
            for key, copy in out.items():
                counts_written[key] = copy.rows
        FeedCounter.objects.update_or_create(pk=1, defaults={"last_seq": state.seq})
        say(
            "COPY: "
            + ", ".join(f"{n:,} {key}" for key, n in counts_written.items())
            + f" ({time.monotonic() - started:.0f} s)"
        )
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608 - our tables
                f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)',
                [table],
            )
        started = time.monotonic()
        cursor.execute("VACUUM (ANALYZE)")
        say(f"VACUUM (ANALYZE) ({time.monotonic() - started:.1f} s)")
        cursor.execute(
            f"UPDATE {MARKER} SET complete = true, contracts = %s, generator = %s, "  # noqa: S608
            "generated_at = now()",
            [config.contracts, GENERATOR],
        )


def _organisations_and_plans(
    conn: Any,
    voc: Vocabulary,
    start: dt.datetime,
    now: dt.datetime,
    written: Counter[str],
) -> tuple[list[int], dict[tuple[int, int], int]]:
    """Buyers and suppliers as organisations, and a plan per buyer and year; their ids."""
    from spilno.core.models import Organisation, OrganisationKind
    from spilno.procurement.models import ProcurementPlan

    with ExitStack() as stack:
        orgs = _Copy(
            stack,
            conn,
            Organisation,
            ["id", "name_en", "country", "kind", "created_at", "updated_at"],
        )
        for index, name in enumerate(voc.buyers, start=1):
            unit = name.startswith("Military unit")
            kind = OrganisationKind.ARMED_FORCES_UNIT if unit else OrganisationKind.AGENCY
            orgs.write(index, name, "UA", kind, start, start)
        supplier_ids = []
        for index, (name, country) in enumerate(voc.suppliers, start=len(voc.buyers) + 1):
            orgs.write(index, name, country, OrganisationKind.SUPPLIER, start, start)
            supplier_ids.append(index)
        written["organisations"] = orgs.rows
    plan_ids: dict[tuple[int, int], int] = {}
    with ExitStack() as stack:
        plans = _Copy(
            stack,
            conn,
            ProcurementPlan,
            ["id", "title_en", "buyer_id", "year", "status", "created_at", "approved_at"],
        )
        for b in range(len(voc.buyers)):
            for year in range(start.year - 1, now.year + 1):
                plan_ids[(b, year)] = len(plan_ids) + 1
                moment = dt.datetime(year, 1, 15, tzinfo=dt.UTC)
                plans.write(
                    plan_ids[(b, year)], f"Procurement plan {year}", b + 1, year, "approved",
                    moment, moment,
                )  # fmt: skip
        written["plans"] = plans.rows
    return supplier_ids, plan_ids


@dataclass
class _State:
    seq: int
    contract_id: int
    release_id: int


_RESTRICTED_FIELDS = ("documents", "items.deliveryAddress", "items.quantity")
_WITHHELD_NAMES: dict[str, str] = {}  # WITHHOLDABLE names, translated once


def _process(
    p: int,
    *,
    rng: random.Random,
    voc: Vocabulary,
    out: dict[str, _Copy],
    state: _State,
    base: dt.datetime,
    now: dt.datetime,
    method: tuple[str, str, str, float, float],
    count: int,
    currency: str,
    plan_ids: dict[tuple[int, int], int],
    supplier_ids: list[int],
    prefix: str,
    public_url: str,
) -> None:
    """One process: its tender, process, releases, public view, contracts and withholdings."""
    from spilno.kernel.classification import Level
    from spilno.transparency.disclosure import WITHHOLDABLE

    pid = p + 1
    b = _pick(rng, voc.buyer_cum)
    buyer = voc.buyers[b]
    buyer_ref = {"id": f"{prefix}-org-{b + 1}", "name": buyer}
    code = voc.codes[_pick(rng, voc.code_cum)]
    what = voc.titles[code]
    display, method_code, ocds_method, _w, _cw = method
    level = rng.choices((Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED), (80, 8, 12))[0]
    award = base - dt.timedelta(days=rng.uniform(3, 15))
    tender_end = award - dt.timedelta(days=rng.uniform(10, 30))
    published = tender_end - dt.timedelta(days=rng.uniform(15, 45))
    year = published.year if (b, published.year) in plan_ids else base.year
    reference = f"SPL-{year}-{pid:06d}"
    ocid = f"{prefix}-{reference}"
    title = f"{what} ({year})" if rng.random() < 0.5 else f"Supply of {what[:1].lower()}{what[1:]}"
    items = [
        {
            "id": f"1-{pid}-{k}",
            "description": f"{what}, type {rng.randint(1, 40)}",
            "classification": {"scheme": "CPV", "id": code},
            "quantity": rng.randint(1, 5000),
            "unit": {"name": rng.choice(_UNITS)},
            "deliveryAddress": {"streetAddress": f"Depot {rng.randint(1, 400)}"},
        }
        for k in range(rng.choice((1, 1, 2, 3)))
    ]
    documents = [
        {
            "id": f"doc-{pid * 3 + k}",
            "documentType": "tenderNotice" if k == 0 else "biddingDocuments",
            "title": "Tender notice.pdf" if k == 0 else f"Specification {k}.pdf",
            "url": f"{public_url}/open/{ocid}/documents/{pid * 3 + k}/",
            "datePublished": _iso(published),
            "format": "application/pdf",
            "sha256": _sha(rng),
            "size": rng.randint(40_000, 4_000_000),
        }
        for k in range(rng.choice((1, 2)))
    ]
    contracts: list[dict[str, Any]] = []
    awards: list[dict[str, Any]] = []
    parties: dict[str, dict[str, Any]] = {
        buyer_ref["id"]: {
            **buyer_ref,
            "address": {"countryName": "UA"},
            "roles": ["buyer", "procuringEntity"],
        }
    }
    rows: list[tuple[Any, ...]] = []
    division = code[:2]
    last_signed: dt.datetime | None = None
    all_closed = count > 0
    spread = 730.0 if method_code == "framework" else 20.0
    for k in range(count):
        state.contract_id += 1
        cid = state.contract_id
        signed_at = base + dt.timedelta(days=0 if k == 0 else rng.uniform(0, spread))
        if signed_at > now - dt.timedelta(hours=1):  # not yet: some time since the first one
            signed_at = base + (now - dt.timedelta(hours=1) - base) * rng.random()
        age = (now - signed_at).days
        if age < 30 and rng.random() < 0.3:
            status, signed = "pending", None
        elif age > 365:
            status = rng.choices(("complete", "terminated", "active"), (82, 6, 12))[0]
            signed = signed_at
        elif age > 90:
            status = rng.choices(("active", "complete", "terminated"), (60, 35, 5))[0]
            signed = signed_at
        else:
            status = rng.choices(("active", "complete", "terminated"), (90, 5, 5))[0]
            signed = signed_at
        all_closed = all_closed and status in ("complete", "terminated")
        if signed is not None:
            last_signed = max(last_signed or signed, signed)
        if rng.random() < 0.7 and division in voc.by_division:
            members, cum = voc.by_division[division]
            s = members[_pick(rng, cum)]
        else:
            s = _pick(rng, voc.supplier_cum)
        supplier, country = voc.suppliers[s]
        supplier_ref = {"id": f"{prefix}-org-{supplier_ids[s]}", "name": supplier}
        party = parties.setdefault(
            supplier_ref["id"],
            {
                **supplier_ref,
                "identifier": {"scheme": "UA-EDR", "id": f"{supplier_ids[s] * 7919 % 10**8:08d}"},
                "address": {"countryName": country},
                "roles": ["supplier"],
            },
        )
        del party  # the party list is what matters
        value = round(rng.lognormvariate(12.4, 2.0), 2)
        contract_code = code if rng.random() < 0.8 else voc.codes[_pick(rng, voc.code_cum)]
        ctitle = (
            f"{voc.titles[contract_code]}: lot {k + 1}"
            if method_code != "framework"
            else f"Call-off {k + 1}: {voc.titles[contract_code]}"
        )[:300]
        period_end = (signed_at + dt.timedelta(days=rng.choice((90, 180, 365, 730)))).date()
        contract_items = [
            {
                "id": f"item-{cid}",
                "description": ctitle[:120],
                "classification": {"scheme": "CPV", "id": contract_code},
                "quantity": rng.randint(1, 2000),
                "unit": {"name": rng.choice(_UNITS)},
            }
        ]
        milestones = [
            {
                "id": f"delivery-{cid}-{m}",
                "title": f"Delivery {m}",
                "type": "delivery",
                "description": f"Depot {rng.randint(1, 400)}",
                "dueDate": (signed_at + dt.timedelta(days=30 * m)).date().isoformat(),
                "status": "met" if status == "complete" else "scheduled",
            }
            for m in range(1, rng.choice((1, 2, 3)) + 1)
            if status != "pending"
        ]
        awards.append(
            {
                "id": f"award-{cid}",
                "title": ctitle,
                "status": "active",
                "date": _iso(award),
                "value": {"amount": value, "currency": currency},
                "suppliers": [supplier_ref],
                "items": contract_items,
            }
        )
        contracts.append(
            {
                "id": f"{reference}-C{k + 1}",
                "awardID": f"award-{cid}",
                "title": ctitle,
                "status": "terminated" if status == "complete" else status,
                "statusDetails": status,
                "period": {"startDate": signed_at.date().isoformat(), "endDate": str(period_end)},
                "value": {"amount": value, "currency": currency},
                "dateSigned": _iso(signed),
                "items": contract_items,
                "implementation": {"milestones": milestones} if milestones else None,
            }
        )
        rows.append(
            (
                cid,
                pid,
                f"{reference}-C{k + 1}",
                ctitle,
                buyer,
                supplier,
                contract_code,
                status,
                f"{value:.2f}",
                currency,
                signed.date() if signed else None,
                period_end,
            )
        )
    if count:
        tender_status = "active.awarded" if any(r[7] == "pending" for r in rows) else "complete"
    elif (now - base).days < 60:
        tender_status = rng.choice(("active.tendering", "active.evaluation"))
    else:
        tender_status = rng.choice(("cancelled", "unsuccessful"))
    total = sum(float(r[8]) for r in rows) * rng.uniform(1.0, 1.3) if rows else None
    estimate = round(total if total else rng.lognormvariate(13, 2.0), 2)
    completed = (
        (last_signed or base) + dt.timedelta(days=rng.uniform(180, 540))
        if all_closed and count
        else None
    )
    completed = completed if completed and completed < now else None
    tender_section = {
        "id": reference,
        "title": title,
        "status": {"complete": "complete", "cancelled": "cancelled"}.get(tender_status, "active"),
        "statusDetails": tender_status,
        "procuringEntity": buyer_ref,
        "items": items,
        "value": {"amount": estimate, "currency": currency},
        "procurementMethod": ocds_method,
        "procurementMethodDetails": display,
        "mainProcurementCategory": "goods",
        "awardCriteria": "priceOnly",
        "enquiryPeriod": {"startDate": _iso(published), "endDate": _iso(tender_end)},
        "tenderPeriod": {"startDate": _iso(published), "endDate": _iso(tender_end)},
        "numberOfTenderers": max(1, len(parties) - 1 + rng.randint(0, 3)),
        "documents": documents,
    }
    body: dict[str, Any] = {
        "ocid": ocid,
        "initiationType": "tender",
        "language": "en",
        "parties": list(parties.values()),
        "buyer": buyer_ref,
        "tender": tender_section,
        "awards": awards,
        "contracts": contracts,
    }
    snapshot = orjson.dumps(body)
    withheld: list[dict[str, Any]] = []
    withholdings: list[tuple[Any, ...]] = []
    if level == Level.RESTRICTED:
        release_at = completed + dt.timedelta(days=365) if completed else None
        released = release_at if release_at and release_at < now else None
        for name in _RESTRICTED_FIELDS:
            spec = WITHHOLDABLE[name]
            entry: dict[str, Any] = {
                "id": name,
                "field": spec.paths[0],
                "paths": list(spec.paths),
                "name": _WITHHELD_NAMES.setdefault(name, str(spec.name)),
                "justification": "Restricted: would reveal operational needs.",
                "status": "released" if released else "withheld",
            }
            if released:
                entry["releasedDate"] = _iso(released)
            elif release_at:
                entry["availabilityDate"] = _iso(release_at)
            else:
                entry["availabilityDescription"] = "365 days after contract complete"
            withheld.append(entry)
            withholdings.append(
                (
                    pid,
                    name,
                    "Restricted: quantities, delivery places and documents would reveal "
                    "operational needs.",
                    release_at,
                    "contract_complete",
                    365,
                    released,
                    award,
                )
            )
        if not released:
            tender_section.pop("documents")
            for item in [*items, *(i for c in contracts for i in c["items"])]:
                item.pop("quantity", None)
                item.pop("unit", None)
                item.pop("deliveryAddress", None)
            for c in contracts:
                for m in (c.get("implementation") or {}).get("milestones", []):
                    m.pop("description", None)
        body["withheldInformation"] = withheld
    published_body = orjson.dumps(body) if level == Level.RESTRICTED else snapshot
    first_release = {
        "ocid": ocid,
        "id": f"{ocid}-0001",
        "date": _iso(published),
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "en",
        "parties": [parties[buyer_ref["id"]]],
        "buyer": buyer_ref,
        "tender": {**tender_section, "status": "active", "statusDetails": "active.enquiries"},
    }
    releases = [(published, ["tender"], _json(first_release), published)]
    if count:
        moment = (last_signed or base) + dt.timedelta(hours=1)
        tags = ["award", "contract"]
        head = orjson.dumps({"id": f"{ocid}-0002", "date": _iso(moment), "tag": tags})
        releases.append((moment, tags, (head[:-1] + b"," + published_body[1:]).decode(), moment))
    held = level == Level.RESTRICTED and count and (now - (last_signed or base)).days < 30
    updated, last_seq = releases[-1][0], 0
    for number, (date, tags, payload, published_at) in enumerate(releases, start=1):
        state.release_id += 1
        state.seq += 1
        last_seq = state.seq
        out["release"].write(
            state.release_id,
            pid,
            f"{ocid}-{number:04d}",
            date,
            _json(tags),
            payload,
            level,
            published_at,
            "",
            state.seq,
            published_at,
        )
    if held:
        # A newer release waits for its publication date: what the withheld page lists.
        state.release_id += 1
        date = now - dt.timedelta(days=rng.uniform(0, 5))
        out["release"].write(
            state.release_id,
            pid,
            f"{ocid}-{len(releases) + 1:04d}",
            date,
            _json(["implementation"]),
            _json(
                {"ocid": ocid, "id": f"{ocid}-{len(releases) + 1:04d}", "tag": ["implementation"]}
            ),
            level,
            date + dt.timedelta(days=30),
            "",
            None,
            None,
        )
    compiled_head = orjson.dumps(
        {"id": f"{ocid}-{_iso(updated)}", "date": _iso(updated), "tag": ["compiled"]}
    )
    compiled = (compiled_head[:-1] + b"," + published_body[1:]).decode()
    out["tender"].write(
        pid,
        reference,
        title[:300],
        plan_ids.get((b, year), 1),
        b + 1,
        method_code,
        tender_status,
        currency,
        tender_end,
        tender_end,
        award if count else None,
        tender_end if count else None,
        level,
        published,
        updated,
    )
    out["process"].write(
        pid,
        ocid,
        pid,
        level,
        snapshot.decode(),
        len(releases) + (1 if held else 0),
        last_signed,
        award if count else None,
        completed,
    )
    out["public"].write(
        pid,
        pid,
        ocid,
        title[:300],
        buyer,
        display[:40],
        tender_status,
        code,
        f"{estimate:.2f}",
        currency,
        published,
        tender_end,
        updated,
        last_seq,
        compiled,
        _json(withheld),
    )
    for row in rows:
        out["contract"].write(*row)
    for row in withholdings:
        out["withholding"].write(*row)


def holds_data(config: Config) -> bool:
    """Does the benchmark database already hold this run's data (``--reuse``)?"""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            cursor.execute(
                f"CREATE TABLE {MARKER} (contracts bigint NOT NULL, generator integer NOT NULL, "
                "complete boolean NOT NULL, generated_at timestamptz)"
            )
            cursor.execute(
                f"INSERT INTO {MARKER} VALUES (%s, %s, false, NULL)",  # noqa: S608
                [config.contracts, GENERATOR],
            )
            return False
        cursor.execute(f"SELECT contracts, generator, complete FROM {MARKER}")  # noqa: S608
        row = cursor.fetchone()
    return row is not None and tuple(row) == (config.contracts, GENERATOR, True)


# --- what the clients ask for ------------------------------------------------------------------
@dataclass
class Catalogue:
    """Values the clients fill the filters with, read from the benchmark database."""

    buyers: list[tuple[str, int]]  # name, contracts (most first)
    suppliers: list[tuple[str, int]]
    cpvs: list[str]  # a sample of contracts' CPV codes (common codes come up often)
    statuses: list[tuple[str, int]]  # contract status, signed contracts with it
    process_statuses: list[str]
    ocids: list[str]
    words: list[str]  # title words, as often as they occur in titles
    first: dt.date
    last: dt.date

    @classmethod
    def load(cls) -> Catalogue:
        from django.db import connection

        def rows(sql: str) -> list[Any]:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())

        buyers = rows(
            "SELECT buyer, count(*) FROM transparency_publiccontract GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        suppliers = rows(
            "SELECT supplier, count(*) FROM transparency_publiccontract WHERE supplier <> '' "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        sample = rows(
            "SELECT cpv, title FROM transparency_publiccontract TABLESAMPLE SYSTEM (1) LIMIT 5000"
        ) or rows("SELECT cpv, title FROM transparency_publiccontract LIMIT 5000")
        words = [
            w.lower()
            for _cpv, title in sample
            for w in re.findall(r"[A-Za-z]{5,}", title)
            if w.lower() not in {"supply", "other", "their", "parts"}
        ]
        statuses = rows(
            "SELECT status, count(signed) FROM transparency_publiccontract GROUP BY 1 ORDER BY 1"
        )
        process_statuses = [
            r[0] for r in rows("SELECT DISTINCT status FROM transparency_publicprocess ORDER BY 1")
        ]
        ocids = [
            r[0]
            for r in rows(
                "SELECT ocid FROM transparency_publicprocess ORDER BY random() LIMIT 5000"
            )
        ]
        span = rows("SELECT min(signed), max(signed) FROM transparency_publiccontract")[0]
        return cls(
            buyers=[(b, n) for b, n in buyers],
            suppliers=[(s, n) for s, n in suppliers],
            cpvs=[c for c, _t in sample if c],
            statuses=[(status, n) for status, n in statuses],
            process_statuses=process_statuses,
            ocids=ocids,
            words=words or ["supply"],
            first=span[0] or dt.date.today(),
            last=span[1] or dt.date.today(),
        )


Params = dict[str, str]


def _buyer(rng: random.Random, cat: Catalogue) -> Params:
    return {"buyer": rng.choice(cat.buyers)[0]}


def _supplier(rng: random.Random, cat: Catalogue) -> Params:
    return {"supplier": rng.choice(cat.suppliers)[0]}


def _cpv(rng: random.Random, cat: Catalogue) -> Params:
    return {"cpv": rng.choice(cat.cpvs)[: rng.choice((2, 3, 4, 5))]}


def _status(rng: random.Random, cat: Catalogue) -> Params:
    return {"status": rng.choice(cat.statuses)[0]}


def _status_deep(rng: random.Random, cat: Catalogue) -> Params:
    """A status with enough signed contracts to page through (not 'pending': never signed)."""
    deep = [status for status, n in cat.statuses if n > 50] or [cat.statuses[0][0]]
    return {"status": rng.choice(deep)}


def _process_status(rng: random.Random, cat: Catalogue) -> Params:
    return {"status": rng.choice(cat.process_statuses)}


def _value(rng: random.Random, cat: Catalogue) -> Params:
    low = 10 ** rng.uniform(3, 7)
    return {"value_min": f"{low:.0f}", "value_max": f"{low * rng.choice((2, 5, 10)):.0f}"}


def _dates(rng: random.Random, cat: Catalogue) -> Params:
    days = rng.choice((7, 30, 91, 365))
    room = max(0, (cat.last - cat.first).days - days)
    since = cat.first + dt.timedelta(days=rng.randint(0, room))
    return {
        "date_from": since.isoformat(),
        "date_to": (since + dt.timedelta(days=days)).isoformat(),
    }


def _combined(rng: random.Random, cat: Catalogue) -> Params:
    params: Params = {}
    for choose in rng.sample(
        [_buyer, _supplier, _cpv, _status, _value, _dates], rng.choice((2, 3))
    ):
        params.update(choose(rng, cat))
    return params


def _text(rng: random.Random, cat: Catalogue) -> Params:
    return {"q": rng.choice(cat.words)}


def _none(rng: random.Random, cat: Catalogue) -> Params:
    return {}


@dataclass(frozen=True)
class Kind:
    """One kind of request: a path and its query, drawn afresh each time. ``deep`` kinds ask
    for a first page and then follow the next-page cursor, timing pages 2 to 50."""

    name: str
    path: str
    params: Callable[[random.Random, Catalogue], Params] = _none
    api: bool = False
    deep: bool = False
    ocid: bool = False  # the path has {ocid}

    def url(self, rng: random.Random, cat: Catalogue) -> str:
        path = self.path.format(ocid=rng.choice(cat.ocids)) if self.ocid else self.path
        query = urllib.parse.urlencode(self.params(rng, cat))
        return f"{path}?{query}" if query else path


CONTRACT_FILTERS: tuple[tuple[str, Callable[[random.Random, Catalogue], Params]], ...] = (
    ("first page", _none),
    ("by buyer", _buyer),
    ("by supplier", _supplier),
    ("by CPV prefix", _cpv),
    ("by status", _status),
    ("by value range", _value),
    ("by date range", _dates),
    ("combined filters", _combined),
    ("title search (q)", _text),
)


def request_kinds() -> list[Kind]:
    """Every kind of request the clients make (the smoke test checks each is reported)."""
    kinds = [
        Kind("page: processes, first page", "/open/"),
        Kind("page: processes, by buyer", "/open/", _buyer),
        Kind("page: processes, by date range", "/open/", _dates),
    ]
    kinds += [Kind(f"page: contracts, {n}", "/open/contracts/", f) for n, f in CONTRACT_FILTERS]
    kinds += [
        Kind(f"page: contracts, pages 2–{DEEP_PAGES}", "/open/contracts/", deep=True),
        Kind("page: process", "/open/{ocid}/", ocid=True),
    ]
    kinds += [
        Kind(f"api: contracts, {n}", "/api/v1/ocds/contracts", f, api=True)
        for n, f in CONTRACT_FILTERS
    ]
    kinds += [
        Kind(
            f"api: contracts, pages 2–{DEEP_PAGES}", "/api/v1/ocds/contracts", api=True, deep=True
        ),
        Kind(
            f"api: contracts by status, pages 2–{DEEP_PAGES}",
            "/api/v1/ocds/contracts",
            _status_deep,
            api=True,
            deep=True,
        ),
        Kind("api: processes, first page", "/api/v1/ocds/processes", api=True),
        Kind("api: processes, by buyer", "/api/v1/ocds/processes", _buyer, api=True),
        Kind("api: processes, by supplier", "/api/v1/ocds/processes", _supplier, api=True),
        Kind("api: processes, by CPV prefix", "/api/v1/ocds/processes", _cpv, api=True),
        Kind("api: processes, by status", "/api/v1/ocds/processes", _process_status, api=True),
        Kind("api: processes, by date range", "/api/v1/ocds/processes", _dates, api=True),
        Kind(
            f"api: processes, pages 2–{DEEP_PAGES}", "/api/v1/ocds/processes", api=True, deep=True
        ),
        Kind("api: process record", "/api/v1/ocds/processes/{ocid}/record", api=True, ocid=True),
        Kind(
            "api: process releases", "/api/v1/ocds/processes/{ocid}/releases", api=True, ocid=True
        ),
    ]
    return kinds


# --- the clients --------------------------------------------------------------------------------
@dataclass
class Sample:
    kind: str
    sent: float  # wall clock
    latency: float  # seconds
    status: int  # 0: no answer
    size: int


_NEXT_LINK = re.compile(r'<nav class="pagination"><a href="(\?[^"]*)"')


def _get(
    conn: http.client.HTTPConnection | None, port: int, path: str
) -> tuple[http.client.HTTPConnection | None, int, bytes]:
    """GET on a keep-alive connection; reconnect once if the server closed an idle one."""
    while True:
        reused = conn is not None
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("GET", path, headers={"Accept-Language": "en"})
            response = conn.getresponse()
            body = response.read()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            conn.close()
            conn = None
            if reused:
                continue
            return None, 0, b""
        except (OSError, http.client.HTTPException):
            conn.close()
            return None, 0, b""
        if response.will_close:
            conn.close()
            return None, response.status, body
        return conn, response.status, body


def _next(kind: Kind, first: str, body: bytes) -> str | None:
    """The next page's path, as a reader would follow it (None: last page)."""
    if kind.api:
        try:
            cursor = json.loads(body).get("next_cursor")
        except ValueError:
            return None
        if not cursor:
            return None
        base = re.sub(r"([?&])cursor=[^&]*&?", r"\1", first).rstrip("?&")
        joiner = "&" if "?" in base else "?"
        return f"{base}{joiner}{urllib.parse.urlencode({'cursor': cursor})}"
    found = _NEXT_LINK.search(body.decode(errors="replace"))
    return kind.path + html.unescape(found.group(1)) if found else None


@dataclass
class _Clients:
    port: int
    kinds: list[Kind]
    catalogue: Catalogue
    measure_from: float
    stop_at: float
    seed: int
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, clients: int) -> None:
        threads = [threading.Thread(target=self.client, args=(i, clients)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def client(self, index: int, clients: int) -> None:
        rng = random.Random(self.seed * 1000 + index)  # noqa: S311 - load shape, no secret
        # Once measuring starts, each kind is asked for early (the clients share them out, and
        # a kind that drew an empty walk is asked again); then kinds are drawn at random, a walk
        # a tenth as often as a single page (it makes 49 requests).
        first_round = self.kinds[index::clients]
        rng.shuffle(first_round)
        weights = [0.1 if k.deep else 1.0 for k in self.kinds]
        mine: list[Sample] = []
        conn: http.client.HTTPConnection | None = None
        retries = 3 * len(first_round)
        # The run goes on past its end (two minutes at most) until each kind was measured.
        while time.time() < self.stop_at or (first_round and time.time() < self.stop_at + 120):
            covering = time.time() >= self.measure_from and bool(first_round)
            kind = first_round.pop() if covering else rng.choices(self.kinds, weights)[0]
            before = len(mine)
            conn = self.ask(conn, kind, rng, mine)
            if covering and len(mine) == before and retries > 0:
                retries -= 1
                first_round.insert(0, kind)
        if conn is not None:
            conn.close()
        with self.lock:
            self.samples.extend(s for s in mine if s.sent >= self.measure_from)

    def ask(
        self,
        conn: http.client.HTTPConnection | None,
        kind: Kind,
        rng: random.Random,
        out: list[Sample],
    ) -> http.client.HTTPConnection | None:
        path = kind.url(rng, self.catalogue)
        for page in range(1, DEEP_PAGES + 1 if kind.deep else 2):
            sent = time.time()
            started = time.perf_counter()
            conn, status, body = _get(conn, self.port, path)
            latency = time.perf_counter() - started
            if page > 1 or not kind.deep:
                out.append(Sample(kind.name, sent, latency, status, len(body)))
            if not kind.deep or status != 200 or (page > 1 and time.time() >= self.stop_at):
                break
            following = _next(kind, path, body)
            if following is None:
                break
            path = following
        return conn


# --- plans ---------------------------------------------------------------------------------------
@dataclass
class Plan:
    """One query as PostgreSQL ran it, in a line."""

    sql: str
    ms: float
    rows: int
    read: int  # rows the scans read, including those their filters removed
    scans: list[str]
    seq_scan: bool


def _walk(node: dict[str, Any], scans: list[str], totals: list[int]) -> bool:
    kind = node["Node Type"]
    seq = kind == "Seq Scan"
    loops = node.get("Actual Loops", 1)
    removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
    if "Relation Name" in node or "Index Name" in node:
        read = (node.get("Actual Rows", 0) + removed) * loops
        totals[0] += read if "Relation Name" in node else 0
        table = node.get("Relation Name", "").removeprefix("transparency_")
        index = node.get("Index Name", "")
        where = f"{kind}{' using ' + index if index else ''}{' on ' + table if table else ''}"
        scans.append(
            f"{where}: {read:,} rows read"
            + (f", {removed * loops:,} filtered out" if removed else "")
        )
    elif kind in ("Sort", "Incremental Sort"):
        scans.append(
            f"{kind} ({node.get('Sort Method', '')}, {node.get('Actual Rows', 0) * loops:,} rows)"
        )
    elif kind in ("HashAggregate", "Unique", "Aggregate", "Hash Join", "Merge Join", "Gather"):
        scans.append(f"{kind} ({node.get('Actual Rows', 0) * loops:,} rows)")
    for child in node.get("Plans", []):
        seq = _walk(child, scans, totals) or seq
    return seq


def explain(sql: str) -> Plan:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        document = cursor.fetchone()[0]
    if isinstance(document, str | bytes):
        document = json.loads(document)
    top = document[0]
    scans: list[str] = []
    totals = [0]
    seq = _walk(top["Plan"], scans, totals)
    return Plan(
        sql=sql,
        ms=top["Execution Time"] + top.get("Planning Time", 0),
        rows=top["Plan"].get("Actual Rows", 0),
        read=totals[0],
        scans=scans,
        seq_scan=seq,
    )


@dataclass
class Probe:
    """A selector call behind one kind of request, with its queries' plans."""

    label: str
    wall_ms: float
    queries: int
    plans: list[Plan]
    distinct: int


def probe(label: str, call: Callable[[], Any], limit: int = 6) -> Probe:
    """Run ``call`` capturing its SQL, then EXPLAIN ANALYZE each distinct query (up to
    ``limit``): how long the Python side took, and why the database side costs what it does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()  # once to warm up (imports, caches), as the server's workers are
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        call()
        wall = time.perf_counter() - started
    seen: dict[str, str] = {}
    for query in captured.captured_queries:
        sql = query["sql"]
        shape = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.setdefault(shape, sql)
    plans = [explain(sql) for sql in list(seen.values())[:limit]]
    return Probe(label, wall * 1000, len(captured.captured_queries), plans, len(seen))


def probes(cat: Catalogue) -> list[Probe]:
    from spilno.transparency import selectors
    from spilno.transparency.selectors import Filters

    def contracts(filters: Filters, cursor: str = "") -> Callable[[], Any]:
        return lambda: selectors.newest_first_page(
            selectors.search_contracts(filters), "signed", cursor, 50
        )

    def processes(filters: Filters) -> Callable[[], Any]:
        return lambda: selectors.newest_first_page(
            selectors.search_processes(filters), "updated", "", 50
        )

    def deep(field_name: str, rows: Any, page: int) -> str:
        """The cursor a reader holds on reaching ``page`` (found here once with OFFSET)."""
        offset = (page - 1) * 50
        found = list(
            rows.order_by(f"-{field_name}", "-id").values_list(field_name, "id")[
                offset - 1 : offset
            ]
        )
        return f"{found[0][0].isoformat()}~{found[0][1]}" if found else ""

    def page(path: str) -> Callable[[], Any]:
        from django.test import Client

        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
        return lambda: client.get(path)

    big_buyer, small_buyer = cat.buyers[0][0], cat.buyers[-1][0]
    big_supplier, small_supplier = cat.suppliers[0][0], cat.suppliers[-1][0]
    common = Counter(c[:2] for c in cat.cpvs).most_common(1)[0][0]
    rare = Counter(c[:5] for c in cat.cpvs).most_common()[-1][0]
    words = Counter(cat.words).most_common()
    year_ago = cat.last - dt.timedelta(days=365)
    month = {"date_from": year_ago, "date_to": year_ago + dt.timedelta(days=30)}
    ocid = cat.ocids[0]
    from decimal import Decimal

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("contracts: first page", contracts(Filters())),
        (f"contracts: buyer with most ({big_buyer})", contracts(Filters(buyer=big_buyer))),
        (f"contracts: buyer with fewest ({small_buyer})", contracts(Filters(buyer=small_buyer))),
        (
            f"contracts: supplier with most ({big_supplier})",
            contracts(Filters(supplier=big_supplier)),
        ),
        (
            f"contracts: supplier with fewest ({small_supplier})",
            contracts(Filters(supplier=small_supplier)),
        ),
        (f"contracts: CPV prefix {common} (common)", contracts(Filters(cpv=common))),
        (f"contracts: CPV prefix {rare} (rare)", contracts(Filters(cpv=rare))),
        ("contracts: status active", contracts(Filters(status="active"))),
        ("contracts: status terminated", contracts(Filters(status="terminated"))),
        (
            "contracts: value 100,000–1,000,000",
            contracts(Filters(value_min=Decimal(100_000), value_max=Decimal(1_000_000))),
        ),
        (
            "contracts: value over 1,000,000,000",
            contracts(Filters(value_min=Decimal(1_000_000_000))),
        ),
        ("contracts: one month, a year ago", contracts(Filters(**month))),  # type: ignore[arg-type]
        (
            "contracts: buyer with most + status terminated + the month",
            contracts(Filters(buyer=big_buyer, status="terminated", **month)),  # type: ignore[arg-type]
        ),
        (
            f"contracts: CPV {common} + value 1,000,000–2,000,000",
            contracts(
                Filters(cpv=common, value_min=Decimal(1_000_000), value_max=Decimal(2_000_000))
            ),
        ),
        *(
            (
                f"contracts: page {n:,} by cursor",
                contracts(Filters(), deep("signed", selectors.search_contracts(Filters()), n)),
            )
            for n in (DEEP_PAGES, 1000)
        ),
        *(
            (
                f"contracts: status terminated, page {n:,} by cursor",
                contracts(
                    Filters(status="terminated"),
                    deep("signed", selectors.search_contracts(Filters(status="terminated")), n),
                ),
            )
            for n in (DEEP_PAGES, 1000)
        ),
        (f"contracts: title search '{words[0][0]}' (common)", contracts(Filters(q=words[0][0]))),
        (f"contracts: title search '{words[-1][0]}' (rare)", contracts(Filters(q=words[-1][0]))),
        ("processes: first page", processes(Filters())),
        (f"processes: buyer with most ({big_buyer})", processes(Filters(buyer=big_buyer))),
        (
            f"processes: supplier with most ({big_supplier})",
            processes(Filters(supplier=big_supplier)),
        ),
        (
            f"processes: supplier with fewest ({small_supplier})",
            processes(Filters(supplier=small_supplier)),
        ),
        (f"processes: CPV prefix {common}", processes(Filters(cpv=common))),
        (f"processes: CPV prefix {rare} (rare)", processes(Filters(cpv=rare))),
        ("processes: one month, a year ago", processes(Filters(**month))),  # type: ignore[arg-type]
        ("portal filter menus: facet_values()", selectors.facet_values),
        # Whole pages, in process (middleware, view, template): what a page costs besides SQL.
        ("page /open/contracts/ (in-process request)", page("/open/contracts/")),
        (f"page /open/{ocid}/ (in-process request)", page(f"/open/{ocid}/")),
    ]
    return [probe(label, call) for label, call in cases]


# --- the run -------------------------------------------------------------------------------------
@dataclass
class Ticks:
    """CPU ticks so far: the machine's (busy, all; ``/proc/stat``) and every process's parent,
    own ticks and those of the children it reaped (``/proc/<pid>/stat``). Linux only."""

    busy: int = 0
    total: int = 0
    processes: dict[int, tuple[int, int, int]] = field(default_factory=dict)


def _ticks() -> Ticks | None:
    try:
        with open("/proc/stat") as stat:
            machine = [int(v) for v in stat.readline().split()[1:]]
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except (OSError, ValueError):
        return None
    found = Ticks(busy=sum(machine) - machine[3] - machine[4], total=sum(machine))
    for pid in entries:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks = [int(v) for v in fields[11:15]]  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        found.processes[int(pid)] = (int(fields[1]), ticks[0] + ticks[1], ticks[2] + ticks[3])
    return found


@dataclass
class CpuUse:
    """Shares of the machine's CPU time over the measurement: this benchmark's processes (the
    clients, gunicorn, the live PostgreSQL backends of its database), database backends that
    ended meanwhile (gunicorn's threads reconnect every 60 s, CONN_MAX_AGE: the postmaster reaps
    them, whoever they served), and everything else (the busy time left)."""

    ours: float
    ended_backends: float
    others: float


def cpu_use(
    start: Ticks | None, end: Ticks | None, roots: set[int], backends: set[int]
) -> CpuUse | None:
    if start is None or end is None or end.total <= start.total:
        return None
    children: dict[int, list[int]] = {}
    for pid, (parent, _own, _reaped) in end.processes.items():
        children.setdefault(parent, []).append(pid)
    ours: set[int] = set(backends)
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid not in ours:
            ours.add(pid)
            stack += children.get(pid, [])
    postmasters = {end.processes[pid][0] for pid in backends if pid in end.processes}
    mine = ended = 0
    for pid, (_parent, own, reaped) in end.processes.items():
        _p, own_before, reaped_before = start.processes.get(pid, (0, 0, 0))
        if pid in postmasters:
            ended += reaped - reaped_before
        elif pid in ours:
            mine += own - own_before + reaped - reaped_before
    # Per CPU, /proc/stat counts in the same clock ticks as /proc/<pid>/stat.
    capacity = end.total - start.total
    busy = end.busy - start.busy
    ended = min(ended, max(busy - mine, 0))
    return CpuUse(
        ours=mine / capacity,
        ended_backends=ended / capacity,
        others=max(busy - mine - ended, 0) / capacity,
    )


def _backends() -> set[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


def _sizes() -> list[tuple[str, int, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint, pg_size_pretty(pg_total_relation_size(oid)) "
            "FROM pg_class WHERE relname IN ('transparency_publiccontract', "
            "'transparency_publicprocess', 'transparency_release', 'transparency_process') "
            "ORDER BY relname"
        )
        return list(cursor.fetchall())


def run(config: Config) -> bool:
    """The benchmark in the process whose default database is the benchmark database: data,
    server, load, plans, report. True when every kind was measured without an error."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from spilno.transparency.services.policy import ensure_default_policy

    width = shutil.get_terminal_size((140, 40)).columns if sys.stdout.isatty() else 140
    console = Console(highlight=False, width=max(width, 120))
    step = time.monotonic()

    def say(what: str) -> None:
        nonlocal step
        console.print(f"  {what}", soft_wrap=True, markup=False)

    def done(what: str) -> None:
        nonlocal step
        say(f"{what} ({time.monotonic() - step:.1f} s)")
        step = time.monotonic()

    console.print(
        f"[bold]spilno bench portal[/] {config.contracts:,} contracts, {config.clients} clients "
        f"for {config.duration:g} s, gunicorn {config.workers} workers × {config.threads} threads"
    )
    busy = _cpu_busy()
    say(
        f"machine: {os.cpu_count()} CPUs"
        + (f", {busy:.0%} busy just before the run" if busy is not None else "")
    )
    if busy is not None and busy > 0.25:
        console.print(
            "  [yellow]something else is using the CPUs: the figures will be slower than the "
            "machine can do[/]"
        )
    call_command("migrate", interactive=False, verbosity=0)
    say(f"database: {_database_line()}")
    done("migrated")
    ensure_default_policy()
    if holds_data(config):
        done("data already there (--reuse)")
    else:
        generate(config, say)
        done("generated")
    for name, rows, size in _sizes():
        say(f"{name}: {rows:,} rows, {size} with indexes and TOAST")
    catalogue = Catalogue.load()
    done(
        f"catalogue: {len(catalogue.buyers)} buyers, {len(catalogue.suppliers):,} suppliers, "
        f"{len(catalogue.ocids):,} sampled ocids"
    )
    connections.close_all()
    kinds = request_kinds()
    log = Path(settings.DATA_DIR) / "bench-portal-gunicorn.log"
    with Server(config.workers, config.threads, log) as server:
        done(f"gunicorn on 127.0.0.1:{server.port} (log: {server.log})")
        warm = min(10.0, max(2.0, config.duration / 6))
        measure_from = time.time() + warm
        clients = _Clients(
            port=server.port,
            kinds=kinds,
            catalogue=catalogue,
            measure_from=measure_from,
            stop_at=measure_from + config.duration,
            seed=config.seed,
        )
        start: list[Ticks | None] = []
        timer = threading.Timer(warm, lambda: start.append(_ticks()))
        timer.start()
        with console.status(f"warming up {warm:.0f} s, then measuring {config.duration:g} s…"):
            clients.run(config.clients)
        end = _ticks()
        wall = time.time() - measure_from
        timer.cancel()
        assert server.process is not None
        roots = {os.getpid(), server.process.pid}
        cpu = cpu_use(start[0] if start else None, end, roots, _backends())
        connections.close_all()
        server.begin_stop()
    done(
        f"{len(clients.samples):,} requests measured in {wall:.1f} s after {warm:.0f} s of warm-up"
    )
    plans = probes(catalogue)
    done("plans taken (EXPLAIN ANALYZE)")
    return report(console, kinds, clients.samples, wall, cpu, plans)


def report(
    console: Console,
    kinds: list[Kind],
    samples: list[Sample],
    wall: float,
    cpu: CpuUse | None,
    plans: list[Probe],
) -> bool:
    by_kind: dict[str, list[Sample]] = {k.name: [] for k in kinds}
    for s in samples:
        by_kind[s.kind].append(s)
    table = Table(title="bench portal: latency per kind of request (ms)", title_justify="left")
    for name, justify in (
        ("kind", "left"), ("requests", "right"), ("p50", "right"), ("p95", "right"),
        ("p99", "right"), ("max", "right"), ("errors", "right"), ("KB", "right"),
    ):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    ok = True
    errors_total = 0
    for kind in kinds:
        mine = by_kind[kind.name]
        latencies = sorted(s.latency * 1000 for s in mine if s.status == 200)
        errors = sum(1 for s in mine if s.status != 200)
        errors_total += errors
        ok = ok and bool(mine) and errors == 0
        size = sum(s.size for s in mine) / len(mine) / 1024 if mine else 0
        table.add_row(
            kind.name,
            f"{len(mine)}",
            f"{percentile(latencies, 0.5):.1f}",
            f"{percentile(latencies, 0.95):.1f}",
            f"{percentile(latencies, 0.99):.1f}",
            f"{latencies[-1] if latencies else 0:.1f}",
            f"{errors}" if mine else "not measured",
            f"{size:.0f}",
        )
    everything = sorted(s.latency * 1000 for s in samples if s.status == 200)
    table.add_row(
        "all requests",
        f"{len(samples)}",
        f"{percentile(everything, 0.5):.1f}",
        f"{percentile(everything, 0.95):.1f}",
        f"{percentile(everything, 0.99):.1f}",
        f"{everything[-1] if everything else 0:.1f}",
        f"{errors_total}",
        "",
        style="bold",
    )
    console.print(table)
    rate = len(samples) / wall if wall > 0 else 0.0
    console.print(f"requests/s  {rate:.1f}   ({len(samples)} in {wall:.1f} s)")
    if cpu is not None:
        console.print(
            f"CPU time    {cpu.ours:.0%} of the machine's used by this benchmark (clients, "
            f"gunicorn, its database's backends), {cpu.others:.0%} by other processes"
            + (
                f", {cpu.ended_backends:.0%} by database backends that closed meanwhile"
                if cpu.ended_backends >= 0.005
                else ""
            )
        )
        if cpu.others > 0.1:
            console.print(
                "  [yellow]other processes used the CPUs during the measurement: the figures "
                "are slower than the machine can do[/]"
            )
    statuses = Counter(s.status for s in samples if s.status != 200)
    if statuses:
        console.print(f"errors by status: {dict(statuses)} (0: no answer)")
    console.print("\nEXPLAIN (ANALYZE, BUFFERS) of the queries behind the pages", style="bold")
    console.print(
        "  wall: the selector call in Django (queries and Python); each query: its own time, "
        "rows returned, rows its scans read",
        soft_wrap=True,
    )
    for p in plans:
        more = f"; {p.queries} queries, {p.distinct} distinct" if p.queries > len(p.plans) else ""
        console.print(f"- {p.label}: wall {p.wall_ms:.1f} ms{more}", soft_wrap=True, markup=False)
        for plan in p.plans:
            flag = "SEQ SCAN " if plan.seq_scan else ""
            console.print(
                f"    {flag}{plan.ms:.1f} ms, {plan.rows:,} rows, {plan.read:,} read: "
                + "; ".join(plan.scans),
                soft_wrap=True,
                markup=False,
            )
    console.print("bench portal: " + ("OK" if ok else "FAILED: a kind had errors or no sample"))
    return ok
