"""Small helpers the pages share: keyset paging, and inline action forms that work the same
with htmx (swap the form in place, full reload on success) and without JavaScript (post,
redirect on success, the whole page again with the errors otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from spilno.kernel.apitools import keyset_page

PAGE = 50


def keyset(request: HttpRequest, qs: Any, page: int = PAGE) -> tuple[list[Any], int | None]:
    """One page of ``qs`` after the id in ``?after=`` (stable while records are added)."""
    after = int_or_none(request.GET.get("after")) or 0
    return keyset_page(qs.filter(pk__gt=after).order_by("pk"), page, maximum=page)


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful POST: a redirect, or for htmx a full reload of ``url`` (so the
    flash message and every section that changed are shown)."""
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


@dataclass
class Action:
    """One inline form (or a lone button) on a detail page that posts to ``url``.

    ``key`` is both the form prefix and the id of the element htmx swaps, so several forms of
    the same kind can live on one page."""

    key: str
    url: str
    label: str
    form: forms.Form
    danger: bool = False
    multipart: bool = False

    @property
    def dom_id(self) -> str:
        return f"action-{self.key}"


def refused(
    request: HttpRequest,
    *,
    key: str,
    form: forms.Form,
    template: str,
    context: dict[str, Any],
    back: str,
) -> HttpResponse:
    """Answer an invalid POST of the action ``key``, whose bound ``form`` carries the errors.

    htmx gets the form back in place; a plain browser gets the whole page (``context`` was built
    with this bound form) with status 422. If the page no longer offers the action (the record
    moved on meanwhile), the errors become flash messages on the page at ``back``."""
    action = context["actions"].get(key)
    if action is None:
        for name, errors in form.errors.items():
            field = form.fields.get(name) if name != NON_FIELD_ERRORS else None
            for error in errors:
                messages.error(request, f"{field.label}: {error}" if field else str(error))
        return done(request, back)
    if is_htmx(request):
        return render(request, "spilno/_action.html", {"action": action})
    return render(request, template, context, status=422)
