"""What every cooperation service checks before it writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from spilno.audit.services import snapshot
from spilno.cooperation.models import Programme
from spilno.kernel.access import AccessDenied, acts_for, require


def require_party(actor: Any, programme: Programme, action: str) -> None:
    """The role for ``action``, the programme visible, and the role held in one of the parties
    of its agreement: a partner writes only in its own programmes."""
    parties = programme.agreement.agreement_parties.values_list("organisation_id", flat=True)
    require_participant(actor, programme, action, parties, programme.reference)


def require_participant(
    actor: Any, obj: Any, action: str, organisation_ids: Iterable[int], label: str
) -> None:
    """``action`` on a visible ``obj`` by someone holding the role in a participating
    organisation (the console operator excepted)."""
    require(actor, action, obj)
    if getattr(actor, "is_system", False):
        return
    if not any(acts_for(actor, org, action) for org in organisation_ids):
        raise AccessDenied(f"Not allowed: {action} (you hold no such role in a party to {label}).")


def require_text(value: Any, field: str, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def state(obj: Any, *exclude: str) -> dict[str, Any]:
    return snapshot(obj, exclude=("created_at", "updated_at", *exclude))


def apply(obj: Any, fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Set ``fields`` on ``obj``; a name the use case does not change is a programming error."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(obj, name, value)


def full_clean(obj: Any, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=exclude, validate_unique=True)
