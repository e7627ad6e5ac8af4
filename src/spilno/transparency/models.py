"""Publication: the disclosure policy, the release outbox, withheld fields and the public view.

The outbox (:class:`Release`) is written in the transaction of the procurement change. A release
is *published* when it receives its feed sequence number (``seq``), which the sequencer gives
only to committed rows whose time has come, in one short transaction at a time: a reader paging
the feed by ``seq`` therefore never misses a release that committed late (ADR 0006).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from spilno.kernel.classification import Level


class DisclosureMode(models.TextChoices):
    PUBLISH = "publish", _("Publish at once")
    DELAY = "delay", _("Publish after a delay or an event, with named fields withheld")
    AGGREGATE = "aggregate", _("Aggregates only")


class DisclosureEvent(models.TextChoices):
    """Moments in a contracting process a delay or a withholding can wait for."""

    NONE = "", _("No event (count from the change)")
    AWARD = "award", _("Award decided")
    CONTRACT_SIGNED = "contract_signed", _("Contract signed")
    CONTRACT_COMPLETE = "contract_complete", _("Contract complete")


class DisclosureRule(models.Model):
    """What the public sees of records at one classification level. Administrators edit it;
    every change is audited, and every release records the rule it was published under."""

    level = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, unique=True
    )
    mode = models.CharField(_("mode"), max_length=20, choices=DisclosureMode.choices)
    delay_days = models.PositiveIntegerField(
        _("delay (days)"), default=0, help_text=_("Days after the change (or after the event).")
    )
    delay_event = models.CharField(
        _("hold until"), max_length=30, choices=DisclosureEvent.choices, blank=True, default=""
    )
    withheld_fields = models.JSONField(
        _("withheld fields"),
        default=list,
        blank=True,
        help_text=_("Fields left out of published releases until their release date."),
    )
    withhold_days = models.PositiveIntegerField(
        _("withheld for (days)"),
        default=365,
        help_text=_(
            "Days after the event below (or after publication) when withheld fields "
            "are published by themselves."
        ),
    )
    withhold_event = models.CharField(
        _("withheld until"),
        max_length=30,
        choices=DisclosureEvent.choices,
        blank=True,
        default="",
    )
    reason_en = models.CharField(_("reason (English)"), max_length=300, blank=True)
    reason_uk = models.CharField(_("reason (Ukrainian)"), max_length=300, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("disclosure rule")

    def __str__(self) -> str:
        return f"{Level(self.level).label}: {self.get_mode_display()}"


class Process(models.Model):
    """One contracting process (an ``ocid``): what was last built for it, to tell what changed."""

    ocid = models.CharField(max_length=100, unique=True)
    tender = models.OneToOneField(
        "procurement.Tender", on_delete=models.PROTECT, related_name="ocds_process"
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    snapshot = models.JSONField(default=dict)  # the full, unredacted last build (never public)
    releases = models.PositiveIntegerField(default=0)
    signed_at = models.DateTimeField(null=True, blank=True)  # first contract signed
    awarded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # every contract complete

    class Meta:
        verbose_name = _("contracting process")


class Release(models.Model):
    """The outbox: one OCDS release as it will be (or was) published."""

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="outbox")
    release_id = models.CharField(max_length=150, unique=True)
    date = models.DateTimeField()
    tags = models.JSONField()
    payload = models.JSONField()  # the release exactly as published (withheld fields left out)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    publish_at = models.DateTimeField(null=True, blank=True)  # null: held until an event
    hold_event = models.CharField(max_length=30, blank=True, default="")
    seq = models.BigIntegerField(null=True, blank=True, unique=True)  # given when published
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["process", "seq"], name="release_process_seq"),
            models.Index(fields=["publish_at"], name="release_due"),
        ]

    def __str__(self) -> str:
        return self.release_id


class FeedCounter(models.Model):
    """The single row whose lock orders publication: the last ``seq`` given."""

    last_seq = models.BigIntegerField(default=0)


class Withholding(models.Model):
    """A field left out of a process's releases: why, and until when."""

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="withholdings")
    field = models.CharField(max_length=40)  # a key of transparency.disclosure.WITHHOLDABLE
    reason = models.CharField(max_length=300)
    reason_uk = models.CharField(max_length=300, blank=True)
    release_at = models.DateTimeField(null=True, blank=True)  # null: waits for the event
    release_event = models.CharField(max_length=30, blank=True, default="")
    release_days = models.PositiveIntegerField(default=0)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "field"], name="withholding_once")
        ]
        indexes = [models.Index(fields=["released_at", "release_at"], name="withholding_due")]

    def __str__(self) -> str:
        return f"{self.process.ocid}: {self.field}"


class PublicProcess(models.Model):
    """The public view of a process, compiled from its published releases only: what the portal
    searches. Never holds anything that was not published."""

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="public")
    ocid = models.CharField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    buyer = models.CharField(max_length=300)
    method = models.CharField(max_length=40)
    status = models.CharField(max_length=40)
    cpv = models.CharField(max_length=10, blank=True)
    value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    tender_start = models.DateTimeField(null=True, blank=True)
    tender_end = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField()  # date of the last published release
    last_seq = models.BigIntegerField()
    compiled = models.JSONField()  # the compiled release of the published releases
    withheld = models.JSONField(default=list)  # withheldInformation as published

    class Meta:
        indexes = [
            models.Index(fields=["updated", "id"], name="pubproc_updated"),
            models.Index(fields=["buyer", "updated", "id"], name="pubproc_buyer"),
            models.Index(fields=["status", "updated", "id"], name="pubproc_status"),
            # The pattern operator class lets ``cpv LIKE '3512%'`` use the index in any
            # collation (PostgreSQL; other databases ignore operator classes).
            models.Index(fields=["cpv"], name="pubproc_cpv", opclasses=["varchar_pattern_ops"]),
        ]
        # Migration 0003 adds, on PostgreSQL only, trigram indexes (pg_trgm) on UPPER(title)
        # and UPPER(ocid) for the ``icontains`` search, and a finer histogram of ``value``.


class PublicContract(models.Model):
    """One published contract, for the portal's contract search (a million rows must page fast:
    every filter has an index ending in the keyset order ``(signed, id)``)."""

    process = models.ForeignKey(PublicProcess, on_delete=models.CASCADE, related_name="contracts")
    contract_id = models.CharField(max_length=150)
    title = models.CharField(max_length=300)
    buyer = models.CharField(max_length=300)
    supplier = models.CharField(max_length=300, blank=True)
    cpv = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    signed = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "contract_id"], name="pubcontract_once")
        ]
        indexes = [
            models.Index(fields=["signed", "id"], name="pubcontract_signed"),
            models.Index(fields=["buyer", "signed", "id"], name="pubcontract_buyer"),
            models.Index(fields=["supplier", "signed", "id"], name="pubcontract_supplier"),
            models.Index(fields=["status", "signed", "id"], name="pubcontract_status"),
            models.Index(
                fields=["cpv", "signed", "id"],
                name="pubcontract_cpv",
                opclasses=["varchar_pattern_ops", "date_ops", "int8_ops"],
            ),
            models.Index(fields=["value", "id"], name="pubcontract_value"),
        ]
        # Migration 0003 adds, on PostgreSQL only, a trigram index (pg_trgm) on UPPER(title)
        # for the ``icontains`` search, and a finer histogram of ``value``.
