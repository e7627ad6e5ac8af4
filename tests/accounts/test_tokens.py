"""API tokens: the secret is shown once, only its hash is stored, and it can stop working."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spilno.accounts.models import ApiToken, User
from spilno.accounts.services.tokens import (
    TOKEN_PREFIX,
    create_token,
    revoke_token,
    user_for_token,
)
from spilno.accounts.services.users import update_user
from spilno.audit.models import AuditEntry
from spilno.kernel.access import AccessDenied, Role, SystemActor
from tests.helpers import audit_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(user_with_role: Callable[..., User]) -> User:
    return user_with_role(Role.PROCUREMENT_OFFICER)


def test_create_token_returns_the_secret_and_stores_only_its_hash(officer: User) -> None:
    token, secret = create_token(actor=officer, name="  ci runner  ")
    assert secret.startswith(TOKEN_PREFIX)
    assert len(secret) > 40
    row = ApiToken.objects.get(pk=token.pk)
    assert row.user == officer
    assert row.name == "ci runner"
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert row.prefix == secret[:10]
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value for value in stored)


def test_the_audit_entry_does_not_leak_the_secret(officer: User) -> None:
    entries = audit_count()
    token, secret = create_token(actor=officer, name="laptop")
    assert audit_count() == entries + 1
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.object_id, entry.actor_id) == (
        "accounts.token.create",
        str(token.pk),
        officer.pk,
    )
    assert secret not in str(entry.after)
    assert token.digest not in str(entry.after)


def test_each_token_has_its_own_secret(officer: User) -> None:
    secrets = {create_token(actor=officer, name=f"t{i}")[1] for i in range(5)}
    assert len(secrets) == 5


def test_user_for_token_finds_the_owner_and_touches_last_used(officer: User) -> None:
    token, secret = create_token(actor=officer, name="laptop")
    assert token.last_used_at is None
    assert user_for_token(secret) == officer
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


@pytest.mark.parametrize(
    "secret", ["", "spl_", "spl_not-a-real-token", "Bearer spl_x", "xyz_abcdef"]
)
def test_unknown_secrets_find_nobody(officer: User, secret: str) -> None:
    create_token(actor=officer, name="laptop")
    assert user_for_token(secret) is None


def test_a_secret_without_the_prefix_finds_nobody(officer: User) -> None:
    _token, secret = create_token(actor=officer, name="laptop")
    assert user_for_token(secret.removeprefix(TOKEN_PREFIX)) is None
    assert user_for_token(secret + "x") is None


def test_a_revoked_token_stops_working(officer: User) -> None:
    token, secret = create_token(actor=officer, name="laptop")
    entries = audit_count()
    revoked = revoke_token(actor=officer, token=token)
    assert revoked.revoked_at is not None
    assert user_for_token(secret) is None
    assert audit_count() == entries + 1
    # Revoking twice changes nothing and records nothing.
    assert revoke_token(actor=officer, token=token).revoked_at == revoked.revoked_at
    assert audit_count() == entries + 1


def test_an_expired_token_stops_working(officer: User) -> None:
    soon = timezone.now() + dt.timedelta(hours=1)
    token, secret = create_token(actor=officer, name="temporary", expires_at=soon)
    assert user_for_token(secret) == officer
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert user_for_token(secret) is None


def test_an_expiry_in_the_past_is_refused(officer: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create_token(actor=officer, name="old", expires_at=timezone.now() - dt.timedelta(days=1))
    assert "expires_at" in exc.value.message_dict
    assert not ApiToken.objects.exists()


def test_an_expiry_without_a_time_zone_is_refused(officer: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create_token(actor=officer, name="naive", expires_at=dt.datetime(2030, 1, 1))
    assert "expires_at" in exc.value.message_dict
    assert not ApiToken.objects.exists()


def test_a_blank_name_is_refused(officer: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create_token(actor=officer, name="   ")
    assert "name" in exc.value.message_dict


def test_tokens_of_a_deactivated_user_stop_working(officer: User) -> None:
    _token, secret = create_token(actor=officer, name="laptop")
    update_user(actor=SystemActor(), user=officer, is_active=False)
    assert user_for_token(secret) is None
    update_user(actor=SystemActor(), user=officer, is_active=True)
    assert user_for_token(secret) == officer


def test_nobody_revokes_someone_elses_token(
    officer: User, user_with_role: Callable[..., User]
) -> None:
    token, secret = create_token(actor=officer, name="laptop")
    admin = user_with_role(Role.ADMINISTRATOR)
    with pytest.raises(ValidationError):
        revoke_token(actor=admin, token=token)
    assert user_for_token(secret) == officer


def test_a_user_without_any_role_cannot_create_tokens(make_user: Callable[..., User]) -> None:
    with pytest.raises(AccessDenied):
        create_token(actor=make_user(), name="laptop")
