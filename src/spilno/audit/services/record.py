"""Append an entry to the audit log inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from spilno.audit.models import AuditEntry, AuditStream
from spilno.kernel.classification import Level
from spilno.kernel.units import note_change


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value.replace("\x00", "") if isinstance(value, str) else value
    if isinstance(value, float | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def snapshot(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON-safe picture of a record's own fields and many-to-many links, for before/after."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.attname] = _json_safe(field.value_from_object(obj))
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            if m2m.name not in exclude:
                data[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    return data


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None or getattr(actor, "is_system", False):
        return None, "system"
    if not getattr(actor, "is_authenticated", False):
        return None, "anonymous"
    return actor.pk, actor.get_username()


def _claim_stream() -> AuditStream:
    """Lock one stream head for this transaction, preferring one no other writer holds.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` picks a free stream, so concurrent transactions
    chain into different streams instead of queueing (ADR 0003). A transaction keeps writing
    to the stream it locked first (rows it locked are never skipped for itself). SQLite
    serialises writers anyway, so it uses stream 1.
    """
    streams = AuditStream.objects.filter(pk__lte=settings.SPILNO_AUDIT_STREAMS)
    if not connection.features.has_select_for_update_skip_locked:
        return streams.order_by("pk")[0]
    preferred = getattr(connection, "spilno_audit_stream", None)
    if preferred is not None:
        head = streams.select_for_update(skip_locked=True).filter(pk=preferred).first()
        if head is not None:
            return head
    head = streams.select_for_update(skip_locked=True).order_by("?").first()
    if head is None:  # every stream busy: wait for one
        head = streams.select_for_update().order_by("?")[0]
    connection.spilno_audit_stream = head.pk  # type: ignore[attr-defined]
    return head


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: Any = None,
    after: Any = None,
    classification: int | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction that makes the change it records,
    so the change and its entry commit or vanish together."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change.")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
        if classification is None:
            classification = getattr(obj, "classification", None)
    if classification is None:
        classification = Level.INTERNAL
    actor_id, actor_name = _actor_fields(actor)
    head = _claim_stream()
    entry = AuditEntry(
        stream=head.pk,
        seq=head.seq + 1,
        prev_hash=head.head_hash,
        at=timezone.now(),
        actor_id=actor_id,
        actor=actor_name,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        classification=int(classification),
        before=_json_safe(before),
        after=_json_safe(after),
    )
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    AuditStream.objects.filter(pk=head.pk).update(seq=entry.seq, head_hash=entry.hash)
    if object_type:
        note_change(object_type, object_id)
    return entry


def record_in_new_transaction(**kwargs: Any) -> AuditEntry:
    """For events that are not part of a data change (a verification run, a login)."""
    with transaction.atomic():
        return record(**kwargs)
