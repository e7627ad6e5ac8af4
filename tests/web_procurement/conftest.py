"""The procurement world of tests/procurement (buyer with separated duties, three suppliers, a
requirement, a controllable business clock), and a signed-in test client per user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from spilno.accounts.models import User
from tests.procurement.conftest import _bid_key, travel, world  # noqa: F401


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
