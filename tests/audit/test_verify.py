"""verify_log() re-derives the chain and names the first entry that does not fit.

Each tampering test builds a fresh chain of N entries with record(), tampers with it the way
someone with direct database access could (triggers dropped first), and checks that verification
fails *and* points at the right entry. Every example runs in a savepoint that is rolled back, so
the triggers come back and examples never see each other's entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from spilno.audit.chain import GENESIS
from spilno.audit.models import AuditEntry, AuditStream
from spilno.audit.services import record
from spilno.audit.services.checkpoint import create_checkpoint
from spilno.audit.services.verify import Break, VerifyResult, verify_log
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from tests.helpers import drop_audit_triggers, rolled_back

pytestmark = pytest.mark.django_db

EXAMPLES = settings(max_examples=30)
chain_length = st.integers(min_value=3, max_value=15)


def build_chain(n: int) -> list[AuditEntry]:
    """N entries appended by the service, all in one stream (one transaction keeps its stream)."""
    with transaction.atomic():
        entries = [
            record(
                actor=SystemActor(),
                action="test.step",
                object_type="test.thing",
                object_id=str(i),
                object_repr=f"step {i}",
                before={"n": i},
                after={"n": i + 1},
                classification=Level.INTERNAL,
            )
            for i in range(n)
        ]
    assert len({e.stream for e in entries}) == 1
    assert [e.seq for e in entries] == list(range(1, n + 1))
    assert verify_log().ok
    return entries


def first_break(result: VerifyResult) -> Break:
    assert not result.ok
    brk = result.first_break
    assert brk is not None
    return brk


def set_seq(entry_id: int, seq: int) -> None:
    AuditEntry.objects.filter(pk=entry_id).update(seq=seq)


# --- Intact logs ---------------------------------------------------------------------------------


def test_an_empty_log_verifies() -> None:
    result = verify_log()
    assert result.ok
    assert result.first_break is None
    assert result.as_dict()["first_break"] is None


def test_a_fresh_chain_verifies() -> None:
    build_chain(5)
    result = verify_log()
    assert result.ok
    assert (result.entries, result.streams, result.checkpoints) == (5, 1, 0)


def test_verification_reports_progress() -> None:
    build_chain(4)
    seen: list[int] = []
    verify_log(progress=seen.append)
    assert seen == [4]


# --- Tampering ------------------------------------------------------------------------------------

EDITS: dict[str, Callable[[AuditEntry], Any]] = {
    "actor": lambda e: "mallory",
    "actor_id": lambda e: 4242,
    "action": lambda e: "test.forged",
    "object_id": lambda e: "999",
    "object_repr": lambda e: "something else",
    "classification": lambda e: Level.PUBLIC,
    "before": lambda e: {"n": -1},
    "after": lambda e: {"n": -1, "extra": True},
    "at": lambda e: e.at + dt.timedelta(seconds=1),
}


@EXAMPLES
@given(n=chain_length, data=st.data(), field=st.sampled_from(sorted(EDITS)))
def test_an_edited_entry_is_named(n: int, data: st.DataObject, field: str) -> None:
    with rolled_back():
        entries = build_chain(n)
        k = data.draw(st.integers(0, n - 1), label="edited index")
        drop_audit_triggers()
        AuditEntry.objects.filter(pk=entries[k].pk).update(**{field: EDITS[field](entries[k])})

        # Entries before k are untouched; entry k still has the right seq and link, but its
        # content no longer hashes to its stored hash.
        brk = first_break(verify_log())
        assert brk.entry_id == entries[k].pk
        assert brk.seq == k + 1
        assert "content does not match its hash" in brk.reason


@EXAMPLES
@given(n=chain_length, data=st.data())
def test_an_edited_and_rehashed_entry_is_caught_by_its_successor(
    n: int, data: st.DataObject
) -> None:
    with rolled_back():
        entries = build_chain(n)
        k = data.draw(st.integers(0, n - 1), label="edited index")
        drop_audit_triggers()
        forged = AuditEntry.objects.get(pk=entries[k].pk)
        forged.after = {"n": -1}
        AuditEntry.objects.filter(pk=forged.pk).update(
            after=forged.after, hash=forged.compute_hash()
        )

        brk = first_break(verify_log())
        if k < n - 1:
            # Entry k is self-consistent now; entry k+1 still links to the old hash.
            assert brk.entry_id == entries[k + 1].pk
            assert "link to the previous entry" in brk.reason
        else:
            # The last entry has no successor: the stream head still holds the old hash.
            assert brk.entry_id is None
            assert brk.stream == entries[k].stream
            assert "stream head" in brk.describe()


@EXAMPLES
@given(n=chain_length, data=st.data())
def test_a_deleted_entry_is_named_by_the_entry_after_the_gap(n: int, data: st.DataObject) -> None:
    with rolled_back():
        entries = build_chain(n)
        k = data.draw(st.integers(0, n - 1), label="deleted index")
        drop_audit_triggers()
        AuditEntry.objects.filter(pk=entries[k].pk).delete()

        brk = first_break(verify_log())
        if k < n - 1:
            # The verifier expects seq k+1 and meets k+2: the entry right after the gap.
            assert brk.entry_id == entries[k + 1].pk
            assert brk.seq == k + 2
            assert f"sequence {k + 2} where {k + 1} was expected" in brk.reason
        else:
            # Deleting the last entry leaves a consistent chain; the head row still says seq n.
            assert brk.entry_id is None
            assert brk.seq == n
            assert f"the head says seq {n} but the log ends at seq {n - 1}" in brk.reason


@EXAMPLES
@given(n=chain_length, data=st.data())
def test_a_forged_insertion_is_named_by_the_entry_it_displaced(n: int, data: st.DataObject) -> None:
    with rolled_back():
        entries = build_chain(n)
        k = data.draw(st.integers(0, n - 1), label="insertion index")
        stream = entries[0].stream
        drop_audit_triggers()
        # Make room at seq k+1: move every later entry up by one, from the last down, so the
        # unique (stream, seq) constraint never sees two rows with the same seq.
        for entry in reversed(entries[k:]):
            set_seq(entry.pk, entry.seq + 1)
        # The forger computes a perfectly valid entry linked to its predecessor.
        forged = AuditEntry(
            stream=stream,
            seq=k + 1,
            prev_hash=entries[k - 1].hash if k else GENESIS,
            at=entries[k].at,
            actor="system",
            action="test.forged",
            object_type="test.thing",
            object_id="forged",
            classification=Level.INTERNAL,
            before=None,
            after={"forged": True},
        )
        forged.hash = forged.compute_hash()
        forged.save(force_insert=True)

        brk = first_break(verify_log())
        # The forged entry passes every check (right seq, right link, right hash). The genuine
        # entry now after it still links to the forged entry's predecessor: that is the break.
        assert brk.entry_id == entries[k].pk
        assert brk.entry_id != forged.pk
        assert brk.seq == k + 2
        assert "link to the previous entry" in brk.reason


@EXAMPLES
@given(n=chain_length, data=st.data())
def test_reordered_entries_are_named_by_the_one_moved_earlier(n: int, data: st.DataObject) -> None:
    with rolled_back():
        entries = build_chain(n)
        i = data.draw(st.integers(0, n - 2), label="earlier index")
        j = data.draw(st.integers(i + 1, n - 1), label="later index")
        drop_audit_triggers()
        # Swap the two sequence numbers through a free value (unique (stream, seq)).
        set_seq(entries[i].pk, 0)
        set_seq(entries[j].pk, i + 1)
        set_seq(entries[i].pk, j + 1)

        brk = first_break(verify_log())
        # Entries before position i are untouched. At position i the verifier meets entry j,
        # whose prev_hash names entry j-1, not entry i-1 (j ≠ i).
        assert brk.entry_id == entries[j].pk
        assert brk.seq == i + 1
        assert "link to the previous entry" in brk.reason


@EXAMPLES
@given(n=chain_length, data=st.data())
def test_a_tail_rewritten_after_a_checkpoint_is_caught_by_the_checkpoint(
    n: int, data: st.DataObject
) -> None:
    with rolled_back():
        entries = build_chain(n)
        stream = entries[0].stream
        checkpoint = create_checkpoint(actor=SystemActor())  # signs seq n, then records seq n+1
        assert checkpoint.payload["streams"] == [
            {"stream": stream, "seq": n, "hash": entries[-1].hash}
        ]
        total = n + 1
        # Delete at least the checkpoint's own entry and the signed head (seq n).
        deleted = data.draw(st.integers(2, total), label="entries deleted")
        appended = data.draw(st.integers(0, deleted + 1), label="entries appended")
        drop_audit_triggers()
        survivors = total - deleted
        AuditEntry.objects.filter(stream=stream, seq__gt=survivors).delete()
        # The forger also rewinds the (unprotected) head row so the chain itself is consistent,
        # then writes new history through the normal service.
        last = AuditEntry.objects.filter(stream=stream, seq=survivors).first()
        AuditStream.objects.filter(pk=stream).update(
            seq=survivors, head_hash=last.hash if last else GENESIS
        )
        with transaction.atomic():
            for i in range(appended):
                record(actor=SystemActor(), action="test.rewritten", object_id=str(i))

        result = verify_log()
        brk = first_break(result)
        assert len(result.breaks) == 1  # the chain is consistent; only the checkpoint objects
        assert f"differs from signed checkpoint #{checkpoint.pk}" in brk.reason
        assert (brk.stream, brk.seq) == (stream, n)
        now_at_n = AuditEntry.objects.filter(stream=stream, seq=n).first()
        if survivors + appended >= n:
            # A different entry now sits where the signed head was: it is named.
            assert now_at_n is not None
            assert brk.entry_id == now_at_n.pk
        else:
            # Nothing at the signed position any more.
            assert now_at_n is None
            assert brk.entry_id is None


def test_a_moved_head_row_is_reported() -> None:
    entries = build_chain(3)
    AuditStream.objects.filter(pk=entries[0].stream).update(seq=2)
    brk = first_break(verify_log())
    assert brk.entry_id is None
    assert brk.describe() == (
        f"stream head (stream {entries[0].stream}, seq 2): "
        "the head says seq 2 but the log ends at seq 3"
    )


def test_a_head_row_without_entries_is_reported() -> None:
    AuditStream.objects.filter(pk=1).update(seq=7)
    brk = first_break(verify_log())
    assert (brk.entry_id, brk.stream, brk.seq) == (None, 1, 7)
    assert "no entries" in brk.reason


def test_the_first_break_is_the_earliest_entry() -> None:
    entries = build_chain(6)
    drop_audit_triggers()
    AuditEntry.objects.filter(pk__in=[entries[4].pk, entries[1].pk]).update(action="forged")
    result = verify_log()
    assert first_break(result).entry_id == entries[1].pk
    summary = result.as_dict()
    assert summary["ok"] is False
    assert summary["first_break_entry_id"] == entries[1].pk
    assert summary["first_break"].startswith(f"entry #{entries[1].pk} (stream ")
