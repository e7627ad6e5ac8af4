"""Pages for organisations and agreements. Thin: forms for shape, services for rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from spilno.core.forms import AgreementForm, OrganisationForm, apply_service_errors
from spilno.core.models import (
    Agreement,
    AgreementKind,
    CooperationArea,
    Organisation,
    OrganisationKind,
)
from spilno.core.selectors import agreement_for, agreements_for, organisation_for, organisations_for
from spilno.core.services.agreements import create_agreement, update_agreement
from spilno.core.services.organisations import create_organisation, update_organisation
from spilno.core.states import AgreementStatus
from spilno.kernel.access import can, require
from spilno.kernel.apitools import keyset_page

PAGE = 50


def _page(request: HttpRequest, qs: Any) -> tuple[list[Any], int | None]:
    """Keyset pagination by id: stable while records are added."""
    try:
        after = int(request.GET.get("after", "") or 0)
    except ValueError:
        after = 0
    return keyset_page(qs.filter(pk__gt=after).order_by("pk"), PAGE, maximum=PAGE)


def _get_or_404(getter: Any, user: Any, pk: int) -> Any:
    try:
        return getter(user, pk)
    except (Organisation.DoesNotExist, Agreement.DoesNotExist):
        raise Http404(_("No such record, or you may not see it.")) from None


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    q, kind, country = (request.GET.get(k, "").strip() for k in ("q", "kind", "country"))
    rows, next_after = _page(
        request, organisations_for(request.user, q=q, kind=kind, country=country)
    )
    return render(
        request,
        "core/organisation_list.html",
        {
            "rows": rows,
            "next_after": next_after,
            "filters": {"q": q, "kind": kind, "country": country},
            "kinds": OrganisationKind.choices,
            "can_create": can(request.user, "core.organisation.create"),
        },
    )


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = _get_or_404(organisation_for, request.user, pk)
    return render(
        request,
        "core/organisation_detail.html",
        {
            "org": org,
            "agreements": agreements_for(request.user, party=org.pk),
            "children": organisations_for(request.user).filter(parent=org),
            "can_change": can(request.user, "core.organisation.change", org),
            "can_audit": can(request.user, "audit.entry.view"),
        },
    )


@login_required
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = _get_or_404(organisation_for, request.user, pk) if pk else None
    require(request.user, "core.organisation.change" if org else "core.organisation.create", org)
    initial = OrganisationForm.initial_for(org) if org else None
    form = OrganisationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        identifiers = data.pop("identifiers")
        try:
            if org:
                org = update_organisation(
                    actor=request.user, organisation=org, identifiers=identifiers, **data
                )
            else:
                org = create_organisation(actor=request.user, identifiers=identifiers, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": org.name})
            return redirect("core:organisation-detail", pk=org.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "core/organisation_form.html", {"form": form, "org": org}, status=status)


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "kind", "status", "area")}
    qs = agreements_for(
        request.user,
        q=filters["q"],
        kind=filters["kind"],
        status=filters["status"],
        area=filters["area"],
    )
    rows, next_after = _page(request, qs)
    return render(
        request,
        "core/agreement_list.html",
        {
            "rows": rows,
            "next_after": next_after,
            "filters": filters,
            "kinds": AgreementKind.choices,
            "statuses": AgreementStatus.choices,
            "areas": CooperationArea.objects.all(),
            "can_create": can(request.user, "core.agreement.create"),
        },
    )


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_or_404(agreement_for, request.user, pk)
    visible_orgs = set(organisations_for(request.user).values_list("pk", flat=True))
    return render(
        request,
        "core/agreement_detail.html",
        {
            "agreement": agreement,
            "parties": agreement.agreement_parties.select_related("organisation"),
            "visible_orgs": visible_orgs,
            "children": agreements_for(request.user).filter(parent=agreement),
            "can_change": can(request.user, "core.agreement.change", agreement),
            "can_audit": can(request.user, "audit.entry.view"),
        },
    )


@login_required
def agreement_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agreement = _get_or_404(agreement_for, request.user, pk) if pk else None
    require(
        request.user, "core.agreement.change" if agreement else "core.agreement.create", agreement
    )
    form = AgreementForm(
        request.POST or None,
        user=request.user,
        initial=AgreementForm.initial_for(agreement) if agreement else None,
        existing_roles={p.organisation_id: p.role for p in agreement.agreement_parties.all()}
        if agreement
        else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if agreement:
                agreement = update_agreement(
                    actor=request.user, agreement=agreement, **form.service_fields()
                )
            else:
                agreement = create_agreement(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved %(title)s.") % {"title": agreement.title})
            return redirect("core:agreement-detail", pk=agreement.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "core/agreement_form.html", {"form": form, "agreement": agreement}, status=status
    )
