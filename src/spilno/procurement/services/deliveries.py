"""Deliveries against contracts: schedule, ship, receive, accept or reject.

A late or short delivery raises a non-conformance claim by itself; an accepted delivery goes
into the capabilities ledger; a contract whose every item is accepted in full is complete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from spilno.audit.services import record
from spilno.capabilities.services.ledger import record_delivery
from spilno.core.models import Organisation
from spilno.kernel import clock
from spilno.kernel.access import require_for
from spilno.kernel.units import unit_of_work
from spilno.procurement.models import (
    Contract,
    ContractItem,
    Delivery,
    DeliveryLine,
    NonConformanceClaim,
)
from spilno.procurement.services.common import transition_error, user_or_none
from spilno.procurement.services.contracts import accepted_quantity, source_of
from spilno.procurement.states import (
    ClaimKind,
    ContractKind,
    ContractStatus,
    DeliveryStatus,
    IllegalTransition,
    check_contract_move,
    check_delivery_move,
)


def _quantity(value: Any, field: str) -> Decimal:
    try:
        quantity = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: "Not a number."}) from None
    if not quantity.is_finite() or quantity < 0:
        raise ValidationError({field: "A quantity is a number of zero or more."})
    exponent = quantity.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        raise ValidationError({field: "Quantities have at most three decimal places."})
    if quantity >= Decimal(10) ** 13:
        raise ValidationError({field: "That quantity is too large."})
    return quantity


def scheduled_quantity(item: ContractItem) -> Decimal:
    """What is already on its way or in: due quantities of open deliveries plus what was
    actually accepted (the shortfall of a short delivery can be scheduled again)."""
    total = Decimal(0)
    lines = DeliveryLine.objects.filter(item=item).exclude(delivery__status=DeliveryStatus.REJECTED)
    for quantity, received, status in lines.values_list(
        "quantity", "received_quantity", "delivery__status"
    ):
        total += (received or Decimal(0)) if status == DeliveryStatus.ACCEPTED else quantity
    return total


def schedule_delivery(
    *,
    actor: Any,
    contract: Contract,
    due_date: dt.date,
    lines: Sequence[tuple[ContractItem, Decimal]],
    place: str = "",
    receiving_unit: Organisation | None = None,
) -> Delivery:
    require_for(actor, contract.buyer_id, "procurement.delivery.schedule")
    if not lines:
        raise ValidationError({"lines": "A delivery names at least one item and its quantity."})
    with unit_of_work():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        if current.status != ContractStatus.ACTIVE:
            raise ValidationError(
                {"contract": "Deliveries are scheduled under an active contract."}
            )
        if current.kind == ContractKind.FRAMEWORK:
            raise ValidationError(
                {"contract": "Order a call-off first: a framework itself delivers nothing."}
            )
        clean: list[tuple[ContractItem, Decimal]] = []
        for index, (item, raw) in enumerate(lines, start=1):
            quantity = _quantity(raw, f"lines.{index}.quantity")
            if item.contract_id != current.pk:
                raise ValidationError({f"lines.{index}.item": "That item is not in this contract."})
            left = item.quantity - scheduled_quantity(item)
            if quantity <= 0 or quantity > left:
                raise ValidationError(
                    {
                        f"lines.{index}.quantity": f"Between 0 and the {left} {item.unit} "
                        "not yet scheduled."
                    }
                )
            clean.append((item, quantity))
        number = (
            current.deliveries.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        delivery = Delivery(
            contract=current,
            number=number,
            due_date=due_date,
            place=place,
            receiving_unit=receiving_unit,
        )
        delivery.full_clean(exclude=["contract"])
        delivery.save()
        for item, quantity in clean:
            DeliveryLine.objects.create(delivery=delivery, item=item, quantity=quantity)
        record(
            actor=actor,
            action="procurement.delivery.schedule",
            obj=delivery,
            classification=current.classification,
            after={
                "contract": current.pk,
                "number": number,
                "due_date": due_date,
                "lines": [[i.pk, q] for i, q in clean],
            },
        )
    return delivery


def _lock(delivery: Delivery, target: str) -> Delivery:
    current = Delivery.objects.select_for_update().select_related("contract").get(pk=delivery.pk)
    try:
        check_delivery_move(current.status, target)
    except IllegalTransition as exc:
        raise transition_error(exc) from None
    return current


def _audit(actor: Any, delivery: Delivery, action: str, before: str, **after: Any) -> None:
    record(
        actor=actor,
        action=f"procurement.delivery.{action}",
        obj=delivery,
        classification=delivery.contract.classification,
        before={"status": before},
        after={"status": delivery.status, **after},
    )


def ship_delivery(*, actor: Any, delivery: Delivery) -> Delivery:
    require_for(actor, delivery.contract.supplier_id, "procurement.delivery.ship")
    with unit_of_work():
        current = _lock(delivery, DeliveryStatus.SHIPPED)
        before, current.status, current.shipped_at = (
            current.status,
            DeliveryStatus.SHIPPED,
            clock.now(),
        )
        current.save()
        _audit(actor, current, "ship", before)
    return current


def _claim(delivery: Delivery, kind: str, detail: str) -> None:
    NonConformanceClaim.objects.get_or_create(
        delivery=delivery, kind=kind, defaults={"detail": detail, "raised_at": clock.now()}
    )


def receive_delivery(
    *, actor: Any, delivery: Delivery, received: Mapping[int, Any] | None = None
) -> Delivery:
    """Record what arrived (per line; everything due when ``received`` is omitted)."""
    require_for(actor, delivery.contract.buyer_id, "procurement.delivery.receive")
    with unit_of_work():
        current = _lock(delivery, DeliveryStatus.RECEIVED)
        lines = list(current.lines.all())
        received = received or {}
        unknown = set(received) - {line.pk for line in lines}
        if unknown:
            raise ValidationError(
                {"received": f"No such line in this delivery: {sorted(unknown)}."}
            )
        short: list[str] = []
        for line in lines:
            quantity = _quantity(received.get(line.pk, line.quantity), f"received.{line.pk}")
            if quantity > line.quantity:
                raise ValidationError(
                    {
                        f"received.{line.pk}": "More than was due; "
                        "schedule another delivery for the rest."
                    }
                )
            line.received_quantity = quantity
            line.save(update_fields=["received_quantity"])
            if quantity < line.quantity:
                short.append(
                    f"{line.item.description}: {quantity} of {line.quantity} {line.item.unit}"
                )
        before = current.status
        current.status = DeliveryStatus.RECEIVED
        current.received_at = clock.now()
        current.save()
        received_on = timezone.localdate(current.received_at)
        if received_on > current.due_date:
            days = (received_on - current.due_date).days
            _claim(
                current,
                ClaimKind.LATE,
                f"Received {days} day(s) after the due date {current.due_date}.",
            )
        if short:
            _claim(current, ClaimKind.SHORT, "Short: " + "; ".join(short))
        _audit(
            actor,
            current,
            "receive",
            before,
            received={line.pk: line.received_quantity for line in lines},
        )
    return current


def accept_delivery(*, actor: Any, delivery: Delivery) -> Delivery:
    require_for(actor, delivery.contract.buyer_id, "procurement.delivery.receive")
    with unit_of_work():
        current = _lock(delivery, DeliveryStatus.ACCEPTED)
        before = current.status
        current.status = DeliveryStatus.ACCEPTED
        current.decided_at = clock.now()
        current.decided_by = user_or_none(actor)
        current.save()
        _audit(actor, current, "accept", before)
        contract = Contract.objects.select_for_update().get(pk=current.contract_id)
        source = source_of(contract)
        for line in current.lines.select_related("item__requirement"):
            if line.item.requirement is not None and line.received_quantity:
                record_delivery(
                    actor=actor,
                    requirement=line.item.requirement,
                    source=source,
                    quantity=line.received_quantity,
                    key=f"delivery:{current.pk}:line:{line.pk}",
                )
        _complete_contract_if_delivered(actor, contract)
    return current


def reject_delivery(*, actor: Any, delivery: Delivery, reason: str) -> Delivery:
    require_for(actor, delivery.contract.buyer_id, "procurement.delivery.receive")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the delivery is rejected."})
    with unit_of_work():
        current = _lock(delivery, DeliveryStatus.REJECTED)
        before = current.status
        current.status = DeliveryStatus.REJECTED
        current.rejection_reason = reason.strip()
        current.decided_at = clock.now()
        current.decided_by = user_or_none(actor)
        current.save()
        _claim(current, ClaimKind.REJECTED, reason.strip())
        _audit(actor, current, "reject", before, reason=current.rejection_reason)
    return current


def _complete_contract_if_delivered(actor: Any, contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        return
    items = list(contract.items.all())
    if not items or any(accepted_quantity(i) < i.quantity for i in items):
        return
    check_contract_move(contract.status, ContractStatus.COMPLETE)
    contract.status = ContractStatus.COMPLETE
    contract.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        action="procurement.contract.complete",
        obj=contract,
        before={"status": "active"},
        after={"status": "complete"},
    )


def raise_overdue_claims(actor: Any, today: dt.date) -> int:
    """Chronograph: a delivery not received by its due date is late (once per delivery)."""
    overdue = Delivery.objects.filter(
        status__in=[DeliveryStatus.SCHEDULED, DeliveryStatus.SHIPPED], due_date__lt=today
    ).exclude(claims__kind=ClaimKind.LATE)
    count = 0
    for delivery in overdue:
        with unit_of_work():
            _, created = NonConformanceClaim.objects.get_or_create(
                delivery=delivery,
                kind=ClaimKind.LATE,
                defaults={
                    "detail": f"Not received by the due date {delivery.due_date}.",
                    "raised_at": clock.now(),
                },
            )
            if created:
                count += 1
                record(
                    actor=actor,
                    action="procurement.delivery.late",
                    obj=delivery,
                    classification=delivery.contract.classification,
                    after={"due_date": delivery.due_date, "claim": "late"},
                )
    return count


def resolve_claim(
    *, actor: Any, claim: NonConformanceClaim, resolution: str
) -> NonConformanceClaim:
    """Close a non-conformance claim with what was agreed (replacement, penalty, waiver…)."""
    require_for(actor, claim.delivery.contract.buyer_id, "procurement.delivery.receive")
    if not resolution.strip():
        raise ValidationError({"resolution": "Say how the claim was resolved."})
    with unit_of_work():
        current = NonConformanceClaim.objects.select_for_update().get(pk=claim.pk)
        if current.status != "open":
            raise ValidationError({"status": "This claim is already resolved."})
        current.status = "resolved"
        current.resolution = resolution.strip()
        current.resolved_at = clock.now()
        current.save()
        record(
            actor=actor,
            action="procurement.claim.resolve",
            obj=current.delivery,
            classification=current.delivery.contract.classification,
            before={"claim": current.pk, "status": "open"},
            after={"claim": current.pk, "status": "resolved", "resolution": current.resolution},
        )
    return current
