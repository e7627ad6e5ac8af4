"""The JSON API under /api/v1/: one NinjaAPI, routers from each app, one error format.

Every failure answers ``application/problem+json`` (RFC 9457) with ``type``, ``title``,
``status``, ``detail`` and, for invalid input, ``errors``: a list of ``{field, message}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from spilno.accounts.api import router as accounts_router
from spilno.accounts.services.tokens import user_for_token
from spilno.audit.api import router as audit_router
from spilno.capabilities.api import router as capabilities_router
from spilno.cooperation.api import router as cooperation_router
from spilno.cooperation.brief_api import router as brief_router
from spilno.core.api import router as core_router
from spilno.problems import django_errors, problem
from spilno.procurement.api import router as procurement_router
from spilno.procurement.services.bids import IdempotencyConflict
from spilno.transparency.api import policy_router
from spilno.transparency.api import router as ocds_router


class BearerToken(HttpBearer):
    """``Authorization: Bearer spl_…`` with a token from the user's Tokens page or the API."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Spilno API",
    version="1.0.0",
    description=(
        "Defence procurement and partner cooperation, in the open. Authenticate with a bearer "
        "token (create one on your Tokens page or with POST /api/v1/me/tokens) or a browser "
        "session. Errors are RFC 9457 problem+json documents with field-level `errors`."
    ),
    urls_namespace="api-1.0.0",
    auth=[BearerToken(), SessionAuth()],
)


def _pydantic_errors(exc: NinjaValidationError) -> list[dict[str, str]]:
    errors = []
    for error in exc.errors:
        loc = [
            str(p) for p in error.get("loc", ()) if p not in ("body", "payload", "query", "path")
        ]
        errors.append({"field": ".".join(loc) or "__all__", "message": str(error.get("msg", ""))})
    return errors


@api.exception_handler(NinjaValidationError)
def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem(422, "Invalid input", "Some fields are not valid.", _pydantic_errors(exc))


@api.exception_handler(IdempotencyConflict)
def _idempotency_conflict(request: HttpRequest, exc: IdempotencyConflict) -> HttpResponse:
    return problem(
        409, "Conflict", "The idempotency key was used for another request.", django_errors(exc)
    )


@api.exception_handler(DjangoValidationError)
def _rule_broken(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem(422, "Invalid input", "Some fields are not valid.", django_errors(exc))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(403, "Forbidden", str(exc) or "You may not do this.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(401, "Unauthorized", "Send a bearer token or sign in.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "Not found", "No such record, or you may not see it.")


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "Not found", "No such record, or you may not see it.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(exc.status_code, str(exc), str(exc))


api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/", capabilities_router)
api.add_router("/", procurement_router)
api.add_router("/cooperation", cooperation_router)
api.add_router("/cooperation", brief_router)
api.add_router("/ocds", ocds_router)
api.add_router("/transparency", policy_router)
