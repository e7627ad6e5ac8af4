"""``spilno ocds compile``: the command around the compiler (arguments, files, streams, errors).

Most tests call the command's module in this process (``main``: the code ``spilno ocds compile``
runs); the last ones run the real ``spilno ocds compile`` as a subprocess, check that it does not
start Django, and that it says and does exactly what the command said and did through Django's
dispatch (``execute_from_command_line``, as ``spilno`` ran every command before).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from spilno.transparency.cli import compile as command
from spilno.transparency.ocds import compiler

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "ocds-samples"


def _release(ocid: str, date: str, **fields: Any) -> dict[str, Any]:
    return {"ocid": ocid, "id": f"{ocid}-{date}", "date": date, "tag": ["tender"], **fields}


def _lines(path: Path, values: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(v) + b"\n" for v in values))
    return path


def _run(*args: str) -> int:
    return command.main(["--quiet", *args])


def test_a_folder_of_real_data_becomes_one_record_package(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "records.json"
    status = command.main([str(SAMPLES / "paraguay-dncp" / "releases"), str(out)])
    package = json.loads(out.read_bytes())
    assert status == 0
    assert list(package)[:4] == ["uri", "publisher", "publishedDate", "license"]
    assert package["version"] == "1.1"
    assert package["publisher"]["name"]  # the input packages' publisher
    assert len(package["packages"]) == 67  # every input package's uri
    ocids = [record["ocid"] for record in package["records"]]
    assert ocids == sorted(ocids)
    assert len(ocids) == 17
    assert all(r["compiledRelease"]["tag"] == ["compiled"] for r in package["records"])
    assert "67 release(s) from 67 file(s) → 17 records" in capsys.readouterr().err


def test_linked_only_records_are_a_note_not_an_error(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "out.json"
    assert _run(str(SAMPLES / "paraguay-dncp" / "records"), str(out)) == 0
    assert json.loads(out.read_bytes())["records"] == []
    err = capsys.readouterr().err
    assert "note: record ocds-03ad3f-273637: 4 linked release(s)" in err
    assert "nothing to compile" in err


def test_bad_lines_are_named_and_the_rest_is_compiled(tmp_path: Path, capsys: Any) -> None:
    source = tmp_path / "feed.jsonl"
    source.write_bytes(
        orjson.dumps(_release("ocds-1", "2020-01-01T00:00:00Z", language="en"))
        + b"\n"
        + b'{"ocid": "ocds-2", "date": \n'  # broken
        + orjson.dumps({"date": "2020-01-01T00:00:00Z"})  # no ocid
        + b"\n[1, 2]\n\n"
        + orjson.dumps(_release("ocds-1", "2020-02-01T00:00:00Z", language="uk"))
        + b"\n"
    )
    out = tmp_path / "out.jsonl"
    assert _run("--format", "compiled", str(source), str(out)) == 1
    (compiled,) = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert compiled["language"] == "uk"
    err = capsys.readouterr().err
    assert f"{source}: line 2, column" in err
    assert "invalid JSON" in err
    assert f"{source}: line 3: the release has no ocid" in err
    assert f"{source}: line 4: expected a release, record or package object, found an array" in err
    assert "Traceback" not in err


def test_a_process_that_cannot_be_merged_is_reported_with_its_ocid(
    tmp_path: Path, capsys: Any
) -> None:
    source = _lines(
        tmp_path / "feed.jsonl",
        [
            _release("ocds-1", "2020-01-01T00:00:00Z"),
            {"ocid": "ocds-1", "id": "x"},  # no date: the merge cannot order it
            _release("ocds-2", "2020-01-01T00:00:00Z"),
        ],
    )
    out = tmp_path / "out.jsonl"
    assert _run("--format", "records", str(source), str(out)) == 1
    assert [orjson.loads(line)["ocid"] for line in out.read_bytes().splitlines()] == ["ocds-2"]
    err = capsys.readouterr().err
    assert f"{source}: line 1: cannot merge the 2 release(s) of ocds-1" in err
    assert "`date` field of at least one release is missing" in err


def test_standard_input_to_standard_output() -> None:
    feed = b"".join(
        orjson.dumps(_release(f"ocds-{n % 3}", f"2020-01-0{n + 1}T00:00:00Z", language=str(n)))
        + b"\n"
        for n in range(6)
    )
    done = subprocess.run(
        [sys.executable, "-m", "spilno.transparency.cli.compile", "--format", "compiled", "-", "-"],
        input=feed,
        capture_output=True,
        check=False,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stderr
    compiled = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert [(c["ocid"], c["language"]) for c in compiled] == [
        ("ocds-0", "3"),
        ("ocds-1", "4"),
        ("ocds-2", "5"),
    ]
    assert b"6 release(s) from 1 file(s)" in done.stderr


def test_gzip_in_and_out(tmp_path: Path) -> None:
    source = tmp_path / "feed.jsonl.gz"
    with gzip.open(source, "wb") as handle:
        for n in range(4):
            handle.write(orjson.dumps(_release("ocds-1", f"2020-01-0{n + 1}T00:00:00Z")) + b"\n")
    out = tmp_path / "records.json.gz"
    assert _run("--versioned", str(source), str(out)) == 0
    (record,) = json.loads(gzip.decompress(out.read_bytes()))["records"]
    assert len(record["releases"]) == 4
    assert record["versionedRelease"]["ocid"] == "ocds-1"


def test_a_package_on_a_line_sends_the_file_to_the_reader(tmp_path: Path) -> None:
    """The fast path takes one release per line; a line that is a package (after lines that
    were releases) makes the shared reader read the whole file instead, and nothing twice."""
    first = _release("ocds-1", "2020-01-01T00:00:00Z")
    package = {"uri": "https://example.org/p.json", "releases": [_release("ocds-1", "2020-02-01")]}
    source = _lines(tmp_path / "mixed.jsonl", [first, package])
    out = tmp_path / "out.jsonl"
    assert _run("--format", "records", "--linked-releases", str(source), str(out)) == 0
    (record,) = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert record["releases"][0] == first
    assert record["releases"][1]["url"] == "https://example.org/p.json#ocds-1-2020-02-01"


def test_a_record_among_release_lines_is_reported(tmp_path: Path, capsys: Any) -> None:
    record = {"ocid": "ocds-1", "releases": [_release("ocds-1", "2020-02-01")]}
    source = _lines(tmp_path / "mixed.jsonl", [_release("ocds-1", "2020-01-01"), record])
    out = tmp_path / "out.jsonl"
    assert _run("--format", "compiled", str(source), str(out)) == 1
    assert "line 2: a record in a JSON Lines file read as one release per line" in (
        capsys.readouterr().err
    )


def test_usage_errors(tmp_path: Path, capsys: Any) -> None:
    source = _lines(tmp_path / "feed.jsonl", [_release("ocds-1", "2020-01-01")])
    assert _run(str(source), str(tmp_path)) == 2
    assert "is a folder" in capsys.readouterr().err
    assert _run("--schema", str(tmp_path / "missing.json"), str(source), "-") == 2
    assert "Cannot use the schema" in capsys.readouterr().err
    assert _run("-", "-", "-") == 2
    assert _run(str(tmp_path / "missing.jsonl"), str(tmp_path / "out.json")) == 1
    assert "missing.jsonl: whole file: no such file or directory" in capsys.readouterr().err


def test_a_failed_run_leaves_no_half_written_output(tmp_path: Path, monkeypatch: Any) -> None:
    source = _lines(tmp_path / "feed.jsonl", [_release("ocds-1", "2020-01-01")])

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise compiler.WorkerError("the worker process ended unexpectedly")

    monkeypatch.setattr(compiler, "compile_paths", broken)
    assert _run(str(source), str(tmp_path / "out.json")) == 2
    assert not list(tmp_path.glob("*out.json*"))


def test_a_patched_schema_gives_the_rules(tmp_path: Path) -> None:
    schema = {
        "properties": {
            "ocid": {"type": "string"},
            "notes": {"type": "array", "items": {"type": "object", "properties": {}}},
        }
    }
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema))
    source = _lines(
        tmp_path / "feed.jsonl",
        [
            _release("ocds-1", "2020-01-01", notes=[{"id": "a", "text": "x"}]),
            _release("ocds-1", "2020-01-02", notes=[{"id": "b"}]),
        ],
    )
    out = tmp_path / "out.jsonl"
    assert _run("--format", "compiled", "--schema", str(schema_path), str(source), str(out)) == 0
    # no `id` in the items' properties: the array is replaced whole, not merged by id
    assert orjson.loads(out.read_bytes())["notes"] == [{"id": "b"}]


def test_the_spilno_command(tmp_path: Path) -> None:
    """The real thing: the ``spilno ocds compile`` console command."""
    source = _lines(tmp_path / "feed.jsonl", [_release("ocds-1", "2020-01-01")])
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "spilno", "ocds", "compile", str(source), str(out)],
        capture_output=True,
        check=False,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_bytes())["records"][0]["ocid"] == "ocds-1"
    assert b"1 release(s) from 1 file(s)" in done.stderr


# --- `spilno ocds compile` without Django, exactly as it was through Django -------------------

# `spilno` as the console script runs it (spilno.cli.main), noting at exit whether Django was
# imported (a file named by SPILNO_TEST_DJANGO: "True" or "False").
CONSOLE = """
import atexit, os, sys

def _note():
    with open(os.environ["SPILNO_TEST_DJANGO"], "w") as note:
        note.write(str(any(name.split(".")[0] == "django" for name in sys.modules)))

atexit.register(_note)
from spilno.cli import main
main()
"""
# The route every `spilno` command took before: Django's command dispatch.
THROUGH_DJANGO = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spilno.settings")
sys.argv[0] = "spilno"
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""


def _both(tmp_path: Path, args: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``spilno ocds compile ARGS`` by the console command and through Django, at once, each in
    a folder of its own holding the same feed (so relative names in messages are the same).
    Each result: returncode, stdout, stderr, the files written and (console only) whether
    Django was imported."""
    feed = [
        _release("ocds-2", "2020-01-01T00:00:00Z", language="en"),
        _release("ocds-1", "2020-01-01T00:00:00Z", language="en"),
        _release("ocds-1", "2020-02-01T00:00:00Z", language="uk"),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SPILNO_"))}
    env["COLUMNS"] = "100"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_AUTO_COMPLETE", None)
    running = {}
    for name, code in (("console", CONSOLE), ("django", THROUGH_DJANGO)):
        folder = tmp_path / name
        folder.mkdir()
        _lines(folder / "feed.jsonl", feed)
        running[name] = subprocess.Popen(
            [sys.executable, "-c", code, "ocds", "compile", *args],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={
                **env,
                "SPILNO_DATA_DIR": str(tmp_path / f"{name}-data"),
                "SPILNO_TEST_DJANGO": str(tmp_path / f"{name}.django"),
            },
        )
    results = []
    for name, process in running.items():
        stdout, stderr = process.communicate(timeout=300)
        folder = tmp_path / name
        results.append(
            {
                "returncode": process.returncode,
                "stdout": stdout.decode(),
                "stderr": stderr.decode(),
                "files": {p.name: p.read_bytes() for p in sorted(folder.iterdir())},
                "django": (tmp_path / f"{name}.django").read_text() if name == "console" else None,
            }
        )
    console, django = results
    return console, django


def _same(console: dict[str, Any], django: dict[str, Any]) -> None:
    for key in ("returncode", "stdout", "stderr", "files"):
        assert console[key] == django[key], key


def test_spilno_ocds_compile_runs_without_django_and_as_through_django(tmp_path: Path) -> None:
    """The console command compiles without importing Django at all (no settings, no app
    loading); records, stdout, stderr and exit status are those of Django's dispatch."""
    args = ["--versioned", "--published-date", "2026-01-01T00:00:00Z", "feed.jsonl", "out.json"]
    console, django = _both(tmp_path, args)
    assert console["django"] == "False"
    _same(console, django)
    assert console["returncode"] == 0
    records = json.loads(console["files"]["out.json"])["records"]
    assert [r["ocid"] for r in records] == ["ocds-1", "ocds-2"]
    assert "3 release(s) from 1 file(s) → 2 records in out.json" in console["stderr"]
    # No settings read: no data folder made, no secret key written in it.
    assert not (tmp_path / "console-data").exists()
    assert (tmp_path / "django-data" / "secret_key").exists()


@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        # compiled releases on standard output
        (["--format=compiled", "feed.jsonl", "-"], 0, "→ 2 compiled releases in -"),
        # the help, from the same parser under the same name
        (["--help"], 0, "usage: spilno ocds compile [-h]"),
        # usage errors of the subcommand: its usage, its name, status 2
        ([], 2, "spilno ocds compile: error: the following arguments are required: IN, OUT"),
        (["--format", "bad", "feed.jsonl", "-"], 2, "argument --format: invalid choice: 'bad'"),
        (["--workers", "x", "feed.jsonl", "-"], 2, "argument --workers: invalid int value"),
        # what the command itself refuses, and problems in the input
        (["--quiet", "feed.jsonl", "."], 2, ". is a folder"),
        (["--schema", "none.json", "feed.jsonl", "-"], 2, "Cannot use the schema none.json"),
        (
            ["--quiet", "--format", "compiled", "missing.jsonl", "out.jsonl"],
            1,
            "missing.jsonl: whole file",
        ),
    ],
)
def test_spilno_ocds_compile_without_django_says_what_django_said(
    tmp_path: Path, args: list[str], status: int, says: str
) -> None:
    console, django = _both(tmp_path, args)
    assert console["django"] == "False"
    _same(console, django)
    assert console["returncode"] == status
    assert says in console["stdout"] + console["stderr"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        # unknown to the subcommand: `spilno ocds`'s parser reports it, under its own name
        (["--bogus", "feed.jsonl", "-"], "spilno ocds: error: unrecognized arguments: --bogus"),
        (["-v", "2", "feed.jsonl", "-"], "spilno ocds: error: unrecognized arguments: -v"),
        # an abbreviation `compile` alone would take for --schema, ambiguous for `spilno ocds`
        (["--s", "x", "feed.jsonl", "-"], "ambiguous option: --s could match --settings"),
    ],
)
def test_what_only_django_can_say_is_left_to_django(
    tmp_path: Path, args: list[str], says: str
) -> None:
    console, django = _both(tmp_path, args)
    assert console["django"] == "True"
    _same(console, django)
    assert console["returncode"] == 2
    assert says in console["stderr"]


def test_no_option_of_compile_is_ambiguous_for_spilno_ocds() -> None:
    """The console command takes an exact option of ``compile`` itself; that stays right only
    while no such option is the start of two options of ``spilno ocds``'s parser (argparse would
    then call it ambiguous there, before ``compile`` sees it)."""
    from spilno.transparency.management.commands.ocds import Command

    parent = {
        option
        for action in Command().create_parser("spilno", "ocds")._actions
        for option in action.option_strings
    }
    for option in command.parser()._option_string_actions:
        if option.startswith("--") and option not in parent:
            assert sum(other.startswith(option) for other in parent) < 2, option
