"""kernel.apitools: the keyset paging and PATCH null checks every app's API shares."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from spilno.core.models import Organisation
from spilno.kernel.apitools import clamp_limit, keyset_page, refuse_nulls


@pytest.mark.parametrize(
    ("value", "maximum", "expected"),
    [(50, 200, 50), (0, 200, 1), (-5, 200, 1), (1000, 200, 200), (1000, 500, 500), (7, 5, 5)],
)
def test_clamp_limit(value: int, maximum: int, expected: int) -> None:
    assert clamp_limit(value, maximum) == expected


@pytest.mark.django_db
def test_keyset_page_walks_every_row_once_in_both_directions(
    make_org: Callable[..., Organisation],
) -> None:
    for _ in range(5):
        make_org()
    everything = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))

    seen: list[int] = []
    after = 0
    while True:
        items, cursor = keyset_page(Organisation.objects.filter(pk__gt=after).order_by("pk"), 2)
        seen += [o.pk for o in items]
        if cursor is None:
            break
        assert cursor == items[-1].pk
        after = cursor
    assert seen == everything

    seen = []
    before = everything[-1] + 1
    while True:
        qs = Organisation.objects.filter(pk__lt=before).order_by("-pk")
        items, cursor = keyset_page(qs, 2)
        seen += [o.pk for o in items]
        if cursor is None:
            break
        before = cursor
    assert seen == everything[::-1]


@pytest.mark.django_db
def test_keyset_page_clamps_the_limit(make_org: Callable[..., Organisation]) -> None:
    for _ in range(3):
        make_org()
    qs = Organisation.objects.order_by("pk")
    items, cursor = keyset_page(qs, 0)
    assert len(items) == 1
    assert cursor == items[0].pk
    items, cursor = keyset_page(qs, 100, maximum=2)
    assert len(items) == 2
    assert cursor == items[-1].pk
    items, cursor = keyset_page(qs, 100)
    assert len(items) == qs.count()
    assert cursor is None
    assert keyset_page(qs.none(), 10) == ([], None)


def test_refuse_nulls_names_each_field_that_cannot_be_null() -> None:
    data = {"a": None, "b": None, "c": 1, "d": None}
    with pytest.raises(ValidationError) as exc:
        refuse_nulls(data, {"d"})
    assert sorted(exc.value.message_dict) == ["a", "b"]
    assert refuse_nulls({"d": None, "c": 1}, {"d"}) == {"d": None, "c": 1}
