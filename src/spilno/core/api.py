"""API endpoints for organisations, agreements and cooperation areas. Thin: they translate
between JSON and the services/selectors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from spilno.core.models import Agreement, CooperationArea, Organisation
from spilno.core.schemas import (
    AgreementIn,
    AgreementOut,
    AgreementPatch,
    AreaOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    Page,
)
from spilno.core.selectors import (
    agreement_for,
    agreements_for,
    organisation_for,
    organisations_for,
    resolve_agreement,
    resolve_areas,
    resolve_organisations,
)
from spilno.core.services.agreements import create_agreement, update_agreement
from spilno.core.services.organisations import create_organisation, update_organisation
from spilno.kernel.apitools import keyset_page, refuse_nulls
from spilno.kernel.classification import Level

router = Router(tags=["core"])


class OrganisationPage(Page):
    items: list[OrganisationOut]


class AgreementPage(Page):
    items: list[AgreementOut]


class OrganisationFilters(Schema):
    q: str = ""
    kind: str = ""
    country: str = ""
    after: int | None = None
    limit: int = 50


class AgreementFilters(Schema):
    q: str = ""
    kind: str = ""
    status: str = ""
    area: str = ""
    party: int | None = None
    after: int | None = None
    limit: int = 50


def organisation_out(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name_en": org.name_en,
        "name_uk": org.name_uk,
        "short_name": org.short_name,
        "country": org.country,
        "kind": org.kind,
        "parent_id": org.parent_id,
        "website": org.website,
        "classification": Level(org.classification).name,
        "identifiers": [
            {"scheme": i.scheme, "identifier": i.identifier} for i in org.identifiers.all()
        ],
    }


def agreement_out(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "title_en": agreement.title_en,
        "title_uk": agreement.title_uk,
        "reference": agreement.reference,
        "kind": agreement.kind,
        "summary": agreement.summary,
        "status": agreement.status,
        "signed_on": agreement.signed_on,
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
        "parent_id": agreement.parent_id,
        "classification": Level(agreement.classification).name,
        "parties": [
            {"organisation_id": p.organisation_id, "role": p.role}
            for p in agreement.agreement_parties.all()
        ],
        "areas": [a.slug for a in agreement.areas.all()],
    }


@router.get("/organisations", response=OrganisationPage, summary="List organisations")
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    qs = organisations_for(
        request.user, q=filters.q, kind=filters.kind, country=filters.country, after=filters.after
    ).order_by("pk")
    items, next_after = keyset_page(qs, filters.limit)
    return {"items": [organisation_out(o) for o in items], "next_after": next_after}


@router.get("/organisations/{org_id}", response=OrganisationOut, summary="One organisation")
def get_organisation(request: HttpRequest, org_id: int) -> Any:
    return organisation_out(organisation_for(request.user, org_id))


def _organisation_fields(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    refuse_nulls(data, {"parent_id", "identifiers"})
    if "classification" in data:
        data["classification"] = Level[data["classification"]]
    if "parent_id" in data:
        parent_id = data.pop("parent_id")
        data["parent"] = (
            resolve_organisations(user, [parent_id], field="parent_id")[parent_id]
            if parent_id is not None
            else None
        )
    return data


@router.post("/organisations", response={201: OrganisationOut}, summary="Register an organisation")
def post_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    identifiers = [(i["scheme"], i["identifier"]) for i in data.pop("identifiers")]
    org = create_organisation(
        actor=request.user, identifiers=identifiers, **_organisation_fields(request.user, data)
    )
    return Status(201, organisation_out(org))


@router.patch("/organisations/{org_id}", response=OrganisationOut, summary="Change an organisation")
def patch_organisation(request: HttpRequest, org_id: int, payload: OrganisationPatch) -> Any:
    org = organisation_for(request.user, org_id)
    data = payload.dict(exclude_unset=True)
    identifiers = data.pop("identifiers", None)
    org = update_organisation(
        actor=request.user,
        organisation=org,
        identifiers=None
        if identifiers is None
        else [(i["scheme"], i["identifier"]) for i in identifiers],
        **_organisation_fields(request.user, data),
    )
    return organisation_out(org)


@router.get("/areas", response=list[AreaOut], summary="Cooperation areas (taxonomy)")
def list_areas(request: HttpRequest) -> Any:
    return list(CooperationArea.objects.all())


@router.get("/agreements", response=AgreementPage, summary="List agreements")
def list_agreements(request: HttpRequest, filters: Query[AgreementFilters]) -> Any:
    qs = agreements_for(
        request.user,
        q=filters.q,
        kind=filters.kind,
        status=filters.status,
        area=filters.area,
        party=filters.party,
        after=filters.after,
    ).order_by("pk")
    items, next_after = keyset_page(qs, filters.limit)
    return {"items": [agreement_out(a) for a in items], "next_after": next_after}


@router.get("/agreements/{agreement_id}", response=AgreementOut, summary="One agreement")
def get_agreement(request: HttpRequest, agreement_id: int) -> Any:
    return agreement_out(agreement_for(request.user, agreement_id))


def _agreement_fields(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    refuse_nulls(data, {"parent_id", "signed_on", "valid_from", "valid_until", "parties", "areas"})
    if data.get("classification") is not None:
        data["classification"] = Level[data["classification"]]
    if "parent_id" in data:
        data["parent"] = resolve_agreement(user, data.pop("parent_id"), field="parent_id")
    if data.get("parties") is not None:
        ids = [p["organisation_id"] for p in data["parties"]]
        orgs = resolve_organisations(user, ids, field="parties")
        data["parties"] = [(orgs[p["organisation_id"]], p["role"]) for p in data["parties"]]
    if data.get("areas") is not None:
        data["areas"] = resolve_areas(data["areas"])
    return data


@router.post("/agreements", response={201: AgreementOut}, summary="Record an agreement")
def post_agreement(request: HttpRequest, payload: AgreementIn) -> Status[dict[str, Any]]:
    data = _agreement_fields(request.user, payload.dict())
    agreement = create_agreement(actor=request.user, **data)
    return Status(201, agreement_out(agreement))


@router.patch("/agreements/{agreement_id}", response=AgreementOut, summary="Change an agreement")
def patch_agreement(request: HttpRequest, agreement_id: int, payload: AgreementPatch) -> Any:
    agreement = agreement_for(request.user, agreement_id)
    data = _agreement_fields(request.user, payload.dict(exclude_unset=True))
    agreement = update_agreement(actor=request.user, agreement=agreement, **data)
    return agreement_out(agreement)
