"""Lifecycle property tests: recommendations and action items only move along their tables,
never backwards, and a refused move changes nothing (hypothesis drives the real services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from spilno.cooperation.models import ActionItem, Recommendation, RecommendationStep
from spilno.cooperation.services import recommendations as recs
from spilno.cooperation.services import reviews
from spilno.cooperation.states import (
    ACTION_TRANSITIONS,
    RECOMMENDATION_NEEDS,
    RECOMMENDATION_ORDER,
    ActionStatus,
    IllegalTransition,
    RecommendationStatus,
    check_action_move,
    check_recommendation_move,
    trend,
)
from spilno.kernel.access import SystemActor

R = RecommendationStatus
ALL_RECOMMENDATION = list(R.values)
ALL_ACTION = list(ActionStatus.values)


@given(st.sampled_from(ALL_RECOMMENDATION), st.sampled_from(ALL_RECOMMENDATION))
def test_recommendation_table_allows_exactly_the_next_step(current, target):
    order = [s.value for s in RECOMMENDATION_ORDER]
    legal = order.index(target) == order.index(current) + 1
    if legal:
        check_recommendation_move(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_recommendation_move(current, target)


@given(st.sampled_from(ALL_ACTION), st.sampled_from(ALL_ACTION))
def test_action_table_never_reopens_a_closed_item(current, target):
    if target in ACTION_TRANSITIONS[current]:
        check_action_move(current, target)
        assert current not in ("done", "dropped")
    else:
        with pytest.raises(IllegalTransition):
            check_action_move(current, target)


@given(
    st.sampled_from(["on_track", "at_risk", "off_track", None]),
    st.sampled_from(["on_track", "at_risk", "off_track"]),
)
def test_trend_is_antisymmetric(previous, current):
    forward = trend(previous, current)
    if previous is None:
        assert forward == "new"
    else:
        backward = trend(current, previous)
        assert {forward, backward} in ({"steady"}, {"improving", "worsening"})


@pytest.fixture
def review(world, make_org):
    norway = world.us  # any party of the world's agreement will do as lead here
    return recs.create_review(
        actor=SystemActor(),
        title_en="Strategic Defence Procurement Review",
        started_on=dt.date(2024, 4, 1),
        lead=[norway],
        requested_by=[world.ua],
    )


def _needs(status):
    given_values = {"event": "Washington Summit", "evidence": "Order No. 1", "note": "checked"}
    return {k: v for k, v in given_values.items() if k in RECOMMENDATION_NEEDS.get(status, ())}


@given(st.lists(st.sampled_from(ALL_RECOMMENDATION), min_size=1, max_size=8))
def test_a_recommendation_walks_forwards_and_refusals_change_nothing(review, moves):
    rec = recs.add_recommendation(
        actor=SystemActor(),
        review=review,
        title_en="Central procurement plan",
        text="Adopt it.",
        drafted_on=dt.date(2024, 6, 1),
    )
    order = [s.value for s in RECOMMENDATION_ORDER]
    expected = "drafted"
    for target in moves:
        steps = RecommendationStep.objects.filter(recommendation=rec).count()
        legal = order.index(target) == order.index(expected) + 1
        try:
            recs.advance_recommendation(
                actor=SystemActor(), recommendation=rec, status=target,
                on=dt.date(2024, 7, 10), **_needs(target),
            )  # fmt: skip
        except ValidationError as exc:
            assert not legal
            assert "status" in exc.message_dict
            assert RecommendationStep.objects.filter(recommendation=rec).count() == steps
        else:
            assert legal
            expected = target
        assert Recommendation.objects.get(pk=rec.pk).status == expected


@given(st.lists(st.sampled_from(ALL_ACTION), min_size=1, max_size=6))
def test_an_action_item_moves_only_along_its_table(world, moves):
    system = SystemActor()
    meeting = reviews.plan_review(
        actor=system, programme=world.programme, kind="interim_review", title="IPR",
        held_on=dt.date(2021, 6, 1), period_start=dt.date(2021, 1, 1), period_end=dt.date(2021, 6, 1),
    )  # fmt: skip
    item = reviews.add_action(
        actor=system, review=meeting, text="Draft the law", owner=world.ua,
        due_on=dt.date(2021, 12, 1),
    )  # fmt: skip
    expected = "open"
    for target in moves:
        legal = target in ACTION_TRANSITIONS[expected]
        try:
            reviews.move_action(actor=system, action=item, status=target, on=dt.date(2021, 9, 1))
        except ValidationError:
            assert not legal
        else:
            assert legal
            expected = target
        row = ActionItem.objects.get(pk=item.pk)
        assert row.status == expected
        assert (row.closed_on is not None) == (expected in ("done", "dropped"))


def test_each_step_needs_what_the_table_names(review):
    rec = recs.add_recommendation(
        actor=SystemActor(),
        review=review,
        title_en="Single e-procurement system",
        text="Build.",
        drafted_on=dt.date(2024, 6, 1),
    )
    with pytest.raises(ValidationError) as exc:
        recs.advance_recommendation(
            actor=SystemActor(), recommendation=rec, status="adopted", on=dt.date(2024, 7, 10)
        )
    assert "event" in exc.value.message_dict
    rec = recs.advance_recommendation(
        actor=SystemActor(), recommendation=rec, status="adopted", on=dt.date(2024, 7, 10),
        event="NATO Washington Summit",
    )  # fmt: skip
    assert (rec.adopted_at, rec.adopted_on) == ("NATO Washington Summit", dt.date(2024, 7, 10))
    with pytest.raises(ValidationError) as exc:  # a step cannot predate the previous one
        recs.advance_recommendation(
            actor=SystemActor(), recommendation=rec, status="in_implementation",
            on=dt.date(2024, 7, 1),
        )  # fmt: skip
    assert "on" in exc.value.message_dict
    recs.advance_recommendation(
        actor=SystemActor(), recommendation=rec, status="in_implementation", on=dt.date(2024, 9, 1)
    )
    with pytest.raises(ValidationError) as exc:
        recs.advance_recommendation(
            actor=SystemActor(), recommendation=rec, status="implemented", on=dt.date(2025, 1, 1)
        )
    assert "evidence" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # backwards
        recs.advance_recommendation(
            actor=SystemActor(), recommendation=rec, status="adopted", on=dt.date(2025, 1, 1),
            event="x",
        )  # fmt: skip
    assert "backwards" in exc.value.message_dict["status"][0]
    assert Recommendation.objects.get(pk=rec.pk).status == "in_implementation"


def test_adopted_wording_is_frozen(review):
    rec = recs.add_recommendation(
        actor=SystemActor(),
        review=review,
        title_en="Audit",
        text="Audit every contract.",
        drafted_on=dt.date(2024, 6, 1),
    )
    recs.advance_recommendation(
        actor=SystemActor(), recommendation=rec, status="adopted", on=dt.date(2024, 7, 10),
        event="Summit",
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        recs.update_recommendation(actor=SystemActor(), recommendation=rec, text="Audit some.")
    assert "text" in exc.value.message_dict
    assert Recommendation.objects.get(pk=rec.pk).text == "Audit every contract."
