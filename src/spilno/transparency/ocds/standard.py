"""The vendored OCDS 1.1.5 standard (``data/``): schemas, codelists and the offline ``$ref`` map.

Spilno never downloads a schema: the absolute URLs the package schemas use are mapped to the
files shipped in ``data/``.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DATA = Path(__file__).resolve().parent / "data"
VERSION = "1.1"
SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"
SCHEMA_FILES = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
    "versioned-release-validation-schema.json",
)


@cache
def load(name: str) -> dict[str, Any]:
    """One of :data:`SCHEMA_FILES`, parsed (cached: treat it as read-only)."""
    if name not in SCHEMA_FILES:
        raise ValueError(f"Unknown OCDS schema file {name!r}.")
    with (DATA / name).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def release_schema() -> dict[str, Any]:
    return load("release-schema.json")


@cache
def registry() -> Registry:
    """Every vendored schema under its published URL, so ``$ref``s resolve offline."""
    resources = []
    for name in SCHEMA_FILES:
        resource = Resource.from_contents(load(name), default_specification=DRAFT4)
        resources.append((SCHEMA_BASE + name, resource))
        schema_id = load(name).get("id")
        if schema_id and schema_id != SCHEMA_BASE + name:
            resources.append((schema_id, resource))
    registry: Registry = Registry().with_resources(resources)
    return registry


@cache
def codelist(name: str) -> tuple[str, ...]:
    """The codes of one codelist, e.g. ``codelist("releaseTag")``."""
    path = DATA / "codelists" / f"{name}.csv"
    if not path.is_file():
        raise ValueError(f"Unknown OCDS codelist {name!r}.")
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(row["Code"] for row in csv.DictReader(handle))
