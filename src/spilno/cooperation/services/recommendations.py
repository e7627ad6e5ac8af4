"""Reviews (e.g. the Strategic Defence Procurement Review), their phases and working groups, and
recommendations moving drafted → adopted → in implementation → implemented → verified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet

from spilno.audit.services import record
from spilno.cooperation.models import (
    Objective,
    OrganisationRole,
    Programme,
    Recommendation,
    RecommendationStep,
    Review,
    ReviewOrganisation,
    ReviewPhase,
    WorkingGroup,
    WorkingGroupMember,
)
from spilno.cooperation.services.common import require_participant, require_text, state
from spilno.cooperation.states import (
    RECOMMENDATION_NEEDS,
    RecommendationStatus,
    check_recommendation_move,
)
from spilno.core.models import Agreement, CooperationArea, Organisation
from spilno.kernel import clock
from spilno.kernel.access import check_classification, require
from spilno.kernel.units import unit_of_work

MANAGE = "cooperation.recommendation.manage"


def _require(actor: Any, review: Review) -> None:
    require_participant(actor, review, MANAGE, review.participant_ids(), review.reference)


def _audit(actor: Any, action: str, obj: Any, review: Review, **kw: Any) -> None:
    record(actor=actor, action=action, obj=obj, classification=review.classification, **kw)


def create_review(
    *,
    actor: Any,
    title_en: str,
    started_on: dt.date,
    lead: Sequence[Organisation],
    requested_by: Sequence[Organisation] = (),
    experts: Sequence[Organisation] = (),
    title_uk: str = "",
    description: str = "",
    agreement: Agreement | None = None,
    classification: int = 1,
) -> Review:
    require(actor, MANAGE)
    check_classification(actor, classification)
    if not lead:
        raise ValidationError({"lead": "Name the lead nation's organisation."})
    review = Review(
        title_en=title_en,
        title_uk=title_uk,
        description=description,
        agreement=agreement,
        started_on=started_on,
        classification=classification,
        reference="pending",
    )
    review.full_clean(exclude=["reference"])
    roles = [
        *((o, OrganisationRole.LEAD) for o in lead),
        *((o, OrganisationRole.REQUESTER) for o in requested_by),
        *((o, OrganisationRole.EXPERT) for o in experts),
    ]
    ids = {o.pk for o, _role in roles}
    if not getattr(actor, "is_system", False) and not ids & set(actor.organisation_ids()):
        raise ValidationError(
            {"lead": "Your organisation must take part in the review (lead, requester or experts)."}
        )
    with unit_of_work():
        review.save()
        review.reference = f"REV-{review.pk:04d}"
        review.save(update_fields=["reference"])
        for organisation, role in roles:
            ReviewOrganisation.objects.get_or_create(
                review=review, organisation=organisation, role=role
            )
        _audit(
            actor, "cooperation.review_external.create", review, review,
            after={**state(review), "organisations": [[o.pk, r] for o, r in roles]},
        )  # fmt: skip
    return review


def add_phase(
    *,
    actor: Any,
    review: Review,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    description: str = "",
) -> ReviewPhase:
    _require(actor, review)
    if ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": "A phase cannot end before it starts."})
    with unit_of_work():
        Review.objects.select_for_update().get(pk=review.pk)
        number = int(review.phases.aggregate(n=Max("number"))["n"] or 0) + 1
        phase = ReviewPhase(
            review=review,
            number=number,
            title=require_text(title, "title", "Name the phase."),
            starts_on=starts_on,
            ends_on=ends_on,
            description=description,
        )
        phase.full_clean()
        phase.save()
        _audit(actor, "cooperation.review_external.phase", review, review, after=state(phase))
    return phase


def add_working_group(
    *,
    actor: Any,
    review: Review,
    name: str,
    topic: str = "",
    members: Sequence[tuple[Organisation, str, bool]] = (),
) -> WorkingGroup:
    """A working group with its members: ``(organisation, person, chair)``."""
    _require(actor, review)
    name = require_text(name, "name", "Name the working group.")
    with unit_of_work():
        Review.objects.select_for_update().get(pk=review.pk)
        if review.working_groups.filter(name=name).exists():
            raise ValidationError({"name": "The review already has a working group so named."})
        group = WorkingGroup.objects.create(review=review, name=name, topic=topic)
        for organisation, person, chair in members:
            WorkingGroupMember.objects.create(
                group=group, organisation=organisation, person=person, chair=chair
            )
        _audit(
            actor, "cooperation.working_group.create", group, review,
            after={**state(group), "members": [[o.pk, p, c] for o, p, c in members]},
        )  # fmt: skip
    return group


def add_member(
    *, actor: Any, group: WorkingGroup, organisation: Organisation, person: str, chair: bool = False
) -> WorkingGroupMember:
    _require(actor, group.review)
    with unit_of_work():
        member = WorkingGroupMember.objects.create(
            group=group, organisation=organisation, person=person.strip(), chair=chair
        )
        _audit(actor, "cooperation.working_group.member", group, group.review, after=state(member))
    return member


def _check_objectives(actor: Any, objectives: Sequence[Objective]) -> None:
    visible: QuerySet[Programme] = Programme.objects.visible_to(actor)
    hidden = [o.pk for o in objectives if not visible.filter(pk=o.line.programme_id).exists()]
    if hidden:
        raise ValidationError({"objectives": f"Unknown objective id(s): {sorted(hidden)}."})


def add_recommendation(
    *,
    actor: Any,
    review: Review,
    title_en: str,
    text: str,
    title_uk: str = "",
    working_group: WorkingGroup | None = None,
    responsible: Organisation | None = None,
    due_on: dt.date | None = None,
    objectives: Sequence[Objective] = (),
    areas: Sequence[CooperationArea] = (),
    drafted_on: dt.date | None = None,
) -> Recommendation:
    """A drafted recommendation (``drafted_on`` defaults to today; a past review's are older)."""
    _require(actor, review)
    drafted_on = drafted_on or clock.today()
    if drafted_on > clock.today():
        raise ValidationError({"drafted_on": "The date cannot be in the future."})
    if drafted_on < review.started_on:
        raise ValidationError({"drafted_on": "A recommendation cannot predate its review."})
    if working_group is not None and working_group.review_id != review.pk:
        raise ValidationError({"working_group": "That working group belongs to another review."})
    _check_objectives(actor, objectives)
    with unit_of_work():
        Review.objects.select_for_update().get(pk=review.pk)
        number = int(review.recommendations.aggregate(n=Max("number"))["n"] or 0) + 1
        rec = Recommendation(
            review=review,
            number=number,
            title_en=title_en,
            title_uk=title_uk,
            text=require_text(text, "text", "Write the recommendation."),
            working_group=working_group,
            responsible=responsible,
            due_on=due_on,
        )
        rec.full_clean()
        rec.save()
        rec.objectives.set(objectives)
        rec.areas.set(areas)
        RecommendationStep.objects.create(
            recommendation=rec,
            status=RecommendationStatus.DRAFTED,
            on=drafted_on,
            actor=None if getattr(actor, "is_system", False) else actor,
            recorded_at=clock.now(),
        )
        _audit(actor, "cooperation.recommendation.create", rec, review, after=state(rec))
    return rec


def update_recommendation(
    *,
    actor: Any,
    recommendation: Recommendation,
    objectives: Sequence[Objective] | None = None,
    areas: Sequence[CooperationArea] | None = None,
    **changes: Any,
) -> Recommendation:
    """Edit wording and links; the wording is frozen once adopted (links stay editable)."""
    review = recommendation.review
    _require(actor, review)
    allowed = {"title_en", "title_uk", "text", "responsible", "due_on", "working_group"}
    if set(changes) - allowed:
        raise TypeError(f"Unknown fields: {sorted(set(changes) - allowed)}")
    if objectives is not None:
        _check_objectives(actor, objectives)
    with unit_of_work():
        current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
        wording = {"title_en", "title_uk", "text"} & {
            k for k, v in changes.items() if getattr(current, k) != v
        }
        if wording and current.status != RecommendationStatus.DRAFTED:
            raise ValidationError(
                dict.fromkeys(sorted(wording), "The adopted wording can no longer change.")
            )
        before = state(current)
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
        if objectives is not None:
            current.objectives.set(objectives)
        if areas is not None:
            current.areas.set(areas)
        after = state(current)
        if after != before:
            _audit(
                actor, "cooperation.recommendation.change", current, review, before=before,
                after=after,
            )  # fmt: skip
    return current


def advance_recommendation(
    *,
    actor: Any,
    recommendation: Recommendation,
    status: str,
    on: dt.date,
    event: str = "",
    evidence: str = "",
    note: str = "",
) -> Recommendation:
    """One step forwards, with what that step needs: the adopting event, evidence of
    implementation, and a verifier's note. Verification is by someone other than whoever
    recorded the implementation."""
    review = recommendation.review
    _require(actor, review)
    with unit_of_work():
        current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
        try:
            check_recommendation_move(current.status, status)
        except ValueError as exc:
            raise ValidationError({"status": str(exc)}) from None
        event, evidence = event.strip(), evidence.strip()
        given: dict[str, Any] = {"event": event, "date": on, "evidence": evidence, "note": note}
        missing = [need for need in RECOMMENDATION_NEEDS.get(status, ()) if not given[need]]
        errors = {
            ("on" if need == "date" else need): f"Needed to mark it {status.replace('_', ' ')}."
            for need in missing
        }
        if on > clock.today():
            errors["on"] = "The date cannot be in the future."
        last = current.steps.order_by("-recorded_at", "-pk").first()
        if last is not None and on < last.on:
            errors["on"] = f"The date cannot be before the previous step ({last.on})."
        if errors:
            raise ValidationError(errors)
        if (
            status == RecommendationStatus.VERIFIED
            and last is not None
            and last.actor_id is not None
            and last.actor_id == getattr(actor, "pk", None)
        ):
            raise ValidationError(
                {"status": "Someone other than who recorded the implementation verifies it."}
            )
        before = state(current)
        current.status = status
        if status == RecommendationStatus.ADOPTED:
            current.adopted_at, current.adopted_on = event, on
        current.save()
        RecommendationStep.objects.create(
            recommendation=current,
            status=status,
            on=on,
            event=event,
            evidence=evidence,
            note=note,
            actor=None if getattr(actor, "is_system", False) else actor,
            recorded_at=clock.now(),
        )
        _audit(
            actor, f"cooperation.recommendation.{status}", current, review, before=before,
            after={**state(current), "on": on, "event": event, "evidence": evidence, "note": note},
        )  # fmt: skip
    return current
