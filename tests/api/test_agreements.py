"""Agreements and cooperation areas through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from spilno.accounts.models import User
from spilno.audit.models import AuditEntry
from spilno.core.models import Agreement, CooperationArea, Organisation
from spilno.kernel.classification import Level
from tests.api.conftest import Caller, assert_problem, counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpa(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Defence Procurement Agency")


@pytest.fixture
def dga(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Directorate General for Armaments", country="FR")


@pytest.fixture
def memorandum(dpa: Organisation, dga: Organisation) -> dict[str, Any]:
    return {
        "title_en": "DPA–DGA memorandum of intent",
        "title_uk": "Меморандум про наміри АОЗ–DGA",
        "reference": "DPA–DGA MoI",
        "kind": "moi",
        "status": "draft",
        "signed_on": "2023-09-29",
        "valid_from": "2023-09-29",
        "parties": [
            {"organisation_id": dpa.pk, "role": "signatory"},
            {"organisation_id": dga.pk, "role": "signatory"},
        ],
        "areas": ["defence-technology", "provision-and-armament"],
    }


def test_the_seeded_cooperation_areas(call: Caller, supplier: User) -> None:
    areas = call("get", "/areas", supplier).json()
    assert len(areas) == CooperationArea.objects.count() == 12
    assert areas[0] == {
        "slug": "defence-reform",
        "name_en": "Defence reform",
        "name_uk": "Оборонна реформа",
    }


def test_record_an_agreement(call: Caller, liaison: User, memorandum: dict[str, Any]) -> None:
    before = counts()
    response = call("post", "/agreements", liaison, memorandum)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title_en"] == memorandum["title_en"]
    assert body["parties"] == memorandum["parties"]
    assert sorted(body["areas"]) == sorted(memorandum["areas"])
    assert (body["status"], body["signed_on"], body["valid_until"]) == ("draft", "2023-09-29", None)
    assert body["classification"] == "PUBLIC"
    assert counts() == {
        **before,
        "agreements": before["agreements"] + 1,
        "audit": before["audit"] + 1,
    }
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert entry.action == "core.agreement.create"
    assert entry.after["parties"] == [
        [p["organisation_id"], "signatory"] for p in memorandum["parties"]
    ]


def test_walk_an_agreement_through_its_lifecycle(
    call: Caller, liaison: User, memorandum: dict[str, Any]
) -> None:
    agreement_id = call("post", "/agreements", liaison, memorandum).json()["id"]
    path = f"/agreements/{agreement_id}"
    for status in ("signed", "in_force", "expired"):
        response = call("patch", path, liaison, {"status": status})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status
    assert_problem(call("patch", path, liaison, {"status": "in_force"}), 422, "status")
    assert Agreement.objects.get(pk=agreement_id).status == "expired"
    actions = AuditEntry.objects.filter(object_type="core.agreement", object_id=str(agreement_id))
    assert [e.after["status"] for e in actions.order_by("pk")] == [
        "draft",
        "signed",
        "in_force",
        "expired",
    ]


def test_change_parties_areas_and_parent(
    call: Caller,
    liaison: User,
    memorandum: dict[str, Any],
    make_org: Callable[..., Organisation],
    dpa: Organisation,
) -> None:
    parent_id = call("post", "/agreements", liaison, memorandum).json()["id"]
    child_id = call("post", "/agreements", liaison, {**memorandum, "title_en": "Child"}).json()[
        "id"
    ]
    nspa = make_org("NSPA", country="LU", kind="international_organisation")
    patch = {
        "parent_id": parent_id,
        "parties": [
            {"organisation_id": dpa.pk, "role": "lead"},
            {"organisation_id": nspa.pk, "role": "participant"},
        ],
        "areas": [],
        "valid_until": "2030-12-31",
    }
    response = call("patch", f"/agreements/{child_id}", liaison, patch)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["parent_id"] == parent_id
    assert body["parties"] == patch["parties"]
    assert body["areas"] == []
    assert body["valid_until"] == "2030-12-31"
    # Clearing a nullable field with null is allowed.
    cleared = call("patch", f"/agreements/{child_id}", liaison, {"valid_until": None})
    assert cleared.json()["valid_until"] is None
    # An agreement cannot be nested under its own descendant.
    assert_problem(
        call("patch", f"/agreements/{parent_id}", liaison, {"parent_id": child_id}), 422, "parent"
    )


def test_unknown_areas_and_parties_are_refused(
    call: Caller, liaison: User, memorandum: dict[str, Any]
) -> None:
    before = counts()
    assert_problem(
        call("post", "/agreements", liaison, {**memorandum, "areas": ["astrology"]}), 422, "areas"
    )
    parties = [*memorandum["parties"][:1], {"organisation_id": 999999, "role": "signatory"}]
    assert_problem(
        call("post", "/agreements", liaison, {**memorandum, "parties": parties}), 422, "parties"
    )
    twice = [memorandum["parties"][0], memorandum["parties"][0]]
    assert_problem(
        call("post", "/agreements", liaison, {**memorandum, "parties": twice}), 422, "parties"
    )
    assert counts() == before


def test_classifying_above_ones_clearance_is_refused(
    call: Caller, make_user: Callable[..., User], memorandum: dict[str, Any], dpa: Organisation
) -> None:
    low = make_user((dpa, "partner_liaison"), clearance=Level.INTERNAL)
    before = counts()
    payload = {**memorandum, "classification": "RESTRICTED"}
    assert_problem(call("post", "/agreements", low, payload), 422, "classification")
    assert counts() == {**before, "tokens": before["tokens"] + 1, "audit": before["audit"] + 1}


@pytest.mark.parametrize(
    ("query", "titles"),
    [("status=in_force", {"In force"}), ("q=draft", {"Draft one"}), ("kind=mou", {"Draft one"}),
     ("area=defence-reform", {"In force"}), ("status=expired", set())],
)  # fmt: skip
def test_list_filters(
    call: Caller,
    supplier: User,
    make_agreement: Callable[..., Agreement],
    dpa: Organisation,
    dga: Organisation,
    query: str,
    titles: set[str],
) -> None:
    make_agreement(dpa, dga, title_en="Draft one", kind="mou")
    in_force = make_agreement(
        dpa, dga, title_en="In force", kind="moi", status="in_force", signed_on="2023-09-29"
    )
    in_force.areas.set(CooperationArea.objects.filter(slug="defence-reform"))
    found = {a["title_en"] for a in call("get", f"/agreements?{query}", supplier).json()["items"]}
    assert found == titles


def test_list_by_party(
    call: Caller,
    supplier: User,
    make_agreement: Callable[..., Agreement],
    make_org: Callable[..., Organisation],
    dpa: Organisation,
    dga: Organisation,
) -> None:
    ours = make_agreement(dpa, dga)
    make_agreement(make_org("A"), make_org("B"))
    found = [a["id"] for a in call("get", f"/agreements?party={dga.pk}", supplier).json()["items"]]
    assert found == [ours.pk]


def test_get_one(
    call: Caller,
    supplier: User,
    make_agreement: Callable[..., Agreement],
    dpa: Organisation,
    dga: Organisation,
) -> None:
    agreement = make_agreement(dpa, dga, title_en="Readable")
    body = call("get", f"/agreements/{agreement.pk}", supplier).json()
    assert body["id"] == agreement.pk
    assert body["title_en"] == "Readable"
    assert {p["organisation_id"] for p in body["parties"]} == {dpa.pk, dga.pk}


def test_list_pages_with_after_and_clamps_the_limit(
    call: Caller,
    supplier: User,
    make_agreement: Callable[..., Agreement],
    dpa: Organisation,
    dga: Organisation,
) -> None:
    for i in range(5):
        make_agreement(dpa, dga, title_en=f"Paged {i}")
    seen: list[int] = []
    after = ""
    while True:
        page = call("get", f"/agreements?limit=2{after}", supplier).json()
        assert len(page["items"]) <= 2
        seen += [a["id"] for a in page["items"]]
        if page["next_after"] is None:
            break
        after = f"&after={page['next_after']}"
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == Agreement.objects.count()
    # A limit below 1 is one item; above the maximum it is the maximum.
    one = call("get", "/agreements?limit=0", supplier).json()
    assert len(one["items"]) == 1
    assert one["next_after"] == one["items"][0]["id"]
    assert call("get", "/agreements?limit=100000", supplier).json()["next_after"] is None
