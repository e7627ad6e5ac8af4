"""Reads of organisations and agreements, always through the visibility rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from spilno.core.models import Agreement, CooperationArea, Organisation


def organisations_for(
    user: Any, *, q: str = "", kind: str = "", country: str = "", after: int | None = None
) -> QuerySet[Organisation]:
    qs: QuerySet[Organisation] = Organisation.objects.visible_to(user).prefetch_related(
        "identifiers"
    )
    if q:
        qs = qs.filter(
            Q(name_en__icontains=q)
            | Q(name_uk__icontains=q)
            | Q(short_name__icontains=q)
            | Q(identifiers__identifier=q)
        ).distinct()
    if kind:
        qs = qs.filter(kind=kind)
    if country:
        qs = qs.filter(country=country.upper())
    if after:
        qs = qs.filter(pk__gt=after)
    return qs


def organisation_for(user: Any, pk: int) -> Organisation:
    return Organisation.objects.visible_to(user).get(pk=pk)


def agreements_for(
    user: Any,
    *,
    q: str = "",
    kind: str = "",
    status: str = "",
    area: str = "",
    party: int | None = None,
    after: int | None = None,
) -> QuerySet[Agreement]:
    qs: QuerySet[Agreement] = Agreement.objects.visible_to(user).prefetch_related(
        "agreement_parties__organisation", "areas"
    )
    if q:
        qs = qs.filter(
            Q(title_en__icontains=q) | Q(title_uk__icontains=q) | Q(reference__icontains=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(areas__slug=area)
    if party:
        qs = qs.filter(agreement_parties__organisation_id=party)
    if after:
        qs = qs.filter(pk__gt=after)
    return qs


def agreement_for(user: Any, pk: int) -> Agreement:
    return agreements_for(user).get(pk=pk)


def resolve_organisations(user: Any, ids: Sequence[int], *, field: str) -> dict[int, Organisation]:
    """Organisations by id that ``user`` may see; unknown or invisible ids are a field error."""
    visible: QuerySet[Organisation] = Organisation.objects.visible_to(user)
    found = {o.pk: o for o in visible.filter(pk__in=set(ids))}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ValidationError({field: f"Unknown organisation id(s): {missing}."})
    return found


def resolve_areas(slugs: Sequence[str], *, field: str = "areas") -> list[CooperationArea]:
    areas = list(CooperationArea.objects.filter(slug__in=set(slugs)))
    missing = sorted(set(slugs) - {a.slug for a in areas})
    if missing:
        raise ValidationError({field: f"Unknown cooperation area(s): {missing}."})
    return areas


def resolve_agreement(user: Any, pk: int | None, *, field: str = "parent") -> Agreement | None:
    if pk is None:
        return None
    try:
        return Agreement.objects.visible_to(user).get(pk=pk)
    except Agreement.DoesNotExist:
        raise ValidationError({field: f"Unknown agreement id {pk}."}) from None
