"""Forms for the procurement pages: shape and types only; the services own the rules.

Service errors name fields the way the services see them (``tender.title_en``, ``lots.2.value``,
``lines.1.quantity``, ``received.17``); :func:`apply_errors` maps them onto this form's fields so
the message appears next to the input it is about."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from spilno.capabilities.models import Requirement
from spilno.core.forms import DateInput, apply_service_errors
from spilno.core.models import Agreement, Organisation
from spilno.kernel.classification import Level
from spilno.procurement.models import (
    Award,
    ContractItem,
    Delivery,
    Lot,
    ProcurementPlan,
    Tender,
)
from spilno.procurement.services.tenders import LotSpec, lots_from_requirements
from spilno.procurement.states import (
    COMPLAINT_TRANSITIONS,
    AwardCriteria,
    ComplaintStatus,
    Method,
)


def apply_errors(
    form: forms.Form, exc: ValidationError, rename: Callable[[str], str] | None = None
) -> None:
    """:func:`apply_service_errors`, after renaming the service's error keys to form fields."""
    if rename is not None and hasattr(exc, "error_dict"):
        renamed: dict[str, list[str]] = {}
        for key, errors in exc.message_dict.items():
            renamed.setdefault(rename(key), []).extend(errors)
        exc = ValidationError(renamed)
    apply_service_errors(form, exc)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class LotChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(_("Lot %(n)s: %(title)s") % {"n": obj.number, "title": obj.title})


def _reason(label: Any = None, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"), widget=forms.Textarea(attrs={"rows": rows}), max_length=5000
    )


def _quantity(label: str, initial: Any = None, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        initial=initial,
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=3,
    )


class EmptyForm(forms.Form):
    """A button with nothing to fill in; it still carries the service's errors, if any."""


# --- plans -------------------------------------------------------------------------------------
class PlanForm(forms.Form):
    buyer = OrganisationChoice(label=_("Buyer"), queryset=Organisation.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=300, required=False)
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Level.choices, coerce=int, initial=Level.PUBLIC
    )

    def __init__(self, *args: Any, buyers: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = buyers  # type: ignore[attr-defined]


# --- tenders -----------------------------------------------------------------------------------
class TenderForm(forms.Form):
    """Create (with plan, method, currency and one lot per requirement) or edit a tender."""

    plan = forms.ModelChoiceField(
        label=_("Procurement plan"),
        queryset=ProcurementPlan.objects.none(),
        help_text=_("A draft plan of your organisation; approving the plan approves the tender."),
    )
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial="UAH", help_text=_("ISO 4217, e.g. UAH, EUR.")
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for single-source methods: why there is no competition."),
    )
    agreement = forms.ModelChoiceField(
        label=_("Under agreement"),
        queryset=Agreement.objects.none(),
        required=False,
        help_text=_("Government-to-government tenders are concluded under an agreement in force."),
    )
    supplier = OrganisationChoice(
        label=_("Named supplier"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The single source for negotiated and government-to-government methods."),
    )
    award_criteria = forms.ChoiceField(
        label=_("Award criteria"), choices=AwardCriteria.choices, initial=AwardCriteria.LOWEST_PRICE
    )
    weight_price = forms.IntegerField(
        label=_("Weight of price"), min_value=0, max_value=100, initial=100
    )
    weight_delivery = forms.IntegerField(
        label=_("Weight of delivery time"), min_value=0, max_value=100, initial=0
    )
    weight_quality = forms.IntegerField(
        label=_("Weight of quality"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("Weighted criteria: the three weights add up to 100. Lowest price: 100/0/0."),
    )
    max_awards = forms.IntegerField(
        label=_("Suppliers per lot"),
        min_value=1,
        max_value=20,
        initial=1,
        help_text=_("Framework agreements may admit several suppliers per lot."),
    )
    enquiry_end = forms.DateTimeField(
        label=_("Enquiries end"), required=False, widget=DateTimeInput
    )
    tender_end = forms.DateTimeField(label=_("Bids due"), required=False, widget=DateTimeInput)
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Level.choices, coerce=int, initial=Level.PUBLIC
    )
    requirements = forms.ModelMultipleChoiceField(
        label=_("Requirements"),
        queryset=Requirement.objects.none(),
        help_text=_(
            "One lot per requirement, for its whole quantity. Hold Ctrl (⌘) to choose several."
        ),
    )

    CREATE_ONLY = ("plan", "method", "currency", "requirements")

    def __init__(
        self,
        *args: Any,
        plans: QuerySet[ProcurementPlan] | None = None,
        requirements: QuerySet[Requirement] | None = None,
        agreements: QuerySet[Agreement],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements  # type: ignore[attr-defined]
        self.fields["supplier"].queryset = organisations  # type: ignore[attr-defined]
        self.selected: list[Requirement] = []
        if plans is None or requirements is None:  # editing: the lots stay as they are
            for name in self.CREATE_ONLY:
                del self.fields[name]
            return
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        self.fields["requirements"].queryset = requirements  # type: ignore[attr-defined]
        self.fields["requirements"].widget.attrs.update(
            {  # with JavaScript, the value inputs follow the choice of requirements at once
                "hx-get": reverse("procurement:tender-lot-values"),
                "hx-trigger": "change",
                "hx-target": "#lot-values",
                "hx-include": "[name='requirements'], [name^='value_']",
            }
        )
        self.selected = list(requirements.filter(pk__in=self._chosen_ids()))
        for requirement in self.selected:
            self.fields[f"value_{requirement.pk}"] = forms.DecimalField(
                label=_("Estimated value of the lot for %(ref)s (%(title)s)")
                % {"ref": requirement.reference, "title": requirement.title},
                max_digits=18,
                min_value=Decimal("0.01"),
            )

    def _chosen_ids(self) -> list[int]:
        if self.is_bound:
            data: Any = self.data
            raw: Iterable[Any] = data.getlist(self.add_prefix("requirements"))
        else:
            raw = self.initial.get("requirements") or []
        return [int(v) for v in raw if str(v).isdigit()]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if not f.name.startswith("value_")]

    @property
    def value_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if f.name.startswith("value_")]

    def lots(self) -> list[LotSpec]:
        chosen = list(self.cleaned_data["requirements"])
        return lots_from_requirements(chosen, [self.cleaned_data[f"value_{r.pk}"] for r in chosen])

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("value_")}
        data.pop("requirements", None)
        return data

    def rename_error(self, key: str) -> str:
        """``tender.title_en`` → ``title_en``; ``lots.2.…`` → the value of the second lot."""
        if key.startswith("tender."):
            return key.split(".", 1)[1]
        parts = key.split(".")
        if parts[0] == "lots" and len(parts) > 1 and parts[1].isdigit():
            chosen = list(self.cleaned_data.get("requirements") or [])
            index = int(parts[1]) - 1
            if 0 <= index < len(chosen):
                return f"value_{chosen[index].pk}"
        return key

    @staticmethod
    def initial_for(tender: Tender) -> dict[str, Any]:
        names = (
            "title_en", "title_uk", "description", "justification", "agreement", "supplier",
            "award_criteria", "weight_price", "weight_delivery", "weight_quality", "max_awards",
            "enquiry_end", "tender_end", "classification",
        )  # fmt: skip
        data = {name: getattr(tender, name) for name in names}
        data["agreement"], data["supplier"] = tender.agreement_id, tender.supplier_id
        return data


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    file = forms.FileField(label=_("File"), help_text=_("Up to 20 MB; its SHA-256 is recorded."))


class AskForm(forms.Form):
    supplier = OrganisationChoice(label=_("On behalf of"), queryset=Organisation.objects.none())
    lot = LotChoice(
        label=_("About lot"), queryset=Lot.objects.none(), required=False, empty_label=_("all")
    )
    text = forms.CharField(
        label=_("Question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("Questions and answers are public; the asker's name is not shown."),
    )

    def __init__(
        self, *args: Any, suppliers: QuerySet[Organisation], lots: QuerySet[Lot], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _limit(self.fields["supplier"], suppliers)
        self.fields["lot"].queryset = lots  # type: ignore[attr-defined]


def _limit(field: forms.Field, queryset: QuerySet[Any]) -> None:
    """A choice among the organisations one acts for; hidden when there is only one."""
    field.queryset = queryset  # type: ignore[attr-defined]
    only = list(queryset[:2])
    if len(only) == 1:
        field.widget = forms.HiddenInput()
        field.initial = only[0].pk


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


def new_key() -> str:
    return str(uuid.uuid4())


class BidForm(forms.Form):
    """A sealed bid for one lot. The hidden key is made when the form is shown, so sending the
    same form twice stores one version."""

    supplier = OrganisationChoice(label=_("Bidder"), queryset=Organisation.objects.none())
    lot = LotChoice(label=_("Lot"), queryset=Lot.objects.none())
    amount = forms.DecimalField(label=_("Price"), max_digits=18, min_value=Decimal("0.01"))
    delivery_days = forms.IntegerField(label=_("Delivery time (days)"), min_value=1, max_value=3650)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    document_title = forms.CharField(label=_("Document title"), max_length=300, required=False)
    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("Optional; sealed with the bid (5 MB in all)."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(
        self, *args: Any, suppliers: QuerySet[Organisation], lots: QuerySet[Lot], **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)
        _limit(self.fields["supplier"], suppliers)
        self.fields["lot"].queryset = lots  # type: ignore[attr-defined]
        self.fields["lot"].empty_label = None  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)


class QualifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("qualified", _("Qualified")), ("disqualified", _("Disqualified"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to disqualify."),
    )
    quality_score = forms.IntegerField(
        label=_("Quality score (0-100)"), min_value=0, max_value=100, required=False
    )


class AwardForm(forms.Form):
    """Decide the award; for single-source methods, with the negotiated price of every lot."""

    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, lots: Sequence[Lot] = (), currency: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lots = list(lots)
        for lot in self.lots:
            self.fields[f"lot_{lot.pk}"] = forms.DecimalField(
                label=_("Negotiated price, lot %(n)s (%(currency)s)")
                % {"n": lot.number, "currency": currency},
                max_digits=18,
                min_value=Decimal("0.01"),
            )

    def offers(self) -> dict[int, Decimal] | None:
        if not self.lots:
            return None
        return {lot.pk: self.cleaned_data[f"lot_{lot.pk}"] for lot in self.lots}

    def rename_error(self, key: str) -> str:
        if key.startswith("offers."):
            number = key.split(".", 1)[1]
            for lot in self.lots:
                if str(lot.number) == number:
                    return f"lot_{lot.pk}"
        return key


class ComplaintForm(forms.Form):
    complainant = OrganisationChoice(label=_("Complainant"), queryset=Organisation.objects.none())
    award = forms.ModelChoiceField(
        label=_("About award"), queryset=Award.objects.none(), required=False
    )
    text = forms.CharField(
        label=_("Complaint"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )

    def __init__(
        self,
        *args: Any,
        complainants: QuerySet[Organisation],
        awards: QuerySet[Award],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _limit(self.fields["complainant"], complainants)
        self.fields["award"].queryset = awards  # type: ignore[attr-defined]


class ComplaintDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"))
    reason = _reason(_("Reasons"))

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = COMPLAINT_TRANSITIONS.get(current, frozenset())
        self.fields["outcome"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in ComplaintStatus.choices if value in allowed
        ]


class ReasonForm(forms.Form):
    reason = _reason()


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was agreed: replacement, penalty, waiver…"),
    )


# --- contracts and deliveries ----------------------------------------------------------------
class AmendForm(forms.Form):
    reason = _reason()
    value_change = forms.DecimalField(
        label=_("Change of value"),
        max_digits=18,
        initial=0,
        help_text=_("Negative to reduce the value."),
    )
    period_end = forms.DateField(label=_("New end date"), required=False, widget=DateInput)


class _ItemQuantities(forms.Form):
    """Quantity fields named ``item_<id>``, one per contract item; empty or 0 means none."""

    def add_items(self, items: Sequence[ContractItem], left: dict[int, Decimal] | None) -> None:
        """``left``: how much of each item may still be asked for (shown in the label)."""
        self.items = list(items)
        for item in self.items:
            if left is None:
                label = _("%(item)s (of %(total)s %(unit)s)") % {
                    "item": item.description,
                    "total": f"{item.quantity.normalize():f}",
                    "unit": item.unit,
                }
            else:
                label = _("%(item)s (%(left)s %(unit)s left)") % {
                    "item": item.description,
                    "left": f"{left.get(item.pk, item.quantity).normalize():f}",
                    "unit": item.unit,
                }
            self.fields[f"item_{item.pk}"] = _quantity(label)

    def lines(self) -> list[tuple[ContractItem, Decimal]]:
        return [
            (item, self.cleaned_data[f"item_{item.pk}"])
            for item in self.items
            if self.cleaned_data.get(f"item_{item.pk}")
        ]

    def rename_error(self, key: str) -> str:
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
            chosen = self.lines()
            index = int(parts[1]) - 1
            if 0 <= index < len(chosen):
                return f"item_{chosen[index][0].pk}"
        return key


class CallOffForm(_ItemQuantities):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    value = forms.DecimalField(label=_("Value"), max_digits=18, min_value=Decimal("0.01"))

    def __init__(self, *args: Any, items: Sequence[ContractItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_items(items, None)


class ScheduleDeliveryForm(_ItemQuantities):
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)
    place = forms.CharField(label=_("Delivery place"), max_length=300, required=False)
    receiving_unit = OrganisationChoice(
        label=_("Receiving unit"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        items: Sequence[ContractItem],
        left: dict[int, Decimal],
        units: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiving_unit"].queryset = units  # type: ignore[attr-defined]
        self.add_items(items, left)


class ReceiveForm(forms.Form):
    """What arrived, per line (the quantity due is filled in)."""

    def __init__(self, *args: Any, delivery: Delivery, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.delivery_lines = list(delivery.lines.all())
        for line in self.delivery_lines:
            self.fields[f"line_{line.pk}"] = _quantity(
                _("Received: %(item)s (due %(due)s %(unit)s)")
                % {
                    "item": line.item.description,
                    "due": f"{line.quantity.normalize():f}",
                    "unit": line.item.unit,
                },
                initial=line.quantity,
                required=True,
            )

    def received(self) -> dict[int, Decimal]:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.delivery_lines}

    @staticmethod
    def rename_error(key: str) -> str:
        if key.startswith("received."):
            return f"line_{key.split('.', 1)[1]}"
        return key


class QualifySupplierForm(forms.Form):
    buyer = OrganisationChoice(label=_("Register of"), queryset=Organisation.objects.none())
    supplier = OrganisationChoice(label=_("Supplier"), queryset=Organisation.objects.none())
    cpv = forms.CharField(
        label=_("CPV category"),
        max_length=10,
        help_text=_("Covers every code under it, e.g. 35300000-7 covers all weapons."),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        buyers: QuerySet[Organisation],
        suppliers: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _limit(self.fields["buyer"], buyers)
        self.fields["supplier"].queryset = suppliers  # type: ignore[attr-defined]
