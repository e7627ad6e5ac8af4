"""Progress reviews: planning, ratings with narratives, decisions, action items, follow-ups at
the next review, and holding a review only when it is complete."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from spilno.cooperation import selectors
from spilno.cooperation.models import ProgressReview, ReviewRating
from spilno.cooperation.services import reviews
from spilno.kernel.access import AccessDenied

D = dt.date


def plan(world, held_on=None, kind="annual_consultation", actor=None):
    held_on = held_on or D(2020, 11, 20)
    return reviews.plan_review(
        actor=actor or world.reform, programme=world.programme, kind=kind,
        title=f"Consultations {held_on.year}", held_on=held_on,
        period_start=D(held_on.year, 1, 1), period_end=held_on,
    )  # fmt: skip


def hold(world, review, first="on_track", second="at_risk"):
    reviews.add_participant(
        actor=world.reform, review=review, organisation=world.us, person="", position="OSD Policy"
    )
    reviews.rate(
        actor=world.reform,
        review=review,
        line=world.line1,
        rating=first,
        narrative="Air defence improved.",
    )
    reviews.rate(
        actor=world.reform, review=review, line=world.line2, rating=second, narrative="Law delayed."
    )
    return reviews.mark_held(actor=world.reform, review=review)


def test_a_review_is_held_only_when_every_line_is_rated_and_someone_took_part(world):
    review = plan(world)
    with pytest.raises(ValidationError) as exc:
        reviews.mark_held(actor=world.reform, review=review)
    assert "LOE 1, LOE 2" in exc.value.message_dict["ratings"][0]
    reviews.rate(
        actor=world.reform, review=review, line=world.line1, rating="on_track", narrative="ok"
    )
    reviews.rate(
        actor=world.reform, review=review, line=world.line2, rating="off_track", narrative="no"
    )
    with pytest.raises(ValidationError) as exc:
        reviews.mark_held(actor=world.reform, review=review)
    assert "participants" in exc.value.message_dict
    review.refresh_from_db()
    assert review.status == "planned"
    reviews.add_participant(
        actor=world.reform, review=review, organisation=world.ua, person="Deputy Minister"
    )
    assert reviews.mark_held(actor=world.reform, review=review).status == "held"
    with pytest.raises(ValidationError):  # its ratings now stand
        reviews.rate(
            actor=world.reform, review=review, line=world.line1, rating="at_risk", narrative="x"
        )
    assert ReviewRating.objects.get(review=review, line=world.line1).rating == "on_track"


def test_rating_needs_a_narrative_and_a_known_rating(world):
    review = plan(world)
    for rating, narrative, field in (("great", "x", "rating"), ("on_track", "  ", "narrative")):
        with pytest.raises(ValidationError) as exc:
            reviews.rate(
                actor=world.reform,
                review=review,
                line=world.line1,
                rating=rating,
                narrative=narrative,
            )
        assert field in exc.value.message_dict
    assert not ReviewRating.objects.exists()


def test_rating_history_shows_the_trend(world):
    hold(world, plan(world, D(2019, 11, 1)), "at_risk", "at_risk")
    hold(world, plan(world, D(2020, 11, 1)), "on_track", "off_track")
    line1 = [(p.rating, p.trend) for p in selectors.rating_history(world.line1)]
    line2 = [(p.rating, p.trend) for p in selectors.rating_history(world.line2)]
    assert line1 == [("at_risk", "new"), ("on_track", "improving")]
    assert line2 == [("at_risk", "new"), ("off_track", "worsening")]


def test_action_items_are_followed_up_at_the_next_review(world, monkeypatch):
    first = hold(world, plan(world, D(2019, 11, 1)))
    item = reviews.add_action(
        actor=world.reform, review=first, text="Adopt the defence procurement law",
        owner=world.ua, due_on=D(2020, 6, 30), line=world.line2,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        reviews.add_action(
            actor=world.reform, review=first, text="x", owner=world.ua, due_on=D(2019, 1, 1)
        )
    assert "due_on" in exc.value.message_dict
    second = plan(world, D(2020, 11, 1))
    assert list(selectors.open_actions(world.programme, before=second.held_on)) == [item]
    with pytest.raises(ValidationError):  # a review cannot follow up its own actions
        reviews.follow_up(actor=world.reform, review=first, action=item, status="done", note="x")
    reviews.follow_up(
        actor=world.reform, review=second, action=item, status="in_progress", note="In parliament"
    )
    row = reviews.follow_up(
        actor=world.reform, review=second, action=item, status="done", note="Adopted"
    )
    item.refresh_from_db()
    assert (item.status, item.closed_on) == ("done", second.held_on)
    assert row.note == "Adopted"
    assert item.follow_ups.count() == 1  # one follow-up per review, the latest word
    with pytest.raises(ValidationError):  # done is final
        reviews.follow_up(
            actor=world.reform, review=second, action=item, status="open", note="reopen"
        )
    assert list(selectors.open_actions(world.programme)) == []


def test_overdue_actions(world):
    review = hold(world, plan(world, D(2019, 11, 1)))
    late = reviews.add_action(
        actor=world.reform, review=review, text="Late", owner=world.ua, due_on=D(2020, 1, 1)
    )
    reviews.add_action(
        actor=world.reform, review=review, text="Future", owner=world.us, due_on=D(2099, 1, 1)
    )
    assert list(selectors.actions_for(world.reform, overdue=True)) == [late]
    assert list(selectors.actions_for(world.fr_liaison)) == []


def test_outsiders_cannot_plan_or_see_reviews(world):
    with pytest.raises(AccessDenied):
        plan(world, actor=world.fr_liaison)
    review = plan(world)
    assert not selectors.progress_reviews_for(world.fr_liaison).filter(pk=review.pk).exists()
    assert selectors.progress_reviews_for(world.us_liaison).filter(pk=review.pk).exists()


def test_a_period_that_ends_before_it_starts_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        reviews.plan_review(
            actor=world.reform, programme=world.programme, kind="interim_review", title="IPR",
            held_on=D(2021, 6, 1), period_start=D(2021, 6, 1), period_end=D(2021, 1, 1),
        )  # fmt: skip
    assert "period_end" in exc.value.message_dict
    assert not ProgressReview.objects.exists()


def test_a_held_review_is_not_edited(world):
    review = hold(world, plan(world))
    with pytest.raises(ValidationError) as exc:
        reviews.update_review(actor=world.reform, review=review, title="Rewritten")
    assert "status" in exc.value.message_dict
    review.refresh_from_db()
    assert review.title == "Consultations 2020"
