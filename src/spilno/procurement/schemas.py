"""API schemas for procurement (pydantic v2 via django-ninja)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import AwareDatetime, Field

from spilno.core.schemas import LevelName
from spilno.procurement.states import AwardCriteria, Method


class Page(Schema):
    next_after: int | None = Field(
        None, description="Pass as `after` to get the next page; null on the last page."
    )


class PlanIn(Schema):
    buyer_id: int
    year: int = Field(ge=2000, le=2100)
    title_en: str = Field(min_length=1, max_length=300)
    title_uk: str = Field("", max_length=300)
    classification: LevelName = "PUBLIC"


class PlanOut(Schema):
    id: int
    buyer_id: int
    year: int
    title_en: str
    title_uk: str
    status: str
    approved_at: dt.datetime | None
    tender_ids: list[int]


class QualificationIn(Schema):
    buyer_id: int = Field(description="The buyer organisation keeping the register.")
    supplier_id: int
    cpv: str = Field(max_length=10, examples=["35330000-6"])
    valid_until: dt.date
    reason: str = ""


class QualificationOut(Schema):
    id: int
    supplier_id: int
    cpv: str
    valid_until: dt.date
    status: str
    reason: str


class ItemIn(Schema):
    requirement_id: int | None = None
    quantity: Decimal | None = Field(None, gt=0, max_digits=16, decimal_places=3)
    description: str = Field("", max_length=500)
    cpv: str = Field("", max_length=10)
    nsn: str = Field("", max_length=16)
    unit: str = Field("", max_length=40)
    delivery_place: str = Field("", max_length=300)
    delivery_by: dt.date | None = None


class LotIn(Schema):
    title_en: str = Field(min_length=1, max_length=300)
    title_uk: str = Field("", max_length=300)
    value: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    items: list[ItemIn] = Field(min_length=1)


class TenderIn(Schema):
    plan_id: int
    method: Method
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"])
    title_en: str = Field(min_length=1, max_length=300)
    title_uk: str = Field("", max_length=300)
    description: str = ""
    justification: str = ""
    agreement_id: int | None = None
    supplier_id: int | None = None
    award_criteria: AwardCriteria = AwardCriteria.LOWEST_PRICE
    weight_price: int = Field(100, ge=0, le=100)
    weight_delivery: int = Field(0, ge=0, le=100)
    weight_quality: int = Field(0, ge=0, le=100)
    max_awards: int = Field(1, ge=1, le=20)
    enquiry_end: AwareDatetime | None = None
    tender_end: AwareDatetime | None = None
    classification: LevelName = "PUBLIC"
    lots: list[LotIn] = Field(min_length=1)


class TenderPatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=300)
    title_uk: str | None = Field(None, max_length=300)
    description: str | None = None
    justification: str | None = None
    enquiry_end: AwareDatetime | None = None
    tender_end: AwareDatetime | None = None


class ItemOut(Schema):
    id: int
    requirement_id: int | None
    description: str
    cpv: str
    nsn: str
    quantity: Decimal
    unit: str
    delivery_place: str
    delivery_by: dt.date | None


class LotOut(Schema):
    id: int
    number: int
    title_en: str
    title_uk: str
    value: Decimal
    status: str
    items: list[ItemOut]


class DocumentOut(Schema):
    id: int
    title: str
    sha256: str
    size: int
    media_type: str
    uploaded_at: dt.datetime
    url: str


class QuestionOut(Schema):
    id: int
    lot_id: int | None
    text: str
    asked_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class AwardOut(Schema):
    id: int
    lot_id: int
    bid_id: int | None
    supplier_id: int
    amount: Decimal
    currency: str
    status: str
    score: Decimal | None
    standstill_end: dt.datetime | None


class ComplaintOut(Schema):
    id: int
    award_id: int | None
    complainant_id: int
    text: str
    status: str
    submitted_at: dt.datetime
    decision: str
    decided_at: dt.datetime | None


class EventOut(Schema):
    status: str
    at: dt.datetime
    note: str


class TenderOut(Schema):
    id: int
    reference: str
    plan_id: int
    buyer_id: int
    method: str
    status: str
    title_en: str
    title_uk: str
    description: str
    justification: str
    agreement_id: int | None
    supplier_id: int | None
    currency: str
    award_criteria: str
    weights: dict[str, int]
    max_awards: int
    enquiry_end: dt.datetime | None
    tender_end: dt.datetime | None
    standstill_end: dt.datetime | None
    opened_at: dt.datetime | None
    classification: str
    requirement_ids: list[int]
    lots: list[LotOut]
    documents: list[DocumentOut]
    questions: list[QuestionOut]
    awards: list[AwardOut]
    complaints: list[ComplaintOut]
    contract_ids: list[int]
    events: list[EventOut]


class TenderSummary(Schema):
    id: int
    reference: str
    buyer_id: int
    method: str
    status: str
    title_en: str
    currency: str
    tender_end: dt.datetime | None


class TenderPage(Page):
    items: list[TenderSummary]


class ReasonIn(Schema):
    reason: str = Field(min_length=1)


class QuestionIn(Schema):
    supplier_id: int = Field(description="The supplier you ask for (askers stay anonymous).")
    text: str = Field(min_length=1, max_length=5000)
    lot_id: int | None = None


class AnswerIn(Schema):
    answer: str = Field(min_length=1, max_length=10000)


class BidDocumentIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    filename: str = Field("", max_length=200)
    media_type: str = Field("", max_length=100)
    content_base64: str = Field(description="The file's bytes, base64-encoded (5 MB in all).")


class BidIn(Schema):
    supplier_id: int
    lot_id: int
    amount: Decimal = Field(max_digits=18, decimal_places=2)
    currency: str = Field(min_length=3, max_length=3)
    delivery_days: int
    notes: str = Field("", max_length=10000)
    documents: list[BidDocumentIn] = []
    idempotency_key: str = Field(
        min_length=1,
        max_length=100,
        description="Unique per attempt; a retry with the same key returns the stored version.",
    )


class WithdrawIn(Schema):
    idempotency_key: str = Field(min_length=1, max_length=100)


class BidReceipt(Schema):
    bid_id: int
    version: int
    action: str
    at: dt.datetime
    receipt: str = Field(description="SHA-256 of the stored ciphertext: proof of what was stored.")


class BidOut(Schema):
    id: int
    lot_id: int
    supplier_id: int
    status: str
    sealed: bool
    versions: int
    receipt: str = ""
    amount: Decimal | None = None
    currency: str = ""
    delivery_days: int | None = None
    notes: str = ""
    documents: list[dict[str, object]] = []
    quality_score: int | None = None
    score: Decimal | None = None
    rank: int | None = None
    qualification_reason: str = ""


class QualifyIn(Schema):
    qualified: bool
    reason: str = ""
    quality_score: int | None = Field(None, ge=0, le=100)


class RankOut(Schema):
    lot_id: int
    bid_id: int
    supplier_id: int
    amount: Decimal | None
    price_score: Decimal
    delivery_score: Decimal
    quality_score: Decimal
    total: Decimal


class AwardIn(Schema):
    offers: dict[int, Decimal] = Field(
        {}, description="Negotiated and government-to-government methods: lot id → price."
    )
    note: str = ""


class ComplaintIn(Schema):
    complainant_id: int
    text: str = Field(min_length=1, max_length=10000)
    award_id: int | None = None


class ComplaintDecisionIn(Schema):
    outcome: str = Field(description="accepted, upheld or dismissed")
    reason: str = Field(min_length=1)


class ContractItemOut(Schema):
    id: int
    requirement_id: int | None
    description: str
    cpv: str
    nsn: str
    quantity: Decimal
    unit: str


class AmendmentOut(Schema):
    reason: str
    value_change: Decimal
    value_after: Decimal
    period_end_after: dt.date | None
    at: dt.datetime


class DeliveryLineOut(Schema):
    id: int
    item_id: int
    quantity: Decimal
    received_quantity: Decimal | None


class ClaimOut(Schema):
    id: int
    kind: str
    detail: str
    status: str
    raised_at: dt.datetime
    resolution: str
    resolved_at: dt.datetime | None


class ResolveIn(Schema):
    resolution: str = Field(min_length=1)


class QualificationChangeIn(Schema):
    buyer_id: int
    status: str = Field(description="active, suspended or revoked")
    reason: str = Field(min_length=1)


class DeliveryOut(Schema):
    id: int
    number: int
    due_date: dt.date
    place: str
    receiving_unit_id: int | None
    status: str
    shipped_at: dt.datetime | None
    received_at: dt.datetime | None
    rejection_reason: str
    lines: list[DeliveryLineOut]
    claims: list[ClaimOut]


class ContractOut(Schema):
    id: int
    reference: str
    kind: str
    tender_id: int
    lot_id: int
    award_id: int | None
    framework_id: int | None
    agreement_id: int | None
    buyer_id: int
    supplier_id: int
    title: str
    value: Decimal
    currency: str
    status: str
    period_start: dt.date | None
    period_end: dt.date | None
    buyer_signed_at: dt.datetime | None
    supplier_signed_at: dt.datetime | None
    terminated_reason: str
    classification: str
    items: list[ContractItemOut]
    amendments: list[AmendmentOut]
    deliveries: list[DeliveryOut]


class ContractSummary(Schema):
    id: int
    reference: str
    kind: str
    buyer_id: int
    supplier_id: int
    title: str
    value: Decimal
    currency: str
    status: str


class ContractPage(Page):
    items: list[ContractSummary]


class SignIn(Schema):
    side: str = Field(description="buyer or supplier")


class AmendIn(Schema):
    reason: str = Field(min_length=1)
    value_change: Decimal = Field(max_digits=18, decimal_places=2)
    period_end: dt.date | None = None


class LineIn(Schema):
    item_id: int
    quantity: Decimal = Field(gt=0, max_digits=16, decimal_places=3)


class CallOffIn(Schema):
    value: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    title: str = Field("", max_length=300)
    lines: list[LineIn] = Field(min_length=1)


class DeliveryIn(Schema):
    due_date: dt.date
    place: str = Field("", max_length=300)
    receiving_unit_id: int | None = None
    lines: list[LineIn] = Field(min_length=1)


class ReceiveIn(Schema):
    received: dict[int, Decimal] = Field(
        {}, description="Delivery line id → quantity received; omitted lines arrived in full."
    )


class PerformanceOut(Schema):
    supplier_id: int
    contracts: int
    received: int
    on_time_rate: float | None
    rejection_rate: float | None
    open_claims: int


class CycleTimesOut(Schema):
    stages: list[str]
    medians_days: dict[str, dict[str, float | None]]
    tenders_per_method: dict[str, int]
    slowest_open: list[dict[str, object]]


class TickOut(Schema):
    enquiries_closed: int
    tendering_closed: int
    unsuccessful: int
    standstills_ended: int
    standstills_held: int
    late_claims: int
