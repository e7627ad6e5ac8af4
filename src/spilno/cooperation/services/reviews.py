"""Progress reviews of a programme: plan one, record who took part, rate each line of effort
and objective, write decisions and action items, follow up earlier action items, mark it held."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from spilno.audit.services import record
from spilno.cooperation.models import (
    ActionItem,
    Decision,
    FollowUp,
    LineOfEffort,
    Objective,
    Participant,
    Programme,
    ProgressReview,
    ReviewRating,
)
from spilno.cooperation.services.common import require_party, require_text, state
from spilno.cooperation.states import (
    ACTION_CLOSED,
    ActionStatus,
    Rating,
    ReviewKind,
    ReviewStatus,
    check_action_move,
)
from spilno.core.models import Organisation
from spilno.kernel import clock
from spilno.kernel.units import unit_of_work

MANAGE = "cooperation.review.manage"
REVIEW_FIELDS = ("kind", "title", "held_on", "place", "period_start", "period_end", "summary")


def _audit(actor: Any, action: str, obj: Any, programme: Programme, **kw: Any) -> None:
    record(actor=actor, action=action, obj=obj, classification=programme.classification, **kw)


def _check_review(review: ProgressReview) -> None:
    missing = [f for f in ("held_on", "period_start", "period_end") if not getattr(review, f)]
    if missing:
        raise ValidationError(dict.fromkeys(missing, "This field is required."))
    if review.kind not in ReviewKind.values:
        raise ValidationError({"kind": f"Unknown kind {review.kind!r}."})
    if review.period_end < review.period_start:
        raise ValidationError({"period_end": "The period cannot end before it starts."})
    if review.period_start < review.programme.starts_on:
        raise ValidationError({"period_start": "The period starts before the programme does."})


def plan_review(*, actor: Any, programme: Programme, **fields: Any) -> ProgressReview:
    require_party(actor, programme, MANAGE)
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    review = ProgressReview(programme=programme, **fields)
    _check_review(review)  # first: field errors before the constraint's whole-record one
    review.full_clean()
    with unit_of_work():
        review.save()
        _audit(actor, "cooperation.review.plan", review, programme, after=state(review))
    return review


def update_review(*, actor: Any, review: ProgressReview, **changes: Any) -> ProgressReview:
    require_party(actor, review.programme, MANAGE)
    unknown = set(changes) - set(REVIEW_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    with unit_of_work():
        current = ProgressReview.objects.select_for_update().get(pk=review.pk)
        if current.status == ReviewStatus.HELD:
            raise ValidationError({"status": "The review is held; its record stands."})
        before = state(current)
        for name, value in changes.items():
            setattr(current, name, value)
        _check_review(current)
        current.full_clean()
        current.save()
        after = state(current)
        if after != before:
            _audit(
                actor,
                "cooperation.review.change",
                current,
                review.programme,
                before=before,
                after=after,
            )
    return current


def mark_held(*, actor: Any, review: ProgressReview, summary: str = "") -> ProgressReview:
    """Close the record of a review: it needs a rating of every line of effort first."""
    require_party(actor, review.programme, MANAGE)
    with unit_of_work():
        current = ProgressReview.objects.select_for_update().get(pk=review.pk)
        if current.status == ReviewStatus.HELD:
            raise ValidationError({"status": "The review is already marked as held."})
        if current.held_on > clock.today():
            raise ValidationError({"held_on": "A review cannot be held before its date."})
        rated = set(
            current.ratings.filter(objective__isnull=True).values_list("line_id", flat=True)
        )
        missing = [line.code for line in current.programme.lines.all() if line.pk not in rated]
        if missing:
            raise ValidationError(
                {"ratings": f"Rate every line of effort first (missing: {', '.join(missing)})."}
            )
        if not current.participants.exists():
            raise ValidationError({"participants": "Record who took part first."})
        before = state(current)
        current.status = ReviewStatus.HELD
        if summary.strip():
            current.summary = summary.strip()
        current.save()
        _audit(
            actor, "cooperation.review.held", current, review.programme, before=before,
            after=state(current),
        )  # fmt: skip
    return current


def _lock_review(review: ProgressReview) -> ProgressReview:
    return ProgressReview.objects.select_for_update().get(pk=review.pk)


def add_participant(
    *,
    actor: Any,
    review: ProgressReview,
    organisation: Organisation,
    person: str = "",
    position: str = "",
) -> Participant:
    require_party(actor, review.programme, MANAGE)
    with unit_of_work():
        _lock_review(review)
        participant = Participant.objects.create(
            review=review, organisation=organisation, person=person.strip(), position=position
        )
        _audit(
            actor, "cooperation.review.participant", review, review.programme,
            after={"organisation": organisation.pk, "person": person, "position": position},
        )  # fmt: skip
    return participant


def rate(
    *,
    actor: Any,
    review: ProgressReview,
    line: LineOfEffort,
    rating: str,
    narrative: str,
    objective: Objective | None = None,
) -> ReviewRating:
    """Rate a line of effort (or one of its objectives) at a review; rating again replaces."""
    require_party(actor, review.programme, MANAGE)
    if line.programme_id != review.programme_id:
        raise ValidationError({"line": "That line of effort belongs to another programme."})
    if objective is not None and objective.line_id != line.pk:
        raise ValidationError({"objective": "That objective belongs to another line of effort."})
    if rating not in Rating.values:
        raise ValidationError({"rating": f"Choose one of: {', '.join(Rating.values)}."})
    narrative = require_text(narrative, "narrative", "Say why: a rating needs its narrative.")
    with unit_of_work():
        current = _lock_review(review)
        if current.status == ReviewStatus.HELD:
            raise ValidationError({"status": "The review is closed; its ratings stand."})
        row = ReviewRating.objects.filter(review=review, line=line, objective=objective).first()
        before = state(row) if row else None
        if row is None:
            row = ReviewRating(review=review, line=line, objective=objective)
        row.rating, row.narrative = rating, narrative
        row.save()
        _audit(
            actor, "cooperation.review.rate", review, review.programme, before=before,
            after=state(row),
        )  # fmt: skip
    return row


def add_decision(
    *, actor: Any, review: ProgressReview, text: str, line: LineOfEffort | None = None
) -> Decision:
    require_party(actor, review.programme, MANAGE)
    text = require_text(text, "text", "Write the decision.")
    if line is not None and line.programme_id != review.programme_id:
        raise ValidationError({"line": "That line of effort belongs to another programme."})
    with unit_of_work():
        _lock_review(review)
        decision = Decision.objects.create(review=review, text=text, line=line)
        _audit(
            actor, "cooperation.review.decision", review, review.programme,
            after=state(decision),
        )  # fmt: skip
    return decision


def add_action(
    *,
    actor: Any,
    review: ProgressReview,
    text: str,
    owner: Organisation,
    due_on: dt.date,
    owner_person: str = "",
    line: LineOfEffort | None = None,
) -> ActionItem:
    require_party(actor, review.programme, MANAGE)
    text = require_text(text, "text", "Write what is to be done.")
    if due_on < review.held_on:
        raise ValidationError({"due_on": "An action cannot be due before the review that sets it."})
    if line is not None and line.programme_id != review.programme_id:
        raise ValidationError({"line": "That line of effort belongs to another programme."})
    with unit_of_work():
        _lock_review(review)
        item = ActionItem.objects.create(
            review=review,
            text=text,
            owner=owner,
            owner_person=owner_person.strip(),
            due_on=due_on,
            line=line,
        )
        _audit(actor, "cooperation.action.create", item, review.programme, after=state(item))
    return item


def move_action(
    *, actor: Any, action: ActionItem, status: str, on: dt.date | None = None
) -> ActionItem:
    programme = action.review.programme
    require_party(actor, programme, MANAGE)
    with unit_of_work():
        current = ActionItem.objects.select_for_update().get(pk=action.pk)
        try:
            check_action_move(current.status, status)
        except ValueError as exc:
            raise ValidationError({"status": str(exc)}) from None
        before = state(current)
        current.status = status
        if status in ACTION_CLOSED:
            current.closed_on = on or clock.today()
        current.save()
        _audit(
            actor, "cooperation.action.move", current, programme, before=before,
            after=state(current),
        )  # fmt: skip
    return current


def follow_up(
    *, actor: Any, review: ProgressReview, action: ActionItem, status: str, note: str
) -> FollowUp:
    """At a later review of the same programme, say where an earlier action item stands; the
    item moves to ``status`` if that is a legal step (or stays where it is)."""
    programme = review.programme
    require_party(actor, programme, MANAGE)
    if action.review.programme_id != review.programme_id:
        raise ValidationError({"action": "That action item belongs to another programme."})
    if action.review.held_on >= review.held_on or action.review_id == review.pk:
        raise ValidationError({"action": "Only an earlier review's action items are followed up."})
    note = require_text(note, "note", "Say where the action stands.")
    if status not in ActionStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    with unit_of_work():
        _lock_review(review)
        current = ActionItem.objects.select_for_update().get(pk=action.pk)
        if status != current.status:
            try:
                check_action_move(current.status, status)
            except ValueError as exc:
                raise ValidationError({"status": str(exc)}) from None
            before = state(current)
            current.status = status
            if status in ACTION_CLOSED:
                current.closed_on = review.held_on
            current.save()
            _audit(
                actor, "cooperation.action.move", current, programme, before=before,
                after=state(current),
            )  # fmt: skip
        row, _created = FollowUp.objects.update_or_create(
            action=current, review=review, defaults={"status": status, "note": note}
        )
        _audit(actor, "cooperation.action.follow_up", current, programme, after=state(row))
    return row
