"""Offline validation of OCDS 1.1 data: the JSON schema (draft 4) plus the checks it cannot express.

The vendored schemas (:mod:`.standard`) are compiled once into Draft4Validators; ``$ref``s resolve
through :func:`.standard.registry`, so nothing is downloaded. jsonschema ships no checker for the
``date-time`` and ``uri`` formats without optional packages, so both are defined here, as strictly
as CoVE/lib-cove-ocds apply them (RFC 3339 date-times with a time zone, RFC 3986 absolute URIs).

OCDS checks beyond the schema (each :class:`ValidationIssue` names its ``check``):

``duplicate_release_id``
    The same release ``id`` for the same ``ocid`` twice in one package (or, for releases that come
    without a package, in one file). CoVE: "Non-unique ocid and id combination".
``non_unique_id``
    Two objects with the same ``id`` in one array (parties, awards, contracts, items, documents,
    milestones, amendments, …). The schema's ``uniqueItems`` only compares whole objects. CoVE:
    "Non-unique ID values".
``blank_identifier``
    An ``ocid`` or release ``id`` of white space only (the schema's ``minLength`` lets it pass).
``ocid_prefix``
    An ``ocid`` that does not start with an OCDS prefix (``ocds-`` and six characters, then ``-``).
    CoVE: "ocid prefix".
``party_reference``
    An organisation reference (buyer, procuring entity, tenderers, suppliers, payers, payees) whose
    ``id`` matches no entry in the release's ``parties``.
``record_ocid``
    A record whose embedded releases or compiled release have another ``ocid`` than the record.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from spilno.transparency.ocds import standard


@dataclass(frozen=True)
class ValidationIssue:
    """One reason an object is invalid."""

    path: str  # JSON path inside the checked object: "tender/items/0/quantity" ("" = the object)
    message: str
    check: str = "schema"  # the schema keyword ("required", "enum", "format", …) or an OCDS check


# --------------------------------------------------------------------------------------------
# Formats

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)
_URI = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.\-]*:"  # scheme
    r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*$",  # RFC 3986 characters only
    re.ASCII,
)

_formats = jsonschema.FormatChecker(formats=())
for _name in ("email", "ipv4", "ipv6", "regex"):
    if _name in jsonschema.Draft4Validator.FORMAT_CHECKER.checkers:
        _check, _raises = jsonschema.Draft4Validator.FORMAT_CHECKER.checkers[_name]
        _formats.checks(_name, _raises)(_check)


@_formats.checks("date-time")
def is_date_time(value: object) -> bool:
    """RFC 3339 ``date-time``: date, ``T``, time, and a time zone (``Z`` or an offset)."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@_formats.checks("uri")
def is_uri(value: object) -> bool:
    """RFC 3986 absolute URI: a scheme, then only characters a URI may hold."""
    if not isinstance(value, str):
        return True
    return bool(_URI.match(value))


# --------------------------------------------------------------------------------------------
# Validators, compiled once


def _validator(schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(schema, registry=standard.registry(), format_checker=_formats)


@cache
def _release_validator() -> jsonschema.Draft4Validator:
    return _validator(standard.release_schema())


@cache
def _record_validator() -> jsonschema.Draft4Validator:
    schema = standard.load("record-package-schema.json")
    return _validator({"$ref": f"{schema['id']}#/definitions/record"})


@cache
def _package_validator(kind: str) -> jsonschema.Draft4Validator:
    return _validator(standard.load(f"{kind}-package-schema.json"))


@cache
def _metadata_validator(kind: str) -> jsonschema.Draft4Validator:
    """The package schema without its ``releases``/``records``: for the metadata of a package
    whose items are validated one by one (streaming)."""
    schema = dict(standard.load(f"{kind}-package-schema.json"))
    key = f"{kind}s"
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k != key}
    schema["required"] = [k for k in schema["required"] if k != key]
    return _validator(schema)


# --------------------------------------------------------------------------------------------
# Messages


def _json(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _path(parts: Iterator[Any] | Any) -> str:
    return "/".join(str(part) for part in parts)


def _issue(error: ValidationError) -> ValidationIssue:
    if error.validator in ("oneOf", "anyOf") and error.context:
        # "not valid under any of the given schemas" hides the reason: give the closest one
        deepest = best_match(error.context)
        if deepest is not None:
            error = deepest
    path = _path(error.absolute_path)
    keyword = str(error.validator)
    instance, value = error.instance, error.validator_value
    if keyword == "required":
        missing = error.message.split("'")[1] if error.message.count("'") >= 2 else ""
        return ValidationIssue(_join(path, missing), "required field is missing", keyword)
    if keyword == "enum":
        codelist = error.schema.get("codelist")
        if codelist:
            closed = "closed " if error.schema.get("openCodelist") is False else ""
            message = f"{_json(instance)} is not a code of the {closed}codelist {codelist}"
        else:
            choices = ", ".join(_json(v) for v in list(value)[:8])
            message = f"{_json(instance)} is not one of {choices}"
        return ValidationIssue(path, message, keyword)
    if keyword == "type":
        expected = " or ".join(value) if isinstance(value, list) else str(value)
        return ValidationIssue(path, f"{_json(instance)} is not of type {expected}", keyword)
    if keyword == "format":
        return ValidationIssue(path, f"{_json(instance, 300)} is not a valid {value}", keyword)
    if keyword == "uniqueItems":
        return ValidationIssue(path, "array has identical items", keyword)
    if keyword == "minItems":
        return ValidationIssue(path, f"array needs at least {value} item(s)", keyword)
    if keyword == "minLength":
        return ValidationIssue(path, f"{_json(instance)} is too short", keyword)
    message = error.message if len(error.message) <= 200 else error.message[:199] + "…"
    return ValidationIssue(path, message, keyword)


def _join(path: str, part: str) -> str:
    return f"{path}/{part}" if path and part else path or part


def _schema_issues(validator: jsonschema.Draft4Validator, data: Any) -> list[ValidationIssue]:
    issues = [_issue(error) for error in validator.iter_errors(data)]
    return sorted(issues, key=lambda issue: (issue.path, issue.message))


# --------------------------------------------------------------------------------------------
# OCDS checks


_PREFIX = re.compile(r"^ocds-[A-Za-z0-9]{6}-", re.ASCII)


def _non_unique_ids(value: Any, path: str) -> Iterator[ValidationIssue]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _non_unique_ids(child, _join(path, str(key)))
    elif isinstance(value, list):
        ids = Counter(
            _json(element["id"])
            for element in value
            if isinstance(element, dict) and element.get("id") is not None
        )
        for identifier, count in ids.items():
            if count > 1:
                yield ValidationIssue(
                    path, f"id {identifier} is used by {count} objects", "non_unique_id"
                )
        for index, element in enumerate(value):
            if isinstance(element, dict | list):
                yield from _non_unique_ids(element, _join(path, str(index)))


def _references(release: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(path, organisation reference) of every reference to ``parties`` in a release."""

    def one(path: str, value: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(value, dict):
            yield path, value

    def many(path: str, values: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(values, list):
            for index, value in enumerate(values):
                yield from one(f"{path}/{index}", value)

    yield from one("buyer", release.get("buyer"))
    tender = release.get("tender")
    if isinstance(tender, dict):
        yield from one("tender/procuringEntity", tender.get("procuringEntity"))
        yield from many("tender/tenderers", tender.get("tenderers"))
    for index, award in enumerate(_list(release.get("awards"))):
        if isinstance(award, dict):
            yield from many(f"awards/{index}/suppliers", award.get("suppliers"))
    for index, contract in enumerate(_list(release.get("contracts"))):
        implementation = contract.get("implementation") if isinstance(contract, dict) else None
        if isinstance(implementation, dict):
            for number, transaction in enumerate(_list(implementation.get("transactions"))):
                if isinstance(transaction, dict):
                    base = f"contracts/{index}/implementation/transactions/{number}"
                    yield from one(f"{base}/payer", transaction.get("payer"))
                    yield from one(f"{base}/payee", transaction.get("payee"))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _identifiers(release: dict[str, Any]) -> Iterator[ValidationIssue]:
    for field in ("ocid", "id"):
        value = release.get(field)
        if isinstance(value, str) and value and not value.strip():
            yield ValidationIssue(field, "is blank (white space only)", "blank_identifier")
    ocid = release.get("ocid")
    if isinstance(ocid, str) and ocid.strip() and not _PREFIX.match(ocid):
        yield ValidationIssue(
            "ocid",
            f"{_json(ocid)} does not start with an OCDS prefix (ocds-xxxxxx-)",
            "ocid_prefix",
        )


def _ocds_release_issues(release: dict[str, Any], path: str = "") -> Iterator[ValidationIssue]:
    yield from (
        ValidationIssue(_join(path, issue.path), issue.message, issue.check)
        for issue in _identifiers(release)
    )
    yield from _non_unique_ids(release, path)
    parties = release.get("parties")
    if isinstance(parties, list) and parties:
        known = {_json(p.get("id")) for p in parties if isinstance(p, dict) and "id" in p}
        for where, reference in _references(release):
            if "id" in reference and _json(reference["id"]) not in known:
                yield ValidationIssue(
                    _join(path, f"{where}/id"),
                    f"organisation {_json(reference['id'])} is not in parties",
                    "party_reference",
                )


# --------------------------------------------------------------------------------------------
# Public API


def release_errors(release: dict[str, Any]) -> list[ValidationIssue]:
    """Every issue of one release: the OCDS 1.1 release schema, then the OCDS checks."""
    issues = _schema_issues(_release_validator(), release)
    if isinstance(release, dict):
        issues.extend(_ocds_release_issues(release))
    return issues


def record_errors(record: dict[str, Any]) -> list[ValidationIssue]:
    """Every issue of one record (its embedded and compiled releases included)."""
    issues = _schema_issues(_record_validator(), record)
    if isinstance(record, dict):
        issues.extend(_ocds_record_issues(record))
    return issues


def _ocds_record_issues(record: dict[str, Any], path: str = "") -> Iterator[ValidationIssue]:
    ocid = record.get("ocid")
    parts: list[tuple[str, Any]] = [
        (f"releases/{index}", release)
        for index, release in enumerate(_list(record.get("releases")))
        if isinstance(release, dict) and "id" in release  # embedded, not a link
    ]
    if isinstance(record.get("compiledRelease"), dict):
        parts.append(("compiledRelease", record["compiledRelease"]))
    for where, release in parts:
        yield from _ocds_release_issues(release, _join(path, where))
        if "ocid" in release and release["ocid"] != ocid:
            yield ValidationIssue(
                _join(path, f"{where}/ocid"),
                f"{_json(release['ocid'])} differs from the record's ocid {_json(ocid)}",
                "record_ocid",
            )


def package_errors(package: dict[str, Any]) -> list[ValidationIssue]:
    """Every issue of a whole release or record package: the package schema (which validates
    every release or record in it), the OCDS checks of each item, duplicate release ids."""
    kind = "record" if isinstance(package, dict) and "records" in package else "release"
    issues = _schema_issues(_package_validator(kind), package)
    if not isinstance(package, dict):
        return issues
    duplicates = DuplicateReleases()
    for index, item in enumerate(_list(package.get(f"{kind}s"))):
        if not isinstance(item, dict):
            continue
        position = f"{kind}s/{index}"
        if kind == "record":
            issues.extend(_ocds_record_issues(item, position))
            continue
        issues.extend(_ocds_release_issues(item, position))
        issue = duplicates.check(item, position)
        if issue is not None:
            issues.append(ValidationIssue(f"{position}/id", issue.message, issue.check))
    return issues


def metadata_errors(metadata: dict[str, Any], kind: str) -> list[ValidationIssue]:
    """Issues of a package's metadata alone (everything but ``releases``/``records``);
    ``kind`` is "release" or "record"."""
    return _schema_issues(_metadata_validator(kind), metadata)


#: The names of the checks beyond the schema (see the module's docstring).
OCDS_CHECKS = frozenset(
    (
        "duplicate_release_id",
        "non_unique_id",
        "blank_identifier",
        "ocid_prefix",
        "party_reference",
        "record_ocid",
    )
)


class DuplicateReleases:
    """Remembers the (ocid, id) of the releases of one package (or file) to report repeats.

    Keeps a 64-bit hash of (ocid, id) per release, not the strings, so a million releases cost
    tens of megabytes (a false "duplicate" needs a hash collision: about 1 in 10^7 at that size)."""

    def __init__(self) -> None:
        self._seen: dict[int, str] = {}

    def check(self, release: dict[str, Any], position: str) -> ValidationIssue | None:
        ocid, identifier = release.get("ocid"), release.get("id")
        if ocid is None or identifier is None:
            return None
        key = hash((_json(ocid, 10_000), _json(identifier, 10_000)))
        first = self._seen.get(key)
        if first is None:
            self._seen[key] = position
            return None
        return ValidationIssue(
            "id",
            f"release id {_json(identifier)} of ocid {_json(ocid)} was already used at {first}",
            "duplicate_release_id",
        )
