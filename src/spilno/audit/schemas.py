from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class EntryOut(Schema):
    id: int
    stream: int
    seq: int
    at: dt.datetime
    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    classification: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


class EntryPage(Schema):
    items: list[EntryOut]
    next_before: int | None


class VerifyOut(Schema):
    ok: bool
    entries: int
    streams: int
    checkpoints: int
    first_break: str | None
    first_break_entry_id: int | None
    breaks: list[str]


class CheckpointOut(Schema):
    id: int
    created_at: dt.datetime
    key_id: str
    export: dict[str, Any]
