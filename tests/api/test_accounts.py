"""Users (administrators), the signed-in user, and API tokens through the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from spilno.accounts.models import ApiToken, User
from spilno.accounts.services.tokens import create_token
from spilno.audit.models import AuditEntry
from spilno.core.models import Organisation
from spilno.kernel.access import Role
from spilno.kernel.classification import Level
from tests.api.conftest import Caller, assert_problem, counts
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def test_me(call: Caller, officer: User, home_org: Organisation) -> None:
    body = call("get", "/me", officer).json()
    assert body["id"] == officer.pk
    assert body["username"] == officer.username
    assert body["clearance"] == "SECRET"
    assert body["is_active"] is True
    assert body["memberships"] == [{"organisation_id": home_org.pk, "role": "procurement_officer"}]


def test_an_administrator_creates_and_changes_a_user(
    call: Caller, admin: User, home_org: Organisation
) -> None:
    before = counts()
    payload = {
        "username": "kateryna",
        "password": PASSWORD,
        "first_name": "Kateryna",
        "clearance": "RESTRICTED",
        "memberships": [{"organisation_id": home_org.pk, "role": "approver"}],
    }
    response = call("post", "/users", admin, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body
    assert (body["username"], body["clearance"], body["language"]) == (
        "kateryna",
        "RESTRICTED",
        "en",
    )
    assert body["memberships"] == payload["memberships"]
    user = User.objects.get(pk=body["id"])
    assert user.check_password(PASSWORD)
    assert counts() == {**before, "users": before["users"] + 1, "audit": before["audit"] + 1}

    response = call(
        "patch",
        f"/users/{user.pk}",
        admin,
        {"clearance": "CONFIDENTIAL", "last_name": "Shevchenko"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["clearance"] == "CONFIDENTIAL"
    assert User.objects.get(pk=user.pk).clearance == Level.CONFIDENTIAL
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.actor_id) == ("accounts.user.change", admin.pk)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_only_administrators_create_users(call: Caller, users: dict[str, User], role: Role) -> None:
    before = counts()
    payload = {"username": "intruder", "password": PASSWORD}
    assert_problem(call("post", "/users", users[role], payload), 403)
    assert counts() == before


def test_a_clearance_above_the_administrators_own_is_refused(
    call: Caller, make_user: Callable[..., User], home_org: Organisation
) -> None:
    admin = make_user((home_org, Role.ADMINISTRATOR), clearance=Level.RESTRICTED)
    call.headers(admin)
    before = counts()
    payload = {"username": "spy", "password": PASSWORD, "clearance": "SECRET"}
    assert_problem(call("post", "/users", admin, payload), 422, "clearance")
    assert counts() == before


def test_a_weak_password_and_a_taken_username_are_refused(
    call: Caller, admin: User, officer: User
) -> None:
    before = counts()
    assert_problem(
        call("post", "/users", admin, {"username": "new", "password": "short"}), 422, "password"
    )
    assert_problem(
        call("post", "/users", admin, {"username": officer.username, "password": PASSWORD}),
        422,
        "username",
    )
    assert counts() == before


def test_administrators_and_auditors_list_users(
    call: Caller, admin: User, auditor: User, users: dict[str, User]
) -> None:
    for reader in (admin, auditor):
        page = call("get", "/users", reader).json()
        assert {u["username"] for u in page["items"]} >= set(users)
    by_role = call("get", "/users?role=auditor", admin).json()["items"]
    assert [u["username"] for u in by_role] == ["auditor"]
    one = call("get", f"/users/{auditor.pk}", admin).json()
    assert one["username"] == "auditor"


def test_the_user_list_pages_with_after(call: Caller, admin: User, users: dict[str, User]) -> None:
    seen: list[int] = []
    after = ""
    while True:
        page = call("get", f"/users?limit=3{after}", admin).json()
        assert len(page["items"]) <= 3
        seen += [u["id"] for u in page["items"]]
        if page["next_after"] is None:
            break
        after = f"&after={page['next_after']}"
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == User.objects.count()
    one = call("get", "/users?limit=-1", admin).json()
    assert [u["id"] for u in one["items"]] == seen[:1]
    assert one["next_after"] == seen[0]


def test_tokens_are_created_listed_and_revoked(call: Caller, officer: User) -> None:
    before = counts()
    response = call("post", "/me/tokens", officer, {"name": "build server"})
    assert response.status_code == 201, response.content
    created = response.json()
    secret = created.pop("secret")
    assert secret.startswith("spl_")
    assert created["name"] == "build server"
    assert created["prefix"] == secret[:10]
    assert counts() == {**before, "tokens": before["tokens"] + 1, "audit": before["audit"] + 1}

    own = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert call("get", "/me", **own).json()["id"] == officer.pk
    listed = call("get", "/me/tokens", officer).json()
    assert created["id"] in [t["id"] for t in listed]
    assert all("secret" not in t for t in listed)
    assert secret not in str(listed)

    revoked = call("delete", f"/me/tokens/{created['id']}", officer)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is not None
    assert_problem(call("get", "/me", **own), 401)


def test_my_tokens_lists_only_my_own(call: Caller, officer: User, admin: User) -> None:
    token, _ = create_token(actor=admin, name="admin's")
    assert token.pk not in [t["id"] for t in call("get", "/me/tokens", officer).json()]


def test_token_input_errors(call: Caller, officer: User) -> None:
    before = counts()
    assert_problem(call("post", "/me/tokens", officer, {"name": ""}), 422, "name")
    assert_problem(call("post", "/me/tokens", officer, {"name": "   "}), 422, "name")
    past = {"name": "old", "expires_at": "2001-01-01T00:00:00Z"}
    assert_problem(call("post", "/me/tokens", officer, past), 422, "expires_at")
    assert counts() == before


def test_a_token_expiry_without_time_zone_is_not_a_server_error(
    call: Caller, officer: User
) -> None:
    before = counts()
    response = call("post", "/me/tokens", officer, {"name": "x", "expires_at": "2030-01-01T00:00"})
    if response.status_code == 201:
        assert ApiToken.objects.get(pk=response.json()["id"]).expires_at.tzinfo is not None
    else:
        assert_problem(response, 422, "expires_at")
        assert counts() == before


@pytest.mark.parametrize("naive", ["2030-01-01T00:00", "2030-01-01T00:00:00", "2030-01-01"])
def test_a_token_expiry_needs_a_time_zone(call: Caller, officer: User, naive: str) -> None:
    before = counts()
    response = call("post", "/me/tokens", officer, {"name": "x", "expires_at": naive})
    assert_problem(response, 422, "expires_at")
    assert counts() == before
    aware = call(
        "post", "/me/tokens", officer, {"name": "x", "expires_at": naive[:10] + "T10:00+02:00"}
    )
    assert aware.status_code == 201, aware.content
    stored = ApiToken.objects.get(pk=aware.json()["id"]).expires_at
    assert stored == dt.datetime(2030, 1, 1, 8, 0, tzinfo=dt.UTC)
