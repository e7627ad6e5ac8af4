"""Shared by the merge and compile equality tests: the reference implementation, offline.

The reference (ocdsmerge, and ``ocdskit compile`` on top of it) downloads the newest release
schema when it is not given one. Here it always gets the vendored schema, and
:func:`offline` makes any network access an error, so a test that forgot the schema fails
instead of quietly fetching (``test_merge.py`` checks that the guard bites).
"""

from __future__ import annotations

import copy
import json
import socket
import warnings
from typing import Any

import ocdsmerge
import pytest

from spilno.transparency.ocds import standard
from spilno.transparency.ocds.merge import MergeError

SCHEMA_PATH = standard.DATA / "release-schema.json"


class NetworkBlocked(RuntimeError):
    pass


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise NetworkBlocked(f"network access during an offline test: {args!r}")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DNS, no connection: the reference must work from the vendored schema alone."""
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)


def reference_merger() -> ocdsmerge.Merger:
    """ocdsmerge with the vendored OCDS 1.1.5 release schema (never downloaded)."""
    return ocdsmerge.Merger(schema=copy.deepcopy(standard.release_schema()))


Outcome = tuple[str, Any]


def reference_outcome(merger: ocdsmerge.Merger, kind: str, releases: list[Any]) -> Outcome:
    """("ok", merged release) or ("error", exception type name) from the reference."""
    method = (
        merger.create_compiled_release if kind == "compiled" else merger.create_versioned_release
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DuplicateIdValueWarning
        try:
            return ("ok", method(copy.deepcopy(releases)))
        except NetworkBlocked:
            raise
        except Exception as exc:  # the reference lets TypeError through for odd ids
            return ("error", type(exc).__name__)


def own_outcome(method: Any, releases: list[Any]) -> Outcome:
    try:
        return ("ok", method(copy.deepcopy(releases)))
    except MergeError as exc:
        return ("error", str(exc))


def same(expected: Outcome, got: Outcome) -> bool:
    """Equal merged releases, down to key order and JSON types (1 ≠ 1.0 ≠ true); or both
    refused the input."""
    if expected[0] != got[0]:
        return False
    if expected[0] == "error":
        return True
    return json.dumps(expected[1]) == json.dumps(got[1])
