"""Figures procurement computes for others (cooperation's indicators, the consultation brief),
registered in :mod:`spilno.kernel.metrics` so they need not import procurement (ADR 0009)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from spilno.kernel.metrics import (
    Activity,
    Metric,
    MetricParam,
    register_activity_feed,
    register_metric,
)
from spilno.procurement.models import Contract, Delivery, TenderEvent
from spilno.procurement.states import ContractStatus, DeliveryStatus

WINDOW_DAYS = 365


def _window(as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    return end - dt.timedelta(days=WINDOW_DAYS), end


def median_days_to_contract(*, as_of: dt.date, method: str = "") -> Decimal | None:
    """Median days from a tender's first recorded step to its contract's second signature, over
    contracts that became active in the year up to ``as_of`` (call-off orders excluded: they
    have no tender of their own)."""
    start, end = _window(as_of)
    signed = Contract.objects.filter(
        framework__isnull=True,
        buyer_signed_at__isnull=False,
        supplier_signed_at__isnull=False,
    ).exclude(status=ContractStatus.PENDING)
    if method:
        signed = signed.filter(tender__method=method)
    rows: list[tuple[int, dt.datetime]] = []
    for tender_id, buyer_at, supplier_at in signed.values_list(
        "tender_id", "buyer_signed_at", "supplier_signed_at"
    ):
        if buyer_at and supplier_at and start <= max(buyer_at, supplier_at) < end:
            rows.append((tender_id, max(buyer_at, supplier_at)))
    if not rows:
        return None
    firsts = dict(
        TenderEvent.objects.filter(tender_id__in={t for t, _ in rows})
        .values("tender_id")
        .annotate(first=Min("at"))
        .values_list("tender_id", "first")
    )
    days = [(at - firsts[t]).total_seconds() / 86400 for t, at in rows if t in firsts]
    if not days:
        return None
    return Decimal(str(round(statistics.median(days), 1)))


def on_time_delivery_rate(*, as_of: dt.date) -> Decimal | None:
    """Per cent of deliveries due in the year up to ``as_of`` that were received by their due
    date (a delivery not received at all counts as late)."""
    first = as_of - dt.timedelta(days=WINDOW_DAYS - 1)
    due = list(
        Delivery.objects.filter(due_date__gte=first, due_date__lte=as_of).values_list(
            "due_date", "received_at"
        )
    )
    if not due:
        return None
    on_time = sum(
        1 for due_date, received in due if received and timezone.localdate(received) <= due_date
    )
    return (Decimal(100) * on_time / len(due)).quantize(Decimal("0.1"))


def deliveries_under(
    *, user: Any, agreement_ids: Iterable[int], start: dt.date, end: dt.date
) -> list[Activity]:
    """Accepted deliveries of contracts concluded under the agreements, that ``user`` may see."""
    ids = list(agreement_ids)
    if not ids:
        return []
    visible: QuerySet[Contract] = Contract.objects.visible_to(user).filter(
        Q(agreement_id__in=ids) | Q(framework__agreement_id__in=ids)
    )
    rows = (
        Delivery.objects.filter(
            contract__in=visible,
            status=DeliveryStatus.ACCEPTED,
            received_at__date__gte=start,
            received_at__date__lte=end,
        )
        .select_related("contract")
        .prefetch_related("lines__item")
    )
    result = []
    for delivery in rows:
        lines = list(delivery.lines.all())
        units = {line.item.unit for line in lines}
        quantity = sum((line.received_quantity or Decimal(0) for line in lines), Decimal(0))
        contract = delivery.contract
        result.append(
            Activity(
                kind="delivery",
                date=timezone.localdate(delivery.received_at),
                title=f"{contract.title} — delivery {delivery.number}",
                quantity=quantity if len(units) == 1 else None,
                unit=units.pop() if len(units) == 1 else "",
                reference=contract.reference,
                url=reverse("procurement:contract-detail", args=[contract.pk]),
                agreement_id=contract.agreement_id,
            )
        )
    return result


def register() -> None:
    register_metric(
        Metric(
            key="procurement.median_days_to_contract",
            label="Median days from tender to contract",
            unit="days",
            description=(
                "Median days from a tender's first step to its contract's second signature, "
                "over contracts signed in the 365 days up to the date."
            ),
            compute=median_days_to_contract,
            params=(MetricParam("method", "Procurement method", "e.g. open; empty for all."),),
        )
    )
    register_metric(
        Metric(
            key="procurement.on_time_delivery_rate",
            label="Deliveries received on time",
            unit="percent",
            description=(
                "Per cent of deliveries due in the 365 days up to the date that were received "
                "by their due date."
            ),
            compute=on_time_delivery_rate,
        )
    )
    register_activity_feed("procurement.deliveries", deliveries_under)
