"""The streaming OCDS reader: real publishers' files, bad input, encodings, size."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spilno.transparency.ocds import reader
from spilno.transparency.ocds.reader import Item, Problem, Skipped, iter_items

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "ocds-samples"
SAMPLE_FILES = sorted(p for p in SAMPLES.rglob("*.json"))

# Items per dataset, counted by hand from SOURCES.md (and checked against json.load below).
EXPECTED = {
    "colombia-secop": 21,
    "mexico-apf": 2,
    "mexico-cdmx": 7,
    "mexico-jalisco": 10,
    "paraguay-dncp": 82,
    "uk-contracts-finder": 200,
    "ukraine-prozorro-2017": 11,
    "ukraine-prozorro-2018": 22,
}

RELEASE = {"ocid": "ocds-abc-1", "id": "r1", "date": "2020-01-01T00:00:00Z", "tag": ["tender"]}


def expected_items(path: Path) -> list[tuple[str, str, Any, Any]]:
    """What the reader must find, from json.load: (position, kind, data, package)."""
    with path.open("rb") as handle:
        data = json.loads(handle.read().decode("utf-8-sig"))
    for key in ("records", "releases"):
        if key in data and "ocid" not in data:
            package = {k: v for k, v in data.items() if k != key}
            return [(f"{key}[{i}]", key[:-1], x, package) for i, x in enumerate(data[key])]
    kind = "record" if "compiledRelease" in data or "releases" in data else "release"
    return [("whole file", kind, data, None)]


def read(*paths: Any) -> list[Item | Problem]:
    return list(iter_items(paths))


def items(results: list[Item | Problem]) -> list[Item]:
    return [r for r in results if isinstance(r, Item)]


def problems(results: list[Item | Problem]) -> list[Problem]:
    return [r for r in results if isinstance(r, Problem)]


def as_tuples(results: list[Item | Problem]) -> list[tuple[str, str, Any, Any]]:
    return [(i.position, i.kind, i.data, i.package) for i in items(results)]


@pytest.fixture(params=["small", "streaming"])
def mode(request: Any, monkeypatch: Any) -> str:
    """Each sample is read twice: whole with orjson, and streamed with ijson in two passes."""
    if request.param == "streaming":
        monkeypatch.setattr(reader, "SMALL_DOCUMENT", 0)
    return str(request.param)


# --------------------------------------------------------------------------------------------
# Real data


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: str(p.relative_to(SAMPLES)))
def test_every_sample_file_reads_exactly_as_json_load(path: Path, mode: str) -> None:
    results = read(path)
    assert problems(results) == []
    assert as_tuples(results) == expected_items(path)
    assert all(i.path == str(path) for i in items(results))


def test_sample_directory_counts_per_dataset(mode: str) -> None:
    results = read(SAMPLES)
    counts = Counter(Path(i.path).relative_to(SAMPLES).parts[0] for i in items(results))
    independent = Counter(
        path.relative_to(SAMPLES).parts[0] for path in SAMPLE_FILES for _ in expected_items(path)
    )
    assert counts == independent == EXPECTED
    # the one file that is not JSON is reported, not read
    assert problems(results) == [
        Skipped(
            str(SAMPLES / "SOURCES.md"),
            "whole file",
            "skipped: not a .json, .jsonl, .ndjson or .gz file",
        )
    ]
    # sorted, recursive order
    paths = [i.path for i in items(results)]
    assert paths == sorted(paths, key=lambda p: Path(p).relative_to(SAMPLES).parts)


def test_package_metadata_after_the_array_is_kept(mode: str) -> None:
    # Contracts Finder puts publishedDate and uri after "releases"; mexico-apf puts everything after
    path = SAMPLES / "mexico-apf" / "record-package-1-2.json"
    first = items(read(path))[0]
    assert first.kind == "record"
    assert first.package is not None
    assert set(first.package) == {
        "extensions",
        "uri",
        "publishedDate",
        "publisher",
        "license",
        "publicationPolicy",
        "version",
    }
    assert first.data["releases"][0]["ocid"] == first.data["ocid"]


def test_record_package_of_linked_releases() -> None:
    results = items(read(SAMPLES / "ukraine-prozorro-2018" / "records-10.json"))
    assert [i.position for i in results] == [f"records[{n}]" for n in range(10)]
    assert {i.kind for i in results} == {"record"}
    assert all("compiledRelease" in i.data for i in results)


# --------------------------------------------------------------------------------------------
# Formats


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


def package(*releases: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {"uri": "https://example.org/p.json", **metadata, "releases": list(releases)}


def release(n: int) -> dict[str, Any]:
    return {**RELEASE, "id": f"r{n}", "ocid": f"ocds-abc-{n}"}


def test_json_lines_of_releases_records_and_packages(tmp_path: Path) -> None:
    record = {"ocid": "ocds-abc-9", "releases": [release(9)], "compiledRelease": release(9)}
    lines = [
        json.dumps(release(1)),
        "",
        json.dumps(package(release(2), release(3), publisher={"name": "P"})),
        json.dumps(record),
        json.dumps({"records": [record]}),
    ]
    path = write(tmp_path / "mixed.jsonl", "\r\n".join(lines).encode())
    results = read(path)
    assert problems(results) == []
    assert [(i.position, i.kind) for i in items(results)] == [
        ("line 1", "release"),
        ("line 3, releases[0]", "release"),
        ("line 3, releases[1]", "release"),
        ("line 4", "record"),
        ("line 5, records[0]", "record"),
    ]
    assert items(results)[1].package == {
        "uri": "https://example.org/p.json",
        "publisher": {"name": "P"},
    }


def test_json_lines_in_a_json_file_are_recognised(tmp_path: Path) -> None:
    path = write(
        tmp_path / "releases.json", b"\n".join(json.dumps(release(n)).encode() for n in range(3))
    )
    assert [i.position for i in items(read(path))] == ["line 1", "line 2", "line 3"]


def test_gzip_whatever_the_name(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(release(n)) for n in range(4))
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    (tmp_path / "b.json.gz").write_bytes(gzip.compress(json.dumps(package(release(5))).encode()))
    (tmp_path / "c.json").write_bytes(gzip.compress(json.dumps(release(6)).encode()))
    results = read(tmp_path)
    assert problems(results) == []
    assert [i.data["id"] for i in items(results)] == ["r0", "r1", "r2", "r3", "r5", "r6"]


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(json.dumps(package(*[release(n) for n in range(50)])).encode())
    path = write(tmp_path / "p.json.gz", data[: len(data) // 2])
    results = read(path)
    assert items(results) == []
    [problem] = problems(results)
    assert problem.fatal
    assert problem.message.startswith("corrupt or truncated gzip data")


def test_concatenated_json_values(tmp_path: Path) -> None:
    text = (
        json.dumps(package(release(1), release(2)), indent=2)
        + json.dumps(release(3), indent=2)
        + "\n[1, 2]\n"
        + json.dumps({"records": [{"ocid": "x", "releases": [release(4)]}]})
        + "42"
    )
    path = write(tmp_path / "concat.json", text.encode())
    results = read(path)
    assert [(r.position, getattr(r, "kind", None)) for r in results] == [
        ("value 1, releases[0]", "release"),
        ("value 1, releases[1]", "release"),
        ("value 2", "release"),
        ("value 3", None),
        ("value 4, records[0]", "record"),
        ("value 5", None),
    ]
    assert [p.message for p in problems(results)] == [
        "expected a release, record or package object, found an array",
        "expected a release, record or package object, found a number",
    ]


def test_directories_recursively_sorted_other_files_reported(tmp_path: Path) -> None:
    write(tmp_path / "b" / "z.json", release(2))
    write(tmp_path / "b" / "a" / "y.ndjson", json.dumps(release(1)).encode())
    write(tmp_path / "a.JSON", release(0))
    write(tmp_path / "notes.txt", b"hello")
    write(tmp_path / ".hidden" / "x.json", release(9))
    write(tmp_path / ".x.json", release(9))
    results = read(tmp_path)
    found = [(Path(r.path).relative_to(tmp_path).as_posix(), type(r).__name__) for r in results]
    assert found == [
        ("a.JSON", "Item"),
        ("b/a/y.ndjson", "Item"),
        ("b/z.json", "Item"),
        ("notes.txt", "Skipped"),
    ]
    # a file named explicitly is read whatever its name
    write(tmp_path / "data.txt", release(4))
    assert [i.data["id"] for i in items(read(tmp_path / "data.txt"))] == ["r4"]
    assert problems(read(tmp_path / "missing.json")) == [
        Problem(str(tmp_path / "missing.json"), "whole file", "no such file or directory")
    ]


# --------------------------------------------------------------------------------------------
# Encodings


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("utf-32-be", b""),
    ],
)
@pytest.mark.parametrize("layout", ["package", "lines"])
def test_encodings(tmp_path: Path, encoding: str, bom: bytes, layout: str, mode: str) -> None:
    named = {**release(1), "tender": {"title": "Закупівля палива — café"}}
    if layout == "package":
        text = json.dumps(package(named, release(2)), ensure_ascii=False)
        name = "p.json"
    else:
        text = json.dumps(named, ensure_ascii=False) + "\n" + json.dumps(release(2))
        name = "p.jsonl"
    path = write(tmp_path / name, bom + text.encode(encoding))
    results = read(path)
    assert problems(results) == []
    assert [i.data for i in items(results)] == [named, release(2)]


def test_latin1_bytes_in_a_document(tmp_path: Path, mode: str) -> None:
    good = json.dumps(package(release(1), release(2))).encode()
    bad = good.replace(b'"r2"', b'"r\xe92"')
    path = write(tmp_path / "latin.json", bad)
    results = read(path)
    at = bad.index(b"\xe9")
    [problem] = problems(results)
    assert problem == Problem(
        str(path),
        f"byte {at}",
        "not valid UTF-8: byte 0xe9 cannot be decoded; reading of this file stopped here",
    )
    assert problem.fatal
    # the release before the bad byte was read (the importer drops it: the document is broken)
    assert [i.data["id"] for i in items(results)] == ["r1"]


def test_latin1_bytes_in_json_lines_lose_only_that_line(tmp_path: Path) -> None:
    lines = [json.dumps(release(n)).encode() for n in range(3)]
    lines[1] = lines[1].replace(b'"r1"', b'"caf\xe9"')
    path = write(tmp_path / "l.jsonl", b"\n".join(lines))
    results = read(path)
    column = lines[1].index(b"\xe9")
    assert problems(results) == [
        Problem(
            str(path),
            f"line 2, column {column + 1} (byte {len(lines[0]) + 1 + column})",
            "not valid UTF-8: byte 0xe9 cannot be decoded",
        )
    ]
    assert [i.data["id"] for i in items(results)] == ["r0", "r2"]


# --------------------------------------------------------------------------------------------
# Bad JSON


def test_truncated_package(tmp_path: Path, mode: str) -> None:
    text = json.dumps(package(release(1), release(2), release(3)), indent=1)
    cut = text.index('"r3"')
    path = write(tmp_path / "t.json", text[:cut].encode())
    results = read(path)
    assert [i.data["id"] for i in items(results)] == ["r1", "r2"]
    [problem] = problems(results)
    line = text[:cut].count("\n") + 1
    column = cut - text[:cut].rfind("\n")
    assert problem == Problem(
        str(path),
        f"line {line}, column {column} (byte {cut})",
        "invalid JSON: unexpected end of data (truncated file?); reading of this file stopped here",
    )
    assert problem.fatal


def test_syntax_error_mid_package(tmp_path: Path, mode: str) -> None:
    text = json.dumps(package(release(1), release(2), release(3)))
    broken = text.replace('"id": "r2"', '"id": r2', 1)
    path = write(tmp_path / "s.json", broken.encode())
    results = read(path)
    at = broken.index("r2,")
    assert [i.data["id"] for i in items(results)] == ["r1"]
    [problem] = problems(results)
    assert problem.position == f"line 1, column {at + 1} (byte {at})"
    assert problem.message == (
        "invalid JSON: lexical error: invalid char in json text.; reading of this file stopped here"
    )


def test_syntax_error_far_into_a_big_single_line_document(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(reader, "SMALL_DOCUMENT", 0)
    text = json.dumps(package(*[release(n) for n in range(3000)]))
    broken = text.replace('"id": "r2500"', '"id" "r2500"', 1)
    path = write(tmp_path / "s.json", broken.encode())
    results = read(path)
    # yajl stops after the offending token: the position is its last byte (the closing quote)
    at = broken.index(' "r2500"') + len(' "r2500"') - 1
    assert len(items(results)) == 2500
    [problem] = problems(results)
    assert problem.position == f"line 1, column {at + 1} (byte {at})"
    assert "object key and value must be separated by a colon" in problem.message


def test_bad_json_line_loses_only_that_line(tmp_path: Path) -> None:
    lines = [json.dumps(release(n)) for n in range(4)]
    lines[1] = lines[1][:20]
    lines[2] = '{"ocid": NaN, "id": "x"}'
    path = write(tmp_path / "l.jsonl", "\n".join(lines).encode())
    results = read(path)
    start2 = len(lines[0]) + 1
    assert problems(results)[0] == Problem(
        str(path),
        f"line 2, column 10 (byte {start2 + 9})",  # where the unterminated string starts
        "invalid JSON: Unterminated string starting at",
    )
    assert problems(results)[1] == Problem(
        str(path), f"line 3 (byte {start2 + 21})", "invalid JSON: NaN is not valid JSON"
    )
    assert [i.data["id"] for i in items(results)] == ["r0", "r3"]
    assert not any(p.fatal for p in problems(results))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file"),
        (b"[1, 2]", "expected a release, record or package object, found an array"),
        (b'"text"', "expected a release, record or package object, found a string"),
        (b"null", "expected a release, record or package object, found null"),
        (
            b'{"uri": "x"}',
            "not an OCDS release, record or package (no ocid, id, releases or records)",
        ),
        (b'{"releases": {"a": 1}}', "'releases' is not an array"),
    ],
)
def test_not_ocds(tmp_path: Path, content: bytes, message: str, mode: str) -> None:
    path = write(tmp_path / "x.json", content)
    assert read(path) == [Problem(str(path), "whole file", message)]


def test_non_object_releases_in_a_package(tmp_path: Path, mode: str) -> None:
    path = write(tmp_path / "p.json", package(release(1), "r2", None, [release(3)]))
    results = read(path)
    assert [i.position for i in items(results)] == ["releases[0]"]
    assert problems(results) == [
        Problem(str(path), "releases[1]", "a release must be an object, found a string"),
        Problem(str(path), "releases[2]", "a release must be an object, found null"),
        Problem(str(path), "releases[3]", "a release must be an object, found an array"),
    ]


def test_releases_without_ocid_or_id_are_still_items(tmp_path: Path, mode: str) -> None:
    # the reader finds them; the importer rejects them with the reason
    path = write(tmp_path / "p.json", package({"date": "2020-01-01"}, {"ocid": "x"}))
    assert [i.data for i in items(read(path))] == [{"date": "2020-01-01"}, {"ocid": "x"}]
    single = write(tmp_path / "r.json", {"tag": ["tender"], "tender": {}})
    assert [i.kind for i in items(read(single))] == ["release"]


def test_numbers_as_json_load_gives_them(tmp_path: Path, mode: str) -> None:
    text = '{"releases": [{"ocid": "x", "id": 1, "value": {"amount": 10.10, "n": 7, "e": 1E2, "z": -0, "f": 0.1}}]}'
    path = write(tmp_path / "n.json", text.encode())
    [item] = items(read(path))
    assert item.data == json.loads(text)["releases"][0]
    amount = item.data["value"]
    assert [type(amount[k]) for k in ("amount", "n", "e", "z", "f")] == [
        float,
        int,
        float,
        int,
        float,
    ]
    assert item.data["id"] == 1


def test_overflowing_number_is_an_error(tmp_path: Path, mode: str) -> None:
    path = write(tmp_path / "n.json", b'{"releases": [{"ocid": "x", "id": "1", "v": 1e400}]}')
    [problem] = read(path)
    assert isinstance(problem, Problem)
    assert problem == Problem(
        str(path),
        "line 1, column 44 (byte 43)",
        "invalid JSON: parse error: numeric (floating point) overflow; "
        "reading of this file stopped here",
    )
    lines = write(tmp_path / "n.jsonl", b'{"ocid": "x", "id": "1", "v": 1e400}\n')
    [problem] = read(lines)
    assert problem == Problem(
        str(lines), "line 1 (byte 0)", "invalid JSON: number 1e400 overflows a double"
    )


# --------------------------------------------------------------------------------------------
# Property: JSON Lines


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
releases_st = st.fixed_dictionaries(
    {"ocid": st.text(min_size=1, max_size=10), "id": st.text(min_size=1, max_size=10)},
    optional={"tender": json_values, "parties": json_values},
)
lines_st = st.lists(st.one_of(releases_st, st.just("garbage"), st.just("")), max_size=8)


@given(lines=lines_st, bom=st.booleans(), crlf=st.booleans())
def test_json_lines_property(
    tmp_path_factory: Any, lines: list[Any], bom: bool, crlf: bool
) -> None:
    path = tmp_path_factory.mktemp("prop") / "p.jsonl"
    text = [
        json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else ("{" + x if x else "")
        for x in lines
    ]
    data = ("\r\n" if crlf else "\n").join(text).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    results = read(path)
    expected_data = [x for x in lines if isinstance(x, dict)]
    assert [i.data for i in items(results)] == expected_data
    assert [i.position for i in items(results)] == [
        f"line {n}" for n, x in enumerate(lines, 1) if isinstance(x, dict)
    ]
    if not any(lines):
        assert results == [Problem(str(path), "whole file", "empty file")]
        return
    assert [p.position.split(",")[0] for p in problems(results)] == [
        f"line {n}" for n, x in enumerate(lines, 1) if x == "garbage"
    ]


# --------------------------------------------------------------------------------------------
# Size


def test_a_package_over_100_mb_is_read_in_constant_memory(tmp_path: Path) -> None:
    """~110 MB, 1,100 releases of 100 kB (few, large objects keep tracemalloc fast)."""
    path = tmp_path / "big.json"
    filler = "x" * 100_000
    count = 1_100
    with path.open("w") as out:
        out.write('{"uri": "u", "releases": [')
        for n in range(count):
            if n:
                out.write(",")
            out.write(json.dumps({**release(n), "description": filler}))
        out.write('], "publisher": {"name": "after"}}')
    assert path.stat().st_size > 100 * 1024 * 1024
    tracemalloc.start()
    try:
        seen = 0
        for result in iter_items([path]):
            assert isinstance(result, Item)
            assert result.package == {"uri": "u", "publisher": {"name": "after"}}
            seen += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_progress_reports_every_byte_of_every_file(tmp_path: Path, mode: str) -> None:
    write(tmp_path / "a.json", package(*[release(n) for n in range(200)]))
    write(tmp_path / "b.jsonl", "\n".join(json.dumps(release(n)) for n in range(300)).encode())
    (tmp_path / "c.json.gz").write_bytes(gzip.compress(json.dumps(release(1)).encode()))
    write(tmp_path / "d.json", b'{"releases": [')  # truncated
    reported: list[int] = []
    results = list(iter_items([tmp_path], on_read=reported.append))
    assert len(items(results)) == 501
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert sum(reported) == total
    assert all(n > 0 for n in reported)
