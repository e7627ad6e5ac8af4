"""Capability requirements (gaps) and the fulfilment ledger every source writes to (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from spilno.core.codes import validate_cpv, validate_nsn
from spilno.core.models import Organisation
from spilno.kernel.access import ClassifiedQuerySet
from spilno.kernel.classification import Level


class RequirementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")


class RequirementQuerySet(ClassifiedQuerySet["Requirement"]):
    participants_lookup = "requesting_organisation"


class Requirement(models.Model):
    """A capability gap: what, how many, by when, for whom, and how urgent."""

    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    cpv = models.CharField(
        _("CPV code"),
        max_length=10,
        validators=[validate_cpv],
        help_text=_("Common Procurement Vocabulary code, e.g. 35331100-8 (ammunition)."),
    )
    nsn = models.CharField(
        _("NATO Stock Number"),
        max_length=16,
        blank=True,
        validators=[validate_nsn],
        help_text=_("13 digits, e.g. 1315-12-345-6789, when the item is codified."),
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=16,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit = models.CharField(_("unit"), max_length=40, help_text=_("e.g. rounds, units, sets."))
    needed_by = models.DateField(_("needed by"))
    requesting_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("requesting organisation"),
        on_delete=models.PROTECT,
        related_name="requirements",
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 is the most urgent, 5 the least."),
    )
    priority_reason = models.TextField(_("reason for the priority"))
    status = models.CharField(
        _("status"), max_length=20, choices=RequirementStatus.choices, default="open"
    )
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.INTERNAL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RequirementQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "needed_by", "pk"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5), name="requirement_priority"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="requirement_qty"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def title(self) -> str:
        if (get_language() or "en").startswith("uk") and self.title_uk:
            return self.title_uk
        return self.title_en

    def participant_ids(self) -> Iterable[int]:
        return [self.requesting_organisation_id]


class SourceKind(models.TextChoices):
    CONTRACT = "contract", _("Contract")
    PLEDGE = "pledge", _("Pledge")
    JOINT_PRODUCTION = "joint_production", _("Joint production")


class EntryKind(models.TextChoices):
    COMMITTED = "committed", _("Committed")
    DELIVERED = "delivered", _("Delivered")


class FulfilmentEntry(models.Model):
    """One append-only line of the ledger: a change in what a source committed or delivered.

    Entries are deltas (a reduced commitment is a negative entry), so the ledger is never
    rewritten; ``key`` makes each recording idempotent for the source that writes it.
    """

    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    source_kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    source_id = models.CharField(_("source id"), max_length=40)
    source_label = models.CharField(_("source label"), max_length=300)
    source_url = models.CharField(max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=3)
    key = models.CharField(max_length=200, unique=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["requirement", "source_kind", "source_id"])]

    def __str__(self) -> str:
        return f"{self.requirement_id} {self.kind} {self.quantity} ({self.source_label})"
