"""OCDS 1.1 merge rules: one process's releases → its compiled release and versioned release.

Spilno's own implementation of https://standard.open-contracting.org/1.1/en/schema/merging/,
written to give exactly what the reference implementation (ocdsmerge, used by ``ocdskit
compile``) gives, edge cases included, only much faster. Pure Python, no Django.

How it is fast:

- The rules (``omitWhenMerged``, ``wholeListMerge``, arrays of objects without ``id`` merged
  whole) are read from the schema once into a tree of dicts (:class:`MergeRules`), so a field's
  rule is one dict lookup as the merge walks the release.
- Releases are merged straight into nested dicts and lists (the *direct* path): no flattening
  into path tuples and no rebuilding afterwards. Arrays of objects keep an index from ``id`` to
  item while the merge runs.

How it stays exact: the reference merges flattened paths and rebuilds the object at the end, and
a few odd inputs (a field that is a string in one release and an object in the next, an ``id``
that is ``1`` in one release and ``"1"`` in another, a ``null`` later replaced by an object …)
come out of that rebuild in ways nested merging cannot mimic cheaply. The direct path detects
every such input and hands the process to the *path* merge, a slower model of the reference's
flattened semantics (:func:`_path_compiled`, :func:`_path_versioned`). Both are tested against
ocdsmerge itself (``tests/transparency/test_merge.py``, ``test_compile_reference.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from operator import itemgetter
from typing import Any, Final

import orjson

Release = dict[str, Any]
RuleTree = dict[str, Any]


class MergeError(ValueError):
    """The releases cannot be merged (no date, not objects, or irreconcilable shapes).

    Raised exactly where the reference implementation raises (its ``OCDSMergeError`` family, and
    the ``TypeError`` it lets through for ``id`` values that are objects or arrays).
    """


class _Rule:
    """A terminal merge rule in the rule tree (compared by identity)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


OMIT: Final = _Rule("omitWhenMerged")
WHOLE: Final = _Rule("wholeListMerge")
NO_RULES: Final[RuleTree] = {}
"""The rules below a field the schema says nothing about (read-only; shared)."""


class MergeRules:
    """The merge rules of one release schema, as a tree: ``tree[field]`` is :data:`OMIT`,
    :data:`WHOLE`, or the tree of the field's own fields (an object, or the items of an array
    of objects merged by ``id``). Fields without rules are absent, so lookups fall back to
    :data:`NO_RULES`. Build it once per schema; it is read-only afterwards."""

    def __init__(self, tree: RuleTree) -> None:
        self.tree = tree
        # id() of each node with omitted fields → those fields, so the merge looks rules up
        # for objects and arrays only, never for plain values.
        self.omits: dict[int, frozenset[str]] = {}

        def note(node: RuleTree) -> None:
            omitted = frozenset(key for key, rule in node.items() if rule is OMIT)
            if omitted:
                self.omits[id(node)] = omitted
            for rule in node.values():
                if rule.__class__ is dict:
                    note(rule)

        note(tree)

    @classmethod
    def from_schema(cls, schema: Mapping[str, Any]) -> MergeRules:
        """Derive the rules from a release schema (local ``$ref``s resolved, offline).

        The derivation follows the standard: a field with ``omitWhenMerged`` (or the 1.0
        ``mergeStrategy: ocdsOmit``) is dropped; an array with ``wholeListMerge`` (1.0:
        ``ocdsVersion``), or whose items are not objects, or objects without an ``id``
        property, is replaced whole; objects and arrays of objects with ``id`` are merged field
        by field.
        """
        return cls(_Derivation(schema).properties(schema.get("properties") or {}, ()))

    def paths(self) -> dict[tuple[str, ...], str]:
        """Every rule as ``{path: "omitWhenMerged" | "wholeListMerge"}`` (for tests and docs)."""
        found: dict[tuple[str, ...], str] = {}

        def walk(tree: RuleTree, prefix: tuple[str, ...]) -> None:
            for key, rule in tree.items():
                if isinstance(rule, _Rule):
                    found[(*prefix, key)] = rule.name
                else:
                    walk(rule, (*prefix, key))

        walk(self.tree, ())
        return found


class _Derivation:
    """Reads the rules out of a schema, resolving ``#/…`` references against it."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.active: set[str] = set()

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        """The node a ``$ref`` points to (siblings of ``$ref`` are ignored, as JSON Reference
        says), and the reference followed, if any."""
        reference = None
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            reference = node["$ref"]
            target: Any = self.schema
            fragment = reference.partition("#")[2]
            for part in [p for p in fragment.split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[int(part)] if isinstance(target, list) else target[part]
            node = target
        return node, reference

    def properties(self, properties: Mapping[str, Any], path: tuple[str, ...]) -> RuleTree:
        tree: RuleTree = {}
        for key, raw in properties.items():
            spec, reference = self.resolve(raw)
            if reference is not None and reference in self.active:
                continue  # a recursive definition: no rules below the second visit
            if reference is not None:
                self.active.add(reference)
            try:
                rule = self.rule(spec, (*path, key))
            finally:
                if reference is not None:
                    self.active.discard(reference)
            if rule is not None:
                tree[key] = rule
        return tree

    def rule(self, spec: Any, path: tuple[str, ...]) -> Any:
        if not isinstance(spec, Mapping):
            return None
        types = _types(spec)
        if spec.get("omitWhenMerged") or spec.get("mergeStrategy") == "ocdsOmit":
            return OMIT
        if "array" in types and (
            spec.get("wholeListMerge") or spec.get("mergeStrategy") == "ocdsVersion"
        ):
            return WHOLE
        if "object" in types and "properties" in spec:
            return self.properties(spec["properties"], path) or None
        if "array" in types and "items" in spec:
            items, reference = self.resolve(spec["items"])
            item_types = _types(items) if isinstance(items, Mapping) else []
            if any(kind != "object" for kind in item_types):
                return WHOLE
            if "object" in item_types and "properties" in items:
                if "id" not in items["properties"]:
                    return WHOLE
                if reference is not None and reference in self.active:
                    return None
                if reference is not None:
                    self.active.add(reference)
                try:
                    return self.properties(items["properties"], path) or None
                finally:
                    if reference is not None:
                        self.active.discard(reference)
        return None


def _types(spec: Mapping[str, Any]) -> list[str]:
    kind = spec.get("type")
    if kind is None:
        return []
    return [kind] if isinstance(kind, str) else list(kind)


@cache
def standard_rules() -> MergeRules:
    """The rules of the vendored OCDS 1.1.5 release schema (computed once per process)."""
    from spilno.transparency.ocds.standard import release_schema

    return MergeRules.from_schema(release_schema())


def rules_from_file(path: str) -> MergeRules:
    """Rules of a (patched) release schema stored in a file."""
    with open(path, encoding="utf-8") as handle:
        return MergeRules.from_schema(json.load(handle))


# --- ordering ---------------------------------------------------------------------------------


def in_date_order(releases: Sequence[Any]) -> list[Release]:
    """The releases sorted by ``date``, oldest first; releases with the same date keep their
    order (a stable sort), so the later one in the input wins. A lone release is taken as it is,
    even without a date, as the reference does."""
    if len(releases) == 1 and isinstance(releases[0], dict):
        return list(releases)
    for position, release in enumerate(releases):
        if not isinstance(release, dict):
            raise MergeError(
                f"Release {position} is a {type(release).__name__}, not a JSON object."
            )
    try:
        return sorted(releases, key=itemgetter("date"))
    except KeyError:
        raise MergeError("The `date` field of at least one release is missing.") from None
    except TypeError:
        if any(release["date"] is None for release in releases):
            raise MergeError("The `date` field of at least one release is null.") from None
        raise MergeError("The `date` field of at least one release is not a string.") from None


# --- the direct path --------------------------------------------------------------------------


class _Irregular(Exception):
    """The direct path met input that only the path merge reproduces exactly."""


_ABSENT: Final = object()
_CONTAINER_CLASSES: Final = frozenset((dict, list))


def _id_text(ident: Any) -> str | None:
    """The key an array item is merged by, for the ``id``s the direct path takes."""
    kind = ident.__class__
    if kind is str:
        return ident
    if kind is int:
        return str(ident)
    return None


class _DirectCompiled:
    """Merges releases into one nested compiled release (see the module docstring).

    A ``null`` is stored like any value, so the field keeps its place if a later release sets
    it again, and removed in one pass at the end (only if a ``null`` was seen).

    In the state, a list at a path that is not whole-list is an array merged by ``id`` exactly
    when all its items are objects (a plain value there always holds something else), so arrays
    need no tagging; their ``id`` indexes are built when first needed.

    With ``consume`` (the caller hands over releases nobody else holds), an object or array new
    to the state that is already in merged form (no empty object or array, no repeated ``id``,
    ``id`` first, nothing omitted) is taken as it is instead of being copied field by field.
    Objects below which the schema has no rules take a path without rule lookups.
    """

    __slots__ = ("consume", "indexes", "nulls", "omits")

    def __init__(self, omits: dict[int, frozenset[str]], consume: bool = False) -> None:
        self.omits = omits
        self.consume = consume
        self.indexes: dict[int, dict[str, dict[str, Any]]] = {}
        self.nulls = False

    def run(self, releases: list[Release], rules: RuleTree) -> Release:
        state: Release = {"tag": ["compiled"]}
        top = self.omits.get(id(rules), frozenset()) | {"tag"}
        for release in releases:
            ocid = release.get("ocid")
            date = release.get("date")
            if ocid.__class__ in _CONTAINER_CLASSES or date.__class__ in _CONTAINER_CLASSES:
                raise _Irregular
            state["id"] = f"{ocid}-{date}"
            state["date"] = date
            state["ocid"] = ocid
            if ocid is None or date is None:
                self.nulls = True
            self.merge(state, release, rules, top)
        if self.nulls:
            self.strip(state, rules)
        return state

    def index(self, items: list[Any]) -> dict[str, dict[str, Any]] | None:
        """The ``id`` index of an array of objects in the state; None if ``items`` is a plain
        value (some item is not an object)."""
        found = self.indexes.get(id(items))
        if found is not None:
            return found
        if not items:
            return None
        for item in items:
            if item.__class__ is not dict:
                return None
        index: dict[str, dict[str, Any]] = {}
        for item in items:
            if "id" in item:
                text = _id_text(item["id"])
                if text is None:
                    raise _Irregular
                index[text] = item
        self.indexes[id(items)] = index
        return index

    def merge(
        self,
        state: dict[str, Any],
        obj: dict[str, Any],
        rules: RuleTree,
        omitted: frozenset[str] | None = None,
    ) -> None:
        if omitted is None:
            omitted = self.omits.get(id(rules))
        for key, value in obj.items():
            if omitted is not None and key in omitted:
                continue
            kind = value.__class__
            if kind is dict or kind is list:
                rule = rules.get(key, NO_RULES)
                if rule.__class__ is not dict:
                    state[key] = value  # whole-list: a plain value
                    continue
                if self.container(state, key, value, kind, rule):
                    continue
            elif value is None:
                self.nulls = True
            if key in state:
                current = state[key]
                if (
                    current.__class__ is dict
                    or (current.__class__ is list and self.index(current) is not None)
                ) and rules.get(key) is not WHOLE:
                    continue  # the reference keeps an object over a later plain value
            state[key] = value

    def merge_plain(self, state: dict[str, Any], obj: dict[str, Any]) -> None:
        """:meth:`merge` below which the schema has no rules."""
        for key, value in obj.items():
            kind = value.__class__
            if kind is dict or kind is list:
                if self.container(state, key, value, kind, NO_RULES):
                    continue
            elif value is None:
                self.nulls = True
            if key in state:
                current = state[key]
                if current.__class__ is dict or (
                    current.__class__ is list and self.index(current) is not None
                ):
                    continue
            state[key] = value

    def container(
        self, state: dict[str, Any], key: str, value: Any, kind: type, rules: RuleTree
    ) -> bool:
        """Merge an object or an array of objects into ``state[key]``; False if ``value`` is
        an array holding something else (a plain value, for the caller)."""
        if not value:
            return True  # an empty object or array changes nothing
        if kind is dict:
            current = state.get(key, _ABSENT)
            if current is _ABSENT:
                if self.consume and self.takes(value, rules):
                    state[key] = value
                else:
                    child: dict[str, Any] = {}
                    if rules is NO_RULES:
                        self.merge_plain(child, value)
                    else:
                        self.merge(child, value, rules)
                    if child:
                        state[key] = child
            elif current.__class__ is dict:
                if rules is NO_RULES:
                    self.merge_plain(current, value)
                else:
                    self.merge(current, value, rules)
            else:
                raise _Irregular
            return True
        for item in value:
            if item.__class__ is not dict:
                return False
        current = state.get(key, _ABSENT)
        if current is _ABSENT:
            if self.consume and self.takes_items(value, rules):
                state[key] = value
            else:
                items: list[dict[str, Any]] = []
                index: dict[str, dict[str, Any]] = {}
                self.merge_items(items, index, value, rules)
                if items:
                    state[key] = items
                    self.indexes[id(items)] = index
        elif current.__class__ is list:
            found = self.index(current)
            if found is None:
                raise _Irregular
            self.merge_items(current, found, value, rules)
        else:
            raise _Irregular
        return True

    def merge_items(
        self,
        items: list[dict[str, Any]],
        index: dict[str, dict[str, Any]],
        value: list[dict[str, Any]],
        rules: RuleTree,
    ) -> None:
        if rules.get("id") is OMIT:
            raise _Irregular
        consume = self.consume
        plain = rules is NO_RULES
        for item in value:
            if "id" in item:
                ident = item["id"]
                text = _id_text(ident)
                if text is None:
                    raise _Irregular
                node = index.get(text)
                if node is None:
                    if consume and next(iter(item)) == "id" and self.takes(item, rules):
                        index[text] = item
                        items.append(item)
                        continue
                    node = {"id": ident}
                    index[text] = node
                    items.append(node)
                elif node["id"].__class__ is not ident.__class__:
                    raise _Irregular  # 1 and "1": the reference splits them oddly
            elif not item:
                continue
            elif consume and self.takes(item, rules):
                items.append(item)
                continue
            else:
                node = {}
                items.append(node)
            if plain:
                self.merge_plain(node, item)
            else:
                self.merge(node, item, rules)
            if not node:
                items.pop()  # an item without id that held nothing (an empty object, say)

    def takes(self, obj: dict[str, Any], rules: RuleTree) -> bool:
        """Whether a (non-empty) object new to the state is already what merging it would
        make: then it is taken as it is."""
        if rules is NO_RULES:
            return self.takes_plain(obj)
        omitted = self.omits.get(id(rules))
        if omitted is not None and not omitted.isdisjoint(obj):
            return False
        for key, value in obj.items():
            kind = value.__class__
            if kind is dict:
                rule = rules.get(key, NO_RULES)
                if rule.__class__ is dict and (not value or not self.takes(value, rule)):
                    return False
            elif kind is list:
                rule = rules.get(key, NO_RULES)
                if rule.__class__ is dict and (not value or not self.takes_items(value, rule)):
                    return False
            elif value is None:
                self.nulls = True
        return True

    def takes_plain(self, obj: dict[str, Any]) -> bool:
        """:meth:`takes` below which the schema has no rules."""
        for value in obj.values():
            kind = value.__class__
            if kind is dict:
                if not value or not self.takes_plain(value):
                    return False
            elif kind is list:
                if not value or not self.takes_items(value, NO_RULES):
                    return False
            elif value is None:
                self.nulls = True
        return True

    def takes_items(self, value: list[Any], rules: RuleTree) -> bool:
        """:meth:`takes` for a non-empty array (a plain value if it holds a non-object)."""
        if rules.get("id") is OMIT:
            return False
        seen: set[str] = set()
        for item in value:
            if item.__class__ is not dict:
                return True
            if "id" in item:
                text = _id_text(item["id"])
                if text is None or text in seen or next(iter(item)) != "id":
                    return False
                seen.add(text)
            elif not item:
                return False
            if not self.takes(item, rules):
                return False
        return True

    def strip(self, state: dict[str, Any], rules: RuleTree) -> None:
        """Remove the fields left ``null`` (their ancestors stay, even if empty)."""
        for key in [key for key, value in state.items() if value is None]:
            del state[key]
        for key, value in state.items():
            rule = rules.get(key, NO_RULES)
            if rule.__class__ is not dict:
                continue
            if value.__class__ is dict:
                self.strip(value, rule)
            elif value.__class__ is list and self.index(value) is not None:
                for item in value:
                    self.strip(item, rule)


class _DirectVersioned:
    """Merges releases into one nested versioned release: each leaf holds the list of its
    changes, ``{releaseID, releaseDate, releaseTag, value}``, with a new entry only when the
    value differs from the last one (``==``, as the reference compares).

    Arrays merged by ``id`` are registered in ``indexes``; every other list in the state is a
    history. Shortcut: a top-level object or array identical (same JSON) to the one merged under
    the same name just before adds no change, so it is skipped; unless an array item without
    ``id`` is in the state (merging it again would append it again).
    """

    __slots__ = ("anonymous", "indexes", "last", "omits")

    def __init__(self, omits: dict[int, frozenset[str]]) -> None:
        self.omits = omits
        self.indexes: dict[int, dict[str, dict[str, Any]]] = {}
        self.anonymous = False
        self.last: dict[str, bytes] = {}

    def run(self, releases: list[Release], rules: RuleTree) -> Release:
        state: Release = {}
        last = self.last
        top = self.omits.get(id(rules), frozenset()) | {"tag", "ocid"}
        for release in releases:
            ocid = release.get("ocid")
            if ocid.__class__ is dict or ocid.__class__ is list:
                raise _Irregular
            state["ocid"] = ocid
            stamp = (release.get("id"), release.get("date"), release.get("tag"))
            sections: dict[str, Any] = {}
            for key, value in release.items():
                if value.__class__ is dict or value.__class__ is list:
                    try:
                        data = orjson.dumps(value)
                    except TypeError:
                        data = b""
                    if data and last.get(key) == data and not self.anonymous:
                        continue
                    last[key] = data
                else:  # a plain value in between: the next equal section is a change again
                    last.pop(key, None)
                sections[key] = value
            self.merge(state, sections, rules, stamp, top)
        if state.get("ocid", _ABSENT) is None:
            del state["ocid"]
        return state

    def merge(
        self,
        state: dict[str, Any],
        obj: dict[str, Any],
        rules: RuleTree,
        stamp: tuple[Any, Any, Any],
        omitted: frozenset[str] | None = None,
    ) -> None:
        if omitted is None:
            omitted = self.omits.get(id(rules))
        indexes = self.indexes
        for key, value in obj.items():
            if omitted is not None and key in omitted:
                continue
            kind = value.__class__
            if kind is dict or kind is list:
                rule = rules.get(key, NO_RULES)
                if rule.__class__ is dict and self.container(state, key, value, kind, rule, stamp):
                    continue
            current = state.get(key, _ABSENT)
            if current is _ABSENT:
                state[key] = [
                    {
                        "releaseID": stamp[0],
                        "releaseDate": stamp[1],
                        "releaseTag": stamp[2],
                        "value": value,
                    }
                ]
            elif (
                current.__class__ is list
                and id(current) not in indexes
                and value != current[-1]["value"]
            ):
                current.append(
                    {
                        "releaseID": stamp[0],
                        "releaseDate": stamp[1],
                        "releaseTag": stamp[2],
                        "value": value,
                    }
                )
            # else: an object (or an item's plain `id`) is already there; the reference keeps it.

    def merge_plain(
        self, state: dict[str, Any], obj: dict[str, Any], stamp: tuple[Any, Any, Any]
    ) -> None:
        """:meth:`merge` below which the schema has no rules."""
        indexes = self.indexes
        for key, value in obj.items():
            kind = value.__class__
            if (kind is dict or kind is list) and self.container(
                state, key, value, kind, NO_RULES, stamp
            ):
                continue
            current = state.get(key, _ABSENT)
            if current is _ABSENT:
                state[key] = [
                    {
                        "releaseID": stamp[0],
                        "releaseDate": stamp[1],
                        "releaseTag": stamp[2],
                        "value": value,
                    }
                ]
            elif (
                current.__class__ is list
                and id(current) not in indexes
                and value != current[-1]["value"]
            ):
                current.append(
                    {
                        "releaseID": stamp[0],
                        "releaseDate": stamp[1],
                        "releaseTag": stamp[2],
                        "value": value,
                    }
                )

    def container(
        self,
        state: dict[str, Any],
        key: str,
        value: Any,
        kind: type,
        rules: RuleTree,
        stamp: tuple[Any, Any, Any],
    ) -> bool:
        """Merge an object or an array of objects into ``state[key]``; False if ``value`` is
        an array holding something else (a plain value, for the caller)."""
        if not value:
            return True  # an empty object or array changes nothing
        if kind is dict:
            current = state.get(key, _ABSENT)
            if current is _ABSENT:
                child: dict[str, Any] = {}
                if rules is NO_RULES:
                    self.merge_plain(child, value, stamp)
                else:
                    self.merge(child, value, rules, stamp)
                if child:
                    state[key] = child
            elif current.__class__ is dict:
                if rules is NO_RULES:
                    self.merge_plain(current, value, stamp)
                else:
                    self.merge(current, value, rules, stamp)
            else:
                raise _Irregular
            return True
        for item in value:
            if item.__class__ is not dict:
                return False
        current = state.get(key, _ABSENT)
        if current is _ABSENT:
            items: list[dict[str, Any]] = []
            index: dict[str, dict[str, Any]] = {}
            self.merge_items(items, index, value, rules, stamp)
            if items:
                state[key] = items
                self.indexes[id(items)] = index
        elif current.__class__ is list and id(current) in self.indexes:
            self.merge_items(current, self.indexes[id(current)], value, rules, stamp)
        else:
            raise _Irregular
        return True

    def merge_items(
        self,
        items: list[dict[str, Any]],
        index: dict[str, dict[str, Any]],
        value: list[dict[str, Any]],
        rules: RuleTree,
        stamp: tuple[Any, Any, Any],
    ) -> None:
        if rules.get("id") is OMIT:
            raise _Irregular
        plain = rules is NO_RULES
        # The reference flattens a whole release before comparing it with the history, so an
        # `id` repeated within one array yields one change at most, not one per occurrence.
        seen: set[str] | None = set() if len(value) > 1 else None
        for item in value:
            if "id" in item:
                ident = item["id"]
                text = _id_text(ident)
                if text is None:
                    raise _Irregular
                if seen is not None:
                    if text in seen:
                        raise _Irregular
                    seen.add(text)
                node = index.get(text)
                if node is None:
                    # An item's `id` is kept plain, not versioned, as the standard says.
                    node = {"id": ident}
                    index[text] = node
                    items.append(node)
                elif node["id"].__class__ is not ident.__class__:
                    raise _Irregular
            elif not item:
                continue
            else:
                self.anonymous = True
                node = {}
                items.append(node)
            if plain:
                self.merge_plain(node, item, stamp)
            else:
                self.merge(node, item, rules, stamp)
            if not node:
                items.pop()


# --- the path merge: a model of the reference's flattened semantics ---------------------------


class _Slot(str):
    """An array item's place in a flattened path. It compares as the text of the item's ``id``
    (so ``1`` and ``"1"`` share paths, as in the reference) and remembers the ``id`` as given."""

    __slots__ = ("raw",)
    raw: Any

    def __new__(cls, raw: Any) -> _Slot:
        slot = super().__new__(cls, raw)
        slot.raw = raw
        return slot


class _Fresh:
    """The place of an array item without ``id``: equal only to itself."""

    __slots__ = ()


Path = tuple[Any, ...]


def _flatten(obj: dict[str, Any], rules: RuleTree, prefix: Path, out: dict[Path, Any]) -> None:
    for key, value in obj.items():
        rule = rules.get(key, NO_RULES)
        if rule is OMIT:
            continue
        path = (*prefix, key)
        if (
            rule is WHOLE
            or not isinstance(value, dict | list)
            or (isinstance(value, list) and not all(isinstance(item, dict) for item in value))
        ):
            out[path] = value
        elif isinstance(value, dict):
            if value:
                _flatten(value, rule, path, out)
        else:
            for item in value:
                place = _Slot(item["id"]) if "id" in item else _Fresh()
                if item:
                    _flatten(item, rule, (*path, place), out)


def _flat_release(release: Release, rules: RuleTree) -> dict[Path, Any]:
    out: dict[Path, Any] = {}
    _flatten({key: value for key, value in release.items() if key != "tag"}, rules, (), out)
    return out


def _describe(path: Path) -> str:
    return "/" + "/".join(str(part) for part in path if not isinstance(part, _Fresh))


def _rebuild(flat: dict[Path, Any]) -> Release:
    """Nest the flattened paths again, in the order they were first set. A path's first
    occupant decides what lives there: later paths walk into it or fail."""
    root: dict[str, Any] = {}
    made: dict[Path, dict[str, Any]] = {}
    for path, value in flat.items():
        node: Any = root
        last = len(path) - 1
        for depth, part in enumerate(path):
            if isinstance(part, _Slot | _Fresh):
                where = (*path[:depth], part.raw if isinstance(part, _Slot) else part)
                try:
                    item = made.get(where)
                except TypeError:
                    raise MergeError(
                        f"An `id` in {_describe(path[:depth])} is an object or an array."
                    ) from None
                if item is None:
                    item = {}
                    if isinstance(part, _Slot) and part.raw is not None:
                        item["id"] = part.raw
                    made[where] = item
                    if not isinstance(node, list):
                        raise MergeError(
                            f"An earlier release has {node!r} at {_describe(path[:depth])}, "
                            "a later one has an array of objects there."
                        )
                    node.append(item)
                node = item
            elif not isinstance(node, dict):
                raise MergeError(
                    f"An earlier release has {node!r} at {_describe(path[:depth])}, "
                    f"a later one has an object with a {part!r} field there."
                )
            elif part in node:
                node = node[part]
            elif depth < last:
                node[part] = [] if isinstance(path[depth + 1], _Slot | _Fresh) else {}
                node = node[part]
            elif value is not None:
                # Copied: later paths may add to it, never to the input.
                if isinstance(value, list):
                    value = list(value)
                elif isinstance(value, dict):
                    value = dict(value)
                node[part] = value
    return root


def _path_compiled(releases: list[Release], rules: RuleTree) -> Release:
    flat: dict[Path, Any] = {("tag",): ["compiled"]}
    for release in releases:
        ocid, date = release.get("ocid"), release.get("date")
        flat[("id",)] = f"{ocid}-{date}"
        flat[("date",)] = date
        flat[("ocid",)] = ocid
        flat.update(_flat_release(release, rules))
    return _rebuild(flat)


def _path_versioned(releases: list[Release], rules: RuleTree) -> Release:
    flat: dict[Path, Any] = {}
    for release in releases:
        changes = _flat_release(release, rules)
        changes.pop(("ocid",), None)
        flat[("ocid",)] = release.get("ocid")
        stamp = {
            "releaseID": release.get("id"),
            "releaseDate": release.get("date"),
            "releaseTag": release.get("tag"),
        }
        for path, value in changes.items():
            history = flat.get(path, _ABSENT)
            if history is not _ABSENT and (
                type(history) is not list or value == history[-1]["value"]
            ):
                continue
            if history is _ABSENT:
                history = flat[path] = []
            history.append({**stamp, "value": value})
    return _rebuild(flat)


# --- the public functions ---------------------------------------------------------------------


class Merger:
    """Merges the releases of one process under one schema's rules.

    ``direct=False`` forces the path merge for every process (tests use it to check the two
    paths against each other).
    """

    def __init__(self, rules: MergeRules | None = None, *, direct: bool = True) -> None:
        chosen = rules or standard_rules()
        self.rules = chosen.tree
        self.omits = chosen.omits
        self.direct = direct
        self.fallbacks = 0  # processes the direct path handed over (for measurements)

    def compiled(self, releases: Sequence[Any]) -> Release:
        """The compiled release: the latest value of every field."""
        return self._run(releases, lambda: _DirectCompiled(self.omits), _path_compiled)

    def versioned(self, releases: Sequence[Any]) -> Release:
        """The versioned release: the history of every field."""
        return self._run(releases, lambda: _DirectVersioned(self.omits), _path_versioned)

    def compiled_consuming(self, load: Callable[[], Sequence[Any]]) -> Release:
        """The compiled release of releases that ``load`` parses afresh on each call (the
        compiler's, which nobody else holds): they are taken apart into the result, which is
        faster. ``load`` is called again if the path merge has to take over."""
        ordered = in_date_order(load())
        if self.direct:
            try:
                return _DirectCompiled(self.omits, consume=True).run(ordered, self.rules)
            except _Irregular:
                self.fallbacks += 1
                ordered = in_date_order(load())
            except RecursionError:
                raise MergeError("The release is nested too deeply to merge.") from None
        return self._path(_path_compiled, ordered)

    def _run(
        self,
        releases: Sequence[Any],
        direct: Callable[[], _DirectCompiled | _DirectVersioned],
        path: Callable[[list[Release], RuleTree], Release],
    ) -> Release:
        ordered = in_date_order(releases)
        if self.direct:
            try:
                return direct().run(ordered, self.rules)
            except _Irregular:
                self.fallbacks += 1
            except RecursionError:
                raise MergeError("The release is nested too deeply to merge.") from None
        return self._path(path, ordered)

    def _path(
        self, path: Callable[[list[Release], RuleTree], Release], ordered: list[Release]
    ) -> Release:
        try:
            return path(ordered, self.rules)
        except RecursionError:
            raise MergeError("The release is nested too deeply to merge.") from None


@cache
def _standard_merger() -> Merger:
    return Merger()


def compile_release(releases: Iterable[Release]) -> Release:
    """The compiled release of one process's releases, under the OCDS 1.1.5 rules."""
    return _standard_merger().compiled(list(releases))


def versioned_release(releases: Iterable[Release]) -> Release:
    """The versioned release of one process's releases, under the OCDS 1.1.5 rules."""
    return _standard_merger().versioned(list(releases))
