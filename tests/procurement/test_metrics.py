"""Procurement's registered figures, by hand: median days from tender to contract, on-time rate,
and accepted deliveries under an agreement for the consultation brief."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from spilno.kernel import metrics
from spilno.kernel.access import SystemActor
from spilno.procurement.models import TenderEvent
from tests.procurement.conftest import START, active_contract


def test_median_days_to_contract_by_hand(world, travel):
    contract = active_contract(world, travel)
    tender = contract.tender
    # the tender's first step was taken at START (the drafting), the second signature at the
    # end of the standstill plus one minute (signed_contracts): that many days, to 0.1
    assert TenderEvent.objects.filter(tender=tender).order_by("at")[0].at == START
    signed = max(contract.buyer_signed_at, contract.supplier_signed_at)
    expected = round((signed - START).total_seconds() / 86400, 1)
    compute = metrics.metric("procurement.median_days_to_contract").compute
    as_of = signed.date()
    assert compute(as_of=as_of) == Decimal(str(expected))
    assert compute(as_of=as_of, method="open") == Decimal(str(expected))
    assert compute(as_of=as_of, method="negotiated") is None
    # outside the 365-day window, and before the signature, there is nothing to measure
    assert compute(as_of=as_of + dt.timedelta(days=366)) is None
    assert compute(as_of=as_of - dt.timedelta(days=1)) is None


def test_no_deliveries_due_means_no_on_time_rate(world, travel):
    assert (
        metrics.metric("procurement.on_time_delivery_rate").compute(as_of=dt.date(2026, 6, 1))
        is None
    )


def test_activity_feed_is_empty_without_agreements(world, travel):
    assert (
        metrics.activities(
            user=SystemActor(), agreement_ids=[], start=dt.date(2020, 1, 1), end=dt.date(2030, 1, 1)
        )
        == []
    )
