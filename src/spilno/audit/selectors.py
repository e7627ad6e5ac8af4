"""Reads of the audit log for auditors: visibility by clearance, filters, keyset pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from spilno.audit.models import AuditCheckpoint, AuditEntry
from spilno.kernel.access import require


def entries_for(
    user: Any,
    *,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_id: int | None = None,
) -> QuerySet[AuditEntry]:
    """Newest first; ``before_id`` continues a page (keyset pagination, stable under appends)."""
    require(user, "audit.entry.view")
    qs = AuditEntry.objects.filter(classification__lte=user.effective_clearance)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-pk")


def entry_for(user: Any, entry_id: int) -> AuditEntry:
    return entries_for(user).get(pk=entry_id)


def checkpoints_for(user: Any) -> QuerySet[AuditCheckpoint]:
    require(user, "audit.entry.view")
    return AuditCheckpoint.objects.order_by("-pk")
