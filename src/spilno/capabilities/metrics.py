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
    """Mean delivered share of the open requirements recorded by ``as_of`` whose CPV code starts
    with ``cpv``'s prefix, each capped at 100% (so an over-delivered requirement cannot hide an
    empty one), in per cent."""
    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    requirements = Requirement.objects.filter(status=RequirementStatus.OPEN, created_at__lt=end)
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
                "Mean delivered share of the open requirements (each capped at 100%) recorded "
                "by the date, optionally only those whose CPV code starts with a prefix."
            ),
            compute=delivered_share,
            params=(
                MetricParam(
                    "cpv",
                    "CPV code or prefix",
                    "e.g. 35722000 for air-defence systems; empty: all.",
                ),
            ),
        )
    )
