"""Use cases that write users, memberships and clearances (administrators only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from spilno.accounts.models import Membership, User
from spilno.audit.services import record, snapshot
from spilno.core.models import Organisation
from spilno.kernel.access import Role, require
from spilno.kernel.classification import Level

USER_FIELDS = (
    "username", "first_name", "last_name", "email", "clearance", "clearance_valid_until",
    "language", "is_active",
)  # fmt: skip
MembershipSpec = tuple[Organisation, str]


def _snapshot(user: User) -> dict[str, Any]:
    data = snapshot(
        user,
        exclude=("password", "last_login", "date_joined", "groups", "user_permissions"),
    )
    data["memberships"] = sorted([m.organisation_id, m.role] for m in user.memberships.all())
    return data


def _set_memberships(user: User, memberships: Sequence[MembershipSpec]) -> None:
    seen = set()
    for org, role in memberships:
        if role not in Role.values:
            raise ValidationError({"memberships": f"Unknown role {role!r}."})
        if (org.pk, role) in seen:
            raise ValidationError({"memberships": "A membership is listed twice."})
        seen.add((org.pk, role))
    user.memberships.all().delete()
    Membership.objects.bulk_create(
        Membership(user=user, organisation=org, role=role) for org, role in memberships
    )
    user.forget_memberships()


def _check_clearance(actor: Any, level: int) -> None:
    if level not in Level.values:
        raise ValidationError({"clearance": "Unknown clearance level."})
    if level > actor.effective_clearance:
        raise ValidationError({"clearance": "You cannot grant a clearance above your own."})


def create_user(
    *,
    actor: Any,
    username: str,
    password: str,
    memberships: Sequence[MembershipSpec] = (),
    **fields: Any,
) -> User:
    require(actor, "accounts.user.manage")
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown user fields: {sorted(unknown)}")
    _check_clearance(actor, fields.get("clearance", Level.INTERNAL))
    with transaction.atomic():
        user = User(username=username, **fields)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
        user.full_clean()
        user.save()
        _set_memberships(user, memberships)
        record(actor=actor, action="accounts.user.create", obj=user, after=_snapshot(user))
    return user


def update_user(
    *,
    actor: Any,
    user: User,
    memberships: Sequence[MembershipSpec] | None = None,
    password: str | None = None,
    **changes: Any,
) -> User:
    require(actor, "accounts.user.manage")
    unknown = set(changes) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown user fields: {sorted(unknown)}")
    if "clearance" in changes:
        _check_clearance(actor, changes["clearance"])
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        before = _snapshot(current)
        for name, value in changes.items():
            setattr(current, name, value)
        if current.pk == actor.pk and not current.is_active:
            raise ValidationError({"is_active": "You cannot deactivate yourself."})
        if password:
            try:
                validate_password(password, current)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
            current.set_password(password)
        current.full_clean()
        current.save()
        if memberships is not None:
            _set_memberships(current, memberships)
            if current.pk == actor.pk and Role.ADMINISTRATOR not in current.role_set():
                raise ValidationError(
                    {"memberships": "You cannot remove your own administrator role."}
                )
        after = _snapshot(current)
        if password:
            after["password_changed"] = True
        if after != before:
            record(
                actor=actor, action="accounts.user.change", obj=current, before=before, after=after
            )
    return current
