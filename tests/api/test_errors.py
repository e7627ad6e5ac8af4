"""Every failure is an RFC 9457 problem+json document; failed writes change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from spilno.accounts.models import User
from spilno.accounts.services.tokens import create_token, revoke_token
from spilno.accounts.services.users import update_user
from spilno.core.models import Agreement, Organisation
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from tests.api.conftest import Caller, assert_problem, counts

pytestmark = pytest.mark.django_db

NEW_ORG = {"name_en": "Valid Agency", "country": "UA", "kind": "agency"}


@pytest.fixture
def parties(make_org: Callable[..., Organisation], home_org: Organisation) -> list[dict[str, Any]]:
    partner = make_org("Partner Directorate", country="FR")
    return [
        {"organisation_id": home_org.pk, "role": "signatory"},
        {"organisation_id": partner.pk, "role": "signatory"},
    ]


@pytest.fixture
def draft(
    make_agreement: Callable[..., Agreement],
    home_org: Organisation,
    make_org: Callable[..., Organisation],
) -> Agreement:
    return make_agreement(home_org, make_org("Draft Partner", country="NO"), title_en="Draft")


# --- 401 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/organisations"), ("post", "/organisations"), ("get", "/me"),
     ("get", "/audit/entries"), ("post", "/audit/verify")],
)  # fmt: skip
def test_unauthenticated_requests_get_401(call: Caller, method: str, path: str) -> None:
    before = counts()
    response = call(method, path, body=NEW_ORG if method == "post" else None)
    body = assert_problem(response, 401)
    assert body["title"] == "Unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"
    assert counts() == before


@pytest.mark.parametrize(
    "authorization", ["Bearer spl_nonsense", "Bearer ", "Basic YWRtaW46YWRtaW4=", "spl_x"]
)
def test_bad_credentials_get_401(call: Caller, authorization: str) -> None:
    assert_problem(call("get", "/me", HTTP_AUTHORIZATION=authorization), 401)


def test_revoked_expired_and_deactivated_tokens_get_401(call: Caller, officer: User) -> None:
    token, secret = create_token(actor=officer, name="soon revoked")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert call("get", "/me", **headers).status_code == 200
    revoke_token(actor=officer, token=token)
    assert_problem(call("get", "/me", **headers), 401)

    token, secret = create_token(actor=officer, name="soon expired")
    type(token).objects.filter(pk=token.pk).update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert_problem(call("get", "/me", HTTP_AUTHORIZATION=f"Bearer {secret}"), 401)

    assert call("get", "/me", officer).status_code == 200
    update_user(actor=SystemActor(), user=officer, is_active=False)
    assert_problem(call("get", "/me", officer), 401)


# --- 403 -----------------------------------------------------------------------------------------


def test_a_supplier_may_not_register_organisations(call: Caller, supplier: User) -> None:
    before = counts()
    body = assert_problem(call("post", "/organisations", supplier, NEW_ORG), 403)
    assert body["title"] == "Forbidden"
    assert "core.organisation.create" in body["detail"]
    assert counts() == before


def test_a_supplier_may_not_change_organisations(
    call: Caller, supplier: User, home_org: Organisation
) -> None:
    before = counts()
    assert_problem(
        call("patch", f"/organisations/{home_org.pk}", supplier, {"short_name": "X"}), 403
    )
    assert counts() == before
    assert Organisation.objects.get(pk=home_org.pk).short_name == ""


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/users"), ("post", "/users"), ("get", "/audit/entries"), ("post", "/audit/verify"),
     ("post", "/audit/checkpoints"), ("get", "/audit/checkpoints")],
)  # fmt: skip
def test_an_officer_may_not_manage_users_or_read_the_audit_log(
    call: Caller, officer: User, method: str, path: str
) -> None:
    before = counts()
    creating_user = (method, path) == ("post", "/users")
    payload = {"username": "x", "password": "long-enough-pw-1"} if creating_user else None
    assert_problem(call(method, path, officer, payload), 403)
    assert counts() == before


# --- 404 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/organisations/999999", "/agreements/999999", "/users/999999", "/audit/entries/999999",
     "/audit/checkpoints/999999"],
)  # fmt: skip
def test_unknown_ids_get_404(call: Caller, admin: User, auditor: User, path: str) -> None:
    user = auditor if path.startswith("/audit") else admin
    body = assert_problem(call("get", path, user), 404)
    assert body["title"] == "Not found"


def test_records_one_may_not_see_are_404_not_403(
    call: Caller,
    make_org: Callable[..., Organisation],
    make_agreement: Callable[..., Agreement],
    liaison: User,
) -> None:
    a, b = make_org("Closed A"), make_org("Closed B", country="FR")
    hidden = make_agreement(a, b, classification=Level.SECRET)
    before = counts()
    assert_problem(call("get", f"/agreements/{hidden.pk}", liaison), 404)
    assert_problem(call("patch", f"/agreements/{hidden.pk}", liaison, {"summary": "x"}), 404)
    assert counts() == before


def test_revoking_someone_elses_token_is_404(call: Caller, officer: User, admin: User) -> None:
    token, _ = create_token(actor=officer, name="officer's")
    before = counts()
    assert_problem(call("delete", f"/me/tokens/{token.pk}", admin), 404)
    assert counts() == before


# --- 422 from the schema (pydantic) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"country": "UA", "kind": "agency"}, "name_en"),
        ({**NEW_ORG, "kind": "army"}, "kind"),
        ({**NEW_ORG, "name_en": ""}, "name_en"),
        ({**NEW_ORG, "country": "UKR"}, "country"),
        ({**NEW_ORG, "classification": "TOP SECRET"}, "classification"),
        ({**NEW_ORG, "identifiers": [{"scheme": "UA-EDR"}]}, "identifiers.0.identifier"),
        ({**NEW_ORG, "parent_id": "abc"}, "parent_id"),
    ],
)
def test_schema_errors_name_the_field(
    call: Caller, officer: User, payload: dict[str, Any], field: str
) -> None:
    before = counts()
    body = assert_problem(call("post", "/organisations", officer, payload), 422, field)
    assert body["title"] == "Invalid input"
    assert counts() == before


def test_an_agreement_with_one_party_is_refused(
    call: Caller, liaison: User, parties: list[dict[str, Any]], draft: Agreement
) -> None:
    before = counts()
    payload = {"title_en": "Lonely", "kind": "mou", "parties": parties[:1]}
    assert_problem(call("post", "/agreements", liaison, payload), 422, "parties")
    # PATCH has no schema minimum: the service refuses it.
    assert_problem(
        call("patch", f"/agreements/{draft.pk}", liaison, {"parties": parties[:1]}), 422, "parties"
    )
    assert counts() == before


def test_bad_query_parameters_are_422(call: Caller, officer: User) -> None:
    assert_problem(call("get", "/organisations?limit=lots", officer), 422, "limit")


# --- 422 from the rules (services) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**NEW_ORG, "country": "XX"}, "country"),
        ({**NEW_ORG, "country": "ua"}, "country"),
        ({**NEW_ORG, "identifiers": [{"scheme": "UA-EDR", "identifier": "00034023"}]},
         "identifiers"),
        ({**NEW_ORG, "identifiers": [{"scheme": "UA-EDR", "identifier": "0003402"}]},
         "identifiers"),
        ({**NEW_ORG, "identifiers": [{"scheme": "XX-NOPE", "identifier": "1"}]}, "identifiers"),
        ({**NEW_ORG, "parent_id": 999999}, "parent_id"),
        ({**NEW_ORG, "website": "not a url"}, "website"),
    ],
)  # fmt: skip
def test_rule_errors_name_the_field(
    call: Caller, officer: User, payload: dict[str, Any], field: str
) -> None:
    before = counts()
    assert_problem(call("post", "/organisations", officer, payload), 422, field)
    assert counts() == before


def test_a_duplicate_organisation_is_refused(call: Caller, officer: User) -> None:
    assert call("post", "/organisations", officer, NEW_ORG).status_code == 201
    before = counts()
    assert_problem(call("post", "/organisations", officer, NEW_ORG), 422)
    assert counts() == before


def test_an_identifier_belongs_to_one_organisation(call: Caller, officer: User) -> None:
    edr = [{"scheme": "UA-EDR", "identifier": "00034022"}]
    assert (
        call("post", "/organisations", officer, {**NEW_ORG, "identifiers": edr}).status_code == 201
    )
    before = counts()
    payload = {**NEW_ORG, "name_en": "Impostor", "identifiers": edr}
    assert_problem(call("post", "/organisations", officer, payload), 422, "identifiers")
    assert counts() == before


def test_validity_cannot_end_before_it_starts(
    call: Caller, liaison: User, parties: list[dict[str, Any]], draft: Agreement
) -> None:
    before = counts()
    payload = {
        "title_en": "Backwards",
        "kind": "mou",
        "parties": parties,
        "valid_from": "2024-06-01",
        "valid_until": "2024-05-31",
    }
    assert_problem(call("post", "/agreements", liaison, payload), 422, "valid_until")
    patch = {"valid_from": "2024-06-01", "valid_until": "2024-05-31"}
    assert_problem(call("patch", f"/agreements/{draft.pk}", liaison, patch), 422, "valid_until")
    assert counts() == before
    assert Agreement.objects.get(pk=draft.pk).valid_until is None


def test_an_illegal_status_transition_is_refused(
    call: Caller, liaison: User, draft: Agreement
) -> None:
    Agreement.objects.filter(pk=draft.pk).update(signed_on=dt.date(2024, 1, 1))
    before = counts()
    response = call("patch", f"/agreements/{draft.pk}", liaison, {"status": "in_force"})
    assert_problem(response, 422, "status")
    assert counts() == before
    assert Agreement.objects.get(pk=draft.pk).status == "draft"


@pytest.mark.parametrize(
    ("path_kind", "payload", "field"),
    [
        ("agreement", {"title_en": None}, "title_en"),
        ("agreement", {"kind": None}, "kind"),
        ("agreement", {"status": None}, "status"),
        ("agreement", {"classification": None}, "classification"),
        ("organisation", {"name_en": None}, "name_en"),
        ("organisation", {"country": None}, "country"),
        ("organisation", {"classification": None}, "classification"),
    ],
)
def test_null_for_a_non_nullable_field_is_refused(
    call: Caller,
    admin: User,
    draft: Agreement,
    home_org: Organisation,
    path_kind: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    path = (
        f"/agreements/{draft.pk}" if path_kind == "agreement" else f"/organisations/{home_org.pk}"
    )
    before = counts()
    assert_problem(call("patch", path, admin, payload), 422, field)
    assert counts() == before


def test_an_organisation_cannot_be_part_of_itself(
    call: Caller, officer: User, home_org: Organisation, make_org: Callable[..., Organisation]
) -> None:
    child = make_org("Child Agency", parent=home_org)
    before = counts()
    path = f"/organisations/{home_org.pk}"
    assert_problem(call("patch", path, officer, {"parent_id": child.pk}), 422, "parent")
    assert counts() == before


# --- Malformed bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ['{"name_en": ', "not json", "{'single': 'quotes'}", "\x00"])
def test_malformed_json_is_a_client_error(call: Caller, officer: User, raw: str) -> None:
    before = counts()
    response = call("post", "/organisations", officer, raw=raw)
    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code)
    assert counts() == before


@pytest.mark.parametrize("raw", ["[]", "null", "42", '"text"', '{"name_en": 5}'])
def test_well_formed_json_of_the_wrong_shape_is_422(call: Caller, officer: User, raw: str) -> None:
    before = counts()
    assert_problem(call("post", "/organisations", officer, raw=raw), 422)
    assert counts() == before
