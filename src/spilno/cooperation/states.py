"""Cooperation lifecycles as explicit transition tables (DESIGN §5), pure data and functions.

Services ask these before every change; the hypothesis state-machine tests walk them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IllegalTransition(ValueError):
    """A lifecycle was asked to move where its table does not allow."""


def _check(table: dict[str, frozenset[str]], kind: str, current: str, target: str) -> None:
    if target not in table:
        raise IllegalTransition(f"Unknown {kind} status {target!r}.")
    if target not in table[current]:
        raise IllegalTransition(f"A {kind} cannot move from {current} to {target}.")


# --- indicator values: typed figures are approved before they count ----------------------------
class ValueStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded by a revision")


V = ValueStatus
VALUE_TRANSITIONS: dict[str, frozenset[str]] = {
    V.DRAFT: frozenset({V.SUBMITTED}),
    V.SUBMITTED: frozenset({V.APPROVED, V.RETURNED}),
    V.RETURNED: frozenset({V.SUBMITTED}),
    # An approved value edited in an open period goes back to draft; in a locked period it is
    # superseded by a revision once the revision is approved.
    V.APPROVED: frozenset({V.DRAFT, V.SUPERSEDED}),
    V.SUPERSEDED: frozenset(),
}
VALUE_EDITABLE = frozenset({V.DRAFT, V.RETURNED, V.APPROVED})


def check_value_move(current: str, target: str) -> None:
    _check(VALUE_TRANSITIONS, "indicator value", current, target)


# --- recommendations of a review -------------------------------------------------------------
class RecommendationStatus(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    ADOPTED = "adopted", _("Adopted")
    IN_IMPLEMENTATION = "in_implementation", _("In implementation")
    IMPLEMENTED = "implemented", _("Implemented")
    VERIFIED = "verified", _("Verified")


R = RecommendationStatus
# Strictly forwards, one step at a time: a recommendation is never moved backwards. A
# verification that fails is recorded as a note while it stays implemented, not as a step back.
RECOMMENDATION_ORDER = (R.DRAFTED, R.ADOPTED, R.IN_IMPLEMENTATION, R.IMPLEMENTED, R.VERIFIED)
RECOMMENDATION_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset({RECOMMENDATION_ORDER[i + 1]} if i + 1 < len(RECOMMENDATION_ORDER) else ())
    for i, status in enumerate(RECOMMENDATION_ORDER)
}
# What each step needs besides the move itself (checked by the service; named here so the
# form, the API documentation and the tests read one list).
RECOMMENDATION_NEEDS: dict[str, tuple[str, ...]] = {
    R.ADOPTED: ("event", "date"),
    R.IN_IMPLEMENTATION: ("date",),
    R.IMPLEMENTED: ("date", "evidence"),
    R.VERIFIED: ("date", "evidence", "note"),
}


def check_recommendation_move(current: str, target: str) -> None:
    if target in RECOMMENDATION_TRANSITIONS and RECOMMENDATION_ORDER.index(
        R(target)
    ) <= RECOMMENDATION_ORDER.index(R(current)):
        raise IllegalTransition(
            f"A recommendation never moves backwards (from {current} to {target})."
        )
    _check(RECOMMENDATION_TRANSITIONS, "recommendation", current, target)


# --- action items decided at a progress review -----------------------------------------------
class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


A = ActionStatus
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    A.OPEN: frozenset({A.IN_PROGRESS, A.DONE, A.DROPPED}),
    A.IN_PROGRESS: frozenset({A.DONE, A.DROPPED}),
    A.DONE: frozenset(),
    A.DROPPED: frozenset(),
}
ACTION_CLOSED = frozenset({A.DONE, A.DROPPED})


def check_action_move(current: str, target: str) -> None:
    _check(ACTION_TRANSITIONS, "action item", current, target)


# --- progress reviews ------------------------------------------------------------------------
class ReviewKind(models.TextChoices):
    ANNUAL_CONSULTATION = "annual_consultation", _("Annual consultation")
    INTERIM_REVIEW = "interim_review", _("Interim progress review")
    WORKING_MEETING = "working_meeting", _("Working meeting")


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")


class Rating(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")


# Ordered from best to worst, for trends: a lower index is better.
RATING_ORDER = (Rating.ON_TRACK, Rating.AT_RISK, Rating.OFF_TRACK)


def trend(previous: str | None, current: str | None) -> str:
    """``improving``, ``worsening``, ``steady`` or ``new`` (no earlier rating)."""
    if current is None:
        return "none"
    if previous is None:
        return "new"
    before, now = RATING_ORDER.index(Rating(previous)), RATING_ORDER.index(Rating(current))
    if now < before:
        return "improving"
    if now > before:
        return "worsening"
    return "steady"


# --- strategic documents ---------------------------------------------------------------------
class DocumentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DRAFTING = "drafting", _("Drafting")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")


S = DocumentStatus
DOCUMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.DRAFTING}),
    S.DRAFTING: frozenset({S.SUBMITTED}),
    # The approving body may send a draft back.
    S.SUBMITTED: frozenset({S.APPROVED, S.DRAFTING}),
    S.APPROVED: frozenset(),
}


def check_document_move(current: str, target: str) -> None:
    _check(DOCUMENT_TRANSITIONS, "strategic document", current, target)
