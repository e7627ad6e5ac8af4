"""Forms for users (administrators) and API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from spilno.accounts.models import User
from spilno.core.models import Organisation
from spilno.kernel.access import Role
from spilno.kernel.classification import Level


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Required for a new user; leave empty to keep the current password."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    clearance = forms.TypedChoiceField(label=_("Clearance"), choices=Level.choices, coerce=int)
    clearance_valid_until = forms.DateField(
        label=_("Clearance valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("en", "English"), ("uk", "Українська")]
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    memberships = forms.CharField(
        label=_("Memberships"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line: organisation short name or id, a space, then the role (%s).")
        % ", ".join(Role.values),
    )

    def __init__(self, *args: Any, user: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.creating = creating
        if not creating:
            self.fields["username"].disabled = True

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""
        if self.creating and not password:
            raise forms.ValidationError(_("A new user needs a password."))
        return password

    def clean_memberships(self) -> list[tuple[Organisation, str]]:
        visible: Any = Organisation.objects.visible_to(self.user)
        result, errors = [], []
        for number, line in enumerate(self.cleaned_data["memberships"].splitlines(), start=1):
            if not line.strip():
                continue
            org_ref, _sep, role = line.strip().rpartition(" ")
            org_ref = org_ref.strip()
            org = (
                visible.filter(pk=int(org_ref)).first()
                if org_ref.isdigit()
                else visible.filter(short_name=org_ref).first()
            )
            if org is None:
                errors.append(
                    _("Line %(n)s: unknown organisation “%(o)s”.") % {"n": number, "o": org_ref}
                )
            elif role not in Role.values:
                errors.append(_("Line %(n)s: unknown role “%(r)s”.") % {"n": number, "r": role})
            else:
                result.append((org, role))
        if errors:
            raise forms.ValidationError(errors)
        return result

    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        return {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "clearance": user.clearance,
            "clearance_valid_until": user.clearance_valid_until,
            "language": user.language,
            "is_active": user.is_active,
            "memberships": "\n".join(
                f"{m.organisation.short_name or m.organisation_id} {m.role}"
                for m in user.memberships.select_related("organisation")
            ),
        }


class TokenForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("token", "Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “reporting script”."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Optional. Leave empty for a token that lasts until revoked."),
    )
