"""Forms for requirements: shape and types only; the services own the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from spilno.capabilities.models import Requirement, RequirementStatus
from spilno.core.forms import DateInput
from spilno.core.models import Organisation
from spilno.kernel.classification import Level


class RequirementForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    cpv = forms.CharField(
        label=_("CPV code"),
        max_length=10,
        help_text=_("Common Procurement Vocabulary code, e.g. 35331100-8 (ammunition)."),
    )
    nsn = forms.CharField(
        label=_("NATO Stock Number"),
        max_length=16,
        required=False,
        help_text=_("13 digits, e.g. 1315-12-345-6789, when the item is codified."),
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=16, decimal_places=3, min_value=Decimal("0.001")
    )
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("e.g. rounds, units, sets."))
    needed_by = forms.DateField(label=_("Needed by"), widget=DateInput)
    requesting_organisation = forms.ModelChoiceField(
        label=_("Requesting organisation"), queryset=Organisation.objects.none()
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        choices=[(n, n) for n in range(1, 6)],
        help_text=_("1 is the most urgent, 5 the least."),
    )
    priority_reason = forms.CharField(
        label=_("Reason for the priority"), widget=forms.Textarea(attrs={"rows": 3})
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Level.choices, coerce=int, initial=Level.INTERNAL
    )
    status = forms.ChoiceField(label=_("Status"), choices=RequirementStatus.choices)

    def __init__(self, *args: Any, user: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requesting_organisation"].queryset = Organisation.objects.visible_to(user)  # type: ignore[attr-defined]
        if creating:
            del self.fields["status"]

    @staticmethod
    def initial_for(requirement: Requirement) -> dict[str, Any]:
        return {
            "title_en": requirement.title_en,
            "title_uk": requirement.title_uk,
            "description": requirement.description,
            "cpv": requirement.cpv,
            "nsn": requirement.nsn,
            "quantity": requirement.quantity,
            "unit": requirement.unit,
            "needed_by": requirement.needed_by,
            "requesting_organisation": requirement.requesting_organisation_id,
            "priority": requirement.priority,
            "priority_reason": requirement.priority_reason,
            "classification": requirement.classification,
            "status": requirement.status,
        }
