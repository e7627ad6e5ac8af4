"""The hash chain's arithmetic: pure functions shared by the writer, the verifier and outsiders.

An entry's hash is SHA-256 over the canonical JSON of its content and the previous entry's hash.
Canonical JSON: keys sorted, no whitespace, UTF-8, times as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def format_time(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("Audit times are timezone-aware.")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    stream: int,
    seq: int,
    prev_hash: str,
    at: dt.datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    classification: int,
    before: Any,
    after: Any,
) -> str:
    content = {
        "stream": stream,
        "seq": seq,
        "prev": prev_hash,
        "at": format_time(at),
        "actor_id": actor_id,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "classification": classification,
        "before": before,
        "after": after,
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()


def heads_root(heads: list[dict[str, Any]]) -> str:
    """One digest over all stream heads, so a checkpoint names the whole log in 64 characters."""
    ordered = sorted(heads, key=lambda h: h["stream"])
    return hashlib.sha256(canonical_json(ordered)).hexdigest()
