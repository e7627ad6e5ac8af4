"""Re-derive every hash of the log and compare; report the first entry that does not fit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from spilno.audit.chain import GENESIS
from spilno.audit.models import AuditCheckpoint, AuditEntry, AuditStream


@dataclass(frozen=True)
class Break:
    entry_id: int | None
    stream: int
    seq: int | None
    reason: str

    def describe(self) -> str:
        where = f"entry #{self.entry_id}" if self.entry_id is not None else "stream head"
        seq = f", seq {self.seq}" if self.seq is not None else ""
        return f"{where} (stream {self.stream}{seq}): {self.reason}"


@dataclass
class VerifyResult:
    entries: int = 0
    streams: int = 0
    checkpoints: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        """The earliest broken entry in the order entries were written (lowest id)."""
        if not self.breaks:
            return None
        return min(self.breaks, key=lambda b: (b.entry_id is None, b.entry_id or 0, b.stream))

    def as_dict(self) -> dict[str, Any]:
        first = self.first_break
        return {
            "ok": self.ok,
            "entries": self.entries,
            "streams": self.streams,
            "checkpoints": self.checkpoints,
            "first_break": first.describe() if first else None,
            "first_break_entry_id": first.entry_id if first else None,
            "breaks": [b.describe() for b in self.breaks],
        }


def _stream_entries(stream: int) -> Iterator[AuditEntry]:
    return AuditEntry.objects.filter(stream=stream).order_by("seq", "pk").iterator(chunk_size=2000)


def _verify_stream(stream: int, head: AuditStream | None, result: VerifyResult) -> None:
    expected_seq, expected_prev = 1, GENESIS
    last: AuditEntry | None = None
    for entry in _stream_entries(stream):
        result.entries += 1
        if entry.seq != expected_seq:
            reason = (
                f"sequence {entry.seq} where {expected_seq} was expected "
                "(an entry before it was deleted, inserted or moved)"
            )
            result.breaks.append(Break(entry.pk, stream, entry.seq, reason))
            return
        if entry.prev_hash != expected_prev:
            reason = (
                "its link to the previous entry does not match (deleted, inserted or reordered)"
            )
            result.breaks.append(Break(entry.pk, stream, entry.seq, reason))
            return
        if entry.compute_hash() != entry.hash:
            reason = "its content does not match its hash (edited after it was written)"
            result.breaks.append(Break(entry.pk, stream, entry.seq, reason))
            return
        expected_seq, expected_prev, last = entry.seq + 1, entry.hash, entry
    if (
        head is not None
        and last is not None
        and (head.seq, head.head_hash) != (last.seq, last.hash)
    ):
        reason = f"the head says seq {head.seq} but the log ends at seq {last.seq}"
        result.breaks.append(Break(None, stream, head.seq, reason))
    elif head is not None and last is None and head.seq != 0:
        reason = f"the head says seq {head.seq} but the stream has no entries"
        result.breaks.append(Break(None, stream, head.seq, reason))


def _verify_checkpoints(result: VerifyResult) -> None:
    """Every signed checkpoint's heads must still be in the log: catches a rewritten tail."""
    from spilno.audit.services.checkpoint import verify_signature

    for checkpoint in AuditCheckpoint.objects.order_by("pk").iterator():
        result.checkpoints += 1
        if not verify_signature(checkpoint.payload, checkpoint.signature, checkpoint.public_key):
            result.breaks.append(
                Break(None, 0, None, f"checkpoint #{checkpoint.pk} has an invalid signature")
            )
            continue
        for head in checkpoint.payload["streams"]:
            if head["seq"] == 0:
                continue
            entry = AuditEntry.objects.filter(stream=head["stream"], seq=head["seq"]).first()
            if entry is None or entry.hash != head["hash"]:
                result.breaks.append(
                    Break(
                        entry.pk if entry else None,
                        head["stream"],
                        head["seq"],
                        f"differs from signed checkpoint #{checkpoint.pk}",
                    )
                )


def verify_log(progress: Callable[[int], None] | None = None) -> VerifyResult:
    result = VerifyResult()
    heads = {s.pk: s for s in AuditStream.objects.all()}
    used = set(AuditEntry.objects.values_list("stream", flat=True).distinct())
    for stream in sorted(used | {pk for pk, s in heads.items() if s.seq}):
        result.streams += 1
        _verify_stream(stream, heads.get(stream), result)
        if progress:
            progress(result.entries)
    _verify_checkpoints(result)
    return result


def log_size() -> int:
    return AuditEntry.objects.aggregate(n=Max("pk"))["n"] or 0
