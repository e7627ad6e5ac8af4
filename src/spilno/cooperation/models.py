"""Cooperation planned and judged: programmes under agreements, lines of effort, objectives and
indicators; progress reviews with ratings, decisions and action items; reviews with working
groups and recommendations; strategies and the documents they launch (DESIGN §3).

Visibility: a programme is visible as its agreement is (clearance, and from RESTRICTED up only to
the agreement's parties), and everything under a programme goes with it. Reviews and strategies
carry their own classification and participants.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from spilno.cooperation.states import (
    ActionStatus,
    DocumentStatus,
    Rating,
    RecommendationStatus,
    ReviewKind,
    ReviewStatus,
    ValueStatus,
)
from spilno.core.models import Agreement, CooperationArea, Organisation
from spilno.kernel.access import ClassifiedQuerySet
from spilno.kernel.classification import Level


class Titled(models.Model):
    """Titles the public or a partner reads are kept in English and Ukrainian."""

    title_en = models.CharField(_("title (English)"), max_length=400)
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=400, blank=True)

    class Meta:
        abstract = True

    @property
    def title(self) -> str:
        if (get_language() or "en").startswith("uk") and self.title_uk:
            return self.title_uk
        return self.title_en

    def __str__(self) -> str:
        return self.title


# --- programmes ------------------------------------------------------------------------------
class ProgrammeQuerySet(ClassifiedQuerySet["Programme"]):
    participants_lookup = "agreement__parties"


class Programme(Titled):
    """Cooperation organised under an agreement (e.g. the U.S.-Ukraine Partner Concept)."""

    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="programmes",
        help_text=_("The agreement the programme runs under; its parties take part."),
    )
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.RESTRICTED
    )
    locked_until = models.DateField(
        _("values locked until"),
        null=True,
        blank=True,
        help_text=_(
            "Indicator values up to this date were reviewed; changing them needs a revision."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "title_en"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def participant_ids(self) -> Iterable[int]:
        return list(self.agreement.agreement_parties.values_list("organisation_id", flat=True))


class LineOfEffort(Titled):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="lines", verbose_name=_("programme")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    description = models.TextField(_("description"), blank=True)
    areas = models.ManyToManyField(
        CooperationArea, blank=True, related_name="lines_of_effort", verbose_name=_("areas")
    )

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("line of effort")
        verbose_name_plural = _("lines of effort")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="line_number_once")
        ]

    @property
    def code(self) -> str:
        return f"LOE {self.number}"


class Objective(Titled):
    line = models.ForeignKey(
        LineOfEffort,
        on_delete=models.CASCADE,
        related_name="objectives",
        verbose_name=_("line of effort"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    description = models.TextField(_("description"), blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)

    class Meta:
        ordering = ["line", "number"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [
            models.UniqueConstraint(fields=["line", "number"], name="objective_number_once")
        ]

    @property
    def code(self) -> str:
        return f"{self.line.number}.{self.number}"


class Unit(models.TextChoices):
    PERCENT = "percent", _("per cent")
    COUNT = "count", _("count")
    DAYS = "days", _("days")
    PEOPLE = "people", _("people")
    SCORE = "score", _("score")
    UAH = "UAH", _("hryvnias")
    USD = "USD", _("US dollars")
    EUR = "EUR", _("euros")


class Direction(models.TextChoices):
    INCREASE = "increase", _("higher is better")
    DECREASE = "decrease", _("lower is better")


class Indicator(Titled):
    """A measure of an objective. Typed in (and approved), or computed from a registered metric
    (``spilno.kernel.metrics``) such as the share of air-defence requirements delivered."""

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("objective")
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=3)
    baseline_date = models.DateField(_("baseline date"))
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=3)
    target_date = models.DateField(_("target date"))
    minimum = models.DecimalField(
        _("lowest possible value"),
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Values below are refused as typing errors."),
    )
    maximum = models.DecimalField(
        _("highest possible value"),
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Values above are refused as typing errors."),
    )
    metric = models.CharField(
        _("computed from"),
        max_length=80,
        blank=True,
        help_text=_("A registered metric; leave empty for values typed in and approved."),
    )
    metric_params = models.JSONField(_("metric parameters"), default=dict, blank=True)
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("Where typed values come from.")
    )

    class Meta:
        ordering = ["objective", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    @property
    def computed(self) -> bool:
        return bool(self.metric)

    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """Declared bounds, with a percentage never outside 0–100."""
        low, high = self.minimum, self.maximum
        if self.unit == Unit.PERCENT:
            low = Decimal(0) if low is None else max(low, Decimal(0))
            high = Decimal(100) if high is None else min(high, Decimal(100))
        return low, high


class IndicatorValue(models.Model):
    """One figure for one period end. Each revision is its own row: an approved value in a
    locked period is never changed, it is superseded by a newer revision."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    as_of = models.DateField(_("as of"), help_text=_("The end of the period the value measures."))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    source = models.CharField(_("source"), max_length=300)
    evidence = models.CharField(
        _("evidence"),
        max_length=500,
        blank=True,
        help_text=_("A document reference or link that backs the figure."),
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ValueStatus.choices, default=ValueStatus.DRAFT
    )
    computed = models.BooleanField(_("computed"), default=False)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    revision_reason = models.TextField(_("reason for the revision"), blank=True)
    review_note = models.TextField(_("reviewer's note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["indicator", "as_of", "revision"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        indexes = [models.Index(fields=["indicator", "as_of"], name="value_indicator_as_of")]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "as_of", "revision"], name="value_revision_once"
            )
        ]


# --- progress reviews ------------------------------------------------------------------------
class ProgressReview(models.Model):
    """An annual consultation, interim progress review or working meeting of a programme."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ReviewKind.choices)
    title = models.CharField(_("title"), max_length=300)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("progress review")
        verbose_name_plural = _("progress reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="review_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%Y-%m-%d})"


class Participant(models.Model):
    review = models.ForeignKey(
        ProgressReview, on_delete=models.CASCADE, related_name="participants"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("person"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]


class ReviewRating(models.Model):
    """A rating of a line of effort (objective empty) or of one objective at a review."""

    review = models.ForeignKey(ProgressReview, on_delete=models.CASCADE, related_name="ratings")
    line = models.ForeignKey(LineOfEffort, on_delete=models.CASCADE, related_name="ratings")
    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)
    narrative = models.TextField(_("narrative"))

    class Meta:
        ordering = ["line__number", "objective__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "line", "objective"], name="rating_once_per_review"
            ),
            models.UniqueConstraint(
                fields=["review", "line"],
                condition=models.Q(objective__isnull=True),
                name="line_rating_once_per_review",
            ),
        ]


class Decision(models.Model):
    review = models.ForeignKey(ProgressReview, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    line = models.ForeignKey(
        LineOfEffort, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )

    class Meta:
        ordering = ["pk"]


class ActionItem(models.Model):
    review = models.ForeignKey(
        ProgressReview, on_delete=models.CASCADE, related_name="action_items"
    )
    line = models.ForeignKey(
        LineOfEffort, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    text = models.TextField(_("action"))
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    owner_person = models.CharField(_("person responsible"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")


class FollowUp(models.Model):
    """What a later review said of an action item (its status then, and a note)."""

    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="follow_ups")
    review = models.ForeignKey(ProgressReview, on_delete=models.CASCADE, related_name="follow_ups")
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices)
    note = models.TextField(_("note"))

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["action", "review"], name="follow_up_once_per_review")
        ]


# --- reviews and recommendations -------------------------------------------------------------
class ReviewQuerySet(ClassifiedQuerySet["Review"]):
    participants_lookup = "organisations"


class OrganisationRole(models.TextChoices):
    LEAD = "lead", _("Lead nation")
    REQUESTER = "requester", _("Requested by")
    EXPERT = "expert", _("Experts")


class Review(Titled):
    """An external review such as the NATO-Ukraine Strategic Defence Procurement Review."""

    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    agreement = models.ForeignKey(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("under agreement"),
        help_text=_("e.g. the Comprehensive Assistance Package."),
    )
    organisations: models.ManyToManyField[Organisation, ReviewOrganisation] = (
        models.ManyToManyField(Organisation, through="ReviewOrganisation", related_name="reviews")
    )
    started_on = models.DateField(_("started on"))
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.INTERNAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "title_en"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def participant_ids(self) -> Iterable[int]:
        return list(self.review_organisations.values_list("organisation_id", flat=True))


class ReviewOrganisation(models.Model):
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="review_organisations"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=12, choices=OrganisationRole.choices)

    class Meta:
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "organisation", "role"], name="review_organisation_once"
            )
        ]


class ReviewPhase(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="phase_number_once")
        ]


class WorkingGroup(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="working_groups")
    name = models.CharField(_("name"), max_length=200)
    topic = models.TextField(_("topic"), blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "name"], name="working_group_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class WorkingGroupMember(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("person"), max_length=200, blank=True)
    chair = models.BooleanField(_("chair"), default=False)

    class Meta:
        ordering = ["-chair", "pk"]


class Recommendation(Titled):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="recommendations")
    working_group = models.ForeignKey(
        WorkingGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
        verbose_name=_("working group"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RecommendationStatus.choices,
        default=RecommendationStatus.DRAFTED,
    )
    adopted_at = models.CharField(_("adopted at"), max_length=200, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    due_on = models.DateField(_("implementation due"), null=True, blank=True)
    responsible = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible"),
    )
    objectives = models.ManyToManyField(
        Objective, blank=True, related_name="recommendations", verbose_name=_("objectives served")
    )
    areas = models.ManyToManyField(
        CooperationArea, blank=True, related_name="recommendations", verbose_name=_("areas")
    )

    class Meta:
        ordering = ["review", "number"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="recommendation_once")
        ]

    @property
    def code(self) -> str:
        return f"R{self.number}"


class RecommendationStep(models.Model):
    """One move of a recommendation, with the event, date, evidence and note that justify it."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="steps"
    )
    status = models.CharField(max_length=20, choices=RecommendationStatus.choices)
    on = models.DateField(_("date"))
    event = models.CharField(_("event"), max_length=200, blank=True)
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]


# --- strategies and strategic documents ------------------------------------------------------
class StrategyQuerySet(ClassifiedQuerySet["Strategy"]):
    participants_lookup = "owner"


class Strategy(Titled):
    """e.g. the National Security Strategy, approved by Presidential Decree No. 392/2020."""

    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    approving_act = models.CharField(_("approving act"), max_length=300)
    approved_on = models.DateField(_("approved on"))
    description = models.TextField(_("description"), blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.PUBLIC
    )

    objects = StrategyQuerySet.as_manager()

    class Meta:
        ordering = ["-approved_on"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")

    def participant_ids(self) -> Iterable[int]:
        return [self.owner_id]


class StrategicDocument(Titled):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="documents")
    area_en = models.CharField(_("area (English)"), max_length=200)
    area_uk = models.CharField(_("area (Ukrainian)"), max_length=200, blank=True)
    cooperation_area = models.ForeignKey(
        CooperationArea,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="strategic_documents",
        verbose_name=_("cooperation area"),
    )
    responsible = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.PLANNED
    )
    draft_due = models.DateField(_("draft due"), null=True, blank=True)
    approval_due = models.DateField(_("approval due"), null=True, blank=True)
    approval_act = models.CharField(_("approval act"), max_length=300, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Meta:
        ordering = ["strategy", "area_en", "title_en"]
        verbose_name = _("strategic document")
        verbose_name_plural = _("strategic documents")

    @property
    def area(self) -> str:
        if (get_language() or "en").startswith("uk") and self.area_uk:
            return self.area_uk
        return self.area_en
