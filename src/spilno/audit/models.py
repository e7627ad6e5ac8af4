"""Audit records. Rows of ``AuditEntry`` and ``AuditCheckpoint`` are never updated or deleted:
database triggers refuse it (migration 0002), whatever client connects."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from spilno.audit.chain import entry_hash
from spilno.kernel.classification import Level


class AuditStream(models.Model):
    """Head of one hash chain. Writers spread over streams so they do not queue on one row
    (ADR 0003); the heads are cached here and re-derived by ``verify``."""

    seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        ordering = ["pk"]


class AuditEntry(models.Model):
    stream = models.PositiveSmallIntegerField(_("stream"))
    seq = models.BigIntegerField(_("sequence"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.INTERNAL
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="audit_entry_stream_seq")
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def compute_hash(self) -> str:
        return entry_hash(
            stream=self.stream,
            seq=self.seq,
            prev_hash=self.prev_hash,
            at=self.at,
            actor_id=self.actor_id,
            actor=self.actor,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            object_repr=self.object_repr,
            classification=self.classification,
            before=self.before,
            after=self.after,
        )


class AuditCheckpoint(models.Model):
    """A signed statement of every stream head at one moment, for publication."""

    created_at = models.DateTimeField(_("created"))
    payload = models.JSONField()
    signature = models.CharField(max_length=200)
    public_key = models.CharField(max_length=100)
    key_id = models.CharField(max_length=32)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("audit checkpoint")
