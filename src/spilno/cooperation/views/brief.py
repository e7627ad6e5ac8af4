"""The consultation brief's pages: a small form (partner, period), the HTML brief, and the PDF.

``brief/?partner=…&start=…&end=…`` shows the brief (the form alone, with its errors, while a
field is missing or wrong); ``brief.pdf`` with the same parameters downloads it as PDF. Every
brief produced is recorded in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy

from spilno.cooperation import selectors
from spilno.cooperation.brief import (
    Brief,
    build_brief,
    check_period,
    record_production,
    resolve_partner,
)
from spilno.cooperation.pdf import render_pdf
from spilno.core.models import Organisation
from spilno.kernel import clock
from spilno.kernel.access import require


class BriefForm(forms.Form):
    partner = forms.CharField(
        label=gettext_lazy("Partner"),
        widget=forms.Select,
        help_text=gettext_lazy("Programmes under agreements with this organisation are included."),
    )
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["partner"].widget.choices = self._choices()

    def _choices(self) -> list[tuple[str, str]]:
        """The parties of the programmes the user may see, the user's own organisations last;
        a partner given in the address but not among them is kept selectable."""
        own = set(self.user.organisation_ids())
        agreements = selectors.programmes_for(self.user).values("agreement")
        parties: list[Organisation] = list(
            Organisation.objects.visible_to(self.user)
            .filter(agreements__in=agreements)
            .distinct()
            .order_by("name_en")
        )
        parties.sort(key=lambda o: o.pk in own)
        choices = [("", "—")] + [(str(o.pk), o.label) for o in parties]
        given = str(self.data.get("partner", "")).strip() if self.is_bound else ""
        if given and given not in {c for c, _label in choices}:
            choices.append((given, given))
        return choices

    def clean_partner(self) -> Organisation:
        try:
            return resolve_partner(self.user, self.cleaned_data["partner"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["partner"]) from None

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("start") and data.get("end"):
            try:
                check_period(data["start"], data["end"])
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    self.add_error(name, messages)
        return data


def _form_page(request: HttpRequest, form: BriefForm, status: int = 200) -> HttpResponse:
    return render(request, "cooperation/brief/form.html", {"form": form}, status=status)


def _brief_or_form(request: HttpRequest) -> Brief | HttpResponse:
    require(request.user, "cooperation.view")
    if not any(request.GET.get(name) for name in ("partner", "start", "end")):
        today = clock.today()
        form = BriefForm(
            request.user, initial={"start": today - dt.timedelta(days=365), "end": today}
        )
        return _form_page(request, form)
    form = BriefForm(request.user, request.GET)
    if not form.is_valid():
        return _form_page(request, form, status=422)
    data = form.cleaned_data
    return build_brief(request.user, data["partner"], data["start"], data["end"])


@login_required
def brief_page(request: HttpRequest) -> HttpResponse:
    brief = _brief_or_form(request)
    if isinstance(brief, HttpResponse):
        return brief
    response = render(
        request,
        "cooperation/brief/document.html",
        {"brief": brief, "web": True, "query": request.GET.urlencode()},
    )
    record_production(actor=request.user, brief=brief, output="html")
    return response


@login_required
def brief_pdf(request: HttpRequest) -> HttpResponse:
    brief = _brief_or_form(request)
    if isinstance(brief, HttpResponse):
        return brief
    response = HttpResponse(render_pdf(brief), content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=f"{brief.filename}.pdf")
        or "attachment"
    )
    record_production(actor=request.user, brief=brief, output="pdf")
    return response


urlpatterns: list[URLPattern] = [
    path("brief/", brief_page, name="brief"),
    path("brief.pdf", brief_pdf, name="brief-pdf"),
]
