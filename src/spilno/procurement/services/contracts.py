"""Contracts from awards, signatures, amendments, termination and call-off orders.

Every firm commitment and every accepted delivery is written to the capabilities ledger
in the same transaction (framework agreements commit nothing until a call-off is signed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum

from spilno.audit.services import record, snapshot
from spilno.capabilities.services.ledger import Source, set_commitment
from spilno.kernel import clock
from spilno.kernel.access import acts_for, require_for
from spilno.kernel.units import unit_of_work
from spilno.procurement.models import Award, Contract, ContractItem, Tender
from spilno.procurement.services.common import (
    money_amount,
    move_tender,
    transition_error,
    user_or_none,
)
from spilno.procurement.states import (
    AwardStatus,
    ContractKind,
    ContractStatus,
    IllegalTransition,
    LotStatus,
    Method,
    TenderStatus,
    check_contract_move,
)


def source_of(contract: Contract) -> Source:
    return Source(
        "contract",
        str(contract.pk),
        f"{contract.reference} {contract.supplier.label}",
        f"/procurement/contracts/{contract.pk}/",
    )


def create_contract_for_award(actor: Any, award: Award) -> Contract:
    """Called when an award becomes active: the contract waits for both signatures."""
    tender = award.tender
    kind = ContractKind.FRAMEWORK if tender.method == Method.FRAMEWORK else ContractKind.STANDARD
    number = Contract.objects.filter(tender=tender).count() + 1
    contract = Contract.objects.create(
        reference=f"{tender.reference}-C{number}",
        kind=kind,
        tender=tender,
        lot=award.lot,
        award=award,
        agreement=tender.agreement,
        buyer=tender.buyer,
        supplier=award.supplier,
        title=f"{tender.title_en} — lot {award.lot.number}"[:300],
        value=award.amount,
        currency=award.currency,
        classification=tender.classification,
        created_at=clock.now(),
    )
    contract.parties.set([tender.buyer_id, award.supplier_id])
    for item in award.lot.items.all():
        ContractItem.objects.create(
            contract=contract,
            requirement=item.requirement,
            description=item.description,
            cpv=item.cpv,
            nsn=item.nsn,
            quantity=item.quantity,
            unit=item.unit,
        )
    record(
        actor=actor,
        action="procurement.contract.create",
        obj=contract,
        after=contract_snapshot(contract),
    )
    return contract


def contract_snapshot(contract: Contract) -> dict[str, Any]:
    data = snapshot(contract, exclude=("created_at", "updated_at", "parties"))
    data["items"] = [
        [i.requirement_id, i.description, i.quantity, i.unit] for i in contract.items.all()
    ]
    return data


def _commit_to_ledger(actor: Any, contract: Contract, *, delivered_only: bool = False) -> None:
    if contract.kind == ContractKind.FRAMEWORK:
        return
    source = source_of(contract)
    for item in contract.items.exclude(requirement=None).select_related("requirement"):
        assert item.requirement is not None
        quantity = item.quantity
        if delivered_only:
            quantity = accepted_quantity(item)
        set_commitment(actor=actor, requirement=item.requirement, source=source, quantity=quantity)


def accepted_quantity(item: ContractItem) -> Decimal:
    from spilno.procurement.models import DeliveryLine

    total = DeliveryLine.objects.filter(item=item, delivery__status="accepted").aggregate(
        total=Sum("received_quantity")
    )["total"]
    return total or Decimal(0)


def _move(contract: Contract, target: str) -> None:
    try:
        check_contract_move(contract.status, target)
    except IllegalTransition as exc:
        raise transition_error(exc) from None
    contract.status = target


def sign_contract(*, actor: Any, contract: Contract, side: str) -> Contract:
    """Sign for the buyer or the supplier; with both signatures the contract is active."""
    if side not in ("buyer", "supplier"):
        raise ValidationError({"side": "Sign as buyer or supplier."})
    org = contract.buyer_id if side == "buyer" else contract.supplier_id
    require_for(actor, org, f"procurement.contract.sign_{side}")
    with unit_of_work():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        if current.status != ContractStatus.PENDING:
            raise ValidationError(
                {"status": f"Only a pending contract can be signed; it is {current.status}."}
            )
        if getattr(current, f"{side}_signed_at") is not None:
            raise ValidationError({"side": f"The {side} has already signed."})
        now = clock.now()
        setattr(current, f"{side}_signed_at", now)
        setattr(current, f"{side}_signed_by", user_or_none(actor))
        if current.buyer_signed_at and current.supplier_signed_at:
            _move(current, ContractStatus.ACTIVE)
            current.period_start = current.period_start or clock.today()
        current.save()
        record(
            actor=actor,
            action=f"procurement.contract.sign_{side}",
            obj=current,
            after={"status": current.status, "signed_at": now},
        )
        if current.status == ContractStatus.ACTIVE:
            _commit_to_ledger(actor, current)
            _complete_tender_if_done(actor, current.tender_id)
    return current


def _complete_tender_if_done(actor: Any, tender_id: int) -> None:
    tender = Tender.objects.select_for_update().get(pk=tender_id)
    if tender.status != TenderStatus.AWARDED:
        return
    active_awards = tender.awards.filter(status=AwardStatus.ACTIVE)
    if not active_awards.exists():
        return
    pending = Contract.objects.filter(
        award__in=active_awards, status=ContractStatus.PENDING
    ).exists()
    if not pending:
        tender.lots.filter(status=LotStatus.ACTIVE, awards__status=AwardStatus.ACTIVE).update(
            status=LotStatus.COMPLETE
        )
        move_tender(actor, tender, TenderStatus.COMPLETE, note="contracts signed")


def amend_contract(
    *,
    actor: Any,
    contract: Contract,
    reason: str,
    value_change: Decimal,
    period_end: dt.date | None = None,
) -> Contract:
    from spilno.procurement.models import Amendment

    require_for(actor, contract.buyer_id, "procurement.contract.change")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the contract is amended."})
    change = money_amount(value_change, contract.currency, "value_change", signed=True)
    with unit_of_work():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        if current.status != ContractStatus.ACTIVE:
            raise ValidationError({"status": "Only an active contract can be amended."})
        new_value = current.value + change
        if new_value <= 0:
            raise ValidationError({"value_change": "The contract's value would not stay positive."})
        if current.kind == ContractKind.FRAMEWORK and new_value < called_off_value(current):
            raise ValidationError(
                {"value_change": "The ceiling cannot fall below what is already called off."}
            )
        if change == 0 and period_end is None:
            raise ValidationError(
                {"value_change": "An amendment changes the value or the end date."}
            )
        if period_end is not None and current.period_start and period_end < current.period_start:
            raise ValidationError({"period_end": "The contract cannot end before it starts."})
        before = {"value": current.value, "period_end": current.period_end}
        current.value = new_value
        if period_end is not None:
            current.period_end = period_end
        current.save()
        Amendment.objects.create(
            contract=current,
            reason=reason.strip(),
            value_change=change,
            value_after=new_value,
            period_end_after=period_end,
            at=clock.now(),
            by=user_or_none(actor),
        )
        record(
            actor=actor,
            action="procurement.contract.amend",
            obj=current,
            before=before,
            after={"value": new_value, "period_end": current.period_end, "reason": reason},
        )
    return current


def terminate_contract(*, actor: Any, contract: Contract, reason: str) -> Contract:
    require_for(actor, contract.buyer_id, "procurement.contract.change")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the contract is terminated."})
    with unit_of_work():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        before = current.status
        _move(current, ContractStatus.TERMINATED)
        current.terminated_reason = reason.strip()
        current.save()
        record(
            actor=actor,
            action="procurement.contract.terminate",
            obj=current,
            before={"status": before},
            after={"status": current.status, "reason": reason},
        )
        if before == ContractStatus.ACTIVE:
            _commit_to_ledger(actor, current, delivered_only=True)
    return current


def called_off_value(framework: Contract) -> Decimal:
    total = framework.call_offs.exclude(status=ContractStatus.TERMINATED).aggregate(
        total=Sum("value")
    )["total"]
    return total or Decimal(0)


def create_call_off(
    *,
    actor: Any,
    framework: Contract,
    value: Decimal,
    lines: Sequence[tuple[ContractItem, Decimal]],
    title: str = "",
) -> Contract:
    """Order under a framework agreement: within its ceiling and remaining quantities."""
    require_for(actor, framework.buyer_id, "procurement.contract.change")
    if not lines:
        raise ValidationError({"lines": "Order at least one item."})
    value = money_amount(value, framework.currency, "value", what="A call-off's value")
    with unit_of_work():
        current = Contract.objects.select_for_update().get(pk=framework.pk)
        if current.kind != ContractKind.FRAMEWORK or current.status != ContractStatus.ACTIVE:
            raise ValidationError(
                {"framework": "Call-offs are ordered under an active framework agreement."}
            )
        if called_off_value(current) + value > current.value:
            raise ValidationError(
                {
                    "value": f"The framework's ceiling is {current.value} {current.currency}; "
                    "this order would exceed it."
                }
            )
        for index, (item, quantity) in enumerate(lines, start=1):
            if item.contract_id != current.pk:
                raise ValidationError(
                    {f"lines.{index}.item": "That item is not in this framework."}
                )
            ordered = (
                ContractItem.objects.filter(
                    contract__framework=current,
                    requirement=item.requirement,
                    description=item.description,
                )
                .exclude(contract__status=ContractStatus.TERMINATED)
                .aggregate(total=Sum("quantity"))["total"]
                or 0
            )
            if quantity <= 0 or ordered + quantity > item.quantity:
                raise ValidationError(
                    {
                        f"lines.{index}.quantity": f"Between 0 and the {item.quantity - ordered} "
                        f"{item.unit} left in the framework."
                    }
                )
        number = current.call_offs.count() + 1
        call_off = Contract.objects.create(
            reference=f"{current.reference}-O{number}",
            kind=ContractKind.CALL_OFF,
            tender=current.tender,
            lot=current.lot,
            framework=current,
            agreement=current.agreement,
            buyer=current.buyer,
            supplier=current.supplier,
            title=(title or f"Call-off {number} under {current.reference}")[:300],
            value=value,
            currency=current.currency,
            classification=current.classification,
            created_at=clock.now(),
        )
        call_off.parties.set([current.buyer_id, current.supplier_id])
        for item, quantity in lines:
            ContractItem.objects.create(
                contract=call_off,
                requirement=item.requirement,
                description=item.description,
                cpv=item.cpv,
                nsn=item.nsn,
                quantity=quantity,
                unit=item.unit,
            )
        record(
            actor=actor,
            action="procurement.contract.call_off",
            obj=call_off,
            after=contract_snapshot(call_off),
        )
    return call_off


def signing_side(actor: Any, contract: Contract) -> str | None:
    """Which side ``actor`` may sign for, if any (for pages that show a Sign button)."""
    if contract.status != ContractStatus.PENDING:
        return None
    if contract.buyer_signed_at is None and acts_for(
        actor, contract.buyer_id, "procurement.contract.sign_buyer"
    ):
        return "buyer"
    if contract.supplier_signed_at is None and acts_for(
        actor, contract.supplier_id, "procurement.contract.sign_supplier"
    ):
        return "supplier"
    return None
