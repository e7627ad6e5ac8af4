"""Creating and editing through the cooperation pages: programmes, lines, objectives and
indicators; a planned progress review; external reviews and their working groups; strategies and
their documents. Each page is offered (and answers) only to whoever may use it, a bad form is
refused with the error next to its field (422) and writes nothing; anonymous readers see the
PUBLIC strategies and nothing else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from spilno.audit.models import AuditEntry
from spilno.cooperation.models import (
    Indicator,
    LineOfEffort,
    Objective,
    OrganisationRole,
    Programme,
    ProgressReview,
    StrategicDocument,
    Strategy,
    WorkingGroupMember,
)
from spilno.cooperation.models import Review as ExternalReview
from spilno.cooperation.services import reviews, strategies
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from tests.cooperation import test_pages
from tests.cooperation.conftest import World
from tests.cooperation.test_pages import More, client_for, page

pytestmark = pytest.mark.django_db
more = test_pages.more  # the fixture: every page with something to show
D = dt.date


def counts() -> tuple[int, ...]:
    return (
        AuditEntry.objects.count(),
        Programme.objects.count(),
        ExternalReview.objects.count(),
        Strategy.objects.count(),
        WorkingGroupMember.objects.count(),
    )


# --- programmes ------------------------------------------------------------------------------
def test_a_programme_is_created_under_an_agreement_the_user_is_a_party_to(
    world: World, make_agreement: Any, make_org: Any
) -> None:
    # PUBLIC, so the reform office sees it, but its ministry is no party to it.
    uk = make_org("UK Ministry of Defence", country="GB")
    others = make_agreement(world.us, uk, title_en="U.S.-British MoU")
    reform = client_for(world.reform)
    listing = page(reform, "/cooperation/")
    assert 'href="/cooperation/new/"' in listing
    form = page(reform, "/cooperation/new/")
    assert "U.S.-Ukraine Partner Concept" in form
    assert "U.S.-British MoU" not in form
    # Neither an approver (no such role) nor an outsider (no agreement of theirs) may.
    approver = client_for(world.approver)
    assert 'href="/cooperation/new/"' not in page(approver, "/cooperation/")
    assert approver.get("/cooperation/new/").status_code == 403
    outsider = client_for(world.fr_liaison)
    assert outsider.get("/cooperation/new/").status_code == 403

    before = counts()
    post = {
        "agreement": world.agreement.pk,
        "title_en": "Defence reform support",
        "starts_on": "2024-01-01",
        "ends_on": "2023-12-31",
        "classification": Level.RESTRICTED,
    }
    response = reform.post("/cooperation/new/", post)
    assert response.status_code == 422
    assert 'id="id_ends_on_error"' in response.content.decode()
    assert "cannot end before it starts" in response.content.decode()
    response = reform.post("/cooperation/new/", {**post, "ends_on": "", "agreement": others.pk})
    assert response.status_code == 422
    assert 'id="id_agreement_error"' in response.content.decode()
    response = reform.post("/cooperation/new/", {**post, "ends_on": "", "classification": 0})
    assert response.status_code == 422  # below its agreement's classification
    assert 'id="id_classification_error"' in response.content.decode()
    assert counts() == before
    assert outsider.post("/cooperation/new/", {**post, "ends_on": ""}).status_code == 403
    assert counts() == before

    response = reform.post("/cooperation/new/", {**post, "ends_on": "2027-12-31"})
    programme = Programme.objects.get(title_en="Defence reform support")
    assert response.status_code == 302
    assert response["Location"] == f"/cooperation/programmes/{programme.pk}/"
    assert (programme.agreement, programme.ends_on) == (world.agreement, D(2027, 12, 31))
    assert AuditEntry.objects.filter(action="cooperation.programme.create").count() == 2


def test_a_programme_its_lines_objectives_and_indicators_are_edited(
    world: World, more: More
) -> None:
    reform, approver = client_for(world.reform), client_for(world.approver)
    programme_url = f"/cooperation/programmes/{world.programme.pk}/"
    line_url = f"/cooperation/lines/{world.line1.pk}/"
    indicator_url = f"/cooperation/indicators/{world.indicator.pk}/"
    links = {
        programme_url: [programme_url + "edit/", line_url + "edit/"],
        line_url: [line_url + "edit/", f"/cooperation/objectives/{world.objective.pk}/edit/"],
        indicator_url: [indicator_url + "edit/"],
    }
    for url, edits in links.items():
        offered, not_offered = page(reform, url), page(approver, url)
        for edit in edits:
            assert f'href="{edit}"' in offered, edit
            assert f'href="{edit}"' not in not_offered, edit
    assert approver.get(programme_url + "edit/").status_code == 403
    assert client_for(world.fr_liaison).get(indicator_url + "edit/").status_code == 404

    # The programme's details.
    form = page(reform, programme_url + "edit/")
    assert 'value="Partner Concept cooperation"' in form
    assert 'name="agreement"' not in form  # a programme stays under its agreement
    before = counts()
    post = {"title_en": "Partner Concept", "starts_on": "2018-01-01", "classification": 3}
    response = reform.post(programme_url + "edit/", {**post, "starts_on": ""})
    assert response.status_code == 422
    assert 'id="id_starts_on_error"' in response.content.decode()
    response = approver.post(programme_url + "edit/", post)
    assert response.status_code == 403
    assert counts() == before
    response = reform.post(programme_url + "edit/", post)
    assert response.status_code == 302
    world.programme.refresh_from_db()
    assert (world.programme.title_en, world.programme.classification) == ("Partner Concept", 3)

    # A line of effort: title, description, areas.
    response = reform.post(line_url + "edit/", {"title_en": "", "areas": [more.area.pk]})
    assert response.status_code == 422
    assert 'id="id_title_en_error"' in response.content.decode()
    assert not world.line1.areas.exists()
    response = reform.post(
        line_url + "edit/",
        {"title_en": "Defences", "description": "Air and land.", "areas": [more.area.pk]},
    )
    assert response.status_code == 302
    line = LineOfEffort.objects.get(pk=world.line1.pk)
    assert (line.title_en, line.description) == ("Defences", "Air and land.")
    assert list(line.areas.all()) == [more.area]

    # An objective.
    objective_url = f"/cooperation/objectives/{world.objective.pk}/edit/"
    response = reform.post(objective_url, {"title_en": "Units trained", "target_date": "soon"})
    assert response.status_code == 422
    assert 'id="id_target_date_error"' in response.content.decode()
    response = reform.post(
        objective_url, {"title_en": "Units trained", "target_date": "2026-12-31"}
    )
    assert response.status_code == 302
    objective = Objective.objects.get(pk=world.objective.pk)
    assert (objective.title_en, objective.target_date) == ("Units trained", D(2026, 12, 31))


def _indicator_post(indicator: Indicator, **changes: Any) -> dict[str, Any]:
    post = {
        "title_en": indicator.title_en,
        "metric": indicator.metric,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "baseline": indicator.baseline,
        "baseline_date": indicator.baseline_date,
        "target": indicator.target,
        "target_date": indicator.target_date,
        "source": indicator.source,
        **{f"param_{k}": v for k, v in (indicator.metric_params or {}).items()},
    }
    post.update(changes)
    return {k: v for k, v in post.items() if v is not None}


def test_an_indicator_is_edited_within_the_rules_the_service_enforces(
    world: World, more: More
) -> None:
    reform = client_for(world.reform)
    computed_url = f"/cooperation/indicators/{world.computed.pk}/edit/"
    form = page(reform, computed_url)
    assert 'name="param_cpv"' in form
    assert 'value="35723000"' in form  # the metric's parameter, as it stands
    entries = AuditEntry.objects.count()
    # Typed in now, but still a parameter and no unit: both refused on their fields.
    response = reform.post(computed_url, _indicator_post(world.computed, metric="", unit=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_param_cpv_error"' in html
    assert 'id="id_unit_error"' in html
    # A metric measured in another unit than the one asked for: the service says so.
    response = reform.post(
        computed_url,
        _indicator_post(world.computed, metric="procurement.median_days_to_contract", param_cpv=""),
    )
    assert response.status_code == 422
    assert 'id="id_unit_error"' in response.content.decode()
    assert "is measured in" in response.content.decode()
    # The typed indicator has a value: its unit can no longer change.
    typed_url = f"/cooperation/indicators/{world.indicator.pk}/edit/"
    response = reform.post(typed_url, _indicator_post(world.indicator, unit="count"))
    assert response.status_code == 422
    assert "unit can no longer change" in response.content.decode()
    response = reform.post(typed_url, _indicator_post(world.indicator, target="120", maximum="100"))
    assert response.status_code == 422
    assert 'id="id_target_error"' in response.content.decode()
    assert AuditEntry.objects.count() == entries
    world.computed.refresh_from_db()
    world.indicator.refresh_from_db()
    assert (world.computed.metric_params, world.indicator.unit) == ({"cpv": "35723000"}, "percent")
    assert world.indicator.target == Decimal(60)

    response = reform.post(computed_url, _indicator_post(world.computed, param_cpv="3572"))
    assert response.status_code == 302
    assert response["Location"] == f"/cooperation/indicators/{world.computed.pk}/"
    response = reform.post(typed_url, _indicator_post(world.indicator, target="70"))
    assert response.status_code == 302
    world.computed.refresh_from_db()
    world.indicator.refresh_from_db()
    assert world.computed.metric_params == {"cpv": "3572"}
    assert world.indicator.target == Decimal(70)
    assert AuditEntry.objects.filter(action="cooperation.indicator.change").count() == 2


# --- progress reviews ------------------------------------------------------------------------
def test_a_planned_review_is_edited_a_held_one_is_not(world: World, more: More) -> None:
    reform = client_for(world.reform)
    planned = reviews.plan_review(
        actor=world.reform, programme=world.programme, kind="annual_consultation",
        title="Annual consultations 2021", held_on=D(2021, 11, 15),
        period_start=D(2021, 1, 1), period_end=D(2021, 10, 31),
    )  # fmt: skip
    url = f"/cooperation/progress-reviews/{planned.pk}/"
    assert f'href="{url}edit/"' in page(reform, url)
    assert f'href="{url}edit/"' not in page(client_for(world.approver), url)
    post = {
        "kind": "annual_consultation",
        "title": "Annual consultations 2021 (Kyiv)",
        "held_on": "2021-11-16",
        "place": "Kyiv",
        "period_start": "2021-01-01",
        "period_end": "2020-12-31",
    }
    entries = AuditEntry.objects.count()
    response = reform.post(url + "edit/", post)
    assert response.status_code == 422
    assert 'id="id_period_end_error"' in response.content.decode()
    assert client_for(world.approver).post(url + "edit/", post).status_code == 403
    assert client_for(world.fr_liaison).get(url + "edit/").status_code == 404
    assert AuditEntry.objects.count() == entries
    response = reform.post(url + "edit/", {**post, "period_end": "2021-10-31"})
    assert response.status_code == 302
    planned.refresh_from_db()
    assert (planned.title, planned.place, planned.held_on) == (
        "Annual consultations 2021 (Kyiv)", "Kyiv", D(2021, 11, 16),
    )  # fmt: skip

    held_url = f"/cooperation/progress-reviews/{more.held.pk}/"
    assert f'href="{held_url}edit/"' not in page(reform, held_url)
    response = reform.post(held_url + "edit/", {**post, "period_end": "2021-10-31"})
    assert response.status_code == 422
    assert "The review is held" in response.content.decode()
    assert ProgressReview.objects.get(pk=more.held.pk).title == "Annual consultations 2020"


# --- external reviews ------------------------------------------------------------------------
def test_an_external_review_is_created_and_its_working_group_grows(
    world: World, more: More
) -> None:
    reform = client_for(world.reform)
    assert 'href="/cooperation/reviews/new/"' in page(reform, "/cooperation/reviews/")
    partner = client_for(world.us_liaison)  # partner liaisons do not manage recommendations
    assert 'href="/cooperation/reviews/new/"' not in page(partner, "/cooperation/reviews/")
    assert partner.get("/cooperation/reviews/new/").status_code == 403
    form = page(reform, "/cooperation/reviews/new/")
    assert 'name="lead"' in form
    assert "U.S.-Ukraine Partner Concept" in form  # an agreement it may be under

    before = counts()
    post = {
        "title_en": "Defence Institution Building Review",
        "started_on": "2024-03-01",
        "classification": Level.INTERNAL,
    }
    response = reform.post("/cooperation/reviews/new/", post)
    assert response.status_code == 422
    assert 'id="id_lead_error"' in response.content.decode()
    # The reviewer's own organisation takes part in some role.
    response = reform.post("/cooperation/reviews/new/", {**post, "lead": [world.us.pk]})
    assert response.status_code == 422
    assert "Your organisation must take part" in response.content.decode()
    assert partner.post("/cooperation/reviews/new/", post).status_code == 403
    assert counts() == before
    response = reform.post(
        "/cooperation/reviews/new/",
        {**post, "lead": [world.us.pk], "requested_by": [world.ua.pk],
         "agreement": world.agreement.pk, "classification": Level.RESTRICTED},
    )  # fmt: skip
    review = ExternalReview.objects.get(title_en="Defence Institution Building Review")
    assert response.status_code == 302
    assert response["Location"] == f"/cooperation/reviews/{review.pk}/"
    roles = set(review.review_organisations.values_list("organisation", "role"))
    assert roles == {
        (world.us.pk, OrganisationRole.LEAD),
        (world.ua.pk, OrganisationRole.REQUESTER),
    }
    assert (review.agreement, review.classification) == (world.agreement, Level.RESTRICTED)

    # A member joins a working group from the review page.
    group = more.rec.working_group
    assert group is not None
    key = f"member-{group.pk}"
    url = f"/cooperation/working-groups/{group.pk}/members/"
    assert f'name="{key}-organisation"' in page(reform, f"/cooperation/reviews/{more.sdpr.pk}/")
    members = WorkingGroupMember.objects.filter(group=group).count()
    response = reform.post(url, {f"{key}-person": "Head of DPA"})
    assert response.status_code == 422
    assert f'id="id_{key}-organisation_error"' in response.content.decode()
    assert partner.post(url, {f"{key}-organisation": world.us.pk}).status_code == 403
    assert WorkingGroupMember.objects.filter(group=group).count() == members
    response = reform.post(url, {f"{key}-organisation": world.ua.pk, f"{key}-person": "DPA"})
    assert response.status_code == 302
    assert group.members.filter(organisation=world.ua, person="DPA", chair=False).exists()


# --- strategies ------------------------------------------------------------------------------
def test_a_strategy_is_created_and_its_documents_edited(
    world: World, more: More, make_org: Any, make_user: Any
) -> None:
    reform = client_for(world.reform)
    assert 'href="/cooperation/strategies/new/"' in page(reform, "/cooperation/strategies/")
    approver = client_for(world.approver)
    assert 'href="/cooperation/strategies/new/"' not in page(approver, "/cooperation/strategies/")
    assert approver.get("/cooperation/strategies/new/").status_code == 403
    before = counts()
    post = {
        "owner": world.ua.pk,
        "title_en": "Military Security Strategy",
        "approving_act": "Presidential Decree No. 121/2021",
        "classification": Level.PUBLIC,
    }
    response = reform.post("/cooperation/strategies/new/", post)
    assert response.status_code == 422
    assert 'id="id_approved_on_error"' in response.content.decode()
    response = reform.post(
        "/cooperation/strategies/new/",
        {**post, "approved_on": "2021-03-25", "owner": world.us.pk},  # not the user's own
    )
    assert response.status_code == 422
    assert 'id="id_owner_error"' in response.content.decode()
    assert counts() == before
    response = reform.post("/cooperation/strategies/new/", {**post, "approved_on": "2021-03-25"})
    strategy = Strategy.objects.get(title_en="Military Security Strategy")
    assert response.status_code == 302
    assert response["Location"] == f"/cooperation/strategies/{strategy.pk}/"
    assert (strategy.owner, strategy.approved_on) == (world.ua, D(2021, 3, 25))

    # A document is edited by the strategy's owner only.
    url = f"/cooperation/documents/{more.late.pk}/edit/"
    assert f'href="{url}"' in page(reform, f"/cooperation/strategies/{more.strategy.pk}/")
    post = {
        "title_en": "Military Security Strategy of Ukraine",
        "area_en": "Defence",
        "responsible": world.ua.pk,
        "draft_due": "2021-06-01",
        "approval_due": "2021-01-01",
    }
    response = reform.post(url, post)
    assert response.status_code == 422
    assert 'id="id_approval_due_error"' in response.content.decode()
    council = make_org("National Security and Defense Council of Ukraine")
    theirs = strategies.add_document(
        actor=SystemActor(), strategy=more.strategy, title_en="Public Security Strategy",
        area_en="Security", responsible=council,
    )  # fmt: skip
    secretary = client_for(make_user((council, Role.REFORM_OFFICE), clearance=Level.SECRET))
    entries = AuditEntry.objects.count()
    theirs_url = f"/cooperation/documents/{theirs.pk}/edit/"
    assert f'href="{theirs_url}"' not in page(
        secretary, f"/cooperation/strategies/{more.strategy.pk}/"
    )
    assert secretary.get(theirs_url).status_code == 403
    assert secretary.post(theirs_url, {**post, "responsible": council.pk}).status_code == 403
    assert AuditEntry.objects.count() == entries
    assert StrategicDocument.objects.get(pk=more.late.pk).title_en == "Military Security Strategy"
    response = reform.post(url, {**post, "approval_due": "2021-09-01"})
    assert response.status_code == 302
    document = StrategicDocument.objects.get(pk=more.late.pk)
    assert (document.title_en, document.draft_due, document.approval_due) == (
        "Military Security Strategy of Ukraine", D(2021, 6, 1), D(2021, 9, 1),
    )  # fmt: skip


def test_anonymous_readers_see_public_strategies_only(world: World, more: More) -> None:
    internal = strategies.create_strategy(
        actor=SystemActor(), owner=world.ua, title_en="Defence Industry Strategy (draft)",
        approving_act="Cabinet Order", approved_on=D(2021, 1, 1), classification=Level.INTERNAL,
    )  # fmt: skip
    anonymous = Client()
    listing = page(anonymous, "/cooperation/strategies/")
    assert "National Security Strategy" in listing
    assert "Defence Industry Strategy (draft)" not in listing
    assert 'href="/cooperation/strategies/new/"' not in listing
    assert (
        'href="/cooperation/"' not in listing.split('class="tabs coop-tabs"')[1].split("</nav>")[0]
    )
    detail = page(anonymous, f"/cooperation/strategies/{more.strategy.pk}/")
    assert "Military Security Strategy" in detail
    assert 'name="document-title_en"' not in detail
    assert "/edit/" not in detail
    assert anonymous.get(f"/cooperation/strategies/{internal.pk}/").status_code == 404
    # Everything else still asks them to log in, writing above all.
    login = reverse("login")
    for url in (
        "/cooperation/",
        "/cooperation/new/",
        "/cooperation/reviews/new/",
        "/cooperation/strategies/new/",
        f"/cooperation/documents/{more.late.pk}/edit/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url
    before = counts()
    response = anonymous.post(f"/cooperation/strategies/{more.strategy.pk}/documents/", {})
    assert response.status_code == 302
    assert counts() == before
    # A signed-in reader sees the INTERNAL one too.
    assert "Defence Industry Strategy (draft)" in page(
        client_for(world.us_liaison), "/cooperation/strategies/"
    )
