"""The demo's open data: every release it writes is valid against the official OCDS schema, and an
anonymous visitor sees published, withheld and held data as the policy says."""

from __future__ import annotations

import orjson
import pytest
from django.test import Client

from spilno.demo.publication import publish_and_export
from spilno.demo.world import build_world
from spilno.procurement.models import Tender
from spilno.transparency.models import Release
from tests.transparency.conftest import schema_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.SPILNO_BULK_DIR = tmp_path / "bulk"
    settings.MEDIA_ROOT = tmp_path / "media"
    build_world()
    return publish_and_export()


def test_every_release_of_the_demo_is_schema_valid(demo: dict[str, int]) -> None:
    releases = list(Release.objects.all())
    assert len(releases) > 30
    assert {
        r.release_id: schema_errors(r.payload) for r in releases if schema_errors(r.payload)
    } == {}
    assert demo["releases"] == Release.objects.filter(seq__isnull=False).count()


def test_an_anonymous_visitor_sees_published_withheld_and_held_data(demo: dict[str, int]) -> None:
    visitor = Client()
    portal = visitor.get("/open/").content.decode()
    assert "155 mm artillery shells" in portal  # public: published at once
    fpv = Tender.objects.get(title_en__startswith="FPV drones")
    interceptors = Tender.objects.get(title_en__startswith="Interceptor missiles")
    assert "Interceptor missiles" not in portal  # restricted: held 30 days after the award
    fpv_page = visitor.get(f"/open/ocds-spilno-{fpv.reference}/").content.decode()
    assert "What is withheld, and why" in fpv_page
    assert "Item quantities and units" in fpv_page
    record = orjson.loads(
        visitor.get(f"/api/v1/ocds/processes/ocds-spilno-{fpv.reference}/record").content
    )["records"][0]["compiledRelease"]
    assert all("quantity" not in item for item in record["tender"]["items"])
    held = visitor.get("/open/withheld/").content.decode()
    assert f"ocds-spilno-{interceptors.reference}" in held
    assert "Interceptor missiles" not in held
    assert visitor.get(f"/open/ocds-spilno-{interceptors.reference}/").status_code == 404
    for path in ("/open/contracts/", "/open/aggregates/", "/open/policy/", "/open/data/"):
        assert visitor.get(path).status_code == 200, path
    aggregates = visitor.get("/open/aggregates/").content.decode()
    assert "35000000" in aggregates  # three confidential contracts: a visible cell
    assert "suppressed" in aggregates  # one alone in its division: suppressed
    assert "Encrypted radio sets" not in portal + aggregates
    bulk = orjson.loads(visitor.get("/api/v1/ocds/bulk").content)
    assert len(bulk) == 3
