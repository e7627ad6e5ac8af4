"""``spilno ocds compile`` against ``ocdskit compile`` on real publishers' data, offline.

Every dataset in ``tests/data/ocds-samples/`` (see its SOURCES.md) is compiled by the compiler
and by ocdskit (its ``merge``, the function behind ``ocdskit compile``, with the vendored schema:
never a download, see ``test_compile_support.offline``), and the records must be equal: same
ocids in the same order, and for each the same releases, compiled release and versioned release,
down to key order. Each dataset is compiled as published and again as JSON Lines (one release a
line, the compiler's fast path).

Record packages that only link their releases (url, date, tag) hold nothing to compile; they
are listed in :data:`LINKED_ONLY` and checked to say so. :func:`test_every_sample_file_is_covered`
makes sure no file of the samples escapes both lists.
"""

from __future__ import annotations

import copy
import io
import json
import warnings
from pathlib import Path
from typing import Any

import orjson
import pytest
from ocdskit.combine import merge as ocdskit_merge

from spilno.transparency.ocds import compiler
from spilno.transparency.ocds.compiler import CompileOptions, Note, compile_paths
from spilno.transparency.ocds.reader import Problem, iter_files
from tests.transparency.test_compile_support import (
    SCHEMA_PATH,
    offline,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.usefixtures("offline")

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "ocds-samples"

# What of each dataset holds releases to compile (files or folders, relative to the dataset).
COMPILABLE: dict[str, list[str]] = {
    "colombia-secop": ["releases"],
    "mexico-apf": ["record-package-1-2.json"],  # a record package with embedded releases
    "mexico-cdmx": ["release-package-1-2.json", "release-package_encoding-utf-8.json"],
    "mexico-jalisco": ["releases"],
    "paraguay-dncp": ["releases"],
    "uk-contracts-finder": ["."],
    "ukraine-prozorro-2017": ["releases"],
    "ukraine-prozorro-2018": [
        "releases-10.json",
        "release-c3f4965758c9b7391f86c676f59b828a.json",
    ],
}
# Record packages whose records only link their releases: nothing to compile from them.
LINKED_ONLY: dict[str, list[str]] = {
    "paraguay-dncp": ["records"],
    "ukraine-prozorro-2018": [
        "records-10.json",
        "record-ocds-be6bcu-UA-2018-06-22-001789-a.json",
    ],
}


def _files(dataset: str, parts: list[str]) -> list[Path]:
    return list(iter_files([SAMPLES / dataset / part for part in parts]))


def _reference_items(files: list[Path]) -> list[dict[str, Any]]:
    """What ocdskit compile takes: release packages and releases, in file order. Embedded
    releases of a record package are handed over as releases (ocdskit reads no records)."""
    items: list[dict[str, Any]] = []
    for path in files:
        data = json.loads(path.read_bytes())
        if "records" in data:
            items += [r for record in data["records"] for r in record.get("releases", [])]
        else:
            items.append(data)
    return items


def _reference(files: list[Path], **options: Any) -> Any:
    if files[0].suffix == ".jsonl":  # one of ours, written by _as_json_lines
        items = [json.loads(line) for line in files[0].read_text(encoding="utf-8").splitlines()]
    else:
        items = _reference_items(files)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate ids in real data
        outputs = list(
            ocdskit_merge(
                copy.deepcopy(items),
                schema=str(SCHEMA_PATH),
                ignore_version=True,  # some publishers mix OCDS 1.0 and 1.1 releases
                **options,
            )
        )
    return outputs


def _compile(paths: list[Path], **options: Any) -> tuple[list[dict[str, Any]], list[Problem]]:
    out = io.BytesIO()
    problems: list[Problem] = []
    compile_paths(
        [str(p) for p in paths],
        out,
        CompileOptions(workers=0, **options),
        on_problem=problems.append,
    )
    return [orjson.loads(line) for line in out.getvalue().splitlines()], problems


def _as_json_lines(files: list[Path], folder: Path, *, reverse: bool = False) -> list[Path]:
    """The same releases, one a line, in the same order (through the fast path). ``reverse``
    turns each release's members around, so the ocid is never first (parsed on the spot)."""
    releases = [release for item in _reference_items(files) for release in _releases(item)]
    if reverse:
        releases = [dict(reversed(release.items())) for release in releases]
    path = folder / "releases.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in releases) + "\n", encoding="utf-8")
    return [path]


def _releases(item: dict[str, Any]) -> list[dict[str, Any]]:
    return item["releases"] if "releases" in item and "ocid" not in item else [item]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _assert_same_records(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    assert [r["ocid"] for r in ours] == [r["ocid"] for r in theirs]
    for mine, reference in zip(ours, theirs, strict=True):
        for key in ("releases", "compiledRelease", "versionedRelease"):
            assert _dump(mine.get(key)) == _dump(reference.get(key)), (mine["ocid"], key)
        assert list(mine) == list(reference)


@pytest.mark.parametrize(
    "layout", ["as published", "as JSON Lines", "as JSON Lines, ocid last, tiny runs"]
)
@pytest.mark.parametrize("dataset", sorted(COMPILABLE))
def test_records_equal_ocdskit(dataset: str, layout: str, tmp_path: Path) -> None:
    files = _files(dataset, COMPILABLE[dataset])
    options: dict[str, Any] = {}
    if layout != "as published":
        files = _as_json_lines(files, tmp_path, reverse="ocid last" in layout)
    if "tiny runs" in layout:
        options["memory"] = 4 * 1024  # a run every dozen releases
    ours, problems = _compile(files, format="records", versioned=True, **options)
    assert not [p for p in problems if not isinstance(p, Note)]
    (package,) = _reference(files, return_package=True, return_versioned_release=True)
    assert len(ours) == len(package["records"]) > 0
    _assert_same_records(ours, package["records"])


@pytest.mark.parametrize("dataset", sorted(COMPILABLE))
def test_compiled_and_versioned_releases_equal_ocdskit(dataset: str) -> None:
    """The JSON Lines formats: what ``ocdskit compile`` and ``ocdskit compile --versioned``
    print."""
    files = _files(dataset, COMPILABLE[dataset])
    for fmt, versioned in (("compiled", False), ("versioned", True)):
        ours, _ = _compile(files, format=fmt)
        theirs = _reference(files, return_versioned_release=versioned)
        assert [_dump(r) for r in ours] == [_dump(r) for r in theirs], fmt


@pytest.mark.parametrize("dataset", ["paraguay-dncp", "mexico-jalisco", "ukraine-prozorro-2018"])
def test_linked_releases_equal_ocdskit(dataset: str) -> None:
    files = _files(dataset, COMPILABLE[dataset])
    ours, _ = _compile(files, format="records", linked_releases=True)
    (package,) = _reference(files, return_package=True, use_linked_releases=True)
    _assert_same_records(ours, package["records"])
    assert all("url" in r for record in ours for r in record["releases"])


def test_the_whole_sample_folder_at_once_equals_ocdskit() -> None:
    """Everything compilable, in one run, in the compiler's own reading order; with tiny sorted
    runs spilled to disk and merged in several passes, and two worker processes."""
    files = [f for dataset in sorted(COMPILABLE) for f in _files(dataset, COMPILABLE[dataset])]
    out = io.BytesIO()
    report = compile_paths(
        [str(f) for f in files],
        out,
        CompileOptions(format="records", versioned=True, workers=2, memory=3 * 1024),
    )
    assert report.runs > compiler.FAN_IN  # several merge passes
    assert report.workers == 2
    ours = [orjson.loads(line) for line in out.getvalue().splitlines()]
    # ocids repeat across datasets? they do not: every dataset has its own prefix
    (package,) = _reference(files, return_package=True, return_versioned_release=True)
    _assert_same_records(ours, package["records"])


@pytest.mark.parametrize("dataset", sorted(LINKED_ONLY))
def test_linked_only_records_say_there_is_nothing_to_compile(dataset: str) -> None:
    files = _files(dataset, LINKED_ONLY[dataset])
    for path in files:
        records = json.loads(path.read_bytes())["records"]
        assert all("url" in r and len(r) <= 3 for rec in records for r in rec["releases"])
    ours, problems = _compile(files, format="records")
    assert ours == []
    assert problems
    assert all(isinstance(p, Note) and "nothing to compile" in p.message for p in problems)


def test_every_sample_file_is_covered() -> None:
    """Each sample file is compiled (and compared) or known to hold only linked releases, so
    the equality tests cannot quietly cover less when the samples change."""
    every = set(iter_files([SAMPLES]))
    compiled = {f for d, parts in COMPILABLE.items() for f in _files(d, parts)}
    linked = {f for d, parts in LINKED_ONLY.items() for f in _files(d, parts)}
    assert not compiled & linked
    assert compiled | linked == every
    datasets = {p.name for p in SAMPLES.iterdir() if p.is_dir()}
    assert set(COMPILABLE) == datasets
    assert len(compiled) == 314
    assert len(linked) == 17


def test_the_reference_needs_the_schema_we_give_it() -> None:
    """Without a schema, ocdskit would look up the newest OCDS version online: here it fails."""
    files = _files("mexico-cdmx", COMPILABLE["mexico-cdmx"])
    with pytest.raises(Exception, match="network access"):
        list(ocdskit_merge(_reference_items(files), return_package=True))
