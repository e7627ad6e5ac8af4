"""Forms for organisations and agreements: shape and types only; the services own the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from spilno.core.codes import IDENTIFIER_SCHEMES
from spilno.core.countries import country_choices
from spilno.core.models import (
    Agreement,
    AgreementKind,
    CooperationArea,
    Organisation,
    OrganisationKind,
)
from spilno.core.states import AgreementStatus
from spilno.kernel.classification import Level


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class DateInput(forms.DateInput):
    input_type = "date"


class OrganisationForm(forms.Form):
    name_en = forms.CharField(label=_("Name (English)"), max_length=300)
    name_uk = forms.CharField(label=_("Name (Ukrainian)"), max_length=300, required=False)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    country = forms.ChoiceField(label=_("Country"))
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    parent = forms.ModelChoiceField(
        label=_("Part of"), queryset=Organisation.objects.none(), required=False
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Level.choices, coerce=int, initial=Level.PUBLIC
    )
    identifiers = forms.CharField(
        label=_("Registry identifiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: scheme and identifier, e.g. “UA-EDR 00034022”. Schemes: %s.")
        % ", ".join(s for s, _label in IDENTIFIER_SCHEMES),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *country_choices()]  # type: ignore[attr-defined]
        self.fields["parent"].queryset = Organisation.objects.visible_to(user)  # type: ignore[attr-defined]

    def clean_identifiers(self) -> list[tuple[str, str]]:
        pairs = []
        for number, line in enumerate(self.cleaned_data["identifiers"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValidationError(
                    _("Line %(n)s: write the scheme, a space and the identifier."),
                    params={"n": number},
                )
            pairs.append((parts[0], parts[1]))
        return pairs

    @staticmethod
    def initial_for(org: Organisation) -> dict[str, Any]:
        return {
            "name_en": org.name_en,
            "name_uk": org.name_uk,
            "short_name": org.short_name,
            "country": org.country,
            "kind": org.kind,
            "parent": org.parent_id,
            "website": org.website,
            "classification": org.classification,
            "identifiers": "\n".join(f"{i.scheme} {i.identifier}" for i in org.identifiers.all()),
        }


class AgreementForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=80, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=AgreementStatus.choices)
    parties = forms.ModelMultipleChoiceField(
        label=_("Parties"),
        queryset=Organisation.objects.none(),
        help_text=_("At least two. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    lead = forms.ModelChoiceField(
        label=_("Lead party"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Optional: the party that leads (e.g. NATO for an assistance package)."),
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DateInput)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for an indefinite term."),
    )
    parent = forms.ModelChoiceField(
        label=_("Under agreement"), queryset=Agreement.objects.none(), required=False
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Cooperation areas"), queryset=CooperationArea.objects.all(), required=False
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Level.choices, coerce=int, initial=Level.PUBLIC
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, *args: Any, user: Any, existing_roles: dict[int, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.existing_roles = {k: v for k, v in (existing_roles or {}).items() if v != "lead"}
        visible: Any = Organisation.objects.visible_to(user)
        self.fields["parties"].queryset = visible  # type: ignore[attr-defined]
        self.fields["lead"].queryset = visible  # type: ignore[attr-defined]
        self.fields["parent"].queryset = Agreement.objects.visible_to(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead = data.get("lead")
        if lead and "parties" in data and lead not in data["parties"]:
            self.add_error("lead", _("The lead must be one of the parties."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        lead = data.pop("lead")
        data["parties"] = [
            (
                org,
                "lead"
                if lead is not None and org.pk == lead.pk
                else self.existing_roles.get(org.pk, "signatory"),
            )
            for org in data["parties"]
        ]
        data["areas"] = list(data["areas"])
        return data

    @staticmethod
    def initial_for(agreement: Agreement) -> dict[str, Any]:
        parties = list(agreement.agreement_parties.all())
        return {
            "title_en": agreement.title_en,
            "title_uk": agreement.title_uk,
            "reference": agreement.reference,
            "kind": agreement.kind,
            "status": agreement.status,
            "parties": [p.organisation_id for p in parties],
            "lead": next((p.organisation_id for p in parties if p.role == "lead"), None),
            "signed_on": agreement.signed_on,
            "valid_from": agreement.valid_from,
            "valid_until": agreement.valid_until,
            "parent": agreement.parent_id,
            "areas": [a.pk for a in agreement.areas.all()],
            "classification": agreement.classification,
            "summary": agreement.summary,
        }
