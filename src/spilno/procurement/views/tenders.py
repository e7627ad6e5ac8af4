"""Tender pages: the list, the role-aware detail page and every action posted from it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spilno.capabilities.models import RequirementStatus
from spilno.capabilities.selectors import requirements_for
from spilno.core.models import Organisation
from spilno.core.selectors import agreements_for, organisations_for
from spilno.kernel import clock
from spilno.kernel.access import AccessDenied, acts_for, can, require, require_for
from spilno.kernel.webtools import Action, done, int_or_none, keyset, refused
from spilno.procurement import selectors
from spilno.procurement.forms import (
    AnswerForm,
    AskForm,
    AwardForm,
    BidForm,
    ComplaintDecisionForm,
    ComplaintForm,
    DocumentForm,
    EmptyForm,
    QualifyForm,
    ReasonForm,
    TenderForm,
    WithdrawForm,
    apply_errors,
)
from spilno.procurement.models import Tender
from spilno.procurement.services.bids import (
    BidContent,
    BidDocument,
    bid_document,
    open_bids,
    submit_bid,
    withdraw_bid,
)
from spilno.procurement.services.evaluation import (
    decide_awards,
    decide_complaint,
    qualify_bid,
    rank_lot,
    submit_complaint,
)
from spilno.procurement.services.tenders import (
    add_document,
    answer_question,
    ask_question,
    cancel_tender,
    create_tender,
    publish_tender,
    update_tender,
)
from spilno.procurement.states import (
    COMPLAINT_HOLDS,
    METHODS,
    TENDER_FINAL,
    AwardStatus,
    BidStatus,
    IllegalTransition,
    LotStatus,
    Method,
    PlanStatus,
    TenderStatus,
)
from spilno.procurement.views.common import or_404, orgs_acting, require_some

T = TenderStatus
DETAIL = "procurement/tender_detail.html"


# --- list --------------------------------------------------------------------------------------
@login_required
def tender_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "procurement.view")
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "status", "method", "buyer", "cpv")}
    qs = selectors.tenders_for(
        request.user,
        q=filters["q"],
        status=filters["status"],
        method=filters["method"],
        buyer=int_or_none(filters["buyer"]),
        cpv=filters["cpv"],
    )
    rows, next_after = keyset(request, qs)
    return render(
        request,
        "procurement/tender_list.html",
        {
            "rows": rows,
            "next_after": next_after,
            "filters": filters,
            "statuses": TenderStatus.choices,
            "methods": Method.choices,
            "buyers": organisations_for(request.user).filter(
                pk__in=selectors.tenders_for(request.user).values("buyer")
            ),
            "can_create": can(request.user, "procurement.tender.create"),
            "can_plan": can(request.user, "procurement.plan.create"),
        },
    )


# --- create and edit ---------------------------------------------------------------------------
def _tender_form(request: HttpRequest, data: Any, **kwargs: Any) -> TenderForm:
    user = request.user
    return TenderForm(
        data,
        agreements=agreements_for(user),
        organisations=Organisation.objects.visible_to(user).order_by("name_en"),
        **kwargs,
    )


def _create_choices(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    buyers = orgs_acting(user, "procurement.tender.create")
    return {
        "plans": selectors.plans_for(user).filter(status=PlanStatus.DRAFT, buyer__in=buyers),
        "requirements": requirements_for(user, status=RequirementStatus.OPEN),
    }


@login_required
def tender_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "procurement.tender.create")
    initial = {"plan": int_or_none(request.GET.get("plan"))}
    form = _tender_form(request, request.POST or None, initial=initial, **_create_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            tender = create_tender(actor=request.user, lots=form.lots(), **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc, form.rename_error)
        else:
            messages.success(request, _("Drafted tender %(ref)s.") % {"ref": tender.reference})
            return redirect("procurement:tender-detail", pk=tender.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "procurement/tender_form.html", {"form": form, "tender": None}, status=status
    )


@login_required
def tender_lot_values(request: HttpRequest) -> HttpResponse:
    """htmx: the estimated-value inputs for the requirements chosen so far."""
    require(request.user, "procurement.tender.create")
    chosen = [v for v in request.GET.getlist("requirements") if v.isdigit()]
    values = {k: v for k, v in request.GET.items() if k.startswith("value_")}
    form = _tender_form(
        request, None, initial={"requirements": chosen, **values}, **_create_choices(request)
    )
    return render(request, "spilno/_fields.html", {"fields": form.value_fields})


@login_required
def tender_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tender: Tender = or_404(selectors.tender_for, request.user, pk)
    require_for(request.user, tender.buyer_id, "procurement.tender.change")
    form = _tender_form(request, request.POST or None, initial=TenderForm.initial_for(tender))
    if request.method == "POST" and form.is_valid():
        try:
            tender = update_tender(actor=request.user, tender=tender, **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc, form.rename_error)
        else:
            messages.success(request, _("Saved %(ref)s.") % {"ref": tender.reference})
            return redirect("procurement:tender-detail", pk=tender.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "procurement/tender_form.html", {"form": form, "tender": tender}, status=status
    )


# --- detail ------------------------------------------------------------------------------------
def _tender_context(
    request: HttpRequest, tender: Tender, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    """Everything the detail page shows to this reader, with the actions they may take now."""
    user = request.user
    bound = bound or {}
    now = clock.now()
    rules = METHODS[tender.method]
    status = tender.status
    opened = tender.opened_at is not None
    drafter = getattr(user, "pk", None) is not None and user.pk == tender.created_by_id

    def buyer(action: str) -> bool:
        return acts_for(user, tender.buyer_id, action)

    actions: dict[str, Action] = {}

    def add(key: str, url: str, label: str, make: Callable[[], forms.Form], **kw: Any) -> Action:
        form = bound[key] if key in bound else make()
        action = Action(key=key, url=url, label=label, form=form, **kw)
        actions[key] = action
        return action

    def url(name: str, *args: int) -> str:
        return reverse(f"procurement:{name}", args=[tender.pk, *args])

    lots = list(tender.lots.prefetch_related("items__requirement"))
    active_lots = tender.lots.filter(status=LotStatus.ACTIVE)
    pending_awards = tender.awards.filter(status=AwardStatus.PENDING)
    bid_views = selectors.bids_for(user, tender) if rules.bidding else []

    if status == T.PLANNED and buyer("procurement.tender.change"):
        add("publish", url("tender-publish"), _("Publish"), lambda: EmptyForm(prefix="publish"))
    if status not in TENDER_FINAL and buyer("procurement.tender.cancel"):
        add(
            "cancel",
            url("tender-cancel"),
            _("Cancel the tender"),
            lambda: ReasonForm(prefix="cancel"),
            danger=True,
        )
    deadline_passed = tender.tender_end is not None and now >= tender.tender_end
    if (
        rules.bidding
        and not opened
        and not drafter
        and buyer("procurement.bid.open")
        and (status == T.EVALUATION or (status == T.TENDERING and deadline_passed))
    ):
        add("open", url("tender-open"), _("Open the bids"), lambda: EmptyForm(prefix="open"))
    if (
        status == T.EVALUATION
        and not drafter
        and buyer("procurement.award.decide")
        and (opened or not rules.bidding)
        and not pending_awards.exists()
    ):
        offer_lots = [] if rules.bidding else list(active_lots)
        add(
            "award",
            url("tender-award"),
            _("Decide the award"),
            lambda: AwardForm(prefix="award", lots=offer_lots, currency=tender.currency),
        )
    if status in (T.DRAFT, T.PLANNED, T.ENQUIRIES) and buyer("procurement.tender.change"):
        add(
            "document",
            url("tender-document-add"),
            _("Upload"),
            lambda: DocumentForm(prefix="document"),
            multipart=True,
        )
    askers = orgs_acting(user, "procurement.question.ask", supplier=True)
    if (
        status == T.ENQUIRIES
        and tender.enquiry_end is not None
        and now < tender.enquiry_end
        and askers.exists()
    ):
        add(
            "ask",
            url("tender-ask"),
            _("Ask"),
            lambda: AskForm(prefix="ask", suppliers=askers, lots=tender.lots.all()),
        )
    may_answer = status in (T.ENQUIRIES, T.TENDERING) and buyer("procurement.question.answer")
    questions = []
    for question in tender.questions.select_related("lot"):
        answer = None
        if may_answer and not question.answer:
            key = f"answer-{question.pk}"
            answer = add(
                key,
                url("question-answer", question.pk),
                _("Answer"),
                partial(AnswerForm, prefix=key),
            )
        questions.append((question, answer))

    bidders = orgs_acting(user, "procurement.bid.submit", supplier=True)
    bidding_open = (
        rules.bidding and status == T.TENDERING and not deadline_passed and bidders.exists()
    )
    if bidding_open:
        add(
            "bid",
            url("tender-bid"),
            _("Submit sealed bid"),
            lambda: BidForm(prefix="bid", suppliers=bidders, lots=active_lots),
            multipart=True,
        )
    may_evaluate = (
        opened and status == T.EVALUATION and not drafter and buyer("procurement.bid.evaluate")
    )
    bids = []
    for view in bid_views:
        b = view.bid
        withdraw = qualify = None
        if bidding_open and view.sealed and b.status == BidStatus.SUBMITTED:
            key = f"withdraw-{b.pk}"
            withdraw = add(
                key,
                url("bid-withdraw", b.pk),
                _("Withdraw"),
                partial(WithdrawForm, prefix=key),
                danger=True,
            )
        if may_evaluate and b.status in (
            BidStatus.OPENED,
            BidStatus.QUALIFIED,
            BidStatus.DISQUALIFIED,
        ):
            key = f"qualify-{b.pk}"
            initial = {
                "decision": b.status if b.status != BidStatus.OPENED else "",
                "reason": b.qualification_reason,
                "quality_score": b.quality_score,
            }
            qualify = add(
                key,
                url("bid-qualify", b.pk),
                _("Record decision"),
                partial(QualifyForm, prefix=key, initial=initial),
            )
        bids.append((view, withdraw, qualify))

    bidder_ids = {v.bid.supplier_id for v in bid_views}
    complainants = orgs_acting(user, "procurement.complaint.submit")
    if rules.bidding:
        complainants = complainants.filter(pk__in=bidder_ids)
    if (
        status == T.AWARDED
        and tender.standstill_end is not None
        and now < tender.standstill_end
        and pending_awards.exists()
        and complainants.exists()
    ):
        add(
            "complaint",
            url("tender-complain"),
            _("Submit complaint"),
            lambda: ComplaintForm(
                prefix="complaint",
                complainants=complainants,
                awards=pending_awards.select_related("supplier", "lot"),
            ),
        )
    may_decide = not drafter and buyer("procurement.complaint.decide")
    complaints = []
    for complaint in tender.complaints.select_related("complainant", "award__supplier"):
        decide = None
        if may_decide and complaint.status in COMPLAINT_HOLDS:
            key = f"decide-{complaint.pk}"
            decide = add(
                key,
                url("complaint-decide", complaint.pk),
                _("Decide"),
                partial(ComplaintDecisionForm, prefix=key, current=complaint.status),
            )
        complaints.append((complaint, decide))

    return {
        "tender": tender,
        "rules": rules,
        "now": now,
        "lots": lots,
        "documents": tender.documents.all(),
        "questions": questions,
        "sealed": rules.bidding and not opened,
        "bids": bids,
        "ranking": [(lot, rank_lot(tender, lot)) for lot in lots] if opened else [],
        "awards": tender.awards.select_related("supplier", "lot"),
        "complaints": complaints,
        "contracts": selectors.contracts_for(user).filter(tender=tender),
        "events": tender.events.all(),
        "total_value": selectors.lot_value_total(tender),
        "actions": actions,
        "can_edit": status in (T.DRAFT, T.PLANNED) and buyer("procurement.tender.change"),
        "may_read_bid_documents": buyer("procurement.bid.evaluate"),
        "can_audit": can(user, "audit.entry.view"),
    }


@login_required
def tender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "procurement.view")
    tender = or_404(selectors.tender_for, request.user, pk)
    return render(request, DETAIL, _tender_context(request, tender))


def _run(
    request: HttpRequest,
    tender: Tender,
    key: str,
    form: forms.Form,
    call: Callable[[], str],
    rename: Callable[[str], str] | None = None,
) -> HttpResponse:
    """Validate ``form``, make the one service call, and answer the way the page expects."""
    back = reverse("procurement:tender-detail", args=[tender.pk])
    if form.is_valid():
        try:
            message = call()
        except ValidationError as exc:
            apply_errors(form, exc, rename)
        except IllegalTransition as exc:  # a move the service did not turn into a field error
            form.add_error(None, str(exc))
        else:
            messages.success(request, message)
            return done(request, back)
    tender.refresh_from_db()
    context = _tender_context(request, tender, {key: form})
    return refused(request, key=key, form=form, template=DETAIL, context=context, back=back)


def _tender_for_post(request: HttpRequest, pk: int) -> Tender:
    tender: Tender = or_404(selectors.tender_for, request.user, pk)
    return tender


# --- buyer actions -----------------------------------------------------------------------------
@login_required
@require_POST
def tender_publish(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    require_for(request.user, tender.buyer_id, "procurement.tender.change")
    form = EmptyForm(request.POST, prefix="publish")

    def call() -> str:
        publish_tender(actor=request.user, tender=tender)
        return _("Published %(ref)s.") % {"ref": tender.reference}

    return _run(request, tender, "publish", form, call)


@login_required
@require_POST
def tender_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    require_for(request.user, tender.buyer_id, "procurement.tender.cancel")
    form = ReasonForm(request.POST, prefix="cancel")

    def call() -> str:
        cancel_tender(actor=request.user, tender=tender, reason=form.cleaned_data["reason"])
        return _("Cancelled %(ref)s.") % {"ref": tender.reference}

    return _run(request, tender, "cancel", form, call)


@login_required
@require_POST
def tender_open(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    require_for(request.user, tender.buyer_id, "procurement.bid.open")
    form = EmptyForm(request.POST, prefix="open")

    def call() -> str:
        opened = open_bids(actor=request.user, tender=tender)
        return _("Opened %(n)s bid(s).") % {"n": len(opened)}

    return _run(request, tender, "open", form, call)


@login_required
@require_POST
def tender_award(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    require_for(request.user, tender.buyer_id, "procurement.award.decide")
    lots = [] if METHODS[tender.method].bidding else list(tender.lots.filter(status="active"))
    form = AwardForm(request.POST, prefix="award", lots=lots, currency=tender.currency)

    def call() -> str:
        awards = decide_awards(
            actor=request.user,
            tender=tender,
            offers=form.offers(),
            note=form.cleaned_data["note"],
        )
        if not awards:
            return _("No lot could be awarded: the tender is unsuccessful.")
        return _("Award decided; the standstill period has started.")

    return _run(request, tender, "award", form, call, form.rename_error)


@login_required
@require_POST
def tender_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    require_for(request.user, tender.buyer_id, "procurement.tender.change")
    form = DocumentForm(request.POST, request.FILES, prefix="document")

    def call() -> str:
        upload = form.cleaned_data["file"]
        document = add_document(
            actor=request.user,
            tender=tender,
            title=form.cleaned_data["title"],
            content=upload.read(),
            filename=upload.name or "",
            media_type=upload.content_type or "",
        )
        return _("Added %(title)s (SHA-256 %(sha)s).") % {
            "title": document.title,
            "sha": document.sha256,
        }

    return _run(request, tender, "document", form, call)


@login_required
def tender_document(request: HttpRequest, pk: int, doc: int) -> FileResponse:
    require(request.user, "procurement.view")
    tender = or_404(selectors.tender_for, request.user, pk)
    document = tender.documents.filter(pk=doc).first()
    if document is None:
        raise Http404(_("No such document."))
    name = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def question_answer(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    require_for(request.user, tender.buyer_id, "procurement.question.answer")
    target = tender.questions.filter(pk=question).first()
    if target is None:
        raise Http404(_("No such question."))
    key = f"answer-{target.pk}"
    form = AnswerForm(request.POST, prefix=key)

    def call() -> str:
        answer_question(actor=request.user, question=target, answer=form.cleaned_data["answer"])
        return _("Answer published.")

    return _run(request, tender, key, form, call)


def _visible_bid(request: HttpRequest, tender: Tender, pk: int) -> Any:
    """A bid as :func:`selectors.bids_for` lets this reader know it, else 404."""
    for view in selectors.bids_for(request.user, tender):
        if view.bid.pk == pk:
            return view.bid
    raise Http404(_("No such bid, or you may not see it."))


@login_required
@require_POST
def bid_qualify(request: HttpRequest, pk: int, bid: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    require_for(request.user, tender.buyer_id, "procurement.bid.evaluate")
    target = _visible_bid(request, tender, bid)
    key = f"qualify-{target.pk}"
    form = QualifyForm(request.POST, prefix=key)

    def call() -> str:
        qualified = form.cleaned_data["decision"] == "qualified"
        qualify_bid(
            actor=request.user,
            bid=target,
            qualified=qualified,
            reason=form.cleaned_data["reason"],
            quality_score=form.cleaned_data["quality_score"],
        )
        return _("Recorded the decision on the bid of %(s)s.") % {"s": target.supplier.label}

    return _run(request, tender, key, form, call)


@login_required
@require_POST
def complaint_decide(request: HttpRequest, pk: int, complaint: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    require_for(request.user, tender.buyer_id, "procurement.complaint.decide")
    target = tender.complaints.filter(pk=complaint).first()
    if target is None:
        raise Http404(_("No such complaint."))
    key = f"decide-{target.pk}"
    form = ComplaintDecisionForm(request.POST, prefix=key, current=target.status)

    def call() -> str:
        decide_complaint(
            actor=request.user,
            complaint=target,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
        )
        return _("Complaint decided.")

    return _run(request, tender, key, form, call)


# --- supplier actions --------------------------------------------------------------------------
@login_required
@require_POST
def tender_ask(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    askers = orgs_acting(request.user, "procurement.question.ask", supplier=True)
    require_some(askers, "procurement.question.ask")
    form = AskForm(request.POST, prefix="ask", suppliers=askers, lots=tender.lots.all())

    def call() -> str:
        ask_question(
            actor=request.user,
            tender=tender,
            supplier=form.cleaned_data["supplier"],
            text=form.cleaned_data["text"],
            lot=form.cleaned_data["lot"],
        )
        return _("Question sent; the answer will be published here.")

    return _run(request, tender, "ask", form, call)


@login_required
@require_POST
def tender_bid(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    bidders = orgs_acting(request.user, "procurement.bid.submit", supplier=True)
    require_some(bidders, "procurement.bid.submit")
    form = BidForm(
        request.POST,
        request.FILES,
        prefix="bid",
        suppliers=bidders,
        lots=tender.lots.filter(status=LotStatus.ACTIVE),
    )

    def call() -> str:
        data = form.cleaned_data
        documents = []
        if data["document"]:
            upload = data["document"]
            documents.append(
                BidDocument(
                    title=data["document_title"] or upload.name or "",
                    content=upload.read(),
                    filename=upload.name or "",
                    media_type=upload.content_type or "",
                )
            )
        version = submit_bid(
            actor=request.user,
            tender=tender,
            lot=data["lot"],
            supplier=data["supplier"],
            content=BidContent(
                amount=data["amount"],
                currency=tender.currency,
                delivery_days=data["delivery_days"],
                notes=data["notes"],
                documents=documents,
            ),
            idempotency_key=data["idempotency_key"],
        )
        return _("Bid sealed and stored (version %(n)s). Your receipt: %(receipt)s") % {
            "n": version.seq,
            "receipt": version.receipt,
        }

    return _run(request, tender, "bid", form, call)


@login_required
@require_POST
def bid_withdraw(request: HttpRequest, pk: int, bid: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    target = _visible_bid(request, tender, bid)
    require_for(request.user, target.supplier_id, "procurement.bid.submit")
    key = f"withdraw-{target.pk}"
    form = WithdrawForm(request.POST, prefix=key)

    def call() -> str:
        withdraw_bid(
            actor=request.user, bid=target, idempotency_key=form.cleaned_data["idempotency_key"]
        )
        return _("Bid withdrawn. You may submit again until the deadline.")

    return _run(request, tender, key, form, call)


@login_required
def bid_document_download(request: HttpRequest, pk: int, bid: int, index: int) -> HttpResponse:
    require(request.user, "procurement.view")
    tender = or_404(selectors.tender_for, request.user, pk)
    target = _visible_bid(request, tender, bid)
    if target.opened_version is None or not 0 <= index < len(target.documents):
        raise Http404(_("No such document."))
    if not (
        acts_for(request.user, tender.buyer_id, "procurement.bid.evaluate")
        or acts_for(request.user, target.supplier_id, "procurement.bid.submit")
    ):
        raise AccessDenied("Not allowed: bid documents are for the evaluators and the bidder.")
    document = bid_document(target, index)
    response = HttpResponse(document.content, content_type="application/octet-stream")
    name = "".join(c for c in document.filename if c.isalnum() or c in "._-") or "document"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def tender_complain(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_post(request, pk)
    complainants = orgs_acting(request.user, "procurement.complaint.submit")
    require_some(complainants, "procurement.complaint.submit")
    form = ComplaintForm(
        request.POST,
        prefix="complaint",
        complainants=complainants,
        awards=tender.awards.filter(status=AwardStatus.PENDING),
    )

    def call() -> str:
        submit_complaint(
            actor=request.user,
            tender=tender,
            complainant=form.cleaned_data["complainant"],
            text=form.cleaned_data["text"],
            award=form.cleaned_data["award"],
        )
        return _("Complaint submitted; it holds the award until it is decided.")

    return _run(request, tender, "complaint", form, call)
