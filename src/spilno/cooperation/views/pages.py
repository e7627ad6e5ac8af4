"""Cooperation pages: programmes with their lines of effort, objectives and indicators; indicator
values and their approval; progress reviews (an annual consultation from preparation to the
brief); action items; reviews with working groups and recommendations; strategies; areas.

Thin, like every page of Spilno: forms for shape, one service call per POST, selectors for every
read (a record the reader may not see is a 404, like one that does not exist). A form appears
only when the reader may use it now (the role held in a participating organisation, the state);
the services check again and have the last word (AccessDenied is a 403)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from spilno.cooperation import charts, selectors
from spilno.cooperation.forms import (
    ActionItemForm,
    ActionMoveForm,
    AdvanceForm,
    ComputeForm,
    DecisionForm,
    DocumentForm,
    DocumentMoveForm,
    EmptyForm,
    ExternalReviewForm,
    FollowUpForm,
    HeldForm,
    IndicatorForm,
    LineForm,
    LockForm,
    MemberForm,
    NoteForm,
    ObjectiveForm,
    ParticipantForm,
    PhaseForm,
    ProgrammeForm,
    ProgressReviewForm,
    RatingForm,
    RecommendationForm,
    ReviseForm,
    StrategyForm,
    ValueEditForm,
    ValueForm,
    WorkingGroupForm,
    apply_errors,
)
from spilno.cooperation.models import (
    ActionItem,
    Indicator,
    IndicatorValue,
    LineOfEffort,
    Objective,
    OrganisationRole,
    Programme,
    ProgressReview,
    Recommendation,
    ReviewRating,
    StrategicDocument,
    Strategy,
    Unit,
    WorkingGroup,
)
from spilno.cooperation.models import Review as ExternalReview
from spilno.cooperation.services import programmes as programme_svc
from spilno.cooperation.services import recommendations as recommendation_svc
from spilno.cooperation.services import reviews as review_svc
from spilno.cooperation.services import strategies as strategy_svc
from spilno.cooperation.services import values as value_svc
from spilno.cooperation.states import (
    ACTION_CLOSED,
    DOCUMENT_TRANSITIONS,
    RECOMMENDATION_NEEDS,
    RECOMMENDATION_ORDER,
    ActionStatus,
    IllegalTransition,
    Rating,
    RecommendationStatus,
    ReviewStatus,
    ValueStatus,
)
from spilno.core.models import Agreement, AgreementParty, CooperationArea, Organisation
from spilno.core.selectors import agreements_for, organisations_for
from spilno.kernel import clock, metrics
from spilno.kernel.access import AccessDenied, acts_for, can, require
from spilno.kernel.webtools import Action, done, int_or_none, keyset, refused

VIEW = "cooperation.view"
MANAGE = "cooperation.programme.manage"
ENTER = "cooperation.value.enter"
APPROVE = "cooperation.value.approve"
LOCK = "cooperation.period.lock"
REVIEW = "cooperation.review.manage"
RECOMMEND = "cooperation.recommendation.manage"
STRATEGY = "cooperation.strategy.manage"

TRENDS = {
    "improving": ("↑", gettext_lazy("improving")),
    "worsening": ("↓", gettext_lazy("worsening")),
    "steady": ("→", gettext_lazy("steady")),
    "new": ("•", gettext_lazy("first rating")),
    "none": ("", "—"),
}
NEED_LABELS = {
    "event": gettext_lazy("the event that adopted it"),
    "date": gettext_lazy("the date"),
    "evidence": gettext_lazy("evidence"),
    "note": gettext_lazy("a verifier's note"),
}


# --- helpers ---------------------------------------------------------------------------------
def or_404(getter: Callable[[Any, Any], Any], user: Any, key: Any) -> Any:
    """A record the user may see, else 404 (hidden records are indistinguishable from none)."""
    try:
        return getter(user, key)
    except ObjectDoesNotExist:
        raise Http404(_("No such record, or you may not see it.")) from None


def may(user: Any, obj: Any, action: str, organisation_ids: Iterable[int]) -> bool:
    """``action`` on ``obj`` with the role held in one of its participating organisations (what
    the services check with ``require_participant``)."""
    if not can(user, action, obj):
        return False
    return any(acts_for(user, org, action) for org in organisation_ids)


def _refuse(action: str) -> AccessDenied:
    return AccessDenied(f"Not allowed: {action} (you hold no such role in a participant).")


def _visible_organisations(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.visible_to(user).order_by("name_en")


def _unit_suffix(unit: str) -> str:
    """What follows a figure: "%", nothing for plain counts and scores, else the unit's name."""
    if unit == Unit.PERCENT:
        return "%"
    if unit in (Unit.COUNT, Unit.SCORE) or unit not in Unit.values:
        return ""
    return f" {Unit(unit).label}"


def _svg(markup: str) -> SafeString:
    """Charts are drawn by :mod:`spilno.cooperation.charts` from our own figures, every text in
    them escaped there; so the markup may go into the page as it is."""
    return mark_safe(markup)  # noqa: S308


class Actions(dict[str, Action]):
    """The inline forms a page offers, by key; a bound form (with errors) replaces a fresh one."""

    def __init__(self, bound: dict[str, forms.Form] | None) -> None:
        super().__init__()
        self.bound = bound or {}

    def add(
        self, key: str, url: str, label: str, make: Callable[..., forms.Form], **kw: Any
    ) -> Action:
        form = self.bound[key] if key in self.bound else make(prefix=key)
        action = Action(key=key, url=url, label=label, form=form, **kw)
        self[key] = action
        return action


@dataclass
class Page:
    """A detail page an inline form posts from: where to go back, and how to draw it again."""

    template: str
    back: str
    build: Callable[[dict[str, forms.Form]], dict[str, Any]]


def _post(
    request: HttpRequest,
    page: Page,
    key: str,
    form: forms.Form,
    call: Callable[[], str],
    rename: Callable[[str], str] | None = None,
) -> HttpResponse:
    """Validate, make the one service call, redirect with its message; else the form with its
    errors (htmx: in place; a browser: the whole page, 422). Nothing is written on error."""
    if form.is_valid():
        try:
            message = call()
        except ValidationError as exc:
            apply_errors(form, exc, rename)
        except IllegalTransition as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, message)
            return done(request, page.back)
    context = page.build({key: form})
    return refused(
        request, key=key, form=form, template=page.template, context=context, back=page.back
    )


def _common(request: HttpRequest, section: str) -> dict[str, Any]:
    return {"section": section, "may_approve": can(request.user, APPROVE)}


def _url(name: str, *args: Any) -> str:
    return reverse(f"cooperation:{name}", args=args)


def _form_page(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], tuple[str, str]],
    *,
    section: str,
    title: str,
    crumbs: list[tuple[str, str]],
    cancel: str,
    rename: Callable[[str], str] | None = None,
    refusal: str = "",
) -> HttpResponse:
    """A page of its own for one form (create or edit): on a valid POST the one service call,
    which answers where to go and what to say; else the form with its errors (422), nothing
    written. ``refusal`` (e.g. the record moved on) refuses every POST with that reason."""
    if refusal:
        form.add_error(None, refusal)
    elif request.method == "POST" and form.is_valid():
        try:
            url, message = call(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc, rename)
        except IllegalTransition as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, message)
            return redirect(url)
    return render(
        request,
        "cooperation/form.html",
        {
            **_common(request, section),
            "form": form,
            "title": title,
            "crumbs": crumbs,
            "cancel": cancel,
            "refused": bool(refusal),
        },
        status=422 if request.method == "POST" else 200,
    )


def _managed_agreements(user: Any) -> QuerySet[Agreement]:
    """The visible agreements in one of whose parties the user may manage programmes."""
    if not can(user, MANAGE):
        return Agreement.objects.none()
    orgs = [org for org in user.organisation_ids() if acts_for(user, org, MANAGE)]
    ids = agreements_for(user).filter(agreement_parties__organisation__in=orgs).values("pk")
    return Agreement.objects.filter(pk__in=ids).order_by("title_en")


def _owners(user: Any, action: str) -> QuerySet[Organisation]:
    """The user's own organisations in which they hold a role for ``action``."""
    if not can(user, action):
        return Organisation.objects.none()
    ids = [org for org in user.organisation_ids() if acts_for(user, org, action)]
    return Organisation.objects.filter(pk__in=ids).order_by("name_en")


# --- programmes ------------------------------------------------------------------------------
@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, VIEW)
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "partner", "area")}
    qs = selectors.programmes_for(
        user, partner=int_or_none(filters["partner"]), area=filters["area"], q=filters["q"]
    ).prefetch_related("agreement__agreement_parties__organisation")
    rows, next_after = keyset(request, qs)
    visible = selectors.programmes_for(user)
    partners = organisations_for(user).filter(
        pk__in=AgreementParty.objects.filter(agreement__programmes__in=visible.values("pk")).values(
            "organisation"
        )
    )
    return render(
        request,
        "cooperation/programme_list.html",
        {
            **_common(request, "programmes"),
            "rows": rows,
            "next_after": next_after,
            "filters": filters,
            "partners": partners.order_by("name_en"),
            "areas": CooperationArea.objects.all(),
            "may_create": _managed_agreements(user).exists(),
        },
    )


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, MANAGE)
    agreements = _managed_agreements(user)
    if not agreements.exists():
        raise _refuse(MANAGE)
    form = ProgrammeForm(request.POST or None, agreements=agreements)

    def call(data: dict[str, Any]) -> tuple[str, str]:
        programme = programme_svc.create_programme(actor=user, **data)
        message = _("Created %(ref)s.") % {"ref": programme.reference}
        return _url("programme-detail", programme.pk), message

    back = _url("programme-list")
    return _form_page(
        request, form, call, section="programmes", title=_("New programme"),
        crumbs=[(back, _("Programmes"))], cancel=back,
    )  # fmt: skip


def _indicator_summary(indicator: Indicator) -> dict[str, Any]:
    """The latest approved figure and how far it is from baseline to target."""
    points = selectors.series(indicator)
    latest = points[-1] if points else None
    share = selectors.progress(indicator, latest.value if latest else None)
    return {
        "indicator": indicator,
        "points": points,
        "latest": latest,
        "percent": None if share is None else round(share * 100),
        "unit": _unit_suffix(indicator.unit),
    }


def _programme_context(
    request: HttpRequest, programme: Programme, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    parties = list(programme.agreement.agreement_parties.select_related("organisation"))
    org_ids = [p.organisation_id for p in parties]
    may_manage = may(user, programme, MANAGE, org_ids)
    actions = Actions(bound)
    lines = []
    for line in programme.lines.prefetch_related("areas", "objectives__indicators"):
        objectives = []
        for objective in line.objectives.all():
            objectives.append(
                {
                    "objective": objective,
                    "indicators": [_indicator_summary(i) for i in objective.indicators.all()],
                    "add_indicator": actions.add(
                        f"indicator-{objective.pk}",
                        _url("indicator-add", objective.pk),
                        _("Add the indicator"),
                        IndicatorForm,
                    )
                    if may_manage
                    else None,
                }
            )
        lines.append(
            {
                "line": line,
                "objectives": objectives,
                "add_objective": actions.add(
                    f"objective-{line.pk}",
                    _url("objective-add", line.pk),
                    _("Add the objective"),
                    ObjectiveForm,
                )
                if may_manage
                else None,
            }
        )
    if may_manage:
        actions.add("line", _url("line-add", programme.pk), _("Add the line of effort"), LineForm)
    reviews = list(programme.reviews.all())
    if may(user, programme, REVIEW, org_ids):
        actions.add(
            "review", _url("review-plan", programme.pk), _("Plan the review"), ProgressReviewForm
        )
    if may(user, programme, LOCK, org_ids):
        held = [r for r in reviews if r.status == ReviewStatus.HELD]
        initial = {"until": max(r.period_end for r in held)} if held else {}
        actions.add(
            "lock",
            _url("programme-lock", programme.pk),
            _("Lock the period"),
            partial(LockForm, initial=initial),
        )
    return {
        **_common(request, "programmes"),
        "programme": programme,
        "agreement": programme.agreement,
        "parties": parties,
        "lines": lines,
        "reviews": reviews,
        "open_actions": selectors.open_actions(programme),
        "today": clock.today(),
        "actions": actions,
        "may_manage": may_manage,
        "can_audit": can(user, "audit.entry.view"),
    }


def _programme_page(request: HttpRequest, programme: Programme) -> Page:
    def build(bound: dict[str, forms.Form]) -> dict[str, Any]:
        fresh = or_404(selectors.programme_for, request.user, programme.pk)
        return _programme_context(request, fresh, bound)

    return Page("cooperation/programme_detail.html", _url("programme-detail", programme.pk), build)


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    programme = or_404(selectors.programme_for, request.user, pk)
    return render(
        request, "cooperation/programme_detail.html", _programme_context(request, programme)
    )


def _programme_for_write(request: HttpRequest, pk: int, action: str) -> Programme:
    programme: Programme = or_404(selectors.programme_for, request.user, pk)
    if not may(request.user, programme, action, programme.participant_ids()):
        raise _refuse(action)
    return programme


@login_required
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_for_write(request, pk, MANAGE)
    form = LineForm(request.POST, prefix="line")

    def call() -> str:
        data = form.cleaned_data
        line = programme_svc.add_line(
            actor=request.user,
            programme=programme,
            areas=list(data["areas"]),
            title_en=data["title_en"],
            title_uk=data["title_uk"],
            description=data["description"],
        )
        return _("Added %(code)s.") % {"code": line.code}

    return _post(request, _programme_page(request, programme), "line", form, call)


@login_required
@require_POST
def objective_add(request: HttpRequest, pk: int) -> HttpResponse:
    line: LineOfEffort = or_404(selectors.line_for, request.user, pk)
    programme = _programme_for_write(request, line.programme_id, MANAGE)
    key = f"objective-{line.pk}"
    form = ObjectiveForm(request.POST, prefix=key)

    def call() -> str:
        objective = programme_svc.add_objective(actor=request.user, line=line, **form.cleaned_data)
        return _("Added objective %(code)s.") % {"code": objective.code}

    return _post(request, _programme_page(request, programme), key, form, call)


@login_required
@require_POST
def indicator_add(request: HttpRequest, pk: int) -> HttpResponse:
    objective: Objective = or_404(selectors.objective_for, request.user, pk)
    programme = _programme_for_write(request, objective.line.programme_id, MANAGE)
    key = f"indicator-{objective.pk}"
    form = IndicatorForm(request.POST, prefix=key)

    def call() -> str:
        indicator = programme_svc.add_indicator(
            actor=request.user, objective=objective, **form.values()
        )
        return _("Added the indicator “%(title)s”.") % {"title": indicator.title}

    return _post(request, _programme_page(request, programme), key, form, call, form.rename_error)


@login_required
@require_POST
def review_plan(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_for_write(request, pk, REVIEW)
    form = ProgressReviewForm(request.POST, prefix="review")
    planned: list[ProgressReview] = []

    def call() -> str:
        planned.append(
            review_svc.plan_review(actor=request.user, programme=programme, **form.cleaned_data)
        )
        return _("Planned “%(title)s”.") % {"title": planned[0].title}

    response = _post(request, _programme_page(request, programme), "review", form, call)
    if planned:  # go on to the review itself: that is where it is prepared
        return done(request, _url("progress-review-detail", planned[0].pk))
    return response


@login_required
@require_POST
def programme_lock(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_for_write(request, pk, LOCK)
    form = LockForm(request.POST, prefix="lock")

    def call() -> str:
        until = form.cleaned_data["until"]
        programme_svc.lock_period(actor=request.user, programme=programme, until=until)
        return _("Values up to %(until)s are locked.") % {"until": until.isoformat()}

    return _post(request, _programme_page(request, programme), "lock", form, call)


def _programme_crumbs(programme: Programme) -> list[tuple[str, str]]:
    return [
        (_url("programme-list"), _("Programmes")),
        (_url("programme-detail", programme.pk), programme.reference),
    ]


@login_required
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_for_write(request, pk, MANAGE)
    form = ProgrammeForm(request.POST or None, initial=ProgrammeForm.initial_for(programme))
    back = _url("programme-detail", programme.pk)

    def call(data: dict[str, Any]) -> tuple[str, str]:
        programme_svc.update_programme(actor=request.user, programme=programme, **data)
        return back, _("%(ref)s saved.") % {"ref": programme.reference}

    return _form_page(
        request, form, call, section="programmes",
        title=_("Edit %(ref)s") % {"ref": programme.reference},
        crumbs=_programme_crumbs(programme), cancel=back,
    )  # fmt: skip


@login_required
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    line: LineOfEffort = or_404(selectors.line_for, request.user, pk)
    programme = _programme_for_write(request, line.programme_id, MANAGE)
    form = LineForm(request.POST or None, initial=LineForm.initial_for(line))
    back = _url("line-detail", line.pk)

    def call(data: dict[str, Any]) -> tuple[str, str]:
        programme_svc.update_line(
            actor=request.user,
            line=line,
            areas=list(data["areas"]),
            title_en=data["title_en"],
            title_uk=data["title_uk"],
            description=data["description"],
        )
        return back, _("%(code)s saved.") % {"code": line.code}

    return _form_page(
        request, form, call, section="programmes",
        title=_("Edit %(code)s") % {"code": line.code},
        crumbs=[*_programme_crumbs(programme), (back, line.code)], cancel=back,
    )  # fmt: skip


@login_required
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective: Objective = or_404(selectors.objective_for, request.user, pk)
    line = objective.line
    programme = _programme_for_write(request, line.programme_id, MANAGE)
    form = ObjectiveForm(request.POST or None, initial=ObjectiveForm.initial_for(objective))
    back = _url("line-detail", line.pk)

    def call(data: dict[str, Any]) -> tuple[str, str]:
        programme_svc.update_objective(actor=request.user, objective=objective, **data)
        return back, _("Objective %(code)s saved.") % {"code": objective.code}

    return _form_page(
        request, form, call, section="programmes",
        title=_("Edit objective %(code)s") % {"code": objective.code},
        crumbs=[*_programme_crumbs(programme), (back, line.code)], cancel=back,
    )  # fmt: skip


@login_required
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator_for_write(request, pk, MANAGE)
    line = indicator.objective.line
    form = IndicatorForm(request.POST or None, initial=IndicatorForm.initial_for(indicator))
    back = _url("indicator-detail", indicator.pk)

    def call(data: dict[str, Any]) -> tuple[str, str]:
        programme_svc.update_indicator(actor=request.user, indicator=indicator, **form.values())
        return back, _("The indicator “%(title)s” is saved.") % {"title": indicator.title}

    crumbs = [*_programme_crumbs(line.programme), (_url("line-detail", line.pk), line.code)]
    return _form_page(
        request, form, call, section="programmes",
        title=_("Edit the indicator “%(title)s”") % {"title": indicator.title},
        crumbs=[*crumbs, (back, indicator.title)], cancel=back, rename=form.rename_error,
    )  # fmt: skip


# --- lines of effort -------------------------------------------------------------------------
def _chart(indicator: Indicator, points: list[selectors.Point]) -> SafeString:
    return _svg(
        charts.indicator_chart(
            title=indicator.title,
            points=[(p.as_of, p.value) for p in points],
            baseline=(indicator.baseline_date, indicator.baseline),
            target=(indicator.target_date, indicator.target),
            unit=_unit_suffix(indicator.unit),
        )
    )


@login_required
def line_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, VIEW)
    line: LineOfEffort = or_404(selectors.line_for, user, pk)
    history = selectors.rating_history(line)
    strip = (
        _svg(
            charts.rating_strip(
                [
                    (p.review.held_on, p.rating, f"{p.review.title}: {Rating(p.rating).label}")
                    for p in history
                ],
                title=_("Ratings of %(code)s") % {"code": line.code},
            )
        )
        if history
        else None
    )
    objectives = []
    for objective in line.objectives.prefetch_related("indicators"):
        indicators = []
        for indicator in objective.indicators.all():
            summary = _indicator_summary(indicator)
            summary["chart"] = _chart(indicator, summary["points"])
            indicators.append(summary)
        objectives.append(
            {
                "objective": objective,
                "indicators": indicators,
                "ratings": selectors.objective_ratings(objective),
            }
        )
    return render(
        request,
        "cooperation/line_detail.html",
        {
            **_common(request, "programmes"),
            "line": line,
            "programme": line.programme,
            "history": [
                {
                    "point": p,
                    "label": Rating(p.rating).label,
                    "arrow": TRENDS[p.trend][0],
                    "trend": TRENDS[p.trend][1],
                }
                for p in history
            ],
            "strip": strip,
            "objectives": objectives,
            "may_manage": may(user, line.programme, MANAGE, line.programme.participant_ids()),
            "recommendations": selectors.recommendations_for(user)
            .filter(objectives__line=line)
            .distinct(),
        },
    )


# --- indicators and their values -------------------------------------------------------------
def _indicator_context(
    request: HttpRequest, indicator: Indicator, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    uid = getattr(user, "pk", None)
    programme = indicator.objective.line.programme
    org_ids = list(programme.participant_ids())
    may_enter = may(user, programme, ENTER, org_ids)
    may_approve = may(user, programme, APPROVE, org_ids)
    locked_until = programme.locked_until
    actions = Actions(bound)
    values = list(
        indicator.values.select_related("entered_by", "reviewed_by").order_by("as_of", "revision")
    )
    revised = {v.supersedes_id for v in values if v.supersedes_id}
    rows = []
    for value in values:
        n = value.pk
        locked = locked_until is not None and value.as_of <= locked_until
        row: dict[str, Any] = {"value": value, "locked": locked, "own": value.entered_by_id == uid}
        status = value.status
        editable = status in (ValueStatus.DRAFT, ValueStatus.RETURNED) or (
            status == ValueStatus.APPROVED and not locked
        )
        if may_enter and not value.computed:
            if editable and not locked:
                row["edit"] = actions.add(
                    f"edit-{n}",
                    _url("value-edit", n),
                    _("Save the changes"),
                    partial(ValueEditForm, initial=ValueEditForm.initial_for(value)),
                )
            if status in (ValueStatus.DRAFT, ValueStatus.RETURNED):
                row["submit"] = actions.add(
                    f"submit-{n}", _url("value-submit", n), _("Submit for approval"), EmptyForm
                )
                row["withdraw"] = actions.add(
                    f"withdraw-{n}",
                    _url("value-withdraw", n),
                    _("Withdraw"),
                    EmptyForm,
                    danger=True,
                )
            if status == ValueStatus.APPROVED and locked and n not in revised:
                row["revise"] = actions.add(
                    f"revise-{n}", _url("value-revise", n), _("Record the revision"), ReviseForm
                )
        # The author never reviews their own figure (the service refuses; so the page does not
        # offer it).
        if status == ValueStatus.SUBMITTED and may_approve and not row["own"]:
            row["approve"] = actions.add(
                f"approve-{n}", _url("value-approve", n), _("Approve"), NoteForm
            )
            row["return"] = actions.add(
                f"return-{n}", _url("value-return", n), _("Return for revision"), NoteForm,
                danger=True,
            )  # fmt: skip
        rows.append(row)
    metric = None
    if indicator.computed:
        try:
            metric = metrics.metric(indicator.metric)
        except metrics.UnknownMetric:
            metric = None
        if may_enter:
            actions.add(
                "compute",
                _url("indicator-compute", indicator.pk),
                _("Compute now"),
                partial(ComputeForm, initial={"as_of": clock.today()}),
            )
    elif may_enter:
        actions.add(
            "value",
            _url("value-enter", indicator.pk),
            _("Record the value"),
            partial(ValueForm, initial={"source": indicator.source}),
        )
    points = selectors.series(indicator)
    return {
        **_common(request, "programmes"),
        "indicator": indicator,
        "objective": indicator.objective,
        "line": indicator.objective.line,
        "programme": programme,
        "summary": _indicator_summary(indicator),
        "chart": _chart(indicator, points),
        "metric": metric,
        "may_manage": may(user, programme, MANAGE, org_ids),
        "rows": rows,
        "locked_until": locked_until,
        "actions": actions,
        "can_audit": can(user, "audit.entry.view"),
    }


def _indicator_page(request: HttpRequest, indicator: Indicator) -> Page:
    def build(bound: dict[str, forms.Form]) -> dict[str, Any]:
        fresh = or_404(selectors.indicator_for, request.user, indicator.pk)
        return _indicator_context(request, fresh, bound)

    return Page("cooperation/indicator_detail.html", _url("indicator-detail", indicator.pk), build)


@login_required
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    indicator = or_404(selectors.indicator_for, request.user, pk)
    return render(
        request, "cooperation/indicator_detail.html", _indicator_context(request, indicator)
    )


def _indicator_for_write(request: HttpRequest, pk: int, action: str) -> Indicator:
    indicator: Indicator = or_404(selectors.indicator_for, request.user, pk)
    programme = indicator.objective.line.programme
    if not may(request.user, programme, action, programme.participant_ids()):
        raise _refuse(action)
    return indicator


def _value_for_write(request: HttpRequest, pk: int, action: str) -> IndicatorValue:
    value: IndicatorValue = or_404(selectors.value_for, request.user, pk)
    programme = value.indicator.objective.line.programme
    if not may(request.user, programme, action, programme.participant_ids()):
        raise _refuse(action)
    return value


@login_required
@require_POST
def value_enter(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator_for_write(request, pk, ENTER)
    form = ValueForm(request.POST, prefix="value")

    def call() -> str:
        data = form.cleaned_data
        value_svc.enter_value(
            actor=request.user,
            indicator=indicator,
            as_of=data["as_of"],
            value=data["value"],
            unit=indicator.unit,
            source=data["source"],
            evidence=data["evidence"],
            note=data["note"],
        )
        return _("Value recorded as a draft; submit it for approval when it is ready.")

    return _post(request, _indicator_page(request, indicator), "value", form, call)


@login_required
@require_POST
def indicator_compute(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator_for_write(request, pk, ENTER)
    form = ComputeForm(request.POST, prefix="compute")

    def call() -> str:
        as_of = form.cleaned_data["as_of"]
        try:
            row = value_svc.compute_value(actor=request.user, indicator=indicator, as_of=as_of)
        except metrics.UnknownMetric:
            raise ValidationError(
                {"as_of": _("The metric %(key)s is not available.") % {"key": indicator.metric}}
            ) from None
        if row is None:
            return _("Nothing to measure yet as of %(date)s.") % {"date": as_of.isoformat()}
        return _("Computed: %(value)s as of %(date)s.") % {
            "value": row.value,
            "date": row.as_of.isoformat(),
        }

    return _post(request, _indicator_page(request, indicator), "compute", form, call)


@login_required
@require_POST
def value_edit(request: HttpRequest, pk: int) -> HttpResponse:
    value = _value_for_write(request, pk, ENTER)
    key = f"edit-{value.pk}"
    form = ValueEditForm(request.POST, prefix=key)

    def call() -> str:
        data = form.cleaned_data
        value_svc.update_value(
            actor=request.user,
            value=value,
            new_value=data["value"],
            source=data["source"],
            evidence=data["evidence"],
            note=data["note"],
        )
        return _("Value changed.")

    return _post(request, _indicator_page(request, value.indicator), key, form, call)


@login_required
@require_POST
def value_submit(request: HttpRequest, pk: int) -> HttpResponse:
    value = _value_for_write(request, pk, ENTER)
    key = f"submit-{value.pk}"

    def call() -> str:
        value_svc.submit_value(actor=request.user, value=value)
        return _("Submitted for approval.")

    page = _indicator_page(request, value.indicator)
    return _post(request, page, key, EmptyForm(request.POST, prefix=key), call)


@login_required
@require_POST
def value_approve(request: HttpRequest, pk: int) -> HttpResponse:
    value = _value_for_write(request, pk, APPROVE)
    key = f"approve-{value.pk}"
    form = NoteForm(request.POST, prefix=key)

    def call() -> str:
        value_svc.approve_value(actor=request.user, value=value, note=form.cleaned_data["note"])
        return _("Value approved.")

    return _post(request, _indicator_page(request, value.indicator), key, form, call)


@login_required
@require_POST
def value_return(request: HttpRequest, pk: int) -> HttpResponse:
    value = _value_for_write(request, pk, APPROVE)
    key = f"return-{value.pk}"
    form = NoteForm(request.POST, prefix=key)

    def call() -> str:
        value_svc.return_value(actor=request.user, value=value, note=form.cleaned_data["note"])
        return _("Value returned to its author for revision.")

    return _post(request, _indicator_page(request, value.indicator), key, form, call)


@login_required
@require_POST
def value_revise(request: HttpRequest, pk: int) -> HttpResponse:
    value = _value_for_write(request, pk, ENTER)
    key = f"revise-{value.pk}"
    form = ReviseForm(request.POST, prefix=key)

    def call() -> str:
        data = form.cleaned_data
        value_svc.revise_value(
            actor=request.user,
            value=value,
            new_value=data["new_value"],
            reason=data["reason"],
            source=data["source"],
            evidence=data["evidence"],
        )
        return _("Revision recorded; it replaces the reviewed value once approved.")

    page = _indicator_page(request, value.indicator)
    return _post(request, page, key, form, call, ReviseForm.rename_error)


@login_required
@require_POST
def value_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    value = _value_for_write(request, pk, ENTER)
    key = f"withdraw-{value.pk}"

    def call() -> str:
        value_svc.withdraw_value(actor=request.user, value=value)
        return _("Value withdrawn.")

    page = _indicator_page(request, value.indicator)
    return _post(request, page, key, EmptyForm(request.POST, prefix=key), call)


@login_required
def values_waiting(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, APPROVE)
    uid = getattr(user, "pk", None)
    rows = [
        {"value": v, "own": v.entered_by_id == uid, "unit": _unit_suffix(v.unit)}
        for v in selectors.values_waiting(user)
    ]
    return render(
        request,
        "cooperation/values_waiting.html",
        {**_common(request, "waiting"), "rows": rows},
    )


# --- progress reviews ------------------------------------------------------------------------
def _brief_links(user: Any, review: ProgressReview, parties: list[Organisation]) -> list[Any]:
    """One link to the consultation brief per partner: the parties of the agreement other than
    the reader's own organisations (all of them if the reader belongs to none or every one)."""
    try:
        base = reverse("cooperation:brief")
    except NoReverseMatch:  # the brief's pages are not installed
        return []
    own = set(user.organisation_ids())
    partners = [org for org in parties if org.pk not in own] or parties
    period = {"start": review.period_start.isoformat(), "end": review.period_end.isoformat()}
    return [
        {"organisation": org, "url": f"{base}?{urlencode({'partner': org.pk, **period})}"}
        for org in partners
    ]


def _progress_review_context(
    request: HttpRequest, review: ProgressReview, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    programme = review.programme
    parties = [
        p.organisation for p in programme.agreement.agreement_parties.select_related("organisation")
    ]
    may_manage = may(user, programme, REVIEW, [o.pk for o in parties])
    planned = review.status == ReviewStatus.PLANNED
    actions = Actions(bound)
    organisations = _visible_organisations(user)
    lines_qs = programme.lines.all()

    if may_manage:
        actions.add(
            "participant",
            _url("participant-add", review.pk),
            _("Add the participant"),
            partial(ParticipantForm, organisations=organisations),
        )
    ratings = {(r.line_id, r.objective_id): r for r in review.ratings.all()}

    def rate(key: str, url: str, current: ReviewRating | None) -> Action | None:
        if not (may_manage and planned):
            return None
        initial = {"rating": current.rating, "narrative": current.narrative} if current else {}
        label = _("Change the rating") if current else _("Rate")
        return actions.add(key, url, label, partial(RatingForm, initial=initial))

    lines = []
    for line in programme.lines.prefetch_related("objectives"):
        rating = ratings.get((line.pk, None))
        objectives = []
        for objective in line.objectives.all():
            current = ratings.get((line.pk, objective.pk))
            objectives.append(
                {
                    "objective": objective,
                    "rating": current,
                    "rate": rate(
                        f"rate-objective-{objective.pk}",
                        _url("rate-objective", review.pk, objective.pk),
                        current,
                    ),
                }
            )
        lines.append(
            {
                "line": line,
                "rating": rating,
                "rate": rate(f"rate-line-{line.pk}", _url("rate-line", review.pk, line.pk), rating),
                "objectives": objectives,
            }
        )
    if may_manage:
        actions.add(
            "decision",
            _url("decision-add", review.pk),
            _("Record the decision"),
            partial(DecisionForm, lines=lines_qs),
        )
        actions.add(
            "action",
            _url("action-add", review.pk),
            _("Add the action item"),
            partial(
                ActionItemForm,
                lines=lines_qs,
                organisations=organisations,
                initial={"due_on": review.held_on + dt.timedelta(days=90)},
            ),
        )
    items = []
    for item in review.action_items.select_related("owner", "line"):
        move = None
        if may_manage and item.status not in ACTION_CLOSED:
            move = actions.add(
                f"move-{item.pk}",
                _url("action-move", review.pk, item.pk),
                _("Change the status"),
                partial(ActionMoveForm, current=item.status),
            )
        items.append({"item": item, "move": move})
    followed = {f.action_id: f for f in review.follow_ups.select_related("action__review")}
    follow = []
    for item in selectors.open_actions(programme, before=review.held_on):
        earlier = followed.get(item.pk)
        action = None
        if may_manage:
            initial = {"status": item.status, "note": earlier.note if earlier else ""}
            action = actions.add(
                f"follow-{item.pk}",
                _url("follow-up", review.pk, item.pk),
                _("Record the follow-up"),
                partial(FollowUpForm, current=item.status, initial=initial),
            )
        follow.append({"item": item, "follow_up": earlier, "action": action})
    if may_manage and planned:
        actions.add(
            "held",
            _url("review-held", review.pk),
            _("Mark as held"),
            partial(HeldForm, initial={"summary": review.summary}),
        )
    return {
        **_common(request, "programmes"),
        "review": review,
        "programme": programme,
        "participants": review.participants.select_related("organisation"),
        "lines": lines,
        "decisions": review.decisions.select_related("line"),
        "items": items,
        "follow": follow,
        "followed": list(followed.values()),
        "all_rated": bool(lines) and all(row["rating"] for row in lines),
        "all_followed": all(row["follow_up"] for row in follow),
        "brief_links": _brief_links(user, review, parties),
        "today": clock.today(),
        "may_manage": may_manage,
        "may_edit": may_manage and planned,
        "actions": actions,
    }


def _progress_review_page(request: HttpRequest, review: ProgressReview) -> Page:
    def build(bound: dict[str, forms.Form]) -> dict[str, Any]:
        fresh = or_404(selectors.progress_review_for, request.user, review.pk)
        return _progress_review_context(request, fresh, bound)

    return Page(
        "cooperation/progress_review_detail.html",
        _url("progress-review-detail", review.pk),
        build,
    )


@login_required
def progress_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    review = or_404(selectors.progress_review_for, request.user, pk)
    return render(
        request,
        "cooperation/progress_review_detail.html",
        _progress_review_context(request, review),
    )


def _review_for_write(request: HttpRequest, pk: int) -> ProgressReview:
    review: ProgressReview = or_404(selectors.progress_review_for, request.user, pk)
    if not may(request.user, review.programme, REVIEW, review.programme.participant_ids()):
        raise _refuse(REVIEW)
    return review


@login_required
@require_POST
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for_write(request, pk)
    form = ParticipantForm(
        request.POST, prefix="participant", organisations=_visible_organisations(request.user)
    )

    def call() -> str:
        data = form.cleaned_data
        review_svc.add_participant(
            actor=request.user,
            review=review,
            organisation=data["organisation"],
            person=data["person"],
            position=data["position"],
        )
        return _("Participant added.")

    return _post(request, _progress_review_page(request, review), "participant", form, call)


def _rate(
    request: HttpRequest,
    review: ProgressReview,
    key: str,
    line: LineOfEffort,
    objective: Objective | None,
) -> HttpResponse:
    form = RatingForm(request.POST, prefix=key)

    def call() -> str:
        review_svc.rate(
            actor=request.user,
            review=review,
            line=line,
            objective=objective,
            rating=form.cleaned_data["rating"],
            narrative=form.cleaned_data["narrative"],
        )
        code = objective.code if objective else line.code
        return _("Rated %(code)s.") % {"code": code}

    return _post(request, _progress_review_page(request, review), key, form, call)


@login_required
@require_POST
def rate_line(request: HttpRequest, pk: int, line: int) -> HttpResponse:
    review = _review_for_write(request, pk)
    target = get_object_or_404(LineOfEffort, pk=line, programme=review.programme)
    return _rate(request, review, f"rate-line-{target.pk}", target, None)


@login_required
@require_POST
def rate_objective(request: HttpRequest, pk: int, objective: int) -> HttpResponse:
    review = _review_for_write(request, pk)
    target = get_object_or_404(
        Objective.objects.select_related("line"), pk=objective, line__programme=review.programme
    )
    return _rate(request, review, f"rate-objective-{target.pk}", target.line, target)


@login_required
@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for_write(request, pk)
    form = DecisionForm(request.POST, prefix="decision", lines=review.programme.lines.all())

    def call() -> str:
        review_svc.add_decision(
            actor=request.user,
            review=review,
            text=form.cleaned_data["text"],
            line=form.cleaned_data["line"],
        )
        return _("Decision recorded.")

    return _post(request, _progress_review_page(request, review), "decision", form, call)


@login_required
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for_write(request, pk)
    form = ActionItemForm(
        request.POST,
        prefix="action",
        lines=review.programme.lines.all(),
        organisations=_visible_organisations(request.user),
    )

    def call() -> str:
        data = form.cleaned_data
        review_svc.add_action(
            actor=request.user,
            review=review,
            text=data["text"],
            owner=data["owner"],
            owner_person=data["owner_person"],
            due_on=data["due_on"],
            line=data["line"],
        )
        return _("Action item added.")

    return _post(request, _progress_review_page(request, review), "action", form, call)


@login_required
@require_POST
def action_move(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    review = _review_for_write(request, pk)
    target = get_object_or_404(ActionItem, pk=item, review=review)
    key = f"move-{target.pk}"
    form = ActionMoveForm(request.POST, prefix=key, current=target.status)

    def call() -> str:
        moved = review_svc.move_action(
            actor=request.user,
            action=target,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["on"],
        )
        return _("The action item is now: %(status)s.") % {"status": moved.get_status_display()}

    return _post(request, _progress_review_page(request, review), key, form, call)


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    review = _review_for_write(request, pk)
    target = get_object_or_404(
        ActionItem.objects.select_related("review"), pk=item, review__programme=review.programme
    )
    key = f"follow-{target.pk}"
    form = FollowUpForm(request.POST, prefix=key, current=target.status)

    def call() -> str:
        review_svc.follow_up(
            actor=request.user,
            review=review,
            action=target,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
        return _("Follow-up recorded.")

    return _post(request, _progress_review_page(request, review), key, form, call)


@login_required
@require_POST
def review_held(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for_write(request, pk)
    form = HeldForm(request.POST, prefix="held")

    def call() -> str:
        review_svc.mark_held(
            actor=request.user, review=review, summary=form.cleaned_data["summary"]
        )
        return _("The review is marked as held; its ratings stand.")

    return _post(request, _progress_review_page(request, review), "held", form, call)


@login_required
def progress_review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The details of a planned review; once held, its record stands."""
    review = _review_for_write(request, pk)
    form = ProgressReviewForm(request.POST or None, initial=ProgressReviewForm.initial_for(review))
    back = _url("progress-review-detail", review.pk)
    refusal = (
        ""
        if review.status == ReviewStatus.PLANNED
        else _("The review is held: its record can no longer change.")
    )

    def call(data: dict[str, Any]) -> tuple[str, str]:
        review_svc.update_review(actor=request.user, review=review, **data)
        return back, _("“%(title)s” saved.") % {"title": data["title"]}

    return _form_page(
        request, form, call, section="programmes",
        title=_("Edit “%(title)s”") % {"title": review.title},
        crumbs=[*_programme_crumbs(review.programme), (back, review.title)], cancel=back,
        refusal=refusal,
    )  # fmt: skip


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, VIEW)
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "owner", "overdue")}
    qs = selectors.actions_for(
        user,
        overdue=bool(filters["overdue"]),
        status=filters["status"],
        owner=int_or_none(filters["owner"]),
    )
    rows, next_after = keyset(request, qs)
    today = clock.today()
    visible = selectors.actions_for(user)
    return render(
        request,
        "cooperation/action_list.html",
        {
            **_common(request, "actions"),
            "rows": [
                {"item": a, "overdue": a.status not in ACTION_CLOSED and a.due_on < today}
                for a in rows
            ],
            "next_after": next_after,
            "filters": filters,
            "statuses": ActionStatus.choices,
            "owners": organisations_for(user)
            .filter(pk__in=visible.values("owner"))
            .order_by("name_en"),
        },
    )


# --- reviews and recommendations -------------------------------------------------------------
@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    qs = selectors.reviews_for(request.user).annotate(n=Count("recommendations"))
    return render(
        request,
        "cooperation/review_list.html",
        {
            **_common(request, "reviews"),
            "rows": _with_roles(qs),
            "may_create": can(request.user, RECOMMEND),
        },
    )


@login_required
def review_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, RECOMMEND)
    form = ExternalReviewForm(
        request.POST or None,
        organisations=_visible_organisations(user),
        agreements=agreements_for(user).order_by("title_en"),
    )

    def call(data: dict[str, Any]) -> tuple[str, str]:
        review = recommendation_svc.create_review(
            actor=user,
            title_en=data["title_en"],
            title_uk=data["title_uk"],
            description=data["description"],
            started_on=data["started_on"],
            lead=list(data["lead"]),
            requested_by=list(data["requested_by"]),
            experts=list(data["experts"]),
            agreement=data["agreement"],
            classification=data["classification"],
        )
        return _url("review-detail", review.pk), _("Created %(ref)s.") % {"ref": review.reference}

    back = _url("review-list")
    return _form_page(
        request, form, call, section="reviews", title=_("New review"),
        crumbs=[(back, _("Reviews"))], cancel=back,
    )  # fmt: skip


def _with_roles(reviews: Iterable[ExternalReview]) -> list[dict[str, Any]]:
    rows = []
    for review in reviews:
        roles = []
        for role, label in OrganisationRole.choices:
            orgs = [ro.organisation for ro in review.review_organisations.all() if ro.role == role]
            if orgs:
                roles.append({"role": role, "label": label, "organisations": orgs})
        rows.append({"review": review, "roles": roles})
    return rows


def _review_context(
    request: HttpRequest, review: ExternalReview, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    may_manage = may(user, review, RECOMMEND, review.participant_ids())
    actions = Actions(bound)
    organisations = _visible_organisations(user)
    groups = []
    for group in review.working_groups.prefetch_related("members__organisation"):
        add = None
        if may_manage:
            add = actions.add(
                f"member-{group.pk}",
                _url("member-add", group.pk),
                _("Add the member"),
                partial(MemberForm, organisations=organisations),
            )
        groups.append({"group": group, "add_member": add})
    if may_manage:
        actions.add("phase", _url("phase-add", review.pk), _("Add the phase"), PhaseForm)
        actions.add(
            "group",
            _url("group-add", review.pk),
            _("Add the working group"),
            partial(WorkingGroupForm, organisations=organisations),
        )
        actions.add(
            "recommendation",
            _url("recommendation-add", review.pk),
            _("Add the recommendation"),
            partial(
                RecommendationForm,
                groups=review.working_groups.all(),
                organisations=organisations,
                objectives=selectors.objectives_for(user),
            ),
        )
    recommendations = selectors.recommendations_for(user, review=review.pk)
    counts = selectors.recommendation_counts(recommendations)
    return {
        **_common(request, "reviews"),
        "review": review,
        "roles": _with_roles([review])[0]["roles"],
        "agreement_visible": review.agreement_id is not None
        and Agreement.objects.visible_to(user).filter(pk=review.agreement_id).exists(),
        "phases": review.phases.all(),
        "groups": groups,
        "recommendations": recommendations,
        "counts": [
            {"status": value, "label": label, "n": counts[value]}
            for value, label in RecommendationStatus.choices
        ],
        "today": clock.today(),
        "may_manage": may_manage,
        "actions": actions,
    }


def _review_page(request: HttpRequest, review: ExternalReview) -> Page:
    def build(bound: dict[str, forms.Form]) -> dict[str, Any]:
        fresh = or_404(selectors.review_for, request.user, review.pk)
        return _review_context(request, fresh, bound)

    return Page("cooperation/review_detail.html", _url("review-detail", review.pk), build)


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    review = or_404(selectors.review_for, request.user, pk)
    return render(request, "cooperation/review_detail.html", _review_context(request, review))


def _external_for_write(request: HttpRequest, pk: int) -> ExternalReview:
    review: ExternalReview = or_404(selectors.review_for, request.user, pk)
    if not may(request.user, review, RECOMMEND, review.participant_ids()):
        raise _refuse(RECOMMEND)
    return review


@login_required
@require_POST
def phase_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _external_for_write(request, pk)
    form = PhaseForm(request.POST, prefix="phase")

    def call() -> str:
        phase = recommendation_svc.add_phase(actor=request.user, review=review, **form.cleaned_data)
        return _("Added phase %(n)s.") % {"n": phase.number}

    return _post(request, _review_page(request, review), "phase", form, call)


@login_required
@require_POST
def group_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _external_for_write(request, pk)
    form = WorkingGroupForm(
        request.POST, prefix="group", organisations=_visible_organisations(request.user)
    )

    def call() -> str:
        group = recommendation_svc.add_working_group(
            actor=request.user,
            review=review,
            name=form.cleaned_data["name"],
            topic=form.cleaned_data["topic"],
            members=form.members(),
        )
        return _("Added the working group %(name)s.") % {"name": group.name}

    return _post(request, _review_page(request, review), "group", form, call)


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(WorkingGroup, pk=pk)
    review = _external_for_write(request, group.review_id)
    key = f"member-{group.pk}"
    form = MemberForm(request.POST, prefix=key, organisations=_visible_organisations(request.user))

    def call() -> str:
        recommendation_svc.add_member(actor=request.user, group=group, **form.cleaned_data)
        return _("Member added to %(name)s.") % {"name": group.name}

    return _post(request, _review_page(request, review), key, form, call)


def _recommendation_form(
    request: HttpRequest, review: ExternalReview, *args: Any, **kw: Any
) -> RecommendationForm:
    return RecommendationForm(
        *args,
        groups=review.working_groups.all(),
        organisations=_visible_organisations(request.user),
        objectives=selectors.objectives_for(request.user),
        **kw,
    )


@login_required
@require_POST
def recommendation_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _external_for_write(request, pk)
    form = _recommendation_form(request, review, request.POST, prefix="recommendation")

    def call() -> str:
        data = form.cleaned_data
        rec = recommendation_svc.add_recommendation(
            actor=request.user,
            review=review,
            title_en=data["title_en"],
            title_uk=data["title_uk"],
            text=data["text"],
            working_group=data["working_group"],
            responsible=data["responsible"],
            due_on=data["due_on"],
            objectives=list(data["objectives"]),
            areas=list(data["areas"]),
            drafted_on=data["drafted_on"],
        )
        return _("Added recommendation %(code)s.") % {"code": rec.code}

    return _post(request, _review_page(request, review), "recommendation", form, call)


def _next_status(rec: Recommendation) -> str | None:
    index = RECOMMENDATION_ORDER.index(RecommendationStatus(rec.status))
    return RECOMMENDATION_ORDER[index + 1] if index + 1 < len(RECOMMENDATION_ORDER) else None


def _recommendation_context(
    request: HttpRequest, rec: Recommendation, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    review = rec.review
    may_manage = may(user, review, RECOMMEND, review.participant_ids())
    actions = Actions(bound)
    target = _next_status(rec)
    needs = [str(NEED_LABELS[n]) for n in RECOMMENDATION_NEEDS.get(target, ())] if target else []
    steps = list(rec.steps.select_related("actor"))
    # Whoever recorded the implementation does not verify it (the service refuses; so the page
    # does not offer it).
    own_step = (
        target == RecommendationStatus.VERIFIED
        and bool(steps)
        and steps[-1].actor_id is not None
        and steps[-1].actor_id == getattr(user, "pk", None)
    )
    if may_manage and target is not None and not own_step:
        actions.add(
            "advance",
            _url("recommendation-advance", rec.pk, target),
            _("Mark it “%(status)s”") % {"status": RecommendationStatus(target).label},
            partial(AdvanceForm, initial={"on": clock.today()}),
        )
    return {
        **_common(request, "reviews"),
        "rec": rec,
        "review": review,
        "steps": steps,
        "own_step": own_step,
        "objectives": selectors.visible_objectives(user, rec),
        "areas": rec.areas.all(),
        "target": RecommendationStatus(target) if target else None,
        "needs": needs,
        "may_manage": may_manage,
        "actions": actions,
    }


def _recommendation_page(request: HttpRequest, rec: Recommendation) -> Page:
    def build(bound: dict[str, forms.Form]) -> dict[str, Any]:
        fresh = or_404(selectors.recommendation_for, request.user, rec.pk)
        return _recommendation_context(request, fresh, bound)

    return Page(
        "cooperation/recommendation_detail.html",
        _url("recommendation-detail", rec.pk),
        build,
    )


@login_required
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    rec = or_404(selectors.recommendation_for, request.user, pk)
    return render(
        request,
        "cooperation/recommendation_detail.html",
        _recommendation_context(request, rec),
    )


def _recommendation_for_write(request: HttpRequest, pk: int) -> Recommendation:
    rec: Recommendation = or_404(selectors.recommendation_for, request.user, pk)
    if not may(request.user, rec.review, RECOMMEND, rec.review.participant_ids()):
        raise _refuse(RECOMMEND)
    return rec


@login_required
@require_POST
def recommendation_advance(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    """One step forwards to ``status``, named in the URL: a page shown before someone else moved
    the recommendation cannot push it two steps."""
    rec = _recommendation_for_write(request, pk)
    form = AdvanceForm(request.POST, prefix="advance")

    def call() -> str:
        data = form.cleaned_data
        moved = recommendation_svc.advance_recommendation(
            actor=request.user,
            recommendation=rec,
            status=status,
            on=data["on"],
            event=data["event"],
            evidence=data["evidence"],
            note=data["note"],
        )
        return _("%(code)s is now %(status)s.") % {
            "code": moved.code,
            "status": moved.get_status_display().lower(),
        }

    return _post(request, _recommendation_page(request, rec), "advance", form, call)


@login_required
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rec = _recommendation_for_write(request, pk)
    objectives = selectors.visible_objectives(request.user, rec)
    form = _recommendation_form(
        request,
        rec.review,
        request.POST or None,
        initial=RecommendationForm.initial_for(rec, objectives),
    )
    del form.fields["drafted_on"]
    if rec.status != RecommendationStatus.DRAFTED:
        form.freeze_wording()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["objectives"])
        # The form shows only the objectives the editor may see; the links stay as they are
        # unless the editor changed them (and then only if nothing hidden would be lost).
        changed = {o.pk for o in chosen} != {o.pk for o in objectives}
        hidden = rec.objectives.exclude(pk__in=[o.pk for o in objectives]).exists()
        try:
            if changed and hidden:
                raise ValidationError(
                    {
                        "objectives": _(
                            "The recommendation also serves objectives you may not see; "
                            "someone who sees them all must change these links."
                        )
                    }
                )
            recommendation_svc.update_recommendation(
                actor=request.user,
                recommendation=rec,
                objectives=chosen if changed else None,
                areas=list(data["areas"]),
                title_en=data["title_en"],
                title_uk=data["title_uk"],
                text=data["text"],
                working_group=data["working_group"],
                responsible=data["responsible"],
                due_on=data["due_on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(code)s saved.") % {"code": rec.code})
            return redirect("cooperation:recommendation-detail", pk=rec.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "cooperation/recommendation_edit.html",
        {**_common(request, "reviews"), "rec": rec, "form": form},
        status=status,
    )


# --- strategies ------------------------------------------------------------------------------
def strategy_list(request: HttpRequest) -> HttpResponse:
    """Open to anonymous readers too: they see the PUBLIC strategies (visibility is the
    selectors' to decide, as everywhere)."""
    today = clock.today()
    rows = []
    for strategy in selectors.strategies_for(request.user).prefetch_related("documents"):
        documents = list(strategy.documents.all())
        rows.append(
            {
                "strategy": strategy,
                "documents": len(documents),
                "approved": sum(1 for d in documents if d.status == "approved"),
                "overdue": sum(1 for d in documents if selectors.overdue(d, today)),
            }
        )
    context = {
        **_common(request, "strategies"),
        "rows": rows,
        "may_create": _owners(request.user, STRATEGY).exists(),
    }
    return render(request, "cooperation/strategy_list.html", context)


@login_required
def strategy_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, STRATEGY)
    owners = _owners(user, STRATEGY)
    if not owners.exists():
        raise _refuse(STRATEGY)
    form = StrategyForm(request.POST or None, owners=owners)

    def call(data: dict[str, Any]) -> tuple[str, str]:
        strategy = strategy_svc.create_strategy(actor=user, **data)
        message = _("Created “%(title)s”.") % {"title": strategy.title}
        return _url("strategy-detail", strategy.pk), message

    back = _url("strategy-list")
    return _form_page(
        request, form, call, section="strategies", title=_("New strategy"),
        crumbs=[(back, _("Strategies"))], cancel=back,
    )  # fmt: skip


def _due(document: StrategicDocument) -> dt.date | None:
    """The deadline that matters now: approval once submitted, the draft before."""
    if document.status == "approved":
        return None
    return document.approval_due if document.status == "submitted" else document.draft_due


def _strategy_context(
    request: HttpRequest, strategy: Strategy, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    may_manage = may(user, strategy, STRATEGY, [strategy.owner_id])
    actions = Actions(bound)
    today = clock.today()
    documents = sorted(strategy.documents.all(), key=lambda d: (d.area, d.title))
    groups = []
    for area, docs in groupby(documents, key=lambda d: d.area):
        rows = []
        for document in docs:
            move = None
            # The strategy's owner, or the body responsible for the document, moves it.
            movers = [strategy.owner_id, document.responsible_id]
            if DOCUMENT_TRANSITIONS[document.status] and may(user, strategy, STRATEGY, movers):
                move = actions.add(
                    f"move-{document.pk}",
                    _url("document-move", document.pk),
                    _("Change the status"),
                    partial(DocumentMoveForm, document=document),
                )
            rows.append(
                {
                    "document": document,
                    "due": _due(document),
                    "overdue": selectors.overdue(document, today),
                    "move": move,
                    "edit": may_manage,
                }
            )
        groups.append({"area": area, "rows": rows})
    if may_manage:
        actions.add(
            "document",
            _url("document-add", strategy.pk),
            _("Add the document"),
            partial(DocumentForm, organisations=_visible_organisations(user)),
        )
    return {
        **_common(request, "strategies"),
        "strategy": strategy,
        "groups": groups,
        "today": today,
        "actions": actions,
    }


def _strategy_page(request: HttpRequest, strategy: Strategy) -> Page:
    def build(bound: dict[str, forms.Form]) -> dict[str, Any]:
        fresh = or_404(selectors.strategy_for, request.user, strategy.pk)
        return _strategy_context(request, fresh, bound)

    return Page("cooperation/strategy_detail.html", _url("strategy-detail", strategy.pk), build)


def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Open to anonymous readers for PUBLIC strategies, like the list."""
    strategy = or_404(selectors.strategy_for, request.user, pk)
    return render(request, "cooperation/strategy_detail.html", _strategy_context(request, strategy))


@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    strategy: Strategy = or_404(selectors.strategy_for, request.user, pk)
    if not may(request.user, strategy, STRATEGY, [strategy.owner_id]):
        raise _refuse(STRATEGY)
    form = DocumentForm(
        request.POST, prefix="document", organisations=_visible_organisations(request.user)
    )

    def call() -> str:
        document = strategy_svc.add_document(
            actor=request.user, strategy=strategy, **form.cleaned_data
        )
        return _("Added “%(title)s”.") % {"title": document.title}

    return _post(request, _strategy_page(request, strategy), "document", form, call)


@login_required
@require_POST
def document_move(request: HttpRequest, pk: int) -> HttpResponse:
    document: StrategicDocument = or_404(selectors.document_for, request.user, pk)
    strategy = document.strategy
    if not may(request.user, strategy, STRATEGY, [strategy.owner_id, document.responsible_id]):
        raise _refuse(STRATEGY)
    key = f"move-{document.pk}"
    form = DocumentMoveForm(request.POST, prefix=key, document=document)

    def call() -> str:
        data = form.cleaned_data
        moved = strategy_svc.move_document(
            actor=request.user,
            document=document,
            status=data["status"],
            approval_act=data.get("approval_act") or "",
            approved_on=data.get("approved_on"),
        )
        return _("“%(title)s” is now: %(status)s.") % {
            "title": moved.title,
            "status": moved.get_status_display(),
        }

    return _post(request, _strategy_page(request, strategy), key, form, call)


@login_required
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The document's details; re-assigning it is the strategy owner's call (as the service
    says), so only the owner edits here."""
    document: StrategicDocument = or_404(selectors.document_for, request.user, pk)
    strategy = document.strategy
    if not may(request.user, strategy, STRATEGY, [strategy.owner_id]):
        raise _refuse(STRATEGY)
    form = DocumentForm(
        request.POST or None,
        organisations=_visible_organisations(request.user),
        initial=DocumentForm.initial_for(document),
    )
    back = _url("strategy-detail", strategy.pk)

    def call(data: dict[str, Any]) -> tuple[str, str]:
        strategy_svc.update_document(actor=request.user, document=document, **data)
        return f"{back}#document-{document.pk}", _("“%(title)s” saved.") % {
            "title": data["title_en"]
        }

    return _form_page(
        request, form, call, section="strategies",
        title=_("Edit “%(title)s”") % {"title": document.title},
        crumbs=[(_url("strategy-list"), _("Strategies")), (back, strategy.title)], cancel=back,
    )  # fmt: skip


# --- cooperation areas -----------------------------------------------------------------------
@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, VIEW)
    rows = selectors.area_counts(user)
    return render(
        request, "cooperation/area_list.html", {**_common(request, "areas"), "rows": rows}
    )


@login_required
def area_detail(request: HttpRequest, slug: str) -> HttpResponse:
    require(request.user, VIEW)
    area = get_object_or_404(CooperationArea, slug=slug)
    return render(
        request,
        "cooperation/area_detail.html",
        {
            **_common(request, "areas"),
            "overview": selectors.area_overview(request.user, area),
            "today": clock.today(),
        },
    )


P = "programmes/<int:pk>/"
V = "values/<int:pk>/"
R = "progress-reviews/<int:pk>/"
urlpatterns: list[URLPattern] = [
    # programmes, lines, objectives, indicators
    path("", programme_list, name="programme-list"),
    path("new/", programme_create, name="programme-create"),
    path(P, programme_detail, name="programme-detail"),
    path(P + "edit/", programme_edit, name="programme-edit"),
    path(P + "lines/", line_add, name="line-add"),
    path(P + "lock/", programme_lock, name="programme-lock"),
    path(P + "reviews/", review_plan, name="review-plan"),
    path("lines/<int:pk>/", line_detail, name="line-detail"),
    path("lines/<int:pk>/edit/", line_edit, name="line-edit"),
    path("lines/<int:pk>/objectives/", objective_add, name="objective-add"),
    path("objectives/<int:pk>/edit/", objective_edit, name="objective-edit"),
    path("objectives/<int:pk>/indicators/", indicator_add, name="indicator-add"),
    path("indicators/<int:pk>/", indicator_detail, name="indicator-detail"),
    path("indicators/<int:pk>/edit/", indicator_edit, name="indicator-edit"),
    path("indicators/<int:pk>/values/", value_enter, name="value-enter"),
    path("indicators/<int:pk>/compute/", indicator_compute, name="indicator-compute"),
    # indicator values
    path("values/waiting/", values_waiting, name="values-waiting"),
    path(V + "edit/", value_edit, name="value-edit"),
    path(V + "submit/", value_submit, name="value-submit"),
    path(V + "approve/", value_approve, name="value-approve"),
    path(V + "return/", value_return, name="value-return"),
    path(V + "revise/", value_revise, name="value-revise"),
    path(V + "withdraw/", value_withdraw, name="value-withdraw"),
    # progress reviews and action items
    path(R, progress_review_detail, name="progress-review-detail"),
    path(R + "edit/", progress_review_edit, name="progress-review-edit"),
    path(R + "participants/", participant_add, name="participant-add"),
    path(R + "lines/<int:line>/rate/", rate_line, name="rate-line"),
    path(R + "objectives/<int:objective>/rate/", rate_objective, name="rate-objective"),
    path(R + "decisions/", decision_add, name="decision-add"),
    path(R + "actions/", action_add, name="action-add"),
    path(R + "actions/<int:item>/move/", action_move, name="action-move"),
    path(R + "follow-ups/<int:item>/", follow_up, name="follow-up"),
    path(R + "held/", review_held, name="review-held"),
    path("actions/", action_list, name="action-list"),
    # reviews and recommendations
    path("reviews/", review_list, name="review-list"),
    path("reviews/new/", review_create, name="review-create"),
    path("reviews/<int:pk>/", review_detail, name="review-detail"),
    path("reviews/<int:pk>/phases/", phase_add, name="phase-add"),
    path("reviews/<int:pk>/working-groups/", group_add, name="group-add"),
    path("working-groups/<int:pk>/members/", member_add, name="member-add"),
    path("reviews/<int:pk>/recommendations/", recommendation_add, name="recommendation-add"),
    path("recommendations/<int:pk>/", recommendation_detail, name="recommendation-detail"),
    path("recommendations/<int:pk>/edit/", recommendation_edit, name="recommendation-edit"),
    path(
        "recommendations/<int:pk>/advance/<str:status>/",
        recommendation_advance,
        name="recommendation-advance",
    ),
    # strategies
    path("strategies/", strategy_list, name="strategy-list"),
    path("strategies/new/", strategy_create, name="strategy-create"),
    path("strategies/<int:pk>/", strategy_detail, name="strategy-detail"),
    path("strategies/<int:pk>/documents/", document_add, name="document-add"),
    path("documents/<int:pk>/move/", document_move, name="document-move"),
    path("documents/<int:pk>/edit/", document_edit, name="document-edit"),
    # cooperation areas
    path("areas/", area_list, name="area-list"),
    path("areas/<slug:slug>/", area_detail, name="area-detail"),
]
