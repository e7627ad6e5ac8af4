"""The cooperation JSON API: progress reviews and their action items, reviews with working
groups and recommendations, strategies and their documents, and one area across partners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from spilno.accounts.models import User
from spilno.audit.models import AuditEntry
from spilno.cooperation.models import (
    ActionItem,
    FollowUp,
    Participant,
    ProgressReview,
    Recommendation,
    RecommendationStep,
    Review,
    ReviewRating,
    StrategicDocument,
    Strategy,
    WorkingGroup,
)
from spilno.cooperation.services import programmes as programme_services
from spilno.core.models import Organisation
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from tests.api.conftest import assert_problem
from tests.cooperation.conftest import World
from tests.cooperation.test_api import Api, ok

pytestmark = pytest.mark.django_db


def rows() -> dict[str, int]:
    models = [
        ProgressReview, Participant, ReviewRating, ActionItem, FollowUp, Review, WorkingGroup,
        Recommendation, RecommendationStep, Strategy, StrategicDocument, AuditEntry,
    ]  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def api(bearer: Callable[[User], dict[str, str]], world: World) -> Api:
    caller = Api(bearer)
    caller.prime(world.reform, world.approver, world.us_liaison, world.fr_liaison, world.auditor)
    return caller


@pytest.fixture
def hidden_org(make_org: Any) -> Organisation:
    """A RESTRICTED organisation nobody in the world belongs to: nobody there may see it."""
    return make_org("Hidden Directorate", country="PL", classification=Level.RESTRICTED)


def plan(api: Api, world: World, held_on: str, title: str, **extra: Any) -> Any:
    year = int(held_on[:4])
    body = {
        "kind": "interim_review",
        "title": title,
        "held_on": held_on,
        "place": "Kyiv",
        "period_start": f"{year - 1}-01-01",
        "period_end": held_on,
        **extra,
    }
    return api("post", f"/programmes/{world.programme.pk}/reviews", world.reform, body)


# --- progress reviews ------------------------------------------------------------------------------
def test_a_progress_review_is_planned_recorded_held_and_followed_up(
    api: Api, world: World, hidden_org: Organisation
) -> None:
    first = ok(plan(api, world, "2024-03-15", "Interim review spring 2024"), 201)
    rid = first["id"]
    assert (first["status"], first["kind"], first["participants"]) == (
        "planned",
        "interim_review",
        [],
    )
    path = f"/progress-reviews/{rid}"

    # Not held before every line is rated and participants are recorded.
    assert_problem(api("post", f"{path}/held", world.reform, {}), 422, "ratings")
    for org in (world.ua, world.us):
        ok(api("post", f"{path}/participants", world.us_liaison, {"organisation_id": org.pk}), 201)
    rate = {"line_id": world.line1.pk, "rating": "at_risk", "narrative": "Certification slipped."}
    assert ok(api("post", f"{path}/ratings", world.reform, rate))["rating"] == "at_risk"
    ok(
        api(
            "post",
            f"{path}/ratings",
            world.reform,
            {"line_id": world.line2.pk, "rating": "on_track", "narrative": "Laws adopted."},
        )
    )
    objective_rating = ok(
        api(
            "post",
            f"{path}/ratings",
            world.reform,
            {**rate, "objective_id": world.objective.pk, "rating": "off_track"},
        )
    )
    assert objective_rating["objective_id"] == world.objective.pk
    decision = ok(
        api(
            "post",
            f"{path}/decisions",
            world.reform,
            {"text": "Add two training teams.", "line_id": world.line1.pk},
        ),
        201,
    )
    assert decision["line_id"] == world.line1.pk
    action = ok(
        api(
            "post",
            f"{path}/actions",
            world.reform,
            {
                "text": "Send the certification plan",
                "owner_id": world.ua.pk,
                "owner_person": "Deputy Minister",
                "due_on": "2024-06-30",
                "line_id": world.line1.pk,
            },
        ),
        201,
    )
    assert (action["status"], action["overdue"], action["programme_id"]) == (
        "open",
        True,
        world.programme.pk,
    )

    held = ok(api("post", f"{path}/held", world.reform, {"summary": "Good progress on reform."}))
    assert (held["status"], held["summary"]) == ("held", "Good progress on reform.")
    assert [p["organisation_id"] for p in held["participants"]] == [world.ua.pk, world.us.pk]
    assert len(held["ratings"]) == 3
    assert [d["text"] for d in held["decisions"]] == ["Add two training teams."]
    assert [a["id"] for a in held["actions"]] == [action["id"]]
    assert held["to_follow_up"] == []
    # A held review's ratings stand.
    before = rows()
    assert_problem(api("post", f"{path}/ratings", world.reform, rate), 422, "status")
    assert rows() == before

    second = ok(plan(api, world, "2024-09-15", "Annual consultation 2024"), 201)
    path2 = f"/progress-reviews/{second['id']}"
    assert [a["id"] for a in second["to_follow_up"]] == [action["id"]]
    follow = ok(
        api(
            "post",
            f"{path2}/follow-ups",
            world.reform,
            {"action_id": action["id"], "status": "in_progress", "note": "Draft plan shared."},
        )
    )
    assert (follow["status"], follow["review_id"]) == ("in_progress", second["id"])
    shown = ok(api("get", path2, world.us_liaison))
    assert [f["action_id"] for f in shown["follow_ups"]] == [action["id"]]
    assert shown["to_follow_up"][0]["status"] == "in_progress"
    # the second review's own action items are not followed up there
    own = ok(
        api(
            "post",
            f"{path2}/actions",
            world.reform,
            {"text": "Report", "owner_id": world.us.pk, "due_on": "2024-12-31"},
        ),
        201,
    )
    assert_problem(
        api(
            "post",
            f"{path2}/follow-ups",
            world.reform,
            {"action_id": own["id"], "status": "done", "note": "x"},
        ),
        422,
        "action",
    )
    for line in (world.line1, world.line2):
        ok(
            api(
                "post",
                f"{path2}/ratings",
                world.reform,
                {"line_id": line.pk, "rating": "on_track", "narrative": "Back on track."},
            )
        )
    ok(api("post", f"{path2}/participants", world.reform, {"organisation_id": world.ua.pk}), 201)
    ok(api("post", f"{path2}/held", world.reform, {}))

    history = ok(api("get", f"/lines/{world.line1.pk}", world.reform))["ratings"]
    assert [(r["review_id"], r["rating"], r["trend"]) for r in history] == [
        (rid, "at_risk", "new"),
        (second["id"], "on_track", "improving"),
    ]
    listed = ok(api("get", f"/programmes/{world.programme.pk}/reviews?limit=1", world.reform))
    assert [r["id"] for r in listed["items"]] == [rid]
    rest = ok(
        api(
            "get",
            f"/programmes/{world.programme.pk}/reviews?after={listed['next_after']}",
            world.reform,
        )
    )
    assert [r["id"] for r in rest["items"]] == [second["id"]]


def test_progress_review_input_errors_name_the_field_and_write_nothing(
    api: Api, world: World, hidden_org: Organisation, make_agreement: Any, system: SystemActor
) -> None:
    rid = ok(plan(api, world, "2024-03-15", "Interim review"), 201)["id"]
    path = f"/progress-reviews/{rid}"
    other = programme_services.create_programme(
        actor=system,
        agreement=make_agreement(world.ua, world.us, classification=Level.RESTRICTED),
        title_en="Other programme",
        starts_on=dt.date(2020, 1, 1),
    )
    foreign_line = programme_services.add_line(actor=system, programme=other, title_en="Other")
    before = rows()
    assert_problem(plan(api, world, "2024-03-15", "X", kind="summit"), 422, "kind")
    assert_problem(plan(api, world, "2024-03-15", "X", period_end="2020-01-01"), 422, "period_end")
    assert_problem(
        plan(api, world, "2024-03-15", "X", period_start="2010-01-01"), 422, "period_start"
    )
    assert_problem(
        api("post", f"{path}/participants", world.reform, {"organisation_id": hidden_org.pk}),
        422,
        "organisation_id",
    )
    rate = {"line_id": world.line1.pk, "rating": "on_track", "narrative": "Fine."}
    assert_problem(
        api("post", f"{path}/ratings", world.reform, {**rate, "rating": "great"}), 422, "rating"
    )
    assert_problem(
        api("post", f"{path}/ratings", world.reform, {**rate, "narrative": " "}), 422, "narrative"
    )
    assert_problem(
        api("post", f"{path}/ratings", world.reform, {**rate, "line_id": foreign_line.pk}),
        422,
        "line_id",
    )
    assert_problem(
        api(
            "post",
            f"{path}/ratings",
            world.reform,
            {**rate, "line_id": world.line2.pk, "objective_id": world.objective.pk},
        ),
        422,
        "objective_id",
    )
    action = {"text": "Do it", "owner_id": world.ua.pk, "due_on": "2024-06-30"}
    assert_problem(
        api("post", f"{path}/actions", world.reform, {**action, "due_on": "2024-01-01"}),
        422,
        "due_on",
    )
    assert_problem(
        api("post", f"{path}/actions", world.reform, {**action, "owner_id": hidden_org.pk}),
        422,
        "owner_id",
    )
    assert_problem(api("post", f"{path}/decisions", world.reform, {"text": ""}), 422, "text")
    assert_problem(
        api("patch", path, world.reform, {"period_end": "2000-01-01"}), 422, "period_end"
    )
    assert_problem(api("patch", path, world.reform, {"title": None}), 422, "title")
    assert_problem(api("post", f"{path}/held", world.reform, {}), 422, "ratings")
    # an outsider: the review is not there for them
    assert_problem(api("get", path, world.fr_liaison), 404)
    assert_problem(api("post", f"{path}/decisions", world.fr_liaison, {"text": "Mine"}), 404)
    # an auditor reads but does not write
    assert ok(api("get", path, world.auditor))["id"] == rid
    assert_problem(api("post", f"{path}/decisions", world.auditor, {"text": "Mine"}), 403)
    assert rows() == before

    changed = ok(api("patch", path, world.reform, {"place": None, "title": "Interim review 2024"}))
    assert (changed["place"], changed["title"]) == ("", "Interim review 2024")


def test_action_items_are_listed_filtered_and_moved(api: Api, world: World) -> None:
    rid = ok(plan(api, world, "2024-03-15", "Interim review"), 201)["id"]
    made = [
        ok(
            api(
                "post",
                f"/progress-reviews/{rid}/actions",
                world.reform,
                {"text": text, "owner_id": owner.pk, "due_on": due},
            ),
            201,
        )
        for text, owner, due in [
            ("Old task", world.ua, "2024-06-30"),
            ("Future task", world.us, "2099-12-31"),
        ]
    ]
    old, future = (a["id"] for a in made)
    assert [a["id"] for a in ok(api("get", "/actions", world.reform))["items"]] == [old, future]
    assert [a["id"] for a in ok(api("get", "/actions?overdue=true", world.reform))["items"]] == [
        old
    ]
    owner = ok(api("get", f"/actions?owner={world.us.pk}", world.reform))["items"]
    assert [a["id"] for a in owner] == [future]
    assert_problem(api("get", "/actions?status=finished", world.reform), 422, "status")

    moved = ok(
        api(
            "post", f"/actions/{old}/move", world.us_liaison, {"status": "done", "on": "2024-07-01"}
        )
    )
    assert (moved["status"], moved["closed_on"], moved["overdue"]) == ("done", "2024-07-01", False)
    assert [a["id"] for a in ok(api("get", "/actions?status=done", world.reform))["items"]] == [old]
    before = rows()
    assert_problem(
        api("post", f"/actions/{old}/move", world.reform, {"status": "open"}), 422, "status"
    )
    assert_problem(
        api("post", f"/actions/{old}/move", world.fr_liaison, {"status": "dropped"}), 404
    )
    assert rows() == before
    assert ActionItem.objects.get(pk=old).status == "done"
    assert ok(api("get", "/actions", world.fr_liaison))["items"] == []


# --- reviews and recommendations -------------------------------------------------------------------
@pytest.fixture
def reform2(make_user: Any, world: World) -> User:
    """A second reform officer of the ministry, to verify what the first one implemented."""
    return make_user((world.ua, Role.REFORM_OFFICE), clearance=Level.SECRET, username="reform2")


def start_review(api: Api, world: World, **extra: Any) -> Any:
    body = {
        "title_en": "Strategic Defence Procurement Review",
        "started_on": "2024-02-01",
        "lead": [world.us.pk],
        "requested_by": [world.ua.pk],
        **extra,
    }
    return api("post", "/reviews", world.reform, body)


def test_a_review_with_phases_working_groups_and_recommendations(
    api: Api, world: World, reform2: User
) -> None:
    review = ok(start_review(api, world, experts=[world.fr.pk]), 201)
    assert review["reference"] == f"REV-{review['id']:04d}"
    assert review["classification"] == "INTERNAL"
    assert {(o["organisation_id"], o["role"]) for o in review["organisations"]} == {
        (world.us.pk, "lead"),
        (world.ua.pk, "requester"),
        (world.fr.pk, "expert"),
    }
    path = f"/reviews/{review['id']}"
    phase = ok(
        api(
            "post",
            f"{path}/phases",
            world.reform,
            {"title": "Assessment", "starts_on": "2024-02-01", "ends_on": "2024-06-30"},
        ),
        201,
    )
    assert phase["number"] == 1
    group = ok(
        api(
            "post",
            f"{path}/working-groups",
            world.reform,
            {
                "name": "Acquisition",
                "topic": "Tendering and contracts",
                "members": [
                    {"organisation_id": world.us.pk, "person": "Chair", "chair": True},
                    {"organisation_id": world.ua.pk},
                ],
            },
        ),
        201,
    )
    assert [(m["organisation_id"], m["chair"]) for m in group["members"]] == [
        (world.us.pk, True),
        (world.ua.pk, False),
    ]
    group = ok(
        api(
            "post",
            f"/working-groups/{group['id']}/members",
            world.reform,
            {"organisation_id": world.fr.pk, "person": "Observer"},
        ),
        201,
    )
    assert len(group["members"]) == 3

    rec = ok(
        api(
            "post",
            f"{path}/recommendations",
            world.reform,
            {
                "title_en": "One electronic procurement system",
                "text": "Run every defence tender in one electronic system.",
                "working_group_id": group["id"],
                "responsible_id": world.ua.pk,
                "due_on": "2025-12-31",
                "objective_ids": [world.objective.pk],
                "areas": ["provision-and-armament"],
                "drafted_on": "2024-05-01",
            },
        ),
        201,
    )
    assert (rec["code"], rec["status"], rec["areas"]) == (
        "R1",
        "drafted",
        ["provision-and-armament"],
    )
    assert [(s["status"], s["on"], s["actor"]) for s in rec["steps"]] == [
        ("drafted", "2024-05-01", "reform")
    ]
    assert [o["id"] for o in rec["objectives"]] == [world.objective.pk]
    assert rec["objectives"][0]["programme_reference"] == world.programme.reference

    shown = ok(api("get", path, world.us_liaison))
    assert [p["title"] for p in shown["phases"]] == ["Assessment"]
    assert [g["name"] for g in shown["working_groups"]] == ["Acquisition"]
    assert [r["id"] for r in shown["recommendations"]] == [rec["id"]]
    assert shown["counts"] == {
        "drafted": 1,
        "adopted": 0,
        "in_implementation": 0,
        "implemented": 0,
        "verified": 0,
    }
    assert [r["id"] for r in ok(api("get", "/reviews", world.reform))["items"]] == [review["id"]]

    # The French expert sees the recommendation, but not the objective of a programme of others.
    assert ok(api("get", f"/recommendations/{rec['id']}", world.fr_liaison))["objectives"] == []

    rpath = f"/recommendations/{rec['id']}"
    changed = ok(api("patch", rpath, world.reform, {"title_uk": "Єдина система", "due_on": None}))
    assert (changed["title_uk"], changed["due_on"]) == ("Єдина система", None)

    steps = [
        ({"status": "adopted", "on": "2024-07-10", "event": "Washington summit"}, world.reform),
        ({"status": "in_implementation", "on": "2024-09-01"}, world.reform),
        ({"status": "implemented", "on": "2025-03-01", "evidence": "Order No. 12"}, world.reform),
        (
            {
                "status": "verified",
                "on": "2025-04-01",
                "evidence": "Audit report 7/2025",
                "note": "Checked in the system.",
            },
            reform2,
        ),
    ]
    for body, user in steps:
        moved = ok(api("post", f"{rpath}/advance", user, body))
        assert moved["status"] == body["status"]
    assert moved["adopted_at"] == "Washington summit"
    assert [s["status"] for s in moved["steps"]] == [
        "drafted",
        "adopted",
        "in_implementation",
        "implemented",
        "verified",
    ]
    assert moved["steps"][-1]["actor"] == "reform2"
    verified = ok(api("get", "/recommendations?status=verified", world.reform))["items"]
    assert [r["id"] for r in verified] == [rec["id"]]
    assert ok(api("get", "/recommendations?status=adopted", world.reform))["items"] == []
    by_review = ok(api("get", f"/recommendations?review={review['id']}", world.reform))["items"]
    assert [r["id"] for r in by_review] == [rec["id"]]
    by_area = ok(api("get", "/recommendations?area=provision-and-armament", world.reform))
    assert [r["id"] for r in by_area["items"]] == [rec["id"]]
    assert ok(api("get", "/recommendations?area=defence-reform", world.reform))["items"] == []


def test_a_recommendation_never_moves_backwards_and_each_step_needs_its_evidence(
    api: Api, world: World
) -> None:
    review = ok(start_review(api, world), 201)
    rec = ok(
        api(
            "post",
            f"/reviews/{review['id']}/recommendations",
            world.reform,
            {
                "title_en": "Open contracting",
                "text": "Publish contracts.",
                "drafted_on": "2024-05-01",
            },
        ),
        201,
    )
    path = f"/recommendations/{rec['id']}"
    before = rows()
    assert_problem(
        api("post", f"{path}/advance", world.reform, {"status": "adopted", "on": "2024-07-10"}),
        422,
        "event",
    )
    assert_problem(
        api(
            "post",
            f"{path}/advance",
            world.reform,
            {"status": "implemented", "on": "2024-07-10", "evidence": "x"},
        ),
        422,
        "status",
    )
    assert_problem(
        api("post", f"{path}/advance", world.reform, {"status": "finished", "on": "2024-07-10"}),
        422,
        "status",
    )
    assert_problem(
        api(
            "post",
            f"{path}/advance",
            world.reform,
            {"status": "adopted", "on": "2024-04-01", "event": "x"},
        ),
        422,
        "on",
    )
    assert rows() == before
    ok(
        api(
            "post",
            f"{path}/advance",
            world.reform,
            {"status": "adopted", "on": "2024-07-10", "event": "Summit"},
        )
    )

    before = rows()
    body = assert_problem(
        api("post", f"{path}/advance", world.reform, {"status": "drafted", "on": "2024-08-01"}),
        422,
        "status",
    )
    assert "backwards" in body["errors"][0]["message"]
    # the adopted wording is frozen
    assert_problem(
        api("patch", path, world.reform, {"title_en": "Something else"}), 422, "title_en"
    )
    # the French liaison may read the review but may not move its recommendations
    assert_problem(
        api(
            "post",
            f"{path}/advance",
            world.fr_liaison,
            {"status": "in_implementation", "on": "2024-08-01"},
        ),
        403,
    )
    assert rows() == before
    assert Recommendation.objects.get(pk=rec["id"]).status == "adopted"
    assert Recommendation.objects.get(pk=rec["id"]).title_en == "Open contracting"


def test_review_ids_the_caller_cannot_see_are_field_errors(
    api: Api, world: World, hidden_org: Organisation, make_agreement: Any, system: SystemActor
) -> None:
    hidden_programme = programme_services.create_programme(
        actor=system,
        agreement=make_agreement(world.fr, hidden_org, classification=Level.RESTRICTED),
        title_en="Someone else's programme",
        starts_on=dt.date(2020, 1, 1),
    )
    line = programme_services.add_line(actor=system, programme=hidden_programme, title_en="L")
    hidden_objective = programme_services.add_objective(actor=system, line=line, title_en="O")

    before = rows()
    assert_problem(start_review(api, world, experts=[hidden_org.pk]), 422, "experts")
    assert_problem(start_review(api, world, lead=[999999]), 422, "lead")
    assert_problem(start_review(api, world, lead=[]), 422, "lead")
    assert_problem(start_review(api, world, agreement_id=999999), 422, "agreement_id")
    assert_problem(start_review(api, world, classification="SECRETISH"), 422, "classification")
    # one's own organisation must take part
    assert_problem(start_review(api, world, lead=[world.us.pk], requested_by=[]), 422, "lead")
    assert rows() == before

    review = ok(start_review(api, world), 201)
    other = ok(start_review(api, world, title_en="Another review"), 201)
    other_group = ok(
        api("post", f"/reviews/{other['id']}/working-groups", world.reform, {"name": "G"}), 201
    )
    path = f"/reviews/{review['id']}"
    good = {"title_en": "R", "text": "Do it.", "drafted_on": "2024-05-01"}
    before = rows()
    cases = [
        ({**good, "objective_ids": [hidden_objective.pk]}, "objective_ids"),
        ({**good, "objective_ids": [999999]}, "objective_ids"),
        ({**good, "responsible_id": hidden_org.pk}, "responsible_id"),
        ({**good, "working_group_id": other_group["id"]}, "working_group_id"),
        ({**good, "areas": ["nowhere"]}, "areas"),
        ({**good, "drafted_on": "2023-01-01"}, "drafted_on"),
        ({**good, "text": " "}, "text"),
    ]
    for body, field in cases:
        assert_problem(api("post", f"{path}/recommendations", world.reform, body), 422, field)
    assert_problem(
        api(
            "post",
            f"{path}/working-groups",
            world.reform,
            {"name": "W", "members": [{"organisation_id": hidden_org.pk}]},
        ),
        422,
        "members",
    )
    assert_problem(
        api(
            "post",
            f"{path}/phases",
            world.reform,
            {"title": "P", "starts_on": "2024-05-01", "ends_on": "2024-01-01"},
        ),
        422,
        "ends_on",
    )
    assert_problem(
        api(
            "post",
            f"/working-groups/{other_group['id']}/members",
            world.reform,
            {"organisation_id": hidden_org.pk},
        ),
        422,
        "organisation_id",
    )
    assert rows() == before

    rec = ok(api("post", f"{path}/recommendations", world.reform, good), 201)
    before = rows()
    assert_problem(
        api(
            "patch",
            f"/recommendations/{rec['id']}",
            world.reform,
            {"objective_ids": [hidden_objective.pk]},
        ),
        422,
        "objective_ids",
    )
    assert_problem(
        api("patch", f"/recommendations/{rec['id']}", world.reform, {"objective_ids": None}),
        422,
        "objective_ids",
    )
    assert rows() == before
    assert not Recommendation.objects.get(pk=rec["id"]).objectives.exists()


def test_a_restricted_review_is_not_there_for_outsiders(api: Api, world: World) -> None:
    review = ok(start_review(api, world, classification="RESTRICTED"), 201)
    group = ok(
        api("post", f"/reviews/{review['id']}/working-groups", world.reform, {"name": "G"}), 201
    )
    rec = ok(
        api(
            "post",
            f"/reviews/{review['id']}/recommendations",
            world.reform,
            {"title_en": "R", "text": "Do it.", "drafted_on": "2024-05-01"},
        ),
        201,
    )
    missing = assert_problem(api("get", "/reviews/999999", world.fr_liaison), 404)
    for path in [f"/reviews/{review['id']}", f"/recommendations/{rec['id']}"]:
        assert assert_problem(api("get", path, world.fr_liaison), 404) == missing
    before = rows()
    assert_problem(
        api(
            "post",
            f"/working-groups/{group['id']}/members",
            world.fr_liaison,
            {"organisation_id": world.fr.pk},
        ),
        404,
    )
    assert_problem(
        api(
            "post",
            f"/reviews/{review['id']}/phases",
            world.fr_liaison,
            {"title": "P", "starts_on": "2024-05-01"},
        ),
        404,
    )
    assert rows() == before
    assert ok(api("get", "/reviews", world.fr_liaison))["items"] == []
    assert ok(api("get", "/recommendations", world.fr_liaison))["items"] == []
    assert ok(api("get", f"/reviews/{review['id']}", world.us_liaison))["id"] == review["id"]


# --- strategies ---------------------------------------------------------------------------------------
def test_a_strategy_and_its_documents(api: Api, world: World, hidden_org: Organisation) -> None:
    strategy = ok(
        api(
            "post",
            "/strategies",
            world.reform,
            {
                "owner_id": world.ua.pk,
                "title_en": "National Security Strategy",
                "approving_act": "Presidential Decree No. 392/2020",
                "approved_on": "2020-09-14",
            },
        ),
        201,
    )
    assert (strategy["classification"], strategy["documents"]) == ("PUBLIC", [])
    path = f"/strategies/{strategy['id']}"
    document = ok(
        api(
            "post",
            f"{path}/documents",
            world.reform,
            {
                "title_en": "Strategic Defence Bulletin",
                "area_en": "Defence",
                "cooperation_area": "defence-reform",
                "responsible_id": world.ua.pk,
                "draft_due": "2021-03-01",
                "approval_due": "2021-06-01",
            },
        ),
        201,
    )
    assert (document["status"], document["cooperation_area"], document["overdue"]) == (
        "planned",
        "defence-reform",
        True,
    )
    did = document["id"]
    changed = ok(
        api(
            "patch",
            f"/documents/{did}",
            world.reform,
            {"draft_due": "2099-01-01", "approval_due": None},
        )
    )
    assert (changed["draft_due"], changed["approval_due"], changed["overdue"]) == (
        "2099-01-01",
        None,
        False,
    )
    for status in ("drafting", "submitted"):
        assert (
            ok(api("post", f"/documents/{did}/move", world.reform, {"status": status}))["status"]
            == status
        )

    before = rows()
    assert_problem(
        api("post", f"/documents/{did}/move", world.reform, {"status": "approved"}),
        422,
        "approval_act",
        "approved_on",
    )
    assert_problem(
        api(
            "post",
            f"/documents/{did}/move",
            world.reform,
            {"status": "approved", "approval_act": "Decree", "approved_on": "2019-01-01"},
        ),
        422,
        "approved_on",
    )
    assert_problem(
        api("post", f"/documents/{did}/move", world.reform, {"status": "planned"}), 422, "status"
    )
    assert_problem(
        api("post", f"/documents/{did}/move", world.reform, {"status": "shelved"}), 422, "status"
    )
    assert_problem(
        api("patch", f"/documents/{did}", world.reform, {"cooperation_area": "nowhere"}),
        422,
        "cooperation_area",
    )
    assert_problem(
        api("patch", f"/documents/{did}", world.reform, {"responsible_id": hidden_org.pk}),
        422,
        "responsible_id",
    )
    assert_problem(
        api("patch", f"/documents/{did}", world.reform, {"title_en": None}), 422, "title_en"
    )
    assert_problem(
        api("post", f"/documents/{did}/move", world.us_liaison, {"status": "drafting"}), 403
    )
    assert_problem(
        api(
            "post",
            "/strategies",
            world.reform,
            {
                "owner_id": hidden_org.pk,
                "title_en": "S",
                "approving_act": "A",
                "approved_on": "2020-01-01",
            },
        ),
        422,
        "owner_id",
    )
    assert rows() == before
    assert StrategicDocument.objects.get(pk=did).status == "submitted"

    approved = ok(
        api(
            "post",
            f"/documents/{did}/move",
            world.reform,
            {
                "status": "approved",
                "approval_act": "Decree No. 473/2021",
                "approved_on": "2021-09-17",
            },
        )
    )
    assert (approved["status"], approved["approval_act"], approved["overdue"]) == (
        "approved",
        "Decree No. 473/2021",
        False,
    )
    shown = ok(api("get", path, world.fr_liaison))  # a public strategy
    assert [d["id"] for d in shown["documents"]] == [did]
    assert [s["id"] for s in ok(api("get", "/strategies", world.fr_liaison))["items"]] == [
        strategy["id"]
    ]


# --- one area across partners ---------------------------------------------------------------------------
def test_an_area_shows_what_the_caller_may_see(api: Api, world: World) -> None:
    ok(api("patch", f"/lines/{world.line2.pk}", world.reform, {"areas": ["defence-reform"]}))
    review = ok(start_review(api, world), 201)
    rec = ok(
        api(
            "post",
            f"/reviews/{review['id']}/recommendations",
            world.reform,
            {
                "title_en": "R",
                "text": "Do it.",
                "areas": ["defence-reform"],
                "drafted_on": "2024-05-01",
            },
        ),
        201,
    )
    strategy = ok(
        api(
            "post",
            "/strategies",
            world.reform,
            {
                "owner_id": world.ua.pk,
                "title_en": "S",
                "approving_act": "A",
                "approved_on": "2020-01-01",
            },
        ),
        201,
    )
    document = ok(
        api(
            "post",
            f"/strategies/{strategy['id']}/documents",
            world.reform,
            {
                "title_en": "D",
                "area_en": "Reform",
                "cooperation_area": "defence-reform",
                "responsible_id": world.ua.pk,
            },
        ),
        201,
    )

    area = ok(api("get", "/areas/defence-reform", world.reform))
    assert (area["slug"], area["name_en"]) == ("defence-reform", "Defence reform")
    assert [(line["id"], line["programme_reference"]) for line in area["lines"]] == [
        (world.line2.pk, world.programme.reference)
    ]
    assert [r["id"] for r in area["recommendations"]] == [rec["id"]]
    assert [d["id"] for d in area["documents"]] == [document["id"]]

    outsider = ok(api("get", "/areas/defence-reform", world.fr_liaison))
    assert outsider["lines"] == []
    assert [r["id"] for r in outsider["recommendations"]] == [rec["id"]]  # an INTERNAL review
    assert_problem(api("get", "/areas/no-such-area", world.reform), 404)
