"""Reads for procurement, filtered by clearance and need-to-know, and the sealed-bid rule.

Pages, the API and exports read bids only through :func:`bids_for`, which returns nothing
of a bid's content before opening: the plain columns are empty until then anyway, and this
is the one place that decides what a reader may know about sealed bids at all.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from spilno.core.models import Organisation
from spilno.kernel import clock
from spilno.kernel.access import NEED_TO_KNOW_WAIVED, acts_for
from spilno.procurement.models import (
    Bid,
    Contract,
    Delivery,
    ProcurementPlan,
    SupplierQualification,
    Tender,
    TenderEvent,
)
from spilno.procurement.states import (
    TENDER_FINAL,
    TENDER_STAGES,
    BidStatus,
    DeliveryStatus,
    Method,
    TenderStatus,
)


def plans_for(user: Any) -> QuerySet[ProcurementPlan]:
    return ProcurementPlan.objects.visible_to(user).select_related("buyer")


def tenders_for(
    user: Any,
    *,
    q: str = "",
    status: str = "",
    method: str = "",
    buyer: int | None = None,
    cpv: str = "",
    after: int | None = None,
) -> QuerySet[Tender]:
    qs: QuerySet[Tender] = Tender.objects.visible_to(user).select_related("buyer", "plan")
    qs = _hide_unpublished(user, qs)
    if q:
        qs = qs.filter(Q(title_en__icontains=q) | Q(title_uk__icontains=q) | Q(reference__iexact=q))
    if status:
        qs = qs.filter(status=status)
    if method:
        qs = qs.filter(method=method)
    if buyer:
        qs = qs.filter(buyer_id=buyer)
    if cpv:
        from spilno.core.codes import cpv_prefix

        qs = qs.filter(lots__items__cpv__startswith=cpv_prefix(cpv)).distinct()
    if after:
        qs = qs.filter(pk__gt=after)
    return qs


def _hide_unpublished(user: Any, qs: QuerySet[Tender]) -> QuerySet[Tender]:
    """Draft and planned tenders are the buyer's working papers: only the buyer's members (and
    auditors, and the console) see them before publication."""
    if getattr(user, "is_system", False):
        return qs
    if getattr(user, "is_authenticated", False) and user.is_active:
        if user.role_set() & NEED_TO_KNOW_WAIVED:
            return qs
        own = list(user.organisation_ids())
    else:
        own = []
    unpublished = Q(status__in=[TenderStatus.DRAFT, TenderStatus.PLANNED])
    return qs.exclude(unpublished & ~Q(buyer_id__in=own))


def tender_for(user: Any, pk: int) -> Tender:
    return tenders_for(user).get(pk=pk)


@dataclass
class BidView:
    """What a reader may know of one bid. Before opening: who and when, only for the
    supplier's own representatives (the buyer learns nothing, not even how many)."""

    bid: Bid
    sealed: bool
    receipt: str = ""
    versions: int = 0


def bids_for(user: Any, tender: Tender) -> list[BidView]:
    if tender.opened_at is not None:
        return [
            BidView(b, sealed=False, versions=b.version_count)
            for b in tender.bids.select_related("supplier", "lot").order_by("lot", "rank", "pk")
            if b.status != BidStatus.WITHDRAWN
        ]
    own = [
        b
        for b in tender.bids.select_related("supplier", "lot")
        if acts_for(user, b.supplier_id, "procurement.bid.submit")
        and not getattr(user, "is_system", False)
    ]
    views = []
    for b in own:
        latest = b.versions.order_by("-seq").first()
        views.append(
            BidView(
                b, sealed=True, receipt=latest.receipt if latest else "", versions=b.version_count
            )
        )
    return views


def contracts_for(
    user: Any,
    *,
    q: str = "",
    status: str = "",
    supplier: int | None = None,
    buyer: int | None = None,
    after: int | None = None,
) -> QuerySet[Contract]:
    qs: QuerySet[Contract] = Contract.objects.visible_to(user).select_related(
        "buyer", "supplier", "tender", "agreement"
    )
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(reference__iexact=q))
    if status:
        qs = qs.filter(status=status)
    if supplier:
        qs = qs.filter(supplier_id=supplier)
    if buyer:
        qs = qs.filter(buyer_id=buyer)
    if after:
        qs = qs.filter(pk__gt=after)
    return qs


def contract_for(user: Any, pk: int) -> Contract:
    return contracts_for(user).get(pk=pk)


def deliveries_for(user: Any, contract: Contract) -> QuerySet[Delivery]:
    return contract.deliveries.prefetch_related("lines__item", "claims")


def register_for(supplier: Organisation | None = None) -> QuerySet[SupplierQualification]:
    qs = SupplierQualification.objects.select_related("supplier")
    return qs.filter(supplier=supplier) if supplier else qs


@dataclass
class Performance:
    """A supplier's record on deliveries that have been received."""

    received: int
    on_time: int
    decided: int
    rejected: int
    open_claims: int
    contracts: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.received if self.received else None

    @property
    def rejection_rate(self) -> float | None:
        return self.rejected / self.decided if self.decided else None


def supplier_performance(supplier: Organisation) -> Performance:
    deliveries = list(
        Delivery.objects.filter(contract__supplier=supplier, received_at__isnull=False).only(
            "due_date", "received_at", "status"
        )
    )
    decided = [
        d for d in deliveries if d.status in (DeliveryStatus.ACCEPTED, DeliveryStatus.REJECTED)
    ]
    return Performance(
        received=len(deliveries),
        on_time=sum(1 for d in deliveries if d.on_time),
        decided=len(decided),
        rejected=sum(1 for d in decided if d.status == DeliveryStatus.REJECTED),
        open_claims=Delivery.objects.filter(
            contract__supplier=supplier, claims__status="open"
        ).count(),
        contracts=Contract.objects.filter(supplier=supplier).count(),
    )


# --- cycle times ("faster", measured) ---------------------------------------------------------
def stage_durations(events: list[TenderEvent], now: Any = None) -> dict[str, float]:
    """Days spent in each stage, from the ordered events of one tender (the open stage runs
    until ``now``)."""
    durations: dict[str, float] = defaultdict(float)
    for current, following in zip(events, [*events[1:], None], strict=True):
        end = following.at if following else (None if current.status in TENDER_FINAL else now)
        if end is None:
            continue
        durations[current.status] += (end - current.at).total_seconds() / 86400
    return dict(durations)


@dataclass
class CycleTimes:
    medians: dict[str, dict[str, float | None]] = field(default_factory=dict)  # method → stage
    counts: dict[str, int] = field(default_factory=dict)
    slowest_open: list[tuple[Tender, float, str]] = field(default_factory=list)
    stages: tuple[str, ...] = TENDER_STAGES


def cycle_times(user: Any, *, slowest: int = 10) -> CycleTimes:
    now = clock.now()
    tenders = list(tenders_for(user).prefetch_related("events"))
    per_method: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    open_ones: list[tuple[Tender, float, str]] = []
    for tender in tenders:
        events = sorted(tender.events.all(), key=lambda e: (e.at, e.pk))
        for stage, days in stage_durations(events, now).items():
            per_method[tender.method][stage].append(days)
        if tender.status not in TENDER_FINAL and events:
            open_ones.append((tender, (now - events[0].at).total_seconds() / 86400, tender.status))
    result = CycleTimes()
    for method in Method.values:
        stages = per_method.get(method, {})
        result.medians[method] = {
            stage: (statistics.median(stages[stage]) if stages.get(stage) else None)
            for stage in TENDER_STAGES
        }
        result.counts[method] = sum(1 for t in tenders if t.method == method)
    result.slowest_open = sorted(open_ones, key=lambda row: -row[1])[:slowest]
    return result


def status_counts(user: Any) -> dict[str, int]:
    rows = tenders_for(user).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def lot_value_total(tender: Tender) -> Decimal:
    return sum((lot.value for lot in tender.lots.all()), Decimal(0))
