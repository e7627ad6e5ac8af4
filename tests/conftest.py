"""Shared fixtures: actors, factories that write through the services, audit-log helpers.

Every fixture builds records through the services with :class:`SystemActor`, so the audit log
holds an entry for each of them, exactly as in production.

Never use ``transactional_db`` here: flushing the database would hit the append-only triggers.
Tests run inside a transaction that is rolled back at the end, which also undoes any trigger a
test drops to tamper with the log.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from spilno.accounts.models import User
from spilno.accounts.services.tokens import create_token
from spilno.accounts.services.users import create_user
from spilno.core.models import Agreement, Organisation, OrganisationKind, PartyRole
from spilno.core.services.agreements import create_agreement
from spilno.core.services.organisations import create_organisation
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from tests.helpers import PASSWORD

# No example database: the suite must not leave a .hypothesis folder behind.
hypothesis_settings.register_profile(
    "spilno",
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.load_profile("spilno")

_names = itertools.count(1)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    """Fast password hashing, and an audit signing key that lives and dies with the test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SPILNO_AUDIT_KEY_FILE = tmp_path / "keys" / "audit-ed25519.pem"


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Each test starts in English: a page served in Ukrainian must not leak into the next test
    that the same worker runs (Django keeps the active language per thread)."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def system() -> SystemActor:
    return SystemActor()


@pytest.fixture
def make_org(db: None) -> Callable[..., Organisation]:
    def make(
        name_en: str | None = None,
        *,
        country: str = "UA",
        kind: str = OrganisationKind.AGENCY,
        classification: int = Level.PUBLIC,
        **fields: Any,
    ) -> Organisation:
        return create_organisation(
            actor=SystemActor(),
            name_en=name_en or f"Organisation {next(_names)}",
            country=country,
            kind=kind,
            classification=classification,
            **fields,
        )

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(
        *roles: tuple[Organisation, str],
        username: str | None = None,
        clearance: int = Level.INTERNAL,
        **fields: Any,
    ) -> User:
        return create_user(
            actor=SystemActor(),
            username=username or f"user{next(_names)}",
            password=PASSWORD,
            clearance=clearance,
            memberships=list(roles),
            **fields,
        )

    return make


@pytest.fixture
def make_agreement(db: None) -> Callable[..., Agreement]:
    def make(
        *parties: Organisation,
        classification: int = Level.PUBLIC,
        **fields: Any,
    ) -> Agreement:
        fields.setdefault("title_en", f"Agreement {next(_names)}")
        fields.setdefault("kind", "mou")
        return create_agreement(
            actor=SystemActor(),
            parties=[(org, PartyRole.SIGNATORY) for org in parties],
            classification=classification,
            **fields,
        )

    return make


@pytest.fixture
def home_org(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Home Ministry", kind=OrganisationKind.MINISTRY)


@pytest.fixture
def user_with_role(make_user: Callable[..., User], home_org: Organisation) -> Callable[..., User]:
    """A user whose only membership is ``role`` in the home organisation."""

    def make(role: Role, clearance: int = Level.SECRET, **fields: Any) -> User:
        return make_user((home_org, role), clearance=clearance, **fields)

    return make


@pytest.fixture
def bearer(db: None) -> Callable[[User], dict[str, str]]:
    """Request headers authenticating as ``user`` with a fresh API token."""

    def headers(user: User) -> dict[str, str]:
        _token, secret = create_token(actor=user, name="pytest")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return headers
