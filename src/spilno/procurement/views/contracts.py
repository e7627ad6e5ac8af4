"""Contracts (with framework agreements and their call-offs), amendments and deliveries."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spilno.core.models import Organisation
from spilno.core.selectors import agreements_for, organisations_for
from spilno.kernel.access import acts_for, can, require, require_for
from spilno.kernel.webtools import Action, done, int_or_none, keyset, refused
from spilno.procurement import selectors
from spilno.procurement.forms import (
    AmendForm,
    CallOffForm,
    EmptyForm,
    ReasonForm,
    ReceiveForm,
    ResolveForm,
    ScheduleDeliveryForm,
    apply_errors,
)
from spilno.procurement.models import Contract, Delivery, NonConformanceClaim
from spilno.procurement.services.contracts import (
    amend_contract,
    called_off_value,
    create_call_off,
    sign_contract,
    signing_side,
    terminate_contract,
)
from spilno.procurement.services.deliveries import (
    accept_delivery,
    receive_delivery,
    reject_delivery,
    resolve_claim,
    schedule_delivery,
    scheduled_quantity,
    ship_delivery,
)
from spilno.procurement.states import (
    ContractKind,
    ContractStatus,
    DeliveryStatus,
    IllegalTransition,
)
from spilno.procurement.views.common import or_404

DETAIL = "procurement/contract_detail.html"
K = ContractStatus
D = DeliveryStatus


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "procurement.view")
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "status", "supplier", "buyer")}
    qs = selectors.contracts_for(
        request.user,
        q=filters["q"],
        status=filters["status"],
        supplier=int_or_none(filters["supplier"]),
        buyer=int_or_none(filters["buyer"]),
    )
    rows, next_after = keyset(request, qs)
    visible = selectors.contracts_for(request.user)
    return render(
        request,
        "procurement/contract_list.html",
        {
            "rows": rows,
            "next_after": next_after,
            "filters": filters,
            "statuses": ContractStatus.choices,
            "suppliers": organisations_for(request.user).filter(pk__in=visible.values("supplier")),
            "buyers": organisations_for(request.user).filter(pk__in=visible.values("buyer")),
        },
    )


def _contract_context(
    request: HttpRequest, contract: Contract, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    bound = bound or {}
    actions: dict[str, Action] = {}

    def add(key: str, url: str, label: str, make: Callable[[], forms.Form], **kw: Any) -> Action:
        form = bound[key] if key in bound else make()
        action = Action(key=key, url=url, label=label, form=form, **kw)
        actions[key] = action
        return action

    def url(name: str, *args: int) -> str:
        return reverse(f"procurement:{name}", args=[contract.pk, *args])

    def buyer(action: str) -> bool:
        return acts_for(user, contract.buyer_id, action)

    items = list(contract.items.select_related("requirement"))
    side = signing_side(user, contract)
    if side is not None:
        label = _("Sign for the buyer") if side == "buyer" else _("Sign for the supplier")
        add("sign", url("contract-sign"), label, partial(EmptyForm, prefix="sign"))
    if contract.status == K.ACTIVE and buyer("procurement.contract.change"):
        add("amend", url("contract-amend"), _("Amend"), partial(AmendForm, prefix="amend"))
    if contract.status in (K.PENDING, K.ACTIVE) and buyer("procurement.contract.change"):
        add(
            "terminate",
            url("contract-terminate"),
            _("Terminate"),
            partial(ReasonForm, prefix="terminate"),
            danger=True,
        )
    framework = contract.kind == ContractKind.FRAMEWORK
    if framework and contract.status == K.ACTIVE and buyer("procurement.contract.change"):
        add(
            "calloff",
            url("contract-call-off"),
            _("Order"),
            partial(CallOffForm, prefix="calloff", items=items),
        )
    if not framework and contract.status == K.ACTIVE and buyer("procurement.delivery.schedule"):
        left = {item.pk: item.quantity - scheduled_quantity(item) for item in items}
        add(
            "schedule",
            url("delivery-schedule"),
            _("Schedule delivery"),
            partial(
                ScheduleDeliveryForm,
                prefix="schedule",
                items=items,
                left=left,
                units=Organisation.objects.visible_to(user).order_by("name_en"),
            ),
        )
    may_ship = acts_for(user, contract.supplier_id, "procurement.delivery.ship")
    may_receive = buyer("procurement.delivery.receive")
    deliveries = []
    for delivery in selectors.deliveries_for(user, contract).select_related("receiving_unit"):
        row: dict[str, Any] = {"delivery": delivery}
        n = delivery.pk
        if delivery.status == D.SCHEDULED and may_ship:
            row["ship"] = add(
                f"ship-{n}",
                url("delivery-ship", n),
                _("Mark shipped"),
                partial(EmptyForm, prefix=f"ship-{n}"),
            )
        if delivery.status == D.SHIPPED and may_receive:
            row["receive"] = add(
                f"receive-{n}",
                url("delivery-receive", n),
                _("Record receipt"),
                partial(ReceiveForm, prefix=f"receive-{n}", delivery=delivery),
            )
        if delivery.status == D.RECEIVED and may_receive:
            row["accept"] = add(
                f"accept-{n}",
                url("delivery-accept", n),
                _("Accept"),
                partial(EmptyForm, prefix=f"accept-{n}"),
            )
            row["reject"] = add(
                f"reject-{n}",
                url("delivery-reject", n),
                _("Reject"),
                partial(ReasonForm, prefix=f"reject-{n}"),
                danger=True,
            )
        row["claims"] = [
            (
                claim,
                add(
                    f"resolve-{claim.pk}",
                    url("claim-resolve", claim.pk),
                    _("Resolve"),
                    partial(ResolveForm, prefix=f"resolve-{claim.pk}"),
                )
                if claim.status == "open" and may_receive
                else None,
            )
            for claim in delivery.claims.all()
        ]
        deliveries.append(row)
    return {
        "contract": contract,
        "items": items,
        "amendments": contract.amendments.all(),
        "call_offs": selectors.contracts_for(user).filter(framework=contract),
        "called_off": called_off_value(contract) if framework else None,
        "deliveries": deliveries,
        "agreement_visible": contract.agreement_id is not None
        and agreements_for(user).filter(pk=contract.agreement_id).exists(),
        "framework_visible": contract.framework_id is not None
        and selectors.contracts_for(user).filter(pk=contract.framework_id).exists(),
        "actions": actions,
        "can_audit": can(user, "audit.entry.view"),
    }


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "procurement.view")
    contract = or_404(selectors.contract_for, request.user, pk)
    return render(request, DETAIL, _contract_context(request, contract))


def _run(
    request: HttpRequest,
    contract: Contract,
    key: str,
    form: forms.Form,
    call: Callable[[], str],
    rename: Callable[[str], str] | None = None,
) -> HttpResponse:
    back = reverse("procurement:contract-detail", args=[contract.pk])
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
    contract.refresh_from_db()
    context = _contract_context(request, contract, {key: form})
    return refused(request, key=key, form=form, template=DETAIL, context=context, back=back)


def _contract(request: HttpRequest, pk: int) -> Contract:
    contract: Contract = or_404(selectors.contract_for, request.user, pk)
    return contract


def _delivery(request: HttpRequest, contract: Contract, pk: int) -> Delivery:
    delivery = selectors.deliveries_for(request.user, contract).filter(pk=pk).first()
    if delivery is None:
        raise Http404(_("No such delivery."))
    return delivery


@login_required
@require_POST
def contract_sign(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    user = request.user
    side = signing_side(user, contract)
    if side is None:  # nothing to sign now: let the service say why (or refuse the role)
        buyer_side = acts_for(user, contract.buyer_id, "procurement.contract.sign_buyer")
        side = "buyer" if buyer_side else "supplier"
    form = EmptyForm(request.POST, prefix="sign")

    def call() -> str:
        signed = sign_contract(actor=user, contract=contract, side=side)
        if signed.status == K.ACTIVE:
            return _("Signed: both sides have signed, the contract is active.")
        return _("Signed; waiting for the other side.")

    return _run(request, contract, "sign", form, call)


@login_required
@require_POST
def contract_amend(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    require_for(request.user, contract.buyer_id, "procurement.contract.change")
    form = AmendForm(request.POST, prefix="amend")

    def call() -> str:
        amend_contract(
            actor=request.user,
            contract=contract,
            reason=form.cleaned_data["reason"],
            value_change=form.cleaned_data["value_change"],
            period_end=form.cleaned_data["period_end"],
        )
        return _("Amendment recorded.")

    return _run(request, contract, "amend", form, call)


@login_required
@require_POST
def contract_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    require_for(request.user, contract.buyer_id, "procurement.contract.change")
    form = ReasonForm(request.POST, prefix="terminate")

    def call() -> str:
        terminate_contract(
            actor=request.user, contract=contract, reason=form.cleaned_data["reason"]
        )
        return _("Contract terminated.")

    return _run(request, contract, "terminate", form, call)


@login_required
@require_POST
def contract_call_off(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    require_for(request.user, contract.buyer_id, "procurement.contract.change")
    form = CallOffForm(request.POST, prefix="calloff", items=list(contract.items.all()))

    def call() -> str:
        order = create_call_off(
            actor=request.user,
            framework=contract,
            value=form.cleaned_data["value"],
            lines=form.lines(),
            title=form.cleaned_data["title"],
        )
        return _("Ordered %(ref)s; it waits for both signatures.") % {"ref": order.reference}

    return _run(request, contract, "calloff", form, call, form.rename_error)


@login_required
@require_POST
def delivery_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    require_for(request.user, contract.buyer_id, "procurement.delivery.schedule")
    items = list(contract.items.all())
    form = ScheduleDeliveryForm(
        request.POST,
        prefix="schedule",
        items=items,
        left={item.pk: item.quantity - scheduled_quantity(item) for item in items},
        units=Organisation.objects.visible_to(request.user),
    )

    def call() -> str:
        delivery = schedule_delivery(
            actor=request.user,
            contract=contract,
            due_date=form.cleaned_data["due_date"],
            lines=form.lines(),
            place=form.cleaned_data["place"],
            receiving_unit=form.cleaned_data["receiving_unit"],
        )
        return _("Scheduled delivery %(n)s.") % {"n": delivery.number}

    return _run(request, contract, "schedule", form, call, form.rename_error)


@login_required
@require_POST
def delivery_ship(request: HttpRequest, pk: int, delivery: int) -> HttpResponse:
    contract = _contract(request, pk)
    target = _delivery(request, contract, delivery)
    require_for(request.user, contract.supplier_id, "procurement.delivery.ship")
    key = f"ship-{target.pk}"
    form = EmptyForm(request.POST, prefix=key)

    def call() -> str:
        ship_delivery(actor=request.user, delivery=target)
        return _("Delivery %(n)s marked as shipped.") % {"n": target.number}

    return _run(request, contract, key, form, call)


@login_required
@require_POST
def delivery_receive(request: HttpRequest, pk: int, delivery: int) -> HttpResponse:
    contract = _contract(request, pk)
    target = _delivery(request, contract, delivery)
    require_for(request.user, contract.buyer_id, "procurement.delivery.receive")
    key = f"receive-{target.pk}"
    form = ReceiveForm(request.POST, prefix=key, delivery=target)

    def call() -> str:
        receive_delivery(actor=request.user, delivery=target, received=form.received())
        return _("Receipt of delivery %(n)s recorded.") % {"n": target.number}

    return _run(request, contract, key, form, call, form.rename_error)


@login_required
@require_POST
def delivery_accept(request: HttpRequest, pk: int, delivery: int) -> HttpResponse:
    contract = _contract(request, pk)
    target = _delivery(request, contract, delivery)
    require_for(request.user, contract.buyer_id, "procurement.delivery.receive")
    key = f"accept-{target.pk}"
    form = EmptyForm(request.POST, prefix=key)

    def call() -> str:
        accept_delivery(actor=request.user, delivery=target)
        return _("Delivery %(n)s accepted.") % {"n": target.number}

    return _run(request, contract, key, form, call)


@login_required
@require_POST
def delivery_reject(request: HttpRequest, pk: int, delivery: int) -> HttpResponse:
    contract = _contract(request, pk)
    target = _delivery(request, contract, delivery)
    require_for(request.user, contract.buyer_id, "procurement.delivery.receive")
    key = f"reject-{target.pk}"
    form = ReasonForm(request.POST, prefix=key)

    def call() -> str:
        reject_delivery(actor=request.user, delivery=target, reason=form.cleaned_data["reason"])
        return _("Delivery %(n)s rejected.") % {"n": target.number}

    return _run(request, contract, key, form, call)


@login_required
@require_POST
def claim_resolve(request: HttpRequest, pk: int, claim: int) -> HttpResponse:
    contract = _contract(request, pk)
    target = get_object_or_404(NonConformanceClaim, pk=claim, delivery__contract=contract)
    require_for(request.user, contract.buyer_id, "procurement.delivery.receive")
    key = f"resolve-{target.pk}"
    form = ResolveForm(request.POST, prefix=key)

    def call() -> str:
        resolve_claim(actor=request.user, claim=target, resolution=form.cleaned_data["resolution"])
        return _("Claim resolved.")

    return _run(request, contract, key, form, call)
