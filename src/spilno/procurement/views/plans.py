"""Procurement plans: list, create, and the page where an approver approves one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spilno.core.forms import apply_service_errors
from spilno.kernel import clock
from spilno.kernel.access import acts_for, can, require, require_for
from spilno.kernel.webtools import Action, done, keyset, refused
from spilno.procurement import selectors
from spilno.procurement.forms import EmptyForm, PlanForm
from spilno.procurement.models import ProcurementPlan
from spilno.procurement.services.tenders import approve_plan, create_plan
from spilno.procurement.states import PlanStatus, TenderStatus
from spilno.procurement.views.common import or_404, orgs_acting, require_some

DETAIL = "procurement/plan_detail.html"


def _plan_for(user: Any, pk: int) -> ProcurementPlan:
    return selectors.plans_for(user).get(pk=pk)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "procurement.view")
    status = request.GET.get("status", "").strip()
    qs = selectors.plans_for(request.user)
    if status:
        qs = qs.filter(status=status)
    rows, next_after = keyset(request, qs)
    return render(
        request,
        "procurement/plan_list.html",
        {
            "rows": rows,
            "next_after": next_after,
            "filters": {"status": status},
            "statuses": PlanStatus.choices,
            "can_create": can(request.user, "procurement.plan.create"),
        },
    )


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    buyers = orgs_acting(request.user, "procurement.plan.create")
    require_some(buyers, "procurement.plan.create")
    form = PlanForm(request.POST or None, buyers=buyers, initial={"year": clock.today().year})
    if request.method == "POST" and form.is_valid():
        try:
            plan = create_plan(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Created the plan %(title)s.") % {"title": plan.title})
            return redirect("procurement:plan-detail", pk=plan.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "procurement/plan_form.html", {"form": form}, status=status)


def _plan_context(
    request: HttpRequest, plan: ProcurementPlan, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    tenders = list(selectors.tenders_for(user).filter(plan=plan))
    drafts = [t for t in tenders if t.status == TenderStatus.DRAFT]
    actions: dict[str, Action] = {}
    uid = getattr(user, "pk", None)
    drafted_by_me = uid is not None and (
        uid == plan.created_by_id or any(uid == t.created_by_id for t in drafts)
    )
    if (
        plan.status == PlanStatus.DRAFT
        and drafts
        and not drafted_by_me
        and acts_for(user, plan.buyer_id, "procurement.plan.approve")
    ):
        actions["approve"] = Action(
            key="approve",
            url=reverse("procurement:plan-approve", args=[plan.pk]),
            label=_("Approve the plan"),
            form=bound["approve"] if bound else EmptyForm(prefix="approve"),
        )
    return {
        "plan": plan,
        "tenders": tenders,
        "actions": actions,
        "drafted_by_me": drafted_by_me,
        "can_add_tender": plan.status == PlanStatus.DRAFT
        and acts_for(user, plan.buyer_id, "procurement.tender.create"),
        "can_audit": can(user, "audit.entry.view"),
    }


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "procurement.view")
    plan = or_404(_plan_for, request.user, pk)
    return render(request, DETAIL, _plan_context(request, plan))


@login_required
@require_POST
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = or_404(_plan_for, request.user, pk)
    require_for(request.user, plan.buyer_id, "procurement.plan.approve")
    form = EmptyForm(request.POST, prefix="approve")
    back = reverse("procurement:plan-detail", args=[plan.pk])
    form.is_valid()
    try:
        approve_plan(actor=request.user, plan=plan)
    except ValidationError as exc:
        apply_service_errors(form, exc)
    else:
        messages.success(request, _("Plan approved; its tenders are planned."))
        return done(request, back)
    plan.refresh_from_db()
    context = _plan_context(request, plan, {"approve": form})
    return refused(request, key="approve", form=form, template=DETAIL, context=context, back=back)
