"""Clearance and need-to-know decide what each user sees (visible_to and can_see agree)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from spilno.accounts.models import User
from spilno.core.models import Agreement, Organisation
from spilno.kernel.access import Role, can, can_see
from spilno.kernel.classification import Level

pytestmark = pytest.mark.django_db


@dataclass
class World:
    ua: Organisation  # party to every agreement below
    fr: Organisation  # party to every agreement below
    outsider: Organisation  # party to none
    public: Agreement
    internal: Agreement
    restricted: Agreement
    confidential: Agreement
    secret: Agreement

    def agreements(self) -> dict[Level, Agreement]:
        return {
            Level.PUBLIC: self.public,
            Level.INTERNAL: self.internal,
            Level.RESTRICTED: self.restricted,
            Level.CONFIDENTIAL: self.confidential,
            Level.SECRET: self.secret,
        }


@pytest.fixture
def world(make_org: Callable[..., Organisation], make_agreement: Callable[..., Agreement]) -> World:
    ua = make_org("Ukrainian Ministry")
    fr = make_org("French Directorate", country="FR")
    outsider = make_org("Norwegian Ministry", country="NO")
    made = {level: make_agreement(ua, fr, classification=level) for level in Level}
    return World(
        ua,
        fr,
        outsider,
        made[Level.PUBLIC],
        made[Level.INTERNAL],
        made[Level.RESTRICTED],
        made[Level.CONFIDENTIAL],
        made[Level.SECRET],
    )


def visible(user: object) -> set[Level]:
    return {Level(a.classification) for a in Agreement.objects.visible_to(user)}


def test_anonymous_sees_only_public(world: World) -> None:
    assert visible(AnonymousUser()) == {Level.PUBLIC}
    assert visible(None) == {Level.PUBLIC}


def test_a_user_without_memberships_sees_only_public(
    world: World, make_user: Callable[..., User]
) -> None:
    assert visible(make_user(clearance=Level.SECRET)) == {Level.PUBLIC}


@pytest.mark.parametrize("role", list(Role))
def test_internal_is_visible_to_any_member_even_outside_the_parties(
    world: World, make_user: Callable[..., User], role: Role
) -> None:
    user = make_user((world.outsider, role), clearance=Level.INTERNAL)
    assert Level.INTERNAL in visible(user)


@pytest.mark.parametrize(
    ("clearance", "expected"),
    [
        (Level.PUBLIC, {Level.PUBLIC}),
        (Level.INTERNAL, {Level.PUBLIC, Level.INTERNAL}),
        (Level.RESTRICTED, {Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED}),
        (Level.CONFIDENTIAL, {Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED, Level.CONFIDENTIAL}),
        (Level.SECRET, set(Level)),
    ],
)
def test_a_party_member_sees_up_to_their_clearance(
    world: World, make_user: Callable[..., User], clearance: Level, expected: set[Level]
) -> None:
    user = make_user((world.fr, Role.PARTNER_LIAISON), clearance=clearance)
    assert visible(user) == expected


@pytest.mark.parametrize("clearance", list(Level))
def test_outside_the_parties_nothing_from_restricted_up(
    world: World, make_user: Callable[..., User], clearance: Level
) -> None:
    user = make_user((world.outsider, Role.PARTNER_LIAISON), clearance=clearance)
    assert visible(user) == {level for level in Level if level <= min(clearance, Level.INTERNAL)}


@pytest.mark.parametrize("clearance", list(Level))
def test_auditors_see_everything_up_to_their_clearance_without_need_to_know(
    world: World, make_user: Callable[..., User], clearance: Level
) -> None:
    auditor = make_user((world.outsider, Role.AUDITOR), clearance=clearance)
    assert visible(auditor) == {level for level in Level if level <= clearance}


def test_need_to_know_is_not_waived_for_administrators(
    world: World, make_user: Callable[..., User]
) -> None:
    admin = make_user((world.outsider, Role.ADMINISTRATOR), clearance=Level.SECRET)
    assert visible(admin) == {Level.PUBLIC, Level.INTERNAL}


def test_an_expired_clearance_sees_only_public(
    world: World, make_user: Callable[..., User]
) -> None:
    expired = timezone.localdate() - dt.timedelta(days=1)
    for role in (Role.PARTNER_LIAISON, Role.AUDITOR):
        user = make_user((world.ua, role), clearance=Level.SECRET, clearance_valid_until=expired)
        assert user.effective_clearance == Level.PUBLIC
        assert visible(user) == {Level.PUBLIC}


def test_a_clearance_is_valid_through_its_last_day(
    world: World, make_user: Callable[..., User]
) -> None:
    today = timezone.localdate()
    user = make_user(
        (world.ua, Role.PARTNER_LIAISON), clearance=Level.SECRET, clearance_valid_until=today
    )
    assert user.effective_clearance == Level.SECRET
    assert visible(user) == set(Level)


def test_an_inactive_user_sees_only_public(world: World, make_user: Callable[..., User]) -> None:
    user = make_user((world.ua, Role.AUDITOR), clearance=Level.SECRET, is_active=False)
    assert visible(user) == {Level.PUBLIC}


def test_membership_of_both_parties_lists_each_agreement_once(
    world: World, make_user: Callable[..., User]
) -> None:
    user = make_user(
        (world.ua, Role.PARTNER_LIAISON), (world.fr, Role.PARTNER_LIAISON), clearance=Level.SECRET
    )
    qs = Agreement.objects.visible_to(user)
    assert qs.count() == len(list(qs)) == len(Level)


def test_organisations_from_restricted_up_are_visible_to_their_own_members(
    make_org: Callable[..., Organisation], make_user: Callable[..., User]
) -> None:
    secretive = make_org("Secretive Agency", classification=Level.RESTRICTED)
    internal = make_org("Internal Agency", classification=Level.INTERNAL)
    other = make_org("Other Agency")
    member = make_user((secretive, Role.PROCUREMENT_OFFICER), clearance=Level.RESTRICTED)
    stranger = make_user((other, Role.PROCUREMENT_OFFICER), clearance=Level.SECRET)

    assert set(Organisation.objects.visible_to(member)) >= {secretive, internal, other}
    assert secretive not in Organisation.objects.visible_to(stranger)
    assert internal in Organisation.objects.visible_to(stranger)
    assert set(Organisation.objects.visible_to(AnonymousUser())) == {
        o for o in Organisation.objects.all() if o.classification == Level.PUBLIC
    }


@pytest.mark.parametrize("role", [Role.PARTNER_LIAISON, Role.AUDITOR, Role.SUPPLIER_REPRESENTATIVE])
@pytest.mark.parametrize("clearance", list(Level))
@pytest.mark.parametrize("home", ["ua", "outsider"])
def test_can_see_agrees_with_visible_to(
    world: World, make_user: Callable[..., User], role: Role, clearance: Level, home: str
) -> None:
    user = make_user((getattr(world, home), role), clearance=clearance)
    listed = set(Agreement.objects.visible_to(user))
    for agreement in world.agreements().values():
        assert can_see(user, agreement) is (agreement in listed)


def test_changing_a_record_requires_seeing_it(world: World, make_user: Callable[..., User]) -> None:
    inside = make_user((world.ua, Role.PARTNER_LIAISON), clearance=Level.SECRET)
    outside = make_user((world.outsider, Role.PARTNER_LIAISON), clearance=Level.SECRET)
    assert can(inside, "core.agreement.change", world.secret)
    assert not can(outside, "core.agreement.change", world.secret)
    assert can(outside, "core.agreement.change", world.internal)
