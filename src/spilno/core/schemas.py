"""API schemas for organisations and agreements (pydantic v2 via django-ninja)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from spilno.core.models import AgreementKind, OrganisationKind, PartyRole
from spilno.core.states import AgreementStatus
from spilno.kernel.classification import Level

LevelName = Literal["PUBLIC", "INTERNAL", "RESTRICTED", "CONFIDENTIAL", "SECRET"]


def level_name(value: int) -> str:
    return Level(value).name


class IdentifierSchema(Schema):
    scheme: str = Field(max_length=20, examples=["UA-EDR"])
    identifier: str = Field(min_length=1, max_length=60, examples=["00034022"])


class OrganisationOut(Schema):
    id: int
    name_en: str
    name_uk: str
    short_name: str
    country: str
    kind: str
    parent_id: int | None
    website: str
    classification: str
    identifiers: list[IdentifierSchema]


class OrganisationIn(Schema):
    name_en: str = Field(min_length=1, max_length=300)
    name_uk: str = Field("", max_length=300)
    short_name: str = Field("", max_length=60)
    country: str = Field(min_length=2, max_length=2, examples=["UA"])
    kind: OrganisationKind
    parent_id: int | None = None
    website: str = Field("", max_length=200)
    classification: LevelName = "PUBLIC"
    identifiers: list[IdentifierSchema] = []


class OrganisationPatch(Schema):
    name_en: str | None = Field(None, min_length=1, max_length=300)
    name_uk: str | None = Field(None, max_length=300)
    short_name: str | None = Field(None, max_length=60)
    country: str | None = Field(None, min_length=2, max_length=2)
    kind: OrganisationKind | None = None
    parent_id: int | None = None
    website: str | None = Field(None, max_length=200)
    classification: LevelName | None = None
    identifiers: list[IdentifierSchema] | None = None


class PartySchema(Schema):
    organisation_id: int
    role: PartyRole = PartyRole.SIGNATORY


class AgreementOut(Schema):
    id: int
    title_en: str
    title_uk: str
    reference: str
    kind: str
    summary: str
    status: str
    signed_on: dt.date | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    parent_id: int | None
    classification: str
    parties: list[PartySchema]
    areas: list[str]


class AgreementIn(Schema):
    title_en: str = Field(min_length=1, max_length=400)
    title_uk: str = Field("", max_length=400)
    reference: str = Field("", max_length=80)
    kind: AgreementKind
    summary: str = ""
    status: AgreementStatus = AgreementStatus.DRAFT
    signed_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    parent_id: int | None = None
    classification: LevelName = "PUBLIC"
    parties: list[PartySchema] = Field(min_length=2)
    areas: list[str] = Field([], description="Cooperation area slugs, see GET /areas")


class AgreementPatch(Schema):
    title_en: str | None = Field(None, min_length=1, max_length=400)
    title_uk: str | None = Field(None, max_length=400)
    reference: str | None = Field(None, max_length=80)
    kind: AgreementKind | None = None
    summary: str | None = None
    status: AgreementStatus | None = None
    signed_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    parent_id: int | None = None
    classification: LevelName | None = None
    parties: list[PartySchema] | None = None
    areas: list[str] | None = None


class AreaOut(Schema):
    slug: str
    name_en: str
    name_uk: str


class Page(Schema):
    next_after: int | None = Field(
        None, description="Pass as `after` to get the next page; null on the last page."
    )
