"""Helpers shared by the procurement services: tender moves, participants, separation of duties."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from spilno.audit.services import record
from spilno.core.money import Money
from spilno.kernel import clock
from spilno.kernel.access import AccessDenied
from spilno.procurement.models import ProcurementPlan, Tender, TenderEvent
from spilno.procurement.states import IllegalTransition, check_tender_move


def user_or_none(actor: Any) -> Any:
    """The user to store in a ``…_by`` column (the system actor is recorded as null)."""
    return None if getattr(actor, "is_system", False) or actor is None else actor


def transition_error(exc: IllegalTransition, field: str = "status") -> ValidationError:
    return ValidationError({field: str(exc)})


def move_tender(actor: Any, tender: Tender, target: str, *, note: str = "") -> None:
    """Change a (locked) tender's status by its table, log the stage and audit the move."""
    try:
        check_tender_move(tender.status, target)
    except IllegalTransition as exc:
        raise transition_error(exc) from None
    before = tender.status
    tender.status = target
    tender.save(update_fields=["status", "updated_at"])
    TenderEvent.objects.create(tender=tender, status=target, at=clock.now(), note=note[:300])
    record(
        actor=actor,
        action="procurement.tender.move",
        obj=tender,
        before={"status": before},
        after={"status": target, "note": note},
    )


def lock_tender(tender: Tender | int) -> Tender:
    pk = tender if isinstance(tender, int) else tender.pk
    return Tender.objects.select_for_update().get(pk=pk)


def forbid_drafter(
    actor: Any, draft: Tender | ProcurementPlan, what: str, *, drafted: str = "tender"
) -> None:
    """Separation of duties: whoever drafted a tender or plan cannot approve, open or decide it."""
    if getattr(actor, "pk", None) is not None and actor.pk == draft.created_by_id:
        raise AccessDenied(
            f"Separation of duties: you drafted this {drafted}, so you cannot {what}."
        )


def require_status(tender: Tender, *allowed: str, doing: str) -> None:
    if tender.status not in allowed:
        raise ValidationError(
            {
                "status": f"You can {doing} only while the tender is {' or '.join(allowed)}; "
                f"it is {tender.status}."
            }
        )


# 15 significant digits: every database (SQLite keeps decimals as binary floating point)
# returns such an amount exactly.
MAX_AMOUNT = Decimal(10) ** 13


def money_amount(
    value: Any, currency: str, field: str, *, what: str = "The amount", signed: bool = False
) -> Decimal:
    """One rule for every amount a procurement service takes in: a number in ``currency``'s
    minor units, positive (unless ``signed``), and small enough to be stored exactly."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: "Not a valid amount."}) from None
    try:
        Money.parse(abs(amount), currency)
    except (ValidationError, ValueError) as exc:
        message = " ".join(getattr(exc, "messages", [str(exc)])) or "Not a valid amount."
        raise ValidationError({field: message}) from None
    if amount <= 0 and not signed:
        raise ValidationError({field: f"{what} must be positive."})
    if abs(amount) >= MAX_AMOUNT:
        raise ValidationError({field: f"{what} has at most 13 digits before the decimal point."})
    return amount
