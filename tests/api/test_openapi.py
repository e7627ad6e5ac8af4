"""The OpenAPI document describes the API."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/organisations",
    "/api/v1/organisations/{org_id}",
    "/api/v1/agreements",
    "/api/v1/agreements/{agreement_id}",
    "/api/v1/areas",
    "/api/v1/me",
    "/api/v1/me/tokens",
    "/api/v1/me/tokens/{token_id}",
    "/api/v1/users",
    "/api/v1/users/{user_id}",
    "/api/v1/audit/entries",
    "/api/v1/audit/entries/{entry_id}",
    "/api/v1/audit/verify",
    "/api/v1/audit/checkpoints",
    "/api/v1/audit/checkpoints/{checkpoint_id}",
]


def test_openapi_document_lists_every_path() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Spilno API"
    assert set(PATHS) <= set(document["paths"])
    assert set(document["paths"]["/api/v1/organisations"]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/agreements/{agreement_id}"]) == {"get", "patch"}


def test_openapi_declares_bearer_authentication() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
