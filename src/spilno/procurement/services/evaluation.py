"""Qualification, scoring, award decisions and complaints during the standstill."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError

from spilno.audit.services import record
from spilno.core.models import Organisation
from spilno.kernel import clock
from spilno.kernel.access import require_for
from spilno.kernel.units import unit_of_work
from spilno.procurement.models import Award, Bid, Complaint, Lot, Tender
from spilno.procurement.services.common import (
    forbid_drafter,
    lock_tender,
    money_amount,
    move_tender,
    require_status,
    transition_error,
    user_or_none,
)
from spilno.procurement.states import (
    COMPLAINT_HOLDS,
    METHODS,
    AwardCriteria,
    AwardStatus,
    BidStatus,
    ComplaintStatus,
    IllegalTransition,
    LotStatus,
    TenderStatus,
    check_bid_move,
    check_complaint_move,
)

THREE = Decimal("0.001")


def qualify_bid(
    *,
    actor: Any,
    bid: Bid,
    qualified: bool,
    reason: str = "",
    quality_score: int | None = None,
) -> Bid:
    """Record the evaluation committee's decision on one opened bid."""
    tender = bid.tender
    require_for(actor, tender.buyer_id, "procurement.bid.evaluate")
    forbid_drafter(actor, tender, "evaluate its bids")
    if not qualified and not reason.strip():
        raise ValidationError({"reason": "Give the reason for disqualifying the bid."})
    if quality_score is not None and not 0 <= quality_score <= 100:
        raise ValidationError({"quality_score": "The quality score runs from 0 to 100."})
    with unit_of_work():
        current_tender = lock_tender(tender)
        require_status(current_tender, TenderStatus.EVALUATION, doing="evaluate bids")
        current = Bid.objects.select_for_update().get(pk=bid.pk)
        target = BidStatus.QUALIFIED if qualified else BidStatus.DISQUALIFIED
        before = {"status": current.status, "quality_score": current.quality_score}
        if current.status != target:
            try:
                check_bid_move(current.status, target)
            except IllegalTransition as exc:
                raise transition_error(exc) from None
        current.status = target
        current.qualification_reason = reason.strip()
        if quality_score is not None:
            current.quality_score = quality_score
        current.evaluated_by = user_or_none(actor)
        current.save()
        record(
            actor=actor,
            action="procurement.bid.qualify" if qualified else "procurement.bid.disqualify",
            obj=current,
            classification=current_tender.classification,
            before=before,
            after={
                "status": target,
                "reason": current.qualification_reason,
                "quality_score": current.quality_score,
            },
        )
    return current


@dataclass
class Ranked:
    bid: Bid
    price_score: Decimal
    delivery_score: Decimal
    quality_score: Decimal
    total: Decimal


def rank_lot(tender: Tender, lot: Lot) -> list[Ranked]:
    """Qualified bids of a lot, best first, with the scores that ordered them (shown to all).

    Lowest price: cheapest first. Weighted: each criterion scores 0-100 against the best bid
    (price and delivery time: best / this; quality: the committee's score), then weights apply.
    Ties go to the bid whose last version was stored first."""
    bids = [
        b
        for b in lot.bids.filter(status__in=[BidStatus.QUALIFIED, BidStatus.AWARDED])
        if b.amount is not None
    ]
    if not bids:
        return []
    best_price = min(b.amount for b in bids if b.amount is not None)
    best_days = min(b.delivery_days or 1 for b in bids)
    ranked = []
    wp, wd, wq = (Decimal(w) for w in tender.weights)
    for b in bids:
        assert b.amount is not None
        price = (Decimal(100) * best_price / b.amount).quantize(THREE, ROUND_HALF_UP)
        days = (Decimal(100) * best_days / Decimal(b.delivery_days or 1)).quantize(THREE)
        quality = Decimal(b.quality_score or 0)
        if tender.award_criteria == AwardCriteria.WEIGHTED:
            total = ((wp * price + wd * days + wq * quality) / 100).quantize(THREE, ROUND_HALF_UP)
        else:
            total = price
        ranked.append(Ranked(b, price, days, quality, total))
    ranked.sort(key=lambda r: (-r.total, r.bid.amount, r.bid.last_changed_at, r.bid.pk))
    return ranked


def _offers(tender: Tender, offers: dict[int, Decimal] | None) -> dict[int, Decimal]:
    lots = {lot.pk: lot for lot in tender.lots.filter(status=LotStatus.ACTIVE)}
    offers = offers or {}
    errors: dict[str, str] = {}
    clean: dict[int, Decimal] = {}
    for lot_id, lot in lots.items():
        if lot_id not in offers:
            errors[f"offers.{lot.number}"] = f"Give the negotiated price for lot {lot.number}."
            continue
        field = f"offers.{lot.number}"
        try:
            clean[lot_id] = money_amount(offers[lot_id], tender.currency, field, what="The price")
        except ValidationError as exc:
            errors[field] = exc.message_dict[field][0]
    unknown = set(offers) - set(lots)
    if unknown:
        errors["offers"] = f"No such active lot: {sorted(unknown)}."
    if errors:
        raise ValidationError(errors)
    return clean


def decide_awards(
    *, actor: Any, tender: Tender, offers: dict[int, Decimal] | None = None, note: str = ""
) -> list[Award]:
    """Award every active lot to its best qualified bid(s), or to the named supplier's
    negotiated offer; the standstill starts and complaints may be lodged until it ends."""
    require_for(actor, tender.buyer_id, "procurement.award.decide")
    forbid_drafter(actor, tender, "decide its award")
    now = clock.now()
    with unit_of_work():
        current = lock_tender(tender)
        require_status(current, TenderStatus.EVALUATION, doing="decide the award")
        rules = METHODS[current.method]
        if current.awards.filter(status=AwardStatus.PENDING).exists():
            raise ValidationError({"status": "An award decision is already pending."})
        awards: list[Award] = []
        if rules.bidding:
            if current.opened_at is None:
                raise ValidationError({"status": "Open the bids first."})
            undecided = current.bids.filter(status=BidStatus.OPENED).count()
            if undecided:
                raise ValidationError(
                    {"bids": f"{undecided} opened bid(s) are neither qualified nor disqualified."}
                )
            if (
                current.award_criteria == AwardCriteria.WEIGHTED
                and current.bids.filter(
                    status=BidStatus.QUALIFIED, quality_score__isnull=True
                ).exists()
            ):
                raise ValidationError({"bids": "Score the quality of every qualified bid first."})
            for lot in current.lots.filter(status=LotStatus.ACTIVE):
                ranking = rank_lot(current, lot)
                for position, r in enumerate(ranking, start=1):
                    r.bid.score, r.bid.rank = r.total, position
                    r.bid.save(update_fields=["score", "rank"])
                if not ranking:
                    lot.status = LotStatus.UNSUCCESSFUL
                    lot.save(update_fields=["status"])
                    continue
                for r in ranking[: current.max_awards]:
                    assert r.bid.amount is not None
                    awards.append(
                        Award.objects.create(
                            tender=current,
                            lot=lot,
                            bid=r.bid,
                            supplier_id=r.bid.supplier_id,
                            amount=r.bid.amount,
                            currency=current.currency,
                            score=r.total,
                            decided_by=user_or_none(actor),
                            decided_at=now,
                            note=note,
                        )
                    )
        else:
            assert current.supplier_id is not None
            for lot_id, amount in _offers(current, offers).items():
                awards.append(
                    Award.objects.create(
                        tender=current,
                        lot_id=lot_id,
                        supplier_id=current.supplier_id,
                        amount=amount,
                        currency=current.currency,
                        decided_by=user_or_none(actor),
                        decided_at=now,
                        note=note,
                    )
                )
        if not awards:
            move_tender(actor, current, TenderStatus.UNSUCCESSFUL, note="no qualified bids")
            return []
        current.standstill_end = now + dt.timedelta(days=rules.standstill_days)
        current.save(update_fields=["standstill_end", "updated_at"])
        Award.objects.filter(pk__in=[a.pk for a in awards]).update(
            standstill_end=current.standstill_end
        )
        record(
            actor=actor,
            action="procurement.award.decide",
            obj=current,
            after={
                "awards": [[a.lot_id, a.supplier_id, a.amount, a.currency] for a in awards],
                "standstill_end": current.standstill_end,
            },
        )
        move_tender(actor, current, TenderStatus.AWARDED, note="award decided")
    return awards


# --- complaints ------------------------------------------------------------------------------
def submit_complaint(
    *, actor: Any, tender: Tender, complainant: Organisation, text: str, award: Award | None = None
) -> Complaint:
    require_for(actor, complainant.pk, "procurement.complaint.submit")
    if not text.strip():
        raise ValidationError({"text": "Say what the complaint is about."})
    with unit_of_work():
        current = lock_tender(tender)
        require_status(current, TenderStatus.AWARDED, doing="complain about the award")
        if current.standstill_end is None or clock.now() >= current.standstill_end:
            raise ValidationError(
                {"tender": "The standstill period is over: complaints are closed."}
            )
        if not current.awards.filter(status=AwardStatus.PENDING).exists():
            raise ValidationError({"tender": "There is no pending award to complain about."})
        if (
            METHODS[current.method].bidding
            and not current.bids.filter(supplier=complainant).exists()
        ):
            raise ValidationError({"complainant": "Only bidders may complain about the award."})
        if award is not None and award.tender_id != current.pk:
            raise ValidationError({"award": "That award belongs to another tender."})
        complaint = Complaint.objects.create(
            tender=current,
            award=award,
            complainant=complainant,
            text=text.strip(),
            submitted_at=clock.now(),
            submitted_by=user_or_none(actor),
        )
        record(
            actor=actor,
            action="procurement.complaint.submit",
            obj=complaint,
            classification=current.classification,
            after={"tender": current.pk, "complainant": complainant.pk, "text": complaint.text},
        )
    return complaint


def decide_complaint(*, actor: Any, complaint: Complaint, outcome: str, reason: str) -> Complaint:
    """Accept for review, uphold or dismiss. Upholding cancels the pending award(s) and sends the
    tender back to evaluation; while a complaint is open the standstill cannot end."""
    tender = complaint.tender
    require_for(actor, tender.buyer_id, "procurement.complaint.decide")
    forbid_drafter(actor, tender, "decide complaints about its award")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reasons for the decision."})
    with unit_of_work():
        current_tender = lock_tender(tender)
        current = Complaint.objects.select_for_update().get(pk=complaint.pk)
        try:
            check_complaint_move(current.status, outcome)
        except IllegalTransition as exc:
            raise transition_error(exc, "outcome") from None
        before = current.status
        current.status = outcome
        current.decision = reason.strip()
        current.decided_at = clock.now()
        current.decided_by = user_or_none(actor)
        current.save()
        record(
            actor=actor,
            action=f"procurement.complaint.{outcome}",
            obj=current,
            classification=current_tender.classification,
            before={"status": before},
            after={"status": outcome, "decision": current.decision},
        )
        if outcome == ComplaintStatus.UPHELD:
            current_tender.awards.filter(status=AwardStatus.PENDING).update(
                status=AwardStatus.CANCELLED
            )
            moot = current_tender.complaints.filter(status__in=COMPLAINT_HOLDS)
            moot.update(
                status=ComplaintStatus.DISMISSED,
                decision=f"Moot: the award was cancelled by complaint {current.pk}.",
                decided_at=clock.now(),
            )
            current_tender.standstill_end = None
            current_tender.save(update_fields=["standstill_end", "updated_at"])
            move_tender(actor, current_tender, TenderStatus.EVALUATION, note="complaint upheld")
    return current


def has_holding_complaint(tender: Tender) -> bool:
    return tender.complaints.filter(status__in=COMPLAINT_HOLDS).exists()
