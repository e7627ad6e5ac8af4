"""API for requirements and the fulfilment ledger. Thin: JSON ↔ services and selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from spilno.capabilities.models import Requirement, RequirementStatus
from spilno.capabilities.selectors import (
    fulfilment,
    fulfilment_many,
    requirement_for,
    requirements_for,
)
from spilno.capabilities.services.requirements import create_requirement, update_requirement
from spilno.core.schemas import LevelName
from spilno.core.selectors import resolve_organisations
from spilno.kernel.apitools import keyset_page, refuse_nulls
from spilno.kernel.classification import Level

router = Router(tags=["capabilities"])


class SourceOut(Schema):
    kind: str
    id: str
    label: str
    url: str
    committed: Decimal
    delivered: Decimal


class FulfilmentOut(Schema):
    needed: Decimal
    committed: Decimal
    delivered: Decimal
    gap: Decimal = Field(description="Still to be delivered: needed − delivered.")
    uncovered: Decimal = Field(description="Not yet committed by any source: needed − committed.")
    sources: list[SourceOut] = []


class RequirementOut(Schema):
    id: int
    reference: str
    title_en: str
    title_uk: str
    description: str
    cpv: str
    nsn: str
    quantity: Decimal
    unit: str
    needed_by: dt.date
    requesting_organisation_id: int
    priority: int
    priority_reason: str
    status: str
    classification: str
    fulfilment: FulfilmentOut


class RequirementIn(Schema):
    title_en: str = Field(min_length=1, max_length=300, examples=["155 mm artillery shells"])
    title_uk: str = Field("", max_length=300)
    description: str = ""
    cpv: str = Field(max_length=10, examples=["35331200-5"])
    nsn: str = Field("", max_length=16, examples=["1320-12-345-6789"])
    quantity: Decimal = Field(gt=0, max_digits=16, decimal_places=3)
    unit: str = Field(min_length=1, max_length=40, examples=["rounds"])
    needed_by: dt.date
    requesting_organisation_id: int
    priority: int = Field(ge=1, le=5, description="1 is the most urgent.")
    priority_reason: str = Field(min_length=1)
    classification: LevelName = "INTERNAL"


class RequirementPatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=300)
    title_uk: str | None = Field(None, max_length=300)
    description: str | None = None
    cpv: str | None = Field(None, max_length=10)
    nsn: str | None = Field(None, max_length=16)
    quantity: Decimal | None = Field(None, gt=0, max_digits=16, decimal_places=3)
    unit: str | None = Field(None, min_length=1, max_length=40)
    needed_by: dt.date | None = None
    priority: int | None = Field(None, ge=1, le=5)
    priority_reason: str | None = Field(None, min_length=1)
    status: RequirementStatus | None = None
    classification: LevelName | None = None


class RequirementPage(Schema):
    items: list[RequirementOut]
    next_after: int | None = None


class RequirementFilters(Schema):
    q: str = ""
    cpv: str = ""
    priority: int | None = None
    organisation: int | None = None
    status: str = ""
    after: int | None = None
    limit: int = 50


def requirement_out(requirement: Requirement, state: Any = None) -> dict[str, Any]:
    state = state or fulfilment(requirement)
    return {
        **{
            f: getattr(requirement, f)
            for f in RequirementOut.model_fields
            if hasattr(requirement, f)
        },
        "classification": Level(requirement.classification).name,
        "fulfilment": {
            "needed": state.needed,
            "committed": state.committed,
            "delivered": state.delivered,
            "gap": state.gap,
            "uncovered": state.uncovered,
            "sources": [vars(line) for line in state.sources],
        },
    }


@router.get(
    "/requirements", response=RequirementPage, summary="List requirements (capability gaps)"
)
def list_requirements(request: HttpRequest, filters: Query[RequirementFilters]) -> Any:
    qs = requirements_for(
        request.user,
        q=filters.q,
        cpv=filters.cpv,
        priority=filters.priority,
        organisation=filters.organisation,
        status=filters.status,
        after=filters.after,
    ).order_by("pk")
    items, next_after = keyset_page(qs, filters.limit)
    states = fulfilment_many(items)
    return {"items": [requirement_out(r, states[r.pk]) for r in items], "next_after": next_after}


@router.get(
    "/requirements/{requirement_id}",
    response=RequirementOut,
    summary="One requirement with its ledger",
)
def get_requirement(request: HttpRequest, requirement_id: int) -> Any:
    return requirement_out(requirement_for(request.user, requirement_id))


def _fields(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "classification" in data:
        data["classification"] = Level[data["classification"]]
    if "requesting_organisation_id" in data:
        org_id = data.pop("requesting_organisation_id")
        data["requesting_organisation"] = resolve_organisations(
            user, [org_id], field="requesting_organisation_id"
        )[org_id]
    return data


@router.post("/requirements", response={201: RequirementOut}, summary="Record a requirement")
def post_requirement(request: HttpRequest, payload: RequirementIn) -> Any:
    requirement = create_requirement(actor=request.user, **_fields(request.user, payload.dict()))
    return Status(201, requirement_out(requirement))


@router.patch(
    "/requirements/{requirement_id}", response=RequirementOut, summary="Change a requirement"
)
def patch_requirement(request: HttpRequest, requirement_id: int, payload: RequirementPatch) -> Any:
    requirement = requirement_for(request.user, requirement_id)
    data = refuse_nulls(payload.dict(exclude_unset=True), {"nsn", "description", "title_uk"})
    data = {k: ("" if v is None else v) for k, v in data.items()}
    requirement = update_requirement(
        actor=request.user, requirement=requirement, **_fields(request.user, data)
    )
    return requirement_out(requirement)
