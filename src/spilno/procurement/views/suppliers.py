"""The supplier register, one supplier's record, and the cycle-time metrics."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spilno.core.models import Organisation, OrganisationKind
from spilno.core.selectors import organisation_for
from spilno.kernel.access import can, require
from spilno.kernel.webtools import Action, done, keyset, refused
from spilno.procurement import selectors
from spilno.procurement.forms import QualifySupplierForm, apply_errors
from spilno.procurement.services.tenders import qualify_supplier
from spilno.procurement.states import Method, QualificationStatus, TenderStatus
from spilno.procurement.views.common import or_404, orgs_acting, require_some

REGISTER = "procurement/register.html"


def _qualify_form(request: HttpRequest, data: Any = None) -> QualifySupplierForm:
    user = request.user
    return QualifySupplierForm(
        data,
        prefix="qualify",
        buyers=orgs_acting(user, "procurement.supplier.qualify"),
        suppliers=Organisation.objects.visible_to(user)
        .filter(kind=OrganisationKind.SUPPLIER)
        .order_by("name_en"),
    )


def _register_context(
    request: HttpRequest, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "status")}
    visible: Any = Organisation.objects.visible_to(user).values("pk")
    qs = selectors.register_for().filter(supplier__in=visible)
    if filters["q"]:
        qs = qs.filter(
            Q(supplier__name_en__icontains=filters["q"])
            | Q(supplier__name_uk__icontains=filters["q"])
            | Q(cpv__startswith=filters["q"])
        )
    if filters["status"]:
        qs = qs.filter(status=filters["status"])
    rows, next_after = keyset(request, qs)
    actions: dict[str, Action] = {}
    if orgs_acting(user, "procurement.supplier.qualify").exists():
        actions["qualify"] = Action(
            key="qualify",
            url=reverse("procurement:supplier-qualify"),
            label=_("Enter in the register"),
            form=bound["qualify"] if bound else _qualify_form(request),
        )
    return {
        "rows": rows,
        "next_after": next_after,
        "filters": filters,
        "statuses": QualificationStatus.choices,
        "actions": actions,
    }


@login_required
def register(request: HttpRequest) -> HttpResponse:
    require(request.user, "procurement.view")
    return render(request, REGISTER, _register_context(request))


@login_required
@require_POST
def supplier_qualify(request: HttpRequest) -> HttpResponse:
    buyers = orgs_acting(request.user, "procurement.supplier.qualify")
    require_some(buyers, "procurement.supplier.qualify")
    form = _qualify_form(request, request.POST)
    back = reverse("procurement:register")
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = qualify_supplier(actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(supplier)s is qualified for %(cpv)s until %(until)s.")
                % {"supplier": entry.supplier.name, "cpv": entry.cpv, "until": entry.valid_until},
            )
            return done(request, back)
    context = _register_context(request, {"qualify": form})
    return refused(request, key="qualify", form=form, template=REGISTER, context=context, back=back)


@login_required
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "procurement.view")
    supplier = or_404(organisation_for, request.user, pk)
    performance = selectors.supplier_performance(supplier)
    return render(
        request,
        "procurement/supplier_detail.html",
        {
            "supplier": supplier,
            "performance": performance,
            "on_time_percent": _percent(performance.on_time_rate),
            "rejection_percent": _percent(performance.rejection_rate),
            "entries": selectors.register_for(supplier),
            "contracts": selectors.contracts_for(request.user, supplier=supplier.pk)[:200],
            "can_audit": can(request.user, "audit.entry.view"),
        },
    )


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


@login_required
def cycle_times(request: HttpRequest) -> HttpResponse:
    require(request.user, "procurement.view")
    result = selectors.cycle_times(request.user)
    labels = dict(TenderStatus.choices)
    counts = selectors.status_counts(request.user)
    rows = [
        {
            "method": label,
            "code": method,
            "count": result.counts.get(method, 0),
            "cells": [result.medians.get(method, {}).get(stage) for stage in result.stages],
        }
        for method, label in Method.choices
    ]
    return render(
        request,
        "procurement/cycle_times.html",
        {
            "stages": [labels[stage] for stage in result.stages],
            "rows": rows,
            "slowest": [
                {"tender": tender, "days": days, "status": labels.get(status, status)}
                for tender, days, status in result.slowest_open
            ],
            "status_counts": [
                (label, counts[code]) for code, label in TenderStatus.choices if counts.get(code)
            ],
        },
    )
