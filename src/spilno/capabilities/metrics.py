"""Figures the capabilities ledger computes for cooperation's indicators (ADR 0009)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from spilno.capabilities.models import EntryKind, FulfilmentEntry, Requirement, RequirementStatus
from spilno.core.codes import cpv_prefix
from spilno.kernel.metrics import Metric, MetricParam, register_metric


def delivered_share(*, as_of: dt.date, cpv: str = "") -> Decimal | None:
    """Mean delivered share of the open requirements whose CPV code starts with ``cpv``'s
    prefix, counting deliveries recorded by ``as_of``; each share is capped at 100% (so an
    over-delivered requirement cannot hide an empty one), in per cent.

    The requirements are those open today: a gap recorded late (as the demo's history is) still
    counts for earlier dates, which is what a reviewer asks: "how much of what we need had
    arrived by then?"."""
    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    requirements = Requirement.objects.filter(status=RequirementStatus.OPEN)
    if cpv:
        requirements = requirements.filter(cpv__startswith=cpv_prefix(cpv))
    needed = dict(requirements.values_list("pk", "quantity"))
    if not needed:
        return None
    delivered: dict[int, Decimal] = defaultdict(Decimal)
    rows = FulfilmentEntry.objects.filter(
        requirement_id__in=needed, kind=EntryKind.DELIVERED, recorded_at__lt=end
    ).values_list("requirement_id", "quantity")
    for requirement_id, quantity in rows:
        delivered[requirement_id] += quantity
    shares = [min(delivered[pk] / qty, Decimal(1)) for pk, qty in needed.items()]
    return (Decimal(100) * sum(shares, Decimal(0)) / len(shares)).quantize(Decimal("0.1"))


def register() -> None:
    register_metric(
        Metric(
            key="capabilities.delivered_share",
            label="Share of requirements delivered",
            unit="percent",
            description=(
                "Mean delivered share (each capped at 100%) of the open requirements, counting "
                "deliveries recorded by the date; optionally only CPV codes under a prefix."
            ),
            compute=delivered_share,
            params=(
                MetricParam(
                    "cpv",
                    "CPV code or prefix",
                    "e.g. 35723000 (air defence radar); empty: all.",
                ),
            ),
        )
    )
