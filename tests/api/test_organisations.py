"""Organisations through the API: register, change, list, read."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spilno.accounts.models import User
from spilno.audit.models import AuditEntry
from spilno.core.models import Organisation
from spilno.kernel.access import Role
from spilno.kernel.classification import Level
from tests.api.conftest import Caller, counts

pytestmark = pytest.mark.django_db

MOD = {
    "name_en": "Ministry of Defence of Ukraine",
    "name_uk": "Міністерство оборони України",
    "short_name": "MoD UA",
    "country": "UA",
    "kind": "ministry",
    "website": "https://www.mil.gov.ua/",
    "identifiers": [{"scheme": "UA-EDR", "identifier": "00034022"}],
}


def test_register_an_organisation(call: Caller, officer: User) -> None:
    before = counts()
    response = call("post", "/organisations", officer, MOD)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        **MOD,
        "id": body["id"],
        "parent_id": None,
        "classification": "PUBLIC",
    }
    org = Organisation.objects.get(pk=body["id"])
    assert org.identifiers.get().identifier == "00034022"
    assert counts() == {
        **before,
        "organisations": before["organisations"] + 1,
        "audit": before["audit"] + 1,
    }
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.actor, entry.object_id) == (
        "core.organisation.create",
        officer.username,
        str(org.pk),
    )


def test_change_an_organisation(
    call: Caller, officer: User, make_org: Callable[..., Organisation]
) -> None:
    parent = make_org("Parent Ministry")
    org = make_org("Child Agency", parent=parent)
    before = counts()
    response = call(
        "patch",
        f"/organisations/{org.pk}",
        officer,
        {
            "short_name": "CA",
            "parent_id": None,
            "classification": "INTERNAL",
            "identifiers": [{"scheme": "UA-EDR", "identifier": "14360570"}],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["short_name"], body["parent_id"], body["classification"]) == (
        "CA",
        None,
        "INTERNAL",
    )
    assert body["identifiers"] == [{"scheme": "UA-EDR", "identifier": "14360570"}]
    org.refresh_from_db()
    assert (org.parent_id, org.classification) == (None, Level.INTERNAL)
    assert counts() == {**before, "audit": before["audit"] + 1}
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert entry.before["parent_id"] == parent.pk
    assert entry.after["parent_id"] is None
    assert entry.after["identifiers"] == ["UA-EDR-14360570"]


def test_a_patch_changing_nothing_writes_nothing(
    call: Caller, officer: User, make_org: Callable[..., Organisation]
) -> None:
    org = make_org("Steady Agency")
    before = counts()
    assert call("patch", f"/organisations/{org.pk}", officer, {}).status_code == 200
    assert (
        call("patch", f"/organisations/{org.pk}", officer, {"name_en": org.name_en}).status_code
        == 200
    )
    assert counts() == before


def test_read_one_and_list(
    call: Caller, supplier: User, make_org: Callable[..., Organisation]
) -> None:
    org = make_org("Readable Agency", short_name="RA", country="FR")
    response = call("get", f"/organisations/{org.pk}", supplier)
    assert response.status_code == 200
    assert response.json()["name_en"] == "Readable Agency"

    listed = call("get", "/organisations", supplier).json()
    assert org.pk in [o["id"] for o in listed["items"]]
    assert listed["next_after"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [("q=readable", {"Readable Agency"}), ("q=RA", {"Readable Agency"}),
     ("country=fr", {"Readable Agency"}), ("kind=supplier", {"Supplying Works"}),
     ("q=14360570", {"Supplying Works"})],
)  # fmt: skip
def test_list_filters(
    call: Caller,
    supplier: User,
    make_org: Callable[..., Organisation],
    query: str,
    expected: set[str],
) -> None:
    make_org("Readable Agency", short_name="RA", country="FR")
    make_org("Supplying Works", kind="supplier", identifiers=[("UA-EDR", "14360570")])
    names = {o["name_en"] for o in call("get", f"/organisations?{query}", supplier).json()["items"]}
    assert names == expected


def test_list_pages_with_after(
    call: Caller, supplier: User, make_org: Callable[..., Organisation]
) -> None:
    for i in range(5):
        make_org(f"Paged Agency {i}")
    total = Organisation.objects.count()
    seen: list[int] = []
    after = ""
    while True:
        page = call("get", f"/organisations?limit=2{after}", supplier).json()
        assert len(page["items"]) <= 2
        seen += [o["id"] for o in page["items"]]
        if page["next_after"] is None:
            break
        after = f"&after={page['next_after']}"
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == total


def test_the_list_respects_visibility(
    call: Caller,
    make_org: Callable[..., Organisation],
    make_user: Callable[..., User],
    supplier: User,
) -> None:
    hidden = make_org("Hidden Agency", classification=Level.RESTRICTED)
    member = make_user((hidden, Role.PROCUREMENT_OFFICER), clearance=Level.RESTRICTED)
    assert hidden.pk in [o["id"] for o in call("get", "/organisations", member).json()["items"]]
    assert hidden.pk not in [
        o["id"] for o in call("get", "/organisations", supplier).json()["items"]
    ]
    assert call("get", f"/organisations/{hidden.pk}", supplier).status_code == 404
