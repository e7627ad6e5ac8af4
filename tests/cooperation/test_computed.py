"""Computed indicators against hand-computed fixtures: the capabilities ledger's delivered share
and procurement's median days from tender to contract, read through the kernel registry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spilno.capabilities.services.ledger import Source, record_delivery
from spilno.capabilities.services.requirements import create_requirement
from spilno.cooperation.services import programmes, values
from spilno.kernel import clock, metrics
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


@pytest.fixture
def air_defence(world, make_org):
    """Two air-defence radar requirements (4 and 10 units) and an ammunition one (ignored)."""
    unit = make_org("Air Force Command")
    system = SystemActor()

    def requirement(cpv, quantity, title):
        return create_requirement(
            actor=system, title_en=title, cpv=cpv, quantity=Decimal(quantity), unit="units",
            needed_by=dt.date(2026, 1, 1), requesting_organisation=unit, priority=1,
            priority_reason="Air defence of cities", classification=Level.INTERNAL,
        )  # fmt: skip

    radar_a = requirement("35723000-8", 4, "Air defence radar A")
    radar_b = requirement("35723000-8", 10, "Air defence radar B")
    shells = requirement("35331200-5", 1000, "155 mm shells")
    source = Source("pledge", "7", "Pledge 7")

    def deliver(requirement, quantity, day, key):
        with clock.travel(at(day)):
            record_delivery(actor=system, requirement=requirement, source=source,
                            quantity=Decimal(quantity), key=key)  # fmt: skip

    deliver(radar_a, 2, dt.date(2024, 3, 1), "a1")
    deliver(radar_b, 5, dt.date(2024, 6, 1), "b1")
    deliver(radar_a, 3, dt.date(2025, 2, 1), "a2")  # over-delivered: counts as 100%
    deliver(shells, 1000, dt.date(2024, 1, 1), "s1")
    return radar_a, radar_b


def test_delivered_share_by_hand(air_defence):
    share = metrics.metric("capabilities.delivered_share").compute
    # 2023: nothing delivered yet → 0 %, a real figure (there are requirements)
    assert share(as_of=dt.date(2023, 12, 31), cpv="35723000") == Decimal("0.0")
    # end of 2024: A 2/4 = 50 %, B 5/10 = 50 % → 50 %
    assert share(as_of=dt.date(2024, 12, 31), cpv="35723000") == Decimal("50.0")
    # 2025: A capped at 100 %, B 50 % → 75 %
    assert share(as_of=dt.date(2025, 12, 31), cpv="35723000") == Decimal("75.0")
    # all requirements: (100 + 50 + 100) / 3 = 83.3 %
    assert share(as_of=dt.date(2025, 12, 31)) == Decimal("83.3")
    assert share(as_of=dt.date(2025, 12, 31), cpv="44000000") is None  # nothing to measure


def test_computed_indicator_values_follow_the_ledger(world, air_defence):
    system = SystemActor()
    row = values.compute_value(actor=system, indicator=world.computed, as_of=dt.date(2024, 12, 31))
    assert (row.value, row.status, row.computed, row.unit) == (
        Decimal(50),
        "approved",
        True,
        "percent",
    )
    assert row.source == "Computed: Share of requirements delivered"
    # recomputing the same date with the same ledger changes nothing
    again = values.compute_value(
        actor=system, indicator=world.computed, as_of=dt.date(2024, 12, 31)
    )
    assert (again.pk, again.value) == (row.pk, row.value)
    # a later delivery dated back in 2024 changes an open period's figure in place
    with clock.travel(at(dt.date(2024, 12, 1))):
        record_delivery(actor=system, requirement=air_defence[1], source=Source("pledge", "8", "P8"),
                        quantity=Decimal(5), key="b2")  # fmt: skip
    again = values.compute_value(
        actor=system, indicator=world.computed, as_of=dt.date(2024, 12, 31)
    )
    assert (again.pk, again.value) == (row.pk, Decimal(75))
    # once the period is locked, the reviewed figure stays
    programmes.lock_period(actor=system, programme=world.programme, until=dt.date(2024, 12, 31))
    world.computed.refresh_from_db()
    with clock.travel(at(dt.date(2024, 12, 2))):
        record_delivery(actor=system, requirement=air_defence[0], source=Source("pledge", "9", "P9"),
                        quantity=Decimal(2), key="a3")  # fmt: skip
    kept = values.compute_value(actor=system, indicator=world.computed, as_of=dt.date(2024, 12, 31))
    assert kept.value == Decimal(75)


def test_nothing_to_measure_writes_nothing(world):
    assert (
        values.compute_value(
            actor=SystemActor(), indicator=world.computed, as_of=dt.date(2020, 1, 1)
        )
        is None
    )
    assert not world.computed.values.exists()


def test_an_indicator_names_only_registered_metrics_in_their_unit(world):
    system = SystemActor()
    base = {
        "objective": world.objective, "title_en": "x", "baseline": Decimal(0),
        "baseline_date": dt.date(2018, 1, 1), "target": Decimal(10), "target_date": dt.date(2025, 1, 1),
    }  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        programmes.add_indicator(actor=system, unit="percent", metric="nope.metric", **base)
    assert "metric" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        programmes.add_indicator(
            actor=system, unit="percent", metric="procurement.median_days_to_contract", **base
        )
    assert "unit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        programmes.add_indicator(
            actor=system, unit="percent", metric="capabilities.delivered_share",
            metric_params={"colour": "red"}, **base,
        )  # fmt: skip
    assert "metric_params.colour" in exc.value.message_dict


def test_the_chronograph_computes_last_month_end_once(world, air_defence):
    from spilno.cooperation.services.values import compute_due, last_month_end

    assert last_month_end(dt.date(2025, 3, 15)) == dt.date(2025, 2, 28)
    first = compute_due(actor=SystemActor(), as_of=dt.date(2025, 2, 28))
    again = compute_due(actor=SystemActor(), as_of=dt.date(2025, 2, 28))
    assert first == again == {"computed": 1, "empty": 0, "refused": 0}
    [row] = world.computed.values.all()
    assert (row.as_of, row.value) == (dt.date(2025, 2, 28), Decimal(75))
