"""Audit log API for auditors: entries, verification, signed checkpoints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime

from spilno.audit.models import AuditCheckpoint, AuditEntry
from spilno.audit.schemas import CheckpointOut, EntryOut, EntryPage, VerifyOut
from spilno.audit.selectors import checkpoints_for, entries_for, entry_for
from spilno.audit.services.checkpoint import create_checkpoint, export_checkpoint
from spilno.audit.services.verification import run_verification
from spilno.kernel.apitools import keyset_page
from spilno.kernel.classification import Level

router = Router(tags=["audit"])


class EntryFilters(Schema):
    action: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    # With a time zone, like every instant in the API; a naive time is a 422.
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    before: int | None = None
    limit: int = 100


def entry_out(entry: AuditEntry) -> dict[str, Any]:
    data = {
        f: getattr(entry, f) for f in EntryOut.model_fields if f not in ("id", "classification")
    }
    return {**data, "id": entry.pk, "classification": Level(entry.classification).name}


def checkpoint_out(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    return {
        "id": checkpoint.pk,
        "created_at": checkpoint.created_at,
        "key_id": checkpoint.key_id,
        "export": export_checkpoint(checkpoint),
    }


@router.get("/entries", response=EntryPage, summary="Audit entries, newest first")
def list_entries(request: HttpRequest, filters: Query[EntryFilters]) -> Any:
    qs = entries_for(
        request.user,
        action=filters.action,
        actor=filters.actor,
        object_type=filters.object_type,
        object_id=filters.object_id,
        since=filters.since,
        until=filters.until,
        before_id=filters.before,
    )
    items, next_before = keyset_page(qs, filters.limit, maximum=500)  # newest first
    return {"items": [entry_out(e) for e in items], "next_before": next_before}


@router.get("/entries/{entry_id}", response=EntryOut, summary="One audit entry")
def get_entry(request: HttpRequest, entry_id: int) -> Any:
    return entry_out(entry_for(request.user, entry_id))


@router.post("/verify", response=VerifyOut, summary="Re-check every hash of the log")
def verify(request: HttpRequest) -> Any:
    return run_verification(actor=request.user).as_dict()


@router.get("/checkpoints", response=list[CheckpointOut], summary="Signed checkpoints")
def list_checkpoints(request: HttpRequest) -> Any:
    return [checkpoint_out(c) for c in checkpoints_for(request.user)[:100]]


@router.post("/checkpoints", response={201: CheckpointOut}, summary="Sign the current log head")
def post_checkpoint(request: HttpRequest) -> Status[dict[str, Any]]:
    return Status(201, checkpoint_out(create_checkpoint(actor=request.user)))


@router.get("/checkpoints/{checkpoint_id}", response=CheckpointOut, summary="One checkpoint")
def get_checkpoint(request: HttpRequest, checkpoint_id: int) -> Any:
    return checkpoint_out(checkpoints_for(request.user).get(pk=checkpoint_id))
