"""Procurement API: plans, register, tenders, sealed bids, evaluation, awards, complaints,
contracts and deliveries. Thin: JSON ↔ services and selectors; bids are read only through
``selectors.bids_for`` so nothing of a sealed bid can leak from here."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from spilno.capabilities.selectors import requirements_for
from spilno.core.selectors import organisation_for, resolve_agreement, resolve_organisations
from spilno.kernel.access import require
from spilno.kernel.apitools import keyset_page
from spilno.kernel.classification import Level
from spilno.procurement import schemas as s
from spilno.procurement import selectors
from spilno.procurement.models import (
    Bid,
    Complaint,
    Contract,
    ContractItem,
    Delivery,
    NonConformanceClaim,
    ProcurementPlan,
    Question,
    SupplierQualification,
    Tender,
)
from spilno.procurement.services import bids as bid_services
from spilno.procurement.services import contracts as contract_services
from spilno.procurement.services import deliveries as delivery_services
from spilno.procurement.services import evaluation
from spilno.procurement.services import tenders as tender_services

router = Router(tags=["procurement"])


def _org(user: Any, org_id: int, field: str) -> Any:
    return resolve_organisations(user, [org_id], field=field)[org_id]


# --- plans and the supplier register ----------------------------------------------------------
def plan_out(plan: ProcurementPlan) -> dict[str, Any]:
    return {
        **{f: getattr(plan, f) for f in ("id", "buyer_id", "year", "title_en", "title_uk")},
        "status": plan.status,
        "approved_at": plan.approved_at,
        "tender_ids": list(plan.tenders.values_list("pk", flat=True)),
    }


@router.get("/plans", response=list[s.PlanOut], summary="Procurement plans")
def list_plans(request: HttpRequest) -> Any:
    return [plan_out(p) for p in selectors.plans_for(request.user).order_by("-year", "pk")[:200]]


@router.post("/plans", response={201: s.PlanOut}, summary="Draft a procurement plan")
def post_plan(request: HttpRequest, payload: s.PlanIn) -> Any:
    plan = tender_services.create_plan(
        actor=request.user,
        buyer=_org(request.user, payload.buyer_id, "buyer_id"),
        year=payload.year,
        title_en=payload.title_en,
        title_uk=payload.title_uk,
        classification=Level[payload.classification],
    )
    return Status(201, plan_out(plan))


@router.post("/plans/{plan_id}/approve", response=s.PlanOut, summary="Approve a plan (approver)")
def approve_plan(request: HttpRequest, plan_id: int) -> Any:
    plan = selectors.plans_for(request.user).get(pk=plan_id)
    return plan_out(tender_services.approve_plan(actor=request.user, plan=plan))


@router.get("/suppliers/register", response=list[s.QualificationOut], summary="Supplier register")
def list_register(request: HttpRequest, supplier_id: int | None = None) -> Any:
    require(request.user, "procurement.view")
    qs = SupplierQualification.objects.order_by("pk")
    if supplier_id:
        qs = qs.filter(supplier_id=supplier_id)
    return list(qs[:500])


@router.post(
    "/suppliers/register", response={201: s.QualificationOut}, summary="Qualify a supplier"
)
def post_qualification(request: HttpRequest, payload: s.QualificationIn) -> Any:
    entry = tender_services.qualify_supplier(
        actor=request.user,
        buyer=_org(request.user, payload.buyer_id, "buyer_id"),
        supplier=_org(request.user, payload.supplier_id, "supplier_id"),
        cpv=payload.cpv,
        valid_until=payload.valid_until,
        reason=payload.reason,
    )
    return Status(201, entry)


@router.post(
    "/suppliers/register/{entry_id}/status",
    response=s.QualificationOut,
    summary="Suspend, revoke or reinstate a register entry",
)
def post_qualification_status(
    request: HttpRequest, entry_id: int, payload: s.QualificationChangeIn
) -> Any:
    return tender_services.change_qualification(
        actor=request.user,
        buyer=_org(request.user, payload.buyer_id, "buyer_id"),
        entry=SupplierQualification.objects.get(pk=entry_id),
        status=payload.status,
        reason=payload.reason,
    )


@router.get(
    "/suppliers/{org_id}/performance", response=s.PerformanceOut, summary="Supplier performance"
)
def get_performance(request: HttpRequest, org_id: int) -> Any:
    supplier = organisation_for(request.user, org_id)
    perf = selectors.supplier_performance(supplier)
    return {
        "supplier_id": supplier.pk,
        "contracts": perf.contracts,
        "received": perf.received,
        "on_time_rate": perf.on_time_rate,
        "rejection_rate": perf.rejection_rate,
        "open_claims": perf.open_claims,
    }


# --- tenders ---------------------------------------------------------------------------------
def tender_out(tender: Tender) -> dict[str, Any]:
    plain = (
        "id",
        "reference",
        "plan_id",
        "buyer_id",
        "method",
        "status",
        "title_en",
        "title_uk",
        "description",
        "justification",
        "agreement_id",
        "supplier_id",
        "currency",
        "award_criteria",
        "max_awards",
        "enquiry_end",
        "tender_end",
        "standstill_end",
        "opened_at",
    )
    return {
        **{f: getattr(tender, f) for f in plain},
        "weights": {
            "price": tender.weight_price,
            "delivery": tender.weight_delivery,
            "quality": tender.weight_quality,
        },
        "classification": Level(tender.classification).name,
        "requirement_ids": list(tender.requirements.values_list("pk", flat=True)),
        "lots": [
            {
                **{f: getattr(lot, f) for f in ("id", "number", "title_en", "title_uk", "value")},
                "status": lot.status,
                "items": list(lot.items.all()),
            }
            for lot in tender.lots.prefetch_related("items")
        ],
        "documents": [
            {
                "id": d.pk,
                "title": d.title,
                "sha256": d.sha256,
                "size": d.size,
                "media_type": d.media_type,
                "uploaded_at": d.uploaded_at,
                "url": reverse("procurement:tender-document", args=[tender.pk, d.pk]),
            }
            for d in tender.documents.all()
        ],
        "questions": list(tender.questions.all()),
        "awards": list(tender.awards.all()),
        "complaints": list(tender.complaints.all()),
        "contract_ids": list(tender.contracts.values_list("pk", flat=True)),
        "events": list(tender.events.order_by("at", "pk")),
    }


class TenderFilters(Schema):
    q: str = ""
    status: str = ""
    method: str = ""
    buyer: int | None = None
    cpv: str = ""
    after: int | None = None
    limit: int = 50


@router.get("/tenders", response=s.TenderPage, summary="List tenders")
def list_tenders(request: HttpRequest, filters: Query[TenderFilters]) -> Any:
    qs = selectors.tenders_for(
        request.user,
        q=filters.q,
        status=filters.status,
        method=filters.method,
        buyer=filters.buyer,
        cpv=filters.cpv,
        after=filters.after,
    ).order_by("pk")
    items, next_after = keyset_page(qs, filters.limit)
    return {"items": items, "next_after": next_after}


@router.get("/tenders/{tender_id}", response=s.TenderOut, summary="One tender")
def get_tender(request: HttpRequest, tender_id: int) -> Any:
    return tender_out(selectors.tender_for(request.user, tender_id))


@router.post("/tenders", response={201: s.TenderOut}, summary="Draft a tender from requirements")
def post_tender(request: HttpRequest, payload: s.TenderIn) -> Any:
    user = request.user
    plan = selectors.plans_for(user).filter(pk=payload.plan_id).first()
    if plan is None:
        raise ValidationError({"plan_id": "No such plan, or you may not see it."})
    requirement_ids = {
        i.requirement_id for lot in payload.lots for i in lot.items if i.requirement_id
    }
    visible = {r.pk: r for r in requirements_for(user).filter(pk__in=requirement_ids)}
    missing = requirement_ids - set(visible)
    if missing:
        raise ValidationError(
            {"lots": f"No such requirement, or you may not see it: {sorted(missing)}."}
        )
    lots = [
        tender_services.LotSpec(
            title_en=lot.title_en,
            title_uk=lot.title_uk,
            value=lot.value,
            items=[
                tender_services.ItemSpec(
                    requirement=visible.get(item.requirement_id) if item.requirement_id else None,
                    **item.dict(exclude={"requirement_id"}),
                )
                for item in lot.items
            ],
        )
        for lot in payload.lots
    ]
    data = payload.dict(
        exclude={"plan_id", "method", "currency", "lots", "agreement_id", "supplier_id"}
    )
    data["classification"] = Level[data["classification"]]
    tender = tender_services.create_tender(
        actor=user,
        plan=plan,
        method=payload.method,
        currency=payload.currency,
        lots=lots,
        agreement=resolve_agreement(user, payload.agreement_id, field="agreement_id"),
        supplier=_org(user, payload.supplier_id, "supplier_id") if payload.supplier_id else None,
        **data,
    )
    return Status(201, tender_out(tender))


@router.patch("/tenders/{tender_id}", response=s.TenderOut, summary="Change a draft tender")
def patch_tender(request: HttpRequest, tender_id: int, payload: s.TenderPatch) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    data = payload.dict(exclude_unset=True)
    for name in ("title_en", "title_uk", "description", "justification"):
        if name in data and data[name] is None:
            raise ValidationError({name: "This field cannot be null."})
    tender = tender_services.update_tender(actor=request.user, tender=tender, **data)
    return tender_out(tender)


@router.post(
    "/tenders/{tender_id}/publish", response=s.TenderOut, summary="Publish an approved tender"
)
def publish(request: HttpRequest, tender_id: int) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    return tender_out(tender_services.publish_tender(actor=request.user, tender=tender))


@router.post("/tenders/{tender_id}/cancel", response=s.TenderOut, summary="Cancel a tender")
def cancel(request: HttpRequest, tender_id: int, payload: s.ReasonIn) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    return tender_out(
        tender_services.cancel_tender(actor=request.user, tender=tender, reason=payload.reason)
    )


@router.post(
    "/tenders/{tender_id}/documents",
    response={201: s.DocumentOut},
    summary="Attach a tender document",
)
def post_document(
    request: HttpRequest, tender_id: int, title: Form[str], file: File[UploadedFile]
) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    document = tender_services.add_document(
        actor=request.user,
        tender=tender,
        title=title,
        content=file.read(),
        filename=file.name or "document",
        media_type=file.content_type or "",
    )
    return Status(
        201,
        {
            "id": document.pk,
            "title": document.title,
            "sha256": document.sha256,
            "size": document.size,
            "media_type": document.media_type,
            "uploaded_at": document.uploaded_at,
            "url": reverse("procurement:tender-document", args=[tender.pk, document.pk]),
        },
    )


@router.post(
    "/tenders/{tender_id}/questions", response={201: s.QuestionOut}, summary="Ask a question"
)
def post_question(request: HttpRequest, tender_id: int, payload: s.QuestionIn) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    lot = tender.lots.filter(pk=payload.lot_id).first() if payload.lot_id else None
    if payload.lot_id and lot is None:
        raise ValidationError({"lot_id": "No such lot in this tender."})
    question = tender_services.ask_question(
        actor=request.user,
        tender=tender,
        supplier=_org(request.user, payload.supplier_id, "supplier_id"),
        text=payload.text,
        lot=lot,
    )
    return Status(201, question)


@router.post("/questions/{question_id}/answer", response=s.QuestionOut, summary="Answer a question")
def post_answer(request: HttpRequest, question_id: int, payload: s.AnswerIn) -> Any:
    question = Question.objects.get(pk=question_id, tender__in=selectors.tenders_for(request.user))
    return tender_services.answer_question(
        actor=request.user, question=question, answer=payload.answer
    )


# --- bids ------------------------------------------------------------------------------------
def receipt_out(version: Any) -> dict[str, Any]:
    return {
        "bid_id": version.bid_id,
        "version": version.seq,
        "action": version.action,
        "at": version.at,
        "receipt": version.receipt,
    }


@router.post(
    "/tenders/{tender_id}/bids",
    response={201: s.BidReceipt},
    summary="Submit or replace a sealed bid",
)
def post_bid(request: HttpRequest, tender_id: int, payload: s.BidIn) -> Any:
    """The bid is encrypted at once; nobody can read it before the bids are opened. Send a
    fresh `idempotency_key` per attempt; a retry with the same key and content returns the
    version already stored (even after the deadline, since it was stored before)."""
    tender = selectors.tender_for(request.user, tender_id)
    lot = tender.lots.filter(pk=payload.lot_id).first()
    if lot is None:
        raise ValidationError({"lot_id": "No such lot in this tender."})
    try:
        documents = [
            bid_services.BidDocument(
                title=d.title,
                filename=d.filename,
                media_type=d.media_type,
                content=base64.b64decode(d.content_base64, validate=True),
            )
            for d in payload.documents
        ]
    except (binascii.Error, ValueError):
        raise ValidationError({"documents": "content_base64 is not valid base64."}) from None
    version = bid_services.submit_bid(
        actor=request.user,
        tender=tender,
        lot=lot,
        supplier=_org(request.user, payload.supplier_id, "supplier_id"),
        content=bid_services.BidContent(
            amount=payload.amount,
            currency=payload.currency,
            delivery_days=payload.delivery_days,
            notes=payload.notes,
            documents=documents,
        ),
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, receipt_out(version))


@router.get(
    "/tenders/{tender_id}/bids", response=list[s.BidOut], summary="Bids (sealed until opened)"
)
def list_bids(request: HttpRequest, tender_id: int) -> Any:
    """Before opening: only your own organisation's bids, as receipts. After: every live bid."""
    tender = selectors.tender_for(request.user, tender_id)
    out = []
    for view in selectors.bids_for(request.user, tender):
        b = view.bid
        row: dict[str, Any] = {
            "id": b.pk,
            "lot_id": b.lot_id,
            "supplier_id": b.supplier_id,
            "status": b.status,
            "sealed": view.sealed,
            "versions": view.versions,
            "receipt": view.receipt,
        }
        if not view.sealed:
            row.update(
                amount=b.amount,
                currency=b.currency,
                delivery_days=b.delivery_days,
                notes=b.notes,
                documents=b.documents,
                quality_score=b.quality_score,
                score=b.score,
                rank=b.rank,
                qualification_reason=b.qualification_reason,
            )
        out.append(row)
    return out


def _bid(request: HttpRequest, bid_id: int) -> Bid:
    return Bid.objects.select_related("tender", "supplier").get(
        pk=bid_id, tender__in=selectors.tenders_for(request.user)
    )


@router.post(
    "/bids/{bid_id}/withdraw", response=s.BidReceipt, summary="Withdraw a bid before the deadline"
)
def withdraw(request: HttpRequest, bid_id: int, payload: s.WithdrawIn) -> Any:
    version = bid_services.withdraw_bid(
        actor=request.user, bid=_bid(request, bid_id), idempotency_key=payload.idempotency_key
    )
    return receipt_out(version)


@router.post(
    "/tenders/{tender_id}/open", response=list[s.BidOut], summary="Open the bids (audited)"
)
def open_bids(request: HttpRequest, tender_id: int) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    bid_services.open_bids(actor=request.user, tender=tender)
    return list_bids(request, tender_id)


@router.post(
    "/bids/{bid_id}/qualification", response=s.BidOut, summary="Qualify or disqualify a bid"
)
def qualify(request: HttpRequest, bid_id: int, payload: s.QualifyIn) -> Any:
    bid = evaluation.qualify_bid(
        actor=request.user,
        bid=_bid(request, bid_id),
        qualified=payload.qualified,
        reason=payload.reason,
        quality_score=payload.quality_score,
    )
    return next(row for row in list_bids(request, bid.tender_id) if row["id"] == bid.pk)


@router.get("/tenders/{tender_id}/ranking", response=list[s.RankOut], summary="Evaluation ranking")
def ranking(request: HttpRequest, tender_id: int) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    if tender.opened_at is None:
        return []
    return [
        {
            "lot_id": lot.pk,
            "bid_id": r.bid.pk,
            "supplier_id": r.bid.supplier_id,
            "amount": r.bid.amount,
            "price_score": r.price_score,
            "delivery_score": r.delivery_score,
            "quality_score": r.quality_score,
            "total": r.total,
        }
        for lot in tender.lots.all()
        for r in evaluation.rank_lot(tender, lot)
    ]


@router.post("/tenders/{tender_id}/award", response=s.TenderOut, summary="Decide the award")
def award(request: HttpRequest, tender_id: int, payload: s.AwardIn) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    evaluation.decide_awards(
        actor=request.user, tender=tender, offers=payload.offers or None, note=payload.note
    )
    return tender_out(selectors.tender_for(request.user, tender_id))


@router.post(
    "/tenders/{tender_id}/complaints",
    response={201: s.ComplaintOut},
    summary="Complain during the standstill",
)
def post_complaint(request: HttpRequest, tender_id: int, payload: s.ComplaintIn) -> Any:
    tender = selectors.tender_for(request.user, tender_id)
    award_obj = tender.awards.filter(pk=payload.award_id).first() if payload.award_id else None
    if payload.award_id and award_obj is None:
        raise ValidationError({"award_id": "No such award in this tender."})
    complaint = evaluation.submit_complaint(
        actor=request.user,
        tender=tender,
        complainant=_org(request.user, payload.complainant_id, "complainant_id"),
        text=payload.text,
        award=award_obj,
    )
    return Status(201, complaint)


@router.post(
    "/complaints/{complaint_id}/decision", response=s.ComplaintOut, summary="Decide a complaint"
)
def decide_complaint(
    request: HttpRequest, complaint_id: int, payload: s.ComplaintDecisionIn
) -> Any:
    complaint = Complaint.objects.get(
        pk=complaint_id, tender__in=selectors.tenders_for(request.user)
    )
    return evaluation.decide_complaint(
        actor=request.user, complaint=complaint, outcome=payload.outcome, reason=payload.reason
    )


# --- contracts and deliveries ----------------------------------------------------------------
def contract_out(contract: Contract) -> dict[str, Any]:
    plain = (
        "id",
        "reference",
        "kind",
        "tender_id",
        "lot_id",
        "award_id",
        "framework_id",
        "agreement_id",
        "buyer_id",
        "supplier_id",
        "title",
        "value",
        "currency",
        "status",
        "period_start",
        "period_end",
        "buyer_signed_at",
        "supplier_signed_at",
        "terminated_reason",
    )
    return {
        **{f: getattr(contract, f) for f in plain},
        "classification": Level(contract.classification).name,
        "items": list(contract.items.all()),
        "amendments": list(contract.amendments.all()),
        "deliveries": [
            {
                **{
                    f: getattr(d, f)
                    for f in (
                        "id",
                        "number",
                        "due_date",
                        "place",
                        "receiving_unit_id",
                        "status",
                        "shipped_at",
                        "received_at",
                        "rejection_reason",
                    )
                },
                "lines": list(d.lines.all()),
                "claims": list(d.claims.all()),
            }
            for d in contract.deliveries.prefetch_related("lines", "claims")
        ],
    }


class ContractFilters(Schema):
    q: str = ""
    status: str = ""
    supplier: int | None = None
    buyer: int | None = None
    after: int | None = None
    limit: int = 50


@router.get("/contracts", response=s.ContractPage, summary="List contracts")
def list_contracts(request: HttpRequest, filters: Query[ContractFilters]) -> Any:
    qs = selectors.contracts_for(
        request.user,
        q=filters.q,
        status=filters.status,
        supplier=filters.supplier,
        buyer=filters.buyer,
        after=filters.after,
    ).order_by("pk")
    items, next_after = keyset_page(qs, filters.limit)
    return {"items": items, "next_after": next_after}


@router.get("/contracts/{contract_id}", response=s.ContractOut, summary="One contract")
def get_contract(request: HttpRequest, contract_id: int) -> Any:
    return contract_out(selectors.contract_for(request.user, contract_id))


@router.post(
    "/contracts/{contract_id}/sign",
    response=s.ContractOut,
    summary="Sign for the buyer or the supplier",
)
def sign(request: HttpRequest, contract_id: int, payload: s.SignIn) -> Any:
    contract = selectors.contract_for(request.user, contract_id)
    return contract_out(
        contract_services.sign_contract(actor=request.user, contract=contract, side=payload.side)
    )


@router.post(
    "/contracts/{contract_id}/amendments", response=s.ContractOut, summary="Amend a contract"
)
def amend(request: HttpRequest, contract_id: int, payload: s.AmendIn) -> Any:
    contract = selectors.contract_for(request.user, contract_id)
    return contract_out(
        contract_services.amend_contract(
            actor=request.user,
            contract=contract,
            reason=payload.reason,
            value_change=payload.value_change,
            period_end=payload.period_end,
        )
    )


@router.post(
    "/contracts/{contract_id}/terminate", response=s.ContractOut, summary="Terminate a contract"
)
def terminate(request: HttpRequest, contract_id: int, payload: s.ReasonIn) -> Any:
    contract = selectors.contract_for(request.user, contract_id)
    return contract_out(
        contract_services.terminate_contract(
            actor=request.user, contract=contract, reason=payload.reason
        )
    )


def _lines(contract: Contract, lines: list[s.LineIn]) -> list[tuple[ContractItem, Any]]:
    items = {i.pk: i for i in contract.items.all()}
    missing = [line.item_id for line in lines if line.item_id not in items]
    if missing:
        raise ValidationError({"lines": f"No such item in this contract: {missing}."})
    return [(items[line.item_id], line.quantity) for line in lines]


@router.post(
    "/contracts/{contract_id}/call-offs",
    response={201: s.ContractOut},
    summary="Order under a framework",
)
def call_off(request: HttpRequest, contract_id: int, payload: s.CallOffIn) -> Any:
    framework = selectors.contract_for(request.user, contract_id)
    order = contract_services.create_call_off(
        actor=request.user,
        framework=framework,
        value=payload.value,
        lines=_lines(framework, payload.lines),
        title=payload.title,
    )
    return Status(201, contract_out(order))


@router.post(
    "/contracts/{contract_id}/deliveries",
    response={201: s.DeliveryOut},
    summary="Schedule a delivery",
)
def post_delivery(request: HttpRequest, contract_id: int, payload: s.DeliveryIn) -> Any:
    contract = selectors.contract_for(request.user, contract_id)
    unit = (
        _org(request.user, payload.receiving_unit_id, "receiving_unit_id")
        if payload.receiving_unit_id
        else None
    )
    delivery = delivery_services.schedule_delivery(
        actor=request.user,
        contract=contract,
        due_date=payload.due_date,
        lines=_lines(contract, payload.lines),
        place=payload.place,
        receiving_unit=unit,
    )
    return Status(201, _delivery_out(request, delivery))


def _delivery(request: HttpRequest, delivery_id: int) -> Delivery:
    return Delivery.objects.select_related("contract").get(
        pk=delivery_id, contract__in=selectors.contracts_for(request.user)
    )


def _delivery_out(request: HttpRequest, delivery: Delivery) -> dict[str, Any]:
    contract = selectors.contract_for(request.user, delivery.contract_id)
    return next(d for d in contract_out(contract)["deliveries"] if d["id"] == delivery.pk)


@router.post(
    "/deliveries/{delivery_id}/ship", response=s.DeliveryOut, summary="Mark shipped (supplier)"
)
def ship(request: HttpRequest, delivery_id: int) -> Any:
    delivery = delivery_services.ship_delivery(
        actor=request.user, delivery=_delivery(request, delivery_id)
    )
    return _delivery_out(request, delivery)


@router.post("/deliveries/{delivery_id}/receive", response=s.DeliveryOut, summary="Record receipt")
def receive(request: HttpRequest, delivery_id: int, payload: s.ReceiveIn) -> Any:
    delivery = delivery_services.receive_delivery(
        actor=request.user, delivery=_delivery(request, delivery_id), received=payload.received
    )
    return _delivery_out(request, delivery)


@router.post(
    "/deliveries/{delivery_id}/accept", response=s.DeliveryOut, summary="Accept a received delivery"
)
def accept(request: HttpRequest, delivery_id: int) -> Any:
    delivery = delivery_services.accept_delivery(
        actor=request.user, delivery=_delivery(request, delivery_id)
    )
    return _delivery_out(request, delivery)


@router.post(
    "/deliveries/{delivery_id}/reject", response=s.DeliveryOut, summary="Reject a received delivery"
)
def reject(request: HttpRequest, delivery_id: int, payload: s.ReasonIn) -> Any:
    delivery = delivery_services.reject_delivery(
        actor=request.user, delivery=_delivery(request, delivery_id), reason=payload.reason
    )
    return _delivery_out(request, delivery)


@router.post(
    "/claims/{claim_id}/resolve", response=s.ClaimOut, summary="Resolve a non-conformance claim"
)
def resolve_claim(request: HttpRequest, claim_id: int, payload: s.ResolveIn) -> Any:
    claim = NonConformanceClaim.objects.select_related("delivery__contract").get(
        pk=claim_id, delivery__contract__in=selectors.contracts_for(request.user)
    )
    return delivery_services.resolve_claim(
        actor=request.user, claim=claim, resolution=payload.resolution
    )


# --- metrics ---------------------------------------------------------------------------------
@router.get(
    "/metrics/cycle-times", response=s.CycleTimesOut, summary="Median days per stage and method"
)
def cycle_times(request: HttpRequest) -> Any:
    require(request.user, "procurement.view")
    result = selectors.cycle_times(request.user)
    return {
        "stages": list(result.stages),
        "medians_days": result.medians,
        "tenders_per_method": result.counts,
        "slowest_open": [
            {"tender_id": t.pk, "reference": t.reference, "days_open": round(days, 2), "status": st}
            for t, days, st in result.slowest_open
        ],
    }
