"""Plans, tenders with their lots and items, enquiries, documents, awards and complaints."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from spilno.capabilities.models import Requirement
from spilno.core.codes import validate_cpv, validate_nsn
from spilno.core.models import Agreement, Organisation
from spilno.core.money import validate_currency
from spilno.kernel.access import ClassifiedQuerySet
from spilno.kernel.classification import Level
from spilno.procurement.states import (
    AwardCriteria,
    AwardStatus,
    ComplaintStatus,
    LotStatus,
    Method,
    PlanStatus,
    QualificationStatus,
    TenderStatus,
)

USER = settings.AUTH_USER_MODEL


class BilingualTitle(models.Model):
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def title(self) -> str:
        if (get_language() or "en").startswith("uk") and self.title_uk:
            return self.title_uk
        return self.title_en

    def __str__(self) -> str:
        return self.title


class SupplierQualification(models.Model):
    """An entry of the supplier register: a supplier pre-qualified for a CPV category."""

    supplier = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="qualifications"
    )
    cpv = models.CharField(
        _("CPV category"),
        max_length=10,
        validators=[validate_cpv],
        help_text=_("Covers every code under it, e.g. 35300000-7 covers all weapons."),
    )
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=20, choices=QualificationStatus.choices, default="active"
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["supplier__name_en", "cpv"]
        verbose_name = _("supplier qualification")

    def __str__(self) -> str:
        return f"{self.supplier} — {self.cpv}"


class PlanQuerySet(ClassifiedQuerySet["ProcurementPlan"]):
    participants_lookup = "buyer"


class ProcurementPlan(BilingualTitle):
    """A buyer's plan for a year; approving it moves its draft tenders to planned."""

    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.PUBLIC
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("procurement plan")

    def participant_ids(self) -> Iterable[int]:
        return [self.buyer_id]


class TenderQuerySet(ClassifiedQuerySet["Tender"]):
    participants_lookup = "participants"


class Tender(BilingualTitle):
    """One procurement procedure. Its method configures the shared lifecycle (states.METHODS)."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    plan = models.ForeignKey(ProcurementPlan, on_delete=models.PROTECT, related_name="tenders")
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tenders")
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=30, choices=TenderStatus.choices, default="draft"
    )
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_("Required for single-source methods: why there is no competition."),
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("under agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tenders",
    )
    supplier = models.ForeignKey(
        Organisation,
        verbose_name=_("named supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The single source for negotiated and government-to-government methods."),
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    award_criteria = models.CharField(
        _("award criteria"), max_length=20, choices=AwardCriteria.choices, default="lowest_price"
    )
    weight_price = models.PositiveSmallIntegerField(default=100)
    weight_delivery = models.PositiveSmallIntegerField(default=0)
    weight_quality = models.PositiveSmallIntegerField(default=0)
    max_awards = models.PositiveSmallIntegerField(
        _("suppliers per lot"),
        default=1,
        help_text=_("Framework agreements may admit several suppliers per lot."),
    )
    enquiry_end = models.DateTimeField(_("enquiries end"), null=True, blank=True)
    tender_end = models.DateTimeField(_("bids due"), null=True, blank=True)
    standstill_end = models.DateTimeField(_("standstill ends"), null=True, blank=True)
    opened_at = models.DateTimeField(_("bids opened"), null=True, blank=True)
    opened_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requirements = models.ManyToManyField(Requirement, related_name="tenders", blank=True)
    participants = models.ManyToManyField(Organisation, related_name="+", blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.PUBLIC
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenderQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        indexes = [models.Index(fields=["status", "tender_end"])]

    def participant_ids(self) -> Iterable[int]:
        return list(self.participants.values_list("pk", flat=True))

    @property
    def weights(self) -> tuple[int, int, int]:
        return (self.weight_price, self.weight_delivery, self.weight_quality)


class TenderEvent(models.Model):
    """Each status a tender entered and when: the raw data of the cycle-time metrics."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=30, choices=TenderStatus.choices)
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Lot(BilingualTitle):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField()
    value = models.DecimalField(
        _("estimated value"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    status = models.CharField(max_length=20, choices=LotStatus.choices, default="active")

    class Meta:
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_number")]


class Item(models.Model):
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(
        Requirement, null=True, blank=True, on_delete=models.PROTECT, related_name="tender_items"
    )
    description = models.CharField(_("description"), max_length=500)
    cpv = models.CharField(_("CPV code"), max_length=10, validators=[validate_cpv])
    nsn = models.CharField(
        _("NATO Stock Number"), max_length=16, blank=True, validators=[validate_nsn]
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=16,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit = models.CharField(_("unit"), max_length=40)
    delivery_place = models.CharField(_("delivery place"), max_length=300, blank=True)
    delivery_by = models.DateField(_("deliver by"), null=True, blank=True)

    class Meta:
        ordering = ["lot", "pk"]

    def __str__(self) -> str:
        return self.description


class Question(models.Model):
    """A public enquiry: anyone may read questions and answers; askers stay anonymous."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="questions")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.CASCADE)
    text = models.TextField(_("question"))
    asked_by_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["asked_at", "pk"]


class TenderDocument(models.Model):
    """A tender document kept with its SHA-256, so anyone can check the copy they hold."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(upload_to="tenders/%Y/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=100, blank=True)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]


class Award(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="awards")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="awards")
    bid = models.ForeignKey(
        "procurement.Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="awards")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=AwardStatus.choices, default="pending")
    score = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    standstill_end = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["lot", "pk"]

    def __str__(self) -> str:
        return f"Award {self.pk}: {self.supplier} {self.amount} {self.currency}"


class Complaint(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="complaints")
    award = models.ForeignKey(
        Award, null=True, blank=True, on_delete=models.CASCADE, related_name="complaints"
    )
    complainant = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("complaint"))
    status = models.CharField(max_length=20, choices=ComplaintStatus.choices, default="submitted")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.TextField(_("decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["submitted_at", "pk"]
