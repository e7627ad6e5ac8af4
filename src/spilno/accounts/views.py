"""Pages for users (administrators, auditors) and each user's own API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spilno.accounts.forms import TokenForm, UserForm
from spilno.accounts.models import User
from spilno.accounts.selectors import tokens_of, user_for, users_for
from spilno.accounts.services.tokens import create_token, revoke_token
from spilno.accounts.services.users import create_user, update_user
from spilno.core.forms import apply_service_errors
from spilno.kernel.access import can, require


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Remember ``language`` for the browser, as Django's own language switch does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LoginView(auth_views.LoginView):
    """Django's sign-in, which also switches the interface to the user's preferred language."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        language = getattr(form.get_user(), "language", "")
        if language in dict(settings.LANGUAGES) and check_for_language(language):
            set_language_cookie(response, language)
        return response


def _user_or_404(actor: object, pk: int) -> User:
    try:
        return user_for(actor, pk)
    except User.DoesNotExist:
        raise Http404(_("No such user.")) from None


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    q, role = request.GET.get("q", "").strip(), request.GET.get("role", "").strip()
    users = users_for(request.user, q=q, role=role)[:500]
    return render(
        request,
        "accounts/user_list.html",
        {"users": users, "q": q, "can_manage": can(request.user, "accounts.user.manage")},
    )


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_or_404(request.user, pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "memberships": target.memberships.select_related("organisation"),
            "can_manage": can(request.user, "accounts.user.manage"),
        },
    )


@login_required
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "accounts.user.manage")
    target = _user_or_404(request.user, pk) if pk else None
    form = UserForm(
        request.POST or None,
        user=request.user,
        creating=target is None,
        initial=UserForm.initial_for(target) if target else None,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if target:
                data.pop("username")
                data["password"] = data["password"] or None
                target = update_user(actor=request.user, user=target, **data)
            else:
                target = create_user(actor=request.user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved user %(u)s.") % {"u": target.username})
            return redirect("accounts:user-detail", pk=target.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "accounts/user_form.html", {"form": form, "target": target}, status=status
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = create_token(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            form = TokenForm()
    status = 422 if request.method == "POST" and secret is None else 200
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": tokens_of(request.user), "secret": secret},
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens_of(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404(_("No such token."))
    revoke_token(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
