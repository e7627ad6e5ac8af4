"""API schemas for cooperation: programmes, indicators and their values, progress reviews,
reviews with recommendations, strategies (pydantic v2 via django-ninja).

Statuses, kinds and units are the model enums, so a value outside them is refused with 422 by
pydantic before any service runs. Names carry their domain (``LineOfEffortIn``, not ``LineIn``)
because every schema shares one OpenAPI namespace with the other apps.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from spilno.cooperation.models import Direction, OrganisationRole, Unit
from spilno.cooperation.states import (
    ActionStatus,
    DocumentStatus,
    Rating,
    RecommendationStatus,
    ReviewKind,
    ReviewStatus,
    ValueStatus,
)
from spilno.core.schemas import LevelName


def _next_after() -> Any:
    return Field(None, description="Pass as `after` to get the next page; null on the last page.")


def _areas() -> Any:
    return Field([], description="Cooperation area slugs, see GET /api/v1/areas.")


def _figure(default: Any = ..., **kw: Any) -> Any:
    return Field(default, max_digits=18, decimal_places=3, **kw)


# --- programmes, lines, objectives, indicators ------------------------------------------------
class ProgrammeFilters(Schema):
    partner: int | None = Field(None, description="Organisation id of a party to the agreement.")
    area: str = Field("", description="Cooperation area slug of one of its lines of effort.")
    q: str = Field("", description="Words of the title, or the exact reference.")
    after: int | None = None
    limit: int = 50


class ProgrammeIn(Schema):
    agreement_id: int = Field(description="The core agreement the programme runs under.")
    title_en: str = Field(min_length=1, max_length=400, examples=["Partner Concept cooperation"])
    title_uk: str = Field("", max_length=400)
    description: str = ""
    starts_on: dt.date
    ends_on: dt.date | None = None
    classification: LevelName = "RESTRICTED"


class ProgrammePatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=400)
    title_uk: str | None = Field(None, max_length=400)
    description: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    classification: LevelName | None = None


class LockIn(Schema):
    until: dt.date = Field(description="Values up to this date become locked: revise, not edit.")


class ProgrammeOut(Schema):
    id: int
    reference: str
    agreement_id: int
    agreement_title_en: str
    title_en: str
    title_uk: str
    description: str
    starts_on: dt.date
    ends_on: dt.date | None
    classification: str
    locked_until: dt.date | None


class ProgrammePage(Schema):
    items: list[ProgrammeOut]
    next_after: int | None = _next_after()


class PointOut(Schema):
    as_of: dt.date
    value: Decimal


class IndicatorOut(Schema):
    id: int
    objective_id: int
    title_en: str
    title_uk: str
    unit: Unit
    direction: Direction
    baseline: Decimal
    baseline_date: dt.date
    target: Decimal
    target_date: dt.date
    minimum: Decimal | None
    maximum: Decimal | None
    metric: str
    metric_params: dict[str, Any]
    source: str
    computed: bool
    latest: PointOut | None = Field(description="The latest approved figure.")
    progress: float | None = Field(
        description="From baseline (0) to target (1) for the latest approved figure."
    )


class ObjectiveOut(Schema):
    id: int
    line_id: int
    number: int
    code: str
    title_en: str
    title_uk: str
    description: str
    target_date: dt.date | None


class ObjectiveTreeOut(ObjectiveOut):
    indicators: list[IndicatorOut]


class LineOfEffortOut(Schema):
    id: int
    programme_id: int
    number: int
    code: str
    title_en: str
    title_uk: str
    description: str
    areas: list[str]


class LineOfEffortTreeOut(LineOfEffortOut):
    objectives: list[ObjectiveTreeOut]


class ProgrammeDetailOut(ProgrammeOut):
    lines: list[LineOfEffortTreeOut]


class RatingPointOut(Schema):
    review_id: int
    review_title: str
    held_on: dt.date
    rating: Rating
    narrative: str
    trend: str = Field(description="improving, worsening, steady or new")


class IndicatorSeriesOut(IndicatorOut):
    series: list[PointOut] = Field(description="Approved figures, oldest first.")


class LineOfEffortDetailOut(LineOfEffortOut):
    programme_reference: str
    objectives: list[ObjectiveOut]
    ratings: list[RatingPointOut] = Field(description="Ratings at progress reviews, oldest first.")
    indicators: list[IndicatorSeriesOut]


class LineOfEffortIn(Schema):
    title_en: str = Field(min_length=1, max_length=400)
    title_uk: str = Field("", max_length=400)
    description: str = ""
    number: int | None = Field(None, ge=1, description="Next free number when omitted.")
    areas: list[str] = _areas()


class LineOfEffortPatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=400)
    title_uk: str | None = Field(None, max_length=400)
    description: str | None = None
    areas: list[str] | None = None


class ObjectiveIn(Schema):
    title_en: str = Field(min_length=1, max_length=400)
    title_uk: str = Field("", max_length=400)
    description: str = ""
    target_date: dt.date | None = None
    number: int | None = Field(None, ge=1, description="Next free number when omitted.")


class ObjectivePatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=400)
    title_uk: str | None = Field(None, max_length=400)
    description: str | None = None
    target_date: dt.date | None = None


class IndicatorIn(Schema):
    title_en: str = Field(min_length=1, max_length=400)
    title_uk: str = Field("", max_length=400)
    unit: Unit
    direction: Direction = Direction.INCREASE
    baseline: Decimal = _figure()
    baseline_date: dt.date
    target: Decimal = _figure()
    target_date: dt.date
    minimum: Decimal | None = _figure(None, description="Lower values are refused as typos.")
    maximum: Decimal | None = _figure(None, description="Higher values are refused as typos.")
    metric: str = Field(
        "", max_length=80, description="A registered metric (GET /metrics); empty: typed in."
    )
    metric_params: dict[str, Any] = {}
    source: str = Field("", max_length=300)


class IndicatorPatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=400)
    title_uk: str | None = Field(None, max_length=400)
    unit: Unit | None = None
    direction: Direction | None = None
    baseline: Decimal | None = _figure(None)
    baseline_date: dt.date | None = None
    target: Decimal | None = _figure(None)
    target_date: dt.date | None = None
    minimum: Decimal | None = _figure(None)
    maximum: Decimal | None = _figure(None)
    metric: str | None = Field(None, max_length=80)
    metric_params: dict[str, Any] | None = None
    source: str | None = Field(None, max_length=300)


class MetricParamOut(Schema):
    name: str
    label: str
    help: str
    required: bool


class MetricOut(Schema):
    key: str
    label: str
    unit: str
    description: str
    params: list[MetricParamOut]


# --- indicator values ---------------------------------------------------------------------------
class IndicatorValueOut(Schema):
    id: int
    indicator_id: int
    as_of: dt.date
    value: Decimal
    unit: Unit
    source: str
    evidence: str
    note: str
    status: ValueStatus
    computed: bool
    revision: int
    supersedes_id: int | None
    superseded_by_id: int | None
    revision_reason: str
    review_note: str
    entered_by: str | None = Field(description="Username; null when entered by the system.")
    reviewed_by: str | None
    locked: bool = Field(description="In a period a review has locked: revise, do not edit.")
    created_at: dt.datetime
    updated_at: dt.datetime


class WaitingValueOut(IndicatorValueOut):
    indicator_title_en: str
    programme_id: int
    programme_reference: str


class WaitingValuePage(Schema):
    items: list[WaitingValueOut]
    next_after: int | None = _next_after()


class IndicatorDetailOut(IndicatorOut):
    line_id: int
    programme_id: int
    locked_until: dt.date | None
    values: list[IndicatorValueOut] = Field(description="Every value and revision, by date.")


class IndicatorValueIn(Schema):
    as_of: dt.date = Field(description="The end of the period the figure measures.")
    value: Decimal = _figure()
    unit: Unit
    source: str = Field(max_length=300)
    evidence: str = Field("", max_length=500)
    note: str = ""


class IndicatorValuePatch(Schema):
    value: Decimal | None = _figure(None)
    unit: Unit | None = None
    source: str | None = Field(None, max_length=300)
    evidence: str | None = Field(None, max_length=500)
    note: str | None = None


class ReviewNoteIn(Schema):
    note: str = ""


class ReviseIn(Schema):
    value: Decimal = _figure()
    reason: str = Field(description="Why the reviewed figure must change.")
    source: str = Field("", max_length=300)
    evidence: str = Field("", max_length=500)


class ComputeIn(Schema):
    as_of: dt.date


class ComputeOut(Schema):
    as_of: dt.date
    value: IndicatorValueOut | None = Field(
        description="Null when the metric has nothing to measure yet."
    )


# --- progress reviews -------------------------------------------------------------------------
class ProgressReviewIn(Schema):
    kind: ReviewKind
    title: str = Field(min_length=1, max_length=300)
    held_on: dt.date
    place: str = Field("", max_length=200)
    period_start: dt.date
    period_end: dt.date
    summary: str = ""


class ProgressReviewPatch(Schema):
    kind: ReviewKind | None = None
    title: str | None = Field(None, min_length=1, max_length=300)
    held_on: dt.date | None = None
    place: str | None = Field(None, max_length=200)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    summary: str | None = None


class ProgressReviewOut(Schema):
    id: int
    programme_id: int
    kind: ReviewKind
    title: str
    held_on: dt.date
    place: str
    period_start: dt.date
    period_end: dt.date
    summary: str
    status: ReviewStatus


class ProgressReviewPage(Schema):
    items: list[ProgressReviewOut]
    next_after: int | None = _next_after()


class ParticipantIn(Schema):
    organisation_id: int
    person: str = Field("", max_length=200)
    position: str = Field("", max_length=200)


class ParticipantOut(Schema):
    id: int
    organisation_id: int
    person: str
    position: str


class ReviewRatingIn(Schema):
    line_id: int
    objective_id: int | None = Field(None, description="Rate one objective; omit for the line.")
    rating: Rating
    narrative: str


class ReviewRatingOut(Schema):
    id: int
    line_id: int
    objective_id: int | None
    rating: Rating
    narrative: str


class DecisionIn(Schema):
    text: str
    line_id: int | None = None


class DecisionOut(Schema):
    id: int
    text: str
    line_id: int | None


class ActionItemIn(Schema):
    text: str
    owner_id: int = Field(description="The organisation responsible.")
    owner_person: str = Field("", max_length=200)
    due_on: dt.date
    line_id: int | None = None


class ActionItemOut(Schema):
    id: int
    review_id: int
    programme_id: int
    line_id: int | None
    text: str
    owner_id: int
    owner_person: str
    due_on: dt.date
    status: ActionStatus
    closed_on: dt.date | None
    overdue: bool


class ActionItemPage(Schema):
    items: list[ActionItemOut]
    next_after: int | None = _next_after()


class ActionFilters(Schema):
    overdue: bool = False
    status: ActionStatus | None = None
    owner: int | None = Field(None, description="Organisation id.")
    after: int | None = None
    limit: int = 50


class ActionMoveIn(Schema):
    status: ActionStatus
    on: dt.date | None = Field(None, description="When it was closed; today when omitted.")


class FollowUpIn(Schema):
    action_id: int = Field(description="An open action item of an earlier review.")
    status: ActionStatus
    note: str


class FollowUpOut(Schema):
    id: int
    action_id: int
    review_id: int
    status: ActionStatus
    note: str


class HeldIn(Schema):
    summary: str = ""


class ProgressReviewDetailOut(ProgressReviewOut):
    participants: list[ParticipantOut]
    ratings: list[ReviewRatingOut]
    decisions: list[DecisionOut]
    actions: list[ActionItemOut]
    follow_ups: list[FollowUpOut]
    to_follow_up: list[ActionItemOut] = Field(
        description="Open action items of earlier reviews of the programme."
    )


# --- reviews and recommendations ----------------------------------------------------------------
class ReviewIn(Schema):
    title_en: str = Field(min_length=1, max_length=400)
    title_uk: str = Field("", max_length=400)
    description: str = ""
    agreement_id: int | None = None
    started_on: dt.date
    classification: LevelName = "INTERNAL"
    lead: list[int] = Field(description="Organisation ids of the lead nation.")
    requested_by: list[int] = []
    experts: list[int] = []


class ReviewOrganisationOut(Schema):
    organisation_id: int
    role: OrganisationRole


class ReviewOut(Schema):
    id: int
    reference: str
    title_en: str
    title_uk: str
    description: str
    agreement_id: int | None
    started_on: dt.date
    classification: str
    organisations: list[ReviewOrganisationOut]


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_after: int | None = _next_after()


class ReviewPhaseIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    starts_on: dt.date
    ends_on: dt.date | None = None
    description: str = ""


class ReviewPhaseOut(Schema):
    id: int
    number: int
    title: str
    starts_on: dt.date
    ends_on: dt.date | None
    description: str


class GroupMemberIn(Schema):
    organisation_id: int
    person: str = Field("", max_length=200)
    chair: bool = False


class GroupMemberOut(Schema):
    id: int
    organisation_id: int
    person: str
    chair: bool


class WorkingGroupIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    topic: str = ""
    members: list[GroupMemberIn] = []


class WorkingGroupOut(Schema):
    id: int
    review_id: int
    name: str
    topic: str
    members: list[GroupMemberOut]


class RecommendationIn(Schema):
    title_en: str = Field(min_length=1, max_length=400)
    title_uk: str = Field("", max_length=400)
    text: str
    working_group_id: int | None = None
    responsible_id: int | None = Field(None, description="Organisation id.")
    due_on: dt.date | None = None
    objective_ids: list[int] = Field([], description="Programme objectives it serves.")
    areas: list[str] = _areas()
    drafted_on: dt.date | None = Field(None, description="Today when omitted.")


class RecommendationPatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=400)
    title_uk: str | None = Field(None, max_length=400)
    text: str | None = None
    working_group_id: int | None = None
    responsible_id: int | None = None
    due_on: dt.date | None = None
    objective_ids: list[int] | None = None
    areas: list[str] | None = None


class RecommendationOut(Schema):
    id: int
    review_id: int
    number: int
    code: str
    title_en: str
    title_uk: str
    text: str
    status: RecommendationStatus
    working_group_id: int | None
    responsible_id: int | None
    adopted_at: str
    adopted_on: dt.date | None
    due_on: dt.date | None
    areas: list[str]


class RecommendationPage(Schema):
    items: list[RecommendationOut]
    next_after: int | None = _next_after()


class RecommendationFilters(Schema):
    status: RecommendationStatus | None = None
    area: str = ""
    review: int | None = None
    after: int | None = None
    limit: int = 50


class RecommendationStepOut(Schema):
    status: RecommendationStatus
    on: dt.date
    event: str
    evidence: str
    note: str
    actor: str | None
    recorded_at: dt.datetime


class ObjectiveRefOut(Schema):
    id: int
    code: str
    title_en: str
    line_id: int
    programme_id: int
    programme_reference: str


class RecommendationDetailOut(RecommendationOut):
    steps: list[RecommendationStepOut]
    objectives: list[ObjectiveRefOut] = Field(description="The objectives served you may see.")


class AdvanceIn(Schema):
    status: RecommendationStatus = Field(description="The next status: one step forwards.")
    on: dt.date
    event: str = Field("", max_length=200, description="Needed to adopt.")
    evidence: str = Field("", max_length=500, description="Needed to mark implemented.")
    note: str = Field("", description="Needed to verify.")


class ReviewDetailOut(ReviewOut):
    phases: list[ReviewPhaseOut]
    working_groups: list[WorkingGroupOut]
    recommendations: list[RecommendationOut]
    counts: dict[str, int] = Field(description="Recommendations by status.")


# --- strategies ---------------------------------------------------------------------------------
class StrategyIn(Schema):
    owner_id: int
    title_en: str = Field(min_length=1, max_length=400)
    title_uk: str = Field("", max_length=400)
    approving_act: str = Field(min_length=1, max_length=300)
    approved_on: dt.date
    description: str = ""
    classification: LevelName = "PUBLIC"


class StrategyOut(Schema):
    id: int
    owner_id: int
    title_en: str
    title_uk: str
    approving_act: str
    approved_on: dt.date
    description: str
    classification: str


class StrategyPage(Schema):
    items: list[StrategyOut]
    next_after: int | None = _next_after()


class StrategicDocumentIn(Schema):
    title_en: str = Field(min_length=1, max_length=400)
    title_uk: str = Field("", max_length=400)
    area_en: str = Field(min_length=1, max_length=200)
    area_uk: str = Field("", max_length=200)
    cooperation_area: str | None = Field(None, description="Cooperation area slug.")
    responsible_id: int
    draft_due: dt.date | None = None
    approval_due: dt.date | None = None


class StrategicDocumentPatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=400)
    title_uk: str | None = Field(None, max_length=400)
    area_en: str | None = Field(None, min_length=1, max_length=200)
    area_uk: str | None = Field(None, max_length=200)
    cooperation_area: str | None = None
    responsible_id: int | None = None
    draft_due: dt.date | None = None
    approval_due: dt.date | None = None


class StrategicDocumentOut(Schema):
    id: int
    strategy_id: int
    title_en: str
    title_uk: str
    area_en: str
    area_uk: str
    cooperation_area: str | None
    responsible_id: int
    status: DocumentStatus
    draft_due: dt.date | None
    approval_due: dt.date | None
    approval_act: str
    approved_on: dt.date | None
    overdue: bool


class StrategyDetailOut(StrategyOut):
    documents: list[StrategicDocumentOut]


class DocumentMoveIn(Schema):
    status: DocumentStatus
    approval_act: str = Field("", max_length=300, description="Needed to approve.")
    approved_on: dt.date | None = Field(None, description="Needed to approve.")


# --- one area across partners -------------------------------------------------------------------
class AreaAgreementOut(Schema):
    id: int
    title_en: str
    reference: str
    kind: str
    status: str
    party_ids: list[int]


class AreaLineOut(Schema):
    id: int
    code: str
    title_en: str
    programme_id: int
    programme_reference: str


class AreaOverviewOut(Schema):
    slug: str
    name_en: str
    name_uk: str
    agreements: list[AreaAgreementOut]
    lines: list[AreaLineOut]
    recommendations: list[RecommendationOut]
    documents: list[StrategicDocumentOut]
