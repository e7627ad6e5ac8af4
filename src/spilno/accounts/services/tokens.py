"""API tokens: created with the secret shown once, revocable, checked by hash."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from spilno.accounts.models import ApiToken, User, hash_token
from spilno.audit.services import record
from spilno.kernel.access import require
from spilno.kernel.classification import Level

TOKEN_PREFIX = "spl_"


def create_token(
    *, actor: Any, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Return the token row and its secret; the secret is not stored and cannot be shown again."""
    require(actor, "accounts.token.manage_own")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the machine that uses it."})
    if expires_at is not None and timezone.is_naive(expires_at):
        raise ValidationError({"expires_at": "Give the expiry with a time zone."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken(
            user=actor,
            name=name,
            prefix=secret[:10],
            digest=hash_token(secret),
            expires_at=expires_at,
        )
        token.full_clean()
        token.save()
        record(
            actor=actor,
            action="accounts.token.create",
            obj=token,
            after={"name": name, "prefix": token.prefix, "expires_at": expires_at},
            classification=Level.INTERNAL,
        )
    return token, secret


def revoke_token(*, actor: Any, token: ApiToken) -> ApiToken:
    require(actor, "accounts.token.manage_own")
    if token.user_id != actor.pk:
        raise ValidationError({"token": "You can revoke only your own tokens."})
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked_at is None:
            current.revoked_at = timezone.now()
            current.save(update_fields=["revoked_at"])
            record(
                actor=actor,
                action="accounts.token.revoke",
                obj=current,
                after={"revoked_at": current.revoked_at},
                classification=Level.INTERNAL,
            )
    return current


def user_for_token(secret: str) -> User | None:
    """The active user a bearer secret belongs to, or None. Touches last-used at most per minute."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=hash_token(secret)).first()
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
