"""The cooperation JSON API: programmes, lines, objectives, indicators and their values.

Each write goes through the services; these tests check what the API adds: the shapes, the
status codes, field errors naming the field, 404 for what the caller may not see exactly as for
what does not exist, and nothing written when a request is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from spilno.accounts.models import User
from spilno.audit.models import AuditEntry
from spilno.capabilities.services.requirements import create_requirement
from spilno.cooperation.models import (
    Indicator,
    IndicatorValue,
    LineOfEffort,
    Objective,
    Programme,
)
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from tests.api.conftest import assert_problem
from tests.cooperation.conftest import World

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cooperation"


class Api:
    """Calls under /api/v1/cooperation as a user (a bearer token each, made once)."""

    def __init__(self, bearer: Callable[[User], dict[str, str]]) -> None:
        self.client = Client()
        self.bearer = bearer
        self.headers: dict[int, dict[str, str]] = {}

    def prime(self, *users: User) -> None:
        """Make the tokens now, so that they do not disturb later row counts."""
        for user in users:
            if user.pk not in self.headers:
                self.headers[user.pk] = self.bearer(user)

    def __call__(self, method: str, path: str, user: User | None, body: Any = None) -> Any:
        kwargs: dict[str, Any] = {}
        if user is not None:
            self.prime(user)
            kwargs.update(self.headers[user.pk])
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        url = path if path.startswith("/api/") else BASE + path
        return getattr(self.client, method.lower())(url, **kwargs)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def rows() -> dict[str, int]:
    """Rows a refused write must leave alone."""
    return {
        "programmes": Programme.objects.count(),
        "lines": LineOfEffort.objects.count(),
        "objectives": Objective.objects.count(),
        "indicators": Indicator.objects.count(),
        "values": IndicatorValue.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def api(bearer: Callable[[User], dict[str, str]], world: World) -> Api:
    caller = Api(bearer)
    caller.prime(world.reform, world.approver, world.us_liaison, world.fr_liaison, world.auditor)
    return caller


def enter(api: Api, world: World, user: User | None = None, **body: Any) -> Any:
    payload = {
        "as_of": "2024-12-31",
        "value": "35",
        "unit": "percent",
        "source": "General Staff certification report 12/2024",
        **body,
    }
    return api("post", f"/indicators/{world.indicator.pk}/values", user or world.reform, payload)


# --- authentication and the OpenAPI document -----------------------------------------------------
def test_anonymous_callers_are_asked_to_authenticate(api: Api, world: World) -> None:
    before = rows()
    for method, path in [
        ("get", "/programmes"),
        ("get", f"/programmes/{world.programme.pk}"),
        ("get", "/metrics"),
        ("get", "/values/waiting"),
        ("post", f"/indicators/{world.indicator.pk}/values"),
    ]:
        response = api(method, path, None, {} if method == "post" else None)
        assert_problem(response, 401)
        assert response["WWW-Authenticate"] == "Bearer"
    assert rows() == before


def test_openapi_document_still_builds_with_the_cooperation_paths(api: Api) -> None:
    document = ok(api("get", "/api/v1/openapi.json", None))
    paths = document["paths"]
    assert set(paths[BASE + "/programmes"]) == {"get", "post"}
    assert set(paths[BASE + "/programmes/{programme_id}"]) == {"get", "patch"}
    assert set(paths[BASE + "/values/{value_id}"]) == {"get", "patch", "delete"}
    for path in [
        "/values/{value_id}/revise",
        "/progress-reviews/{review_id}/follow-ups",
        "/recommendations/{recommendation_id}/advance",
        "/documents/{document_id}/move",
        "/areas/{slug}",
        "/metrics",
    ]:
        assert BASE + path in paths
    # Enums reach the document, so clients know the allowed values.
    schemas = document["components"]["schemas"]
    assert set(schemas["ValueStatus"]["enum"]) == {
        "draft",
        "submitted",
        "returned",
        "approved",
        "superseded",
    }


# --- programmes -------------------------------------------------------------------------------------
def test_programmes_are_listed_filtered_and_shown_with_their_tree(api: Api, world: World) -> None:
    page = ok(api("get", "/programmes", world.reform))
    assert [p["reference"] for p in page["items"]] == [world.programme.reference]
    assert page["next_after"] is None
    item = page["items"][0]
    assert item["classification"] == "RESTRICTED"
    assert item["agreement_id"] == world.agreement.pk

    assert len(ok(api("get", f"/programmes?partner={world.us.pk}", world.reform))["items"]) == 1
    assert ok(api("get", f"/programmes?partner={world.fr.pk}", world.reform))["items"] == []
    assert len(ok(api("get", "/programmes?q=partner", world.reform))["items"]) == 1
    assert ok(api("get", "/programmes?q=nothing-like-it", world.reform))["items"] == []
    assert ok(api("get", "/programmes?area=defence-reform", world.reform))["items"] == []
    ok(api("patch", f"/lines/{world.line2.pk}", world.reform, {"areas": ["defence-reform"]}))
    assert len(ok(api("get", "/programmes?area=defence-reform", world.reform))["items"]) == 1

    detail = ok(api("get", f"/programmes/{world.programme.pk}", world.us_liaison))
    assert [line["code"] for line in detail["lines"]] == ["LOE 1", "LOE 2"]
    assert detail["lines"][1]["areas"] == ["defence-reform"]
    objective = detail["lines"][0]["objectives"][0]
    assert objective["code"] == "1.1"
    typed, computed = objective["indicators"]
    assert typed["id"] == world.indicator.pk
    assert typed["unit"] == "percent"
    assert typed["baseline"] == "10.000"
    assert typed["latest"] is None
    assert typed["progress"] is None
    assert computed["computed"] is True
    assert computed["metric"] == "capabilities.delivered_share"


def test_programmes_are_keyset_paged(
    api: Api, world: World, make_agreement: Any, system: SystemActor
) -> None:
    for n in range(3):
        ok(
            api(
                "post",
                "/programmes",
                world.reform,
                {
                    "agreement_id": world.agreement.pk,
                    "title_en": f"Programme {n}",
                    "starts_on": "2024-01-01",
                },
            ),
            201,
        )
    first = ok(api("get", "/programmes?limit=2", world.reform))
    assert len(first["items"]) == 2
    assert first["next_after"] == first["items"][-1]["id"]
    rest = ok(api("get", f"/programmes?limit=2&after={first['next_after']}", world.reform))
    assert len(rest["items"]) == 2
    assert rest["next_after"] is None
    ids = [p["id"] for p in first["items"] + rest["items"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4


def test_programme_is_created_changed_and_locked(api: Api, world: World) -> None:
    created = ok(
        api(
            "post",
            "/programmes",
            world.reform,
            {
                "agreement_id": world.agreement.pk,
                "title_en": "Medical rehabilitation",
                "starts_on": "2023-01-01",
                "ends_on": "2026-12-31",
                "classification": "CONFIDENTIAL",
            },
        ),
        201,
    )
    assert created["reference"] == f"PRG-{created['id']:04d}"
    assert created["classification"] == "CONFIDENTIAL"
    assert created["lines"] == []
    pid = created["id"]

    changed = ok(
        api(
            "patch",
            f"/programmes/{pid}",
            world.reform,
            {"title_uk": "Реабілітація", "ends_on": None},
        )
    )
    assert changed["title_uk"] == "Реабілітація"
    assert changed["ends_on"] is None
    assert changed["title_en"] == "Medical rehabilitation"

    locked = ok(api("post", f"/programmes/{pid}/lock", world.approver, {"until": "2023-12-31"}))
    assert locked["locked_until"] == "2023-12-31"
    body = assert_problem(
        api("post", f"/programmes/{pid}/lock", world.approver, {"until": "2023-06-30"}),
        422,
        "until",
    )
    assert "already locked" in body["errors"][0]["message"]
    assert Programme.objects.get(pk=pid).locked_until == dt.date(2023, 12, 31)


def test_programme_input_errors_name_the_field_and_write_nothing(api: Api, world: World) -> None:
    before = rows()
    good = {"agreement_id": world.agreement.pk, "title_en": "X", "starts_on": "2024-01-01"}
    cases = [
        ({**good, "ends_on": "2023-01-01"}, "ends_on"),
        ({**good, "classification": "INTERNAL"}, "classification"),  # below its agreement
        ({**good, "classification": "TOP"}, "classification"),  # no such level
        ({**good, "starts_on": "next week"}, "starts_on"),
        ({**good, "agreement_id": 999999}, "agreement_id"),
        ({**good, "title_en": ""}, "title_en"),
    ]
    for body, field in cases:
        assert_problem(api("post", "/programmes", world.reform, body), 422, field)
    pid = world.programme.pk
    assert_problem(
        api("patch", f"/programmes/{pid}", world.reform, {"title_en": None}), 422, "title_en"
    )
    assert_problem(api("post", f"/programmes/{pid}/lock", world.reform, {}), 422, "until")
    assert rows() == before


# --- lines, objectives, indicators ----------------------------------------------------------------
def test_lines_objectives_and_indicators_are_built_and_changed(api: Api, world: World) -> None:
    pid = world.programme.pk
    line = ok(
        api(
            "post",
            f"/programmes/{pid}/lines",
            world.us_liaison,
            {"title_en": "Strengthen the defence industry", "areas": ["defence-industry-reform"]},
        ),
        201,
    )
    assert line["number"] == 3
    assert line["code"] == "LOE 3"
    assert line["areas"] == ["defence-industry-reform"]
    assert line["ratings"] == []
    assert line["programme_reference"] == world.programme.reference

    changed = ok(
        api(
            "patch",
            f"/lines/{line['id']}",
            world.reform,
            {"description": "Joint production", "areas": ["defence-technology", "defence-reform"]},
        )
    )
    assert changed["description"] == "Joint production"
    assert sorted(changed["areas"]) == ["defence-reform", "defence-technology"]

    objective = ok(
        api(
            "post",
            f"/lines/{line['id']}/objectives",
            world.reform,
            {"title_en": "Joint ventures licensed", "target_date": "2026-06-30"},
        ),
        201,
    )
    assert objective["code"] == "3.1"
    objective = ok(
        api("patch", f"/objectives/{objective['id']}", world.reform, {"target_date": None})
    )
    assert objective["target_date"] is None

    indicator = ok(
        api(
            "post",
            f"/objectives/{objective['id']}/indicators",
            world.reform,
            {
                "title_en": "Joint ventures",
                "unit": "count",
                "baseline": "0",
                "baseline_date": "2024-01-01",
                "target": "12",
                "target_date": "2026-06-30",
                "minimum": "0",
                "source": "Ministry of Strategic Industries",
            },
        ),
        201,
    )
    assert indicator["unit"] == "count"
    assert indicator["direction"] == "increase"
    assert indicator["values"] == []
    assert indicator["line_id"] == line["id"]
    assert indicator["programme_id"] == pid
    indicator = ok(
        api(
            "patch",
            f"/indicators/{indicator['id']}",
            world.reform,
            {"target": "15", "maximum": "100"},
        )
    )
    assert (indicator["target"], indicator["maximum"]) == ("15.000", "100.000")

    shown = ok(api("get", f"/lines/{line['id']}", world.reform))
    assert [o["code"] for o in shown["objectives"]] == ["3.1"]
    assert [i["id"] for i in shown["indicators"]] == [indicator["id"]]
    assert shown["indicators"][0]["series"] == []


def test_line_and_indicator_errors_name_the_field_and_write_nothing(api: Api, world: World) -> None:
    before = rows()
    pid, oid = world.programme.pk, world.objective.pk
    assert_problem(
        api("post", f"/programmes/{pid}/lines", world.reform, {"title_en": "X", "areas": ["nope"]}),
        422,
        "areas",
    )
    assert_problem(
        api("patch", f"/lines/{world.line1.pk}", world.reform, {"areas": ["nope"]}), 422, "areas"
    )
    indicator = {
        "title_en": "X",
        "unit": "percent",
        "baseline": "0",
        "baseline_date": "2024-01-01",
        "target": "50",
        "target_date": "2025-01-01",
    }
    cases = [
        ({**indicator, "unit": "kg"}, "unit"),
        ({**indicator, "direction": "sideways"}, "direction"),
        ({**indicator, "target": "150"}, "target"),  # a share above 100%
        ({**indicator, "target_date": "2023-01-01"}, "target_date"),
        ({**indicator, "metric": "no.such.metric"}, "metric"),
        (
            {**indicator, "metric": "capabilities.delivered_share", "metric_params": {"x": "1"}},
            "metric_params.x",
        ),
        ({**indicator, "unit": "count", "metric": "capabilities.delivered_share"}, "unit"),
    ]
    for body, field in cases:
        assert_problem(api("post", f"/objectives/{oid}/indicators", world.reform, body), 422, field)
    assert_problem(
        api("patch", f"/indicators/{world.indicator.pk}", world.reform, {"maximum": "5"}),
        422,
        "baseline",
    )
    assert rows() == before
    assert world.line1.areas.count() == 0


def test_metrics_are_listed_with_their_parameters(api: Api, world: World) -> None:
    listed = {m["key"]: m for m in ok(api("get", "/metrics", world.fr_liaison))}
    share = listed["capabilities.delivered_share"]
    assert share["unit"] == "percent"
    assert [p["name"] for p in share["params"]] == ["cpv"]
    assert share["params"][0]["required"] is False


def test_a_computed_indicator_is_computed_on_request(
    api: Api, world: World, system: SystemActor
) -> None:
    path = f"/indicators/{world.computed.pk}/compute"
    nothing = ok(api("post", path, world.reform, {"as_of": "2024-12-31"}))
    assert nothing == {"as_of": "2024-12-31", "value": None}
    assert IndicatorValue.objects.count() == 0

    create_requirement(
        actor=system,
        title_en="Air-defence systems",
        cpv="35723000-8",  # air-defence radar, as the indicator asks
        quantity=Decimal(4),
        unit="systems",
        needed_by=dt.date(2025, 12, 31),
        requesting_organisation=world.ua,
        priority=1,
        priority_reason="Protect the cities",
        classification=Level.PUBLIC,
    )
    figure = ok(api("post", path, world.reform, {"as_of": "2024-06-30"}))["value"]
    assert figure["value"] == "0.000"
    assert figure["status"] == "approved"
    assert figure["computed"] is True
    assert figure["entered_by"] is None

    before = rows()
    assert_problem(
        api(
            "post",
            f"/indicators/{world.indicator.pk}/compute",
            world.reform,
            {"as_of": "2024-06-30"},
        ),
        422,
        "indicator",
    )
    assert rows() == before


# --- indicator values ------------------------------------------------------------------------------
def test_the_whole_value_flow_from_draft_to_a_superseding_revision(api: Api, world: World) -> None:
    draft = ok(enter(api, world), 201)
    vid = draft["id"]
    assert draft["status"] == "draft"
    assert draft["value"] == "35.000"
    assert draft["entered_by"] == "reform"
    assert draft["revision"] == 1
    assert draft["locked"] is False

    assert ok(api("post", f"/values/{vid}/submit", world.reform))["status"] == "submitted"
    waiting = ok(api("get", "/values/waiting", world.approver))["items"]
    assert [(v["id"], v["programme_reference"]) for v in waiting] == [
        (vid, world.programme.reference)
    ]
    # the author does not approve their own figure
    assert_problem(api("post", f"/values/{vid}/approve", world.reform, {}), 422, "status")
    approved = ok(api("post", f"/values/{vid}/approve", world.approver, {"note": "Checked."}))
    assert approved["status"] == "approved"
    assert approved["reviewed_by"] == "approver"
    assert approved["review_note"] == "Checked."
    assert ok(api("get", "/values/waiting", world.approver))["items"] == []

    tree = ok(api("get", f"/programmes/{world.programme.pk}", world.reform))
    typed = tree["lines"][0]["objectives"][0]["indicators"][0]
    assert typed["latest"] == {"as_of": "2024-12-31", "value": "35.000"}
    assert typed["progress"] == pytest.approx(0.5)  # from 10 towards 60

    ok(
        api(
            "post",
            f"/programmes/{world.programme.pk}/lock",
            world.approver,
            {"until": "2024-12-31"},
        )
    )
    assert ok(api("get", f"/values/{vid}", world.reform))["locked"] is True
    assert_problem(api("patch", f"/values/{vid}", world.reform, {"value": "40"}), 422, "as_of")
    assert IndicatorValue.objects.get(pk=vid).value == Decimal(35)
    assert_problem(enter(api, world, as_of="2024-06-30"), 422, "as_of")  # a locked period

    assert_problem(
        api("post", f"/values/{vid}/revise", world.reform, {"value": "40", "reason": " "}),
        422,
        "reason",
    )
    revision = ok(
        api(
            "post",
            f"/values/{vid}/revise",
            world.reform,
            {"value": "40", "reason": "Two brigades certified late.", "evidence": "GS-2025-014"},
        ),
        201,
    )
    rid = revision["id"]
    assert (revision["status"], revision["revision"], revision["supersedes_id"]) == (
        "draft",
        2,
        vid,
    )
    assert revision["source"] == draft["source"]
    assert ok(api("get", f"/values/{vid}", world.reform))["superseded_by_id"] == rid
    # the reviewed figure still counts until the revision is approved
    tree = ok(api("get", f"/programmes/{world.programme.pk}", world.reform))
    assert tree["lines"][0]["objectives"][0]["indicators"][0]["latest"]["value"] == "35.000"

    ok(api("post", f"/values/{rid}/submit", world.reform))
    assert ok(api("post", f"/values/{rid}/approve", world.approver, {}))["status"] == "approved"

    shown = ok(api("get", f"/indicators/{world.indicator.pk}", world.us_liaison))
    assert [(v["id"], v["revision"], v["status"]) for v in shown["values"]] == [
        (vid, 1, "superseded"),
        (rid, 2, "approved"),
    ]
    assert shown["values"][0]["superseded_by_id"] == rid
    assert shown["values"][1]["revision_reason"] == "Two brigades certified late."
    assert shown["latest"] == {"as_of": "2024-12-31", "value": "40.000"}
    assert shown["progress"] == pytest.approx(0.6)
    assert shown["locked_until"] == "2024-12-31"
    line = ok(api("get", f"/lines/{world.line1.pk}", world.reform))
    assert line["indicators"][0]["series"] == [{"as_of": "2024-12-31", "value": "40.000"}]


def test_wrong_unit_or_a_figure_outside_the_bounds_is_refused_and_nothing_written(
    api: Api, world: World
) -> None:
    before = rows()
    body = assert_problem(enter(api, world, unit="count"), 422, "unit")
    assert "percent" in body["errors"][0]["message"]
    assert_problem(enter(api, world, unit="kg"), 422, "unit")  # not a unit at all
    body = assert_problem(enter(api, world, value="120"), 422, "value")
    assert "outside" in body["errors"][0]["message"]
    assert_problem(enter(api, world, value="-1"), 422, "value")
    assert_problem(enter(api, world, value="lots"), 422, "value")
    assert_problem(enter(api, world, source="  "), 422, "source")
    assert_problem(enter(api, world, as_of="31.12.2024"), 422, "as_of")
    assert rows() == before

    vid = ok(enter(api, world), 201)["id"]
    before = rows()
    assert_problem(api("patch", f"/values/{vid}", world.reform, {"value": "101"}), 422, "value")
    assert_problem(api("patch", f"/values/{vid}", world.reform, {"unit": "days"}), 422, "unit")
    assert_problem(api("patch", f"/values/{vid}", world.reform, {"value": None}), 422, "value")
    assert rows() == before
    assert IndicatorValue.objects.get(pk=vid).value == Decimal(35)
    # and the same figure twice for one date is refused
    assert_problem(enter(api, world), 422, "as_of")
    assert rows() == before


def test_a_value_is_edited_returned_and_withdrawn(api: Api, world: World) -> None:
    vid = ok(enter(api, world), 201)["id"]
    edited = ok(api("patch", f"/values/{vid}", world.reform, {"value": "36.5", "note": "Revised"}))
    assert (edited["value"], edited["note"], edited["status"]) == ("36.500", "Revised", "draft")
    ok(api("post", f"/values/{vid}/submit", world.reform))
    assert_problem(api("post", f"/values/{vid}/return", world.approver, {}), 422, "note")
    returned = ok(
        api("post", f"/values/{vid}/return", world.approver, {"note": "Attach the report."})
    )
    assert (returned["status"], returned["review_note"]) == ("returned", "Attach the report.")
    assert_problem(api("post", f"/values/{vid}/approve", world.approver, {}), 422, "status")

    response = api("delete", f"/values/{vid}", world.reform)
    assert response.status_code == 204
    assert not IndicatorValue.objects.filter(pk=vid).exists()
    assert_problem(api("get", f"/values/{vid}", world.reform), 404)

    # an approved figure is not withdrawn
    vid = ok(enter(api, world), 201)["id"]
    ok(api("post", f"/values/{vid}/submit", world.reform))
    ok(api("post", f"/values/{vid}/approve", world.approver, {}))
    assert_problem(api("delete", f"/values/{vid}", world.reform), 422, "status")
    # edited in an open period, it goes back to draft for approval
    edited = ok(api("patch", f"/values/{vid}", world.reform, {"evidence": "GS-2024-101"}))
    assert (edited["status"], edited["reviewed_by"]) == ("draft", None)


# --- who may see and do what -------------------------------------------------------------------------
def test_an_outsider_gets_404_exactly_as_for_a_missing_record(api: Api, world: World) -> None:
    vid = ok(enter(api, world), 201)["id"]
    review = ok(
        api(
            "post",
            f"/programmes/{world.programme.pk}/reviews",
            world.reform,
            {
                "kind": "annual_consultation",
                "title": "Annual consultation 2024",
                "held_on": "2024-11-20",
                "period_start": "2023-12-01",
                "period_end": "2024-11-30",
            },
        ),
        201,
    )
    missing = assert_problem(api("get", "/programmes/999999", world.fr_liaison), 404)
    for path in [
        f"/programmes/{world.programme.pk}",
        f"/programmes/{world.programme.pk}/reviews",
        f"/progress-reviews/{review['id']}",
        f"/lines/{world.line1.pk}",
        f"/indicators/{world.indicator.pk}",
        f"/values/{vid}",
    ]:
        assert assert_problem(api("get", path, world.fr_liaison), 404) == missing
    assert ok(api("get", "/programmes", world.fr_liaison))["items"] == []
    assert ok(api("get", "/values/waiting", world.fr_liaison))["items"] == []

    before = rows()
    writes = [
        ("patch", f"/programmes/{world.programme.pk}", {"title_en": "Mine"}),
        ("post", f"/programmes/{world.programme.pk}/lock", {"until": "2024-12-31"}),
        ("post", f"/programmes/{world.programme.pk}/lines", {"title_en": "Mine"}),
        (
            "post",
            f"/programmes/{world.programme.pk}/reviews",
            {
                "kind": "working_meeting",
                "title": "X",
                "held_on": "2024-01-01",
                "period_start": "2024-01-01",
                "period_end": "2024-01-01",
            },
        ),
        ("post", f"/lines/{world.line1.pk}/objectives", {"title_en": "Mine"}),
        ("patch", f"/objectives/{world.objective.pk}", {"title_en": "Mine"}),
        (
            "post",
            f"/indicators/{world.indicator.pk}/values",
            {"as_of": "2024-01-31", "value": "1", "unit": "percent", "source": "x"},
        ),
        ("patch", f"/values/{vid}", {"value": "1"}),
        ("post", f"/values/{vid}/submit", None),
        ("delete", f"/values/{vid}", None),
        (
            "post",
            f"/progress-reviews/{review['id']}/participants",
            {"organisation_id": world.fr.pk},
        ),
    ]
    for method, path, body in writes:
        assert_problem(api(method, path, world.fr_liaison, body), 404)
    # an agreement they cannot see is a field error on the programme they try to start
    assert_problem(
        api(
            "post",
            "/programmes",
            world.fr_liaison,
            {"agreement_id": world.agreement.pk, "title_en": "Mine", "starts_on": "2024-01-01"},
        ),
        422,
        "agreement_id",
    )
    assert rows() == before
    assert IndicatorValue.objects.get(pk=vid).status == "draft"


def test_a_party_without_the_role_is_forbidden(api: Api, world: World) -> None:
    vid = ok(enter(api, world, user=world.us_liaison), 201)["id"]
    ok(api("post", f"/values/{vid}/submit", world.us_liaison))
    before = rows()
    # a partner liaison enters figures but does not approve them; an auditor only reads
    assert_problem(api("post", f"/values/{vid}/approve", world.us_liaison, {}), 403)
    assert_problem(enter(api, world, user=world.auditor, as_of="2024-06-30"), 403)
    assert_problem(
        api(
            "post",
            f"/programmes/{world.programme.pk}/lock",
            world.us_liaison,
            {"until": "2024-01-01"},
        ),
        403,
    )
    assert_problem(
        api("patch", f"/programmes/{world.programme.pk}", world.approver, {"title_en": "Mine"}), 403
    )
    assert rows() == before
    assert IndicatorValue.objects.get(pk=vid).status == "submitted"
    # the auditor reads it all
    assert ok(api("get", f"/values/{vid}", world.auditor))["entered_by"] == "usliaison"
