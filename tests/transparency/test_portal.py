"""The public portal and the open-data API, as an anonymous visitor sees them: published data,
held releases and withheld fields said openly, nothing restricted leaking, schema-valid JSON."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from django.core.management import call_command
from django.test import Client

from spilno.accounts.models import User
from spilno.kernel.access import Role
from spilno.kernel.classification import Level
from spilno.procurement.models import Tender
from spilno.procurement.services.tenders import add_document, create_plan
from spilno.transparency.models import Release
from spilno.transparency.ocds import standard
from spilno.transparency.services.publication import publish_due
from tests.procurement.conftest import Travel, World, awarded_tender, signed_contracts
from tests.transparency.conftest import package_errors

pytestmark = pytest.mark.django_db

DOCUMENT = b"Technical specification: 155 mm, STANAG 4425.1.\n"


@dataclass
class Scene:
    public: Tender
    restricted: Tender
    public_ocid: str
    restricted_ocid: str


@pytest.fixture
def scene(world: World, travel: Travel) -> Scene:
    def attach(tender: Tender) -> None:
        add_document(
            actor=world.drafter,
            tender=tender,
            title="Specification",
            content=DOCUMENT,
            filename="spec.txt",
            media_type="text/plain",
        )

    public = awarded_tender(world, travel, "1100000.00", title_en="Public shells", prepare=attach)
    signed_contracts(world, travel, public)
    world.plan = next_plan(world)
    restricted = awarded_tender(
        world, travel, "900000.00", title_en="Restricted radars", classification=Level.RESTRICTED
    )
    publish_due()
    return Scene(
        public, restricted, f"ocds-spilno-{public.reference}", f"ocds-spilno-{restricted.reference}"
    )


def next_plan(world: World) -> Any:
    """A fresh draft plan: tenders are added to a plan before it is approved."""
    return create_plan(actor=world.drafter, buyer=world.buyer, year=2026, title_en="Next plan")


def anonymous_get(path: str, **params: Any) -> Any:
    response = Client().get(path, params)
    return response


def test_the_portal_lists_published_tenders_and_never_a_held_one(scene: Scene) -> None:
    page = anonymous_get("/open/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Public shells" in text
    assert "Restricted radars" not in text
    assert scene.restricted_ocid not in text
    detail = anonymous_get(f"/open/{scene.public_ocid}/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert hashlib.sha256(DOCUMENT).hexdigest() in body  # documents' hashes are shown
    assert "tenderUpdate" in body  # the timeline
    assert anonymous_get(f"/open/{scene.restricted_ocid}/").status_code == 404


def test_what_is_held_back_is_said_openly_without_its_content(scene: Scene) -> None:
    page = anonymous_get("/open/withheld/").content.decode()
    assert scene.restricted_ocid in page
    assert "Restricted radars" not in page
    assert "30 days" in page or "until" in page
    data = orjson.loads(anonymous_get("/api/v1/ocds/withheld").content)
    [entry] = [e for e in data if e["ocid"] == scene.restricted_ocid]
    assert entry["held_releases"] >= 1
    assert entry["held_until"] is not None
    assert "Restricted" in entry["reason"]


def test_contract_search_filters_and_pages_with_a_cursor(scene: Scene, world: World) -> None:
    rows = orjson.loads(anonymous_get("/api/v1/ocds/contracts").content)["items"]
    assert [r["supplier"] for r in rows] == [world.suppliers[0].name_en]
    assert rows[0]["value"] == "1100000.00"
    none = orjson.loads(anonymous_get("/api/v1/ocds/contracts", supplier="Nobody Ltd").content)[
        "items"
    ]
    assert none == []
    by_cpv = orjson.loads(anonymous_get("/api/v1/ocds/contracts", cpv="3533").content)["items"]
    assert len(by_cpv) == 1
    page = anonymous_get("/open/contracts/", supplier=world.suppliers[0].name_en)
    assert world.suppliers[0].name_en in page.content.decode()
    bad = anonymous_get("/api/v1/ocds/processes", cursor="not-a-cursor")
    assert bad.status_code == 422
    assert anonymous_get("/open/", cursor="not-a-cursor").status_code == 200


def test_process_search_pages_by_cursor_without_repeats(world: World, travel: Travel) -> None:
    for index in range(3):
        world.plan = next_plan(world)
        awarded_tender(world, travel, "1000.00", title_en=f"Batch {index}")
    publish_due()
    seen: list[str] = []
    cursor = ""
    while True:
        data = orjson.loads(anonymous_get("/api/v1/ocds/processes", limit=1, cursor=cursor).content)
        seen += [item["ocid"] for item in data["items"]]
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 3


def test_the_feed_is_a_schema_valid_release_package_paged_by_number(scene: Scene) -> None:
    response = anonymous_get("/api/v1/ocds/releases", after=0, limit=2)
    package = orjson.loads(response.content)
    assert package_errors(package) == []
    assert len(package["releases"]) == 2
    total = Release.objects.filter(seq__isnull=False).count()
    seen = [r["id"] for r in package["releases"]]
    while package["releases"]:
        nxt = package["links"]["next"].split("/api/v1/ocds/releases", 1)[1]
        package = orjson.loads(Client().get("/api/v1/ocds/releases" + nxt).content)
        seen += [r["id"] for r in package["releases"]]
    assert len(seen) == len(set(seen)) == total
    assert not any(scene.restricted_ocid in release_id for release_id in seen)
    one = orjson.loads(anonymous_get(f"/api/v1/ocds/releases/{seen[0]}").content)
    assert one["releases"][0]["id"] == seen[0]
    held = Release.objects.filter(seq__isnull=True).first()
    assert held is not None
    assert anonymous_get(f"/api/v1/ocds/releases/{held.release_id}").status_code == 404


def test_the_record_package_is_schema_valid_with_compiled_and_versioned_releases(
    scene: Scene,
) -> None:
    response = anonymous_get(f"/api/v1/ocds/processes/{scene.public_ocid}/record")
    assert response.status_code == 200
    package = orjson.loads(response.content)
    validator = jsonschema.Draft4Validator(
        standard.load("record-package-schema.json"), registry=standard.registry()
    )
    assert [e.message for e in validator.iter_errors(package)] == []
    [record] = package["records"]
    assert record["compiledRelease"]["tender"]["title"] == "Public shells"
    assert record["compiledRelease"]["contracts"][0]["status"] == "active"
    statuses = record["versionedRelease"]["tender"]["status"]
    assert statuses[0]["value"] == "active"
    assert (
        anonymous_get(f"/api/v1/ocds/processes/{scene.restricted_ocid}/record").status_code == 404
    )


def test_a_published_document_downloads_with_its_hash_and_nothing_else_does(
    scene: Scene, world: World
) -> None:
    compiled = orjson.loads(
        anonymous_get(f"/api/v1/ocds/processes/{scene.public_ocid}/record").content
    )["records"][0]["compiledRelease"]
    [document] = compiled["tender"]["documents"]
    assert document["sha256"] == hashlib.sha256(DOCUMENT).hexdigest()
    path = document["url"].split("127.0.0.1:8000", 1)[1]
    response = Client().get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DOCUMENT
    assert Client().get(path.replace(scene.public_ocid, scene.restricted_ocid)).status_code == 404


def test_bulk_export_writes_json_lines_and_a_release_package(scene: Scene, bulk_dir: Path) -> None:
    call_command("ocds", "export")
    lines = gzip.decompress((bulk_dir / "releases.jsonl.gz").read_bytes()).splitlines()
    assert len(lines) == Release.objects.filter(seq__isnull=False).count()
    package = orjson.loads(gzip.decompress((bulk_dir / "release-package.json.gz").read_bytes()))
    assert package_errors(package) == []
    assert [r["id"] for r in package["releases"]] == [orjson.loads(line)["id"] for line in lines]
    records = gzip.decompress((bulk_dir / "records.jsonl.gz").read_bytes()).splitlines()
    assert {orjson.loads(r)["ocid"] for r in records} == {scene.public_ocid}
    listing = orjson.loads(anonymous_get("/api/v1/ocds/bulk").content)
    assert {f["name"] for f in listing} == {
        "releases.jsonl.gz",
        "release-package.json.gz",
        "records.jsonl.gz",
    }
    download = Client().get("/api/v1/ocds/bulk/releases.jsonl.gz")
    assert download.status_code == 200
    assert Client().get("/api/v1/ocds/bulk/..%2Fsecret_key").status_code == 404


def test_the_policy_is_public_to_read_and_only_administrators_change_it(
    make_user: Any, make_org: Any
) -> None:
    assert anonymous_get("/open/policy/").status_code == 200
    policy = orjson.loads(anonymous_get("/api/v1/transparency/policy").content)
    assert [r["level"] for r in policy] == [
        "PUBLIC",
        "INTERNAL",
        "RESTRICTED",
        "CONFIDENTIAL",
        "SECRET",
    ]
    ministry = make_org("Ministry")
    admin: User = make_user((ministry, Role.ADMINISTRATOR), clearance=Level.SECRET)
    officer: User = make_user((ministry, Role.PROCUREMENT_OFFICER))
    for user, expected in ((officer, 403), (admin, 200)):
        client = Client()
        client.force_login(user)
        response = client.patch(
            "/api/v1/transparency/policy/restricted",
            {"delay_days": 10},
            content_type="application/json",
        )
        assert response.status_code == expected
    bad = Client()
    bad.force_login(admin)
    response = bad.patch(
        "/api/v1/transparency/policy/restricted",
        {"withheld_fields": ["secret.sauce"], "delay_days": None},
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = {e["field"] for e in orjson.loads(response.content)["errors"]}
    assert fields == {"delay_days"}
    response = bad.patch(
        "/api/v1/transparency/policy/restricted",
        {"withheld_fields": ["secret.sauce"]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in orjson.loads(response.content)["errors"]} == {"withheld_fields"}
    current = orjson.loads(anonymous_get("/api/v1/transparency/policy").content)
    assert next(r for r in current if r["level"] == "RESTRICTED")["delay_days"] == 10
    page = bad.post("/open/policy/2/", {"level-2-mode": "delay", "level-2-delay_days": "x"})
    assert page.status_code == 302
