"""The cooperation pages: each renders what it should for the reform office, hides what an
outsider may not see (404), refuses anonymous readers, offers a form only to whoever may use it,
and a bad form changes nothing. The annual consultation runs end to end through the pages.

This module is also a URL configuration (used by the brief-link test): the whole site plus a
stand-in for the consultation brief's page, so the link can be checked whether or not the brief
is installed yet."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from spilno import urls as site_urls
from spilno.accounts.models import User
from spilno.audit.models import AuditEntry
from spilno.cooperation import urls as cooperation_urls
from spilno.cooperation.models import (
    ActionItem,
    FollowUp,
    Indicator,
    IndicatorValue,
    Participant,
    ProgressReview,
    Recommendation,
    ReviewRating,
    StrategicDocument,
    Strategy,
)
from spilno.cooperation.models import Review as ExternalReview
from spilno.cooperation.services import programmes, recommendations, reviews, strategies, values
from spilno.core.models import CooperationArea, OrganisationKind
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from tests.cooperation.conftest import World

pytestmark = pytest.mark.django_db
D = dt.date


def _brief_stand_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse("brief")


urlpatterns = [
    *(p for p in site_urls.urlpatterns if str(p.pattern) != "cooperation/"),
    path(
        "cooperation/",
        include(
            (
                [
                    *cooperation_urls.urlpatterns,
                    path("brief-stand-in/", _brief_stand_in, name="brief"),
                ],
                "cooperation",
            )
        ),
    ),
]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@dataclass
class More:
    """What the world lacks for every page to have something to show."""

    area: CooperationArea
    value: IndicatorValue  # approved: 25 % as of 2020-12-31
    held: ProgressReview  # the 2020 consultation, held
    item: ActionItem  # set at it, open
    sdpr: ExternalReview
    rec: Recommendation
    strategy: Strategy
    late: StrategicDocument  # its draft is overdue
    approved: StrategicDocument


@pytest.fixture
def more(world: World, make_org: Any) -> More:
    system = SystemActor()
    area = CooperationArea.objects.get(slug="defence-reform")
    programmes.update_line(actor=system, line=world.line2, areas=[area])
    value = values.enter_value(
        actor=world.reform, indicator=world.indicator, as_of=D(2020, 12, 31), value="25",
        unit="percent", source="General Staff report 2020", evidence="GS-2020/17",
    )  # fmt: skip
    values.submit_value(actor=world.reform, value=value)
    value = values.approve_value(actor=world.approver, value=value)
    held = reviews.plan_review(
        actor=world.reform, programme=world.programme, kind="annual_consultation",
        title="Annual consultations 2020", held_on=D(2020, 11, 20),
        period_start=D(2020, 1, 1), period_end=D(2020, 10, 31),
    )  # fmt: skip
    reviews.add_participant(actor=world.reform, review=held, organisation=world.us, person="OSD")
    reviews.rate(
        actor=world.reform, review=held, line=world.line1, rating="at_risk",
        narrative="Certification slowed by the war of attrition.",
    )  # fmt: skip
    reviews.rate(
        actor=world.reform, review=held, line=world.line2, rating="on_track",
        narrative="Procurement law adopted.",
    )  # fmt: skip
    held = reviews.mark_held(actor=world.reform, review=held)
    item = reviews.add_action(
        actor=world.reform, review=held, text="Publish the certification plan",
        owner=world.ua, due_on=D(2021, 3, 31), line=world.line1,
    )  # fmt: skip
    norway = make_org("Norwegian Ministry of Defence", country="NO", kind=OrganisationKind.MINISTRY)
    sdpr = recommendations.create_review(
        actor=system, title_en="Strategic Defence Procurement Review", started_on=D(2023, 2, 1),
        lead=[norway], requested_by=[world.ua], classification=Level.INTERNAL,
    )  # fmt: skip
    recommendations.add_phase(actor=system, review=sdpr, title="Diagnosis", starts_on=D(2023, 2, 1))
    group = recommendations.add_working_group(
        actor=system, review=sdpr, name="Procurement planning",
        members=[(norway, "Chair of the group", True)],
    )  # fmt: skip
    rec = recommendations.add_recommendation(
        actor=system, review=sdpr, title_en="Single procurement plan", working_group=group,
        text="Merge the services' plans into one defence procurement plan.",
        responsible=world.ua, objectives=[world.objective], areas=[area],
        drafted_on=D(2023, 6, 1),
    )  # fmt: skip
    strategy = strategies.create_strategy(
        actor=system, owner=world.ua, title_en="National Security Strategy",
        approving_act="Presidential Decree No. 392/2020", approved_on=D(2020, 9, 14),
    )  # fmt: skip
    late = strategies.add_document(
        actor=system, strategy=strategy, title_en="Military Security Strategy",
        area_en="Defence", responsible=world.ua, draft_due=D(2021, 1, 31),
        cooperation_area=area,
    )  # fmt: skip
    approved = strategies.add_document(
        actor=system, strategy=strategy, title_en="Cybersecurity Strategy",
        area_en="Cyber", responsible=world.ua, draft_due=D(2020, 12, 1),
    )  # fmt: skip
    for status in ("drafting", "submitted"):
        strategies.move_document(actor=system, document=approved, status=status)
    approved = strategies.move_document(
        actor=system, document=approved, status="approved",
        approval_act="Presidential Decree No. 447/2021", approved_on=D(2021, 8, 26),
    )  # fmt: skip
    return More(area, value, held, item, sdpr, rec, strategy, late, approved)


# --- every page ------------------------------------------------------------------------------
def test_every_page_renders_for_the_reform_office(world: World, more: More) -> None:
    reform = client_for(world.reform)
    listing = page(reform, "/cooperation/")
    assert world.programme.reference in listing
    assert "Partner Concept cooperation" in listing
    assert '<a href="/cooperation/" aria-current="page">Cooperation</a>' in listing  # main nav
    filtered = page(reform, f"/cooperation/?partner={world.us.pk}&area=defence-reform")
    assert world.programme.reference in filtered
    assert world.programme.reference not in page(reform, "/cooperation/?area=unit-training")
    assert world.programme.reference not in page(reform, f"/cooperation/?partner={world.fr.pk}")

    detail = page(reform, f"/cooperation/programmes/{world.programme.pk}/")
    for text in (
        "U.S.-Ukraine Partner Concept",
        "U.S. Department of Defense",
        "LOE 1: Improve Ukraine&#x27;s defenses",
        "Objective 1.1: Units trained to NATO standards",
        "Share of brigades certified",
        "Annual consultations 2020",
        "Publish the certification plan",
        'value="30"',  # 25 % is 30 % of the way from 10 to 60
    ):
        assert text in detail, text
    assert re.search(r"25%\s*<span class=\"muted\">2020-12-31", detail)
    for form in ("line-title_en", f"indicator-{world.objective.pk}-metric", "review-held_on"):
        assert f'name="{form}"' in detail, form
    assert 'name="lock-until"' in detail

    line = page(reform, f"/cooperation/lines/{world.line1.pk}/")
    assert "<svg" in line
    assert "Ratings of LOE 1" in line
    assert "Certification slowed by the war of attrition." in line
    assert "first rating" in line
    assert "target 60%" in line  # the indicator's chart, drawn inline
    assert "Single procurement plan" in line  # the recommendation serving objective 1.1

    indicator = page(reform, f"/cooperation/indicators/{world.indicator.pk}/")
    for text in ("General Staff report 2020", "GS-2020/17", "Approved", "approver", "<svg"):
        assert text in indicator, text
    assert 'name="value-as_of"' in indicator
    computed = page(reform, f"/cooperation/indicators/{world.computed.pk}/")
    assert 'name="compute-as_of"' in computed
    assert 'name="value-as_of"' not in computed
    assert f"cpv={world.computed.metric_params['cpv']}" in computed

    review = page(reform, f"/cooperation/progress-reviews/{more.held.pk}/")
    for text in ("Annual consultations 2020", "Procurement law adopted.", "OSD", "Held"):
        assert text in review, text
    assert f'name="rate-line-{world.line1.pk}-rating"' not in review  # held: ratings stand

    actions = page(reform, "/cooperation/actions/")
    assert "Publish the certification plan" in actions
    assert "overdue" in actions
    assert "Publish the certification plan" not in page(reform, "/cooperation/actions/?status=done")
    assert "Publish the certification plan" in page(reform, "/cooperation/actions/?overdue=1")

    reviews_page = page(reform, "/cooperation/reviews/")
    assert more.sdpr.reference in reviews_page
    assert "Norwegian Ministry of Defence" in reviews_page
    sdpr = page(reform, f"/cooperation/reviews/{more.sdpr.pk}/")
    for text in ("Lead nation", "Requested by", "Diagnosis", "Procurement planning", "R1"):
        assert text in sdpr, text
    assert 'name="recommendation-title_en"' in sdpr
    assert 'name="phase-starts_on"' in sdpr
    rec = page(reform, f"/cooperation/recommendations/{more.rec.pk}/")
    assert "Units trained to NATO standards" in rec
    assert "2023-06-01" in rec
    assert "This step needs" in rec
    assert "the event that adopted it" in rec
    assert f"/cooperation/recommendations/{more.rec.pk}/edit/" in rec
    assert 'name="title_en"' in page(reform, f"/cooperation/recommendations/{more.rec.pk}/edit/")

    strategies_page = page(reform, "/cooperation/strategies/")
    assert "National Security Strategy" in strategies_page
    strategy = page(reform, f"/cooperation/strategies/{more.strategy.pk}/")
    for text in ("Military Security Strategy", "Presidential Decree No. 447/2021", "Cyber"):
        assert text in strategy, text
    late_row = strategy.split(f'id="document-{more.late.pk}"')[1].split("</tr>")[0]
    assert late_row.startswith(' class="coop-overdue"')  # highlighted, and says so
    assert '<span class="badge coop-overdue-badge">overdue</span>' in late_row
    approved_row = strategy.split(f'id="document-{more.approved.pk}"')[1].split("</tr>")[0]
    assert "overdue" not in approved_row

    areas = page(reform, "/cooperation/areas/")
    row = areas.split('href="/cooperation/areas/defence-reform/">Defence reform</a>')[1]
    counts = re.findall(r'<td class="num">(\d+)</td>', row.split("</tr>")[0])
    assert counts == ["0", "1", "1", "1"]  # agreements, lines, recommendations, documents
    area = page(reform, "/cooperation/areas/defence-reform/")
    for text in ("LOE 2: Support defense sector reform", "Single procurement plan"):
        assert text in area, text
    assert "Military Security Strategy" in area
    assert reform.get("/cooperation/areas/no-such-area/").status_code == 404

    waiting = page(client_for(world.approver), "/cooperation/values/waiting/")
    assert "Nothing is waiting for approval." in waiting


def test_outsiders_get_404_and_anonymous_readers_the_login_page(world: World, more: More) -> None:
    outsider = client_for(world.fr_liaison)
    hidden = [
        f"/cooperation/programmes/{world.programme.pk}/",
        f"/cooperation/lines/{world.line1.pk}/",
        f"/cooperation/indicators/{world.indicator.pk}/",
        f"/cooperation/progress-reviews/{more.held.pk}/",
    ]
    for url in hidden:
        assert outsider.get(url).status_code == 404, url
    assert world.programme.reference not in page(outsider, "/cooperation/")
    assert "Publish the certification plan" not in page(outsider, "/cooperation/actions/")
    count = IndicatorValue.objects.count()
    response = outsider.post(
        f"/cooperation/indicators/{world.indicator.pk}/values/",
        {"value-as_of": "2021-12-31", "value-value": "30", "value-source": "x"},
    )
    assert response.status_code == 404
    assert IndicatorValue.objects.count() == count
    anonymous = Client()
    for url in ["/cooperation/", *hidden, "/cooperation/reviews/", "/cooperation/areas/"]:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    response = anonymous.post(f"/cooperation/progress-reviews/{more.held.pk}/held/", {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_partner_sees_the_programme_but_only_an_approver_may_open_the_waiting_list(
    world: World, more: More
) -> None:
    partner = client_for(world.us_liaison)
    detail = page(partner, f"/cooperation/programmes/{world.programme.pk}/")
    assert "Share of brigades certified" in detail
    assert 'name="lock-until"' not in detail  # partner liaisons do not lock periods
    assert partner.get("/cooperation/values/waiting/").status_code == 403
    assert "Values waiting for approval" not in page(partner, "/cooperation/")
    response = partner.post(
        f"/cooperation/programmes/{world.programme.pk}/lock/", {"lock-until": "2020-12-31"}
    )
    assert response.status_code == 403
    world.programme.refresh_from_db()
    assert world.programme.locked_until is None


# --- values ----------------------------------------------------------------------------------
def test_a_value_outside_its_bounds_is_refused_and_nothing_is_written(world: World) -> None:
    reform = client_for(world.reform)
    url = f"/cooperation/indicators/{world.indicator.pk}/values/"
    entries, rows = AuditEntry.objects.count(), IndicatorValue.objects.count()
    post = {"value-as_of": "2021-12-31", "value-value": "150", "value-source": "GS report"}
    response = reform.post(url, post)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_value-value_error"' in html
    assert "outside the declared bounds" in html
    assert 'value="150"' in html  # the reader's input is kept
    assert "<html" in html  # a plain browser gets the whole page again
    response = reform.post(url, post, headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment
    assert 'id="action-value"' in fragment
    assert "outside the declared bounds" in fragment
    assert (AuditEntry.objects.count(), IndicatorValue.objects.count()) == (entries, rows)
    response = reform.post(url, {**post, "value-value": "not a number"})
    assert response.status_code == 422
    assert 'id="id_value-value_error"' in response.content.decode()
    assert IndicatorValue.objects.count() == rows
    response = reform.post(url, {**post, "value-value": "35"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/cooperation/indicators/{world.indicator.pk}/"
    value = IndicatorValue.objects.get(indicator=world.indicator)
    assert (value.value, value.status, value.entered_by) == (Decimal(35), "draft", world.reform)


def test_approval_is_offered_to_others_never_to_the_author(world: World) -> None:
    reform, approver = client_for(world.reform), client_for(world.approver)
    url = f"/cooperation/indicators/{world.indicator.pk}/"
    response = reform.post(
        url + "values/",
        {"value-as_of": "2021-12-31", "value-value": "32", "value-source": "GS report"},
    )
    assert response.status_code == 302
    value = IndicatorValue.objects.get(indicator=world.indicator)
    assert f"/cooperation/values/{value.pk}/submit/" in page(reform, url)
    assert reform.post(f"/cooperation/values/{value.pk}/submit/", {}).status_code == 302
    own = page(reform, url)  # the reform office may approve, but not its own figure
    assert f"/cooperation/values/{value.pk}/approve/" not in own
    assert f"/cooperation/values/{value.pk}/return/" not in own
    assert "Waiting for someone else to approve." in own
    assert "yours: someone else approves it" in page(reform, "/cooperation/values/waiting/")
    waiting = page(approver, "/cooperation/values/waiting/")
    assert f"#value-{value.pk}" in waiting
    assert f"/cooperation/values/{value.pk}/approve/" in page(approver, url)
    # Returning needs a note; the refusal changes nothing.
    response = approver.post(
        f"/cooperation/values/{value.pk}/return/", {f"return-{value.pk}-note": ""}
    )
    assert response.status_code == 422
    assert f'id="id_return-{value.pk}-note_error"' in response.content.decode()
    assert "Say what must be revised." in response.content.decode()
    value.refresh_from_db()
    assert value.status == "submitted"
    response = approver.post(f"/cooperation/values/{value.pk}/approve/", {})
    assert response.status_code == 302
    value.refresh_from_db()
    assert (value.status, value.reviewed_by) == ("approved", world.approver)
    assert "32%" in page(approver, f"/cooperation/programmes/{world.programme.pk}/")


def test_a_locked_period_is_revised_not_edited(world: World, more: More) -> None:
    reform, approver = client_for(world.reform), client_for(world.approver)
    url = f"/cooperation/indicators/{world.indicator.pk}/"
    assert f"/cooperation/values/{more.value.pk}/edit/" in page(reform, url)
    response = approver.post(
        f"/cooperation/programmes/{world.programme.pk}/lock/", {"lock-until": "2020-12-31"}
    )
    assert response.status_code == 302
    locked = page(reform, url)
    assert f"/cooperation/values/{more.value.pk}/edit/" not in locked
    assert f"/cooperation/values/{more.value.pk}/revise/" in locked
    key = f"revise-{more.value.pk}"
    response = reform.post(
        f"/cooperation/values/{more.value.pk}/revise/",
        {f"{key}-new_value": "26", f"{key}-reason": ""},
    )
    assert response.status_code == 422
    assert "Say why" in response.content.decode()
    assert IndicatorValue.objects.filter(indicator=world.indicator).count() == 1
    response = reform.post(
        f"/cooperation/values/{more.value.pk}/revise/",
        {f"{key}-new_value": "26", f"{key}-reason": "Two brigades recounted."},
    )
    assert response.status_code == 302
    revision = IndicatorValue.objects.get(supersedes=more.value)
    assert (revision.revision, revision.status) == (2, "draft")
    revised = page(reform, url)
    assert "Two brigades recounted." in revised
    assert f"/cooperation/values/{more.value.pk}/revise/" not in revised  # one at a time


def test_an_indicator_takes_a_registered_metric_and_its_parameters(world: World) -> None:
    reform = client_for(world.reform)
    key = f"indicator-{world.objective.pk}"
    url = f"/cooperation/objectives/{world.objective.pk}/indicators/"
    form = page(reform, f"/cooperation/programmes/{world.programme.pk}/")
    assert 'value="capabilities.delivered_share"' in form
    assert f'name="{key}-param_cpv"' in form
    base = {
        f"{key}-title_en": "Share of counter-battery radars delivered",
        f"{key}-direction": "increase",
        f"{key}-baseline": "0",
        f"{key}-baseline_date": "2022-01-01",
        f"{key}-target": "100",
        f"{key}-target_date": "2025-12-31",
    }
    count = Indicator.objects.count()
    # A typed indicator needs its unit; a parameter belongs to the metric chosen.
    response = reform.post(url, {**base, f"{key}-param_cpv": "35722000"})
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_{key}-unit_error"' in html
    assert f'id="id_{key}-param_cpv_error"' in html
    assert Indicator.objects.count() == count
    response = reform.post(
        url, {**base, f"{key}-metric": "capabilities.delivered_share", f"{key}-param_cpv": "3572"}
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(title_en="Share of counter-battery radars delivered")
    assert indicator.metric == "capabilities.delivered_share"
    assert (indicator.unit, indicator.metric_params) == ("percent", {"cpv": "3572"})


# --- the annual consultation, from planning to the brief -------------------------------------
@pytest.mark.urls("tests.cooperation.test_pages")
def test_the_review_page_offers_the_brief_for_the_partner(world: World, more: More) -> None:
    html = page(client_for(world.reform), f"/cooperation/progress-reviews/{more.held.pk}/")
    brief = reverse("cooperation:brief")
    assert "Prepare the consultation brief" in html
    assert f'href="{brief}?partner={world.us.pk}&amp;start=2020-01-01&amp;end=2020-10-31"' in html
    assert f"partner={world.ua.pk}" not in html  # the reader's own side is not its partner
    # The partner's liaison is offered the brief with the Ukrainian side.
    html = page(client_for(world.us_liaison), f"/cooperation/progress-reviews/{more.held.pk}/")
    assert f"{brief}?partner={world.ua.pk}&amp;" in html


def test_an_annual_consultation_runs_through_the_pages(world: World) -> None:
    reform = client_for(world.reform)
    response = reform.post(
        f"/cooperation/programmes/{world.programme.pk}/reviews/",
        {
            "review-kind": "annual_consultation",
            "review-title": "Annual consultations 2021",
            "review-held_on": "2021-11-15",
            "review-period_start": "2021-01-01",
            "review-period_end": "2021-12-31",
        },
    )
    review = ProgressReview.objects.get(title="Annual consultations 2021")
    url = f"/cooperation/progress-reviews/{review.pk}/"
    assert response.status_code == 302
    assert response["Location"] == url
    html = page(reform, url)
    for name in ("participant-organisation", f"rate-line-{world.line1.pk}-rating", "held-summary"):
        assert f'name="{name}"' in html, name

    # Holding it too early is refused, with the reason, and changes nothing.
    response = reform.post(url + "held/", {"held-summary": "Too early"})
    assert response.status_code == 422
    assert "Rate every line of effort first" in response.content.decode()
    review.refresh_from_db()
    assert (review.status, review.summary) == ("planned", "")

    response = reform.post(
        url + "participants/",
        {
            "participant-organisation": world.us.pk,
            "participant-person": "Deputy Assistant Secretary",
        },
    )
    assert response.status_code == 302
    # A rating without its narrative is refused next to the field.
    key = f"rate-line-{world.line1.pk}"
    response = reform.post(url + f"lines/{world.line1.pk}/rate/", {f"{key}-rating": "on_track"})
    assert response.status_code == 422
    assert f'id="id_{key}-narrative_error"' in response.content.decode()
    assert not ReviewRating.objects.filter(review=review).exists()
    for line, rating, narrative in (
        (world.line1, "on_track", "Eight brigades certified."),
        (world.line2, "off_track", "The procurement law is stalled."),
    ):
        key = f"rate-line-{line.pk}"
        response = reform.post(
            url + f"lines/{line.pk}/rate/",
            {f"{key}-rating": rating, f"{key}-narrative": narrative},
        )
        assert response.status_code == 302
    key = f"rate-objective-{world.objective.pk}"
    response = reform.post(
        url + f"objectives/{world.objective.pk}/rate/",
        {f"{key}-rating": "at_risk", f"{key}-narrative": "Slower than planned."},
    )
    assert response.status_code == 302
    response = reform.post(
        url + "decisions/",
        {"decision-text": "Prioritise the procurement law.", "decision-line": world.line2.pk},
    )
    assert response.status_code == 302
    response = reform.post(
        url + "actions/",
        {
            "action-text": "Submit the draft law to parliament",
            "action-owner": world.ua.pk,
            "action-owner_person": "Reform office",
            "action-due_on": "2022-03-31",
            "action-line": world.line2.pk,
        },
    )
    assert response.status_code == 302
    html = page(reform, url)
    for text in (
        "Deputy Assistant Secretary",
        "Eight brigades certified.",
        "The procurement law is stalled.",
        "Slower than planned.",
        "Prioritise the procurement law.",
        "Submit the draft law to parliament",
    ):
        assert text in html, text

    response = reform.post(url + "held/", {"held-summary": "Good year for LOE 1."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.summary) == ("held", "Good year for LOE 1.")
    assert Participant.objects.filter(review=review).count() == 1
    assert ReviewRating.objects.filter(review=review).count() == 3
    assert review.decisions.count() == 1
    assert review.action_items.count() == 1
    held = page(reform, url)
    assert 'name="held-summary"' not in held
    assert f'name="rate-line-{world.line1.pk}-rating"' not in held
    history = page(reform, f"/cooperation/lines/{world.line2.pk}/")
    assert "The procurement law is stalled." in history

    # The next year's consultation follows the item up.
    item = ActionItem.objects.get(review=review)
    response = reform.post(
        f"/cooperation/programmes/{world.programme.pk}/reviews/",
        {
            "review-kind": "annual_consultation",
            "review-title": "Annual consultations 2022",
            "review-held_on": "2022-11-15",
            "review-period_start": "2022-01-01",
            "review-period_end": "2022-12-31",
        },
    )
    second = ProgressReview.objects.get(title="Annual consultations 2022")
    second_url = f"/cooperation/progress-reviews/{second.pk}/"
    html = page(reform, second_url)
    listed = html.split('id="follow-up"')[1]
    assert "Submit the draft law to parliament" in listed
    assert f'name="follow-{item.pk}-status"' in listed
    key = f"follow-{item.pk}"
    response = reform.post(second_url + f"follow-ups/{item.pk}/", {f"{key}-status": "in_progress"})
    assert response.status_code == 422  # a follow-up says where the item stands
    assert not FollowUp.objects.exists()
    response = reform.post(
        second_url + f"follow-ups/{item.pk}/",
        {f"{key}-status": "in_progress", f"{key}-note": "First reading passed."},
    )
    assert response.status_code == 302
    follow = FollowUp.objects.get(action=item, review=second)
    assert (follow.status, follow.note) == ("in_progress", "First reading passed.")
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert "First reading passed." in page(reform, second_url)
    # The first review itself does not follow up its own items.
    assert f'name="follow-{item.pk}-status"' not in page(reform, url)


def test_action_items_move_from_their_review_page(world: World, more: More) -> None:
    reform = client_for(world.reform)
    url = f"/cooperation/progress-reviews/{more.held.pk}/"
    key = f"move-{more.item.pk}"
    assert f'name="{key}-status"' in page(reform, url)
    response = reform.post(url + f"actions/{more.item.pk}/move/", {f"{key}-status": "open"})
    assert response.status_code == 422  # not a legal move (no such choice)
    more.item.refresh_from_db()
    assert more.item.status == "open"
    response = reform.post(
        url + f"actions/{more.item.pk}/move/", {f"{key}-status": "done", f"{key}-on": "2021-03-01"}
    )
    assert response.status_code == 302
    more.item.refresh_from_db()
    assert (more.item.status, more.item.closed_on) == ("done", D(2021, 3, 1))
    assert f'name="{key}-status"' not in page(reform, url)  # closed items stay closed


# --- reviews, recommendations, strategies ----------------------------------------------------
def test_a_recommendation_moves_one_step_with_what_the_step_needs(world: World, more: More) -> None:
    reform = client_for(world.reform)
    url = f"/cooperation/recommendations/{more.rec.pk}/"
    assert f"{url}advance/adopted/" in page(reform, url)
    response = reform.post(url + "advance/adopted/", {"advance-on": "2023-07-11"})
    assert response.status_code == 422
    assert 'id="id_advance-event_error"' in response.content.decode()
    more.rec.refresh_from_db()
    assert (more.rec.status, more.rec.steps.count()) == ("drafted", 1)
    response = reform.post(
        url + "advance/adopted/", {"advance-on": "2023-07-11", "advance-event": "Vilnius Summit"}
    )
    assert response.status_code == 302
    html = page(reform, url)
    assert "Vilnius Summit" in html
    assert f"{url}advance/in_implementation/" in html
    # A page left open before the step cannot push the recommendation a second step.
    response = reform.post(
        url + "advance/adopted/", {"advance-on": "2023-07-12", "advance-event": "Again"}
    )
    assert response.status_code == 422
    more.rec.refresh_from_db()
    assert (more.rec.status, more.rec.steps.count()) == ("adopted", 2)
    # The adopted wording is shown, not editable; the links still are.
    edit = page(reform, url + "edit/")
    assert re.search(r'name="title_en"[^>]*disabled', edit)
    response = reform.post(
        url + "edit/",
        {"title_en": "Changed", "text": "Changed", "due_on": "2024-12-31",
         "responsible": world.ua.pk, "working_group": more.rec.working_group_id,
         "objectives": [world.objective.pk], "areas": [more.area.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    more.rec.refresh_from_db()
    assert (more.rec.title_en, more.rec.due_on) == ("Single procurement plan", D(2024, 12, 31))
    assert list(more.rec.objectives.all()) == [world.objective]


def test_review_and_strategy_forms(world: World, more: More) -> None:
    reform = client_for(world.reform)
    review_url = f"/cooperation/reviews/{more.sdpr.pk}/"
    response = reform.post(review_url + "working-groups/", {"group-name": ""})
    assert response.status_code == 422
    assert 'id="id_group-name_error"' in response.content.decode()
    response = reform.post(
        review_url + "working-groups/",
        {
            "group-name": "Acquisition workforce",
            "group-chair": world.ua.pk,
            "group-chair_person": "Head of DPA",
        },
    )
    assert response.status_code == 302
    response = reform.post(
        review_url + "recommendations/",
        {"recommendation-title_en": "Train contracting officers", "recommendation-text": "Train them.",
         "recommendation-objectives": [world.objective.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    html = page(reform, review_url)
    assert "Acquisition workforce" in html
    assert "Head of DPA" in html
    assert "Train contracting officers" in html
    assert "R2" in html

    strategy_url = f"/cooperation/strategies/{more.strategy.pk}/"
    key = f"move-{more.late.pk}"
    response = reform.post(
        f"/cooperation/documents/{more.late.pk}/move/", {f"{key}-status": "approved"}
    )
    assert response.status_code == 422  # planned → approved skips steps
    more.late.refresh_from_db()
    assert more.late.status == "planned"
    response = reform.post(
        f"/cooperation/documents/{more.late.pk}/move/", {f"{key}-status": "drafting"}
    )
    assert response.status_code == 302
    more.late.refresh_from_db()
    assert more.late.status == "drafting"
    response = reform.post(
        strategy_url + "documents/",
        {"document-title_en": "Strategic Defence Bulletin", "document-area_en": "Defence",
         "document-responsible": world.ua.pk, "document-draft_due": "2021-06-01",
         "document-approval_due": "2021-01-01"},
    )  # fmt: skip
    assert response.status_code == 422
    assert 'id="id_document-approval_due_error"' in response.content.decode()
    assert not StrategicDocument.objects.filter(title_en="Strategic Defence Bulletin").exists()
    # Outsiders to the strategy's owner are offered nothing and refused.
    partner = client_for(world.us_liaison)
    assert 'name="document-title_en"' not in page(partner, strategy_url)
    response = partner.post(
        f"/cooperation/documents/{more.late.pk}/move/", {f"{key}-status": "submitted"}
    )
    assert response.status_code == 403


def test_verification_is_offered_to_someone_other_than_the_implementer(
    world: World, more: More, make_user: Any
) -> None:
    url = f"/cooperation/recommendations/{more.rec.pk}/"
    for status, fields in (
        ("adopted", {"event": "Vilnius Summit"}),
        ("in_implementation", {}),
        ("implemented", {"evidence": "Cabinet Resolution No. 1"}),
    ):
        recommendations.advance_recommendation(
            actor=world.reform, recommendation=more.rec, status=status, on=D(2023, 8, 1), **fields
        )
    implementer = page(client_for(world.reform), url)
    assert f"{url}advance/verified/" not in implementer
    assert "someone else verifies it" in implementer
    colleague = make_user((world.ua, Role.REFORM_OFFICE), clearance=Level.SECRET)
    assert f"{url}advance/verified/" in page(client_for(colleague), url)


def test_editing_links_never_drops_objectives_the_editor_cannot_see(
    world: World, more: More, make_agreement: Any
) -> None:
    system = SystemActor()
    elsewhere = programmes.create_programme(
        actor=system,
        agreement=make_agreement(world.us, world.fr, classification=Level.RESTRICTED),
        title_en="U.S.-French cooperation",
        starts_on=D(2020, 1, 1),
        classification=Level.RESTRICTED,
    )
    line = programmes.add_line(actor=system, programme=elsewhere, title_en="Joint exercises")
    hidden = programmes.add_objective(actor=system, line=line, title_en="Interoperability")
    recommendations.update_recommendation(
        actor=system, recommendation=more.rec, objectives=[world.objective, hidden]
    )
    reform = client_for(world.reform)
    url = f"/cooperation/recommendations/{more.rec.pk}/edit/"
    edit = page(reform, url)
    assert "Interoperability" not in edit
    post = {"title_en": more.rec.title_en, "text": more.rec.text, "responsible": world.ua.pk}
    response = reform.post(url, {**post, "objectives": []})  # would unlink both
    assert response.status_code == 422
    assert "objectives you may not see" in response.content.decode()
    assert set(more.rec.objectives.all()) == {world.objective, hidden}
    response = reform.post(
        url, {**post, "objectives": [world.objective.pk], "due_on": "2025-01-31"}
    )
    assert response.status_code == 302
    more.rec.refresh_from_db()
    assert more.rec.due_on == D(2025, 1, 31)
    assert set(more.rec.objectives.all()) == {world.objective, hidden}


def test_the_responsible_body_moves_its_own_document_only(
    world: World, more: More, make_org: Any, make_user: Any
) -> None:
    council = make_org("National Security and Defense Council of Ukraine")
    theirs = strategies.add_document(
        actor=SystemActor(), strategy=more.strategy, title_en="Public Security Strategy",
        area_en="Security", responsible=council, draft_due=D(2021, 3, 1),
    )  # fmt: skip
    secretary = client_for(make_user((council, Role.REFORM_OFFICE), clearance=Level.SECRET))
    html = page(secretary, f"/cooperation/strategies/{more.strategy.pk}/")
    assert f'name="move-{theirs.pk}-status"' in html
    assert f'name="move-{more.late.pk}-status"' not in html  # the ministry's document
    assert 'name="document-title_en"' not in html  # adding documents is the owner's call
    response = secretary.post(
        f"/cooperation/documents/{more.late.pk}/move/", {f"move-{more.late.pk}-status": "drafting"}
    )
    assert response.status_code == 403
    response = secretary.post(
        f"/cooperation/documents/{theirs.pk}/move/", {f"move-{theirs.pk}-status": "drafting"}
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    more.late.refresh_from_db()
    assert (theirs.status, more.late.status) == ("drafting", "planned")
