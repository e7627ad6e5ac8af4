"""Signing in switches the interface to the user's preferred language (User.language)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from spilno.accounts.models import User
from spilno.core.models import Organisation
from spilno.kernel.access import Role
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_user: Callable[..., User], home_org: Organisation) -> Callable[[str], User]:
    def make(language: str) -> User:
        return make_user(
            (home_org, Role.PROCUREMENT_OFFICER), username=f"reader-{language}", language=language
        )

    return make


def sign_in(client: Client, user: User) -> None:
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content


def test_signing_in_switches_to_ukrainian(reader: Callable[[str], User]) -> None:
    client = Client()
    assert 'lang="en"' in client.get("/accounts/login/").content.decode()
    sign_in(client, reader("uk"))
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"
    page = client.get("/").content.decode()
    assert 'lang="uk"' in page
    assert "Організації" in page
    assert "Організації" in client.get("/core/organisations/").content.decode()


def test_signing_in_replaces_an_earlier_choice(reader: Callable[[str], User]) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    sign_in(client, reader("en"))
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Organisations" in page


def test_a_failed_sign_in_leaves_the_language_alone(reader: Callable[[str], User]) -> None:
    client = Client()
    user = reader("uk")
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
