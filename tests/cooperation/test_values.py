"""Typed indicator values: bounds and units, approval by someone else, locks and revisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spilno.audit.models import AuditEntry
from spilno.cooperation.models import IndicatorValue
from spilno.cooperation.services import programmes, values
from spilno.kernel.access import AccessDenied

D = dt.date
END_2020 = D(2020, 12, 31)


def enter(world, as_of=END_2020, value="25", unit="percent", actor=None):
    return values.enter_value(
        actor=actor or world.reform,
        indicator=world.indicator,
        as_of=as_of,
        value=Decimal(value),
        unit=unit,
        source="Certification report 2020",
        evidence="GS/2020/117",
    )


def approved(world, **kw):
    row = enter(world, **kw)
    values.submit_value(actor=world.reform, value=row)
    return values.approve_value(actor=world.approver, value=row)


@pytest.mark.parametrize(
    ("value", "unit", "field"),
    [
        ("25", "count", "unit"),
        ("25", "days", "unit"),
        ("-1", "percent", "value"),
        ("100.5", "percent", "value"),
    ],
)
def test_wrong_unit_or_out_of_bounds_is_a_field_error_and_writes_nothing(world, value, unit, field):
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        enter(world, value=value, unit=unit)
    assert field in exc.value.message_dict
    assert not IndicatorValue.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_declared_bounds_of_a_count_indicator_are_enforced(world, system):
    indicator = programmes.add_indicator(
        actor=system,
        objective=world.objective,
        title_en="Brigades certified",
        unit="count",
        baseline=Decimal(2),
        baseline_date=D(2018, 1, 1),
        target=Decimal(20),
        target_date=D(2025, 1, 1),
        minimum=Decimal(0),
        maximum=Decimal(40),
    )
    with pytest.raises(ValidationError) as exc:
        values.enter_value(
            actor=world.reform, indicator=indicator, as_of=D(2020, 1, 1), value=Decimal(41),
            unit="count", source="x",
        )  # fmt: skip
    assert "outside the declared bounds" in exc.value.message_dict["value"][0]


def test_a_value_counts_only_after_someone_else_approves_it(world):
    row = enter(world)
    assert row.status == "draft"
    values.submit_value(actor=world.reform, value=row)
    with pytest.raises(ValidationError) as exc:
        values.approve_value(actor=world.reform, value=row)
    assert "Someone other than the author" in exc.value.message_dict["status"][0]
    row.refresh_from_db()
    assert row.status == "submitted"
    row = values.approve_value(actor=world.approver, value=row, note="Matches GS report")
    assert row.status == "approved"
    assert row.reviewed_by == world.approver


def test_returned_value_is_fixed_and_resubmitted(world):
    row = enter(world)
    values.submit_value(actor=world.reform, value=row)
    with pytest.raises(ValidationError):
        values.return_value(actor=world.approver, value=row, note="  ")
    row = values.return_value(actor=world.approver, value=row, note="Evidence missing")
    assert row.status == "returned"
    row = values.update_value(actor=world.reform, value=row, evidence="GS/2020/118")
    row = values.submit_value(actor=world.reform, value=row)
    assert row.status == "submitted"


def test_only_one_live_value_per_date(world):
    enter(world)
    with pytest.raises(ValidationError) as exc:
        enter(world, value="30")
    assert "as_of" in exc.value.message_dict
    assert IndicatorValue.objects.count() == 1


def test_editing_an_approved_value_in_an_open_period_needs_approval_again(world):
    row = approved(world)
    row = values.update_value(actor=world.reform, value=row, new_value=Decimal(26))
    assert (row.status, row.value) == ("draft", Decimal(26))
    assert row.reviewed_by is None


def test_locked_period_needs_a_revision_which_supersedes_once_approved(world):
    row = approved(world)
    programmes.lock_period(actor=world.approver, programme=world.programme, until=D(2020, 12, 31))
    world.indicator.refresh_from_db()
    row.refresh_from_db()
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        values.update_value(actor=world.reform, value=row, new_value=Decimal(27))
    assert "locked" in exc.value.message_dict["as_of"][0]
    with pytest.raises(ValidationError):
        enter(world, as_of=D(2020, 6, 30))
    assert AuditEntry.objects.count() == entries
    with pytest.raises(ValidationError) as exc:
        values.revise_value(actor=world.reform, value=row, new_value=Decimal(27), reason="")
    assert "reason" in exc.value.message_dict
    revision = values.revise_value(
        actor=world.reform, value=row, new_value=Decimal(27), reason="GS corrected the count"
    )
    assert (revision.revision, revision.status, revision.supersedes) == (2, "draft", row)
    with pytest.raises(ValidationError):  # one open revision at a time
        values.revise_value(actor=world.reform, value=row, new_value=Decimal(28), reason="again")
    values.submit_value(actor=world.reform, value=revision)
    values.approve_value(actor=world.approver, value=revision)
    row.refresh_from_db()
    assert row.status == "superseded"
    actions = list(
        AuditEntry.objects.filter(action__startswith="cooperation.value").values_list(
            "action", flat=True
        )
    )
    assert "cooperation.value.revise" in actions
    assert "cooperation.value.supersede" in actions


def test_lock_refuses_while_values_wait_and_only_moves_forwards(world):
    row = enter(world)
    with pytest.raises(ValidationError) as exc:
        programmes.lock_period(actor=world.approver, programme=world.programme, until=D(2021, 1, 1))
    assert "not yet approved" in exc.value.message_dict["until"][0]
    values.withdraw_value(actor=world.reform, value=row)
    assert not IndicatorValue.objects.exists()
    programmes.lock_period(actor=world.approver, programme=world.programme, until=D(2021, 1, 1))
    with pytest.raises(ValidationError):
        programmes.lock_period(actor=world.approver, programme=world.programme, until=D(2020, 1, 1))


def test_a_computed_indicator_is_not_typed(world):
    with pytest.raises(ValidationError) as exc:
        values.enter_value(
            actor=world.reform, indicator=world.computed, as_of=D(2020, 1, 1), value=Decimal(1),
            unit="percent", source="x",
        )  # fmt: skip
    assert "indicator" in exc.value.message_dict


def test_outsiders_cannot_enter_values(world):
    with pytest.raises(AccessDenied):
        enter(world, actor=world.fr_liaison)
    assert not IndicatorValue.objects.exists()


def test_a_partner_enters_values_in_its_own_programme(world):
    row = enter(world, actor=world.us_liaison)
    assert row.entered_by == world.us_liaison
