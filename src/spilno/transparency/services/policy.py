"""The disclosure policy is data: administrators read and change it here, and every change is an
audit entry. A change applies to releases written from then on; a decision already recorded on
a release (its publication date, its withheld fields) is not rewritten."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from spilno.audit.services import record, snapshot
from spilno.kernel import clock
from spilno.kernel.access import require
from spilno.kernel.classification import Level
from spilno.transparency.disclosure import DEFAULT_POLICY, WITHHOLDABLE
from spilno.transparency.models import DisclosureEvent, DisclosureMode, DisclosureRule

MAX_DAYS = 3650
EDITABLE = (
    "mode",
    "delay_days",
    "delay_event",
    "withheld_fields",
    "withhold_days",
    "withhold_event",
    "reason_en",
    "reason_uk",
)


def ensure_default_policy() -> None:
    """Create the default rule of every level that has none (never overwrites a rule)."""
    now = clock.now()
    for level, default in DEFAULT_POLICY.items():
        DisclosureRule.objects.get_or_create(
            level=level,
            defaults={
                "mode": default.mode,
                "delay_days": default.delay_days,
                "delay_event": default.delay_event,
                "withheld_fields": list(default.withheld_fields),
                "withhold_days": default.withhold_days,
                "withhold_event": default.withhold_event,
                "reason_en": default.reason_en,
                "reason_uk": default.reason_uk,
                "updated_at": now,
            },
        )


def _clean(level: int, changes: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        errors["__all__"] = [f"Unknown field(s): {', '.join(sorted(unknown))}."]
    mode = changes.get("mode")
    if mode is not None and mode not in DisclosureMode.values:
        errors["mode"] = [f"Choose one of: {', '.join(DisclosureMode.values)}."]
    for name in ("delay_days", "withhold_days"):
        if name in changes:
            value = changes[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
                errors[name] = [f"A whole number of days from 0 to {MAX_DAYS}."]
    for name in ("delay_event", "withhold_event"):
        if name in changes and changes[name] not in DisclosureEvent.values:
            errors[name] = [
                f"Choose one of: {', '.join(v or '(none)' for v in DisclosureEvent.values)}."
            ]
    if "withheld_fields" in changes:
        fields = changes["withheld_fields"]
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            errors["withheld_fields"] = ["A list of field names."]
        elif bad := sorted(set(fields) - set(WITHHOLDABLE)):
            errors["withheld_fields"] = [
                f"Unknown field(s): {', '.join(bad)}. Known: {', '.join(WITHHOLDABLE)}."
            ]
    for name in ("reason_en", "reason_uk"):
        if name in changes and (not isinstance(changes[name], str) or len(changes[name]) > 300):
            errors[name] = ["Text of at most 300 characters."]
    if level == Level.PUBLIC and changes.get("mode") == DisclosureMode.AGGREGATE:
        errors["mode"] = ["Public records cannot be limited to aggregates: they are public."]
    if errors:
        raise ValidationError(errors)
    return changes


def update_rule(*, actor: Any, level: int, changes: dict[str, Any]) -> DisclosureRule:
    """Change one level's rule (one transaction, audited with before and after)."""
    require(actor, "transparency.policy.change")
    if level not in Level.values:
        raise ValidationError({"level": [f"Unknown classification level {level!r}."]})
    changes = _clean(level, dict(changes))
    with transaction.atomic():
        ensure_default_policy()
        rule = DisclosureRule.objects.select_for_update().get(level=level)
        before = snapshot(rule)
        for name, value in changes.items():
            setattr(rule, name, sorted(set(value)) if name == "withheld_fields" else value)
        rule.updated_at = clock.now()
        rule.updated_by = None if getattr(actor, "is_system", False) else actor
        rule.save()
        record(
            actor=actor,
            action="transparency.policy.change",
            obj=rule,
            object_repr=f"disclosure rule: {Level(level).name}",
            before=before,
            after=snapshot(rule),
            classification=Level.PUBLIC,
        )
    return rule
