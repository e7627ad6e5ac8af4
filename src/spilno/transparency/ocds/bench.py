"""``spilno bench ocds``: the record compiler against ``ocdskit compile`` on the same data.

What a run does (docs/benchmarks.md has the method and figures):

1. Generates a synthetic, schema-valid feed: ``--releases`` releases over ``--ocids`` processes
   (defence procurement: parties, a tender with CPV-classified items, awards, contracts with
   implementation transactions and milestones, amendments), several releases per process, in
   shuffled order as real feeds come. JSON Lines, one release a line.
2. Validates a sample of the releases (in release packages) against the vendored OCDS 1.1.5
   schema.
3. Runs ``ocdskit compile`` (the reference, in its streaming SQLite mode, offline with the
   vendored schema) and ``spilno ocds compile`` (the ``spilno`` console script next to this
   Python, as users run it) on the file, each as its own process, measuring wall time and peak
   RSS; compares their records one by one. ``spilno ocds compile`` runs without starting Django
   (:func:`spilno.cli.ocds_compile`), exactly the code of ``python -m
   spilno.transparency.cli.compile``, which is therefore not measured apart.
4. Repeats at ¼ and ½ of the size to show how peak memory grows (it should not).

Nothing here imports Django: the launcher in ``spilno.management.commands.bench`` calls
:func:`run`.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

OCID_PREFIX = "ocds-sp1lno"

CPV = (
    ("35331200-5", "Shells", "rounds"),
    ("35613000-4", "Unmanned aerial vehicles", "units"),
    ("35620000-6", "Missiles", "units"),
    ("35723000-8", "Air defence radar", "units"),
    ("15897100-3", "Field rations", "rations"),
    ("35811300-5", "Military uniforms", "sets"),
    ("35113400-3", "Protective and safety clothing", "sets"),
    ("34144700-5", "Utility vehicles", "vehicles"),
    ("33141000-0", "Medical consumables", "kits"),
    ("31158100-9", "Battery chargers", "units"),
    ("32232000-8", "Video-conferencing equipment", "units"),
    ("09134200-9", "Diesel fuel", "litres"),
)
CITIES = (
    ("Kyiv", "Kyivska"),
    ("Lviv", "Lvivska"),
    ("Dnipro", "Dnipropetrovska"),
    ("Kharkiv", "Kharkivska"),
    ("Odesa", "Odeska"),
    ("Vinnytsia", "Vinnytska"),
)
BUYERS = 40
SUPPLIERS = 400
METHODS = (("open", "Open tender"), ("selective", "Selective"), ("limited", "Negotiated"))


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _organization(kind: str, number: int, roles: list[str]) -> dict[str, Any]:
    city, region = CITIES[number % len(CITIES)]
    code = f"{(number * 7919) % 100000000:08d}"
    name = f"{'Defence Procurement Agency' if kind == 'buyer' else 'Supplier'} No. {number}"
    return {
        "name": name,
        "id": f"UA-EDR-{code}",
        "identifier": {"scheme": "UA-EDR", "id": code, "legalName": name},
        "address": {
            "streetAddress": f"{number % 90 + 1} Khreshchatyk St",
            "locality": city,
            "region": region,
            "postalCode": f"{1000 + number % 8000:05d}",
            "countryName": "Ukraine",
        },
        "contactPoint": {
            "name": f"Contracts office {number}",
            "email": f"office{number}@example.org",
            "telephone": f"+380 44 {number % 1000:03d} {number % 97:02d} 00",
        },
        "roles": roles,
    }


def _reference(party: dict[str, Any]) -> dict[str, str]:
    return {"id": party["id"], "name": party["name"]}


def _value(amount: float) -> dict[str, Any]:
    return {"amount": round(amount, 2), "currency": "UAH"}


class _Process:
    """One procurement process, told as a sequence of releases (each a dict)."""

    def __init__(self, rng: random.Random, number: int) -> None:
        self.rng = rng
        self.ocid = f"{OCID_PREFIX}-UA-{2023 + number % 3}-{number:08d}"
        self.day = datetime(2023, 1, 1, 9, tzinfo=UTC) + timedelta(
            days=rng.randrange(900), minutes=rng.randrange(600)
        )
        self.count = 0
        self.buyer = _organization("buyer", rng.randrange(BUYERS), ["buyer", "procuringEntity"])
        self.parties = [self.buyer]
        cpv = rng.sample(CPV, rng.randint(1, 3))
        self.items: list[dict[str, Any]] = [
            {
                "id": str(n + 1),
                "description": f"{title}, lot {n + 1}",
                "classification": {"scheme": "CPV", "id": code, "description": title},
                "quantity": rng.randint(1, 5000),
                "unit": {"name": unit, "value": _value(rng.uniform(100, 90000))},
            }
            for n, (code, title, unit) in enumerate(cpv)
        ]
        self.amount = sum(i["quantity"] * i["unit"]["value"]["amount"] for i in self.items)
        method, details = rng.choice(METHODS)
        self.tender: dict[str, Any] = {
            "id": f"{self.ocid}-tender",
            "title": self.items[0]["description"].split(",")[0],
            "description": "Supply for the armed forces; delivery to the named depots.",
            "status": "active",
            "procuringEntity": _reference(self.buyer),
            "items": self.items,
            "value": _value(self.amount),
            "procurementMethod": method,
            "procurementMethodDetails": details,
            "mainProcurementCategory": "goods",
            "awardCriteria": "priceOnly",
            "submissionMethod": ["electronicSubmission"],
            "tenderPeriod": {
                "startDate": _time(self.day),
                "endDate": _time(self.day + timedelta(days=20)),
            },
            "hasEnquiries": rng.random() < 0.3,
            "documents": [self._document("tenderNotice")],
        }
        self.suppliers: list[dict[str, Any]] = []
        self.award: dict[str, Any] | None = None
        self.contract: dict[str, Any] | None = None

    def _document(self, kind: str) -> dict[str, Any]:
        number = self.count
        return {
            "id": f"doc-{number}-{kind}",
            "documentType": kind,
            "title": f"{kind} {number}",
            "url": f"https://spilno.example.org/documents/{self.ocid}/{number}.pdf",
            "datePublished": _time(self.day),
            "format": "application/pdf",
            "language": "uk",
        }

    def _release(self, tags: list[str], **sections: Any) -> dict[str, Any]:
        self.count += 1
        self.day += timedelta(days=self.rng.randint(1, 30), minutes=self.rng.randrange(300))
        return {
            "ocid": self.ocid,
            "id": f"{self.ocid}-{self.count:02d}",
            "date": _time(self.day),
            "tag": tags,
            "initiationType": "tender",
            "language": "uk",
            "parties": [dict(party) for party in self.parties],
            "buyer": _reference(self.buyer),
            **sections,
        }

    def releases(self, count: int) -> list[dict[str, Any]]:
        """``count`` releases: the longer the story, the more of the chain it tells."""
        chain: list[Callable[[], dict[str, Any]]] = {
            1: [self.open_tender],
            2: [self.open_tender, self.award_it],
            3: [self.open_tender, self.award_it, self.sign_contract],
            4: [self.planning, self.open_tender, self.award_it, self.sign_contract],
        }.get(count) or [
            self.planning,
            self.open_tender,
            self.amend_tender,
            self.award_it,
            self.sign_contract,
            self.implement,
            self.amend_contract,
        ]
        stages = chain[:count] + [self.implement] * (count - len(chain))
        return [stage() for stage in stages]

    def planning(self) -> dict[str, Any]:
        return self._release(
            ["planning"],
            planning={
                "rationale": "Capability requirement approved by the General Staff.",
                "budget": {
                    "id": f"{self.ocid}-budget",
                    "description": "State defence order",
                    "amount": _value(self.amount * 1.1),
                    "project": "Defence procurement programme",
                    "projectID": "DPP-2024",
                },
                "documents": [self._document("procurementPlan")],
            },
        )

    def open_tender(self) -> dict[str, Any]:
        return self._release(["tender"], tender=self.tender)

    def amend_tender(self) -> dict[str, Any]:
        end = datetime.strptime(self.tender["tenderPeriod"]["endDate"], "%Y-%m-%dT%H:%M:%SZ")
        new_end = _time(end.replace(tzinfo=UTC) + timedelta(days=7))
        release = self._release(["tenderAmendment"])
        amendment = {
            "id": f"{self.ocid}-amendment-1",
            "date": release["date"],
            "rationale": "Tender period extended after enquiries.",
            "description": "Deadline moved by seven days.",
        }
        release["tender"] = {
            "id": self.tender["id"],
            "tenderPeriod": {"endDate": new_end},
            "amendments": [amendment],
            "documents": [self._document("clarifications")],
        }
        return release

    def award_it(self) -> dict[str, Any]:
        count = self.rng.randint(1, 4)
        self.suppliers = [
            _organization("supplier", BUYERS + number, ["tenderer"])
            for number in self.rng.sample(range(SUPPLIERS), count)
        ]
        winner = self.suppliers[0]
        winner["roles"] = ["tenderer", "supplier"]
        self.parties = [self.buyer, *self.suppliers]
        value = _value(self.amount * self.rng.uniform(0.8, 0.99))
        release = self._release(["award", "tenderUpdate"])
        self.award = {
            "id": f"{self.ocid}-award-1",
            "title": f"Award to {winner['name']}",
            "status": "active",
            "date": release["date"],
            "value": value,
            "suppliers": [_reference(winner)],
            "items": self.items,
            "contractPeriod": {
                "startDate": release["date"],
                "endDate": _time(self.day + timedelta(days=365)),
            },
            "documents": [self._document("awardNotice")],
        }
        release["tender"] = {
            "id": self.tender["id"],
            "status": "complete",
            "numberOfTenderers": count,
            "tenderers": [_reference(s) for s in self.suppliers],
        }
        release["awards"] = [self.award]
        return release

    def sign_contract(self) -> dict[str, Any]:
        if self.award is None:
            self.award_it()
        assert self.award is not None
        release = self._release(["contract"])
        self.contract = {
            "id": f"{self.ocid}-contract-1",
            "awardID": self.award["id"],
            "title": self.award["title"].replace("Award", "Contract"),
            "status": "active",
            "period": self.award["contractPeriod"],
            "value": self.award["value"],
            "items": self.items,
            "dateSigned": release["date"],
            "documents": [self._document("contractSigned")],
        }
        release["contracts"] = [self.contract]
        return release

    def implement(self) -> dict[str, Any]:
        if self.contract is None:
            self.sign_contract()
        assert self.contract is not None
        release = self._release(["implementation"])
        number = self.count
        payee = self.suppliers[0]
        transaction = {
            "id": f"{self.ocid}-tx-{number}",
            "source": "https://spilno.example.org/treasury",
            "date": release["date"],
            "value": _value(self.contract["value"]["amount"] * self.rng.uniform(0.05, 0.3)),
            "payer": _reference(self.buyer),
            "payee": _reference(payee),
            "uri": f"https://spilno.example.org/treasury/{self.ocid}/{number}",
        }
        milestone = {
            "id": f"{self.ocid}-delivery-{number}",
            "title": f"Delivery {number}",
            "type": "delivery",
            "status": self.rng.choice(["met", "scheduled", "notMet"]),
            "dueDate": release["date"],
            "dateModified": release["date"],
        }
        release["contracts"] = [
            {
                "id": self.contract["id"],
                "awardID": self.contract["awardID"],
                "implementation": {"transactions": [transaction], "milestones": [milestone]},
            }
        ]
        return release

    def amend_contract(self) -> dict[str, Any]:
        if self.contract is None:
            self.sign_contract()
        assert self.contract is not None
        release = self._release(["contractAmendment"])
        value = _value(self.contract["value"]["amount"] * 1.1)
        release["contracts"] = [
            {
                "id": self.contract["id"],
                "awardID": self.contract["awardID"],
                "value": value,
                "amendments": [
                    {
                        "id": f"{self.ocid}-contract-amendment-1",
                        "date": release["date"],
                        "rationale": "Quantities raised by ten per cent.",
                        "description": "Price adjusted to the new quantities.",
                    }
                ],
            }
        ]
        return release


def _releases_per_process(rng: random.Random, releases: int, ocids: int) -> list[int]:
    """How many releases each process gets: at least one, the rest spread at random."""
    if ocids < 1 or releases < ocids:
        raise ValueError("Need at least one release per process (--releases ≥ --ocids ≥ 1).")
    counts = [1] * ocids
    for _ in range(releases - ocids):
        counts[rng.randrange(ocids)] += 1
    return counts


def synthetic_processes(releases: int, ocids: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    """Every process's releases, in process order (deterministic for a seed)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    for number, count in enumerate(_releases_per_process(rng, releases, ocids)):
        yield _Process(rng, number).releases(count)


@dataclass
class Feed:
    path: Path
    releases: int
    ocids: int
    size: int


def write_feed(path: Path, releases: int, ocids: int, seed: int, buckets: int = 64) -> Feed:
    """Write the synthetic releases as JSON Lines in shuffled order. Each release goes to a
    random bucket file, then each bucket is shuffled in memory and appended: a uniform shuffle
    that never holds more than a bucket."""
    rng = random.Random(seed + 1)  # noqa: S311 - a shuffle, not a secret
    folder = Path(tempfile.mkdtemp(prefix="buckets-", dir=path.parent))
    try:
        handles = [(folder / f"{n}.jsonl").open("wb") for n in range(buckets)]
        for process in synthetic_processes(releases, ocids, seed):
            for release in process:
                handles[rng.randrange(buckets)].write(orjson.dumps(release) + b"\n")
        for handle in handles:
            handle.close()
        with path.open("wb") as out:
            for n in range(buckets):
                lines = (folder / f"{n}.jsonl").read_bytes().splitlines(keepends=True)
                rng.shuffle(lines)
                out.writelines(lines)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Feed(path, releases, ocids, path.stat().st_size)


# --- validation -------------------------------------------------------------------------------


def validate_sample(path: Path, sample: int, seed: int) -> tuple[int, list[str]]:
    """Validate ``sample`` releases picked at random from a JSON Lines file, wrapped in a release
    package, against the vendored OCDS 1.1.5 release package schema (offline, formats checked).
    Returns (releases checked, error messages)."""
    import jsonschema

    from spilno.transparency.ocds import standard

    rng = random.Random(seed + 2)  # noqa: S311 - a sample, not a secret
    picked: list[bytes] = []
    with path.open("rb") as handle:
        for seen, line in enumerate(handle):  # reservoir sampling: one pass, bounded memory
            if len(picked) < sample:
                picked.append(line)
            else:
                slot = rng.randrange(seen + 1)
                if slot < sample:
                    picked[slot] = line
    package = {
        "uri": "https://spilno.example.org/bench/release-package.json",
        "publisher": {"name": "spilno bench ocds"},
        "publishedDate": "2026-01-01T00:00:00Z",
        "version": "1.1",
        "releases": [orjson.loads(line) for line in picked],
    }
    validator = jsonschema.Draft4Validator(
        standard.load("release-package-schema.json"),
        registry=standard.registry(),
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(package)
    ]
    return len(picked), errors


# --- measuring a command ------------------------------------------------------------------------


@dataclass
class Run:
    """One command on one input: wall time, peak memory, exit status."""

    wall: float
    peak_kb: int  # ru_maxrss of the command and the children it waited for (the largest one)
    tree_kb: int  # largest sum of RSS over the process tree, sampled every 20 ms
    status: int
    stderr: str


def _tree_rss_kb(root: int, skip_root: bool = False) -> int:
    """RSS of a process's descendants (and of the process, unless ``skip_root``) now (Linux
    /proc; 0 where unavailable)."""
    total = 0
    pending = [(root, skip_root)]
    while pending:
        pid, skip = pending.pop()
        try:
            if not skip:
                with open(f"/proc/{pid}/status", "rb") as status:
                    for line in status:
                        if line.startswith(b"VmRSS:"):
                            total += int(line.split()[1])
                            break
            with open(f"/proc/{pid}/task/{pid}/children", "rb") as children:
                pending += [(int(child), False) for child in children.read().split()]
        except (OSError, ValueError):
            continue
    return total


# Runs a command and reports its rusage. The bench process is large (Django), and a child
# forked from it would start with the bench's peak RSS on its record (Linux keeps the peak
# across exec), so commands are started from this small, fresh interpreter instead.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvpe(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def measure(argv: list[str], stdin: Path | None, stdout: Path, env: dict[str, str]) -> Run:
    """Run a command to completion as its own process: wall time from start to end, peak RSS
    from ``wait4`` (the figure ``/usr/bin/time`` prints: the largest of the command and the
    children it waited for), and the largest sum of RSS over its process tree, sampled."""
    peak = [0]
    done = threading.Event()
    with (
        stdout.open("wb") as out,
        stdin.open("rb") if stdin else open(os.devnull, "rb") as source,
        tempfile.TemporaryFile() as errors,
        tempfile.NamedTemporaryFile("r", suffix=".rusage") as report,
    ):
        started = time.perf_counter()
        launcher = subprocess.Popen(  # noqa: S603 - our own commands
            [sys.executable, "-I", "-S", "-c", _LAUNCHER, report.name, *argv],
            stdin=source,
            stdout=out,
            stderr=errors,
            env=env,
        )

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], _tree_rss_kb(launcher.pid, skip_root=True))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        launcher.wait()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace")
        status, maxrss = (int(part) for part in (report.read().split() or ["-1", "0"]))
    return Run(wall, maxrss, peak[0], status if launcher.returncode == 0 else -1, message)


# --- comparing outputs ------------------------------------------------------------------------


@dataclass
class Comparison:
    records: int
    identical: bool  # byte for byte
    equal: bool  # as JSON, record by record (key order and number types included)
    first_difference: str = ""


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as left, b.open("rb") as right:
        while True:
            x, y = left.read(1 << 20), right.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def _json_lines(path: Path) -> Iterator[Any]:
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)


def _package_records(path: Path) -> Iterator[Any]:
    import ijson

    with path.open("rb") as handle:
        yield from ijson.items(handle, "records.item", use_float=True)


def compare(ours: Path, theirs: Path, package: bool) -> Comparison:
    """Record by record (or compiled release by compiled release)."""
    identical = _same_bytes(ours, theirs)
    if identical and not package:
        with ours.open("rb") as handle:
            count = sum(1 for line in handle if line.strip())
        return Comparison(count, True, True)
    if identical:
        return Comparison(ours.read_bytes().count(b',"compiledRelease":'), True, True)
    read = _package_records if package else _json_lines
    count = 0
    for mine, reference in itertools.zip_longest(read(ours), read(theirs)):
        if mine is None or reference is None or orjson.dumps(mine) != orjson.dumps(reference):
            ocid = (mine or reference or {}).get("ocid", "?")
            return Comparison(count, False, False, f"record {count + 1} (ocid {ocid})")
        count += 1
    return Comparison(count, False, True)


# --- the benchmark ------------------------------------------------------------------------------

MODES = {
    # mode: (what, ocdskit compile options, spilno ocds compile options, package output)
    "compiled": ("compiled releases, one per line", [], ["--format", "compiled"], False),
    "records": (
        "record package with compiled and versioned releases",
        ["--package", "--versioned"],
        ["--versioned"],
        True,
    ),
}
PUBLISHED = ["--published-date", "2026-01-01T00:00:00Z", "--publisher-name", "spilno bench"]


@dataclass
class Config:
    releases: int = 200_000
    ocids: int = 50_000
    seed: int = 1
    workdir: Path | None = None
    keep: bool = False
    modes: tuple[str, ...] = ("compiled", "records")
    fractions: tuple[float, ...] = (0.25, 0.5, 1.0)
    sample: int = 1000


def _console(name: str) -> list[str]:
    """A console script installed next to this Python, as users run it (else ``-m name``)."""
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def _ocdskit() -> list[str]:
    return _console("ocdskit")


def _mb(kb: int) -> str:
    return f"{kb / 1024:7.1f} MB"


def run(config: Config, write: Callable[[str], None] = print) -> bool:
    """The whole benchmark; True when every output matched and the sample was valid."""
    from spilno.transparency.ocds import standard

    own = config.workdir is None  # a temporary folder of ours, removed at the end
    workdir = Path(config.workdir or tempfile.mkdtemp(prefix="spilno-bench-ocds-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ok = True
    sizes: list[Feed] = []
    try:
        for fraction in config.fractions:
            releases = max(1, round(config.releases * fraction))
            ocids = max(1, min(releases, round(config.ocids * fraction)))
            path = workdir / f"releases-{releases}.jsonl"
            started = time.perf_counter()
            feed = write_feed(path, releases, ocids, config.seed)
            sizes.append(feed)
            write(
                f"Generated {feed.releases:,} releases over {feed.ocids:,} processes "
                f"({feed.size / 1e6:,.0f} MB of JSON Lines, shuffled) in "
                f"{time.perf_counter() - started:.1f} s: {path}"
            )
        largest = sizes[-1]
        checked, errors = validate_sample(largest.path, config.sample, config.seed)
        if errors:
            ok = False
            write(f"Schema check: {len(errors)} error(s) in {checked} sampled releases:")
            for error in errors[:20]:
                write(f"  {error}")
        else:
            write(
                f"Schema check: {checked} releases sampled at random are valid against the "
                "OCDS 1.1.5 release package schema (jsonschema Draft 4, formats checked)."
            )
        env = dict(os.environ)
        # ocdskit is given the vendored schema, so it never looks anything up; should it try,
        # the proxy that goes nowhere makes it fail rather than fetch.
        reference_env = dict(env, HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
        schema = str(standard.DATA / "release-schema.json")
        for mode in config.modes:
            what, theirs, ours, package = MODES[mode]
            extra = PUBLISHED if package else []
            commands = {
                "ocdskit": [*_ocdskit(), "compile", "--schema", schema, *theirs, *extra],
                "spilno": [*_console("spilno"), "ocds", "compile", "--quiet", *ours, *extra],
            }
            write("")
            write(f"== {mode}: {what} ==")
            write(f"   ocdskit: ocdskit compile --schema <vendored> {' '.join(theirs)}".rstrip())
            write(f"   spilno:  spilno ocds compile {' '.join(ours)} IN OUT (the console command)")
            write(
                "            (it does not start Django: python -m spilno.transparency.cli.compile "
                "runs the same code, so it is not measured apart)"
            )
            write(
                f"   {'releases':>9}  {'command':<8} {'wall':>8} {'releases/s':>11} "
                f"{'peak RSS':>10} {'tree RSS':>10} {'vs ocdskit':>11}  output"
            )
            peaks: dict[str, list[int]] = {name: [] for name in commands}
            for feed in sizes:
                outputs = {
                    name: workdir / f"{mode}-{feed.releases}-{name}.json" for name in commands
                }
                results: dict[str, Run] = {}
                for name, argv in commands.items():
                    if name == "ocdskit":
                        results[name] = measure(argv, feed.path, outputs[name], reference_env)
                    else:
                        command = [*argv, str(feed.path), str(outputs[name])]
                        results[name] = measure(command, None, outputs[name], env)
                    if results[name].status:
                        ok = False
                        write(f"   {name} failed: {results[name].stderr[-2000:]}")
                    peaks[name].append(results[name].peak_kb)
                reference = results["ocdskit"]
                for name, result in results.items():
                    verdict = ""
                    ratio = ""
                    if name != "ocdskit":
                        comparison = compare(outputs[name], outputs["ocdskit"], package)
                        ok = ok and comparison.equal and comparison.records == feed.ocids
                        verdict = (
                            f"identical: {comparison.records:,} records, byte for byte"
                            if comparison.identical
                            else f"equal as JSON: {comparison.records:,} records"
                            if comparison.equal
                            else f"DIFFERENT at {comparison.first_difference}"
                        )
                        ratio = f"{reference.wall / result.wall:.1f}× faster"
                    write(
                        f"   {feed.releases:>9,}  {name:<8} {result.wall:>7.2f}s "
                        f"{feed.releases / result.wall:>11,.0f} {_mb(result.peak_kb)} "
                        f"{_mb(result.tree_kb)} {ratio:>11}  {verdict}".rstrip()
                    )
                if not config.keep:
                    for path in outputs.values():
                        path.unlink(missing_ok=True)
            if len(sizes) > 1:
                grown = sizes[-1].releases / sizes[0].releases
                write(f"   Peak RSS as the input grows {grown:.0f}× (flat memory):")
                for name, values in peaks.items():
                    write(
                        f"   {name:<8} "
                        + " → ".join(f"{kb / 1024:.1f} MB" for kb in values)
                        + f"  ({values[-1] / max(values[0], 1):.2f}×)"
                    )
        write("")
        write("All outputs identical." if ok else "FAILED: see above.")
        return ok
    finally:
        if config.keep:
            write(f"Files kept in {workdir}")
        elif own:
            shutil.rmtree(workdir, ignore_errors=True)
        else:  # a folder of the caller's: only what the benchmark wrote goes
            for feed in sizes:
                feed.path.unlink(missing_ok=True)
