"""The merge engine (``spilno.transparency.ocds.merge``) against the reference, ocdsmerge 0.8.

Equal means equal JSON, down to key order and types, or both refusing the input. Each check runs
the engine three ways: as used (the direct nested merge, handing odd processes to the path
merge), with the path merge forced for every process, so both halves are proven on their own,
and as the compiler uses it (``compiled_consuming``: input taken apart into the result).
"""

from __future__ import annotations

import copy
import socket
from typing import Any

import ocdsmerge
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from ocdsmerge.rules import get_merge_rules

from spilno.transparency.ocds import merge, standard
from spilno.transparency.ocds.merge import MergeError, Merger, MergeRules
from tests.transparency.test_compile_support import (
    offline,  # noqa: F401  (fixture)
    own_outcome,
    reference_merger,
    reference_outcome,
    same,
)

pytestmark = pytest.mark.usefixtures("offline")

REFERENCE = reference_merger()
DIRECT = Merger()
PATH = Merger(direct=False)


def check(releases: list[Any]) -> None:
    for kind in ("compiled", "versioned"):
        expected = reference_outcome(REFERENCE, kind, releases)
        for merger in (DIRECT, PATH):
            method = merger.compiled if kind == "compiled" else merger.versioned
            got = own_outcome(method, releases)
            assert same(expected, got), (kind, merger.direct, releases, expected, got)
    # The compiler's way: releases parsed for the merge alone, taken apart into the result.
    expected = reference_outcome(REFERENCE, "compiled", releases)
    got = own_outcome(
        lambda given: DIRECT.compiled_consuming(lambda: copy.deepcopy(given)), releases
    )
    assert same(expected, got), ("consuming", releases, expected, got)


# --- the guard and the rules ------------------------------------------------------------------


def test_the_reference_cannot_fetch_a_schema_in_these_tests() -> None:
    """Without the vendored schema the reference would download one; here that fails loudly."""
    with pytest.raises(Exception, match="network access"):
        ocdsmerge.Merger()
    with pytest.raises(Exception, match="network access"):
        socket.create_connection(("standard.open-contracting.org", 443))


def test_rules_from_the_vendored_schema_equal_the_references() -> None:
    schema = standard.release_schema()
    ours = MergeRules.from_schema(schema).paths()
    assert ours == get_merge_rules(copy.deepcopy(schema))
    assert ours[("tag",)] == "omitWhenMerged"
    assert ours[("parties", "roles")] == "wholeListMerge"


def test_rules_of_a_patched_schema_equal_the_references() -> None:
    """Extension-style patches: rules deep inside, arrays without `id`, 1.0 merge strategies."""
    schema = copy.deepcopy(standard.release_schema())
    definitions = schema["definitions"]
    definitions["Lot"] = {
        "type": "object",
        "properties": {
            "id": {"type": ["string", "integer"]},
            "secret": {"type": "string", "omitWhenMerged": True},
            "options": {"type": "array", "items": {"$ref": "#/definitions/Option"}},
            "codes": {"type": "array", "items": {"type": "string"}},
            "legacy": {"type": "array", "mergeStrategy": "ocdsVersion", "items": {}},
            "dropped": {"type": "string", "mergeStrategy": "ocdsOmit"},
            "anything": {"type": "array", "items": {}},
            "nested": {
                "type": "object",
                "properties": {"deep": {"type": "array", "wholeListMerge": True}},
            },
        },
    }
    definitions["Option"] = {"type": "object", "properties": {"description": {"type": "string"}}}
    schema["definitions"]["Tender"]["properties"]["lots"] = {
        "type": "array",
        "items": {"$ref": "#/definitions/Lot"},
    }
    schema["properties"]["bids"] = {
        "type": "object",
        "properties": {"details": {"type": "array", "items": {"$ref": "#/definitions/Lot"}}},
    }
    ours = MergeRules.from_schema(schema).paths()
    assert ours == get_merge_rules(copy.deepcopy(schema))
    assert ours[("tender", "lots", "options")] == "wholeListMerge"
    assert ours[("bids", "details", "secret")] == "omitWhenMerged"


def test_a_recursive_definition_ends_the_rules_instead_of_looping() -> None:
    schema = {
        "properties": {"node": {"$ref": "#/definitions/Node"}},
        "definitions": {
            "Node": {
                "type": "object",
                "properties": {
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "child": {"$ref": "#/definitions/Node"},
                },
            }
        },
    }
    assert MergeRules.from_schema(schema).paths() == {("node", "tags"): "wholeListMerge"}


# --- the standard's own examples and named edge cases -----------------------------------------


def _release(date: str, **fields: Any) -> dict[str, Any]:
    return {"ocid": "ocds-213czf-1", "id": f"r-{date}", "date": date, "tag": ["tender"], **fields}


EDGE_CASES: dict[str, list[Any]] = {
    "one release": [_release("2020-01-01T00:00:00Z", tender={"title": "A"})],
    "a later value wins": [
        _release("2020-01-02T00:00:00Z", tender={"title": "B"}),
        _release("2020-01-01T00:00:00Z", tender={"title": "A", "status": "active"}),
    ],
    "identical dates: the later in the input wins": [
        _release("2020-01-01T00:00:00Z", tender={"title": "first"}),
        _release("2020-01-01T00:00:00Z", tender={"title": "second"}),
    ],
    "null removes a field, its object stays": [
        _release("2020-01-01T00:00:00Z", tender={"title": "A", "value": {"amount": 1}}),
        _release("2020-01-02T00:00:00Z", tender={"title": None, "value": {"amount": None}}),
    ],
    "null then a value again keeps the field's place": [
        _release("2020-01-01T00:00:00Z", tender={"title": "A", "status": "planned"}),
        _release("2020-01-02T00:00:00Z", tender={"title": None}),
        _release("2020-01-03T00:00:00Z", tender={"title": "C", "id": "t"}),
    ],
    "null on an object keeps its fields (as the reference does)": [
        _release("2020-01-01T00:00:00Z", tender={"title": "A"}),
        _release("2020-01-02T00:00:00Z", tender=None),
    ],
    "arrays of objects merge by id": [
        _release("2020-01-01T00:00:00Z", awards=[{"id": "1", "status": "pending"}, {"id": "2"}]),
        _release("2020-01-02T00:00:00Z", awards=[{"id": "2", "status": "active"}, {"id": "3"}]),
    ],
    "integer ids": [
        _release("2020-01-01T00:00:00Z", awards=[{"id": 1, "status": "pending"}]),
        _release("2020-01-02T00:00:00Z", awards=[{"id": 1, "status": "active"}]),
    ],
    "the same id as integer and string": [
        _release("2020-01-01T00:00:00Z", awards=[{"id": 1, "status": "pending"}]),
        _release("2020-01-02T00:00:00Z", awards=[{"id": "1", "title": "x"}]),
    ],
    "duplicate ids within one release": [
        _release(
            "2020-01-01T00:00:00Z",
            awards=[{"id": "1", "status": "pending"}, {"id": "1", "status": "active", "x": 1}],
        ),
        _release("2020-01-02T00:00:00Z", awards=[{"id": "1", "status": "pending"}]),
    ],
    "objects without id are appended": [
        _release("2020-01-01T00:00:00Z", tender={"milestones": [{"title": "a"}]}),
        _release("2020-01-02T00:00:00Z", tender={"milestones": [{"title": "a"}, {}]}),
    ],
    "an equal object with items without id, again: they are appended again": [
        _release("2020-01-01T00:00:00Z", tender={"milestones": [{"title": "a"}]}, x=[{"a": 1}]),
        _release("2020-01-01T00:00:00Z", tender={"milestones": [{"title": "a"}]}, x=[{"a": 1}]),
    ],
    "the same objects again, numbers typed differently": [
        _release(
            "2020-01-01T00:00:00Z", tender={"value": {"amount": 1}}, awards=[{"id": "1", "n": True}]
        ),
        _release(
            "2020-01-02T00:00:00Z", tender={"value": {"amount": 1.0}}, awards=[{"id": "1", "n": 1}]
        ),
    ],
    "wholeListMerge replaces the array": [
        _release("2020-01-01T00:00:00Z", parties=[{"id": "p", "roles": ["buyer", "payer"]}]),
        _release("2020-01-02T00:00:00Z", parties=[{"id": "p", "roles": ["supplier"]}]),
    ],
    "an empty array or object changes nothing": [
        _release("2020-01-01T00:00:00Z", tender={"items": [{"id": "1"}], "value": {"amount": 3}}),
        _release("2020-01-02T00:00:00Z", tender={"items": [], "value": {}}),
    ],
    "an empty whole-list array empties it": [
        _release("2020-01-01T00:00:00Z", tender={"submissionMethod": ["electronicSubmission"]}),
        _release("2020-01-02T00:00:00Z", tender={"submissionMethod": []}),
    ],
    "a whole-list array, then null": [
        _release(
            "2020-01-01T00:00:00Z",
            tender={"submissionMethod": []},
            parties=[{"id": "p", "additionalIdentifiers": {"a": 1}}],
        ),
        _release(
            "2020-01-02T00:00:00Z",
            tender={"submissionMethod": None},
            parties=[{"id": "p", "additionalIdentifiers": None}],
        ),
    ],
    "extension fields not in the schema": [
        _release(
            "2020-01-01T00:00:00Z",
            bids={"details": [{"id": "b1", "tenderers": [{"id": "s"}], "value": {"amount": 5}}]},
            x_notes=["a", "b"],
        ),
        _release(
            "2020-01-02T00:00:00Z",
            bids={"details": [{"id": "b1", "status": "valid"}, {"id": "b2"}]},
            x_notes=["c"],
        ),
    ],
    "a string where an object is expected, then an object": [
        _release("2020-01-01T00:00:00Z", tender="nothing yet"),
        _release("2020-01-02T00:00:00Z", tender={"title": "A"}),
    ],
    "an object, then a string": [
        _release("2020-01-01T00:00:00Z", tender={"title": "A"}),
        _release("2020-01-02T00:00:00Z", tender="gone"),
    ],
    "null, then an object": [
        _release("2020-01-01T00:00:00Z", tender={"value": None}),
        _release("2020-01-02T00:00:00Z", tender={"value": {"amount": 1}}),
    ],
    "null, then an object, then a string": [
        _release("2020-01-01T00:00:00Z", tender={"value": None}),
        _release("2020-01-02T00:00:00Z", tender={"value": {"amount": 1}}),
        _release("2020-01-03T00:00:00Z", tender={"value": "1 EUR"}),
    ],
    "an array of strings, then an array of objects": [
        _release("2020-01-01T00:00:00Z", x_list=["a"]),
        _release("2020-01-02T00:00:00Z", x_list=[{"id": "1", "v": 1}]),
    ],
    "an object, then an array of objects": [
        _release("2020-01-01T00:00:00Z", tender={"items": {"1": {"v": 1}}}),
        _release("2020-01-02T00:00:00Z", tender={"items": [{"id": "1", "v": 2}]}),
    ],
    "an id that is an object": [
        _release("2020-01-01T00:00:00Z", awards=[{"id": {"x": 1}}]),
    ],
    "an id that is null": [
        _release("2020-01-01T00:00:00Z", awards=[{"id": None, "a": 1}, {"id": "None", "b": 2}]),
    ],
    "no releases": [],
    "a lone release without a date": [{"ocid": "ocds-213czf-1", "tender": {"title": "A"}}],
    "a missing date": [_release("2020-01-01T00:00:00Z"), {"ocid": "ocds-213czf-1"}],
    "a null date": [_release("2020-01-01T00:00:00Z"), {"ocid": "ocds-213czf-1", "date": None}],
    "a number as date": [_release("2020-01-01T00:00:00Z"), {"ocid": "ocds-213czf-1", "date": 5}],
    "a release that is not an object": [_release("2020-01-01T00:00:00Z"), ["not", "a release"]],
    "a lone release that is not an object": ["release"],
    "a release without ocid": [{"date": "2020-01-01T00:00:00Z", "tender": {"title": "A"}}],
}


@pytest.mark.parametrize("releases", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_edge_cases_equal_the_reference(releases: list[Any]) -> None:
    check(releases)


def test_the_direct_path_hands_odd_processes_to_the_path_merge() -> None:
    merger = Merger()
    merger.compiled(EDGE_CASES["null, then an object"])
    merger.versioned(EDGE_CASES["duplicate ids within one release"])
    assert merger.fallbacks == 2
    merger.compiled(EDGE_CASES["arrays of objects merge by id"])
    merger.versioned(EDGE_CASES["null removes a field, its object stays"])
    assert merger.fallbacks == 2


def test_clear_errors() -> None:
    with pytest.raises(MergeError, match="`date` field of at least one release is missing"):
        merge.compile_release(EDGE_CASES["a missing date"])
    with pytest.raises(MergeError, match="is null"):
        merge.versioned_release(EDGE_CASES["a null date"])
    with pytest.raises(MergeError, match="Release 1 is a list"):
        merge.compile_release(EDGE_CASES["a release that is not an object"])
    with pytest.raises(MergeError, match="a later one has an object"):
        merge.compile_release(EDGE_CASES["a string where an object is expected, then an object"])


def test_the_input_is_not_changed() -> None:
    for releases in EDGE_CASES.values():
        before = copy.deepcopy(releases)
        for merger in (DIRECT, PATH):
            for method in (merger.compiled, merger.versioned):
                try:
                    method(releases)
                except MergeError:
                    pass
                assert releases == before


def test_the_module_functions_use_the_standard_rules() -> None:
    releases = EDGE_CASES["wholeListMerge replaces the array"]
    assert merge.compile_release(releases)["parties"] == [{"id": "p", "roles": ["supplier"]}]
    versioned = merge.versioned_release(releases)
    assert versioned["ocid"] == "ocds-213czf-1"
    assert [change["value"] for change in versioned["parties"][0]["roles"]] == [
        ["buyer", "payer"],
        ["supplier"],
    ]


# --- random releases --------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([1.0, 0.5]),
    st.sampled_from(["x", "y", ""]),
)
IDS = st.one_of(st.sampled_from(["1", "2", "a"]), st.sampled_from([1, 2]))
ODD_IDS = st.one_of(IDS, st.none(), st.just(True), st.just(1.0), st.just(["1"]))
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["id", "a", "b"]), inner, max_size=3),
    ),
    max_leaves=8,
)
WRONG = st.one_of(SCALARS, st.just({}), st.just([]), st.lists(SCALARS, max_size=2), JSON)


def _object(fields: dict[str, Any], odd: bool) -> Any:
    strategy = st.fixed_dictionaries({}, optional=fields)
    return st.one_of(strategy, WRONG) if odd else strategy


def _array(item: Any, odd: bool) -> Any:
    strategy = st.lists(item, max_size=3)
    return st.one_of(strategy, WRONG) if odd else strategy


def releases_strategy(odd: bool) -> Any:
    """A few releases of one or two processes: random subsets of fields that exercise every
    rule (objects, arrays by id, arrays without id, whole-list arrays, fields not in the schema,
    nulls, same dates). With ``odd``, any field may also be of the wrong type."""
    ids = ODD_IDS if odd else IDS
    text = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))
    value = _object({"amount": st.one_of(st.none(), st.integers(0, 3)), "currency": text}, odd)
    classification = st.fixed_dictionaries({}, optional={"id": ids, "scheme": text})
    item = _object(
        {
            "id": ids,
            "description": text,
            "quantity": st.integers(0, 3),
            "classification": _object({"id": ids, "scheme": text}, odd),
            "additionalClassifications": _array(classification, odd),
            "unit": _object({"name": text, "value": value}, odd),
        },
        odd,
    )
    reference = _object({"id": ids, "name": text}, odd)
    document = _object({"id": ids, "title": text, "url": text}, odd)
    tender = _object(
        {
            "id": ids,
            "title": text,
            "status": text,
            "value": value,
            "items": _array(item, odd),
            "tenderers": _array(reference, odd),
            "documents": _array(document, odd),
            "submissionMethod": _array(st.sampled_from(["electronicSubmission", "written"]), odd),
            "milestones": _array(_object({"title": text, "type": text}, odd), odd),
        },
        odd,
    )
    party = _object(
        {
            "id": ids,
            "name": text,
            "roles": _array(st.sampled_from(["buyer", "supplier", "payer"]), odd),
            "address": _object({"locality": text, "countryName": text}, odd),
            "additionalIdentifiers": _array(classification, odd),
        },
        odd,
    )
    award = _object(
        {
            "id": ids,
            "status": text,
            "value": value,
            "suppliers": _array(reference, odd),
            "items": _array(item, odd),
            "documents": _array(document, odd),
        },
        odd,
    )
    release = st.fixed_dictionaries(
        {
            "ocid": st.sampled_from(["ocds-1", "ocds-2"]),
            "date": st.sampled_from(["2020-01-01T00:00:00Z", "2020-02-01T00:00:00Z", "2020-03-01"]),
        },
        optional={
            "id": st.sampled_from(["r1", "r2", "r3"]),
            "tag": st.lists(st.sampled_from(["tender", "award", "contract"]), max_size=2),
            "language": text,
            "buyer": reference,
            "parties": _array(party, odd),
            "tender": tender,
            "awards": _array(award, odd),
            "x_extension": JSON,
            "x_objects": st.lists(
                st.fixed_dictionaries({}, optional={"id": ids, "a": JSON, "b": text}), max_size=3
            ),
        },
    )
    return st.lists(release, min_size=1, max_size=4)


@settings(max_examples=300)
@given(releases_strategy(odd=False))
@example(
    [
        {"ocid": "ocds-1", "date": "2020-01-01T00:00:00Z", "tender": {"title": None}},
        {"ocid": "ocds-1", "date": "2020-01-01T00:00:00Z", "tender": {"title": "a"}},
    ]
)
def test_random_well_typed_releases_equal_the_reference(releases: list[Any]) -> None:
    check(releases)


@settings(max_examples=300)
@given(releases_strategy(odd=True))
@example(  # a section, a null in between, then the same section again: three versions
    [
        {"ocid": "ocds-1", "date": "2020-01-01T00:00:00Z", "id": "r1", "parties": [None]},
        {"ocid": "ocds-1", "date": "2020-01-01T00:00:00Z", "id": "r1", "parties": None},
        {"ocid": "ocds-1", "date": "2020-01-01T00:00:00Z", "parties": [None]},
    ]
)
def test_random_odd_releases_equal_the_reference(releases: list[Any]) -> None:
    check(releases)


@given(st.lists(releases_strategy(odd=False), min_size=1, max_size=3))
def test_a_few_processes_merge_independently(processes: list[list[Any]]) -> None:
    """The rules are shared and read-only: merging one process never changes another's result."""
    merger = Merger()
    alone = [own_outcome(merger.compiled, releases) for releases in processes]
    again = [own_outcome(merger.compiled, releases) for releases in reversed(processes)]
    assert alone == list(reversed(again))
