"""Reads of cooperation records, filtered by what the reader may see.

Everything under a programme is visible exactly when the programme is; reviews and strategies
carry their own classification and participants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

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
    ReviewRating,
    StrategicDocument,
    Strategy,
)
from spilno.cooperation.states import (
    ACTION_CLOSED,
    RecommendationStatus,
    ReviewStatus,
    ValueStatus,
    trend,
)
from spilno.core.models import Agreement, CooperationArea
from spilno.kernel import clock


# --- programmes and what hangs under them ----------------------------------------------------
def programmes_for(
    user: Any, *, partner: int | None = None, area: str = "", q: str = ""
) -> QuerySet[Programme]:
    qs: QuerySet[Programme] = Programme.objects.visible_to(user).select_related("agreement")
    if partner:
        qs = qs.filter(agreement__parties=partner)
    if area:
        qs = qs.filter(lines__areas__slug=area)
    if q:
        qs = qs.filter(Q(title_en__icontains=q) | Q(title_uk__icontains=q) | Q(reference=q))
    return qs.distinct() if (partner or area) else qs


def programme_for(user: Any, pk: int) -> Programme:
    return programmes_for(user).get(pk=pk)


def lines_for(user: Any) -> QuerySet[LineOfEffort]:
    return LineOfEffort.objects.filter(programme__in=programmes_for(user).values("pk"))


def line_for(user: Any, pk: int) -> LineOfEffort:
    return lines_for(user).select_related("programme__agreement").get(pk=pk)


def objective_for(user: Any, pk: int) -> Objective:
    return (
        Objective.objects.filter(line__in=lines_for(user).values("pk"))
        .select_related("line__programme__agreement")
        .get(pk=pk)
    )


def objectives_for(user: Any) -> QuerySet[Objective]:
    return Objective.objects.filter(line__in=lines_for(user).values("pk")).select_related(
        "line__programme"
    )


def indicators_for(user: Any) -> QuerySet[Indicator]:
    return Indicator.objects.filter(
        objective__line__in=lines_for(user).values("pk")
    ).select_related("objective__line__programme__agreement")


def indicator_for(user: Any, pk: int) -> Indicator:
    return indicators_for(user).get(pk=pk)


def value_for(user: Any, pk: int) -> IndicatorValue:
    return (
        IndicatorValue.objects.filter(indicator__in=indicators_for(user).values("pk"))
        .select_related("indicator__objective__line__programme__agreement")
        .get(pk=pk)
    )


def values_waiting(user: Any) -> QuerySet[IndicatorValue]:
    """Values submitted for approval in the programmes ``user`` may see."""
    return (
        IndicatorValue.objects.filter(
            indicator__in=indicators_for(user).values("pk"), status=ValueStatus.SUBMITTED
        )
        .select_related("indicator__objective__line__programme", "entered_by")
        .order_by("as_of", "pk")
    )


@dataclass
class Point:
    as_of: dt.date
    value: Decimal


def series(indicator: Indicator, *, until: dt.date | None = None) -> list[Point]:
    """The indicator's approved figures in date order (one per date: the latest revision)."""
    rows = indicator.values.filter(status=ValueStatus.APPROVED)
    if until is not None:
        rows = rows.filter(as_of__lte=until)
    return [Point(v.as_of, v.value) for v in rows.order_by("as_of", "revision")]


def progress(indicator: Indicator, value: Decimal | None) -> float | None:
    """How far from baseline to target a figure is, 0–1 (beyond the target counts as 1)."""
    if value is None or indicator.target == indicator.baseline:
        return None
    share = float((value - indicator.baseline) / (indicator.target - indicator.baseline))
    return max(0.0, min(1.0, share))


# --- progress reviews ------------------------------------------------------------------------
def progress_reviews_for(user: Any) -> QuerySet[ProgressReview]:
    return ProgressReview.objects.filter(
        programme__in=programmes_for(user).values("pk")
    ).select_related("programme")


def progress_review_for(user: Any, pk: int) -> ProgressReview:
    return progress_reviews_for(user).select_related("programme__agreement").get(pk=pk)


@dataclass
class RatingPoint:
    review: ProgressReview
    rating: str
    narrative: str
    trend: str


def rating_history(line: LineOfEffort, *, until: dt.date | None = None) -> list[RatingPoint]:
    """The line's ratings at held reviews, oldest first, each with its trend."""
    rows = (
        ReviewRating.objects.filter(
            line=line, objective__isnull=True, review__status=ReviewStatus.HELD
        )
        .select_related("review")
        .order_by("review__held_on", "review__pk")
    )
    if until is not None:
        rows = rows.filter(review__held_on__lte=until)
    history: list[RatingPoint] = []
    previous: str | None = None
    for row in rows:
        history.append(
            RatingPoint(row.review, row.rating, row.narrative, trend(previous, row.rating))
        )
        previous = row.rating
    return history


def objective_ratings(objective: Objective) -> QuerySet[ReviewRating]:
    """An objective's ratings at reviews, oldest first."""
    return (
        ReviewRating.objects.filter(objective=objective)
        .select_related("review")
        .order_by("review__held_on", "review__pk")
    )


def open_actions(programme: Programme, *, before: dt.date | None = None) -> QuerySet[ActionItem]:
    """Action items not yet closed, set at reviews held before ``before`` (all when None)."""
    qs = ActionItem.objects.filter(review__programme=programme).exclude(status__in=ACTION_CLOSED)
    if before is not None:
        qs = qs.filter(review__held_on__lt=before)
    return qs.select_related("review", "owner", "line").order_by("due_on", "pk")


def actions_for(
    user: Any, *, overdue: bool = False, status: str = "", owner: int | None = None
) -> QuerySet[ActionItem]:
    qs = ActionItem.objects.filter(
        review__programme__in=programmes_for(user).values("pk")
    ).select_related("review__programme", "owner", "line")
    if status:
        qs = qs.filter(status=status)
    if owner:
        qs = qs.filter(owner_id=owner)
    if overdue:
        qs = qs.exclude(status__in=ACTION_CLOSED).filter(due_on__lt=clock.today())
    return qs.order_by("due_on", "pk")


def action_for(user: Any, pk: int) -> ActionItem:
    return actions_for(user).get(pk=pk)


# --- reviews and recommendations -------------------------------------------------------------
def reviews_for(user: Any) -> QuerySet[Review]:
    return Review.objects.visible_to(user).prefetch_related("review_organisations__organisation")


def review_for(user: Any, pk: int) -> Review:
    return reviews_for(user).get(pk=pk)


def recommendations_for(
    user: Any, *, status: str = "", area: str = "", review: int | None = None
) -> QuerySet[Recommendation]:
    qs = Recommendation.objects.filter(review__in=reviews_for(user).values("pk")).select_related(
        "review", "working_group", "responsible"
    )
    if status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(areas__slug=area)
    if review:
        qs = qs.filter(review_id=review)
    return qs


def recommendation_for(user: Any, pk: int) -> Recommendation:
    return recommendations_for(user).get(pk=pk)


def visible_objectives(user: Any, recommendation: Recommendation) -> list[Objective]:
    """The objectives a recommendation serves, as far as ``user`` may see them."""
    return list(
        recommendation.objectives.filter(line__in=lines_for(user).values("pk")).select_related(
            "line__programme"
        )
    )


def recommendation_counts(recommendations: QuerySet[Recommendation]) -> dict[str, int]:
    counts = dict.fromkeys(RecommendationStatus.values, 0)
    for status in recommendations.values_list("status", flat=True):
        counts[status] += 1
    return counts


# --- strategies ------------------------------------------------------------------------------
def strategies_for(user: Any) -> QuerySet[Strategy]:
    return Strategy.objects.visible_to(user).select_related("owner")


def strategy_for(user: Any, pk: int) -> Strategy:
    return (
        strategies_for(user)
        .prefetch_related(
            Prefetch(
                "documents",
                StrategicDocument.objects.select_related("responsible", "cooperation_area"),
            )
        )
        .get(pk=pk)
    )


def document_for(user: Any, pk: int) -> StrategicDocument:
    return (
        StrategicDocument.objects.filter(strategy__in=strategies_for(user).values("pk"))
        .select_related("strategy", "responsible")
        .get(pk=pk)
    )


def overdue(document: StrategicDocument, today: dt.date | None = None) -> bool:
    today = today or clock.today()
    if document.status == "approved":
        return False
    due = document.approval_due if document.status == "submitted" else document.draft_due
    return bool(due and due < today)


# --- one area across partners ----------------------------------------------------------------
@dataclass
class AreaOverview:
    area: CooperationArea
    agreements: list[Agreement] = field(default_factory=list)
    lines: list[LineOfEffort] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    documents: list[StrategicDocument] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.agreements or self.lines or self.recommendations or self.documents)


def _counts(qs: QuerySet[Any], field: str) -> dict[int, int]:
    rows = qs.order_by().values(field).annotate(n=Count("pk", distinct=True))
    return {row[field]: row["n"] for row in rows if row[field] is not None}


def area_counts(user: Any) -> list[dict[str, Any]]:
    """Per cooperation area, how many agreements, lines of effort, recommendations and
    strategic documents ``user`` may see there."""
    documents = StrategicDocument.objects.filter(strategy__in=strategies_for(user).values("pk"))
    counts = {
        "agreements": _counts(Agreement.objects.visible_to(user), "areas"),
        "lines": _counts(lines_for(user), "areas"),
        "recommendations": _counts(recommendations_for(user), "areas"),
        "documents": _counts(documents, "cooperation_area"),
    }
    return [
        {"area": area, **{name: found.get(area.pk, 0) for name, found in counts.items()}}
        for area in CooperationArea.objects.all()
    ]


def area_overview(user: Any, area: CooperationArea) -> AreaOverview:
    return AreaOverview(
        area=area,
        agreements=list(
            Agreement.objects.visible_to(user).filter(areas=area).prefetch_related("parties")
        ),
        lines=list(lines_for(user).filter(areas=area).select_related("programme__agreement")),
        recommendations=list(recommendations_for(user).filter(areas=area)),
        documents=list(
            StrategicDocument.objects.filter(
                strategy__in=strategies_for(user).values("pk"), cooperation_area=area
            ).select_related("strategy", "responsible")
        ),
    )
