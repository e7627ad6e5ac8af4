"""Use cases before the bids: supplier register, plans, tenders, enquiries, documents."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from spilno.audit.services import record, snapshot
from spilno.capabilities.models import Requirement
from spilno.core.models import Organisation, OrganisationKind
from spilno.core.states import AgreementStatus
from spilno.kernel import clock
from spilno.kernel.access import check_classification, require_for
from spilno.kernel.units import unit_of_work
from spilno.procurement.models import (
    Item,
    Lot,
    ProcurementPlan,
    Question,
    SupplierQualification,
    Tender,
    TenderDocument,
    TenderEvent,
)
from spilno.procurement.services.common import (
    forbid_drafter,
    lock_tender,
    money_amount,
    move_tender,
    require_status,
    user_or_none,
)
from spilno.procurement.states import (
    METHODS,
    AwardCriteria,
    Method,
    PlanStatus,
    QualificationStatus,
    TenderStatus,
)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


# --- supplier register -----------------------------------------------------------------------
def qualify_supplier(
    *,
    actor: Any,
    buyer: Organisation,
    supplier: Organisation,
    cpv: str,
    valid_until: dt.date,
    reason: str = "",
) -> SupplierQualification:
    """Enter a supplier in the register for a CPV category (selective tenders admit only these)."""
    require_for(actor, buyer.pk, "procurement.supplier.qualify")
    if supplier.kind != OrganisationKind.SUPPLIER:
        raise ValidationError({"supplier": "Only organisations of kind supplier can be qualified."})
    if valid_until <= clock.today():
        raise ValidationError({"valid_until": "A qualification must be valid in the future."})
    with unit_of_work():
        entry = SupplierQualification(
            supplier=supplier,
            cpv=cpv,
            valid_until=valid_until,
            reason=reason,
            decided_by=user_or_none(actor),
            decided_at=clock.now(),
        )
        entry.full_clean()
        entry.save()
        record(
            actor=actor,
            action="procurement.supplier.qualify",
            obj=entry,
            classification=0,
            after=snapshot(entry),
        )
    return entry


def change_qualification(
    *, actor: Any, buyer: Organisation, entry: SupplierQualification, status: str, reason: str
) -> SupplierQualification:
    """Suspend, revoke or reinstate a register entry, with the reason on record."""
    require_for(actor, buyer.pk, "procurement.supplier.qualify")
    if status not in QualificationStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the change."})
    with unit_of_work():
        current = SupplierQualification.objects.select_for_update().get(pk=entry.pk)
        if current.status == QualificationStatus.REVOKED:
            raise ValidationError({"status": "A revoked qualification cannot change again."})
        before = current.status
        current.status = status
        current.reason = reason.strip()
        current.decided_by = user_or_none(actor)
        current.decided_at = clock.now()
        current.save()
        record(
            actor=actor,
            action="procurement.supplier.qualification",
            obj=current,
            classification=0,
            before={"status": before},
            after={"status": status, "reason": current.reason},
        )
    return current


def is_register_qualified(supplier: Organisation, cpvs: Sequence[str], on: dt.date) -> bool:
    from spilno.core.codes import cpv_covers

    entries = list(
        SupplierQualification.objects.filter(
            supplier=supplier, status="active", valid_until__gte=on
        ).values_list("cpv", flat=True)
    )
    return all(any(cpv_covers(general, cpv) for general in entries) for cpv in cpvs)


# --- plans -----------------------------------------------------------------------------------
def create_plan(
    *,
    actor: Any,
    buyer: Organisation,
    year: int,
    title_en: str,
    title_uk: str = "",
    classification: int = 0,
) -> ProcurementPlan:
    require_for(actor, buyer.pk, "procurement.plan.create")
    check_classification(actor, classification)
    with unit_of_work():
        plan = ProcurementPlan(
            buyer=buyer,
            year=year,
            title_en=title_en,
            title_uk=title_uk,
            status=PlanStatus.DRAFT,
            classification=classification,
            created_by=user_or_none(actor),
        )
        plan.full_clean()
        plan.save()
        record(actor=actor, action="procurement.plan.create", obj=plan, after=snapshot(plan))
    return plan


def approve_plan(*, actor: Any, plan: ProcurementPlan) -> ProcurementPlan:
    """An approver of the buyer approves the plan; its draft tenders become planned."""
    require_for(actor, plan.buyer_id, "procurement.plan.approve")
    with unit_of_work():
        plan = ProcurementPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError({"status": "This plan is already approved."})
        tenders = list(plan.tenders.select_for_update().filter(status=TenderStatus.DRAFT))
        if not tenders:
            raise ValidationError({"tenders": "A plan needs at least one draft tender to approve."})
        forbid_drafter(actor, plan, "approve it", drafted="plan")
        for tender in tenders:
            forbid_drafter(actor, tender, "approve its plan")
        plan.status = PlanStatus.APPROVED
        plan.approved_by = user_or_none(actor)
        plan.approved_at = clock.now()
        plan.save()
        record(
            actor=actor,
            action="procurement.plan.approve",
            obj=plan,
            before={"status": "draft"},
            after={"status": "approved", "tenders": [t.pk for t in tenders]},
        )
        for tender in tenders:
            move_tender(actor, tender, TenderStatus.PLANNED, note=f"plan {plan.pk} approved")
    return plan


# --- tenders ---------------------------------------------------------------------------------
@dataclass
class ItemSpec:
    """One item of a lot; fields left empty are taken from the requirement."""

    quantity: Decimal | None = None
    requirement: Requirement | None = None
    description: str = ""
    cpv: str = ""
    nsn: str = ""
    unit: str = ""
    delivery_place: str = ""
    delivery_by: dt.date | None = None


@dataclass
class LotSpec:
    title_en: str
    value: Decimal
    title_uk: str = ""
    items: list[ItemSpec] = field(default_factory=list)


def lots_from_requirements(
    requirements: Sequence[Requirement], values: Sequence[Decimal]
) -> list[LotSpec]:
    """One lot per requirement, for the whole quantity: the usual way a gap becomes a tender."""
    return [
        LotSpec(
            title_en=r.title_en,
            title_uk=r.title_uk,
            value=v,
            items=[ItemSpec(requirement=r, delivery_by=r.needed_by)],
        )
        for r, v in zip(requirements, values, strict=True)
    ]


TENDER_FIELDS = (
    "title_en",
    "title_uk",
    "description",
    "justification",
    "agreement",
    "supplier",
    "award_criteria",
    "weight_price",
    "weight_delivery",
    "weight_quality",
    "max_awards",
    "enquiry_end",
    "tender_end",
    "classification",
)


def _check_method(tender: Tender) -> None:
    rules = METHODS[tender.method]
    errors: dict[str, str] = {}
    if rules.justification and not tender.justification.strip():
        errors["justification"] = "This method needs a written justification (why no competition)."
    if rules.agreement:
        agreement = tender.agreement
        if agreement is None:
            errors["agreement"] = (
                "A government-to-government tender is concluded under an agreement."
            )
        elif agreement.status != AgreementStatus.IN_FORCE:
            errors["agreement"] = "The agreement must be in force."
        else:
            party_ids = set(agreement.agreement_parties.values_list("organisation_id", flat=True))
            if tender.buyer_id not in party_ids and (tender.buyer.parent_id not in party_ids):
                errors["agreement"] = "The buyer (or its parent) must be a party to the agreement."
            if tender.supplier_id and tender.supplier_id not in party_ids:
                errors["supplier"] = "The supplier must be a party to the agreement."
    if not rules.bidding:
        if tender.supplier_id is None:
            errors["supplier"] = "Name the single supplier for this method."
    else:
        if tender.supplier_id is not None:
            errors["supplier"] = "Competitive methods do not name a supplier in advance."
        if tender.enquiry_end is None:
            errors["enquiry_end"] = "Set when enquiries end."
        if tender.tender_end is None:
            errors["tender_end"] = "Set when bids are due."
        if tender.enquiry_end and tender.tender_end and tender.tender_end <= tender.enquiry_end:
            errors["tender_end"] = "Bids are due after enquiries end."
    if tender.max_awards < 1 or (tender.max_awards > 1 and not rules.multiple_awards):
        errors["max_awards"] = "Only framework agreements admit several suppliers per lot."
    if tender.award_criteria == AwardCriteria.WEIGHTED:
        if sum(tender.weights) != 100 or tender.weight_price == 0:
            errors["weight_price"] = "Weights must add up to 100, with some weight on price."
    elif tender.weights != (100, 0, 0):
        errors["award_criteria"] = "Lowest price uses price only: weights 100/0/0."
    if errors:
        raise ValidationError(errors)


def _build_lots(tender: Tender, lots: Sequence[LotSpec], actor: Any) -> list[Requirement]:
    if not lots:
        raise ValidationError({"lots": "A tender has at least one lot."})
    used: list[Requirement] = []
    for number, spec in enumerate(lots, start=1):
        value = money_amount(
            spec.value, tender.currency, f"lots.{number}.value", what="A lot's value"
        )
        if not spec.items:
            raise ValidationError({f"lots.{number}.items": "A lot has at least one item."})
        lot = Lot(
            tender=tender,
            number=number,
            title_en=spec.title_en,
            title_uk=spec.title_uk,
            value=value,
        )
        _clean(lot, f"lots.{number}", exclude=["tender"])
        lot.save()
        for index, item_spec in enumerate(spec.items, start=1):
            item = _item(lot, item_spec)
            _clean(item, f"lots.{number}.items.{index}", exclude=["lot"])
            item.save()
            if item.requirement is not None:
                used.append(item.requirement)
    return used


def _item(lot: Lot, spec: ItemSpec) -> Item:
    req = spec.requirement
    return Item(
        lot=lot,
        requirement=req,
        description=spec.description or (req.title_en if req else ""),
        cpv=spec.cpv or (req.cpv if req else ""),
        nsn=spec.nsn or (req.nsn if req else ""),
        quantity=spec.quantity if spec.quantity is not None else (req.quantity if req else 0),
        unit=spec.unit or (req.unit if req else ""),
        delivery_place=spec.delivery_place,
        delivery_by=spec.delivery_by or (req.needed_by if req else None),
    )


def _clean(obj: Any, prefix: str, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ValidationError(
            {f"{prefix}.{name}": messages for name, messages in exc.message_dict.items()}
        ) from None


def create_tender(
    *,
    actor: Any,
    plan: ProcurementPlan,
    method: str,
    currency: str,
    lots: Sequence[LotSpec],
    **fields: Any,
) -> Tender:
    """Draft a tender in a draft plan, from requirements (lots and items)."""
    require_for(actor, plan.buyer_id, "procurement.tender.create")
    unknown = set(fields) - set(TENDER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown tender fields: {sorted(unknown)}")
    if method not in METHODS:
        raise ValidationError({"method": f"Unknown method {method!r}."})
    check_classification(actor, fields.get("classification", 0))
    with unit_of_work():
        plan = ProcurementPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError({"plan": "Add tenders to a draft plan; this one is approved."})
        tender = Tender(
            plan=plan,
            buyer=plan.buyer,
            method=method,
            currency=str(currency).upper(),
            reference=f"pending-{clock.now().timestamp()}",
            created_by=user_or_none(actor),
            **fields,
        )
        _clean(tender, "tender", exclude=["reference", "plan", "buyer"])
        _check_method(tender)
        tender.save()
        tender.reference = f"SPL-{plan.year}-{tender.pk:06d}"
        tender.save(update_fields=["reference"])
        requirements = _build_lots(tender, lots, actor)
        tender.requirements.set({r.pk for r in requirements})
        tender.participants.add(tender.buyer_id)
        if tender.supplier_id:
            tender.participants.add(tender.supplier_id)
        TenderEvent.objects.create(tender=tender, status=TenderStatus.DRAFT, at=clock.now())
        record(
            actor=actor,
            action="procurement.tender.create",
            obj=tender,
            after=tender_snapshot(tender),
        )
    return tender


def tender_snapshot(tender: Tender) -> dict[str, Any]:
    data = snapshot(tender, exclude=("created_at", "updated_at", "participants"))
    data["lots"] = [
        {
            "number": lot.number,
            "title_en": lot.title_en,
            "value": lot.value,
            "items": [
                [i.requirement_id, i.description, i.cpv, i.nsn, i.quantity, i.unit]
                for i in lot.items.all()
            ],
        }
        for lot in tender.lots.all()
    ]
    return data


def update_tender(*, actor: Any, tender: Tender, **changes: Any) -> Tender:
    """Change a tender's terms while it is still a draft (or planned, before publication)."""
    require_for(actor, tender.buyer_id, "procurement.tender.change")
    unknown = set(changes) - set(TENDER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown tender fields: {sorted(unknown)}")
    if "classification" in changes:
        check_classification(actor, changes["classification"])
    with unit_of_work():
        current = lock_tender(tender)
        require_status(current, TenderStatus.DRAFT, TenderStatus.PLANNED, doing="change the terms")
        before = tender_snapshot(current)
        for name, value in changes.items():
            setattr(current, name, value)
        _clean(current, "tender", exclude=[])
        _check_method(current)
        current.save()
        after = tender_snapshot(current)
        if after != before:
            record(
                actor=actor,
                action="procurement.tender.change",
                obj=current,
                before=before,
                after=after,
            )
    return current


def publish_tender(*, actor: Any, tender: Tender) -> Tender:
    """Start an approved tender: enquiries open (competitive) or the offer is negotiated."""
    require_for(actor, tender.buyer_id, "procurement.tender.change")
    with unit_of_work():
        current = lock_tender(tender)
        require_status(current, TenderStatus.PLANNED, doing="publish")
        rules = METHODS[current.method]
        if not rules.bidding:
            move_tender(actor, current, TenderStatus.EVALUATION, note="negotiation started")
            return current
        now = clock.now()
        assert current.enquiry_end is not None
        assert current.tender_end is not None
        if current.enquiry_end - now < dt.timedelta(days=rules.min_enquiry_days):
            raise ValidationError(
                {
                    "enquiry_end": f"Enquiries must stay open at least {rules.min_enquiry_days} "
                    "days from publication: move the date."
                }
            )
        if current.tender_end - current.enquiry_end < dt.timedelta(days=rules.min_tender_days):
            raise ValidationError(
                {
                    "tender_end": f"Suppliers need at least {rules.min_tender_days} days after "
                    "enquiries to bid: move the date."
                }
            )
        move_tender(actor, current, TenderStatus.ENQUIRIES, note="published")
    return current


def cancel_tender(*, actor: Any, tender: Tender, reason: str) -> Tender:
    require_for(actor, tender.buyer_id, "procurement.tender.cancel")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the tender is cancelled."})
    with unit_of_work():
        current = lock_tender(tender)
        move_tender(actor, current, TenderStatus.CANCELLED, note=reason)
        current.lots.filter(status="active").update(status="cancelled")
        current.awards.filter(status="pending").update(status="cancelled")
    return current


# --- enquiries -------------------------------------------------------------------------------
def ask_question(
    *, actor: Any, tender: Tender, supplier: Organisation, text: str, lot: Lot | None = None
) -> Question:
    require_for(actor, supplier.pk, "procurement.question.ask")
    if not text.strip():
        raise ValidationError({"text": "Write the question."})
    if lot is not None and lot.tender_id != tender.pk:
        raise ValidationError({"lot": "That lot belongs to another tender."})
    with unit_of_work():
        current = Tender.objects.get(pk=tender.pk)
        require_status(current, TenderStatus.ENQUIRIES, doing="ask questions")
        if current.enquiry_end and clock.now() >= current.enquiry_end:
            raise ValidationError({"status": "The enquiry period has ended."})
        question = Question.objects.create(
            tender=current, lot=lot, text=text.strip(), asked_by_org=supplier, asked_at=clock.now()
        )
        record(
            actor=actor,
            action="procurement.question.ask",
            obj=question,
            classification=current.classification,
            after={"tender": current.pk, "text": question.text},
        )
    return question


def answer_question(*, actor: Any, question: Question, answer: str) -> Question:
    tender = question.tender
    require_for(actor, tender.buyer_id, "procurement.question.answer")
    if not answer.strip():
        raise ValidationError({"answer": "Write the answer."})
    with unit_of_work():
        current = Question.objects.select_for_update().get(pk=question.pk)
        tender = Tender.objects.get(pk=current.tender_id)
        require_status(
            tender, TenderStatus.ENQUIRIES, TenderStatus.TENDERING, doing="answer questions"
        )
        if current.answer:
            raise ValidationError({"answer": "This question is already answered."})
        current.answer = answer.strip()
        current.answered_at = clock.now()
        current.answered_by = user_or_none(actor)
        current.save()
        record(
            actor=actor,
            action="procurement.question.answer",
            obj=current,
            classification=tender.classification,
            after={"answer": current.answer},
        )
    return current


def add_document(
    *, actor: Any, tender: Tender, title: str, content: bytes, filename: str, media_type: str = ""
) -> TenderDocument:
    """Attach a tender document; its SHA-256 is recorded so copies can be checked."""
    require_for(actor, tender.buyer_id, "procurement.tender.change")
    if not title.strip():
        raise ValidationError({"title": "Give the document a title."})
    if not content:
        raise ValidationError({"file": "The file is empty."})
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": "Documents are limited to 20 MB."})
    with unit_of_work():
        current = lock_tender(tender)
        require_status(
            current,
            TenderStatus.DRAFT,
            TenderStatus.PLANNED,
            TenderStatus.ENQUIRIES,
            doing="change documents",
        )
        digest = hashlib.sha256(content).hexdigest()
        document = TenderDocument(
            tender=current,
            title=title.strip(),
            sha256=digest,
            size=len(content),
            media_type=media_type[:100],
            uploaded_at=clock.now(),
            uploaded_by=user_or_none(actor),
        )
        safe_name = "".join(c for c in filename if c.isalnum() or c in "._-")[-80:] or "document"
        document.file.save(f"{digest[:16]}-{safe_name}", ContentFile(content), save=False)
        document.save()
        record(
            actor=actor,
            action="procurement.document.add",
            obj=document,
            classification=current.classification,
            after={"tender": current.pk, "title": document.title, "sha256": digest},
        )
    return document


__all__ = [
    "ItemSpec",
    "LotSpec",
    "Method",
    "add_document",
    "answer_question",
    "approve_plan",
    "ask_question",
    "cancel_tender",
    "create_plan",
    "create_tender",
    "is_register_qualified",
    "lots_from_requirements",
    "publish_tender",
    "qualify_supplier",
    "update_tender",
]
