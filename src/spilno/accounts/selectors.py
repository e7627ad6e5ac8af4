from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from spilno.accounts.models import ApiToken, User
from spilno.kernel.access import require


def users_for(
    user: Any, *, q: str = "", role: str = "", after: int | None = None
) -> QuerySet[User]:
    require(user, "accounts.user.view")
    qs = User.objects.prefetch_related("memberships__organisation")
    if q:
        qs = qs.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    if role:
        qs = qs.filter(memberships__role=role).distinct()
    if after:
        qs = qs.filter(pk__gt=after)
    return qs


def user_for(user: Any, pk: int) -> User:
    return users_for(user).get(pk=pk)


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    require(user, "accounts.token.manage_own")
    return ApiToken.objects.filter(user=user)
