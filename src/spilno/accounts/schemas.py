from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import AwareDatetime, Field

from spilno.core.schemas import LevelName
from spilno.kernel.access import Role


class MembershipSchema(Schema):
    organisation_id: int
    role: Role


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    is_active: bool
    clearance: str
    clearance_valid_until: dt.date | None
    language: str
    memberships: list[MembershipSchema]


class UserIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=128)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    clearance: LevelName = "INTERNAL"
    clearance_valid_until: dt.date | None = None
    language: Literal["en", "uk"] = "en"
    memberships: list[MembershipSchema] = []


class UserPatch(Schema):
    password: str | None = Field(None, min_length=1, max_length=128)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    is_active: bool | None = None
    clearance: LevelName | None = None
    clearance_valid_until: dt.date | None = None
    language: Literal["en", "uk"] | None = None
    memberships: list[MembershipSchema] | None = None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    # With a time zone ("…Z" or "…+02:00"): a naive time is ambiguous and refused with 422.
    expires_at: AwareDatetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    secret: str = Field(description="Shown once; store it now.")
