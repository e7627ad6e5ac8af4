"""Offline OCDS validation: the schema, the OCDS checks, and ``spilno ocds validate``."""

from __future__ import annotations

import argparse
import copy
import json
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spilno.transparency.cli import validate
from spilno.transparency.ocds.reader import Item, iter_items
from spilno.transparency.ocds.validation import (
    ValidationIssue,
    is_date_time,
    is_uri,
    metadata_errors,
    package_errors,
    record_errors,
    release_errors,
)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "ocds-samples"

RELEASE: dict[str, Any] = {
    "ocid": "ocds-213czf-000-00001",
    "id": "ocds-213czf-000-00001-01-tender",
    "date": "2024-03-01T10:00:00Z",
    "tag": ["tender"],
    "initiationType": "tender",
    "parties": [{"id": "ORG-1", "name": "Buyer", "roles": ["buyer"]}],
    "buyer": {"id": "ORG-1", "name": "Buyer"},
    "tender": {
        "id": "T-1",
        "items": [
            {"id": "1", "description": "Fuel", "quantity": 10},
            {"id": "2", "description": "Oil", "quantity": 5},
        ],
    },
}
PACKAGE: dict[str, Any] = {
    "uri": "https://example.org/package.json",
    "version": "1.1",
    "publisher": {"name": "Example"},
    "publishedDate": "2024-03-02T00:00:00Z",
    "releases": [RELEASE],
}


def release(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(RELEASE)
    data.update(changes)
    return data


def issues_of(issues: list[ValidationIssue]) -> list[tuple[str, str, str]]:
    return [(i.path, i.check, i.message) for i in issues]


def test_a_valid_release_and_package() -> None:
    assert release_errors(RELEASE) == []
    assert package_errors(PACKAGE) == []


def test_schema_issues_have_json_paths_and_readable_messages() -> None:
    data = release(tag=["tender", "bid"])
    del data["ocid"]
    data["tender"]["items"][0]["quantity"] = "ten"
    data["date"] = "2024-03-01 10:00"
    assert issues_of(release_errors(data)) == [
        ("date", "format", '"2024-03-01 10:00" is not a valid date-time'),
        ("ocid", "required", "required field is missing"),
        (
            "tag/1",
            "enum",
            '"bid" is not one of "planning", "planningUpdate", "tender", '
            '"tenderAmendment", "tenderUpdate", "tenderCancellation", "award", "awardUpdate"',
        ),
        ("tender/items/0/quantity", "type", '"ten" is not of type number or null'),
    ]


def test_ocds_checks_beyond_the_schema() -> None:
    data = release(ocid="ABC-1", id="  ")
    data["tender"]["items"][1]["id"] = "1"
    data["tender"]["tenderers"] = [{"id": "ORG-9", "name": "Ghost"}]
    assert issues_of([i for i in release_errors(data) if i.check != "schema"]) == [
        ("id", "blank_identifier", "is blank (white space only)"),
        ("ocid", "ocid_prefix", '"ABC-1" does not start with an OCDS prefix (ocds-xxxxxx-)'),
        ("tender/items", "non_unique_id", 'id "1" is used by 2 objects'),
        ("tender/tenderers/0/id", "party_reference", 'organisation "ORG-9" is not in parties'),
    ]


def test_duplicate_release_ids_in_a_package() -> None:
    package = {**PACKAGE, "releases": [RELEASE, release(date="2024-03-05T00:00:00Z"), RELEASE]}
    duplicates = [i for i in package_errors(package) if i.check == "duplicate_release_id"]
    message = (
        'release id "ocds-213czf-000-00001-01-tender" of ocid "ocds-213czf-000-00001" '
        "was already used at releases/0"
    )
    assert issues_of(duplicates) == [
        ("releases/1/id", "duplicate_release_id", message),
        ("releases/2/id", "duplicate_release_id", message),
    ]
    # the schema's uniqueItems only sees the identical copy
    assert [i.path for i in package_errors(package) if i.check == "uniqueItems"] == ["releases"]


def test_package_and_metadata_schema() -> None:
    package = {k: v for k, v in PACKAGE.items() if k != "version"}
    package["extensions"] = ["https://example.org/extension.json<Paste>"]
    expected = [
        (
            "extensions/0",
            "format",
            '"https://example.org/extension.json<Paste>" is not a valid uri',
        ),
        ("version", "required", "required field is missing"),
    ]
    assert issues_of(package_errors(package)) == expected
    metadata = {k: v for k, v in package.items() if k != "releases"}
    assert issues_of(metadata_errors(metadata, "release")) == expected
    assert metadata_errors({**metadata, "version": "1.1", "extensions": []}, "release") == []


def test_records() -> None:
    embedded = release(ocid="ocds-213czf-000-00002")
    record = {
        "ocid": "ocds-213czf-000-00001",
        "releases": [embedded, release()],
        "compiledRelease": release(),
    }
    assert issues_of(record_errors(record)) == [
        (
            "releases/0/ocid",
            "record_ocid",
            '"ocds-213czf-000-00002" differs from the record\'s ocid "ocds-213czf-000-00001"',
        ),
    ]
    # a oneOf (linked or embedded releases) failure names the closest reason, not "no match"
    assert issues_of(record_errors({"releases": [{"date": "x"}]})) == [
        ("ocid", "required", "required field is missing"),
        ("releases/0/url", "required", "required field is missing"),
    ]


@given(
    st.datetimes(
        timezones=st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m)))
    )
)
def test_rfc3339_date_times_are_valid(moment: Any) -> None:
    assert is_date_time(moment.isoformat(timespec="seconds"))
    assert is_date_time(moment.isoformat())


@pytest.mark.parametrize(
    "text",
    ["2011-02-26T22:06:51", "2011-02-26", "2011-02-30T00:00:00Z", "2011-02-26 22:06:51Z", ""],
)
def test_not_rfc3339(text: str) -> None:
    assert not is_date_time(text)


def test_uris() -> None:
    assert is_uri("https://example.org/a%20b?x=1#frag")
    assert is_uri("urn:isbn:0451450523")
    for bad in ("example.org/x", "https://x.org/a b", "https://x.org/<Paste>", "http://x/%zz"):
        assert not is_uri(bad)


# --------------------------------------------------------------------------------------------
# The known-invalid samples (SOURCES.md, "quirks")


def sample_issues(folder: str) -> list[tuple[str, str, ValidationIssue]]:
    found = []
    packages = set()
    for item in iter_items([SAMPLES / folder]):
        assert isinstance(item, Item)
        name = str(Path(item.path).relative_to(SAMPLES / folder))
        errors = release_errors(item.data) if item.kind == "release" else record_errors(item.data)
        found += [(name, item.position, e) for e in errors]
        if item.package is not None and (name, id(item.package)) not in packages:
            packages.add((name, id(item.package)))
            found += [(name, "package", e) for e in metadata_errors(item.package, item.kind)]
    return found


def test_samples_valid_as_published() -> None:
    assert sample_issues("mexico-jalisco") == []


def test_sample_quirk_paste_in_an_extension_url_and_a_repeated_document_id() -> None:
    found = sample_issues("ukraine-prozorro-2018")
    paste = [(n, p, i.path) for n, p, i in found if "<Paste>" in i.message]
    assert len(paste) == 4  # every file declares the same extensions
    assert all(p == "package" and path == "extensions/8" for _, p, path in paste)
    assert [(n, p, i.path, i.check) for n, p, i in found if i.check == "non_unique_id"] == [
        ("releases-10.json", "releases[5]", "contracts/0/documents", "non_unique_id")
    ]


def test_sample_quirk_tag_bid() -> None:
    found = sample_issues("ukraine-prozorro-2017")
    assert [(i.path, i.check) for _, _, i in found] == [("tag/3", "enum")] * 5
    assert all(i.message.startswith('"bid" is not one of') for _, _, i in found)


def test_sample_quirk_colombia_34_schema_errors() -> None:
    found = sample_issues("colombia-secop")
    schema = [i for _, _, i in found if i.check not in ("non_unique_id",)]
    assert len(schema) == 34  # as SOURCES.md counts them
    undated = [i for i in schema if i.check == "format"]
    assert {i.message for i in undated} >= {'"2011-02-26T22:06:51" is not a valid date-time'}


def test_sample_quirk_mexico_cdmx_missing_version() -> None:
    found = sample_issues("mexico-cdmx")
    assert [(n, i.path) for n, p, i in found if p == "package"] == [
        ("release-package-1-2.json", "version"),
        ("release-package_encoding-utf-8.json", "version"),
    ]


def test_sample_quirk_mexico_apf_null_submission_method() -> None:
    found = sample_issues("mexico-apf")
    assert [(i.path, i.check) for _, _, i in found if i.check == "type"] == [
        ("compiledRelease/tender/submissionMethod/0", "type"),
        ("compiledRelease/tender/submissionMethod/0", "type"),
    ]


# --------------------------------------------------------------------------------------------
# The command


def run(*args: str) -> int:
    parser = argparse.ArgumentParser()
    validate.configure(parser)
    return validate.run(vars(parser.parse_args(args)))


def test_command_on_valid_data(capsys: Any) -> None:
    assert run(str(SAMPLES / "mexico-jalisco")) == 0
    out = capsys.readouterr().out
    assert out.strip() == "10 item(s) in 10 file(s): 10 valid, 0 invalid (0 issue(s))."


def test_command_report_and_exit_status(capsys: Any, tmp_path: Path) -> None:
    bad = tmp_path / "p.jsonl"
    lines = [json.dumps(release(tag=["bid"])), "{broken", json.dumps(RELEASE), json.dumps(RELEASE)]
    bad.write_text("\n".join(lines))
    assert run(str(bad)) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [
        f'{bad}: line 1: tag/0: "bid" is not one of "planning", "planningUpdate", "tender", '
        '"tenderAmendment", "tenderUpdate", "tenderCancellation", "award", "awardUpdate" [enum]',
        f"{bad}: line 2, column 2 (byte {len(lines[0]) + 2}): invalid JSON: Expecting property "
        "name enclosed in double quotes [unreadable]",
        f'{bad}: line 3: id: release id "ocds-213czf-000-00001-01-tender" of ocid '
        '"ocds-213czf-000-00001" was already used at line 1 [duplicate_release_id]',
        f'{bad}: line 4: id: release id "ocds-213czf-000-00001-01-tender" of ocid '
        '"ocds-213czf-000-00001" was already used at line 1 [duplicate_release_id]',
        "",
    ]
    assert out[5] == (
        "3 item(s) in 1 file(s): 0 valid, 3 invalid (3 issue(s)); 1 problem(s) reading the input."
    )


def test_command_json(capsys: Any) -> None:
    assert run("--json", str(SAMPLES / "ukraine-prozorro-2018")) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["items"] == 22
    assert report["summary"]["invalid_packages"] == 4
    assert {f["check"] for f in report["findings"]} == {"format", "non_unique_id"}
    assert report["findings"][0]["kind"] == "package"
    assert {"check": "format", "field": "extensions/*", "object": "package", "count": 4} in report[
        "summary"
    ]["groups"]


def test_command_limits_what_it_prints(capsys: Any) -> None:
    assert run("--show", "3", str(SAMPLES / "colombia-secop")) == 1
    out = capsys.readouterr().out
    assert "… and 74 more issue(s) (use --json for all of them)" in out
