"""``spilno ocds validate PATH...``: validate OCDS data offline, item by item, streaming.

Reads files and directories with :mod:`spilno.transparency.ocds.reader` and checks each release or
record (and each package's metadata, once) with :mod:`spilno.transparency.ocds.validation`.
Prints one line per issue (file, position, JSON path, message), then counts grouped by check and
field. ``--json`` writes the same as one JSON document, streamed (issues first, summary last).
Exit status: 0 when everything is valid, 1 when any item is invalid or any input unreadable.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import orjson

from spilno.transparency.ocds.reader import Item, Problem, Skipped, iter_items
from spilno.transparency.ocds.validation import (
    DuplicateReleases,
    ValidationIssue,
    metadata_errors,
    record_errors,
    release_errors,
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or directories.")
    parser.add_argument(
        "--json", action="store_true", help="Write a machine-readable JSON report to stdout."
    )
    parser.add_argument(
        "--show",
        type=int,
        default=1000,
        metavar="N",
        help="Print at most N issues (default 1000; all of them with --json).",
    )


@dataclass(frozen=True)
class Finding:
    """One issue of one item, or one problem reading the input."""

    file: str
    position: str
    path: str  # JSON path inside the item ("" for reading problems)
    message: str
    check: str  # schema keyword, OCDS check, or "unreadable" / "skipped"
    kind: str = ""  # "release", "record", "package" or "" (reading problems)


@dataclass
class Summary:
    files: set[str] = field(default_factory=set)
    items: int = 0
    invalid: int = 0
    invalid_packages: int = 0
    issues: int = 0
    unreadable: int = 0
    skipped: int = 0
    groups: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not (self.invalid or self.invalid_packages or self.unreadable)


_INDEX = re.compile(r"/\d+(?=/|$)")


def _pattern(path: str) -> str:
    """``tender/items/3/quantity`` → ``tender/items/*/quantity``: how issues are grouped."""
    return _INDEX.sub("/*", path)


def _package_position(position: str) -> str:
    """Where a package's metadata is: the line of a JSON Lines package, else "package"."""
    head, _, _tail = position.rpartition(", ")
    return head or "package"


def findings(paths: list[str], summary: Summary) -> Iterator[Finding]:
    """Every issue of every item, streaming; fills ``summary`` as it goes."""
    package_key: tuple[str, int] | None = None
    scope: tuple[str, int | None] | None = None
    duplicates = DuplicateReleases()
    for result in iter_items(paths):
        summary.files.add(result.path)
        if isinstance(result, Skipped):
            summary.skipped += 1
            yield Finding(result.path, result.position, "", result.message, "skipped")
            continue
        if isinstance(result, Problem):
            summary.unreadable += 1
            yield Finding(result.path, result.position, "", result.message, "unreadable")
            continue
        item: Item = result
        summary.items += 1
        issues: list[tuple[ValidationIssue, str, str]] = []
        if item.package is not None and package_key != (item.path, id(item.package)):
            package_key = (item.path, id(item.package))
            where = _package_position(item.position)
            found = metadata_errors(item.package, item.kind)
            summary.invalid_packages += bool(found)
            issues.extend((i, where, "package") for i in found)
        if item.kind == "release":
            issues.extend((i, item.position, "release") for i in release_errors(item.data))
            # duplicate ids: within a package, or within a file for releases without one
            key = (item.path, id(item.package) if item.package is not None else None)
            if key != scope:
                scope, duplicates = key, DuplicateReleases()
            duplicate = duplicates.check(item.data, item.position)
            if duplicate is not None:
                issues.append((duplicate, item.position, "release"))
        else:
            issues.extend((i, item.position, "record") for i in record_errors(item.data))
        if any(kind != "package" for _, _, kind in issues):
            summary.invalid += 1
        for issue, position, kind in issues:
            summary.issues += 1
            summary.groups[(issue.check, _pattern(issue.path), kind)] += 1
            yield Finding(item.path, position, issue.path, issue.message, issue.check, kind)


def _line(finding: Finding) -> str:
    where = f"{finding.file}: {finding.position}"
    if finding.path:
        where += f": {finding.path}"
    return f"{where}: {finding.message} [{finding.check}]"


def _report_text(paths: list[str], show: int, out: TextIO) -> Summary:
    summary = Summary()
    shown = hidden = 0
    for finding in findings(paths, summary):
        if finding.check == "skipped" or shown < show:
            out.write(_line(finding) + "\n")
            shown += finding.check != "skipped"
        else:
            hidden += 1
    if hidden:
        out.write(f"… and {hidden} more issue(s) (use --json for all of them)\n")
    valid = summary.items - summary.invalid
    out.write(
        f"\n{summary.items} item(s) in {len(summary.files)} file(s): {valid} valid, "
        f"{summary.invalid} invalid ({summary.issues} issue(s))"
    )
    if summary.invalid_packages:
        out.write(f"; {summary.invalid_packages} package(s) with invalid metadata")
    if summary.unreadable:
        out.write(f"; {summary.unreadable} problem(s) reading the input")
    if summary.skipped:
        out.write(f"; {summary.skipped} file(s) skipped")
    out.write(".\n")
    if summary.groups:
        out.write("\n  count  check                 object   field\n")
        for (check, pattern, kind), count in sorted(
            summary.groups.items(), key=lambda kv: (-kv[1], kv[0])
        ):
            out.write(f"{count:>7}  {check:<20}  {kind:<7}  {pattern or '(the object)'}\n")
    return summary


def _report_json(paths: list[str], out: TextIO) -> Summary:
    summary = Summary()
    out.write('{"findings": [')
    first = True
    for finding in findings(paths, summary):
        out.write(("\n" if first else ",\n") + orjson.dumps(finding.__dict__).decode())
        first = False
    result: dict[str, Any] = {
        "files": len(summary.files),
        "items": summary.items,
        "valid": summary.items - summary.invalid,
        "invalid": summary.invalid,
        "invalid_packages": summary.invalid_packages,
        "issues": summary.issues,
        "unreadable": summary.unreadable,
        "skipped": summary.skipped,
        "groups": [
            {"check": check, "field": pattern, "object": kind, "count": count}
            for (check, pattern, kind), count in sorted(
                summary.groups.items(), key=lambda kv: (-kv[1], kv[0])
            )
        ],
    }
    out.write('\n], "summary": ' + orjson.dumps(result).decode() + "}\n")
    return summary


def run(options: dict[str, Any]) -> int:
    paths = [str(p) for p in options["paths"]]
    out = sys.stdout
    if options.get("json"):
        summary = _report_json(paths, out)
    else:
        summary = _report_text(paths, int(options.get("show") or 1000), out)
    out.flush()
    return 0 if summary.ok else 1
