"""Users, memberships and their audit trail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from spilno.accounts.models import User
from spilno.accounts.services.users import create_user, update_user
from spilno.audit.models import AuditEntry
from spilno.core.models import Organisation
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from tests.helpers import PASSWORD, audit_count

pytestmark = pytest.mark.django_db


def last_entry() -> AuditEntry:
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    return entry


def test_create_user_records_the_user_without_the_password(
    system: SystemActor, home_org: Organisation
) -> None:
    user = create_user(
        actor=system,
        username="olena",
        password=PASSWORD,
        first_name="Olena",
        clearance=Level.RESTRICTED,
        memberships=[(home_org, Role.AUDITOR), (home_org, Role.APPROVER)],
    )
    assert user.role_set() == {Role.AUDITOR, Role.APPROVER}
    assert user.organisation_ids() == {home_org.pk}
    entry = last_entry()
    assert entry.action == "accounts.user.create"
    assert entry.actor == "system"
    assert entry.actor_id is None
    assert entry.before is None
    assert entry.after["username"] == "olena"
    assert entry.after["clearance"] == Level.RESTRICTED
    assert sorted(entry.after["memberships"]) == sorted(
        [[home_org.pk, "approver"], [home_org.pk, "auditor"]]
    )
    assert "password" not in entry.after
    assert user.password not in str(entry.after)


@pytest.mark.parametrize("password", ["short", "olena-olena", ""])
def test_weak_passwords_are_refused(system: SystemActor, password: str) -> None:
    users, entries = User.objects.count(), audit_count()
    with pytest.raises(ValidationError) as exc:
        create_user(actor=system, username="olena-olena", password=password)
    assert "password" in exc.value.message_dict
    assert (User.objects.count(), audit_count()) == (users, entries)


def test_unknown_role_and_duplicate_memberships_are_refused(
    system: SystemActor, home_org: Organisation
) -> None:
    users = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        create_user(actor=system, username="a", password=PASSWORD, memberships=[(home_org, "boss")])
    assert "memberships" in exc.value.message_dict
    with pytest.raises(ValidationError):
        create_user(
            actor=system,
            username="a",
            password=PASSWORD,
            memberships=[(home_org, Role.AUDITOR), (home_org, Role.AUDITOR)],
        )
    assert User.objects.count() == users


def test_duplicate_usernames_are_refused(make_user: Callable[..., User]) -> None:
    make_user(username="taken")
    with pytest.raises(ValidationError) as exc:
        make_user(username="taken")
    assert "username" in exc.value.message_dict


def test_unknown_fields_are_a_programming_error(system: SystemActor) -> None:
    with pytest.raises(TypeError, match="is_superuser"):
        create_user(actor=system, username="a", password=PASSWORD, is_superuser=True)


def test_update_user_records_before_and_after(
    system: SystemActor, user_with_role: Callable[..., User], home_org: Organisation
) -> None:
    user = user_with_role(Role.APPROVER, clearance=Level.INTERNAL)
    update_user(
        actor=system,
        user=user,
        clearance=Level.CONFIDENTIAL,
        memberships=[(home_org, Role.REFORM_OFFICE)],
    )
    entry = last_entry()
    assert entry.action == "accounts.user.change"
    assert entry.object_id == str(user.pk)
    assert entry.before["clearance"] == Level.INTERNAL
    assert entry.after["clearance"] == Level.CONFIDENTIAL
    assert entry.before["memberships"] == [[home_org.pk, "approver"]]
    assert entry.after["memberships"] == [[home_org.pk, "reform_office"]]
    assert User.objects.get(pk=user.pk).role_set() == {Role.REFORM_OFFICE}


def test_a_password_change_is_recorded_without_the_password(
    system: SystemActor, user_with_role: Callable[..., User]
) -> None:
    user = user_with_role(Role.APPROVER)
    update_user(actor=system, user=user, password="another-long-pw-2")
    assert User.objects.get(pk=user.pk).check_password("another-long-pw-2")
    entry = last_entry()
    assert entry.after["password_changed"] is True
    assert "another-long-pw-2" not in str(entry.after)


def test_an_update_that_changes_nothing_records_nothing(
    system: SystemActor, user_with_role: Callable[..., User]
) -> None:
    user = user_with_role(Role.APPROVER)
    entries = audit_count()
    update_user(actor=system, user=user, first_name=user.first_name)
    assert audit_count() == entries
