"""Helpers shared by the procurement pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel.access import AccessDenied, acts_for


def or_404(getter: Callable[[Any, int], Any], user: Any, pk: int) -> Any:
    """A record the user may see, else 404 (hidden records are indistinguishable from none)."""
    try:
        return getter(user, pk)
    except ObjectDoesNotExist:
        raise Http404(_("No such record, or you may not see it.")) from None


def orgs_acting(user: Any, action: str, *, supplier: bool = False) -> QuerySet[Organisation]:
    """The organisations on whose behalf ``user`` may do ``action``."""
    ids = [org for org in user.organisation_ids() if acts_for(user, org, action)]
    qs = Organisation.objects.filter(pk__in=ids)
    if supplier:
        qs = qs.filter(kind=OrganisationKind.SUPPLIER)
    return qs.order_by("name_en")


def require_some(orgs: QuerySet[Organisation], action: str) -> None:
    if not orgs.exists():
        raise AccessDenied(f"Not allowed: {action} (you hold no such role in any organisation).")
