"""Project-wide pages: the home page and the health endpoint."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from spilno import __version__
from spilno.audit.models import AuditEntry
from spilno.core.selectors import agreements_for, organisations_for
from spilno.kernel.access import can
from spilno.kernel.classification import Level


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    cards = [
        {
            "label": _("Organisations"),
            "url": reverse("core:organisation-list"),
            "count": organisations_for(user).count(),
            "help": _("Ministries, agencies, units, suppliers and international organisations."),
        },
        {
            "label": _("Agreements"),
            "url": reverse("core:agreement-list"),
            "count": agreements_for(user).count(),
            "help": _("Framework agreements, memoranda, assistance packages, concepts."),
        },
    ]
    if can(user, "audit.entry.view"):
        cards.append(
            {
                "label": _("Audit log"),
                "url": reverse("audit:entry-list"),
                "count": AuditEntry.objects.count(),
                "help": _("Hash-chained entries; verify them any time."),
            }
        )
    return render(
        request,
        "spilno/home.html",
        {
            "cards": cards,
            "memberships": user.memberships.select_related("organisation"),  # type: ignore[union-attr]
            "clearance": Level(user.effective_clearance),  # type: ignore[union-attr]
        },
    )


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 200 when the database answers, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "degraded",
            "database": database,
            "version": __version__,
        },
        status=status,
    )
