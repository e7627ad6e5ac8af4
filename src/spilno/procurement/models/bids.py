"""Sealed bids: one row per supplier and lot, and an append-only row per version.

A version's content (price, delivery time, documents) exists only as AES-GCM ciphertext until
the buyer opens the bids after the deadline (procurement.sealing). The plain columns of
:class:`Bid` (amount, delivery days, …) stay empty until then.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from spilno.core.models import Organisation
from spilno.procurement.models.tenders import Lot, Tender
from spilno.procurement.states import BidAction, BidStatus


class Bid(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="bids")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="bids")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    status = models.CharField(max_length=20, choices=BidStatus.choices, default="submitted")
    version_count = models.PositiveIntegerField(default=0)
    last_changed_at = models.DateTimeField()
    # Filled at opening, never before:
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    delivery_days = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    documents = models.JSONField(default=list, blank=True)
    opened_version = models.PositiveIntegerField(null=True, blank=True)
    # Evaluation:
    quality_score = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    qualification_reason = models.TextField(blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["lot", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "supplier"], name="one_bid_per_supplier_lot")
        ]

    def __str__(self) -> str:
        return f"Bid {self.pk} by {self.supplier} on lot {self.lot.number}"


class BidVersion(models.Model):
    """One submission, replacement or withdrawal. Never updated: a change is a new row."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="versions")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=BidAction.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key_id = models.CharField(max_length=20, blank=True)
    nonce = models.BinaryField(max_length=12, null=True)
    ciphertext = models.BinaryField(null=True)
    receipt = models.CharField(max_length=64, blank=True)
    request_digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["bid", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "seq"], name="bid_version_seq"),
            models.UniqueConstraint(fields=["bid", "idempotency_key"], name="bid_version_key"),
        ]

    def __repr__(self) -> str:  # never show the ciphertext
        return f"<BidVersion {self.bid_id}#{self.seq} {self.action}>"

    def __str__(self) -> str:
        return repr(self)
