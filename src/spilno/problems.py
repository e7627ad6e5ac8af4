"""RFC 9457 problem documents, shared by the API and the plain views (health, 4xx pages)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse

PROBLEM_BASE = "urn:spilno:problem:"


def django_errors(exc: DjangoValidationError) -> list[dict[str, str]]:
    """Flatten Django's ValidationError into ``[{field, message}]``."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": "__all__" if field == NON_FIELD_ERRORS else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "__all__", "message": m} for m in exc.messages]


def problem(
    status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/problem+json",
    )
