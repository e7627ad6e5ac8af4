"""The chronograph: one idempotent tick that applies every transition whose time has come.

``spilno tick`` runs it once; ``spilno serve`` runs it every ``SPILNO_TICK_SECONDS``. Each tender
moves in its own transaction under an exclusive lock, re-checking the condition after taking
the lock, so two ticks running at once (or twice in a row) change nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from spilno.kernel import clock
from spilno.kernel.access import SystemActor
from spilno.kernel.units import unit_of_work
from spilno.procurement.models import Tender
from spilno.procurement.services.common import lock_tender, move_tender
from spilno.procurement.services.contracts import create_contract_for_award
from spilno.procurement.services.deliveries import raise_overdue_claims
from spilno.procurement.services.evaluation import has_holding_complaint
from spilno.procurement.states import AwardStatus, BidStatus, LotStatus, TenderStatus


@dataclass
class TickReport:
    enquiries_closed: int = 0
    tendering_closed: int = 0
    unsuccessful: int = 0
    standstills_ended: int = 0
    standstills_held: int = 0
    late_claims: int = 0

    def __str__(self) -> str:
        return ", ".join(
            f"{f.name.replace('_', ' ')}: {getattr(self, f.name)}" for f in fields(self)
        )

    @property
    def changed(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "standstills_held")


def close_enquiries_if_due(tender_id: int, actor: Any = None) -> bool:
    with unit_of_work():
        tender = lock_tender(tender_id)
        if tender.status != TenderStatus.ENQUIRIES or tender.enquiry_end is None:
            return False
        if clock.now() < tender.enquiry_end:
            return False
        move_tender(actor or SystemActor(), tender, TenderStatus.TENDERING, note="enquiries ended")
        return True


def close_tendering_if_due(tender_id: int, actor: Any = None) -> str | None:
    """At the deadline: sealed bids stay sealed; lots without a live bid are unsuccessful."""
    actor = actor or SystemActor()
    with unit_of_work():
        tender = lock_tender(tender_id)  # waits for every bid transaction in flight
        if tender.status != TenderStatus.TENDERING or tender.tender_end is None:
            return None
        if clock.now() < tender.tender_end:
            return None
        live_lots = set(
            tender.bids.filter(status=BidStatus.SUBMITTED).values_list("lot_id", flat=True)
        )
        tender.lots.filter(status=LotStatus.ACTIVE).exclude(pk__in=live_lots).update(
            status=LotStatus.UNSUCCESSFUL
        )
        if not live_lots:
            move_tender(actor, tender, TenderStatus.UNSUCCESSFUL, note="no bids by the deadline")
            return TenderStatus.UNSUCCESSFUL
        move_tender(actor, tender, TenderStatus.EVALUATION, note="bids due; sealed until opened")
        return TenderStatus.EVALUATION


def end_standstill_if_due(tender_id: int, actor: Any = None) -> str | None:
    """Activate pending awards and draw up their contracts, unless a complaint holds them."""
    actor = actor or SystemActor()
    with unit_of_work():
        tender = lock_tender(tender_id)
        if tender.status != TenderStatus.AWARDED or tender.standstill_end is None:
            return None
        if clock.now() < tender.standstill_end:
            return None
        pending = list(tender.awards.filter(status=AwardStatus.PENDING).select_related("lot"))
        if not pending:
            return None
        if has_holding_complaint(tender):
            return "held"
        winners = {a.bid_id for a in pending if a.bid_id}
        for award in pending:
            award.status = AwardStatus.ACTIVE
            award.save(update_fields=["status"])
            create_contract_for_award(actor, award)
        lots = {a.lot_id for a in pending}
        tender.bids.filter(pk__in=winners).update(status=BidStatus.AWARDED)
        tender.bids.filter(
            lot_id__in=lots, status__in=[BidStatus.QUALIFIED, BidStatus.DISQUALIFIED]
        ).exclude(pk__in=winners).update(status=BidStatus.NOT_AWARDED)
        from spilno.audit.services import record

        record(
            actor=actor,
            action="procurement.award.activate",
            obj=tender,
            after={"awards": [a.pk for a in pending]},
        )
        return AwardStatus.ACTIVE


def tick(actor: Any = None) -> TickReport:
    """Apply every due transition once. Safe to run as often and as concurrently as you like."""
    actor = actor or SystemActor()
    report = TickReport()
    now = clock.now()
    due = Tender.objects.filter(status=TenderStatus.ENQUIRIES, enquiry_end__lte=now)
    for pk in due.values_list("pk", flat=True):
        report.enquiries_closed += close_enquiries_if_due(pk, actor)
    due = Tender.objects.filter(status=TenderStatus.TENDERING, tender_end__lte=now)
    for pk in due.values_list("pk", flat=True):
        outcome = close_tendering_if_due(pk, actor)
        report.tendering_closed += outcome == TenderStatus.EVALUATION
        report.unsuccessful += outcome == TenderStatus.UNSUCCESSFUL
    due = Tender.objects.filter(status=TenderStatus.AWARDED, standstill_end__lte=now)
    for pk in due.values_list("pk", flat=True):
        outcome = end_standstill_if_due(pk, actor)
        report.standstills_ended += outcome == AwardStatus.ACTIVE
        report.standstills_held += outcome == "held"
    report.late_claims = raise_overdue_claims(actor, clock.today())
    return report
