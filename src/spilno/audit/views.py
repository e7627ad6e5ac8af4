"""Audit viewer for auditors: entries with filters, one entry's before/after, verification,
signed checkpoints (downloadable JSON)."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spilno.audit.models import AuditCheckpoint, AuditEntry
from spilno.audit.selectors import checkpoints_for, entries_for, entry_for
from spilno.audit.services.checkpoint import create_checkpoint, export_checkpoint
from spilno.audit.services.verification import run_verification
from spilno.kernel.access import can

PAGE = 100


def _day(value: str) -> dt.datetime | None:
    day = parse_date(value) if value else None
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) if day else None


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    filters = {k: get.get(k, "").strip() for k in ("action", "actor", "object_type", "object_id")}
    dates = {k: get.get(k, "").strip() for k in ("since", "until")}
    until = _day(dates["until"])
    before = get.get("before", "")
    qs = entries_for(
        request.user,
        **filters,
        since=_day(dates["since"]),
        until=until + dt.timedelta(days=1) if until else None,
        before_id=int(before) if before.isdigit() else None,
    )
    rows = list(qs[: PAGE + 1])
    next_before = rows[PAGE - 1].pk if len(rows) > PAGE else None
    return render(
        request,
        "audit/entry_list.html",
        {
            "rows": rows[:PAGE],
            "filters": {**filters, **dates},
            "next_before": next_before,
            "can_verify": can(request.user, "audit.log.verify"),
        },
    )


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = entry_for(request.user, pk)
    except AuditEntry.DoesNotExist:
        raise Http404(_("No such entry, or it is above your clearance.")) from None
    return render(
        request,
        "audit/entry_detail.html",
        {
            "entry": entry,
            "before": json.dumps(entry.before, indent=2, ensure_ascii=False),
            "after": json.dumps(entry.after, indent=2, ensure_ascii=False),
        },
    )


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    result = run_verification(actor=request.user)
    template = (
        "audit/_verify_result.html"
        if request.headers.get("HX-Request")
        else "audit/verify_page.html"
    )
    return render(request, template, {"result": result.as_dict()})


@login_required
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        checkpoint = create_checkpoint(actor=request.user)
        return render(
            request,
            "audit/checkpoint_list.html",
            {"checkpoints": checkpoints_for(request.user)[:50], "created": checkpoint},
        )
    return render(
        request, "audit/checkpoint_list.html", {"checkpoints": checkpoints_for(request.user)[:50]}
    )


@login_required
def checkpoint_json(request: HttpRequest, pk: int) -> JsonResponse:
    try:
        checkpoint = checkpoints_for(request.user).get(pk=pk)
    except AuditCheckpoint.DoesNotExist:
        raise Http404(_("No such checkpoint.")) from None
    response = JsonResponse(
        export_checkpoint(checkpoint), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="spilno-checkpoint-{pk}.json"'
    return response
