"""``spilno ocds import``: the analytics store, its rules for bad input, duplicates and atomicity."""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spilno.transparency.cli import importer
from spilno.transparency.ocds import store
from spilno.transparency.ocds.store import Importer, Report, normalise_date

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "ocds-samples"


def release(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "ocid": f"ocds-213czf-{n // 10}",
        "id": f"r{n}",
        "date": "2024-03-01T10:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "tender": {"id": f"t{n}", "items": [{"id": "1", "quantity": 2}]},
        **changes,
    }


def package(*releases: dict[str, Any]) -> dict[str, Any]:
    return {"uri": "https://example.org/p.json", "publisher": {"name": "P"}, "releases": releases}


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "analytics" / "ocds.duckdb"


def run(database: Path, *paths: Any) -> Report:
    return Importer(database).run(paths)


def query(database: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        return connection.execute(sql, list(args)).fetchall()


def counts(database: Path) -> dict[str, int]:
    return {table: query(database, f"SELECT count(*) FROM {table}")[0][0] for table in store.TABLES}


def rejected(database: Path, run_id: int | None = None) -> list[tuple[str, str, str]]:
    sql = "SELECT file, position, reason FROM rejections"
    if run_id is None:
        return query(database, sql + " ORDER BY run_id, seq")
    return query(database, sql + " WHERE run_id = ? ORDER BY seq", run_id)


# --------------------------------------------------------------------------------------------
# Real data


def test_every_sample_imports(database: Path) -> None:
    report = run(database, SAMPLES)
    assert (report.items, report.imported, report.duplicates, report.rejected) == (355, 353, 2, 0)
    assert report.unchanged == 0
    assert report.skipped_files == 1  # SOURCES.md
    # independent counts from json.load
    releases, records, parties, awards, contracts = set(), set(), 0, 0, 0
    for path in sorted(SAMPLES.rglob("*.json")):
        data = json.loads(path.read_bytes())
        if "records" in data:
            records |= {r["ocid"] for r in data["records"]}
            continue
        for r in data.get("releases", [data]):
            if (r["ocid"], r["id"]) in releases:
                continue
            releases.add((r["ocid"], r["id"]))
            parties += len(r.get("parties", []))
            awards += len(r.get("awards", []))
            contracts += len(r.get("contracts", []))
    found = counts(database)
    assert found["releases"] == len(releases) == 326
    assert found["records"] == len(records) == 27
    assert (found["parties"], found["awards"], found["contracts"]) == (parties, awards, contracts)
    per_dataset = dict(
        query(
            database,
            "SELECT split_part(replace(source_file, ?, ''), '/', 1) AS d, count(*) "
            "FROM (SELECT source_file FROM releases UNION ALL SELECT source_file FROM records) "
            "GROUP BY d ORDER BY d",
            str(SAMPLES) + "/",
        )
    )
    assert per_dataset == {
        "colombia-secop": 21,
        "mexico-apf": 2,
        "mexico-cdmx": 7,
        "mexico-jalisco": 10,
        "paraguay-dncp": 82,
        "uk-contracts-finder": 200,
        "ukraine-prozorro-2017": 11,
        "ukraine-prozorro-2018": 20,  # a release and a record are also in the packages
    }
    assert query(database, "SELECT count(*) FROM releases WHERE date IS NULL") == [(0,)]
    # Contracts Finder: publisher before the releases, uri after them
    assert query(
        database,
        "SELECT DISTINCT publisher IS NOT NULL, package_uri IS NOT NULL FROM releases "
        "WHERE source_file LIKE '%uk-contracts-finder%'",
    ) == [(True, True)]
    runs = query(
        database, "SELECT run_id, files, items, imported, duplicates, rejected FROM import_runs"
    )
    assert runs == [(1, 331, 355, 353, 2, 0)]


def test_reimporting_is_idempotent(database: Path) -> None:
    run(database, SAMPLES)
    before = counts(database)
    report = run(database, SAMPLES)
    assert (report.imported, report.unchanged, report.duplicates, report.rejected) == (0, 353, 2, 0)
    after = counts(database)
    assert after == {**before, "import_runs": before["import_runs"] + 1}


def test_the_json_is_kept_whole(database: Path) -> None:
    path = SAMPLES / "ukraine-prozorro-2018" / "releases-10.json"
    run(database, path)
    original = json.loads(path.read_bytes())["releases"]
    stored = query(database, "SELECT data FROM releases ORDER BY position")
    assert sorted((json.loads(d) for (d,) in stored), key=lambda r: r["id"]) == sorted(
        original, key=lambda r: r["id"]
    )


# --------------------------------------------------------------------------------------------
# Rejections, one by one, with the rest imported


def test_items_without_ocid_or_id_or_with_a_bad_date(database: Path, tmp_path: Path) -> None:
    bad = [
        release(1),
        {k: v for k, v in release(2).items() if k != "ocid"},
        {k: v for k, v in release(3).items() if k != "id"},
        release(4, date="yesterday"),
        release(5, id={"x": 1}),
        release(6, date="2024-02-30T00:00:00Z"),
        "not an object",
    ]
    path = write(tmp_path / "p.json", package(*bad))
    report = run(database, path)
    assert (report.items, report.imported, report.rejected) == (6, 1, 6)
    assert rejected(database) == [
        (str(path), "releases[1]", "missing ocid"),
        (str(path), "releases[2]", "missing release id"),
        (str(path), "releases[3]", "unparseable date 'yesterday'"),
        (str(path), "releases[4]", "id is not a string"),
        (
            str(path),
            "releases[5]",
            "unparseable date '2024-02-30T00:00:00Z': day is out of range for month",
        ),
        (str(path), "releases[6]", "a release must be an object, found a string"),
    ]
    assert query(database, "SELECT release_id FROM releases") == [("r1",)]
    # the keys that could be read are kept with the rejection, for queries
    assert query(database, "SELECT ocid, release_id FROM rejections ORDER BY seq LIMIT 4") == [
        (None, "r2"),
        ("ocds-213czf-0", None),
        ("ocds-213czf-0", "r4"),
        ("ocds-213czf-0", None),
    ]


def test_truncated_package_is_rejected_whole_and_the_rest_imported(
    database: Path, tmp_path: Path
) -> None:
    text = json.dumps(package(release(1), release(2), release(3)))
    cut = text.index('"r3"')
    broken = write(tmp_path / "a-broken.json", text[:cut].encode())
    good = write(tmp_path / "b-good.json", package(release(4)))
    report = run(database, tmp_path)
    assert (report.items, report.imported, report.rejected) == (3, 1, 3)
    stop = f"line 1, column {cut + 1} (byte {cut})"
    reason = "invalid JSON: unexpected end of data (truncated file?)"
    assert rejected(database) == [
        (
            str(broken),
            "releases[0]",
            f"not imported: reading of the file stopped at {stop}: {reason}",
        ),
        (
            str(broken),
            "releases[1]",
            f"not imported: reading of the file stopped at {stop}: {reason}",
        ),
        (str(broken), stop, f"{reason}; reading of this file stopped here"),
    ]
    assert query(database, "SELECT source_file, release_id FROM releases") == [(str(good), "r4")]
    assert counts(database)["tenders"] == 1


def test_json_lines_lose_only_their_bad_lines(database: Path, tmp_path: Path) -> None:
    lines = [json.dumps(release(n)) for n in range(4)]
    lines[2] = lines[2][:30]
    path = write(tmp_path / "r.jsonl.gz", gzip.compress("\n".join(lines).encode()))
    report = run(database, path)
    assert (report.items, report.imported, report.rejected) == (3, 3, 1)
    start = len(lines[0]) + len(lines[1]) + 2
    assert rejected(database) == [
        (
            str(path),
            f"line 3, column 31 (byte {start + 30})",
            "invalid JSON: Expecting ':' delimiter",
        )
    ]


def test_undecodable_bytes_reject_the_document(database: Path, tmp_path: Path) -> None:
    data = json.dumps(package(release(1), release(2))).encode().replace(b'"r2"', b'"r\xe92"')
    path = write(tmp_path / "latin1.json", data)
    report = run(database, path)
    at = data.index(b"\xe9")
    assert (report.imported, report.rejected) == (0, 2)
    assert rejected(database) == [
        (
            str(path),
            "releases[0]",
            f"not imported: reading of the file stopped at byte {at}: not valid UTF-8: "
            "byte 0xe9 cannot be decoded",
        ),
        (
            str(path),
            f"byte {at}",
            "not valid UTF-8: byte 0xe9 cannot be decoded; reading of this file stopped here",
        ),
    ]


def test_utf16_and_empty_files(database: Path, tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps(package(release(1))).encode("utf-16"))
    empty = write(tmp_path / "b.json", b"")
    report = run(database, tmp_path)
    assert (report.imported, report.rejected) == (1, 1)
    assert rejected(database) == [(str(empty), "whole file", "empty file")]


# --------------------------------------------------------------------------------------------
# Duplicates and conflicts


def test_duplicates_in_one_input(database: Path, tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", package(release(1), release(2)))
    write(tmp_path / "b.json", package(release(1)))  # identical: skipped
    second = write(tmp_path / "c.json", package(release(2, tag=["award"])))  # different: rejected
    report = run(database, tmp_path)
    assert (report.items, report.imported, report.duplicates, report.rejected) == (4, 2, 1, 1)
    assert rejected(database) == [
        (
            str(second),
            "releases[0]",
            f"duplicate release id with different content (first at {first}, releases[1])",
        )
    ]
    assert query(database, "SELECT tags FROM releases WHERE release_id = 'r2'") == [(["tender"],)]


def test_conflict_with_the_store(database: Path, tmp_path: Path) -> None:
    first = write(tmp_path / "one" / "a.json", package(release(1), release(2)))
    run(database, first)
    before = counts(database)
    changed = write(tmp_path / "two" / "a.json", package(release(1), release(2, tag=["award"])))
    report = run(database, changed)
    assert (report.imported, report.unchanged, report.rejected) == (0, 1, 1)
    assert rejected(database, report.run_id) == [
        (
            str(changed),
            "releases[1]",
            f"conflicts with the release already stored (run 1, {first}, releases[1]): "
            "same id, different content",
        )
    ]
    after = counts(database)
    assert after == {
        **before,
        "import_runs": before["import_runs"] + 1,
        "rejections": before["rejections"] + 1,
    }


def test_records_keyed_by_ocid(database: Path, tmp_path: Path) -> None:
    record = {"ocid": "ocds-213czf-1", "releases": [release(10)], "compiledRelease": release(10)}
    write(tmp_path / "a.json", {"uri": "u", "records": [record, record]})
    changed = {**record, "compiledRelease": release(10, tag=["award"])}
    other = write(tmp_path / "b.json", {"uri": "u", "records": [changed, {"releases": []}]})
    report = run(database, tmp_path)
    assert (report.imported, report.duplicates, report.rejected) == (1, 1, 2)
    first = tmp_path / "a.json"
    assert rejected(database) == [
        (
            str(other),
            "records[0]",
            f"duplicate record ocid with different content (first at {first}, records[0])",
        ),
        (str(other), "records[1]", "missing ocid"),
    ]
    assert query(
        database, "SELECT ocid, release_count, linked, compiled_date::VARCHAR FROM records"
    ) == [("ocds-213czf-1", 1, False, "2024-03-01 10:00:00+00")]


# --------------------------------------------------------------------------------------------
# Dates


def test_odd_dates_are_normalised_with_a_note(database: Path, tmp_path: Path) -> None:
    dates = {
        "a": "2024-03-01T10:00:00+02:00",
        "b": "2024-03-01T10:00:00",
        "c": "2024-03-01 10:00:00Z",
        "d": "2024-03-01",
        "e": "2024-03-01T10:00+0200",
        "f": None,
    }
    releases = [release(n, id=key, date=value) for n, (key, value) in enumerate(dates.items())]
    releases[-1].pop("date")
    report = run(database, write(tmp_path / "d.json", package(*releases)))
    assert report.rejected == 0
    assert dict(report.notes) == {
        "no time zone, read as UTC": 1,
        "space instead of T": 1,
        "date only, read as midnight; no time zone, read as UTC": 1,
        "no seconds; offset without a colon": 1,
        "no date": 1,
    }
    assert query(
        database, "SELECT release_id, date::VARCHAR, date_note FROM releases ORDER BY release_id"
    ) == [
        ("a", "2024-03-01 08:00:00+00", None),
        ("b", "2024-03-01 10:00:00+00", "no time zone, read as UTC"),
        ("c", "2024-03-01 10:00:00+00", "space instead of T"),
        ("d", "2024-03-01 00:00:00+00", "date only, read as midnight; no time zone, read as UTC"),
        ("e", "2024-03-01 08:00:00+00", "no seconds; offset without a colon"),
        ("f", None, "no date"),
    ]


offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(moment=st.datetimes(timezones=offsets))
def test_rfc3339_dates_round_trip_without_a_note(moment: datetime) -> None:
    text = moment.isoformat()
    assert normalise_date(text) == (moment.astimezone(UTC), None)
    assert normalise_date(text.replace("+00:00", "Z")) == (moment.astimezone(UTC), None)


@given(moment=st.datetimes(), separator=st.sampled_from(["T", " "]))
def test_dates_without_a_zone_are_utc(moment: datetime, separator: str) -> None:
    moment = moment.replace(microsecond=0)
    parsed, note = normalise_date(moment.isoformat(sep=separator))
    assert parsed == moment.replace(tzinfo=UTC)
    assert note is not None
    assert "no time zone, read as UTC" in note
    assert ("space instead of T" in note) == (separator == " ")


@given(st.text(max_size=30))
def test_the_normaliser_never_crashes(text: str) -> None:
    try:
        parsed, _ = normalise_date(text)
    except ValueError:
        return
    assert parsed.tzinfo is UTC


# --------------------------------------------------------------------------------------------
# Atomicity


def test_a_failure_in_the_transaction_leaves_the_store_unchanged(
    database: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    run(database, write(tmp_path / "one" / "a.json", package(release(1))))
    before = counts(database)
    original = Importer._resolve

    def failing(self: Importer, c: Any, table: str, *args: Any) -> None:
        original(self, c, table, *args)
        if table == "records":  # after the releases were resolved and rejections written
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(Importer, "_resolve", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(database, SAMPLES, write(tmp_path / "two" / "b.json", package(release(2))))
    assert counts(database) == before
    assert not list(database.parent.glob(".import-*"))  # staging removed


def test_an_interrupt_while_reading_leaves_the_store_unchanged(
    database: Path, tmp_path: Path
) -> None:
    run(database, write(tmp_path / "one" / "a.json", package(release(1))))
    before = counts(database)
    seen = []

    def interrupt(result: Any) -> None:
        seen.append(result)
        if len(seen) == 100:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Importer(database).run([SAMPLES], on_item=interrupt)
    assert counts(database) == before
    assert not list(database.parent.glob(".import-*"))


def test_an_interrupt_during_the_commit_leaves_the_store_unchanged(
    database: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    run(database, write(tmp_path / "one" / "a.json", package(release(1))))
    before = counts(database)
    original = Importer._staged

    calls = []

    def interrupted(staging: Any, table: str) -> str:
        calls.append(table)
        if table == "parties":  # releases and records are already inserted
            raise KeyboardInterrupt
        return original(staging, table)

    monkeypatch.setattr(Importer, "_staged", staticmethod(interrupted))
    with pytest.raises(KeyboardInterrupt):
        run(database, SAMPLES)
    assert "releases" in calls
    assert counts(database) == before


# --------------------------------------------------------------------------------------------
# The command


def command(*args: str) -> int:
    parser = argparse.ArgumentParser()
    importer.configure(parser)
    return importer.run(vars(parser.parse_args(args)))


@pytest.fixture
def analytics(settings: Any, tmp_path: Path) -> Path:
    settings.SPILNO_ANALYTICS_DIR = tmp_path / "analytics"
    return Path(settings.SPILNO_ANALYTICS_DIR) / "ocds.duckdb"


def test_command_imports_samples(analytics: Path, capsys: Any) -> None:
    assert command(str(SAMPLES)) == 0
    out = capsys.readouterr().out
    assert f"Import run 1 into {analytics}: 331 file(s), 355 item(s) read in" in out
    assert "  imported   353\n" in out
    assert "  duplicates 2 (identical copies in the input, skipped)\n" in out
    assert "  rejected   0\n" in out
    assert command(str(SAMPLES)) == 0
    assert "  unchanged  353 (already in the store)\n" in capsys.readouterr().out


def test_command_reports_rejections(analytics: Path, capsys: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "in" / "p.json", package(*[release(n, id="") for n in range(60)]))
    report_csv = tmp_path / "out" / "rejections.csv"
    report_json = tmp_path / "out" / "rejections.json"
    assert command(str(path), "--show", "2", "--report", str(report_csv)) == 1
    out = capsys.readouterr().out
    assert "  rejected   60\n" in out
    assert (
        f"Rejected:\n  {path}: releases[0]: missing release id\n  {path}: releases[1]: missing release id\n"
        in out
    )
    assert f"  … and 58 more (all of them are in {report_csv}; table rejections, run_id 1)\n" in out
    with report_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 60
    assert rows[59] == {
        "file": str(path),
        "position": "releases[59]",
        "reason": "missing release id",
    }
    assert command(str(path), "--report", str(report_json)) == 1
    data = json.loads(report_json.read_text())
    assert data[0] == {"file": str(path), "position": "releases[0]", "reason": "missing release id"}
    assert len(data) == 60


def test_command_fatal_error(tmp_path: Path, capsys: Any) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    status = command(str(SAMPLES / "mexico-apf"), "--database", str(blocked / "ocds.duckdb"))
    assert status == 2
    assert "nothing of this run was imported" in capsys.readouterr().err
