"""Fixtures for the JSON API: one user per role with a bearer token, and a small call helper."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from spilno.accounts.models import ApiToken, User
from spilno.accounts.services.tokens import create_token
from spilno.audit.models import AuditEntry
from spilno.core.models import Agreement, Organisation
from spilno.kernel.access import Role
from spilno.kernel.classification import Level

API = "/api/v1"


def counts() -> dict[str, int]:
    """Rows a failed write must leave alone."""
    return {
        "organisations": Organisation.objects.count(),
        "agreements": Agreement.objects.count(),
        "users": User.objects.count(),
        "tokens": ApiToken.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def assert_problem(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 problem document with the given status, naming every field in ``fields``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert body["type"].startswith("urn:spilno:problem:")
    assert body["title"]
    assert body["detail"]
    if fields:
        assert isinstance(body["errors"], list)
        for error in body["errors"]:
            assert set(error) == {"field", "message"}
            assert error["message"]
        named = {error["field"] for error in body["errors"]}
        for field in fields:
            assert field in named, body["errors"]
    return body


@dataclass
class Caller:
    client: Client
    headers: Callable[[User | None], dict[str, str]]

    def __call__(
        self,
        method: str,
        path: str,
        user: User | None = None,
        body: Any = None,
        *,
        raw: str | None = None,
        **extra: str,
    ) -> Any:
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        kwargs: dict[str, Any] = {**self.headers(user), **extra}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        return getattr(self.client, method.lower())(API + path, **kwargs)


@pytest.fixture
def call(db: None) -> Caller:
    secrets: dict[int, str] = {}

    def headers(user: User | None) -> dict[str, str]:
        if user is None:
            return {}
        if user.pk not in secrets:
            secrets[user.pk] = create_token(actor=user, name="pytest")[1]
        return {"HTTP_AUTHORIZATION": f"Bearer {secrets[user.pk]}"}

    return Caller(Client(), headers)


@pytest.fixture
def users(make_user: Callable[..., User], home_org: Organisation, call: Caller) -> dict[str, User]:
    """One user per role (clearance SECRET, member of the home organisation), tokens ready."""
    made = {
        role.value: make_user((home_org, role), username=role.value, clearance=Level.SECRET)
        for role in Role
    }
    for user in made.values():
        call.headers(user)  # create the token now, so later counts are not disturbed
    return made


@pytest.fixture
def admin(users: dict[str, User]) -> User:
    return users[Role.ADMINISTRATOR]


@pytest.fixture
def officer(users: dict[str, User]) -> User:
    return users[Role.PROCUREMENT_OFFICER]


@pytest.fixture
def supplier(users: dict[str, User]) -> User:
    return users[Role.SUPPLIER_REPRESENTATIVE]


@pytest.fixture
def liaison(users: dict[str, User]) -> User:
    return users[Role.PARTNER_LIAISON]


@pytest.fixture
def auditor(users: dict[str, User]) -> User:
    return users[Role.AUDITOR]
