"""Roles decide actions: can() for every role and action, and the services enforcing it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from spilno.accounts.models import User
from spilno.accounts.selectors import users_for
from spilno.accounts.services.users import create_user, update_user
from spilno.audit.services.checkpoint import create_checkpoint
from spilno.audit.services.verification import run_verification
from spilno.core.models import Agreement, Organisation
from spilno.core.services.agreements import create_agreement, update_agreement
from spilno.core.services.organisations import create_organisation, update_organisation
from spilno.kernel.access import ACTIONS, AccessDenied, Role, SystemActor, can, require
from spilno.kernel.classification import Level
from tests.helpers import PASSWORD, audit_count

ROLES = list(Role)


def test_every_role_may_view_and_manage_its_own_tokens() -> None:
    for action in ("core.organisation.view", "core.agreement.view", "accounts.token.manage_own"):
        assert ACTIONS[action] == frozenset(Role)


def test_only_administrators_manage_users() -> None:
    assert ACTIONS["accounts.user.manage"] == {Role.ADMINISTRATOR}


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_can_matches_the_action_table(
    user_with_role: Callable[..., User], role: Role, action: str
) -> None:
    user = user_with_role(role)
    assert user.role_set() == {role}
    assert can(user, action) is (role in ACTIONS[action])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_an_inactive_user_may_do_nothing(user_with_role: Callable[..., User], role: Role) -> None:
    user = user_with_role(role, is_active=False)
    assert not any(can(user, action) for action in ACTIONS)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_anonymous_may_do_nothing_and_the_console_everything(action: str) -> None:
    assert can(AnonymousUser(), action) is False
    assert can(None, action) is False
    assert can(SystemActor(), action) is True


def test_an_undeclared_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="Unknown action"):
        can(SystemActor(), "core.organisation.delete")


def test_require_raises_access_denied_naming_the_action() -> None:
    with pytest.raises(AccessDenied, match="accounts.user.manage"):
        require(AnonymousUser(), "accounts.user.manage")


# --- The services enforce the table ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_create_organisation_by_role(user_with_role: Callable[..., User], role: Role) -> None:
    actor = user_with_role(role)
    orgs, entries = Organisation.objects.count(), audit_count()
    allowed = role in ACTIONS["core.organisation.create"]
    if allowed:
        org = create_organisation(actor=actor, name_en="New Agency", country="UA", kind="agency")
        assert Organisation.objects.filter(pk=org.pk).exists()
        assert audit_count() == entries + 1
    else:
        with pytest.raises(AccessDenied):
            create_organisation(actor=actor, name_en="New Agency", country="UA", kind="agency")
        assert Organisation.objects.count() == orgs
        assert audit_count() == entries


@pytest.mark.django_db
def test_supplier_cannot_create_an_organisation_but_an_administrator_can(
    user_with_role: Callable[..., User],
) -> None:
    supplier = user_with_role(Role.SUPPLIER_REPRESENTATIVE)
    admin = user_with_role(Role.ADMINISTRATOR)
    orgs, entries = Organisation.objects.count(), audit_count()
    with pytest.raises(AccessDenied):
        create_organisation(actor=supplier, name_en="Shell Co", country="UA", kind="supplier")
    assert not Organisation.objects.filter(name_en="Shell Co").exists()
    assert (Organisation.objects.count(), audit_count()) == (orgs, entries)

    org = create_organisation(actor=admin, name_en="Shell Co", country="UA", kind="supplier")
    assert org.pk is not None
    assert (Organisation.objects.count(), audit_count()) == (orgs + 1, entries + 1)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_update_organisation_by_role(
    user_with_role: Callable[..., User], make_org: Callable[..., Organisation], role: Role
) -> None:
    actor = user_with_role(role)
    org = make_org("Renamed Agency")
    entries = audit_count()
    if role in ACTIONS["core.organisation.change"]:
        update_organisation(actor=actor, organisation=org, short_name="RA")
        assert Organisation.objects.get(pk=org.pk).short_name == "RA"
        assert audit_count() == entries + 1
    else:
        with pytest.raises(AccessDenied):
            update_organisation(actor=actor, organisation=org, short_name="RA")
        assert Organisation.objects.get(pk=org.pk).short_name == ""
        assert audit_count() == entries


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_create_and_change_agreement_by_role(
    user_with_role: Callable[..., User],
    make_org: Callable[..., Organisation],
    home_org: Organisation,
    role: Role,
) -> None:
    actor = user_with_role(role)
    partner = make_org("Partner Ministry", country="FR")
    parties = [(home_org, "signatory"), (partner, "signatory")]
    agreements, entries = Agreement.objects.count(), audit_count()
    if role in ACTIONS["core.agreement.create"]:
        agreement = create_agreement(actor=actor, parties=parties, title_en="MoU", kind="mou")
        update_agreement(actor=actor, agreement=agreement, summary="Changed")
        assert Agreement.objects.get(pk=agreement.pk).summary == "Changed"
        assert audit_count() == entries + 2
    else:
        with pytest.raises(AccessDenied):
            create_agreement(actor=actor, parties=parties, title_en="MoU", kind="mou")
        assert (Agreement.objects.count(), audit_count()) == (agreements, entries)
        existing = create_agreement(
            actor=SystemActor(), parties=parties, title_en="Existing", kind="mou"
        )
        entries = audit_count()
        with pytest.raises(AccessDenied):
            update_agreement(actor=actor, agreement=existing, summary="Changed")
        assert Agreement.objects.get(pk=existing.pk).summary == ""
        assert audit_count() == entries


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_create_users(
    user_with_role: Callable[..., User], home_org: Organisation, role: Role
) -> None:
    actor = user_with_role(role)
    users, entries = User.objects.count(), audit_count()
    if role == Role.ADMINISTRATOR:
        user = create_user(
            actor=actor,
            username="newcomer",
            password=PASSWORD,
            memberships=[(home_org, Role.APPROVER)],
        )
        assert user.check_password(PASSWORD)
        assert user.role_set() == {Role.APPROVER}
        assert (User.objects.count(), audit_count()) == (users + 1, entries + 1)
    else:
        with pytest.raises(AccessDenied):
            create_user(actor=actor, username="newcomer", password=PASSWORD)
        assert not User.objects.filter(username="newcomer").exists()
        assert (User.objects.count(), audit_count()) == (users, entries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_change_users(user_with_role: Callable[..., User], role: Role) -> None:
    actor = user_with_role(role)
    target = user_with_role(Role.APPROVER)
    entries = audit_count()
    if role == Role.ADMINISTRATOR:
        update_user(actor=actor, user=target, first_name="Renamed")
        assert User.objects.get(pk=target.pk).first_name == "Renamed"
        assert audit_count() == entries + 1
    else:
        with pytest.raises(AccessDenied):
            update_user(actor=actor, user=target, first_name="Renamed")
        assert User.objects.get(pk=target.pk).first_name == ""
        assert audit_count() == entries


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_user_list_for_administrators_and_auditors(
    user_with_role: Callable[..., User], role: Role
) -> None:
    actor = user_with_role(role)
    if role in {Role.ADMINISTRATOR, Role.AUDITOR}:
        assert actor in users_for(actor)
    else:
        with pytest.raises(AccessDenied):
            users_for(actor)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_audit_verification_and_checkpoints_by_role(
    user_with_role: Callable[..., User], role: Role
) -> None:
    actor = user_with_role(role)
    entries = audit_count()
    if role in {Role.ADMINISTRATOR, Role.AUDITOR}:
        assert run_verification(actor=actor).ok
        create_checkpoint(actor=actor)
        assert audit_count() == entries + 2
    else:
        with pytest.raises(AccessDenied):
            run_verification(actor=actor)
        with pytest.raises(AccessDenied):
            create_checkpoint(actor=actor)
        assert audit_count() == entries


# --- Clearance ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("granted", list(Level))
def test_clearance_cannot_be_granted_above_the_actors_own(
    user_with_role: Callable[..., User], granted: Level
) -> None:
    admin = user_with_role(Role.ADMINISTRATOR, clearance=Level.RESTRICTED)
    users, entries = User.objects.count(), audit_count()
    if granted <= Level.RESTRICTED:
        user = create_user(actor=admin, username="cleared", password=PASSWORD, clearance=granted)
        assert user.clearance == granted
    else:
        with pytest.raises(ValidationError) as exc:
            create_user(actor=admin, username="cleared", password=PASSWORD, clearance=granted)
        assert "clearance" in exc.value.message_dict
        assert (User.objects.count(), audit_count()) == (users, entries)


@pytest.mark.django_db
def test_clearance_cannot_be_raised_above_the_actors_own(
    user_with_role: Callable[..., User],
) -> None:
    admin = user_with_role(Role.ADMINISTRATOR, clearance=Level.CONFIDENTIAL)
    target = user_with_role(Role.APPROVER, clearance=Level.INTERNAL)
    entries = audit_count()
    with pytest.raises(ValidationError) as exc:
        update_user(actor=admin, user=target, clearance=Level.SECRET)
    assert "clearance" in exc.value.message_dict
    assert User.objects.get(pk=target.pk).clearance == Level.INTERNAL
    assert audit_count() == entries
    update_user(actor=admin, user=target, clearance=Level.CONFIDENTIAL)
    assert User.objects.get(pk=target.pk).clearance == Level.CONFIDENTIAL


@pytest.mark.django_db
def test_an_expired_clearance_grants_nothing_above_public(
    user_with_role: Callable[..., User],
) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=2)
    admin = user_with_role(Role.ADMINISTRATOR, clearance_valid_until=yesterday)
    assert admin.effective_clearance == Level.PUBLIC
    with pytest.raises(ValidationError):
        create_user(actor=admin, username="cleared", password=PASSWORD, clearance=Level.INTERNAL)


@pytest.mark.django_db
def test_unknown_clearance_level_is_refused(system: SystemActor) -> None:
    with pytest.raises(ValidationError) as exc:
        create_user(actor=system, username="x", password=PASSWORD, clearance=9)
    assert "clearance" in exc.value.message_dict


@pytest.mark.django_db
def test_agreements_cannot_be_classified_above_the_actors_clearance(
    user_with_role: Callable[..., User],
    make_org: Callable[..., Organisation],
    home_org: Organisation,
) -> None:
    liaison = user_with_role(Role.PARTNER_LIAISON, clearance=Level.RESTRICTED)
    parties = [(home_org, "signatory"), (make_org("Partner"), "signatory")]
    entries = audit_count()
    with pytest.raises(ValidationError) as exc:
        create_agreement(
            actor=liaison,
            parties=parties,
            title_en="Too secret",
            kind="mou",
            classification=Level.CONFIDENTIAL,
        )
    assert "classification" in exc.value.message_dict
    assert audit_count() == entries
    agreement = create_agreement(
        actor=liaison, parties=parties, title_en="Fine", kind="mou", classification=Level.RESTRICTED
    )
    with pytest.raises(ValidationError):
        update_agreement(actor=liaison, agreement=agreement, classification=Level.SECRET)
    assert Agreement.objects.get(pk=agreement.pk).classification == Level.RESTRICTED


@pytest.mark.django_db
def test_organisations_cannot_be_classified_above_the_actors_clearance(
    user_with_role: Callable[..., User],
) -> None:
    officer = user_with_role(Role.PROCUREMENT_OFFICER, clearance=Level.INTERNAL)
    entries = audit_count()
    with pytest.raises(ValidationError) as exc:
        create_organisation(
            actor=officer,
            name_en="Hidden Works",
            country="UA",
            kind="supplier",
            classification=Level.SECRET,
        )
    assert "classification" in exc.value.message_dict
    assert not Organisation.objects.filter(name_en="Hidden Works").exists()
    assert audit_count() == entries
    org = create_organisation(
        actor=officer, name_en="Open Works", country="UA", kind="supplier",
        classification=Level.INTERNAL,
    )  # fmt: skip
    entries = audit_count()
    with pytest.raises(ValidationError) as exc:
        update_organisation(actor=officer, organisation=org, classification=Level.RESTRICTED)
    assert "classification" in exc.value.message_dict
    assert Organisation.objects.get(pk=org.pk).classification == Level.INTERNAL
    assert audit_count() == entries


# --- Administrators cannot lock themselves out --------------------------------------------------


@pytest.mark.django_db
def test_an_administrator_cannot_deactivate_themselves(
    user_with_role: Callable[..., User],
) -> None:
    admin = user_with_role(Role.ADMINISTRATOR)
    entries = audit_count()
    with pytest.raises(ValidationError) as exc:
        update_user(actor=admin, user=admin, is_active=False)
    assert "is_active" in exc.value.message_dict
    assert User.objects.get(pk=admin.pk).is_active
    assert audit_count() == entries


@pytest.mark.django_db
def test_an_administrator_cannot_drop_their_own_administrator_role(
    user_with_role: Callable[..., User], home_org: Organisation
) -> None:
    admin = user_with_role(Role.ADMINISTRATOR)
    entries = audit_count()
    with pytest.raises(ValidationError) as exc:
        update_user(actor=admin, user=admin, memberships=[(home_org, Role.AUDITOR)])
    assert "memberships" in exc.value.message_dict
    assert set(admin.memberships.values_list("role", flat=True)) == {Role.ADMINISTRATOR}
    assert audit_count() == entries


@pytest.mark.django_db
def test_the_console_can_change_what_it_created(
    make_org: Callable[..., Organisation], make_agreement: Callable[..., Agreement]
) -> None:
    restricted = make_agreement(
        make_org("Console A"), make_org("Console B"), classification=Level.RESTRICTED
    )
    assert restricted in Agreement.objects.visible_to(SystemActor())
    assert can(SystemActor(), "core.agreement.change", restricted)
    update_agreement(actor=SystemActor(), agreement=restricted, summary="Corrected")
    assert Agreement.objects.get(pk=restricted.pk).summary == "Corrected"
    secret_org = make_org("Console C", classification=Level.SECRET)
    assert secret_org in Organisation.objects.visible_to(SystemActor())
    update_organisation(actor=SystemActor(), organisation=secret_org, short_name="CC")


class _ConfidentialConsole(SystemActor):
    effective_clearance = Level.CONFIDENTIAL


@pytest.mark.django_db
def test_the_console_is_still_bounded_by_its_clearance(
    make_org: Callable[..., Organisation], make_agreement: Callable[..., Agreement]
) -> None:
    a, b = make_org("Bounded A"), make_org("Bounded B")
    confidential = make_agreement(a, b, classification=Level.CONFIDENTIAL)
    secret = make_agreement(a, b, classification=Level.SECRET)
    console = _ConfidentialConsole()
    visible = set(Agreement.objects.visible_to(console))
    assert confidential in visible
    assert secret not in visible
    assert can(console, "core.agreement.view", confidential)
    assert not can(console, "core.agreement.view", secret)
    with pytest.raises(AccessDenied):
        update_agreement(actor=console, agreement=secret, summary="No")


@pytest.mark.django_db
def test_only_the_console_is_waived_not_an_ordinary_user(
    user_with_role: Callable[..., User],
    make_org: Callable[..., Organisation],
    make_agreement: Callable[..., Agreement],
) -> None:
    outsider = user_with_role(Role.ADMINISTRATOR, clearance=Level.SECRET)
    restricted = make_agreement(
        make_org("Other A"), make_org("Other B"), classification=Level.RESTRICTED
    )
    assert not getattr(outsider, "is_system", False)
    assert restricted not in Agreement.objects.visible_to(outsider)
    assert not can(outsider, "core.agreement.view", restricted)
