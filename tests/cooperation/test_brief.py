"""The consultation brief: its data, the HTML and PDF renderings, the page, the API and the CLI,
and need-to-know (a partner's programme never reaches someone who may not see it)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from spilno.audit.models import AuditEntry
from spilno.cooperation import brief as briefs
from spilno.cooperation.brief import build_brief, parse_params
from spilno.cooperation.models import IndicatorValue
from spilno.cooperation.pdf import render_pdf
from spilno.cooperation.services import programmes as programme_svc
from spilno.cooperation.services import recommendations as rec_svc
from spilno.cooperation.services import reviews as review_svc
from spilno.cooperation.services import values as value_svc
from spilno.kernel import metrics
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from tests.helpers import audit_count

pytestmark = pytest.mark.django_db

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
TITLE_UK = "Підготовка підрозділів за стандартами НАТО"


def _approved(world: Any, as_of: dt.date, value: int) -> IndicatorValue:
    row = value_svc.enter_value(
        actor=world.reform,
        indicator=world.indicator,
        as_of=as_of,
        value=Decimal(value),
        unit="percent",
        source="General Staff certification report",
    )
    row = value_svc.submit_value(actor=world.reform, value=row)
    return value_svc.approve_value(actor=world.approver, value=row)


def _held_review(world: Any, held_on: dt.date, ratings: dict[Any, str], title: str) -> Any:
    review = review_svc.plan_review(
        actor=world.reform,
        programme=world.programme,
        kind="annual_consultation",
        title=title,
        held_on=held_on,
        place="Kyiv",
        period_start=held_on - dt.timedelta(days=300),
        period_end=held_on,
    )
    review_svc.add_participant(actor=world.reform, review=review, organisation=world.us)
    for line, rating in ratings.items():
        review_svc.rate(
            actor=world.reform,
            review=review,
            line=line,
            rating=rating,
            narrative=f"{title}: {line.title_en} is {rating.replace('_', ' ')}.",
        )
    return review


@pytest.fixture
def story(world: Any) -> Any:
    """Two years of the Partner Concept: figures approved, two annual consultations held with
    ratings and action items, and recommendations of an external review."""
    system = SystemActor()
    _approved(world, dt.date(2023, 12, 31), 30)
    _approved(world, dt.date(2024, 12, 31), 45)
    _approved(world, dt.date(2025, 6, 30), 55)  # after the period: not in the brief

    first = _held_review(
        world,
        dt.date(2023, 6, 15),
        {world.line1: "at_risk", world.line2: "on_track"},
        "Annual consultation 2023",
    )
    review_svc.mark_held(actor=world.reform, review=first)
    second = _held_review(
        world,
        dt.date(2024, 6, 20),
        {world.line1: "on_track", world.line2: "off_track"},
        "Annual consultation 2024",
    )
    review_svc.rate(
        actor=world.reform,
        review=second,
        line=world.line1,
        objective=world.objective,
        rating="on_track",
        narrative="Certification ahead of plan.",
    )
    world.overdue = review_svc.add_action(
        actor=world.reform,
        review=second,
        text="Draft the defence-sector reform roadmap",
        owner=world.ua,
        owner_person="Deputy Minister",
        due_on=dt.date(2024, 9, 1),
        line=world.line2,
    )
    world.not_due = review_svc.add_action(
        actor=world.reform,
        review=second,
        text="Plan the joint exercise",
        owner=world.us,
        due_on=dt.date(2025, 3, 1),
    )
    done = review_svc.add_action(
        actor=world.reform,
        review=second,
        text="Exchange liaison officers",
        owner=world.us,
        due_on=dt.date(2024, 8, 1),
    )
    review_svc.move_action(actor=world.reform, action=done, status="done", on=dt.date(2024, 7, 30))
    later = review_svc.add_action(
        actor=world.reform,
        review=second,
        text="Publish the procurement audit",
        owner=world.ua,
        due_on=dt.date(2024, 11, 1),
    )
    review_svc.move_action(actor=world.reform, action=later, status="done", on=dt.date(2025, 1, 15))
    review_svc.mark_held(actor=world.reform, review=second)

    sdpr = rec_svc.create_review(
        actor=system,
        title_en="Strategic Defence Procurement Review",
        started_on=dt.date(2023, 1, 10),
        lead=[world.fr],
        requested_by=[world.ua],
    )
    world.linked = rec_svc.add_recommendation(
        actor=system,
        review=sdpr,
        title_en="Certify brigades against NATO standards",
        text="Set up a certification cell.",
        objectives=[world.objective],
        responsible=world.ua,
        drafted_on=dt.date(2023, 3, 1),
    )
    rec_svc.advance_recommendation(
        actor=system,
        recommendation=world.linked,
        status="adopted",
        on=dt.date(2024, 2, 20),
        event="Joint Working Group meeting",
    )
    world.unrelated = rec_svc.add_recommendation(
        actor=system,
        review=sdpr,
        title_en="Digitise the French catalogue",
        text="Not about the U.S. at all.",
        drafted_on=dt.date(2023, 3, 1),
    )
    with_us = rec_svc.create_review(
        actor=system,
        title_en="Logistics review",
        started_on=dt.date(2024, 2, 1),
        lead=[world.us],
        requested_by=[world.ua],
        classification=Level.RESTRICTED,  # only the U.S. and Ukraine see it
    )
    world.partner_rec = rec_svc.add_recommendation(
        actor=system,
        review=with_us,
        title_en="Pool spare parts",
        text="One spare-parts pool.",
        drafted_on=dt.date(2024, 3, 1),
    )
    world.future_rec = rec_svc.add_recommendation(
        actor=system,
        review=with_us,
        title_en="Recommendation drafted after the period",
        text="Later.",
        drafted_on=dt.date(2025, 2, 1),
    )
    return world


# --- the data --------------------------------------------------------------------------------
def test_brief_holds_ratings_trends_figures_and_actions(story: Any) -> None:
    brief = build_brief(story.reform, story.us, START, END)

    assert not brief.empty
    assert [p.pk for p in brief.programmes] == [story.programme.pk]
    assert brief.classification == Level.RESTRICTED
    line1, line2 = brief.lines
    assert (line1.rating.rating, line1.rating.trend) == ("on_track", "improving")
    assert (line2.rating.rating, line2.rating.trend) == ("off_track", "worsening")
    assert line2.rating.narrative.startswith("Annual consultation 2024")
    assert [r.rating for r in line1.history] == ["at_risk", "on_track"]
    assert "<svg" in line1.strip
    assert [r.title for p in brief.programmes for r in p.reviews] == ["Annual consultation 2024"]

    objective = line1.objectives[0]
    assert objective.rating is not None
    assert objective.rating.trend == "new"
    typed = next(i for i in objective.indicators if i.pk == story.indicator.pk)
    assert [(p.as_of, p.value) for p in typed.points] == [
        (dt.date(2023, 12, 31), Decimal(30)),
        (dt.date(2024, 12, 31), Decimal(45)),
    ]
    assert typed.progress == pytest.approx(0.7)
    assert "<svg" in typed.chart
    assert "target 60%" in typed.chart

    open_texts = [a.text for a in brief.open_actions]
    assert "Exchange liaison officers" not in open_texts  # closed in the period
    assert "Publish the procurement audit" in open_texts  # closed only after the period
    overdue = {a.text: a.days_overdue for a in brief.overdue_actions}
    assert overdue == {
        "Draft the defence-sector reform roadmap": 121,
        "Publish the procurement audit": 60,
    }
    assert [a.text for a in brief.actions_not_due] == ["Plan the joint exercise"]

    assert {r.pk for r in brief.recommendations} == {story.linked.pk, story.partner_rec.pk}
    counts = {s: n for s, _label, n in brief.recommendation_counts}
    assert counts["adopted"] == 1
    assert counts["drafted"] == 1
    moved = {r.pk: [s.status for s in r.steps] for r in brief.recommendations_moved}
    assert moved == {story.linked.pk: ["adopted"], story.partner_rec.pk: ["drafted"]}

    assert brief.deliveries == []
    assert not brief.training_feed


def test_status_is_told_as_at_the_end_of_the_period(story: Any) -> None:
    """A year earlier, the 2024 review had not happened and the recommendation was a draft."""
    brief = build_brief(story.reform, story.us, dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    line1 = brief.lines[0]
    assert (line1.rating.rating, line1.rating.trend) == ("at_risk", "new")
    assert brief.open_actions == []
    assert {r.pk: r.status for r in brief.recommendations} == {story.linked.pk: "drafted"}
    assert [p.as_of for p in brief.lines[0].objectives[0].indicators[0].points] == [
        dt.date(2023, 12, 31)
    ]


def test_a_line_not_rated_in_the_period_shows_its_earlier_rating(story: Any) -> None:
    brief = build_brief(story.reform, story.us, dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    line1 = brief.lines[0]
    assert line1.rating is None
    assert line1.earlier is not None
    assert line1.earlier.rating == "on_track"


def test_activity_feeds_fill_deliveries_and_training(
    story: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def training(*, user: Any, agreement_ids: list[int], start: dt.date, end: dt.date) -> Any:
        seen.update(user=user, agreement_ids=agreement_ids, start=start, end=end)
        return [metrics.Activity(kind="training", date=dt.date(2024, 5, 1), title="JTC course")]

    monkeypatch.setitem(metrics._feeds, "assistance.training", training)
    brief = build_brief(story.reform, story.us, START, END)
    assert brief.training_feed
    assert [a.title for a in brief.training] == ["JTC course"]
    assert seen == {
        "user": story.reform,
        "agreement_ids": [story.agreement.pk],
        "start": START,
        "end": END,
    }


# --- need-to-know ----------------------------------------------------------------------------
def test_an_outsider_gets_an_empty_brief_without_the_partners_programme(story: Any) -> None:
    brief = build_brief(story.fr_liaison, story.us, START, END)
    assert brief.empty
    assert brief.programmes == []
    assert brief.open_actions == []
    assert brief.recommendations == []
    assert brief.classification == Level.INTERNAL
    html = Client()
    html.force_login(story.fr_liaison)
    response = html.get("/cooperation/brief/", {"partner": story.us.pk, "start": START, "end": END})
    assert response.status_code == 200
    page = response.content.decode()
    assert "You may see nothing of the cooperation" in page
    for secret in (
        "Partner Concept cooperation",
        "Improve Ukraine",
        "Share of brigades certified",
        "Draft the defence-sector reform roadmap",
        "Certify brigades",
        "Pool spare parts",
    ):
        assert secret not in page
    text = _pdf_text(render_pdf(brief))
    assert "Partner Concept" not in text
    assert "Improve Ukraine" not in text


# --- bad input -------------------------------------------------------------------------------
def test_bad_parameters_are_field_errors(story: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_params(story.reform, story.us.pk, "2024-12-31", "2024-01-01")
    assert set(caught.value.message_dict) == {"end"}
    with pytest.raises(ValidationError) as caught:
        parse_params(story.reform, "No such ministry", "2024-01-01", "31.12.2024")
    assert set(caught.value.message_dict) == {"partner", "end"}
    with pytest.raises(ValidationError) as caught:
        parse_params(story.reform, "999999", "", "2024-01-01")
    assert set(caught.value.message_dict) == {"partner", "start"}
    partner, start, end = parse_params(story.reform, "u.s. department of defense", START, END)
    assert (partner, start, end) == (story.us, START, END)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2024-12-31", "end": "2024-01-01"}, "end", "cannot end before it starts"),
        ({"partner": "999999"}, "partner", "Unknown partner"),
        ({"start": ""}, "start", "required"),
        ({"end": "tomorrow"}, "end", "Enter a valid date"),
    ],
)
def test_the_page_shows_the_form_with_field_errors(
    story: Any, params: dict[str, str], field: str, message: str
) -> None:
    client = Client()
    client.force_login(story.reform)
    before = audit_count()
    query = {"partner": str(story.us.pk), "start": "2024-01-01", "end": "2024-12-31", **params}
    for url in ("/cooperation/brief/", "/cooperation/brief.pdf"):
        response = client.get(url, query)
        assert response.status_code == 422
        assert response["Content-Type"].startswith("text/html")
        form = response.context["form"]
        assert list(form.errors) == [field]
        assert message in " ".join(form.errors[field])
    assert audit_count() == before


def test_the_page_without_parameters_is_the_form(story: Any) -> None:
    client = Client()
    client.force_login(story.reform)
    response = client.get("/cooperation/brief/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Download PDF" in page
    assert f'<option value="{story.us.pk}">' in page  # the programme's parties are offered
    assert f'<option value="{story.fr.pk}">' not in page


# --- HTML and PDF ----------------------------------------------------------------------------
def test_the_html_brief_shows_ratings_trends_charts_and_overdue_actions(story: Any) -> None:
    client = Client()
    client.force_login(story.reform)
    before = AuditEntry.objects.filter(action="cooperation.brief.produce").count()
    response = client.get(
        "/cooperation/brief/", {"partner": story.us.pk, "start": START, "end": END}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(">RESTRICTED<") == 2  # marked at the top and the bottom
    assert '<span class="rating on_track">On track</span>' in page
    assert "↑ improving" in page
    assert "↓ worsening" in page
    assert "Annual consultation 2024: Support defense sector reform is off track." in page
    assert page.count("<svg") == 3  # the typed indicator (the computed has no figure), two strips
    overdue = page[page.index('id="overdue-actions"') : page.index('id="open-actions"')]
    assert "Draft the defence-sector reform roadmap" in overdue
    assert "121 days" in overdue
    assert "Plan the joint exercise" not in overdue
    assert "Exchange liaison officers" not in page
    assert "Training is not reported in this brief" in page
    assert "Certify brigades against NATO standards" in page
    assert "Digitise the French catalogue" not in page
    assert "Recommendation drafted after the period" not in page
    entries = AuditEntry.objects.filter(action="cooperation.brief.produce").order_by("pk")
    assert entries.count() == before + 1
    entry = entries.last()
    assert entry is not None
    assert entry.actor == "reform"
    assert entry.classification == Level.RESTRICTED
    assert entry.after["format"] == "html"
    assert entry.after["programmes"] == [story.programme.reference]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_renders_ukrainian_and_marks_every_page(story: Any) -> None:
    programme_svc.update_objective(
        actor=SystemActor(), objective=story.objective, title_uk=TITLE_UK
    )
    with translation.override("uk"):
        brief = build_brief(story.reform, story.us, START, END)
        data = render_pdf(brief)
        marking = brief.marking
        title = brief.title  # in the language the PDF was rendered in
    assert marking
    assert marking != "RESTRICTED"
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert TITLE_UK in text
    assert "Improve Ukraine's defenses" in text  # no Ukrainian title: the English one
    assert "Support defense sector reform" in text
    assert "Draft the defence-sector reform roadmap" in text
    assert len(pages) > 1
    for number, page in enumerate(pages, 1):
        assert marking in page, number
        assert f"{number}" in page
    assert reader.metadata is not None
    assert reader.metadata.title == title


def test_the_pdf_download(story: Any) -> None:
    client = Client()
    client.force_login(story.reform)
    response = client.get(
        "/cooperation/brief.pdf", {"partner": story.us.pk, "start": START, "end": END}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(response.content)
    assert "RESTRICTED" in text
    assert "Share of brigades certified" in text
    entry = AuditEntry.objects.filter(action="cooperation.brief.produce").last()
    assert entry is not None
    assert entry.after["format"] == "pdf"


# --- API -------------------------------------------------------------------------------------
def test_the_api_answers_json_and_pdf(story: Any, bearer: Any) -> None:
    client = Client(**bearer(story.reform))
    query = {"partner": story.us.pk, "start": "2024-01-01", "end": "2024-12-31"}
    response = client.get("/api/v1/cooperation/brief", query)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["classification"] == "RESTRICTED"
    assert data["empty"] is False
    lines = data["programmes"][0]["lines"]
    assert [(line["rating"]["rating"], line["rating"]["trend"]) for line in lines] == [
        ("on_track", "improving"),
        ("off_track", "worsening"),
    ]
    indicator = lines[0]["objectives"][0]["indicators"][0]
    assert indicator["latest"] == {"as_of": "2024-12-31", "value": "45.000"}
    assert data["actions"]["overdue"] == [story.overdue.pk, data["actions"]["overdue"][1]]
    assert data["activities"]["training_feed"] is False
    assert data["recommendations"]["counts"]["adopted"] == 1

    response = client.get("/api/v1/cooperation/brief.pdf", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_api_refuses_bad_parameters_and_leaks_nothing(story: Any, bearer: Any) -> None:
    client = Client(**bearer(story.reform))
    before = audit_count()
    response = client.get(
        "/api/v1/cooperation/brief",
        {"partner": story.us.pk, "start": "2024-12-31", "end": "2024-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end"
    response = client.get(
        "/api/v1/cooperation/brief.pdf",
        {"partner": "nobody", "start": "2024-01-01", "end": "2024-12-31"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "partner"
    response = client.get("/api/v1/cooperation/brief", {"partner": story.us.pk})
    assert response.status_code == 422
    assert audit_count() == before

    outsider = Client(**bearer(story.fr_liaison))
    response = outsider.get(
        "/api/v1/cooperation/brief",
        {"partner": story.us.pk, "start": "2024-01-01", "end": "2024-12-31"},
    )
    assert response.status_code == 200
    assert response.json()["empty"] is True
    assert "Partner Concept" not in response.content.decode()


# --- the command -----------------------------------------------------------------------------
def test_the_command_writes_the_brief(story: Any, tmp_path: Any) -> None:
    target = tmp_path / "brief.pdf"
    err = io.StringIO()
    call_command(
        "cooperation",
        "brief",
        "--partner",
        str(story.us.pk),
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "-o",
        str(target),
        stderr=err,
    )
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert "Share of brigades certified" in _pdf_text(data)
    assert "[RESTRICTED]" in err.getvalue()
    assert "3 open action(s) (2 overdue)" in err.getvalue()
    entry = AuditEntry.objects.filter(action="cooperation.brief.produce").last()
    assert entry is not None
    assert entry.actor == "system"
    assert entry.after["format"] == "pdf"

    html = tmp_path / "brief.html"
    call_command(
        "cooperation", "brief", "--partner", "U.S. Department of Defense", "--from", "2024-01-01",
        "--to", "2024-12-31", "--as", "frliaison", "-o", str(html), stderr=io.StringIO(),
    )  # fmt: skip
    page = html.read_text(encoding="utf-8")
    assert "You may see nothing of the cooperation" in page
    assert "Partner Concept" not in page


def test_the_command_refuses_bad_input(story: Any, tmp_path: Any) -> None:
    target = tmp_path / "brief.pdf"
    before = audit_count()
    with pytest.raises(CommandError, match="--to: The period cannot end before it starts"):
        call_command(
            "cooperation", "brief", "--partner", str(story.us.pk), "--from", "2024-12-31",
            "--to", "2024-01-01", "-o", str(target),
        )  # fmt: skip
    with pytest.raises(CommandError, match="--partner: Unknown partner"):
        call_command(
            "cooperation", "brief", "--partner", "Atlantis", "--from", "2024-01-01",
            "--to", "2024-12-31", "-o", str(target),
        )  # fmt: skip
    with pytest.raises(CommandError, match="No active user"):
        call_command(
            "cooperation", "brief", "--partner", str(story.us.pk), "--from", "2024-01-01",
            "--to", "2024-12-31", "--as", "ghost", "-o", str(target),
        )  # fmt: skip
    assert not target.exists()
    assert audit_count() == before


def test_compute_computes_every_metric_backed_indicator(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    call_command("cooperation", "compute", "--as-of", "2024-12-31", stdout=out)
    assert "1 computed indicator(s) as of 2024-12-31: 0 computed, 1 with nothing" in out.getvalue()

    monkeypatch.setitem(
        metrics._metrics,
        "test.fixed",
        metrics.Metric(
            key="test.fixed",
            label="A fixed share",
            unit="percent",
            description="Always 42.",
            compute=lambda *, as_of: Decimal(42),
        ),
    )
    programme_svc.update_indicator(
        actor=SystemActor(), indicator=world.computed, metric="test.fixed", metric_params={}
    )
    out = io.StringIO()
    call_command("cooperation", "compute", "--as-of", "2024-12-31", stdout=out)
    assert "1 computed, 0 with nothing to measure yet, 0 failed" in out.getvalue()
    value = IndicatorValue.objects.get(indicator=world.computed, as_of=dt.date(2024, 12, 31))
    assert value.value == Decimal(42)
    assert value.computed
    brief = build_brief(world.reform, world.us, START, END)
    shown = next(i for i in brief.lines[0].objectives[0].indicators if i.pk == world.computed.pk)
    assert shown.computed
    assert shown.latest is not None
    assert shown.latest.value == Decimal(42)


def test_period_longer_than_allowed_is_refused(world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        briefs.check_period(dt.date(2000, 1, 1), dt.date(2024, 1, 1))
    assert set(caught.value.message_dict) == {"end"}
