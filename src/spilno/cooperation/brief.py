"""The consultation brief: what a delegation takes to the annual consultations with a partner.

For one partner and one period, everything the reader may see of the cooperation with it: each
line of effort's rating and trend, the indicators with their charts, what was delivered and
trained, the progress of review recommendations, and the action items still open (and overdue)
at the end of the period. Read through the selectors only, so the brief holds exactly what the
reader may see; :mod:`spilno.cooperation.pdf` and the ``brief`` templates render it.

A programme is included when the partner is a party of its agreement and the reader may see it.
The brief is marked with the highest classification of what it includes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from spilno.audit.services.record import record_in_new_transaction
from spilno.cooperation import charts, selectors
from spilno.cooperation.models import (
    Indicator,
    LineOfEffort,
    Objective,
    Programme,
    RecommendationStep,
    Unit,
)
from spilno.cooperation.states import (
    ACTION_CLOSED,
    ActionStatus,
    Rating,
    RecommendationStatus,
    ReviewKind,
    ReviewStatus,
    trend,
)
from spilno.core.models import Organisation
from spilno.kernel import clock, metrics
from spilno.kernel.access import require
from spilno.kernel.classification import LEVEL_TO_NATO, Level

# A brief is a working document: never marked below INTERNAL, even when it holds nothing.
FLOOR = Level.INTERNAL
# The longest period one brief covers (a consultation looks back a year, sometimes a few).
MAX_DAYS = 366 * 10

TREND_ARROWS = {"improving": "↑", "worsening": "↓", "steady": "→", "new": "•", "none": ""}


def trend_label(code: str) -> str:
    return {
        "improving": _("improving"),
        "worsening": _("worsening"),
        "steady": _("steady"),
        "new": _("first rating"),
        "none": _("not rated"),
    }[code]


# --- input -----------------------------------------------------------------------------------
def resolve_partner(user: Any, value: Any) -> Organisation:
    """The partner by id or short name (or English name), among organisations ``user`` may see;
    anything else is a field error on ``partner``."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValidationError({"partner": _("Choose the partner.")})
    visible: QuerySet[Organisation] = Organisation.objects.visible_to(user)
    if text.isdigit():
        found = list(visible.filter(pk=int(text))[:1])
    else:
        found = list(visible.filter(short_name__iexact=text)[:2]) or list(
            visible.filter(name_en__iexact=text)[:2]
        )
    if len(found) > 1:
        raise ValidationError(
            {"partner": _("%(name)s names several organisations: give its id.") % {"name": text}}
        )
    if not found:
        raise ValidationError({"partner": _("Unknown partner %(name)s.") % {"name": text}})
    return found[0]


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if start is None or end is None:
        errors = {}
        if start is None:
            errors["start"] = _("Give the first day of the period.")
        if end is None:
            errors["end"] = _("Give the last day of the period.")
        raise ValidationError(errors)
    if end < start:
        raise ValidationError({"end": _("The period cannot end before it starts.")})
    if (end - start).days > MAX_DAYS:
        raise ValidationError({"end": _("A brief covers at most ten years.")})
    return start, end


def parse_date(value: Any, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from None


def parse_params(
    user: Any, partner: Any, start: Any, end: Any
) -> tuple[Organisation, dt.date, dt.date]:
    """Partner and period from text (CLI, API), with every field's error at once."""
    errors: dict[str, list[str]] = {}
    found: Organisation | None = None
    dates: dict[str, dt.date | None] = {}
    try:
        found = resolve_partner(user, partner)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for name, value in (("start", start), ("end", end)):
        try:
            dates[name] = parse_date(value, name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    period: tuple[dt.date, dt.date] | None = None
    if not ({"start", "end"} & set(errors)):
        try:
            period = check_period(dates["start"], dates["end"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors or found is None or period is None:
        raise ValidationError(errors)
    return found, *period


# --- the brief -------------------------------------------------------------------------------
@dataclass
class RatingEntry:
    rating: str
    trend: str
    narrative: str
    review: str
    held_on: dt.date

    @property
    def label(self) -> str:
        return str(Rating(self.rating).label)

    @property
    def trend_label(self) -> str:
        return trend_label(self.trend)

    @property
    def arrow(self) -> str:
        return TREND_ARROWS.get(self.trend, "")

    @property
    def colour(self) -> str:
        return charts.RATING_COLOURS.get(Rating(self.rating), "#999999")

    def as_dict(self) -> dict[str, Any]:
        return {
            "rating": self.rating,
            "label": self.label,
            "trend": self.trend,
            "narrative": self.narrative,
            "review": self.review,
            "held_on": self.held_on,
        }


@dataclass
class IndicatorEntry:
    pk: int
    title: str
    unit: str
    computed: bool
    direction: str
    baseline: Decimal
    baseline_date: dt.date
    target: Decimal
    target_date: dt.date
    points: list[selectors.Point]
    progress: float | None
    chart: str

    @property
    def latest(self) -> selectors.Point | None:
        return self.points[-1] if self.points else None

    @property
    def unit_label(self) -> str:
        if self.unit == Unit.PERCENT:
            return "%"
        return "" if self.unit == Unit.COUNT else f" {Unit(self.unit).label}"

    @property
    def progress_percent(self) -> int | None:
        return None if self.progress is None else round(self.progress * 100)

    def as_dict(self) -> dict[str, Any]:
        latest = self.latest
        return {
            "id": self.pk,
            "title": self.title,
            "unit": self.unit,
            "computed": self.computed,
            "direction": self.direction,
            "baseline": self.baseline,
            "baseline_date": self.baseline_date,
            "target": self.target,
            "target_date": self.target_date,
            "latest": None if latest is None else {"as_of": latest.as_of, "value": latest.value},
            "progress": self.progress,
            "series": [{"as_of": p.as_of, "value": p.value} for p in self.points],
        }


@dataclass
class ObjectiveEntry:
    pk: int
    code: str
    title: str
    target_date: dt.date | None
    rating: RatingEntry | None
    indicators: list[IndicatorEntry]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "code": self.code,
            "title": self.title,
            "target_date": self.target_date,
            "rating": self.rating.as_dict() if self.rating else None,
            "indicators": [i.as_dict() for i in self.indicators],
        }


@dataclass
class LineEntry:
    pk: int
    code: str
    title: str
    description: str
    rating: RatingEntry | None  # the latest in the period
    earlier: RatingEntry | None  # the latest before the period, when none in it
    history: list[RatingEntry]
    strip: str
    objectives: list[ObjectiveEntry]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "code": self.code,
            "title": self.title,
            "description": self.description,
            "rating": self.rating.as_dict() if self.rating else None,
            "earlier_rating": self.earlier.as_dict() if self.earlier else None,
            "history": [r.as_dict() for r in self.history],
            "objectives": [o.as_dict() for o in self.objectives],
        }


@dataclass
class ReviewEntry:
    title: str
    kind: str
    held_on: dt.date
    place: str
    summary: str

    @property
    def kind_label(self) -> str:
        return str(ReviewKind(self.kind).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "held_on": self.held_on,
            "place": self.place,
            "summary": self.summary,
        }


@dataclass
class ProgrammeEntry:
    pk: int
    reference: str
    title: str
    agreement: str
    classification: int
    lines: list[LineEntry]
    reviews: list[ReviewEntry]

    @property
    def marking(self) -> str:
        return str(Level(self.classification).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "reference": self.reference,
            "title": self.title,
            "agreement": self.agreement,
            "classification": Level(self.classification).name,
            "reviews": [r.as_dict() for r in self.reviews],
            "lines": [line.as_dict() for line in self.lines],
        }


@dataclass
class StepEntry:
    status: str
    on: dt.date
    event: str
    evidence: str

    @property
    def label(self) -> str:
        return str(RecommendationStatus(self.status).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "on": self.on,
            "event": self.event,
            "evidence": self.evidence,
        }


@dataclass
class RecommendationEntry:
    pk: int
    review: str
    code: str
    title: str
    status: str  # as of the end of the period
    due_on: dt.date | None
    responsible: str
    steps: list[StepEntry]  # the moves made in the period

    @property
    def label(self) -> str:
        return str(RecommendationStatus(self.status).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "review": self.review,
            "code": self.code,
            "title": self.title,
            "status": self.status,
            "due_on": self.due_on,
            "responsible": self.responsible,
            "steps_in_period": [s.as_dict() for s in self.steps],
        }


@dataclass
class ActionEntry:
    pk: int
    programme: str
    review: str
    held_on: dt.date
    line: str
    text: str
    owner: str
    owner_person: str
    due_on: dt.date
    status: str
    days_overdue: int

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def label(self) -> str:
        return str(ActionStatus(self.status).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "programme": self.programme,
            "review": self.review,
            "held_on": self.held_on,
            "line": self.line,
            "text": self.text,
            "owner": self.owner,
            "owner_person": self.owner_person,
            "due_on": self.due_on,
            "status": self.status,
            "overdue": self.overdue,
            "days_overdue": self.days_overdue,
        }


@dataclass
class Brief:
    partner: Organisation
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    generated_by: str
    language: str
    classification: int = FLOOR
    programmes: list[ProgrammeEntry] = field(default_factory=list)
    deliveries: list[metrics.Activity] = field(default_factory=list)
    training: list[metrics.Activity] = field(default_factory=list)
    other_activities: list[metrics.Activity] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    recommendations: list[RecommendationEntry] = field(default_factory=list)
    open_actions: list[ActionEntry] = field(default_factory=list)

    # -- what the renderers ask -----------------------------------------------------------
    @property
    def empty(self) -> bool:
        return not (self.programmes or self.recommendations)

    @property
    def marking(self) -> str:
        """The classification marking printed at the top and bottom of every page."""
        return str(Level(self.classification).label).upper()

    @property
    def nato_marking(self) -> str:
        return LEVEL_TO_NATO[Level(self.classification)]

    @property
    def partner_name(self) -> str:
        name = self.partner.name
        short = self.partner.short_name
        return f"{name} ({short})" if short and short != name else name

    @property
    def training_feed(self) -> bool:
        """Does any installed app report training completed? (Assistance registers one.)"""
        return any("training" in name for name in self.feeds)

    @property
    def overdue_actions(self) -> list[ActionEntry]:
        return [a for a in self.open_actions if a.overdue]

    @property
    def actions_not_due(self) -> list[ActionEntry]:
        return [a for a in self.open_actions if not a.overdue]

    @property
    def lines(self) -> list[LineEntry]:
        return [line for p in self.programmes for line in p.lines]

    @property
    def recommendation_counts(self) -> list[tuple[str, str, int]]:
        counts = dict.fromkeys(RecommendationStatus.values, 0)
        for rec in self.recommendations:
            counts[rec.status] += 1
        return [(s, str(RecommendationStatus(s).label), counts[s]) for s in counts]

    @property
    def recommendations_moved(self) -> list[RecommendationEntry]:
        return [r for r in self.recommendations if r.steps]

    @property
    def title(self) -> str:
        return _("Consultation brief: %(partner)s, %(start)s to %(end)s") % {
            "partner": self.partner.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }

    @property
    def filename(self) -> str:
        label = "".join(c if c.isalnum() else "-" for c in self.partner.label).strip("-")
        return f"brief-{label or self.partner.pk}-{self.start}-{self.end}"

    def as_dict(self) -> dict[str, Any]:
        def activity(a: metrics.Activity) -> dict[str, Any]:
            return {
                "kind": a.kind,
                "date": a.date,
                "title": a.title,
                "quantity": a.quantity,
                "unit": a.unit,
                "reference": a.reference,
                "url": a.url,
            }

        return {
            "partner": {
                "id": self.partner.pk,
                "name": self.partner.name,
                "short_name": self.partner.short_name,
            },
            "start": self.start,
            "end": self.end,
            "generated_at": self.generated_at,
            "generated_by": self.generated_by,
            "language": self.language,
            "classification": Level(self.classification).name,
            "marking": self.marking,
            "empty": self.empty,
            "programmes": [p.as_dict() for p in self.programmes],
            "activities": {
                "feeds": self.feeds,
                "training_feed": self.training_feed,
                "deliveries": [activity(a) for a in self.deliveries],
                "training": [activity(a) for a in self.training],
                "other": [activity(a) for a in self.other_activities],
            },
            "recommendations": {
                "counts": {s: n for s, _label, n in self.recommendation_counts},
                "items": [r.as_dict() for r in self.recommendations],
            },
            "actions": {
                "open": [a.as_dict() for a in self.open_actions],
                "overdue": [a.pk for a in self.overdue_actions],
            },
        }


def build_brief(user: Any, partner: Organisation, start: dt.date, end: dt.date) -> Brief:
    """Everything ``user`` may see of the cooperation with ``partner`` from ``start`` to ``end``."""
    require(user, "cooperation.view")
    check_period(start, end)
    brief = Brief(
        partner=partner,
        start=start,
        end=end,
        generated_at=clock.now(),
        generated_by=user.get_username(),
        language=get_language() or "en",
    )
    programmes = list(
        selectors.programmes_for(user, partner=partner.pk)
        .filter(starts_on__lte=end)
        .exclude(ends_on__lt=start)
        .order_by("starts_on", "pk")
    )
    levels = [p.classification for p in programmes]
    brief.programmes = [_programme(user, p, start, end) for p in programmes]

    agreement_ids = sorted({p.agreement_id for p in programmes})
    brief.feeds = metrics.activity_feeds()
    for activity in metrics.activities(
        user=user, agreement_ids=agreement_ids, start=start, end=end
    ):
        {"delivery": brief.deliveries, "training": brief.training}.get(
            activity.kind, brief.other_activities
        ).append(activity)

    recommendations = _recommendations(user, partner, programmes, start, end)
    brief.recommendations = [entry for entry, _level in recommendations]
    levels += [level for _entry, level in recommendations]
    brief.open_actions = _open_actions(user, programmes, end)
    brief.classification = max([FLOOR, *levels])
    return brief


def _programme(user: Any, programme: Programme, start: dt.date, end: dt.date) -> ProgrammeEntry:
    reviews = list(
        selectors.progress_reviews_for(user)
        .filter(programme=programme, status=ReviewStatus.HELD, held_on__lte=end)
        .order_by("held_on", "pk")
        .prefetch_related("ratings")
    )
    # Ratings at held reviews only: a review still being recorded has no ratings yet.
    line_history: dict[int, list[RatingEntry]] = {}
    objective_history: dict[int, list[RatingEntry]] = {}
    for review in reviews:
        for row in review.ratings.all():
            history = (
                line_history.setdefault(row.line_id, [])
                if row.objective_id is None
                else objective_history.setdefault(row.objective_id, [])
            )
            previous = history[-1].rating if history else None
            history.append(
                RatingEntry(
                    rating=row.rating,
                    trend=trend(previous, row.rating),
                    narrative=row.narrative,
                    review=review.title,
                    held_on=review.held_on,
                )
            )

    def in_period(history: list[RatingEntry]) -> RatingEntry | None:
        inside = [r for r in history if r.held_on >= start]
        return inside[-1] if inside else None

    lines: list[LineEntry] = []
    line_qs = programme.lines.prefetch_related(
        Prefetch(
            "objectives",
            Objective.objects.order_by("number").prefetch_related(
                Prefetch("indicators", Indicator.objects.order_by("pk"))
            ),
        )
    ).order_by("number")
    for line in line_qs:
        history = line_history.get(line.pk, [])
        rating = in_period(history)
        earlier = [r for r in history if r.held_on < start]
        lines.append(
            LineEntry(
                pk=line.pk,
                code=line.code,
                title=line.title,
                description=line.description,
                rating=rating,
                earlier=None if rating or not earlier else earlier[-1],
                history=history,
                strip=charts.rating_strip(
                    [(r.held_on, r.rating, f"{r.review}: {r.label}") for r in history],
                    title=_("Ratings of %(line)s") % {"line": line.code},
                )
                if history
                else "",
                objectives=[
                    _objective(line, objective, objective_history, in_period, end)
                    for objective in line.objectives.all()
                ],
            )
        )
    return ProgrammeEntry(
        pk=programme.pk,
        reference=programme.reference,
        title=programme.title,
        agreement=programme.agreement.title,
        classification=programme.classification,
        lines=lines,
        reviews=[
            ReviewEntry(r.title, r.kind, r.held_on, r.place, r.summary)
            for r in reviews
            if r.held_on >= start
        ],
    )


def _objective(
    line: LineOfEffort,
    objective: Objective,
    history: dict[int, list[RatingEntry]],
    in_period: Any,
    end: dt.date,
) -> ObjectiveEntry:
    indicators = []
    for indicator in objective.indicators.all():
        points = selectors.series(indicator, until=end)
        latest = points[-1].value if points else None
        unit = "%" if indicator.unit == Unit.PERCENT else ""
        indicators.append(
            IndicatorEntry(
                pk=indicator.pk,
                title=indicator.title,
                unit=indicator.unit,
                computed=indicator.computed,
                direction=indicator.direction,
                baseline=indicator.baseline,
                baseline_date=indicator.baseline_date,
                target=indicator.target,
                target_date=indicator.target_date,
                points=points,
                progress=selectors.progress(indicator, latest),
                chart=charts.indicator_chart(
                    title=indicator.title,
                    points=[(p.as_of, p.value) for p in points],
                    baseline=(indicator.baseline_date, indicator.baseline),
                    target=(indicator.target_date, indicator.target),
                    unit=unit,
                ),
            )
        )
    return ObjectiveEntry(
        pk=objective.pk,
        code=f"{line.number}.{objective.number}",
        title=objective.title,
        target_date=objective.target_date,
        rating=in_period(history.get(objective.pk, [])),
        indicators=indicators,
    )


def _recommendations(
    user: Any,
    partner: Organisation,
    programmes: list[Programme],
    start: dt.date,
    end: dt.date,
) -> list[tuple[RecommendationEntry, int]]:
    """Recommendations serving the objectives of the programmes, or made by reviews the partner
    takes part in; each with its status at the end of the period and its moves in the period."""
    scope = Q(review__review_organisations__organisation=partner)
    if programmes:
        scope |= Q(objectives__line__programme__in=[p.pk for p in programmes])
    qs = (
        selectors.recommendations_for(user)
        .filter(scope)
        .distinct()
        .prefetch_related(
            Prefetch("steps", RecommendationStep.objects.order_by("on", "recorded_at", "pk"))
        )
        .order_by("review__started_on", "review_id", "number")
    )
    result = []
    for rec in qs:
        steps = [s for s in rec.steps.all() if s.on <= end]
        if not steps:  # drafted after the period
            continue
        result.append(
            (
                RecommendationEntry(
                    pk=rec.pk,
                    review=rec.review.title,
                    code=f"{rec.review.reference} {rec.code}",
                    title=rec.title,
                    status=steps[-1].status,
                    due_on=rec.due_on,
                    responsible=rec.responsible.label if rec.responsible else "",
                    steps=[
                        StepEntry(s.status, s.on, s.event, s.evidence)
                        for s in steps
                        if s.on >= start
                    ],
                ),
                int(rec.review.classification),
            )
        )
    return result


def _open_actions(user: Any, programmes: list[Programme], end: dt.date) -> list[ActionEntry]:
    """Action items set at reviews up to ``end`` and not closed by then (closed later counts
    as open: the brief tells how things stood at the end of the period)."""
    if not programmes:
        return []
    closed_by_end = Q(status__in=ACTION_CLOSED) & (
        Q(closed_on__isnull=True) | Q(closed_on__lte=end)
    )
    rows = (
        selectors.actions_for(user)
        .filter(review__programme__in=[p.pk for p in programmes], review__held_on__lte=end)
        .exclude(closed_by_end)
        .order_by("due_on", "pk")
    )
    return [
        ActionEntry(
            pk=a.pk,
            programme=a.review.programme.reference,
            review=a.review.title,
            held_on=a.review.held_on,
            line=a.line.code if a.line else "",
            text=a.text,
            owner=a.owner.label,
            owner_person=a.owner_person,
            due_on=a.due_on,
            status=a.status if a.status not in ACTION_CLOSED else ActionStatus.OPEN,
            days_overdue=max((end - a.due_on).days, 0),
        )
        for a in rows
    ]


def record_production(*, actor: Any, brief: Brief, output: str) -> None:
    """Audit that a brief was produced (who, for whom, which period, in which form)."""
    record_in_new_transaction(
        actor=actor,
        action="cooperation.brief.produce",
        obj=brief.partner,
        object_repr=brief.title[:300],
        classification=brief.classification,
        after={
            "partner": brief.partner.pk,
            "start": brief.start,
            "end": brief.end,
            "format": output,
            "language": brief.language,
            "programmes": [p.reference for p in brief.programmes],
            "recommendations": len(brief.recommendations),
            "open_actions": len(brief.open_actions),
        },
    )
