"""Template context shared by every page: the navigation the current user may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from spilno import __version__
from spilno.kernel.access import can

# (label, url name, action required or None for every signed-in user)
NAVIGATION = [
    (_("Home"), "home", None),
    (_("Organisations"), "core:organisation-list", "core.organisation.view"),
    (_("Agreements"), "core:agreement-list", "core.agreement.view"),
    (_("Requirements"), "capabilities:requirement-list", "capabilities.requirement.view"),
    (_("Tenders"), "procurement:tender-list", "procurement.view"),
    (_("Contracts"), "procurement:contract-list", "procurement.view"),
    (_("Cycle times"), "procurement:cycle-times", "procurement.view"),
    # One entry: the cooperation pages carry their own tabs (programmes, action items,
    # values waiting, reviews, strategies, areas).
    (_("Cooperation"), "cooperation:programme-list", "cooperation.view"),
    (_("Users"), "accounts:user-list", "accounts.user.view"),
    (_("Audit log"), "audit:entry-list", "audit.entry.view"),
    (_("API"), "api-1.0.0:openapi-view", None),
]
# Shown to everyone, signed in or not: the public portal needs no login.
PUBLIC_NAVIGATION = [(_("Open data"), "transparency:portal")]


def _item(request: HttpRequest, label: Any, name: str) -> dict[str, Any]:
    url = str(reverse(name))
    current = request.path == url or (url != "/" and request.path.startswith(url))
    return {"label": label, "url": url, "current": current}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    items = []
    if user.is_authenticated:
        items = [
            _item(request, label, name)
            for label, name, action in NAVIGATION
            if action is None or can(user, action)
        ]
    items += [_item(request, label, name) for label, name in PUBLIC_NAVIGATION]
    return {"navigation": items, "spilno_version": __version__}
