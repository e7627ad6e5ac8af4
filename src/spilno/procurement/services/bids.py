"""Sealed bids: submit, replace, withdraw until the deadline; open after it.

The deadline race (DESIGN §4): a bid's transaction takes a *shared* lock on the tender row
(PostgreSQL ``FOR SHARE``), so any number of suppliers store bids at once, while the chronograph
closing the tender takes an exclusive lock and so waits for every bid already in flight. After
the shared lock is held the server clock is read; a bid stored at or after ``tender_end`` is
refused in the same transaction. SQLite serialises writers, which gives the same guarantee.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from spilno.audit.services import record
from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel import clock
from spilno.kernel.access import require_for
from spilno.kernel.units import unit_of_work
from spilno.procurement import sealing
from spilno.procurement.models import Bid, BidVersion, Lot, Tender
from spilno.procurement.services.common import (
    forbid_drafter,
    lock_tender,
    money_amount,
    require_status,
    user_or_none,
)
from spilno.procurement.services.tenders import is_register_qualified
from spilno.procurement.states import METHODS, BidAction, BidStatus, TenderStatus

MAX_BID_DOCUMENT_BYTES = 5 * 1024 * 1024


class IdempotencyConflict(ValidationError):
    """The same idempotency key was sent again with different content."""


@dataclass
class BidDocument:
    title: str
    content: bytes
    filename: str = ""
    media_type: str = ""


@dataclass
class BidContent:
    """What a supplier offers for one lot. Exists in clear only in memory and after opening."""

    amount: Decimal
    currency: str
    delivery_days: int
    notes: str = ""
    documents: list[BidDocument] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "amount": str(self.amount),
                "currency": self.currency,
                "delivery_days": self.delivery_days,
                "notes": self.notes,
                "documents": [
                    {
                        "title": d.title,
                        "filename": d.filename,
                        "media_type": d.media_type,
                        "content": base64.b64encode(d.content).decode(),
                    }
                    for d in self.documents
                ],
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> BidContent:
        raw = json.loads(data)
        return cls(
            amount=Decimal(raw["amount"]),
            currency=raw["currency"],
            delivery_days=int(raw["delivery_days"]),
            notes=raw.get("notes", ""),
            documents=[
                BidDocument(
                    title=d["title"],
                    filename=d.get("filename", ""),
                    media_type=d.get("media_type", ""),
                    content=base64.b64decode(d["content"]),
                )
                for d in raw.get("documents", [])
            ],
        )


def _validate_content(tender: Tender, content: BidContent) -> BidContent:
    errors: dict[str, str] = {}
    currency = str(content.currency).upper()
    if currency != tender.currency:
        errors["currency"] = f"Bids on this tender are in {tender.currency}, not {currency}."
    try:
        amount = money_amount(content.amount, tender.currency, "amount", what="The price")
    except ValidationError as exc:
        errors["amount"] = exc.message_dict["amount"][0]
        amount = Decimal(0)
    if not (isinstance(content.delivery_days, int) and 1 <= content.delivery_days <= 3650):
        errors["delivery_days"] = "Delivery time is a whole number of days from 1 to 3650."
    total = sum(len(d.content) for d in content.documents)
    if total > MAX_BID_DOCUMENT_BYTES:
        errors["documents"] = "Bid documents are limited to 5 MB in all."
    if any(not d.title.strip() for d in content.documents):
        errors["documents"] = "Every document needs a title."
    if errors:
        raise ValidationError(errors)
    return BidContent(amount, currency, content.delivery_days, content.notes, content.documents)


def _share_lock_tender(tender_id: int) -> Tender:
    """Read the tender under a lock that bids share and only the closing tick excludes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM procurement_tender WHERE id = %s FOR SHARE", [tender_id])
    return Tender.objects.get(pk=tender_id)


def _open_for_bids(tender: Tender) -> dt.datetime:
    """The rule every bid change obeys, judged by the server clock inside the transaction.

    Returns the one clock reading that both decided and is stored with the version."""
    if tender.status != TenderStatus.TENDERING:
        raise ValidationError(
            {"tender": f"Bids are accepted only during tendering; the tender is {tender.status}."}
        )
    assert tender.tender_end is not None
    now = clock.now()
    if now >= tender.tender_end:
        raise ValidationError(
            {
                "tender": f"The deadline passed at {tender.tender_end.isoformat()}: "
                "no bid can be submitted, replaced or withdrawn."
            }
        )
    return now


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not 1 <= len(key) <= 100:
        raise ValidationError(
            {"idempotency_key": "Send an idempotency key of 1 to 100 characters."}
        )
    return key


def _existing(bid: Bid, key: str, digest: str) -> BidVersion | None:
    version = BidVersion.objects.filter(bid=bid, idempotency_key=key).first()
    if version is not None and version.request_digest != digest:
        raise IdempotencyConflict(
            {"idempotency_key": "This key was already used for a different request."}
        )
    return version


def submit_bid(
    *,
    actor: Any,
    tender: Tender,
    lot: Lot,
    supplier: Organisation,
    content: BidContent,
    idempotency_key: str,
) -> BidVersion:
    """Store a new sealed version of ``supplier``'s bid on ``lot`` (first or replacement).

    Retrying with the same key and content returns the version already stored."""
    require_for(actor, supplier.pk, "procurement.bid.submit")
    key = _check_key(idempotency_key)
    if supplier.kind != OrganisationKind.SUPPLIER:
        raise ValidationError({"supplier": "Only organisations of kind supplier can bid."})
    if lot.tender_id != tender.pk:
        raise ValidationError({"lot": "That lot belongs to another tender."})
    if not METHODS[tender.method].bidding:
        raise ValidationError({"tender": "This method has no bidding: the supplier is named."})
    content = _validate_content(tender, content)
    if lot.status != "active":
        raise ValidationError({"lot": f"Lot {lot.number} is {lot.status}."})
    plaintext = content.to_bytes()
    digest = sealing.request_digest(b"submit\x00" + plaintext)
    with unit_of_work():
        current = _share_lock_tender(tender.pk)
        bid = Bid.objects.filter(lot=lot, supplier=supplier).first()
        if bid is not None:
            bid = Bid.objects.select_for_update().get(pk=bid.pk)
            existing = _existing(bid, key, digest)
            if existing is not None:
                return existing
        now = _open_for_bids(current)
        if METHODS[current.method].register_only:
            cpvs = list(lot.items.values_list("cpv", flat=True))
            if not is_register_qualified(supplier, cpvs, timezone.localdate(now)):
                raise ValidationError(
                    {
                        "supplier": "This is a selective tender: only suppliers qualified in the "
                        "register for every item's CPV category may bid."
                    }
                )
        if bid is None:
            bid, _ = Bid.objects.get_or_create(
                lot=lot,
                supplier=supplier,
                defaults={"tender": current, "last_changed_at": now, "status": BidStatus.SUBMITTED},
            )
            bid = Bid.objects.select_for_update().get(pk=bid.pk)
        seq = bid.version_count + 1
        action = BidAction.SUBMIT if seq == 1 else BidAction.REPLACE
        if bid.status == BidStatus.WITHDRAWN:
            action = BidAction.SUBMIT
        aad = sealing.associated_data(current.pk, lot.pk, supplier.pk, seq)
        key_id, nonce, ciphertext = sealing.seal(plaintext, aad)
        version = BidVersion.objects.create(
            bid=bid,
            seq=seq,
            action=action,
            idempotency_key=key,
            at=now,
            by=user_or_none(actor),
            key_id=key_id,
            nonce=nonce,
            ciphertext=ciphertext,
            receipt=sealing.receipt(ciphertext),
            request_digest=digest,
        )
        bid.status = BidStatus.SUBMITTED
        bid.version_count = seq
        bid.last_changed_at = now
        bid.save(update_fields=["status", "version_count", "last_changed_at"])
        current.participants.add(supplier)
        record(
            actor=actor,
            action=f"procurement.bid.{action}",
            obj=bid,
            classification=current.classification,
            after={"version": seq, "receipt": version.receipt, "at": now},
        )
    return version


def withdraw_bid(*, actor: Any, bid: Bid, idempotency_key: str) -> BidVersion:
    require_for(actor, bid.supplier_id, "procurement.bid.submit")
    key = _check_key(idempotency_key)
    digest = sealing.request_digest(b"withdraw\x00")
    with unit_of_work():
        current_tender = _share_lock_tender(bid.tender_id)
        current = Bid.objects.select_for_update().get(pk=bid.pk)
        existing = _existing(current, key, digest)
        if existing is not None:
            return existing
        now = _open_for_bids(current_tender)
        if current.status != BidStatus.SUBMITTED:
            raise ValidationError({"status": "Only a submitted bid can be withdrawn."})
        seq = current.version_count + 1
        version = BidVersion.objects.create(
            bid=current,
            seq=seq,
            action=BidAction.WITHDRAW,
            idempotency_key=key,
            at=now,
            by=user_or_none(actor),
            request_digest=digest,
        )
        current.status = BidStatus.WITHDRAWN
        current.version_count = seq
        current.last_changed_at = now
        current.save(update_fields=["status", "version_count", "last_changed_at"])
        record(
            actor=actor,
            action="procurement.bid.withdraw",
            obj=current,
            classification=current_tender.classification,
            after={"version": seq, "at": now},
        )
    return version


def latest_sealed_version(bid: Bid) -> BidVersion | None:
    return (
        bid.versions.exclude(action=BidAction.WITHDRAW).order_by("-seq").first()
        if bid.status != BidStatus.WITHDRAWN
        else None
    )


def open_bids(*, actor: Any, tender: Tender) -> list[Bid]:
    """Decrypt every live bid after the deadline: an audited event, never by the drafter."""
    from spilno.procurement.services.chronograph import close_tendering_if_due

    require_for(actor, tender.buyer_id, "procurement.bid.open")
    forbid_drafter(actor, tender, "open its bids")
    with unit_of_work():
        # Close the tendering period first if the chronograph has not yet; inside this
        # transaction, so a refusal below leaves everything as it was.
        close_tendering_if_due(tender.pk)
        current = lock_tender(tender)
        require_status(current, TenderStatus.EVALUATION, doing="open bids")
        if current.opened_at is not None:
            raise ValidationError({"status": "The bids of this tender are already open."})
        if not METHODS[current.method].bidding:
            raise ValidationError({"status": "This method has no sealed bids."})
        opened: list[Bid] = []
        for bid in current.bids.select_for_update().filter(status=BidStatus.SUBMITTED):
            version = latest_sealed_version(bid)
            assert version is not None
            assert version.nonce is not None
            aad = sealing.associated_data(current.pk, bid.lot_id, bid.supplier_id, version.seq)
            content = BidContent.from_bytes(
                sealing.unseal(version.key_id, version.nonce, version.ciphertext, aad)
            )
            bid.amount = content.amount
            bid.currency = content.currency
            bid.delivery_days = content.delivery_days
            bid.notes = content.notes
            bid.documents = [
                {
                    "title": d.title,
                    "filename": d.filename,
                    "media_type": d.media_type,
                    "size": len(d.content),
                    "sha256": hashlib.sha256(d.content).hexdigest(),
                }
                for d in content.documents
            ]
            bid.opened_version = version.seq
            bid.status = BidStatus.OPENED
            bid.save()
            opened.append(bid)
        current.opened_at = clock.now()
        current.opened_by = user_or_none(actor)
        current.save(update_fields=["opened_at", "opened_by", "updated_at"])
        record(
            actor=actor,
            action="procurement.bid.open",
            obj=current,
            classification=current.classification,
            after={
                "bids": [
                    [b.pk, b.supplier_id, b.lot_id, b.amount, b.currency, b.delivery_days]
                    for b in opened
                ]
            },
        )
    return opened


def bid_document(bid: Bid, index: int) -> BidDocument:
    """A document of an opened bid (decrypted from the version that was opened)."""
    if bid.opened_version is None:
        raise ValidationError({"bid": "Bid documents can be read only after opening."})
    version = bid.versions.get(seq=bid.opened_version)
    assert version.nonce is not None
    aad = sealing.associated_data(bid.tender_id, bid.lot_id, bid.supplier_id, version.seq)
    content = BidContent.from_bytes(
        sealing.unseal(version.key_id, version.nonce, version.ciphertext, aad)
    )
    return content.documents[index]
