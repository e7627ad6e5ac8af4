"""Indicator values: typed, submitted, approved (or returned), locked, revised; or computed.

A typed figure counts only once someone other than its author has approved it. A period a
review has locked is never edited in place: a correction is a new revision with a reason, which
goes through approval again and, once approved, supersedes the old figure. Every step is audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from spilno.audit.services import record
from spilno.cooperation.models import Indicator, IndicatorValue
from spilno.cooperation.services.common import require_party, require_text, state
from spilno.cooperation.states import VALUE_EDITABLE, ValueStatus, check_value_move
from spilno.kernel import clock, metrics
from spilno.kernel.units import unit_of_work

V = ValueStatus
LIVE = (V.DRAFT, V.SUBMITTED, V.RETURNED, V.APPROVED)


def _programme(indicator: Indicator) -> Any:
    return indicator.objective.line.programme


def _locked(indicator: Indicator, as_of: dt.date) -> bool:
    until = _programme(indicator).locked_until
    return until is not None and as_of <= until


def _check_figure(indicator: Indicator, value: Any, unit: str) -> Decimal:
    """The unit must be the indicator's, and the value a number within its declared bounds."""
    if unit != indicator.unit:
        raise ValidationError(
            {"unit": f"This indicator is measured in {indicator.unit}, not {unit!r}."}
        )
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": "Enter a number."}) from None
    if not number.is_finite():
        raise ValidationError({"value": "Enter a finite number."})
    low, high = indicator.bounds()
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"{'' if low is None else low} to {'' if high is None else high}".strip()
        raise ValidationError({"value": f"{number} is outside the declared bounds ({bounds})."})
    return number


def _audit(actor: Any, action: str, value: IndicatorValue, before: Any = None) -> None:
    record(
        actor=actor,
        action=action,
        obj=value,
        object_repr=f"{value.indicator.title_en[:200]} @ {value.as_of} r{value.revision}",
        classification=_programme(value.indicator).classification,
        before=before,
        after=state(value),
    )


def enter_value(
    *,
    actor: Any,
    indicator: Indicator,
    as_of: dt.date,
    value: Any,
    unit: str,
    source: str,
    evidence: str = "",
    note: str = "",
) -> IndicatorValue:
    """Record a typed figure as a draft."""
    require_party(actor, _programme(indicator), "cooperation.value.enter")
    if indicator.computed:
        raise ValidationError(
            {"indicator": "This indicator is computed from the system of record, not typed in."}
        )
    number = _check_figure(indicator, value, unit)
    source = require_text(source, "source", "Say where the figure comes from.")
    if _locked(indicator, as_of):
        raise ValidationError(
            {
                "as_of": f"Values up to {_programme(indicator).locked_until} are locked by a "
                "review; record a revision of the approved value instead."
            }
        )
    now = clock.now()
    with unit_of_work():
        Indicator.objects.select_for_update().get(pk=indicator.pk)
        if indicator.values.filter(as_of=as_of, status__in=LIVE).exists():
            raise ValidationError(
                {"as_of": f"There is already a value as of {as_of}: change that one."}
            )
        revision = (
            indicator.values.filter(as_of=as_of).order_by("-revision").first()
        )  # withdrawn drafts leave no row, superseded ones do
        row = IndicatorValue(
            indicator=indicator,
            as_of=as_of,
            value=number,
            unit=unit,
            source=source,
            evidence=evidence,
            note=note,
            revision=(revision.revision + 1) if revision else 1,
            entered_by=None if getattr(actor, "is_system", False) else actor,
            created_at=now,
            updated_at=now,
        )
        row.full_clean()
        row.save()
        _audit(actor, "cooperation.value.enter", row)
    return row


def update_value(*, actor: Any, value: IndicatorValue, **changes: Any) -> IndicatorValue:
    """Change a figure in an open period; an approved one goes back to draft for approval.

    ``changes`` may hold ``new_value`` (the figure), ``unit``, ``source``, ``evidence``, ``note``.
    """
    indicator = value.indicator
    require_party(actor, _programme(indicator), "cooperation.value.enter")
    allowed = {"new_value", "unit", "source", "evidence", "note"}
    if set(changes) - allowed:
        raise TypeError(f"Unknown fields: {sorted(set(changes) - allowed)}")
    with unit_of_work():
        current = IndicatorValue.objects.select_for_update().get(pk=value.pk)
        if current.status not in VALUE_EDITABLE or current.computed:
            raise ValidationError(
                {"status": f"A {current.get_status_display().lower()} value cannot be changed."}
            )
        if _locked(indicator, current.as_of):
            raise ValidationError(
                {
                    "as_of": f"Values up to {_programme(indicator).locked_until} are locked by a "
                    "review; record a revision with a reason instead."
                }
            )
        before = state(current)
        number = _check_figure(
            indicator, changes.get("new_value", current.value), changes.get("unit", current.unit)
        )
        current.value = number
        current.unit = changes.get("unit", current.unit)
        if "source" in changes:
            current.source = require_text(
                changes["source"], "source", "Say where the figure comes from."
            )
        current.evidence = changes.get("evidence", current.evidence)
        current.note = changes.get("note", current.note)
        if state(current) == before:
            return current
        if current.status == V.APPROVED:
            check_value_move(current.status, V.DRAFT)
            current.status = V.DRAFT
            current.reviewed_by = None
        current.updated_at = clock.now()
        current.full_clean()
        current.save()
        _audit(actor, "cooperation.value.change", current, before)
    return current


def _move(
    actor: Any,
    value: IndicatorValue,
    target: str,
    action: str,
    permission: str,
    *,
    note: str = "",
) -> IndicatorValue:
    require_party(actor, _programme(value.indicator), permission)
    with unit_of_work():
        current = IndicatorValue.objects.select_for_update().get(pk=value.pk)
        before = state(current)
        try:
            check_value_move(current.status, target)
        except ValueError as exc:
            raise ValidationError({"status": str(exc)}) from None
        if target in (V.APPROVED, V.RETURNED):
            if (
                current.entered_by_id is not None
                and current.entered_by_id == getattr(actor, "pk", None)
                and not getattr(actor, "is_system", False)
            ):
                raise ValidationError(
                    {"status": "Someone other than the author must review a value."}
                )
            current.reviewed_by = None if getattr(actor, "is_system", False) else actor
            current.review_note = note
        current.status = target
        current.updated_at = clock.now()
        current.save()
        if target == V.APPROVED and current.supersedes_id:
            older = IndicatorValue.objects.select_for_update().get(pk=current.supersedes_id)
            older_before = state(older)
            check_value_move(older.status, V.SUPERSEDED)
            older.status = V.SUPERSEDED
            older.updated_at = current.updated_at
            older.save(update_fields=["status", "updated_at"])
            _audit(actor, "cooperation.value.supersede", older, older_before)
        _audit(actor, action, current, before)
    return current


def submit_value(*, actor: Any, value: IndicatorValue) -> IndicatorValue:
    return _move(actor, value, V.SUBMITTED, "cooperation.value.submit", "cooperation.value.enter")


def approve_value(*, actor: Any, value: IndicatorValue, note: str = "") -> IndicatorValue:
    return _move(
        actor,
        value,
        V.APPROVED,
        "cooperation.value.approve",
        "cooperation.value.approve",
        note=note,
    )


def return_value(*, actor: Any, value: IndicatorValue, note: str) -> IndicatorValue:
    note = require_text(note, "note", "Say what must be revised.")
    return _move(
        actor, value, V.RETURNED, "cooperation.value.return", "cooperation.value.approve", note=note
    )


def withdraw_value(*, actor: Any, value: IndicatorValue) -> None:
    """Remove a draft or returned figure that should not have been entered (audited)."""
    require_party(actor, _programme(value.indicator), "cooperation.value.enter")
    with unit_of_work():
        current = IndicatorValue.objects.select_for_update().get(pk=value.pk)
        if current.status not in (V.DRAFT, V.RETURNED):
            raise ValidationError({"status": "Only a draft or returned value can be withdrawn."})
        before = state(current)
        record(
            actor=actor,
            action="cooperation.value.withdraw",
            obj=current,
            classification=_programme(value.indicator).classification,
            before=before,
        )
        current.delete()


def revise_value(
    *,
    actor: Any,
    value: IndicatorValue,
    new_value: Any,
    reason: str,
    source: str = "",
    evidence: str = "",
) -> IndicatorValue:
    """Correct an approved figure in a locked period: a new revision, approved like any value."""
    indicator = value.indicator
    require_party(actor, _programme(indicator), "cooperation.value.enter")
    reason = require_text(reason, "reason", "Say why the reviewed figure must change.")
    number = _check_figure(indicator, new_value, indicator.unit)
    now = clock.now()
    with unit_of_work():
        current = IndicatorValue.objects.select_for_update().get(pk=value.pk)
        if current.status != V.APPROVED:
            raise ValidationError({"status": "Only an approved value is revised."})
        if hasattr(current, "superseded_by"):
            raise ValidationError(
                {"status": "A revision of this value is already waiting for approval."}
            )
        row = IndicatorValue(
            indicator=indicator,
            as_of=current.as_of,
            value=number,
            unit=indicator.unit,
            source=source.strip() or current.source,
            evidence=evidence or current.evidence,
            revision=current.revision + 1,
            supersedes=current,
            revision_reason=reason,
            entered_by=None if getattr(actor, "is_system", False) else actor,
            created_at=now,
            updated_at=now,
        )
        row.full_clean()
        row.save()
        _audit(actor, "cooperation.value.revise", row)
    return row


def compute_value(*, actor: Any, indicator: Indicator, as_of: dt.date) -> IndicatorValue | None:
    """Compute a metric-backed indicator as of a date; the figure needs no approval.

    Recomputing an open period updates the figure; a locked period keeps what was reviewed.
    Returns ``None`` when the metric has nothing to measure yet."""
    require_party(actor, _programme(indicator), "cooperation.value.enter")
    if not indicator.computed:
        raise ValidationError({"indicator": "This indicator is typed in, not computed."})
    metric = metrics.metric(indicator.metric)
    figure = metric.compute(as_of=as_of, **(indicator.metric_params or {}))
    if figure is None:
        return None
    number = _check_figure(indicator, Decimal(figure).quantize(Decimal("0.001")), metric.unit)
    now = clock.now()
    with unit_of_work():
        Indicator.objects.select_for_update().get(pk=indicator.pk)
        existing = indicator.values.filter(as_of=as_of, status=V.APPROVED).first()
        if existing is not None:
            if existing.value == number or _locked(indicator, as_of):
                return existing
            before = state(existing)
            existing.value = number
            existing.updated_at = now
            existing.save(update_fields=["value", "updated_at"])
            _audit(actor, "cooperation.value.recompute", existing, before)
            return existing
        if _locked(indicator, as_of):
            raise ValidationError(
                {"as_of": f"Values up to {_programme(indicator).locked_until} are locked."}
            )
        row = IndicatorValue.objects.create(
            indicator=indicator,
            as_of=as_of,
            value=number,
            unit=metric.unit,
            source=f"Computed: {metric.label}",
            status=V.APPROVED,
            computed=True,
            created_at=now,
            updated_at=now,
        )
        _audit(actor, "cooperation.value.compute", row)
    return row


def last_month_end(today: dt.date | None = None) -> dt.date:
    """The end of the last completed month: the date the chronograph computes figures for."""
    today = today or clock.today()
    return today.replace(day=1) - dt.timedelta(days=1)


def compute_due(*, actor: Any, as_of: dt.date) -> dict[str, int]:
    """Compute every metric-backed indicator as of ``as_of`` (idempotent: the chronograph runs
    it for the last month end). Returns counts: computed, unchanged or kept, nothing to measure,
    and failures (a programme locked past the date, say), which are reported, not raised."""
    counts = {"computed": 0, "empty": 0, "refused": 0}
    for indicator in Indicator.objects.exclude(metric="").select_related(
        "objective__line__programme__agreement"
    ):
        try:
            row = compute_value(actor=actor, indicator=indicator, as_of=as_of)
        except (ValidationError, metrics.UnknownMetric):
            counts["refused"] += 1
            continue
        counts["computed" if row is not None else "empty"] += 1
    return counts
