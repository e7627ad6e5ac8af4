"""Forms for the cooperation pages: shape and types only; the services own the rules.

Service errors name fields the way the services see them (``metric_params.cpv``, ``value``,
``until``); :func:`apply_errors` maps them onto the form's fields so the message appears next
to the input it is about."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from spilno.cooperation.models import (
    Direction,
    IndicatorValue,
    LineOfEffort,
    Objective,
    Recommendation,
    StrategicDocument,
    Unit,
    WorkingGroup,
)
from spilno.cooperation.states import (
    ACTION_TRANSITIONS,
    DOCUMENT_TRANSITIONS,
    ActionStatus,
    DocumentStatus,
    Rating,
    ReviewKind,
)
from spilno.core.forms import DateInput, apply_service_errors
from spilno.core.models import Agreement, CooperationArea, Organisation
from spilno.kernel import metrics
from spilno.kernel.classification import Level

TEXT = 5000


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


def _text(label: Any, rows: int = 2, required: bool = True, **kw: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


def _date(label: Any, required: bool = True, **kw: Any) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput, **kw)


def _number(label: Any, required: bool = True, **kw: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=18, decimal_places=3, **kw)


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class TitledChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        code = getattr(obj, "code", "")
        return f"{code} {obj.title}".strip()


class TitledMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        code = getattr(obj, "code", "")
        return f"{code} {obj.title}".strip()


class AreaChoices(forms.ModelMultipleChoiceField):
    def __init__(self, **kw: Any) -> None:
        super().__init__(
            queryset=CooperationArea.objects.all(),
            required=False,
            label=_("Cooperation areas"),
            widget=forms.CheckboxSelectMultiple,
            **kw,
        )

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class OrganisationsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _classification(initial: int) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Classification"), choices=Level.choices, coerce=int, initial=initial
    )


class EmptyForm(forms.Form):
    """A button with nothing to fill in; it still carries the service's errors, if any."""


# --- programmes, lines, objectives, indicators -----------------------------------------------
class ProgrammeForm(forms.Form):
    """A new programme (under an agreement chosen from ``agreements``), or an existing one's
    details (no ``agreements``: a programme stays under its agreement)."""

    agreement = forms.ModelChoiceField(label=_("Agreement"), queryset=Agreement.objects.none())
    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    description = _text(_("Description"), rows=4, required=False)
    starts_on = _date(_("Starts on"))
    ends_on = _date(_("Ends on"), required=False)
    classification = _classification(Level.RESTRICTED)

    def __init__(
        self, *args: Any, agreements: QuerySet[Agreement] | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        if agreements is None:
            del self.fields["agreement"]
        else:
            self.fields["agreement"].queryset = agreements  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(programme: Any) -> dict[str, Any]:
        names = ("title_en", "title_uk", "description", "starts_on", "ends_on", "classification")
        return {name: getattr(programme, name) for name in names}


class LineForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    description = _text(_("Description"), required=False)
    areas = AreaChoices()

    @staticmethod
    def initial_for(line: LineOfEffort) -> dict[str, Any]:
        return {
            "title_en": line.title_en,
            "title_uk": line.title_uk,
            "description": line.description,
            "areas": [a.pk for a in line.areas.all()],
        }


class ObjectiveForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    description = _text(_("Description"), required=False)
    target_date = _date(_("Target date"), required=False)

    @staticmethod
    def initial_for(objective: Objective) -> dict[str, Any]:
        names = ("title_en", "title_uk", "description", "target_date")
        return {name: getattr(objective, name) for name in names}


class IndicatorForm(forms.Form):
    """A typed indicator, or one computed from a registered metric and its parameters.

    Each parameter any registered metric takes is one field ``param_<name>``; only the chosen
    metric's parameters are passed on."""

    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    metric = forms.ChoiceField(
        label=_("Computed from"),
        required=False,
        help_text=_("A registered metric, with its parameters below; or typed in."),
    )
    unit = forms.ChoiceField(
        label=_("Unit"),
        required=False,
        help_text=_("A computed indicator takes its metric's unit when left empty."),
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.INCREASE
    )
    baseline = _number(_("Baseline"))
    baseline_date = _date(_("Baseline date"))
    target = _number(_("Target"))
    target_date = _date(_("Target date"))
    minimum = _number(
        _("Lowest possible value"),
        required=False,
        help_text=_("Typed values below are refused as typing errors."),
    )
    maximum = _number(
        _("Highest possible value"),
        required=False,
        help_text=_("Typed values above are refused as typing errors."),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        required=False,
        help_text=_("Where typed values come from."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registered = {m.key: m for m in metrics.metrics()}
        self.fields["metric"].choices = [  # type: ignore[attr-defined]
            ("", _("nothing: values are typed in and approved")),
            *((m.key, f"{m.label} ({m.unit})") for m in self.registered.values()),
        ]
        self.fields["unit"].choices = [("", "—"), *Unit.choices]  # type: ignore[attr-defined]
        self.param_fields: dict[str, str] = {}
        for metric in self.registered.values():
            for param in metric.params:
                name = f"param_{param.name}"
                users = metric.label
                if name in self.fields:
                    self.fields[name].help_text = f"{self.fields[name].help_text}; {users}"
                    continue
                self.param_fields[name] = param.name
                self.fields[name] = forms.CharField(
                    label=param.label,
                    required=False,
                    max_length=200,
                    help_text=_("For: %(metric)s. %(help)s")
                    % {"metric": users, "help": param.help},
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        key = data.get("metric") or ""
        chosen = self.registered.get(key)
        taken = {p.name for p in chosen.params} if chosen else set()
        params: dict[str, str] = {}
        for field, name in self.param_fields.items():
            value = (data.get(field) or "").strip()
            if not value:
                continue
            if name not in taken:
                self.add_error(field, _("The chosen metric takes no such parameter."))
            else:
                params[name] = value
        data["metric_params"] = params
        if not data.get("unit"):
            if chosen is not None:
                data["unit"] = chosen.unit
            else:
                self.add_error("unit", _("Choose the unit of a typed indicator."))
        return data

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        names = (
            "title_en", "title_uk", "unit", "direction", "baseline", "baseline_date", "target",
            "target_date", "minimum", "maximum", "metric", "metric_params", "source",
        )  # fmt: skip
        return {name: data[name] for name in names}

    @staticmethod
    def initial_for(indicator: Any) -> dict[str, Any]:
        names = (
            "title_en", "title_uk", "metric", "unit", "direction", "baseline", "baseline_date",
            "target", "target_date", "minimum", "maximum", "source",
        )  # fmt: skip
        initial = {name: getattr(indicator, name) for name in names}
        for name, value in (indicator.metric_params or {}).items():
            initial[f"param_{name}"] = value
        return initial

    @staticmethod
    def rename_error(key: str) -> str:
        if key.startswith("metric_params."):
            return "param_" + key.split(".", 1)[1]
        return key


# --- indicator values ------------------------------------------------------------------------
class ValueForm(forms.Form):
    as_of = _date(_("As of"), help_text=_("The end of the period the value measures."))
    value = _number(_("Value"))
    source = forms.CharField(label=_("Source"), max_length=300)
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=500,
        required=False,
        help_text=_("A document reference or link that backs the figure."),
    )
    note = _text(_("Note"), required=False)


class ValueEditForm(forms.Form):
    value = _number(_("Value"))
    source = forms.CharField(label=_("Source"), max_length=300)
    evidence = forms.CharField(label=_("Evidence"), max_length=500, required=False)
    note = _text(_("Note"), required=False)

    @staticmethod
    def initial_for(value: IndicatorValue) -> dict[str, Any]:
        return {
            "value": value.value,
            "source": value.source,
            "evidence": value.evidence,
            "note": value.note,
        }


class ReviseForm(forms.Form):
    new_value = _number(_("Corrected value"))
    reason = _text(_("Reason for the revision"), required=False)
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        required=False,
        help_text=_("Empty: the source of the reviewed value."),
    )
    evidence = forms.CharField(label=_("Evidence"), max_length=500, required=False)

    @staticmethod
    def rename_error(key: str) -> str:
        return "new_value" if key == "value" else key


class NoteForm(forms.Form):
    note = _text(_("Note"), required=False)


class ComputeForm(forms.Form):
    as_of = _date(_("As of"))


class LockForm(forms.Form):
    until = _date(
        _("Lock values until"),
        help_text=_("Values up to this date can afterwards change only by a revision."),
    )


# --- progress reviews ------------------------------------------------------------------------
class ProgressReviewForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ReviewKind.choices, initial=ReviewKind.ANNUAL_CONSULTATION
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    held_on = _date(_("Date"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    period_start = _date(_("Period from"))
    period_end = _date(_("Period until"))

    @staticmethod
    def initial_for(review: Any) -> dict[str, Any]:
        names = ("kind", "title", "held_on", "place", "period_start", "period_end")
        return {name: getattr(review, name) for name in names}


class ParticipantForm(forms.Form):
    organisation = OrganisationChoice(label=_("Organisation"), queryset=Organisation.objects.none())
    person = forms.CharField(label=_("Person"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("Rating"), choices=Rating.choices)
    narrative = _text(_("Narrative"), rows=3, required=False)


class DecisionForm(forms.Form):
    text = _text(_("Decision"), required=False)
    line = TitledChoice(
        label=_("Line of effort"), queryset=LineOfEffort.objects.none(), required=False
    )

    def __init__(self, *args: Any, lines: QuerySet[LineOfEffort], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["line"].queryset = lines  # type: ignore[attr-defined]


class ActionItemForm(forms.Form):
    text = _text(_("Action"), required=False)
    owner = OrganisationChoice(label=_("Owner"), queryset=Organisation.objects.none())
    owner_person = forms.CharField(label=_("Person responsible"), max_length=200, required=False)
    due_on = _date(_("Due on"))
    line = TitledChoice(
        label=_("Line of effort"), queryset=LineOfEffort.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        lines: QuerySet[LineOfEffort],
        organisations: QuerySet[Organisation],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["line"].queryset = lines  # type: ignore[attr-defined]
        self.fields["owner"].queryset = organisations  # type: ignore[attr-defined]


def _status_choices(current: str, table: dict[str, frozenset[str]], labels: Any) -> list[Any]:
    """The legal next statuses, in the order the choices are declared."""
    return [(value, label) for value, label in labels.choices if value in table[current]]


class ActionMoveForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    on = _date(_("On"), required=False, help_text=_("Empty: today."))

    def __init__(self, *args: Any, current: str, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["status"].choices = _status_choices(  # type: ignore[attr-defined]
            current, ACTION_TRANSITIONS, ActionStatus
        )


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status now"))
    note = _text(_("Where it stands"), required=False)

    def __init__(self, *args: Any, current: str, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label)
            for value, label in ActionStatus.choices
            if value == current or value in ACTION_TRANSITIONS[current]
        ]
        self.fields["status"].initial = current


class HeldForm(forms.Form):
    summary = _text(_("Summary"), rows=3, required=False)


# --- reviews and recommendations -------------------------------------------------------------
class ExternalReviewForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    description = _text(_("Description"), rows=4, required=False)
    started_on = _date(_("Started on"))
    lead = OrganisationsChoice(
        label=_("Lead nation"),
        queryset=Organisation.objects.none(),
        help_text=_("The organisation(s) leading the review."),
    )
    requested_by = OrganisationsChoice(
        label=_("Requested by"), queryset=Organisation.objects.none(), required=False
    )
    experts = OrganisationsChoice(
        label=_("Experts"), queryset=Organisation.objects.none(), required=False
    )
    agreement = forms.ModelChoiceField(
        label=_("Under agreement"), queryset=Agreement.objects.none(), required=False
    )
    classification = _classification(Level.INTERNAL)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        agreements: QuerySet[Agreement],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        for name in ("lead", "requested_by", "experts"):
            self.fields[name].queryset = organisations  # type: ignore[attr-defined]
        self.fields["agreement"].queryset = agreements  # type: ignore[attr-defined]


class PhaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    starts_on = _date(_("Starts on"))
    ends_on = _date(_("Ends on"), required=False)
    description = _text(_("Description"), required=False)


class WorkingGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    topic = _text(_("Topic"), required=False)
    chair = OrganisationChoice(
        label=_("Chaired by"), queryset=Organisation.objects.none(), required=False
    )
    chair_person = forms.CharField(label=_("Chair (person)"), max_length=200, required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["chair"].queryset = organisations  # type: ignore[attr-defined]

    def members(self) -> list[tuple[Organisation, str, bool]]:
        chair = self.cleaned_data.get("chair")
        if chair is None:
            return []
        return [(chair, self.cleaned_data["chair_person"].strip(), True)]


class MemberForm(forms.Form):
    organisation = OrganisationChoice(label=_("Organisation"), queryset=Organisation.objects.none())
    person = forms.CharField(label=_("Person"), max_length=200, required=False)
    chair = forms.BooleanField(label=_("Chair"), required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class RecommendationForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    text = _text(_("Text"), rows=4, required=False)
    working_group = forms.ModelChoiceField(
        label=_("Working group"), queryset=WorkingGroup.objects.none(), required=False
    )
    responsible = OrganisationChoice(
        label=_("Responsible"), queryset=Organisation.objects.none(), required=False
    )
    due_on = _date(_("Implementation due"), required=False)
    drafted_on = _date(_("Drafted on"), required=False, help_text=_("Empty: today."))
    objectives = TitledMultipleChoice(
        label=_("Objectives served"),
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = AreaChoices()

    def __init__(
        self,
        *args: Any,
        groups: QuerySet[WorkingGroup],
        organisations: QuerySet[Organisation],
        objectives: QuerySet[Objective],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["working_group"].queryset = groups  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["objectives"].queryset = objectives  # type: ignore[attr-defined]

    def freeze_wording(self) -> None:
        """After adoption the wording stands: shown, not editable."""
        for name in ("title_en", "title_uk", "text"):
            self.fields[name].disabled = True
            self.fields[name].help_text = _("Adopted wording; it can no longer change.")

    @staticmethod
    def initial_for(rec: Recommendation, objectives: Iterable[Objective]) -> dict[str, Any]:
        return {
            "title_en": rec.title_en,
            "title_uk": rec.title_uk,
            "text": rec.text,
            "working_group": rec.working_group_id,
            "responsible": rec.responsible_id,
            "due_on": rec.due_on,
            "objectives": [o.pk for o in objectives],
            "areas": [a.pk for a in rec.areas.all()],
        }


class AdvanceForm(forms.Form):
    on = _date(_("Date"))
    event = forms.CharField(
        label=_("Event"),
        max_length=200,
        required=False,
        help_text=_("Where it was adopted, e.g. a summit or a ministerial meeting."),
    )
    evidence = forms.CharField(label=_("Evidence"), max_length=500, required=False)
    note = _text(_("Note"), required=False)


# --- strategies ------------------------------------------------------------------------------
class StrategyForm(forms.Form):
    owner = OrganisationChoice(
        label=_("Owner"),
        queryset=Organisation.objects.none(),
        help_text=_("The body that keeps the strategy and adds its documents."),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    approving_act = forms.CharField(
        label=_("Approving act"),
        max_length=300,
        help_text=_("e.g. Presidential Decree No. 392/2020."),
    )
    approved_on = _date(_("Approved on"))
    description = _text(_("Description"), rows=4, required=False)
    classification = _classification(Level.PUBLIC)

    def __init__(self, *args: Any, owners: QuerySet[Organisation], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class DocumentForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=400)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=400, required=False)
    area_en = forms.CharField(label=_("Area (English)"), max_length=200)
    area_uk = forms.CharField(label=_("Area (Ukrainian)"), max_length=200, required=False)
    cooperation_area = forms.ModelChoiceField(
        label=_("Cooperation area"), queryset=CooperationArea.objects.all(), required=False
    )
    responsible = OrganisationChoice(label=_("Responsible"), queryset=Organisation.objects.none())
    draft_due = _date(_("Draft due"), required=False)
    approval_due = _date(_("Approval due"), required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["responsible"].queryset = organisations  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(document: StrategicDocument) -> dict[str, Any]:
        names = ("title_en", "title_uk", "area_en", "area_uk", "draft_due", "approval_due")
        return {
            **{name: getattr(document, name) for name in names},
            "cooperation_area": document.cooperation_area_id,
            "responsible": document.responsible_id,
        }


class DocumentMoveForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    approval_act = forms.CharField(
        label=_("Approval act"),
        max_length=300,
        required=False,
        help_text=_("Needed to mark it approved, e.g. a Cabinet resolution."),
    )
    approved_on = _date(_("Approved on"), required=False)

    def __init__(self, *args: Any, document: StrategicDocument, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *_status_choices(document.status, DOCUMENT_TRANSITIONS, DocumentStatus),
        ]
        if DocumentStatus.APPROVED not in DOCUMENT_TRANSITIONS[document.status]:
            del self.fields["approval_act"]
            del self.fields["approved_on"]
