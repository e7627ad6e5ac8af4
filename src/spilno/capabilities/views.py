"""Pages for requirements and their fulfilment ledger. Thin: forms for shape, services for rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from spilno.capabilities.forms import RequirementForm
from spilno.capabilities.models import Requirement, RequirementStatus, SourceKind
from spilno.capabilities.selectors import (
    fulfilment,
    fulfilment_many,
    requirement_for,
    requirements_for,
)
from spilno.capabilities.services.requirements import create_requirement, update_requirement
from spilno.core.forms import apply_service_errors
from spilno.core.selectors import organisations_for
from spilno.kernel.access import can, require
from spilno.kernel.webtools import int_or_none, keyset


def _requirement_or_404(user: Any, pk: int) -> Requirement:
    try:
        return requirement_for(user, pk)
    except Requirement.DoesNotExist:
        raise Http404(_("No such record, or you may not see it.")) from None


@login_required
def requirement_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "capabilities.requirement.view")
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "priority", "organisation")}
    filters["status"] = request.GET.get("status", RequirementStatus.OPEN).strip()
    qs = requirements_for(
        request.user,
        q=filters["q"],
        priority=int_or_none(filters["priority"]),
        organisation=int_or_none(filters["organisation"]),
        status=filters["status"],
    )
    rows, next_after = keyset(request, qs)
    totals = fulfilment_many(rows)
    requesting = requirements_for(request.user).values("requesting_organisation")
    return render(
        request,
        "capabilities/requirement_list.html",
        {
            "rows": [(r, totals[r.pk]) for r in rows],
            "next_after": next_after,
            "filters": filters,
            "priorities": range(1, 6),
            "statuses": RequirementStatus.choices,
            "organisations": organisations_for(request.user).filter(pk__in=requesting),
            "can_create": can(request.user, "capabilities.requirement.create"),
        },
    )


@login_required
def requirement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "capabilities.requirement.view")
    requirement = _requirement_or_404(request.user, pk)
    state = fulfilment(requirement)
    return render(
        request,
        "capabilities/requirement_detail.html",
        {
            "requirement": requirement,
            "state": state,
            "sources": [
                (line, SourceKind(line.kind).label if line.kind in SourceKind.values else line.kind)
                for line in state.sources
            ],
            "delivered_percent": round(state.delivered_share * 100, 1),
            "can_change": can(request.user, "capabilities.requirement.change", requirement),
            "can_audit": can(request.user, "audit.entry.view"),
        },
    )


@login_required
def requirement_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    requirement = _requirement_or_404(request.user, pk) if pk else None
    require(
        request.user,
        "capabilities.requirement.change" if requirement else "capabilities.requirement.create",
        requirement,
    )
    form = RequirementForm(
        request.POST or None,
        user=request.user,
        creating=requirement is None,
        initial=RequirementForm.initial_for(requirement) if requirement else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if requirement:
                requirement = update_requirement(
                    actor=request.user, requirement=requirement, **form.cleaned_data
                )
            else:
                requirement = create_requirement(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved %(ref)s.") % {"ref": requirement.reference})
            return redirect("capabilities:requirement-detail", pk=requirement.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "capabilities/requirement_form.html",
        {"form": form, "requirement": requirement},
        status=status,
    )
