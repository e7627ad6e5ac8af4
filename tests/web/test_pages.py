"""The web UI: every page answers for the roles that may use it, refuses the others, and a bad
form changes nothing. Built on the demo world, so the pages render believable data."""

from __future__ import annotations

import pytest
from django.test import Client

from spilno.audit.models import AuditEntry
from spilno.core.models import Agreement, Organisation
from spilno.demo.world import DEMO_PASSWORD, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> None:
    build_world()


def client_for(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_every_page_renders_for_the_administrator(world: None) -> None:
    org = Organisation.objects.get(short_name="DPA")
    agreement = Agreement.objects.get(reference="DPA–DGA MoI")
    entry = AuditEntry.objects.order_by("pk").first()
    assert entry is not None
    client = client_for("admin")
    pages = [
        "/",
        "/core/organisations/",
        "/core/organisations/?q=DPA&kind=agency&country=UA",
        f"/core/organisations/{org.pk}/",
        "/core/organisations/new/",
        f"/core/organisations/{org.pk}/edit/",
        "/core/agreements/",
        "/core/agreements/?area=defence-technology",
        f"/core/agreements/{agreement.pk}/",
        "/core/agreements/new/",
        f"/core/agreements/{agreement.pk}/edit/",
        "/accounts/users/",
        "/accounts/users/new/",
        "/accounts/tokens/",
        "/audit/",
        f"/audit/entries/{entry.pk}/",
        "/audit/checkpoints/",
        "/api/v1/docs",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    detail = client.get(f"/core/agreements/{agreement.pk}/").content.decode()
    assert "2023-09-29" in detail
    assert "Directorate General for Armaments" in detail


def test_anonymous_visitors_are_sent_to_sign_in(world: None) -> None:
    response = Client().get("/core/organisations/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("username", "page", "status"),
    [
        ("supplier", "/accounts/users/", 403),
        ("supplier", "/audit/", 403),
        ("supplier", "/core/organisations/new/", 403),
        ("supplier", "/core/agreements/new/", 403),
        ("officer", "/accounts/users/new/", 403),
        ("auditor", "/accounts/users/", 200),
        ("auditor", "/accounts/users/new/", 403),
        ("auditor", "/audit/", 200),
        ("liaison", "/core/agreements/new/", 200),
        ("officer", "/core/organisations/new/", 200),
    ],
)
def test_pages_follow_the_roles(world: None, username: str, page: str, status: int) -> None:
    assert client_for(username).get(page).status_code == status


def test_a_bad_organisation_form_shows_field_errors_and_writes_nothing(world: None) -> None:
    before = (Organisation.objects.count(), AuditEntry.objects.count())
    response = client_for("admin").post(
        "/core/organisations/new/",
        {
            "name_en": "Bad Input Ltd",
            "country": "UA",
            "kind": "supplier",
            "classification": 0,
            "identifiers": "UA-EDR 00034023",  # wrong check digit (00034022 is valid)
        },
    )
    assert response.status_code == 422
    assert "check digit" in response.content.decode()
    assert (Organisation.objects.count(), AuditEntry.objects.count()) == before


def test_a_bad_agreement_form_refuses_one_party(world: None) -> None:
    dpa = Organisation.objects.get(short_name="DPA")
    before = (Agreement.objects.count(), AuditEntry.objects.count())
    response = client_for("admin").post(
        "/core/agreements/new/",
        {
            "title_en": "One-sided",
            "kind": "mou",
            "status": "draft",
            "parties": [dpa.pk],
            "classification": 0,
        },
    )
    assert response.status_code == 422
    assert "at least two parties" in response.content.decode()
    assert (Agreement.objects.count(), AuditEntry.objects.count()) == before


def test_creating_an_organisation_through_the_ui_is_audited(world: None) -> None:
    before = AuditEntry.objects.count()
    response = client_for("officer").post(
        "/core/organisations/new/",
        {"name_en": "Kharkiv Armour Plant (demo)", "country": "UA", "kind": "supplier",
         "classification": 0, "identifiers": ""},
    )  # fmt: skip
    assert response.status_code == 302
    org = Organisation.objects.get(name_en="Kharkiv Armour Plant (demo)")
    entry = AuditEntry.objects.get(
        pk__gt=0, action="core.organisation.create", object_id=str(org.pk)
    )
    assert entry.actor == "officer"
    assert AuditEntry.objects.count() == before + 1


def test_the_language_switch_shows_ukrainian(world: None) -> None:
    client = client_for("admin")
    response = client.post("/i18n/setlang/", {"language": "uk", "next": "/"}, follow=True)
    page = response.content.decode()
    assert 'lang="uk"' in page
    assert "Організації" in page
    assert "Міністерство оборони України" in client.get("/core/organisations/").content.decode()


def test_verify_from_the_audit_page(world: None) -> None:
    response = client_for("auditor").post("/audit/verify/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "intact" in response.content.decode()


def test_health_reports_the_database() -> None:
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
