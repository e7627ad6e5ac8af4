"""The public portal under /open/: no login, only what was published, and openly what was not.

Also the administrators' page of the disclosure policy (reading it is public)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spilno.kernel.access import can
from spilno.kernel.classification import Level
from spilno.procurement.models import TenderDocument
from spilno.transparency import selectors
from spilno.transparency.disclosure import WITHHOLDABLE
from spilno.transparency.models import DisclosureEvent, DisclosureMode, DisclosureRule
from spilno.transparency.services.policy import ensure_default_policy, update_rule

PAGE = 50


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> selectors.Filters:
    """Filters from the query string; a malformed number or date is ignored, not an error page."""
    get = request.GET
    return selectors.Filters(
        q=get.get("q", "").strip()[:200],
        buyer=get.get("buyer", "").strip(),
        supplier=get.get("supplier", "").strip(),
        cpv="".join(ch for ch in get.get("cpv", "") if ch.isdigit())[:8],
        status=get.get("status", "").strip(),
        value_min=_decimal(get.get("value_min", "")),
        value_max=_decimal(get.get("value_max", "")),
        date_from=_date(get.get("date_from", "")),
        date_to=_date(get.get("date_to", "")),
    )


def _page(request: HttpRequest, rows: Any, field_name: str) -> tuple[list[Any], str | None]:
    try:
        return selectors.newest_first_page(rows, field_name, request.GET.get("cursor", ""), PAGE)
    except selectors.BadCursor:
        return selectors.newest_first_page(rows, field_name, "", PAGE)


def portal(request: HttpRequest) -> HttpResponse:
    """Search published tenders (contracting processes)."""
    filters = _filters(request)
    rows, cursor = _page(request, selectors.search_processes(filters), "updated")
    return render(
        request,
        "transparency/portal.html",
        {
            "rows": rows,
            "next_cursor": cursor,
            "filters": filters.active(),
            "facets": selectors.facet_values(),
            "feed_last": selectors.last_seq(),
            "tab": "processes",
        },
    )


def contracts(request: HttpRequest) -> HttpResponse:
    """Search published contracts."""
    filters = _filters(request)
    rows, cursor = _page(request, selectors.search_contracts(filters), "signed")
    return render(
        request,
        "transparency/contracts.html",
        {
            "rows": rows,
            "next_cursor": cursor,
            "filters": filters.active(),
            "facets": selectors.facet_values(),
            "tab": "contracts",
        },
    )


def process(request: HttpRequest, ocid: str) -> HttpResponse:
    """One process as published: its timeline, items, awards, contracts, documents with their
    hashes, and what is withheld and why."""
    public = selectors.public_process(ocid)
    if public is None:
        raise Http404(_("No published contracting process with that ocid."))
    releases = selectors.process_releases(ocid, payloads=False)
    compiled = public.compiled
    return render(
        request,
        "transparency/process.html",
        {
            "public": public,
            "compiled": compiled,
            "tender": compiled.get("tender", {}),
            "awards": compiled.get("awards", []),
            "contracts": compiled.get("contracts", []),
            "parties": compiled.get("parties", []),
            "releases": releases,
            "withheld": compiled.get("withheldInformation", []),
            "held": selectors.held_back(ocid),
        },
    )


def document(request: HttpRequest, ocid: str, doc: int) -> FileResponse:
    """A tender document, downloadable only once a published release lists it."""
    public = selectors.public_process(ocid)
    listed = {
        d.get("id")
        for d in (public.compiled.get("tender", {}).get("documents", []) if public else [])
    }
    withheld = {
        w.get("id") for w in (public.withheld if public else []) if w.get("status") == "withheld"
    }
    if f"doc-{doc}" not in listed or "documents" in withheld or public is None:
        raise Http404(_("No published document."))
    found = TenderDocument.objects.filter(pk=doc, tender__ocds_process__ocid=ocid).first()
    if found is None:
        raise Http404(_("No published document."))
    name = found.file.name.rsplit("/", 1)[-1]
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=name)


def withheld(request: HttpRequest) -> HttpResponse:
    """What is held back, until when, and why (never what it says)."""
    return render(
        request,
        "transparency/withheld.html",
        {"held": selectors.held_back(), "tab": "withheld"},
    )


def aggregates(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "transparency/aggregates.html",
        {
            "cells": selectors.classified_aggregates(),
            "minimum": selectors.MIN_CELL,
            "tab": "aggregates",
        },
    )


def open_data(request: HttpRequest) -> HttpResponse:
    """How to get the data: the feed, packages per process, bulk files."""
    return render(
        request,
        "transparency/open_data.html",
        {"bulk": selectors.bulk_files(), "feed_last": selectors.last_seq(), "tab": "data"},
    )


class RuleForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=DisclosureMode.choices)
    delay_days = forms.IntegerField(label=gettext_lazy("Delay (days)"), min_value=0, max_value=3650)
    delay_event = forms.ChoiceField(
        label=gettext_lazy("Hold until"), choices=DisclosureEvent.choices, required=False
    )
    withheld_fields = forms.MultipleChoiceField(
        label=gettext_lazy("Withheld fields"),
        choices=[(k, w.name) for k, w in WITHHOLDABLE.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    withhold_days = forms.IntegerField(
        label=gettext_lazy("Withheld for (days)"), min_value=0, max_value=3650
    )
    withhold_event = forms.ChoiceField(
        label=gettext_lazy("Withheld until"), choices=DisclosureEvent.choices, required=False
    )
    reason_en = forms.CharField(
        label=gettext_lazy("Reason (English)"), max_length=300, required=False
    )
    reason_uk = forms.CharField(
        label=gettext_lazy("Reason (Ukrainian)"), max_length=300, required=False
    )


def policy(request: HttpRequest) -> HttpResponse:
    """The disclosure policy: public to read, editable by administrators."""
    ensure_default_policy()
    editable = request.user.is_authenticated and can(request.user, "transparency.policy.change")
    rules = list(DisclosureRule.objects.order_by("level"))
    forms_by_level = {}
    if editable:
        for rule in rules:
            initial = {f: getattr(rule, f) for f in RuleForm.base_fields}
            forms_by_level[rule.level] = RuleForm(initial=initial, prefix=f"level-{rule.level}")
    return render(
        request,
        "transparency/policy.html",
        {
            "rules": [(rule, forms_by_level.get(rule.level)) for rule in rules],
            "withholdable": WITHHOLDABLE,
            "editable": editable,
            "tab": "policy",
        },
    )


@login_required
def policy_change(request: HttpRequest, level: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("transparency:policy")
    if level not in Level.values:
        raise Http404(_("No such classification level."))
    form = RuleForm(request.POST, prefix=f"level-{level}")
    if form.is_valid():
        try:
            update_rule(actor=request.user, level=level, changes=form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Disclosure rule saved."))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{field}: {error}")
    return redirect(reverse("transparency:policy") + f"#level-{level}")
