"""Requirements for the capabilities tests, written through the service like production."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from spilno.capabilities.models import Requirement
from spilno.capabilities.services.requirements import create_requirement
from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level


@pytest.fixture
def unit(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Mechanised Brigade", kind=OrganisationKind.ARMED_FORCES_UNIT)


def requirement_fields(org: Organisation, /, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title_en": "Counter-drone jammers",
        "title_uk": "Засоби РЕБ",
        "cpv": "35100000-5",
        "quantity": Decimal(40),
        "unit": "sets",
        "needed_by": dt.date(2026, 10, 1),
        "requesting_organisation": org,
        "priority": 2,
        "priority_reason": "Drone attacks on supply routes.",
        "classification": Level.INTERNAL,
    }
    fields.update(changes)
    return fields


@pytest.fixture
def make_requirement(unit: Organisation) -> Callable[..., Requirement]:
    def make(**changes: Any) -> Requirement:
        return create_requirement(actor=SystemActor(), **requirement_fields(unit, **changes))

    return make
