"""Use cases that shape a programme: its lines of effort, objectives and indicators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max

from spilno.audit.services import record
from spilno.cooperation.models import (
    Indicator,
    IndicatorValue,
    LineOfEffort,
    Objective,
    Programme,
)
from spilno.cooperation.services.common import apply, require_party, state
from spilno.cooperation.states import ValueStatus
from spilno.core.models import Agreement, CooperationArea
from spilno.kernel import metrics
from spilno.kernel.access import check_classification, require
from spilno.kernel.units import unit_of_work

PROGRAMME_FIELDS = (
    "title_en", "title_uk", "description", "starts_on", "ends_on", "classification",
)  # fmt: skip
LINE_FIELDS = ("title_en", "title_uk", "description")
OBJECTIVE_FIELDS = ("title_en", "title_uk", "description", "target_date")
INDICATOR_FIELDS = (
    "title_en", "title_uk", "unit", "direction", "baseline", "baseline_date", "target",
    "target_date", "minimum", "maximum", "metric", "metric_params", "source",
)  # fmt: skip


def _programme_checks(programme: Programme) -> None:
    if programme.ends_on and programme.ends_on < programme.starts_on:
        raise ValidationError({"ends_on": "A programme cannot end before it starts."})
    if programme.classification < programme.agreement.classification:
        raise ValidationError(
            {"classification": "A programme is classified at least as its agreement is."}
        )


def create_programme(*, actor: Any, agreement: Agreement, **fields: Any) -> Programme:
    require(actor, "cooperation.programme.manage")
    check_classification(actor, fields.get("classification", 2))
    programme = Programme(agreement=agreement, reference="pending")
    apply(programme, fields, PROGRAMME_FIELDS)
    # The role must be held in a party of the agreement (checked like any later write).
    require_party(actor, programme, "cooperation.programme.manage")
    programme.full_clean(exclude=["reference"])
    _programme_checks(programme)
    with unit_of_work():
        programme.save()
        programme.reference = f"PRG-{programme.pk:04d}"
        programme.save(update_fields=["reference"])
        record(
            actor=actor,
            action="cooperation.programme.create",
            obj=programme,
            after=state(programme),
        )
    return programme


def update_programme(*, actor: Any, programme: Programme, **changes: Any) -> Programme:
    require_party(actor, programme, "cooperation.programme.manage")
    if "classification" in changes:
        check_classification(actor, changes["classification"])
    with unit_of_work():
        current = Programme.objects.select_for_update().get(pk=programme.pk)
        before = state(current)
        apply(current, changes, PROGRAMME_FIELDS)
        current.full_clean()
        _programme_checks(current)
        current.save()
        after = state(current)
        if after != before:
            record(
                actor=actor,
                action="cooperation.programme.change",
                obj=current,
                before=before,
                after=after,
            )
    return current


def lock_period(*, actor: Any, programme: Programme, until: dt.date) -> Programme:
    """Freeze indicator values up to ``until`` after a review: later edits need a revision.

    A lock only moves forwards; values still waiting for approval in the period must be
    decided first, so nothing half-reviewed is frozen."""
    require_party(actor, programme, "cooperation.period.lock")
    with unit_of_work():
        current = Programme.objects.select_for_update().get(pk=programme.pk)
        if current.locked_until and until <= current.locked_until:
            raise ValidationError(
                {"until": f"Values are already locked until {current.locked_until}."}
            )
        pending = IndicatorValue.objects.filter(
            indicator__objective__line__programme=current,
            as_of__lte=until,
            status__in=[ValueStatus.DRAFT, ValueStatus.SUBMITTED, ValueStatus.RETURNED],
        ).count()
        if pending:
            raise ValidationError(
                {
                    "until": f"{pending} value(s) up to {until} are not yet approved: "
                    "approve or withdraw them before locking."
                }
            )
        before = current.locked_until
        current.locked_until = until
        current.save(update_fields=["locked_until", "updated_at"])
        record(
            actor=actor,
            action="cooperation.period.lock",
            obj=current,
            before={"locked_until": before},
            after={"locked_until": until},
        )
    return current


def _next_number(qs: Any) -> int:
    return int(qs.aggregate(n=Max("number"))["n"] or 0) + 1


def add_line(
    *,
    actor: Any,
    programme: Programme,
    areas: Sequence[CooperationArea] = (),
    number: int | None = None,
    **fields: Any,
) -> LineOfEffort:
    require_party(actor, programme, "cooperation.programme.manage")
    with unit_of_work():
        Programme.objects.select_for_update().get(pk=programme.pk)
        line = LineOfEffort(
            programme=programme, number=number or _next_number(programme.lines.all())
        )
        apply(line, fields, LINE_FIELDS)
        line.full_clean()
        line.save()
        line.areas.set(areas)
        record(
            actor=actor,
            action="cooperation.line.create",
            obj=line,
            classification=programme.classification,
            after=state(line),
        )
    return line


def update_line(
    *,
    actor: Any,
    line: LineOfEffort,
    areas: Sequence[CooperationArea] | None = None,
    **changes: Any,
) -> LineOfEffort:
    require_party(actor, line.programme, "cooperation.programme.manage")
    with unit_of_work():
        current = LineOfEffort.objects.select_for_update().get(pk=line.pk)
        before = state(current)
        apply(current, changes, LINE_FIELDS)
        current.full_clean()
        current.save()
        if areas is not None:
            current.areas.set(areas)
        after = state(current)
        if after != before:
            record(
                actor=actor,
                action="cooperation.line.change",
                obj=current,
                classification=line.programme.classification,
                before=before,
                after=after,
            )
    return current


def add_objective(
    *, actor: Any, line: LineOfEffort, number: int | None = None, **fields: Any
) -> Objective:
    require_party(actor, line.programme, "cooperation.programme.manage")
    with unit_of_work():
        LineOfEffort.objects.select_for_update().get(pk=line.pk)
        objective = Objective(line=line, number=number or _next_number(line.objectives.all()))
        apply(objective, fields, OBJECTIVE_FIELDS)
        objective.full_clean()
        objective.save()
        record(
            actor=actor,
            action="cooperation.objective.create",
            obj=objective,
            classification=line.programme.classification,
            after=state(objective),
        )
    return objective


def update_objective(*, actor: Any, objective: Objective, **changes: Any) -> Objective:
    programme = objective.line.programme
    require_party(actor, programme, "cooperation.programme.manage")
    with unit_of_work():
        current = Objective.objects.select_for_update().get(pk=objective.pk)
        before = state(current)
        apply(current, changes, OBJECTIVE_FIELDS)
        current.full_clean()
        current.save()
        after = state(current)
        if after != before:
            record(
                actor=actor,
                action="cooperation.objective.change",
                obj=current,
                classification=programme.classification,
                before=before,
                after=after,
            )
    return current


def _indicator_checks(indicator: Indicator) -> None:
    errors: dict[str, str] = {}
    low, high = indicator.bounds()
    if low is not None and high is not None and low > high:
        errors["maximum"] = "The highest possible value is below the lowest."
    for name in ("baseline", "target"):
        value = getattr(indicator, name)
        if (low is not None and value < low) or (high is not None and value > high):
            errors[name] = f"Outside the declared bounds ({low} to {high})."
    if indicator.target_date < indicator.baseline_date:
        errors["target_date"] = "The target date cannot be before the baseline date."
    if indicator.metric:
        try:
            metric = metrics.metric(indicator.metric)
        except metrics.UnknownMetric:
            errors["metric"] = f"No metric {indicator.metric!r} is registered."
        else:
            if metric.unit != indicator.unit:
                errors["unit"] = f"The metric {metric.key} is measured in {metric.unit}."
            for name, message in metric.check_params(indicator.metric_params or {}).items():
                errors[f"metric_params.{name}"] = message
    if errors:
        raise ValidationError(errors)


def add_indicator(*, actor: Any, objective: Objective, **fields: Any) -> Indicator:
    programme = objective.line.programme
    require_party(actor, programme, "cooperation.programme.manage")
    indicator = Indicator(objective=objective)
    apply(indicator, fields, INDICATOR_FIELDS)
    indicator.full_clean()
    _indicator_checks(indicator)
    with unit_of_work():
        indicator.save()
        record(
            actor=actor,
            action="cooperation.indicator.create",
            obj=indicator,
            classification=programme.classification,
            after=state(indicator),
        )
    return indicator


def update_indicator(*, actor: Any, indicator: Indicator, **changes: Any) -> Indicator:
    programme = indicator.objective.line.programme
    require_party(actor, programme, "cooperation.programme.manage")
    with unit_of_work():
        current = Indicator.objects.select_for_update().get(pk=indicator.pk)
        before = state(current)
        if "unit" in changes and changes["unit"] != current.unit and current.values.exists():
            raise ValidationError(
                {"unit": "The indicator has values: its unit can no longer change."}
            )
        apply(current, changes, INDICATOR_FIELDS)
        current.full_clean()
        _indicator_checks(current)
        current.save()
        after = state(current)
        if after != before:
            record(
                actor=actor,
                action="cooperation.indicator.change",
                obj=current,
                classification=programme.classification,
                before=before,
                after=after,
            )
    return current
