"""API endpoints for users (administrators), the current user and their tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from spilno.accounts.models import ApiToken, User
from spilno.accounts.schemas import TokenCreated, TokenIn, TokenOut, UserIn, UserOut, UserPatch
from spilno.accounts.selectors import tokens_of, user_for, users_for
from spilno.accounts.services.tokens import create_token, revoke_token
from spilno.accounts.services.users import create_user, update_user
from spilno.core.schemas import Page
from spilno.core.selectors import resolve_organisations
from spilno.kernel.apitools import keyset_page, refuse_nulls
from spilno.kernel.classification import Level

router = Router(tags=["accounts"])


class UserPage(Page):
    items: list[UserOut]


class UserFilters(Schema):
    q: str = ""
    role: str = ""
    after: int | None = None
    limit: int = 50


def user_out(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "clearance": Level(user.clearance).name,
        "clearance_valid_until": user.clearance_valid_until,
        "language": user.language,
        "memberships": [
            {"organisation_id": m.organisation_id, "role": m.role} for m in user.memberships.all()
        ],
    }


def _user_fields(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    refuse_nulls(data, {"clearance_valid_until", "password", "memberships"})
    if "clearance" in data:
        data["clearance"] = Level[data["clearance"]]
    if data.get("memberships") is not None:
        ids = [m["organisation_id"] for m in data["memberships"]]
        orgs = resolve_organisations(actor, ids, field="memberships")
        data["memberships"] = [(orgs[m["organisation_id"]], m["role"]) for m in data["memberships"]]
    return data


@router.get("/me", response=UserOut, summary="The signed-in user")
def me(request: HttpRequest) -> Any:
    return user_out(request.user)  # type: ignore[arg-type]


@router.get("/me/tokens", response=list[TokenOut], summary="My API tokens")
def my_tokens(request: HttpRequest) -> Any:
    return list(tokens_of(request.user))


@router.post("/me/tokens", response={201: TokenCreated}, summary="Create an API token")
def post_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, secret = create_token(
        actor=request.user, name=payload.name, expires_at=payload.expires_at
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "secret": secret})


@router.delete("/me/tokens/{token_id}", response=TokenOut, summary="Revoke one of my tokens")
def delete_token(request: HttpRequest, token_id: int) -> Any:
    token = tokens_of(request.user).get(pk=token_id)
    return revoke_token(actor=request.user, token=token)


@router.get("/users", response=UserPage, summary="List users (administrators, auditors)")
def list_users(request: HttpRequest, filters: Query[UserFilters]) -> Any:
    qs = users_for(request.user, q=filters.q, role=filters.role, after=filters.after)
    items, next_after = keyset_page(qs.order_by("pk"), filters.limit)
    return {"items": [user_out(u) for u in items], "next_after": next_after}


@router.get("/users/{user_id}", response=UserOut, summary="One user")
def get_user(request: HttpRequest, user_id: int) -> Any:
    return user_out(user_for(request.user, user_id))


@router.post("/users", response={201: UserOut}, summary="Create a user (administrators)")
def post_user(request: HttpRequest, payload: UserIn) -> Status[dict[str, Any]]:
    data = _user_fields(request.user, payload.dict())
    user = create_user(actor=request.user, **data)
    return Status(201, user_out(user))


@router.patch("/users/{user_id}", response=UserOut, summary="Change a user (administrators)")
def patch_user(request: HttpRequest, user_id: int, payload: UserPatch) -> Any:
    target = user_for(request.user, user_id)
    data = _user_fields(request.user, payload.dict(exclude_unset=True))
    return user_out(update_user(actor=request.user, user=target, **data))


__all__ = ["ApiToken", "router"]
