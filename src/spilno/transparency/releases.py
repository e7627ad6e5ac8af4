"""Build OCDS 1.1 releases from a tender and everything under it, tag them, withhold fields.

Every release is a full picture of what may be known of the process at that moment (so any
release compiles, with the standard merge rules, into the same record a reader would expect);
the tags say which stages changed since the previous build.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from spilno.core.models import Organisation
from spilno.procurement.models import Contract, Tender
from spilno.procurement.states import (
    METHODS,
    BidStatus,
    ContractKind,
    ContractStatus,
    DeliveryStatus,
    TenderStatus,
)

UNPUBLISHED_STATUSES = frozenset({TenderStatus.DRAFT, TenderStatus.PLANNED})

_TENDER_STATUS = {
    TenderStatus.DRAFT: "planning",
    TenderStatus.PLANNED: "planned",
    TenderStatus.ENQUIRIES: "active",
    TenderStatus.TENDERING: "active",
    TenderStatus.EVALUATION: "active",
    TenderStatus.AWARDED: "active",
    TenderStatus.COMPLETE: "complete",
    TenderStatus.CANCELLED: "cancelled",
    TenderStatus.UNSUCCESSFUL: "unsuccessful",
}
# OCDS 1.1 has no "complete" contract status: a contract that came to a close is "terminated",
# and statusDetails says how.
_CONTRACT_STATUS = {
    ContractStatus.PENDING: "pending",
    ContractStatus.ACTIVE: "active",
    ContractStatus.TERMINATED: "terminated",
    ContractStatus.COMPLETE: "terminated",
}
_MILESTONE_STATUS = {
    DeliveryStatus.SCHEDULED: "scheduled",
    DeliveryStatus.SHIPPED: "scheduled",
    DeliveryStatus.RECEIVED: "scheduled",
    DeliveryStatus.ACCEPTED: "met",
    DeliveryStatus.REJECTED: "notMet",
}


def ocid_for(tender: Tender) -> str:
    return f"{settings.SPILNO_OCID_PREFIX}-{tender.reference}"


def ocds_time(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T00:00:00Z"


def amount(value: Decimal | None) -> int | float | None:
    """An OCDS number: an integer when whole, else the decimal's nearest float."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _money(value: Decimal | None, currency: str) -> dict[str, Any] | None:
    return None if value is None else {"amount": amount(value), "currency": currency}


def _prune(data: Any) -> Any:
    """Drop None values and empty containers, which OCDS readers treat as absent anyway."""
    if isinstance(data, dict):
        pruned = {k: _prune(v) for k, v in data.items() if v is not None}
        return {k: v for k, v in pruned.items() if v not in ({}, [])}
    if isinstance(data, list):
        return [_prune(v) for v in data]
    return data


def party_id(org: Organisation) -> str:
    identifier = next(iter(org.identifiers.all()), None)
    if identifier is not None:
        return f"{identifier.scheme}-{identifier.identifier}"
    return f"{settings.SPILNO_OCID_PREFIX}-org-{org.pk}"


def _party(org: Organisation, roles: list[str]) -> dict[str, Any]:
    identifiers = list(org.identifiers.all())
    first = identifiers[0] if identifiers else None
    return {
        "id": party_id(org),
        "name": org.name_en,
        "identifier": (
            {"scheme": first.scheme, "id": first.identifier, "legalName": org.name_en}
            if first
            else None
        ),
        "additionalIdentifiers": [
            {"scheme": i.scheme, "id": i.identifier} for i in identifiers[1:]
        ],
        "address": {"countryName": org.country} if org.country else None,
        "roles": roles,
    }


def _ref(org: Organisation) -> dict[str, str]:
    return {"id": party_id(org), "name": org.name_en}


def _item(
    item_id: str,
    description: str,
    cpv: str,
    nsn: str,
    quantity: Decimal,
    unit: str,
    place: str = "",
) -> dict[str, Any]:
    return {
        "id": item_id,
        "description": description,
        "classification": {"scheme": "CPV", "id": cpv},
        "additionalClassifications": (
            [{"scheme": "NSN", "id": nsn, "description": "NATO Stock Number"}] if nsn else []
        ),
        "quantity": amount(quantity),
        "unit": {"name": unit},
        "deliveryAddress": {"streetAddress": place} if place else None,
    }


def build(tender: Tender) -> dict[str, Any]:
    """The full, unredacted release body of a tender (no ``id``, ``date`` or ``tag`` yet)."""
    tender = (
        Tender.objects.select_related("buyer")
        .prefetch_related(
            "buyer__identifiers",
            "lots__items",
            "documents",
            "awards__supplier__identifiers",
            "awards__lot__items",
            "bids__supplier__identifiers",
        )
        .get(pk=tender.pk)
    )
    rules = METHODS[tender.method]
    parties: dict[int, tuple[Organisation, list[str]]] = {
        tender.buyer_id: (tender.buyer, ["buyer", "procuringEntity"])
    }

    def role(org: Organisation, name: str) -> None:
        roles = parties.setdefault(org.pk, (org, []))[1]
        if name not in roles:
            roles.append(name)

    items = [
        _item(
            f"{lot.number}-{item.pk}",
            item.description,
            item.cpv,
            item.nsn,
            item.quantity,
            item.unit,
            item.delivery_place,
        )
        for lot in tender.lots.all()
        for item in lot.items.all()
    ]
    lot_values = [lot.value for lot in tender.lots.all() if lot.value is not None]
    opened = tender.opened_at is not None
    tenderers: dict[int, Organisation] = {}
    if opened:
        for bid in tender.bids.all():
            if bid.status != BidStatus.WITHDRAWN:
                tenderers[bid.supplier_id] = bid.supplier
                role(bid.supplier, "tenderer")
    documents = [
        {
            "id": f"doc-{doc.pk}",
            "documentType": "tenderNotice" if index == 0 else "biddingDocuments",
            "title": doc.title,
            "url": settings.SPILNO_PUBLIC_URL.rstrip("/")
            + reverse("transparency:document", args=[ocid_for(tender), doc.pk]),
            "datePublished": ocds_time(doc.uploaded_at),
            "format": doc.media_type or None,
            "sha256": doc.sha256,
            "size": doc.size,
        }
        for index, doc in enumerate(tender.documents.order_by("pk"))
    ]
    tender_section = {
        "id": tender.reference,
        "title": tender.title_en,
        "description": tender.description or None,
        "status": _TENDER_STATUS[TenderStatus(tender.status)],
        "statusDetails": tender.status,
        "procuringEntity": _ref(tender.buyer),
        "items": items,
        "value": _money(sum(lot_values, Decimal(0)), tender.currency) if lot_values else None,
        "procurementMethod": rules.ocds_method,
        "procurementMethodDetails": tender.get_method_display(),
        "procurementMethodRationale": tender.justification or None,
        "mainProcurementCategory": "goods",
        "awardCriteria": "priceOnly" if tender.award_criteria == "price" else "ratedCriteria",
        "submissionMethod": ["electronicSubmission"] if rules.bidding else None,
        "enquiryPeriod": (
            {"startDate": ocds_time(_started(tender)), "endDate": ocds_time(tender.enquiry_end)}
            if tender.enquiry_end
            else None
        ),
        "tenderPeriod": (
            {"startDate": ocds_time(tender.enquiry_end), "endDate": ocds_time(tender.tender_end)}
            if tender.tender_end
            else None
        ),
        "awardPeriod": (
            {"startDate": ocds_time(tender.opened_at), "endDate": ocds_time(tender.standstill_end)}
            if opened
            else None
        ),
        "hasEnquiries": tender.questions.exists() if rules.bidding else None,
        "numberOfTenderers": len(tenderers) if opened else None,
        "tenderers": [_ref(org) for org in tenderers.values()] if opened else None,
        "documents": documents,
    }
    awards = []
    for award in tender.awards.all().order_by("pk"):
        role(award.supplier, "supplier")
        awards.append(
            {
                "id": f"award-{award.pk}",
                "title": award.lot.title_en,
                "status": award.status,
                "date": ocds_time(award.decided_at),
                "value": _money(award.amount, award.currency),
                "suppliers": [_ref(award.supplier)],
                "items": [
                    _item(
                        f"{award.lot.number}-{item.pk}",
                        item.description,
                        item.cpv,
                        item.nsn,
                        item.quantity,
                        item.unit,
                    )
                    for item in award.lot.items.all()
                ],
            }
        )
    contracts = [
        _contract(contract)
        for contract in Contract.objects.filter(tender=tender)
        .select_related("supplier", "framework")
        .prefetch_related("items", "amendments", "deliveries__lines__item")
        .order_by("pk")
    ]
    for contract in Contract.objects.filter(tender=tender).select_related("supplier"):
        if contract.supplier is not None:
            role(contract.supplier, "supplier")
    return _prune(
        {
            "ocid": ocid_for(tender),
            "initiationType": "tender",
            "language": "en",
            "parties": [_party(org, roles) for org, roles in parties.values()],
            "buyer": _ref(tender.buyer),
            "tender": tender_section,
            "awards": awards,
            "contracts": contracts,
        }
    )


def _started(tender: Tender) -> dt.datetime | None:
    event = tender.events.filter(status=TenderStatus.ENQUIRIES).order_by("at").first()
    if event is None:
        event = (
            tender.events.exclude(status__in=[TenderStatus.DRAFT, TenderStatus.PLANNED])
            .order_by("at")
            .first()
        )
    return event.at if event else None


def _contract(contract: Contract) -> dict[str, Any]:
    signed = (
        max(contract.buyer_signed_at, contract.supplier_signed_at)
        if contract.buyer_signed_at and contract.supplier_signed_at
        else None
    )
    # A call-off is concluded under its framework's award (OCDS requires an awardID).
    award_id = contract.award_id or (contract.framework.award_id if contract.framework else None)
    milestones = []
    for delivery in contract.deliveries.all().order_by("number"):
        lines = list(delivery.lines.all())
        short = any(
            line.received_quantity is not None and line.received_quantity < line.quantity
            for line in lines
        )
        status = _MILESTONE_STATUS[DeliveryStatus(delivery.status)]
        if status == "met" and short:
            status = "partiallyMet"
        milestones.append(
            {
                "id": f"delivery-{delivery.pk}",
                "title": f"Delivery {delivery.number}",
                "type": "delivery",
                "description": delivery.place or None,
                "dueDate": _date(delivery.due_date),
                "dateMet": ocds_time(delivery.decided_at)
                if delivery.status == DeliveryStatus.ACCEPTED
                else None,
                "status": status,
            }
        )
    return {
        "id": contract.reference,
        "awardID": f"award-{award_id}" if award_id else None,
        "title": contract.title,
        "status": _CONTRACT_STATUS[ContractStatus(contract.status)],
        "statusDetails": contract.status,
        "period": {
            "startDate": _date(contract.period_start),
            "endDate": _date(contract.period_end),
        },
        "value": _money(contract.value, contract.currency),
        "dateSigned": ocds_time(signed),
        "items": [
            _item(f"item-{item.pk}", item.description, item.cpv, item.nsn, item.quantity, item.unit)
            for item in contract.items.all()
        ],
        "amendments": [
            {
                "id": f"amendment-{a.pk}",
                "date": ocds_time(a.at),
                "rationale": a.reason,
                "description": f"Value changed by {a.value_change} to {a.value_after}",
            }
            for a in contract.amendments.all().order_by("pk")
        ],
        "implementation": {"milestones": milestones},
        "relatedProcesses": (
            [
                {
                    "id": "framework",
                    "relationship": ["framework"],
                    "title": contract.framework.title,
                    "scheme": "ocid",
                    "identifier": f"{ocid_for(contract.tender)}/{contract.framework.reference}",
                }
            ]
            if contract.kind == ContractKind.CALL_OFF and contract.framework is not None
            else None
        ),
    }


# --- tags -----------------------------------------------------------------------------------
def _by_id(entries: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in entries or []}


def tags_for(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The releaseTag codes for what changed between two builds (empty: nothing did)."""
    if not before:
        first = ["tender"]
        first += ["award"] if after.get("awards") else []
        first += ["contract"] if after.get("contracts") else []
        return first
    tags: list[str] = []
    old_tender, new_tender = before.get("tender", {}), after.get("tender", {})
    if new_tender != old_tender or before.get("parties") != after.get("parties"):
        cancelled = new_tender.get("status") == "cancelled" != old_tender.get("status")
        tags.append("tenderCancellation" if cancelled else "tenderUpdate")
    old_awards, new_awards = _by_id(before.get("awards")), _by_id(after.get("awards"))
    for key, award in new_awards.items():
        if key not in old_awards:
            tags.append("award")
        elif award != old_awards[key]:
            cancelled = award.get("status") == "cancelled" != old_awards[key].get("status")
            tags.append("awardCancellation" if cancelled else "awardUpdate")
    old_contracts, new_contracts = _by_id(before.get("contracts")), _by_id(after.get("contracts"))
    for key, contract in new_contracts.items():
        old = old_contracts.get(key)
        if old is None:
            tags.append("contract")
            if contract.get("implementation"):
                tags.append("implementation")
            continue
        if contract == old:
            continue
        if len(contract.get("amendments", [])) > len(old.get("amendments", [])):
            tags.append("contractAmendment")
        if contract.get("statusDetails") != old.get("statusDetails") and contract.get(
            "statusDetails"
        ) in (ContractStatus.TERMINATED, ContractStatus.COMPLETE):
            tags.append("contractTermination")
        if contract.get("implementation") != old.get("implementation"):
            tags.append(
                "implementation" if not old.get("implementation") else "implementationUpdate"
            )
        rest = {k: v for k, v in contract.items() if k not in ("amendments", "implementation")}
        old_rest = {k: v for k, v in old.items() if k not in ("amendments", "implementation")}
        if rest != old_rest and not set(tags) & {"contractTermination"}:
            tags.append("contractUpdate")
    return list(dict.fromkeys(tags))


def stage_update_tag(body: dict[str, Any]) -> str:
    """The tag of a release that only publishes withheld fields: an update of the latest stage."""
    if body.get("contracts"):
        return "contractUpdate"
    if body.get("awards"):
        return "awardUpdate"
    return "tenderUpdate"


# --- withholding ----------------------------------------------------------------------------
def _drop(entries: list[dict[str, Any]] | None, *keys: str) -> None:
    for entry in entries or []:
        for key in keys:
            entry.pop(key, None)


def withhold(body: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """A copy of ``body`` without the withheld fields (keys of ``disclosure.WITHHOLDABLE``)."""
    body = copy.deepcopy(body)
    tender = body.get("tender", {})
    awards = body.get("awards", [])
    contracts = body.get("contracts", [])
    item_lists = [tender.get("items")] + [a.get("items") for a in awards]
    item_lists += [c.get("items") for c in contracts]
    if "items.description" in fields:
        for items in item_lists:
            _drop(items, "description")
    if "items.quantity" in fields:
        for items in item_lists:
            _drop(items, "quantity", "unit")
    if "items.deliveryAddress" in fields:
        for items in item_lists:
            _drop(items, "deliveryAddress")
        for contract in contracts:
            _drop(contract.get("implementation", {}).get("milestones"), "description")
    if "values" in fields:
        _drop(awards, "value")
        _drop(contracts, "value")
        _drop([tender], "value")
        for contract in contracts:
            _drop(contract.get("amendments"), "description")
    if "suppliers" in fields:
        _drop(awards, "suppliers")
        _drop([tender], "tenderers")
        body["parties"] = [
            p for p in body.get("parties", []) if not {"supplier", "tenderer"} & set(p["roles"])
        ]
    if "documents" in fields:
        _drop([tender], "documents")
    return _prune(body)
