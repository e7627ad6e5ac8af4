"""Small helpers every app's API shares: keyset paging and PATCH null checks."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

_M = TypeVar("_M", bound=models.Model)


def clamp_limit(value: int, maximum: int = 200) -> int:
    return max(1, min(value, maximum))


def keyset_page(
    qs: models.QuerySet[_M], limit: int, *, maximum: int = 200
) -> tuple[list[_M], int | None]:
    """One page of ``qs`` (already filtered by ``pk > after`` and ordered by pk) and the cursor
    for the next page: fetch one row more than asked to know whether there is a next page.

    Newest-first lists work the same way (``pk < before``, ordered by ``-pk``): the cursor is
    always the pk of the last row returned. ``limit`` is clamped to 1…``maximum``."""
    limit = clamp_limit(limit, maximum)
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, (items[-1].pk if more and items else None)


def refuse_nulls(data: dict[str, Any], nullable: set[str]) -> dict[str, Any]:
    """A PATCH may clear only fields that can be empty; ``null`` elsewhere is a field error."""
    bad = sorted(k for k, v in data.items() if v is None and k not in nullable)
    if bad:
        raise ValidationError(dict.fromkeys(bad, "This field cannot be null."))
    return data
