"""The demo's cooperation story, as the seeds tell it: the Partner Concept's four lines of effort
and their reviews, the meeting of 23 December 2020 and the draft framework agreement, the
Strategic Defence Procurement Review, the National Security Strategy and its 15 documents.

The demo world is built once for the module inside a transaction rolled back at the end (it
takes seconds); each test runs in a savepoint of it, so nothing one test writes leaks to another.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from spilno.accounts.models import User
from spilno.accounts.services.users import create_user
from spilno.audit.models import AuditEntry
from spilno.cooperation import selectors
from spilno.cooperation.models import (
    IndicatorValue,
    OrganisationRole,
    ProgressReview,
    Recommendation,
)
from spilno.cooperation.services import values as vals
from spilno.cooperation.states import ActionStatus, ReviewKind, ReviewStatus, ValueStatus
from spilno.core.models import Agreement, Organisation
from spilno.demo.cooperation import CooperationResult, build_cooperation
from spilno.demo.world import build_world
from spilno.kernel import clock
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level

pytestmark = pytest.mark.django_db

SEED_LINES = [
    "Improve Ukraine’s defenses by bolstering capability to maintain its territorial integrity "
    "and protect its population from hostile acts",
    "Support Ukrainian defense sector reform to modernize MoD organizations and systems, improve "
    "civilian control of the military, increase transparency and accountability in defense "
    "processes, and promote greater interoperability between U.S. and Ukrainian forces",
    "Improve Ukraine’s defense requirements and resource management processes to generate and "
    "support better manned, trained, and equipped forces",
    "Enhance defense technology cooperation between our two countries through improved "
    "technology security processes and seek ways to encourage industry-to-industry cooperation",
]
# The areas the meeting of 23 December 2020 listed for the framework agreement (seed 000).
FRAMEWORK_AREAS = {
    "defence-reform", "personnel-policy", "combat-capabilities", "provision-and-armament",
    "defence-industry-reform", "unit-training", "military-education", "defence-technology",
    "medical-rehabilitation", "social-protection", "international-formats",
}  # fmt: skip
SEED_AREAS = [
    "defence reform", "personnel policy", "development of combat capabilities of the Armed Forces",
    "comprehensive provision and armament of troops", "reform of the defence industry",
    "training of military units", "military education",
    "science and development of defence technologies",
    "treatment and rehabilitation of wounded servicemen",
    "social protection of veterans, servicemen and members of their families",
    "mutual participation in international formats of cooperation",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[CooperationResult]:
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        build_world()
        yield build_cooperation()
        transaction.set_rollback(True)


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_the_partner_concept_has_the_four_lines_of_effort_as_the_seed_words_them(
    demo: CooperationResult,
) -> None:
    programme = demo.programme
    assert demo.created
    assert programme.agreement.reference == "Partner Concept"
    assert programme.classification == Level.RESTRICTED
    lines = list(programme.lines.order_by("number"))
    assert [line.title_en for line in lines] == SEED_LINES
    for line in lines:
        assert line.title_uk
        assert line.areas.exists(), line.code
        objectives = list(line.objectives.all())
        assert 2 <= len(objectives) <= 3, line.code
        for objective in objectives:
            assert objective.title_uk
            assert objective.indicators.exists(), objective.code
    typed = IndicatorValue.objects.filter(
        indicator__objective__line__programme=programme, computed=False
    )
    assert {v.as_of.year for v in typed} == set(range(2018, 2026))
    assert all(v.source and v.evidence for v in typed)
    assert {v.as_of.month for v in typed} == {6, 12}  # once or twice a year


def test_figures_are_approved_by_someone_else_and_reviewed_periods_are_locked(
    demo: CooperationResult,
) -> None:
    programme = demo.programme
    reform, liaison = user("reformer"), user("liaison")
    typed = IndicatorValue.objects.filter(
        indicator__objective__line__programme=programme, computed=False
    )
    approved = typed.filter(status=ValueStatus.APPROVED)
    assert approved.count() >= 60
    assert not approved.filter(reviewed_by__isnull=True).exists()
    assert all(v.entered_by_id != v.reviewed_by_id for v in approved)
    # One waits for the reform office, one went back to the liaison with the reason.
    waiting = list(selectors.values_waiting(reform))
    assert len(waiting) == 1
    assert waiting[0].entered_by == liaison
    returned = typed.get(status=ValueStatus.RETURNED)
    assert "call-off" in returned.review_note
    # A reviewed figure corrected by a revision, not in place.
    superseded = typed.get(status=ValueStatus.SUPERSEDED)
    assert superseded.superseded_by.status == ValueStatus.APPROVED
    assert superseded.superseded_by.revision_reason
    # The last review locked 2024; nothing in a locked period can be typed in again.
    assert programme.locked_until == dt.date(2024, 12, 31)
    assert AuditEntry.objects.filter(action="cooperation.period.lock").count() == 5
    indicator = approved.filter(as_of=dt.date(2024, 12, 31)).latest("pk").indicator
    before = indicator.values.count()
    with pytest.raises(ValidationError) as refused:
        vals.enter_value(
            actor=liaison,
            indicator=indicator,
            as_of=dt.date(2024, 3, 31),
            value=indicator.baseline,
            unit=indicator.unit,
            source="Late report",
        )
    assert "locked" in refused.value.message_dict["as_of"][0]
    assert indicator.values.count() == before


def test_computed_indicators_have_figures(demo: CooperationResult) -> None:
    computed = {
        i.metric: i
        for i in selectors.indicators_for(user("reformer")).filter(
            objective__line__programme=demo.programme, metric__gt=""
        )
    }
    assert set(computed) == {"capabilities.delivered_share", "procurement.median_days_to_contract"}
    share = computed["capabilities.delivered_share"]
    assert share.metric_params == {"cpv": "35330000"}  # the demo's 155 mm shells fall under it
    for indicator in computed.values():
        points = selectors.series(indicator)
        assert len(points) >= 2, indicator.metric
        assert indicator.values.filter(computed=True).count() == len(points)
    assert selectors.series(share)[-1].value > Decimal(0)


def test_two_consultations_and_interim_reviews_with_ratings_actions_and_follow_ups(
    demo: CooperationResult,
) -> None:
    reform = user("reformer")
    held = ProgressReview.objects.filter(programme=demo.programme, status=ReviewStatus.HELD)
    annual = held.filter(kind=ReviewKind.ANNUAL_CONSULTATION)
    interim = held.filter(kind=ReviewKind.INTERIM_REVIEW)
    assert annual.count() >= 2
    assert interim.count() >= 2
    for review in held:
        assert dt.date(2018, 1, 1) <= review.held_on <= dt.date(2025, 12, 31)
        assert review.participants.exists()
        assert review.ratings.filter(objective__isnull=True).count() == 4
        assert all(r.narrative for r in review.ratings.all())
        assert review.decisions.exists()
    trends = {
        point.trend
        for line in demo.programme.lines.all()
        for point in selectors.rating_history(line)
    }
    assert {"improving", "worsening", "steady"} <= trends
    actions = selectors.actions_for(reform)
    statuses = set(actions.values_list("status", flat=True))
    assert {ActionStatus.DONE, ActionStatus.OPEN, ActionStatus.IN_PROGRESS} <= statuses
    assert selectors.actions_for(reform, overdue=True).exists()
    assert actions.filter(status=ActionStatus.OPEN, due_on__gte=clock.today()).exists()
    # Follow-ups are said at a later review.
    followed = [a for a in actions if a.follow_ups.exists()]
    assert len(followed) >= 8
    assert all(f.review.held_on > a.review.held_on for a in followed for f in a.follow_ups.all())
    # The next consultations are planned.
    assert ProgressReview.objects.filter(
        programme=demo.programme, status=ReviewStatus.PLANNED, held_on__gt=clock.today()
    ).exists()


def test_the_meeting_of_23_december_2020_and_the_framework_agreement_it_proposed(
    demo: CooperationResult,
) -> None:
    meeting = ProgressReview.objects.get(programme=demo.programme, held_on=dt.date(2020, 12, 23))
    assert meeting.kind == ReviewKind.WORKING_MEETING
    assert meeting.status == ReviewStatus.HELD
    people = {(p.person, p.position, p.organisation.name_en) for p in meeting.participants.all()}
    assert people == {
        (
            "Roman Mashovets",
            "Deputy Head of the Office of the President of Ukraine",
            "Office of the President of Ukraine",
        ),
        (
            "Kristina Kvien",
            "Chargé d'Affaires a.i. of the United States in Ukraine",
            "Embassy of the United States in Ukraine",
        ),
    }
    for result in (
        "Enhanced Opportunities Partner",
        "June 2020",
        "management system of the Armed Forces",
        "Intelligence Committee",
        "Ministry of Strategic Industries",
        "senior military ranks",
        '"Joint Efforts - 2020"',
    ):
        assert result in meeting.summary, result
    framework = Agreement.objects.get(kind="bilateral_framework")
    assert framework.status == "draft"
    assert {p.organisation.short_name for p in framework.agreement_parties.all()} == {
        "MoD UA",
        "DoD",
    }
    assert set(framework.areas.values_list("slug", flat=True)) >= FRAMEWORK_AREAS
    decision = meeting.decisions.get(text__startswith="Start drafting a bilateral framework")
    assert framework.title_en in decision.text
    for area in SEED_AREAS:
        assert area in decision.text, area
    action = meeting.action_items.get(text__contains="framework agreement")
    assert framework.title_en in action.text
    assert action.status == ActionStatus.DONE  # followed up at the next review


def test_the_strategic_defence_procurement_review(demo: CooperationResult) -> None:
    review = demo.review
    roles = {(ro.role, ro.organisation.short_name) for ro in review.review_organisations.all()}
    assert roles == {
        (OrganisationRole.LEAD, "MoD NO"),
        (OrganisationRole.REQUESTER, "MoD UA"),
        (OrganisationRole.EXPERT, "NATO"),
        (OrganisationRole.EXPERT, "NSPA"),
    }
    assert Organisation.objects.get(short_name="MoD NO").country == "NO"
    assert review.agreement is not None
    assert review.agreement.reference == "CAP"
    first = review.phases.get(number=1)
    # Spring 2024, in Luxembourg (seeds 001, 004: "this week").
    assert dt.date(2024, 3, 1) <= first.starts_on <= dt.date(2024, 5, 31)
    assert "Luxembourg" in first.description
    groups = list(review.working_groups.all())
    assert len(groups) >= 2
    assert all(g.members.exists() for g in groups)
    recommendations = list(review.recommendations.all())
    assert 5 <= len(recommendations) <= 8
    for rec in recommendations:
        assert rec.title_uk
        assert rec.working_group is not None
        assert rec.areas.exists()
        assert rec.adopted_on is not None
        assert dt.date(2024, 7, 9) <= rec.adopted_on <= dt.date(2024, 7, 11)
        assert "Washington Summit" in rec.adopted_at
    statuses = {r.status for r in recommendations}
    assert {"adopted", "in_implementation", "implemented", "verified"} <= statuses
    for rec in review.recommendations.filter(status__in=["implemented", "verified"]):
        assert rec.steps.get(status="implemented").evidence
    verified = review.recommendations.get(status="verified")
    step = verified.steps.get(status="verified")
    assert step.evidence
    assert step.note
    assert step.actor_id != verified.steps.get(status="implemented").actor_id
    linked = Recommendation.objects.filter(review=review, objectives__isnull=False).distinct()
    assert linked.count() >= 4
    assert all(o.line.programme_id == demo.programme.pk for r in linked for o in r.objectives.all())


def test_the_national_security_strategy_and_its_15_documents(demo: CooperationResult) -> None:
    strategy = demo.strategy
    assert "No. 392" in strategy.approving_act
    assert strategy.approved_on == dt.date(2020, 9, 14)
    assert strategy.owner.short_name == "NSDC"
    assert strategy.classification == Level.PUBLIC
    # Public: an anonymous visitor reads it.
    assert selectors.strategies_for(AnonymousUser()).filter(pk=strategy.pk).exists()
    documents = list(strategy.documents.all())
    assert len(documents) == 15
    assert len({d.area_en for d in documents}) == 13
    assert all(d.title_uk and d.area_uk and d.responsible_id for d in documents)
    approved = [d for d in documents if d.status == "approved"]
    assert len(approved) >= 5
    assert all(d.approval_act and d.approved_on for d in approved)
    assert all(d.approved_on >= strategy.approved_on for d in approved)  # type: ignore[operator]
    assert {d.status for d in documents} >= {"approved", "submitted", "drafting"}
    assert [d.title_en for d in documents if selectors.overdue(d)] == ["Food Security Strategy"]


def test_a_french_liaison_sees_nothing_of_the_restricted_us_programme(
    demo: CooperationResult,
) -> None:
    french = create_user(
        actor=SystemActor(),
        username="frliaison",
        password="x-Spilno-demo-42",
        clearance=Level.SECRET,
        memberships=[(Organisation.objects.get(short_name="MinArm"), Role.PARTNER_LIAISON)],
    )
    assert not selectors.programmes_for(french).exists()
    assert not selectors.progress_reviews_for(french).exists()
    assert not selectors.indicators_for(french).exists()
    assert not selectors.actions_for(french).exists()
    assert not selectors.values_waiting(french).exists()
    # The review and its recommendations are visible, but not the objectives they serve.
    assert selectors.reviews_for(french).filter(pk=demo.review.pk).exists()
    for rec in selectors.recommendations_for(french):
        assert selectors.visible_objectives(french, rec) == []
    # The U.S. liaison, a party, sees it all.
    us = user("liaison")
    assert selectors.programmes_for(us).filter(pk=demo.programme.pk).exists()
    assert selectors.progress_reviews_for(us).count() == demo.programme.reviews.count()


def cooperation_size() -> tuple[int, ...]:
    return (
        AuditEntry.objects.filter(action__startswith="cooperation.").count(),
        AuditEntry.objects.filter(action__startswith="core.").count(),
        Organisation.objects.count(),
        Agreement.objects.count(),
        IndicatorValue.objects.count(),
        ProgressReview.objects.count(),
        Recommendation.objects.count(),
    )


def test_building_again_changes_nothing(
    demo: CooperationResult, settings: Any, tmp_path: Any
) -> None:
    size = cooperation_size()
    again = build_cooperation()
    assert not again.created
    assert again.programme == demo.programme
    assert (again.review, again.strategy) == (demo.review, demo.strategy)
    assert cooperation_size() == size
    # ``spilno demo`` again: the world and the cooperation are reported present, the logins
    # (the reform office among them) printed.
    settings.SPILNO_BULK_DIR = tmp_path / "bulk"
    out = io.StringIO()
    call_command("demo", no_migrate=True, stdout=out)
    assert "Demo world already present." in out.getvalue()
    assert "Cooperation already present." in out.getvalue()
    assert "reformer     Reform office" in out.getvalue()
    assert cooperation_size() == size
