"""Use cases that write requirements."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from spilno.audit.services import record, snapshot
from spilno.capabilities.models import Requirement, RequirementStatus
from spilno.kernel.access import check_classification, require

REQUIREMENT_FIELDS = (
    "title_en", "title_uk", "description", "cpv", "nsn", "quantity", "unit", "needed_by",
    "requesting_organisation", "priority", "priority_reason", "classification", "status",
)  # fmt: skip


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(REQUIREMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown requirement fields: {sorted(unknown)}")


def _snapshot(requirement: Requirement) -> dict[str, Any]:
    return snapshot(requirement, exclude=("created_at", "updated_at"))


def create_requirement(*, actor: Any, **fields: Any) -> Requirement:
    require(actor, "capabilities.requirement.create")
    _check_fields(fields)
    check_classification(actor, fields.get("classification", 0))
    if str(fields.get("priority_reason", "")).strip() == "":
        raise ValidationError({"priority_reason": "Say why the requirement has this priority."})
    with transaction.atomic():
        requirement = Requirement(
            **fields,
            reference="pending",
            created_by=None if getattr(actor, "is_system", False) else actor,
        )
        requirement.full_clean(exclude=["reference"])
        requirement.save()
        requirement.reference = f"REQ-{requirement.pk:06d}"
        requirement.save(update_fields=["reference"])
        record(
            actor=actor,
            action="capabilities.requirement.create",
            obj=requirement,
            after=_snapshot(requirement),
        )
    return requirement


def update_requirement(*, actor: Any, requirement: Requirement, **changes: Any) -> Requirement:
    require(actor, "capabilities.requirement.change", requirement)
    _check_fields(changes)
    if "classification" in changes:
        check_classification(actor, changes["classification"])
    if "status" in changes and changes["status"] not in RequirementStatus.values:
        raise ValidationError({"status": f"Unknown status {changes['status']!r}."})
    if "priority_reason" in changes and not str(changes["priority_reason"]).strip():
        raise ValidationError({"priority_reason": "Say why the requirement has this priority."})
    with transaction.atomic():
        current = Requirement.objects.select_for_update().get(pk=requirement.pk)
        before = _snapshot(current)
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
        after = _snapshot(current)
        if after != before:
            record(
                actor=actor,
                action="capabilities.requirement.change",
                obj=current,
                before=before,
                after=after,
            )
    return current
