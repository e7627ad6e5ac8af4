"""Sealed bids: content only as AES-GCM ciphertext bound to its row, until opening."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from spilno.audit.models import AuditEntry
from spilno.procurement import sealing
from spilno.procurement.models import Bid, BidVersion
from spilno.procurement.selectors import bids_for
from spilno.procurement.services.bids import (
    BidContent,
    BidDocument,
    bid_document,
    open_bids,
    submit_bid,
    withdraw_bid,
)
from spilno.procurement.services.chronograph import tick
from tests.helpers import rolled_back
from tests.procurement.conftest import (
    START,
    Travel,
    World,
    bid,
    error_fields,
    past_deadline,
    refused,
    tender_in_tendering,
)

pytestmark = pytest.mark.django_db

EMPTY = {"amount": None, "currency": "", "delivery_days": None, "notes": "", "documents": []}


def _raw_versions() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM procurement_bidversion")
        return list(cursor.fetchall())


def _as_bytes(row: tuple[Any, ...]) -> bytes:
    parts = []
    for value in row:
        if isinstance(value, bytes | bytearray | memoryview):
            parts.append(bytes(value))
        else:
            parts.append(str(value).encode())
    return b"\x1f".join(parts)


def _plain_columns(bid_row: Bid) -> dict[str, Any]:
    return {name: getattr(bid_row, name) for name in EMPTY}


@settings(max_examples=15)
@given(
    cents=st.integers(min_value=10**6, max_value=10**14),
    note=st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüєї ", min_size=12, max_size=60).filter(
        lambda s: len(s.strip()) >= 12
    ),
    days=st.integers(min_value=1, max_value=3650),
)
def test_database_and_audit_log_hold_no_bid_content(
    world: World, travel: Travel, cents: int, note: str, days: int
) -> None:
    amount = Decimal(cents).scaleb(-2)
    digits = str(cents)
    with rolled_back():
        travel.to(START)
        tender = tender_in_tendering(world, travel)
        supplier, rep = world.supplier_rep(0)
        submit_bid(
            actor=rep,
            tender=tender,
            lot=tender.lots.get(),
            supplier=supplier,
            content=BidContent(amount, "EUR", days, notes=note),
            idempotency_key="sealed",
        )
        for row in _raw_versions():
            raw = _as_bytes(row)
            assert digits.encode() not in raw
            assert str(amount).encode() not in raw
            assert note.encode() not in raw
            assert note.strip().encode() not in raw
        assert _plain_columns(Bid.objects.get()) == EMPTY
        for entry in AuditEntry.objects.filter(action__startswith="procurement.bid"):
            text = json.dumps([entry.before, entry.after, entry.object_repr], ensure_ascii=False)
            assert digits not in text
            assert str(amount) not in text
            assert note.strip() not in text
        past_deadline(travel, tender)
        [opened] = open_bids(actor=world.officer, tender=tender)
        assert (opened.amount, opened.notes, opened.delivery_days) == (amount, note, days)


def test_ciphertext_is_bound_to_its_row(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    alpha = bid(world, tender, 0, "1000.00")
    bravo = bid(world, tender, 1, "2000.00")
    # Decrypts with its own associated data, and with no other.
    own = sealing.associated_data(tender.pk, alpha.bid.lot_id, alpha.bid.supplier_id, 1)
    assert json.loads(sealing.unseal(alpha.key_id, alpha.nonce, alpha.ciphertext, own))[
        "amount"
    ] == ("1000.00")
    for other in (
        sealing.associated_data(tender.pk, bravo.bid.lot_id, bravo.bid.supplier_id, 1),
        sealing.associated_data(tender.pk, alpha.bid.lot_id, alpha.bid.supplier_id, 2),
        sealing.associated_data(tender.pk + 1, alpha.bid.lot_id, alpha.bid.supplier_id, 1),
    ):
        with pytest.raises(InvalidTag):
            sealing.unseal(alpha.key_id, alpha.nonce, alpha.ciphertext, other)

    # Someone with database access moves Alpha's (cheaper) bid into Bravo's row.
    BidVersion.objects.filter(pk=bravo.pk).update(
        nonce=bytes(alpha.nonce), ciphertext=bytes(alpha.ciphertext), receipt=alpha.receipt
    )
    past_deadline(travel, tender)
    tick()
    with pytest.raises(InvalidTag):
        open_bids(actor=world.officer, tender=tender)
    tender.refresh_from_db()
    assert tender.opened_at is None
    assert all(_plain_columns(b) == EMPTY for b in Bid.objects.all())


def test_replayed_older_version_cannot_pose_as_the_latest(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    first = bid(world, tender, 0, "900.00")
    second = bid(world, tender, 0, "1500.00")
    assert second.seq == 2
    BidVersion.objects.filter(pk=second.pk).update(
        nonce=bytes(first.nonce), ciphertext=bytes(first.ciphertext)
    )
    past_deadline(travel, tender)
    with pytest.raises(InvalidTag):
        open_bids(actor=world.officer, tender=tender)


def test_key_file_is_created_private_and_kept(settings: Any, tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "bids.key"
    settings.SPILNO_BID_KEY_FILE = path
    assert not path.exists()
    key_id, nonce, ciphertext = sealing.seal(b"secret", b"aad")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    content = path.read_text().strip()
    assert len(bytes.fromhex(content)) == 32
    sealing._master_key.cache_clear()
    assert sealing.unseal(key_id, nonce, ciphertext, b"aad") == b"secret"
    assert path.read_text().strip() == content  # reused, never regenerated


def test_a_short_key_file_is_refused(settings: Any, tmp_path: Path) -> None:
    path = tmp_path / "short.key"
    path.write_text("abcd")
    settings.SPILNO_BID_KEY_FILE = path
    with pytest.raises(RuntimeError, match="not 32 bytes"):
        sealing.seal(b"x", b"y")


def test_request_digest_is_keyed(settings: Any, tmp_path: Path) -> None:
    plaintext = b'{"amount":"1000.00"}'
    settings.SPILNO_BID_KEY_FILE = tmp_path / "one.key"
    one = sealing.request_digest(plaintext)
    assert sealing.request_digest(plaintext) == one
    assert sealing.request_digest(plaintext + b" ") != one
    assert one != hashlib.sha256(plaintext).hexdigest()  # not guessable by hashing prices
    settings.SPILNO_BID_KEY_FILE = tmp_path / "two.key"
    assert sealing.request_digest(plaintext) != one


def test_receipt_is_the_hash_of_what_was_stored(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    version = bid(world, tender, 0, "1000.00")
    stored = BidVersion.objects.get(pk=version.pk)
    assert stored.receipt == hashlib.sha256(bytes(stored.ciphertext)).hexdigest()
    assert stored.key_id == sealing.KEY_ID
    assert len(bytes(stored.nonce)) == 12
    with pytest.raises(RuntimeError, match="Unknown bid key"):
        sealing.unseal("k0", stored.nonce, stored.ciphertext, b"")
    with pytest.raises(RuntimeError, match="no sealed content"):
        sealing.unseal(sealing.KEY_ID, None, stored.ciphertext, b"")


def test_repr_never_shows_content(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    version = bid(world, tender, 0, "4242.42")
    version = BidVersion.objects.get(pk=version.pk)
    for text in (repr(version), str(version), repr([version]), str(version.bid)):
        assert "4242" not in text
        assert bytes(version.ciphertext).hex()[:16] not in text
        assert "offer" not in text
    assert repr(version) == f"<BidVersion {version.bid_id}#1 submit>"


def test_plain_columns_stay_empty_until_opening(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    supplier, rep = world.supplier_rep(0)
    document = BidDocument(title="Spec", content=b"%PDF-1.7 technical offer", filename="a.pdf")
    submit_bid(
        actor=rep,
        tender=tender,
        lot=tender.lots.get(),
        supplier=supplier,
        content=BidContent(Decimal("1000.00"), "EUR", 30, "first", [document]),
        idempotency_key="a",
    )
    bid(world, tender, 0, "950.00")  # replaced
    withdrawn = bid(world, tender, 1, "800.00").bid
    withdraw_bid(actor=world.reps[1], bid=withdrawn, idempotency_key="w")
    assert all(_plain_columns(b) == EMPTY for b in Bid.objects.all())
    assert BidVersion.objects.get(action="withdraw").ciphertext is None

    # Nobody learns anything before opening: the buyer sees no bids at all, a supplier only
    # its own, still sealed.
    assert bids_for(world.officer, tender) == []
    assert bids_for(world.approver, tender) == []
    [own] = bids_for(world.reps[0], tender)
    assert own.sealed
    assert (own.bid.supplier, own.versions) == (supplier, 2)
    assert own.receipt == BidVersion.objects.get(bid=own.bid, seq=2).receipt

    exc = refused(ValidationError, open_bids, actor=world.officer, tender=tender)
    assert "active.tendering" in error_fields(exc)["status"][0]
    alpha = Bid.objects.get(supplier=supplier)
    with pytest.raises(ValidationError, match="only after opening"):
        bid_document(alpha, 0)

    past_deadline(travel, tender)
    tick()  # the deadline passes: bids stay sealed until someone opens them
    assert all(_plain_columns(b) == EMPTY for b in Bid.objects.all())
    tender.refresh_from_db()
    assert tender.status == "active.evaluation"
    assert bids_for(world.officer, tender) == []

    [opened] = open_bids(actor=world.officer, tender=tender)
    assert (opened.amount, opened.notes, opened.opened_version) == (
        Decimal("950.00"),
        "offer 950.00",
        2,
    )
    assert opened.documents == []  # the replacement carried no document
    withdrawn.refresh_from_db()
    assert _plain_columns(withdrawn) == EMPTY
    tender.refresh_from_db()
    assert [v.bid.supplier for v in bids_for(world.officer, tender)] == [supplier]
    opening = AuditEntry.objects.get(action="procurement.bid.open")
    assert opening.after["bids"][0][3] == "950.00"


def test_documents_are_sealed_and_readable_after_opening(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    supplier, rep = world.supplier_rep(0)
    content = b"TECHNICAL-OFFER-" + bytes(range(256))
    submit_bid(
        actor=rep,
        tender=tender,
        lot=tender.lots.get(),
        supplier=supplier,
        content=BidContent(
            Decimal("1000.00"),
            "EUR",
            30,
            documents=[BidDocument("Offer", content, "offer.bin", "application/octet-stream")],
        ),
        idempotency_key="doc",
    )
    assert all(b"TECHNICAL-OFFER" not in _as_bytes(row) for row in _raw_versions())
    past_deadline(travel, tender)
    [opened] = open_bids(actor=world.officer, tender=tender)
    assert opened.documents == [
        {
            "title": "Offer",
            "filename": "offer.bin",
            "media_type": "application/octet-stream",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    ]
    assert bid_document(opened, 0).content == content
