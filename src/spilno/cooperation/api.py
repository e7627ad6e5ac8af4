"""API for programmes, indicators and their values, progress reviews, reviews with
recommendations, strategies and areas. Thin: JSON ↔ services and selectors.

Records are read through the selectors, so one the caller may not see answers 404 exactly like
one that does not exist (the selectors raise ``DoesNotExist``, the API turns it into 404). An id
given *in the body* (an objective a recommendation serves, a participating organisation) that
the caller cannot see is a 422 field error instead: the request is wrong, not the URL.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from spilno.cooperation import schemas as s
from spilno.cooperation import selectors
from spilno.cooperation.models import (
    ActionItem,
    Indicator,
    IndicatorValue,
    LineOfEffort,
    Objective,
    Programme,
    ProgressReview,
    Recommendation,
    Review,
    StrategicDocument,
    Strategy,
    WorkingGroup,
)
from spilno.cooperation.services import programmes as programme_services
from spilno.cooperation.services import recommendations as recommendation_services
from spilno.cooperation.services import reviews as review_services
from spilno.cooperation.services import strategies as strategy_services
from spilno.cooperation.services import values as value_services
from spilno.cooperation.states import ACTION_CLOSED
from spilno.core.models import CooperationArea, Organisation
from spilno.core.selectors import resolve_agreement, resolve_areas, resolve_organisations
from spilno.kernel import clock, metrics
from spilno.kernel.access import require
from spilno.kernel.apitools import keyset_page, refuse_nulls
from spilno.kernel.classification import Level

router = Router(tags=["cooperation"])

_M = TypeVar("_M", bound=Model)

# Fields copied as they are into the responses.
INDICATOR_OUT = (
    "id", "objective_id", "title_en", "title_uk", "unit", "direction", "baseline", "baseline_date",
    "target", "target_date", "minimum", "maximum", "metric", "metric_params", "source", "computed",
)  # fmt: skip
VALUE_OUT = (
    "id", "indicator_id", "as_of", "value", "unit", "source", "evidence", "note", "status",
    "computed", "revision", "supersedes_id", "revision_reason", "review_note", "created_at",
    "updated_at",
)  # fmt: skip
ACTION_OUT = (
    "id", "review_id", "line_id", "text", "owner_id", "owner_person", "due_on", "status",
    "closed_on",
)  # fmt: skip
REVIEW_OUT = (
    "id", "reference", "title_en", "title_uk", "description", "agreement_id", "started_on",
)  # fmt: skip
RECOMMENDATION_OUT = (
    "id", "review_id", "number", "code", "title_en", "title_uk", "text", "status",
    "working_group_id", "responsible_id", "adopted_at", "adopted_on", "due_on",
)  # fmt: skip
STRATEGY_OUT = (
    "id", "owner_id", "title_en", "title_uk", "approving_act", "approved_on", "description",
)  # fmt: skip
DOCUMENT_OUT = (
    "id", "strategy_id", "title_en", "title_uk", "area_en", "area_uk", "responsible_id", "status",
    "draft_due", "approval_due", "approval_act", "approved_on",
)  # fmt: skip
PROGRESS_REVIEW_OUT = (
    "id", "programme_id", "kind", "title", "held_on", "place", "period_start", "period_end",
    "summary", "status",
)  # fmt: skip


# --- shared helpers ---------------------------------------------------------------------------
def _page(qs: QuerySet[_M], after: int | None, limit: int) -> tuple[list[_M], int | None]:
    if after:
        qs = qs.filter(pk__gt=after)
    return keyset_page(qs.order_by("pk"), limit)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Enum members from pydantic back to the plain strings the services compare and store."""
    return {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in data.items()}


def _patch(data: dict[str, Any], nullable: set[str], texts: Iterable[str] = ()) -> dict[str, Any]:
    """A PATCH body: ``null`` only where a field may be empty; a cleared text becomes ``""``."""
    refuse_nulls(data, nullable | set(texts))
    for name in texts:
        if name in data and data[name] is None:
            data[name] = ""
    return _plain(data)


def _level(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("classification") is not None:
        data["classification"] = Level[data["classification"]]
    return data


def _org(user: Any, org_id: int, field: str) -> Organisation:
    return resolve_organisations(user, [org_id], field=field)[org_id]


def _orgs(user: Any, ids: Sequence[int], field: str) -> list[Organisation]:
    found = resolve_organisations(user, ids, field=field)
    return [found[pk] for pk in dict.fromkeys(ids)]


def _named(lookup: Callable[[], _M], field: str, message: str) -> _M:
    """A record named by an id in the body: missing or invisible is a field error."""
    try:
        return lookup()
    except ObjectDoesNotExist:
        raise ValidationError({field: message}) from None


def _username(user: Any) -> str | None:
    return None if user is None else str(user.get_username())


# --- programmes, lines, objectives, indicators ------------------------------------------------
def programme_out(programme: Programme) -> dict[str, Any]:
    return {
        "id": programme.pk,
        "reference": programme.reference,
        "agreement_id": programme.agreement_id,
        "agreement_title_en": programme.agreement.title_en,
        "title_en": programme.title_en,
        "title_uk": programme.title_uk,
        "description": programme.description,
        "starts_on": programme.starts_on,
        "ends_on": programme.ends_on,
        "classification": Level(programme.classification).name,
        "locked_until": programme.locked_until,
    }


def _point(point: selectors.Point | None) -> dict[str, Any] | None:
    return None if point is None else {"as_of": point.as_of, "value": point.value}


def indicator_out(
    indicator: Indicator, points: list[selectors.Point] | None = None
) -> dict[str, Any]:
    points = selectors.series(indicator) if points is None else points
    latest = points[-1] if points else None
    return {
        **{f: getattr(indicator, f) for f in INDICATOR_OUT},
        "latest": _point(latest),
        "progress": selectors.progress(indicator, latest.value if latest else None),
    }


def objective_out(objective: Objective) -> dict[str, Any]:
    return {
        "id": objective.pk,
        "line_id": objective.line_id,
        "number": objective.number,
        "code": f"{objective.line.number}.{objective.number}",
        "title_en": objective.title_en,
        "title_uk": objective.title_uk,
        "description": objective.description,
        "target_date": objective.target_date,
    }


def line_out(line: LineOfEffort) -> dict[str, Any]:
    return {
        "id": line.pk,
        "programme_id": line.programme_id,
        "number": line.number,
        "code": line.code,
        "title_en": line.title_en,
        "title_uk": line.title_uk,
        "description": line.description,
        "areas": [a.slug for a in line.areas.all()],
    }


def programme_detail_out(programme: Programme) -> dict[str, Any]:
    lines = programme.lines.prefetch_related(
        "areas",
        Prefetch(
            "objectives",
            Objective.objects.select_related("line").prefetch_related(
                Prefetch("indicators", Indicator.objects.order_by("pk"))
            ),
        ),
    )
    return {
        **programme_out(programme),
        "lines": [
            {
                **line_out(line),
                "objectives": [
                    {
                        **objective_out(objective),
                        "indicators": [indicator_out(i) for i in objective.indicators.all()],
                    }
                    for objective in line.objectives.all()
                ],
            }
            for line in lines
        ],
    }


@router.get("/programmes", response=s.ProgrammePage, summary="List programmes")
def list_programmes(request: HttpRequest, filters: Query[s.ProgrammeFilters]) -> Any:
    qs = selectors.programmes_for(
        request.user, partner=filters.partner, area=filters.area, q=filters.q
    )
    items, next_after = _page(qs, filters.after, filters.limit)
    return {"items": [programme_out(p) for p in items], "next_after": next_after}


@router.post("/programmes", response={201: s.ProgrammeDetailOut}, summary="Start a programme")
def post_programme(request: HttpRequest, payload: s.ProgrammeIn) -> Any:
    data = _level(payload.dict())
    agreement = resolve_agreement(request.user, data.pop("agreement_id"), field="agreement_id")
    assert agreement is not None  # the id is required, so it resolved or raised
    programme = programme_services.create_programme(actor=request.user, agreement=agreement, **data)
    return Status(201, programme_detail_out(programme))


@router.get(
    "/programmes/{programme_id}",
    response=s.ProgrammeDetailOut,
    summary="One programme: lines, objectives, indicators with their latest approved figures",
)
def get_programme(request: HttpRequest, programme_id: int) -> Any:
    return programme_detail_out(selectors.programme_for(request.user, programme_id))


@router.patch(
    "/programmes/{programme_id}", response=s.ProgrammeDetailOut, summary="Change a programme"
)
def patch_programme(request: HttpRequest, programme_id: int, payload: s.ProgrammePatch) -> Any:
    programme = selectors.programme_for(request.user, programme_id)
    data = _level(
        _patch(payload.dict(exclude_unset=True), {"ends_on"}, ("title_uk", "description"))
    )
    programme = programme_services.update_programme(actor=request.user, programme=programme, **data)
    return programme_detail_out(selectors.programme_for(request.user, programme.pk))


@router.post(
    "/programmes/{programme_id}/lock",
    response=s.ProgrammeOut,
    summary="Lock indicator values up to a date (after a review)",
)
def lock_programme(request: HttpRequest, programme_id: int, payload: s.LockIn) -> Any:
    programme = selectors.programme_for(request.user, programme_id)
    programme_services.lock_period(actor=request.user, programme=programme, until=payload.until)
    return programme_out(selectors.programme_for(request.user, programme.pk))


def line_detail_out(user: Any, line: LineOfEffort) -> dict[str, Any]:
    indicators = selectors.indicators_for(user).filter(objective__line=line).order_by("pk")
    return {
        **line_out(line),
        "programme_reference": line.programme.reference,
        "objectives": [objective_out(o) for o in line.objectives.select_related("line")],
        "ratings": [
            {
                "review_id": point.review.pk,
                "review_title": point.review.title,
                "held_on": point.review.held_on,
                "rating": point.rating,
                "narrative": point.narrative,
                "trend": point.trend,
            }
            for point in selectors.rating_history(line)
        ],
        "indicators": [
            {**indicator_out(i, points), "series": [_point(p) for p in points]}
            for i in indicators
            for points in [selectors.series(i)]
        ],
    }


@router.post(
    "/programmes/{programme_id}/lines",
    response={201: s.LineOfEffortDetailOut},
    summary="Add a line of effort",
)
def post_line(request: HttpRequest, programme_id: int, payload: s.LineOfEffortIn) -> Any:
    programme = selectors.programme_for(request.user, programme_id)
    data = payload.dict()
    areas = resolve_areas(data.pop("areas"))
    line = programme_services.add_line(actor=request.user, programme=programme, areas=areas, **data)
    return Status(201, line_detail_out(request.user, selectors.line_for(request.user, line.pk)))


@router.get(
    "/lines/{line_id}",
    response=s.LineOfEffortDetailOut,
    summary="One line of effort: its ratings over time and its indicators' series",
)
def get_line(request: HttpRequest, line_id: int) -> Any:
    return line_detail_out(request.user, selectors.line_for(request.user, line_id))


@router.patch("/lines/{line_id}", response=s.LineOfEffortDetailOut, summary="Change a line")
def patch_line(request: HttpRequest, line_id: int, payload: s.LineOfEffortPatch) -> Any:
    line = selectors.line_for(request.user, line_id)
    data = _patch(payload.dict(exclude_unset=True), set(), ("title_uk", "description"))
    areas = resolve_areas(data.pop("areas")) if "areas" in data else None
    programme_services.update_line(actor=request.user, line=line, areas=areas, **data)
    return line_detail_out(request.user, selectors.line_for(request.user, line_id))


@router.post(
    "/lines/{line_id}/objectives", response={201: s.ObjectiveOut}, summary="Add an objective"
)
def post_objective(request: HttpRequest, line_id: int, payload: s.ObjectiveIn) -> Any:
    line = selectors.line_for(request.user, line_id)
    objective = programme_services.add_objective(actor=request.user, line=line, **payload.dict())
    return Status(201, objective_out(selectors.objective_for(request.user, objective.pk)))


@router.patch("/objectives/{objective_id}", response=s.ObjectiveOut, summary="Change an objective")
def patch_objective(request: HttpRequest, objective_id: int, payload: s.ObjectivePatch) -> Any:
    objective = selectors.objective_for(request.user, objective_id)
    data = _patch(payload.dict(exclude_unset=True), {"target_date"}, ("title_uk", "description"))
    programme_services.update_objective(actor=request.user, objective=objective, **data)
    return objective_out(selectors.objective_for(request.user, objective_id))


def indicator_detail_out(indicator: Indicator) -> dict[str, Any]:
    programme = indicator.objective.line.programme
    values = list(indicator.values.select_related("entered_by", "reviewed_by"))
    superseded_by = {v.supersedes_id: v.pk for v in values if v.supersedes_id}
    return {
        **indicator_out(indicator),
        "line_id": indicator.objective.line_id,
        "programme_id": programme.pk,
        "locked_until": programme.locked_until,
        "values": [value_out(v, programme.locked_until, superseded_by.get(v.pk)) for v in values],
    }


@router.post(
    "/objectives/{objective_id}/indicators",
    response={201: s.IndicatorDetailOut},
    summary="Add an indicator (typed in, or computed from a registered metric)",
)
def post_indicator(request: HttpRequest, objective_id: int, payload: s.IndicatorIn) -> Any:
    objective = selectors.objective_for(request.user, objective_id)
    indicator = programme_services.add_indicator(
        actor=request.user, objective=objective, **_plain(payload.dict())
    )
    return Status(201, indicator_detail_out(selectors.indicator_for(request.user, indicator.pk)))


@router.get(
    "/indicators/{indicator_id}",
    response=s.IndicatorDetailOut,
    summary="One indicator with every value, revision and status",
)
def get_indicator(request: HttpRequest, indicator_id: int) -> Any:
    return indicator_detail_out(selectors.indicator_for(request.user, indicator_id))


@router.patch(
    "/indicators/{indicator_id}", response=s.IndicatorDetailOut, summary="Change an indicator"
)
def patch_indicator(request: HttpRequest, indicator_id: int, payload: s.IndicatorPatch) -> Any:
    indicator = selectors.indicator_for(request.user, indicator_id)
    data = _patch(
        payload.dict(exclude_unset=True),
        {"minimum", "maximum"},
        ("title_uk", "metric", "source"),
    )
    if "metric_params" in data and data["metric_params"] is None:
        data["metric_params"] = {}
    programme_services.update_indicator(actor=request.user, indicator=indicator, **data)
    return indicator_detail_out(selectors.indicator_for(request.user, indicator_id))


@router.get("/metrics", response=list[s.MetricOut], summary="Metrics an indicator can compute")
def list_metrics(request: HttpRequest) -> Any:
    require(request.user, "cooperation.view")
    return [
        {
            "key": m.key,
            "label": m.label,
            "unit": m.unit,
            "description": m.description,
            "params": [vars(p) for p in m.params],
        }
        for m in metrics.metrics()
    ]


# --- indicator values -------------------------------------------------------------------------
def value_out(
    value: IndicatorValue, locked_until: Any = None, superseded_by: int | None = None
) -> dict[str, Any]:
    return {
        **{f: getattr(value, f) for f in VALUE_OUT},
        "superseded_by_id": superseded_by,
        "entered_by": _username(value.entered_by),
        "reviewed_by": _username(value.reviewed_by),
        "locked": locked_until is not None and value.as_of <= locked_until,
    }


def _value_out(user: Any, value_id: int) -> dict[str, Any]:
    """A value as it now stands, read back through the selector."""
    value = selectors.value_for(user, value_id)
    later = IndicatorValue.objects.filter(supersedes=value).values_list("pk", flat=True).first()
    return value_out(value, value.indicator.objective.line.programme.locked_until, later)


@router.post(
    "/indicators/{indicator_id}/values",
    response={201: s.IndicatorValueOut},
    summary="Enter a figure (a draft until submitted and approved)",
)
def post_value(request: HttpRequest, indicator_id: int, payload: s.IndicatorValueIn) -> Any:
    indicator = selectors.indicator_for(request.user, indicator_id)
    value = value_services.enter_value(
        actor=request.user, indicator=indicator, **_plain(payload.dict())
    )
    return Status(201, _value_out(request.user, value.pk))


@router.post(
    "/indicators/{indicator_id}/compute",
    response=s.ComputeOut,
    summary="Compute a metric-backed indicator as of a date",
)
def compute_indicator(request: HttpRequest, indicator_id: int, payload: s.ComputeIn) -> Any:
    indicator = selectors.indicator_for(request.user, indicator_id)
    value = value_services.compute_value(
        actor=request.user, indicator=indicator, as_of=payload.as_of
    )
    return {
        "as_of": payload.as_of,
        "value": None if value is None else _value_out(request.user, value.pk),
    }


@router.get(
    "/values/waiting",
    response=s.WaitingValuePage,
    summary="Figures submitted for approval in the programmes you see",
)
def list_waiting(request: HttpRequest, after: int | None = None, limit: int = 50) -> Any:
    items, next_after = _page(selectors.values_waiting(request.user), after, limit)
    rows = []
    for value in items:
        programme = value.indicator.objective.line.programme
        rows.append(
            {
                **value_out(value, programme.locked_until),
                "indicator_title_en": value.indicator.title_en,
                "programme_id": programme.pk,
                "programme_reference": programme.reference,
            }
        )
    return {"items": rows, "next_after": next_after}


@router.get("/values/{value_id}", response=s.IndicatorValueOut, summary="One indicator value")
def get_value(request: HttpRequest, value_id: int) -> Any:
    return _value_out(request.user, value_id)


@router.patch(
    "/values/{value_id}",
    response=s.IndicatorValueOut,
    summary="Change a figure in an open period (an approved one goes back to draft)",
)
def patch_value(request: HttpRequest, value_id: int, payload: s.IndicatorValuePatch) -> Any:
    value = selectors.value_for(request.user, value_id)
    data = _patch(payload.dict(exclude_unset=True), set(), ("evidence", "note"))
    if "value" in data:
        data["new_value"] = data.pop("value")
    value_services.update_value(actor=request.user, value=value, **data)
    return _value_out(request.user, value_id)


@router.delete(
    "/values/{value_id}", response={204: None}, summary="Withdraw a draft or returned figure"
)
def delete_value(request: HttpRequest, value_id: int) -> Any:
    value = selectors.value_for(request.user, value_id)
    value_services.withdraw_value(actor=request.user, value=value)
    return Status(204, None)


@router.post(
    "/values/{value_id}/submit", response=s.IndicatorValueOut, summary="Submit for approval"
)
def submit_value(request: HttpRequest, value_id: int) -> Any:
    value = selectors.value_for(request.user, value_id)
    value_services.submit_value(actor=request.user, value=value)
    return _value_out(request.user, value_id)


@router.post(
    "/values/{value_id}/approve",
    response=s.IndicatorValueOut,
    summary="Approve a submitted figure (not its author)",
)
def approve_value(request: HttpRequest, value_id: int, payload: s.ReviewNoteIn) -> Any:
    value = selectors.value_for(request.user, value_id)
    value_services.approve_value(actor=request.user, value=value, note=payload.note)
    return _value_out(request.user, value_id)


@router.post(
    "/values/{value_id}/return",
    response=s.IndicatorValueOut,
    summary="Return a submitted figure for revision, saying why",
)
def return_value(request: HttpRequest, value_id: int, payload: s.ReviewNoteIn) -> Any:
    value = selectors.value_for(request.user, value_id)
    value_services.return_value(actor=request.user, value=value, note=payload.note)
    return _value_out(request.user, value_id)


@router.post(
    "/values/{value_id}/revise",
    response={201: s.IndicatorValueOut},
    summary="Revise an approved figure in a locked period (a new revision, approved again)",
)
def revise_value(request: HttpRequest, value_id: int, payload: s.ReviseIn) -> Any:
    value = selectors.value_for(request.user, value_id)
    revision = value_services.revise_value(
        actor=request.user,
        value=value,
        new_value=payload.value,
        reason=payload.reason,
        source=payload.source,
        evidence=payload.evidence,
    )
    return Status(201, _value_out(request.user, revision.pk))


# --- progress reviews -------------------------------------------------------------------------
def progress_review_out(review: ProgressReview) -> dict[str, Any]:
    return {f: getattr(review, f) for f in PROGRESS_REVIEW_OUT}


def action_out(action: ActionItem) -> dict[str, Any]:
    return {
        **{f: getattr(action, f) for f in ACTION_OUT},
        "programme_id": action.review.programme_id,
        "overdue": action.status not in ACTION_CLOSED and action.due_on < clock.today(),
    }


def progress_review_detail_out(review: ProgressReview) -> dict[str, Any]:
    return {
        **progress_review_out(review),
        "participants": list(
            review.participants.values("id", "organisation_id", "person", "position")
        ),
        "ratings": list(
            review.ratings.values("id", "line_id", "objective_id", "rating", "narrative")
        ),
        "decisions": list(review.decisions.values("id", "text", "line_id")),
        "actions": [action_out(a) for a in review.action_items.select_related("review")],
        "follow_ups": list(
            review.follow_ups.values("id", "action_id", "review_id", "status", "note")
        ),
        "to_follow_up": [
            action_out(a) for a in selectors.open_actions(review.programme, before=review.held_on)
        ],
    }


def _line_in(review: ProgressReview, line_id: int) -> LineOfEffort:
    return _named(
        lambda: review.programme.lines.get(pk=line_id),
        "line_id",
        _("No line of effort %(id)s in this programme.") % {"id": line_id},
    )


def _optional_line(review: ProgressReview, line_id: int | None) -> LineOfEffort | None:
    return None if line_id is None else _line_in(review, line_id)


@router.get(
    "/programmes/{programme_id}/reviews",
    response=s.ProgressReviewPage,
    summary="Progress reviews of a programme",
)
def list_progress_reviews(
    request: HttpRequest, programme_id: int, after: int | None = None, limit: int = 50
) -> Any:
    programme = selectors.programme_for(request.user, programme_id)
    qs = selectors.progress_reviews_for(request.user).filter(programme=programme)
    items, next_after = _page(qs, after, limit)
    return {"items": [progress_review_out(r) for r in items], "next_after": next_after}


@router.post(
    "/programmes/{programme_id}/reviews",
    response={201: s.ProgressReviewDetailOut},
    summary="Plan a progress review",
)
def post_progress_review(
    request: HttpRequest, programme_id: int, payload: s.ProgressReviewIn
) -> Any:
    programme = selectors.programme_for(request.user, programme_id)
    review = review_services.plan_review(
        actor=request.user, programme=programme, **_plain(payload.dict())
    )
    return Status(
        201, progress_review_detail_out(selectors.progress_review_for(request.user, review.pk))
    )


@router.get(
    "/progress-reviews/{review_id}",
    response=s.ProgressReviewDetailOut,
    summary="One progress review: who took part, ratings, decisions, actions and follow-ups",
)
def get_progress_review(request: HttpRequest, review_id: int) -> Any:
    return progress_review_detail_out(selectors.progress_review_for(request.user, review_id))


@router.patch(
    "/progress-reviews/{review_id}",
    response=s.ProgressReviewDetailOut,
    summary="Change a progress review",
)
def patch_progress_review(
    request: HttpRequest, review_id: int, payload: s.ProgressReviewPatch
) -> Any:
    review = selectors.progress_review_for(request.user, review_id)
    data = _patch(payload.dict(exclude_unset=True), set(), ("place", "summary"))
    review_services.update_review(actor=request.user, review=review, **data)
    return progress_review_detail_out(selectors.progress_review_for(request.user, review_id))


@router.post(
    "/progress-reviews/{review_id}/participants",
    response={201: s.ParticipantOut},
    summary="Record who took part",
)
def post_participant(request: HttpRequest, review_id: int, payload: s.ParticipantIn) -> Any:
    review = selectors.progress_review_for(request.user, review_id)
    participant = review_services.add_participant(
        actor=request.user,
        review=review,
        organisation=_org(request.user, payload.organisation_id, "organisation_id"),
        person=payload.person,
        position=payload.position,
    )
    return Status(201, participant)


@router.post(
    "/progress-reviews/{review_id}/ratings",
    response=s.ReviewRatingOut,
    summary="Rate a line of effort or one of its objectives (rating again replaces)",
)
def post_rating(request: HttpRequest, review_id: int, payload: s.ReviewRatingIn) -> Any:
    review = selectors.progress_review_for(request.user, review_id)
    line = _line_in(review, payload.line_id)
    objective = None
    if (objective_id := payload.objective_id) is not None:
        objective = _named(
            lambda: line.objectives.get(pk=objective_id),
            "objective_id",
            _("No objective %(id)s under this line of effort.") % {"id": objective_id},
        )
    return review_services.rate(
        actor=request.user,
        review=review,
        line=line,
        objective=objective,
        rating=payload.rating.value,
        narrative=payload.narrative,
    )


@router.post(
    "/progress-reviews/{review_id}/decisions",
    response={201: s.DecisionOut},
    summary="Record a decision",
)
def post_decision(request: HttpRequest, review_id: int, payload: s.DecisionIn) -> Any:
    review = selectors.progress_review_for(request.user, review_id)
    decision = review_services.add_decision(
        actor=request.user,
        review=review,
        text=payload.text,
        line=_optional_line(review, payload.line_id),
    )
    return Status(201, decision)


@router.post(
    "/progress-reviews/{review_id}/actions",
    response={201: s.ActionItemOut},
    summary="Set an action item",
)
def post_action(request: HttpRequest, review_id: int, payload: s.ActionItemIn) -> Any:
    review = selectors.progress_review_for(request.user, review_id)
    action = review_services.add_action(
        actor=request.user,
        review=review,
        text=payload.text,
        owner=_org(request.user, payload.owner_id, "owner_id"),
        owner_person=payload.owner_person,
        due_on=payload.due_on,
        line=_optional_line(review, payload.line_id),
    )
    return Status(201, action_out(selectors.action_for(request.user, action.pk)))


@router.post(
    "/progress-reviews/{review_id}/follow-ups",
    response=s.FollowUpOut,
    summary="Say where an earlier review's action item stands (saying it again replaces)",
)
def post_follow_up(request: HttpRequest, review_id: int, payload: s.FollowUpIn) -> Any:
    review = selectors.progress_review_for(request.user, review_id)
    action = _named(
        lambda: selectors.action_for(request.user, payload.action_id),
        "action_id",
        _("Unknown action item %(id)s.") % {"id": payload.action_id},
    )
    return review_services.follow_up(
        actor=request.user,
        review=review,
        action=action,
        status=payload.status.value,
        note=payload.note,
    )


@router.post(
    "/progress-reviews/{review_id}/held",
    response=s.ProgressReviewDetailOut,
    summary="Mark the review held (every line rated, participants recorded)",
)
def post_held(request: HttpRequest, review_id: int, payload: s.HeldIn) -> Any:
    review = selectors.progress_review_for(request.user, review_id)
    review_services.mark_held(actor=request.user, review=review, summary=payload.summary)
    return progress_review_detail_out(selectors.progress_review_for(request.user, review_id))


@router.get("/actions", response=s.ActionItemPage, summary="Action items of progress reviews")
def list_actions(request: HttpRequest, filters: Query[s.ActionFilters]) -> Any:
    qs = selectors.actions_for(
        request.user,
        overdue=filters.overdue,
        status=filters.status.value if filters.status else "",
        owner=filters.owner,
    )
    items, next_after = _page(qs, filters.after, filters.limit)
    return {"items": [action_out(a) for a in items], "next_after": next_after}


@router.post(
    "/actions/{action_id}/move", response=s.ActionItemOut, summary="Move an action item on"
)
def move_action(request: HttpRequest, action_id: int, payload: s.ActionMoveIn) -> Any:
    action = selectors.action_for(request.user, action_id)
    review_services.move_action(
        actor=request.user, action=action, status=payload.status.value, on=payload.on
    )
    return action_out(selectors.action_for(request.user, action_id))


# --- reviews and recommendations ----------------------------------------------------------------
def review_out(review: Review) -> dict[str, Any]:
    return {
        **{f: getattr(review, f) for f in REVIEW_OUT},
        "classification": Level(review.classification).name,
        "organisations": [
            {"organisation_id": ro.organisation_id, "role": ro.role}
            for ro in review.review_organisations.all()
        ],
    }


def recommendation_out(rec: Recommendation) -> dict[str, Any]:
    return {
        **{f: getattr(rec, f) for f in RECOMMENDATION_OUT},
        "areas": [a.slug for a in rec.areas.all()],
    }


def working_group_out(group: WorkingGroup) -> dict[str, Any]:
    return {
        "id": group.pk,
        "review_id": group.review_id,
        "name": group.name,
        "topic": group.topic,
        "members": [
            {"id": m.pk, "organisation_id": m.organisation_id, "person": m.person, "chair": m.chair}
            for m in group.members.all()
        ],
    }


def review_detail_out(user: Any, review: Review) -> dict[str, Any]:
    recommendations = selectors.recommendations_for(user, review=review.pk)
    return {
        **review_out(review),
        "phases": list(
            review.phases.values("id", "number", "title", "starts_on", "ends_on", "description")
        ),
        "working_groups": [
            working_group_out(g) for g in review.working_groups.prefetch_related("members")
        ],
        "recommendations": [
            recommendation_out(r) for r in recommendations.prefetch_related("areas")
        ],
        "counts": selectors.recommendation_counts(recommendations),
    }


def _objectives(user: Any, ids: Sequence[int], field: str = "objective_ids") -> list[Objective]:
    found = {o.pk: o for o in selectors.objectives_for(user).filter(pk__in=set(ids))}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ValidationError({field: _("Unknown objective id(s): %(ids)s.") % {"ids": missing}})
    return [found[pk] for pk in dict.fromkeys(ids)]


def _group_of(review: Review, group_id: int | None) -> WorkingGroup | None:
    if group_id is None:
        return None
    pk: int = group_id
    return _named(
        lambda: review.working_groups.get(pk=pk),
        "working_group_id",
        _("No working group %(id)s in this review.") % {"id": group_id},
    )


@router.get("/reviews", response=s.ReviewPage, summary="Reviews (e.g. SDPR)")
def list_reviews(request: HttpRequest, after: int | None = None, limit: int = 50) -> Any:
    items, next_after = _page(selectors.reviews_for(request.user), after, limit)
    return {"items": [review_out(r) for r in items], "next_after": next_after}


@router.post("/reviews", response={201: s.ReviewDetailOut}, summary="Start a review")
def post_review(request: HttpRequest, payload: s.ReviewIn) -> Any:
    user = request.user
    review = recommendation_services.create_review(
        actor=user,
        title_en=payload.title_en,
        title_uk=payload.title_uk,
        description=payload.description,
        agreement=resolve_agreement(user, payload.agreement_id, field="agreement_id"),
        started_on=payload.started_on,
        classification=Level[payload.classification],
        lead=_orgs(user, payload.lead, "lead"),
        requested_by=_orgs(user, payload.requested_by, "requested_by"),
        experts=_orgs(user, payload.experts, "experts"),
    )
    return Status(201, review_detail_out(user, selectors.review_for(user, review.pk)))


@router.get(
    "/reviews/{review_id}",
    response=s.ReviewDetailOut,
    summary="One review: organisations, phases, working groups, recommendations",
)
def get_review(request: HttpRequest, review_id: int) -> Any:
    return review_detail_out(request.user, selectors.review_for(request.user, review_id))


@router.post("/reviews/{review_id}/phases", response={201: s.ReviewPhaseOut}, summary="Add a phase")
def post_phase(request: HttpRequest, review_id: int, payload: s.ReviewPhaseIn) -> Any:
    review = selectors.review_for(request.user, review_id)
    phase = recommendation_services.add_phase(actor=request.user, review=review, **payload.dict())
    return Status(201, phase)


@router.post(
    "/reviews/{review_id}/working-groups",
    response={201: s.WorkingGroupOut},
    summary="Form a working group with its members",
)
def post_working_group(request: HttpRequest, review_id: int, payload: s.WorkingGroupIn) -> Any:
    review = selectors.review_for(request.user, review_id)
    orgs = _orgs(request.user, [m.organisation_id for m in payload.members], "members")
    by_id = {o.pk: o for o in orgs}
    group = recommendation_services.add_working_group(
        actor=request.user,
        review=review,
        name=payload.name,
        topic=payload.topic,
        members=[(by_id[m.organisation_id], m.person, m.chair) for m in payload.members],
    )
    return Status(201, working_group_out(group))


@router.post(
    "/working-groups/{group_id}/members",
    response={201: s.WorkingGroupOut},
    summary="Add a member to a working group",
)
def post_member(request: HttpRequest, group_id: int, payload: s.GroupMemberIn) -> Any:
    group = WorkingGroup.objects.select_related("review").get(
        pk=group_id, review__in=selectors.reviews_for(request.user).values("pk")
    )
    recommendation_services.add_member(
        actor=request.user,
        group=group,
        organisation=_org(request.user, payload.organisation_id, "organisation_id"),
        person=payload.person,
        chair=payload.chair,
    )
    return Status(201, working_group_out(group))


@router.post(
    "/reviews/{review_id}/recommendations",
    response={201: s.RecommendationDetailOut},
    summary="Draft a recommendation",
)
def post_recommendation(request: HttpRequest, review_id: int, payload: s.RecommendationIn) -> Any:
    user = request.user
    review = selectors.review_for(user, review_id)
    rec = recommendation_services.add_recommendation(
        actor=user,
        review=review,
        title_en=payload.title_en,
        title_uk=payload.title_uk,
        text=payload.text,
        working_group=_group_of(review, payload.working_group_id),
        responsible=None
        if payload.responsible_id is None
        else _org(user, payload.responsible_id, "responsible_id"),
        due_on=payload.due_on,
        objectives=_objectives(user, payload.objective_ids),
        areas=resolve_areas(payload.areas),
        drafted_on=payload.drafted_on,
    )
    return Status(201, recommendation_detail_out(user, selectors.recommendation_for(user, rec.pk)))


def recommendation_detail_out(user: Any, rec: Recommendation) -> dict[str, Any]:
    return {
        **recommendation_out(rec),
        "steps": [
            {
                "status": step.status,
                "on": step.on,
                "event": step.event,
                "evidence": step.evidence,
                "note": step.note,
                "actor": _username(step.actor),
                "recorded_at": step.recorded_at,
            }
            for step in rec.steps.select_related("actor")
        ],
        "objectives": [
            {
                "id": o.pk,
                "code": f"{o.line.number}.{o.number}",
                "title_en": o.title_en,
                "line_id": o.line_id,
                "programme_id": o.line.programme_id,
                "programme_reference": o.line.programme.reference,
            }
            for o in selectors.visible_objectives(user, rec)
        ],
    }


@router.get("/recommendations", response=s.RecommendationPage, summary="Recommendations")
def list_recommendations(request: HttpRequest, filters: Query[s.RecommendationFilters]) -> Any:
    qs = selectors.recommendations_for(
        request.user,
        status=filters.status.value if filters.status else "",
        area=filters.area,
        review=filters.review,
    ).prefetch_related("areas")
    items, next_after = _page(qs, filters.after, filters.limit)
    return {"items": [recommendation_out(r) for r in items], "next_after": next_after}


@router.get(
    "/recommendations/{recommendation_id}",
    response=s.RecommendationDetailOut,
    summary="One recommendation with its steps and the objectives it serves",
)
def get_recommendation(request: HttpRequest, recommendation_id: int) -> Any:
    user = request.user
    return recommendation_detail_out(user, selectors.recommendation_for(user, recommendation_id))


@router.patch(
    "/recommendations/{recommendation_id}",
    response=s.RecommendationDetailOut,
    summary="Change a recommendation (its wording only while drafted)",
)
def patch_recommendation(
    request: HttpRequest, recommendation_id: int, payload: s.RecommendationPatch
) -> Any:
    user = request.user
    rec = selectors.recommendation_for(user, recommendation_id)
    data = _patch(
        payload.dict(exclude_unset=True),
        {"working_group_id", "responsible_id", "due_on"},
        ("title_uk",),
    )
    objective_ids = data.pop("objective_ids", None)
    area_slugs = data.pop("areas", None)
    if "working_group_id" in data:
        data["working_group"] = _group_of(rec.review, data.pop("working_group_id"))
    if "responsible_id" in data:
        org_id = data.pop("responsible_id")
        data["responsible"] = None if org_id is None else _org(user, org_id, "responsible_id")
    recommendation_services.update_recommendation(
        actor=user,
        recommendation=rec,
        objectives=None if objective_ids is None else _objectives(user, objective_ids),
        areas=None if area_slugs is None else resolve_areas(area_slugs),
        **data,
    )
    return recommendation_detail_out(user, selectors.recommendation_for(user, recommendation_id))


@router.post(
    "/recommendations/{recommendation_id}/advance",
    response=s.RecommendationDetailOut,
    summary="Move a recommendation one step forwards, with what that step needs",
)
def advance_recommendation(
    request: HttpRequest, recommendation_id: int, payload: s.AdvanceIn
) -> Any:
    user = request.user
    rec = selectors.recommendation_for(user, recommendation_id)
    recommendation_services.advance_recommendation(
        actor=user, recommendation=rec, **_plain(payload.dict())
    )
    return recommendation_detail_out(user, selectors.recommendation_for(user, recommendation_id))


# --- strategies -------------------------------------------------------------------------------
def strategy_out(strategy: Strategy) -> dict[str, Any]:
    return {
        **{f: getattr(strategy, f) for f in STRATEGY_OUT},
        "classification": Level(strategy.classification).name,
    }


def document_out(document: StrategicDocument) -> dict[str, Any]:
    return {
        **{f: getattr(document, f) for f in DOCUMENT_OUT},
        "cooperation_area": document.cooperation_area.slug if document.cooperation_area else None,
        "overdue": selectors.overdue(document),
    }


def strategy_detail_out(strategy: Strategy) -> dict[str, Any]:
    return {
        **strategy_out(strategy),
        "documents": [document_out(d) for d in strategy.documents.all()],
    }


def _document_fields(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "cooperation_area" in data:
        slug = data["cooperation_area"]
        data["cooperation_area"] = (
            None if slug is None else resolve_areas([slug], field="cooperation_area")[0]
        )
    if "responsible_id" in data:
        org_id = data.pop("responsible_id")
        data["responsible"] = _org(user, org_id, "responsible_id")
    return data


@router.get("/strategies", response=s.StrategyPage, summary="Strategies")
def list_strategies(request: HttpRequest, after: int | None = None, limit: int = 50) -> Any:
    items, next_after = _page(selectors.strategies_for(request.user), after, limit)
    return {"items": [strategy_out(x) for x in items], "next_after": next_after}


@router.post("/strategies", response={201: s.StrategyDetailOut}, summary="Record a strategy")
def post_strategy(request: HttpRequest, payload: s.StrategyIn) -> Any:
    data = _level(payload.dict())
    owner = _org(request.user, data.pop("owner_id"), "owner_id")
    strategy = strategy_services.create_strategy(actor=request.user, owner=owner, **data)
    return Status(201, strategy_detail_out(selectors.strategy_for(request.user, strategy.pk)))


@router.get(
    "/strategies/{strategy_id}",
    response=s.StrategyDetailOut,
    summary="One strategy with its documents (overdue ones flagged)",
)
def get_strategy(request: HttpRequest, strategy_id: int) -> Any:
    return strategy_detail_out(selectors.strategy_for(request.user, strategy_id))


@router.post(
    "/strategies/{strategy_id}/documents",
    response={201: s.StrategicDocumentOut},
    summary="Plan a strategic document",
)
def post_document(request: HttpRequest, strategy_id: int, payload: s.StrategicDocumentIn) -> Any:
    strategy = selectors.strategy_for(request.user, strategy_id)
    document = strategy_services.add_document(
        actor=request.user, strategy=strategy, **_document_fields(request.user, payload.dict())
    )
    return Status(201, document_out(selectors.document_for(request.user, document.pk)))


@router.patch(
    "/documents/{document_id}",
    response=s.StrategicDocumentOut,
    summary="Change a strategic document",
)
def patch_document(
    request: HttpRequest, document_id: int, payload: s.StrategicDocumentPatch
) -> Any:
    document = selectors.document_for(request.user, document_id)
    data = _patch(
        payload.dict(exclude_unset=True),
        {"cooperation_area", "draft_due", "approval_due"},
        ("title_uk", "area_uk"),
    )
    strategy_services.update_document(
        actor=request.user, document=document, **_document_fields(request.user, data)
    )
    return document_out(selectors.document_for(request.user, document_id))


@router.post(
    "/documents/{document_id}/move",
    response=s.StrategicDocumentOut,
    summary="Move a strategic document on (approval names its act and date)",
)
def move_document(request: HttpRequest, document_id: int, payload: s.DocumentMoveIn) -> Any:
    document = selectors.document_for(request.user, document_id)
    strategy_services.move_document(actor=request.user, document=document, **_plain(payload.dict()))
    return document_out(selectors.document_for(request.user, document_id))


# --- one area across partners -------------------------------------------------------------------
@router.get(
    "/areas/{slug}",
    response=s.AreaOverviewOut,
    summary="One cooperation area: agreements, lines, recommendations, documents you may see",
)
def get_area(request: HttpRequest, slug: str) -> Any:
    overview = selectors.area_overview(request.user, CooperationArea.objects.get(slug=slug))
    return {
        "slug": overview.area.slug,
        "name_en": overview.area.name_en,
        "name_uk": overview.area.name_uk,
        "agreements": [
            {
                "id": a.pk,
                "title_en": a.title_en,
                "reference": a.reference,
                "kind": a.kind,
                "status": a.status,
                "party_ids": [p.pk for p in a.parties.all()],
            }
            for a in overview.agreements
        ],
        "lines": [
            {
                "id": line.pk,
                "code": line.code,
                "title_en": line.title_en,
                "programme_id": line.programme_id,
                "programme_reference": line.programme.reference,
            }
            for line in overview.lines
        ],
        "recommendations": [recommendation_out(r) for r in overview.recommendations],
        "documents": [document_out(d) for d in overview.documents],
    }
