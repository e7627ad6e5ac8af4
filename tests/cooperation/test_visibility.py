"""Need-to-know: a partner sees only its own programmes, and everything under them; reviews and
strategies follow their own participants and classification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ObjectDoesNotExist, ValidationError

from spilno.cooperation import selectors
from spilno.cooperation.services import programmes, recommendations, strategies
from spilno.kernel.access import AccessDenied, SystemActor
from spilno.kernel.classification import Level


def test_an_outsider_cannot_reach_anything_under_the_programme(world):
    fr = world.fr_liaison
    for getter, pk in (
        (selectors.programme_for, world.programme.pk),
        (selectors.line_for, world.line1.pk),
        (selectors.objective_for, world.objective.pk),
        (selectors.indicator_for, world.indicator.pk),
    ):
        with pytest.raises(ObjectDoesNotExist):
            getter(fr, pk)
        assert getter(world.us_liaison, pk).pk == pk


def test_clearance_below_the_programme_hides_it(world, make_user):
    from spilno.kernel.access import Role

    low = make_user((world.ua, Role.REFORM_OFFICE), clearance=Level.INTERNAL)
    assert not selectors.programmes_for(low).exists()
    assert not selectors.programmes_for(None).exists()


def test_an_outsider_cannot_write_into_the_programme(world):
    with pytest.raises(AccessDenied):
        programmes.add_line(actor=world.fr_liaison, programme=world.programme, title_en="Mine")
    assert world.programme.lines.count() == 2


def test_a_programme_is_never_less_classified_than_its_agreement(world):
    with pytest.raises(ValidationError) as exc:
        programmes.update_programme(
            actor=SystemActor(), programme=world.programme, classification=Level.INTERNAL
        )
    assert "classification" in exc.value.message_dict


def test_review_visibility_follows_its_organisations(world, make_org):
    norway = make_org("Norwegian Ministry of Defence", country="NO")
    review = recommendations.create_review(
        actor=SystemActor(), title_en="SDPR", started_on=dt.date(2024, 4, 1), lead=[norway],
        requested_by=[world.ua], classification=Level.RESTRICTED,
    )  # fmt: skip
    assert selectors.reviews_for(world.reform).filter(pk=review.pk).exists()
    assert not selectors.reviews_for(world.us_liaison).filter(pk=review.pk).exists()
    assert selectors.reviews_for(world.auditor).filter(pk=review.pk).exists()


def test_a_recommendation_may_serve_only_objectives_its_author_sees(world, make_org, make_user):
    from spilno.kernel.access import Role

    norway = make_org("Norwegian MoD", country="NO")
    officer = make_user((norway, Role.REFORM_OFFICE), clearance=Level.SECRET)
    review = recommendations.create_review(
        actor=officer, title_en="SDPR", started_on=dt.date(2024, 4, 1), lead=[norway],
        requested_by=[world.ua],
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        recommendations.add_recommendation(
            actor=officer, review=review, title_en="x", text="y", objectives=[world.objective],
            drafted_on=dt.date(2024, 5, 1),
        )  # fmt: skip
    assert "objectives" in exc.value.message_dict
    assert not review.recommendations.exists()


def test_strategy_documents_move_forwards_and_approval_names_its_act(world, make_org):
    office = make_org("Office of the President of Ukraine")
    nss = strategies.create_strategy(
        actor=SystemActor(), owner=office, title_en="National Security Strategy of Ukraine",
        approving_act="Presidential Decree No. 392/2020", approved_on=dt.date(2020, 9, 14),
    )  # fmt: skip
    doc = strategies.add_document(
        actor=SystemActor(), strategy=nss, title_en="Military Security Strategy",
        area_en="Military security", responsible=world.ua, draft_due=dt.date(2021, 3, 1),
    )  # fmt: skip
    assert selectors.overdue(doc, dt.date(2021, 3, 2))
    with pytest.raises(ValidationError):
        strategies.move_document(actor=SystemActor(), document=doc, status="approved")
    strategies.move_document(actor=SystemActor(), document=doc, status="drafting")
    strategies.move_document(actor=SystemActor(), document=doc, status="submitted")
    with pytest.raises(ValidationError) as exc:
        strategies.move_document(actor=SystemActor(), document=doc, status="approved")
    assert {"approval_act", "approved_on"} <= set(exc.value.message_dict)
    doc = strategies.move_document(
        actor=SystemActor(), document=doc, status="approved",
        approval_act="Presidential Decree No. 121/2021", approved_on=dt.date(2021, 3, 25),
    )  # fmt: skip
    assert not selectors.overdue(doc, dt.date(2030, 1, 1))
    assert selectors.strategies_for(None).filter(pk=nss.pk).exists()  # PUBLIC: anyone


def test_the_responsible_body_moves_its_document_but_not_others(world, make_org, make_user):

    office = make_org("National Security and Defense Council of Ukraine")
    nss = strategies.create_strategy(
        actor=SystemActor(), owner=office, title_en="National Security Strategy",
        approving_act="Decree No. 392/2020", approved_on=dt.date(2020, 9, 14),
    )  # fmt: skip
    mine = strategies.add_document(
        actor=SystemActor(), strategy=nss, title_en="Military Security Strategy",
        area_en="Military security", responsible=world.ua,
    )  # fmt: skip
    theirs = strategies.add_document(
        actor=SystemActor(), strategy=nss, title_en="Energy Security Strategy",
        area_en="Energy security", responsible=make_org("Ministry of Energy"),
    )  # fmt: skip
    strategies.move_document(actor=world.reform, document=mine, status="drafting")
    with pytest.raises(AccessDenied):
        strategies.move_document(actor=world.reform, document=theirs, status="drafting")
    with pytest.raises(AccessDenied):  # only the owner re-assigns responsibility
        strategies.update_document(actor=world.reform, document=mine, responsible=world.us)
    theirs.refresh_from_db()
    assert theirs.status == "planned"
