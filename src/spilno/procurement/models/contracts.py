"""Contracts (incl. framework agreements and their call-off orders), amendments, deliveries."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spilno.capabilities.models import Requirement
from spilno.core.models import Agreement, Organisation
from spilno.kernel.access import ClassifiedQuerySet
from spilno.kernel.classification import Level
from spilno.procurement.models.tenders import USER, Award, Lot, Tender
from spilno.procurement.states import (
    ClaimKind,
    ClaimStatus,
    ContractKind,
    ContractStatus,
    DeliveryStatus,
)


class ContractQuerySet(ClassifiedQuerySet["Contract"]):
    participants_lookup = "parties"


class Contract(models.Model):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ContractKind.choices)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="contracts")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="contracts")
    award = models.ForeignKey(
        Award, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    framework = models.ForeignKey(
        "self",
        verbose_name=_("framework agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call_offs",
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("under agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="supplier_contracts"
    )
    parties = models.ManyToManyField(Organisation, related_name="+")
    title = models.CharField(_("title"), max_length=300)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default="pending"
    )
    period_start = models.DateField(_("starts"), null=True, blank=True)
    period_end = models.DateField(_("ends"), null=True, blank=True)
    buyer_signed_at = models.DateTimeField(null=True, blank=True)
    buyer_signed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier_signed_at = models.DateTimeField(null=True, blank=True)
    supplier_signed_by = models.ForeignKey(
        USER, null=True, on_delete=models.PROTECT, related_name="+"
    )
    terminated_reason = models.TextField(blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.PUBLIC
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def participant_ids(self) -> Iterable[int]:
        return [self.buyer_id, self.supplier_id]


class ContractItem(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(
        Requirement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=500)
    cpv = models.CharField(max_length=10)
    nsn = models.CharField(max_length=16, blank=True)
    quantity = models.DecimalField(max_digits=16, decimal_places=3)
    unit = models.CharField(max_length=40)

    class Meta:
        ordering = ["contract", "pk"]

    def __str__(self) -> str:
        return self.description


class Amendment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    reason = models.TextField(_("reason"))
    value_change = models.DecimalField(_("value change"), max_digits=18, decimal_places=2)
    value_after = models.DecimalField(max_digits=18, decimal_places=2)
    period_end_after = models.DateField(null=True, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "pk"]


class Delivery(models.Model):
    """A milestone: items and quantities due by a date, then shipped, received and judged."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="deliveries")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(_("due date"))
    place = models.CharField(_("delivery place"), max_length=300, blank=True)
    receiving_unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default="scheduled"
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="delivery_number")
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} delivery {self.number}"

    @property
    def on_time(self) -> bool | None:
        if self.received_at is None:
            return None
        return timezone.localdate(self.received_at) <= self.due_date


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(ContractItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity due"), max_digits=16, decimal_places=3)
    received_quantity = models.DecimalField(max_digits=16, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["delivery", "pk"]


class NonConformanceClaim(models.Model):
    """Raised by the system itself when a delivery is late, short or rejected."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(max_length=20, choices=ClaimKind.choices)
    detail = models.TextField()
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default="open")
    raised_at = models.DateTimeField()
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "kind"], name="one_claim_per_kind")
        ]
