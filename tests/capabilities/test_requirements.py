"""Requirements: validation on create and update, and need-to-know visibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from spilno.accounts.models import User
from spilno.audit.models import AuditEntry
from spilno.capabilities.models import Requirement
from spilno.capabilities.selectors import requirement_for, requirements_for
from spilno.capabilities.services.requirements import create_requirement, update_requirement
from spilno.core.models import Organisation
from spilno.kernel.access import AccessDenied, Role, SystemActor
from spilno.kernel.classification import Level
from tests.capabilities.conftest import requirement_fields
from tests.procurement.conftest import error_fields, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user: Callable[..., User], make_org: Callable[..., Organisation]) -> User:
    agency = make_org("Procurement Agency")
    return make_user((agency, Role.PROCUREMENT_OFFICER), clearance=Level.SECRET)


def test_create_assigns_a_reference_and_audits(officer: User, unit: Organisation) -> None:
    requirement = create_requirement(actor=officer, **requirement_fields(unit))
    assert requirement.reference == f"REQ-{requirement.pk:06d}"
    assert requirement.created_by == officer
    entry = AuditEntry.objects.get(
        action="capabilities.requirement.create", object_id=str(requirement.pk)
    )
    assert entry.actor == officer.username
    assert entry.after["cpv"] == "35100000-5"
    assert entry.after["quantity"] == "40"
    assert entry.classification == Level.INTERNAL


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": 0}, "priority"),
        ({"priority": 6}, "priority"),
        ({"priority_reason": ""}, "priority_reason"),
        ({"priority_reason": "  \n"}, "priority_reason"),
        ({"cpv": "35100000"}, "cpv"),
        ({"cpv": "35100000-4"}, "cpv"),
        ({"cpv": "35100001-2"}, "cpv"),  # well formed, not in the vocabulary
        ({"nsn": "5865-12-345-678"}, "nsn"),
        ({"nsn": "0000-12-345-6789"}, "nsn"),
        ({"nsn": "5865 12 345 6789"}, "nsn"),
        ({"quantity": Decimal(0)}, "quantity"),
        ({"quantity": Decimal(-1)}, "quantity"),
        ({"quantity": Decimal("1.0001")}, "quantity"),
        ({"title_en": ""}, "title_en"),
        ({"unit": ""}, "unit"),
        ({"classification": 9}, "classification"),
    ],
    ids=repr,
)
def test_create_validation(
    officer: User, unit: Organisation, changes: dict[str, Any], field: str
) -> None:
    exc = refused(
        ValidationError, create_requirement, actor=officer, **requirement_fields(unit, **changes)
    )
    assert field in error_fields(exc)


@pytest.mark.parametrize("priority", [1, 5])
@pytest.mark.parametrize("nsn", ["", "5865-12-345-6789", "5865123456789"])
def test_create_accepts_the_limits(
    officer: User, unit: Organisation, priority: int, nsn: str
) -> None:
    requirement = create_requirement(
        actor=officer, **requirement_fields(unit, priority=priority, nsn=nsn)
    )
    requirement.refresh_from_db()
    assert (requirement.priority, requirement.nsn) == (priority, nsn)


def test_unknown_fields_are_a_programming_error(officer: User, unit: Organisation) -> None:
    with pytest.raises(TypeError, match="reference"):
        create_requirement(actor=officer, reference="REQ-1", **requirement_fields(unit))


def test_classification_above_clearance_is_refused(
    make_user: Callable[..., User], unit: Organisation
) -> None:
    cell = make_user((unit, Role.COORDINATION_CELL), clearance=Level.RESTRICTED)
    exc = refused(
        ValidationError,
        create_requirement,
        actor=cell,
        **requirement_fields(unit, classification=Level.CONFIDENTIAL),
    )
    assert error_fields(exc) == {
        "classification": ["You cannot classify above your own clearance."]
    }
    requirement = create_requirement(
        actor=cell, **requirement_fields(unit, classification=Level.RESTRICTED)
    )
    exc = refused(
        ValidationError,
        update_requirement,
        actor=cell,
        requirement=requirement,
        classification=Level.SECRET,
    )
    assert "classification" in error_fields(exc)


def test_only_some_roles_write_requirements(
    make_user: Callable[..., User], unit: Organisation
) -> None:
    for role in (Role.SUPPLIER_REPRESENTATIVE, Role.AUDITOR, Role.APPROVER):
        user = make_user((unit, role), clearance=Level.SECRET)
        refused(AccessDenied, create_requirement, actor=user, **requirement_fields(unit))
    refused(AccessDenied, create_requirement, actor=AnonymousUser(), **requirement_fields(unit))
    cell = make_user((unit, Role.COORDINATION_CELL))
    create_requirement(actor=cell, **requirement_fields(unit))


def test_update_audits_the_difference_only(
    officer: User, make_requirement: Callable[..., Requirement]
) -> None:
    requirement = make_requirement()
    count = AuditEntry.objects.count()
    update_requirement(actor=officer, requirement=requirement, priority=2)  # unchanged
    assert AuditEntry.objects.count() == count
    updated = update_requirement(
        actor=officer,
        requirement=requirement,
        priority=1,
        priority_reason="Offensive expected",
        quantity=Decimal("55.5"),
    )
    assert (updated.priority, updated.quantity) == (1, Decimal("55.5"))
    entry = AuditEntry.objects.get(action="capabilities.requirement.change")
    assert (entry.before["priority"], entry.after["priority"]) == (2, 1)
    assert (entry.before["quantity"], entry.after["quantity"]) == ("40.000", "55.5")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": 0}, "priority"),
        ({"priority": 6}, "priority"),
        ({"priority_reason": " "}, "priority_reason"),
        ({"status": "done"}, "status"),
        ({"cpv": "12345678-9"}, "cpv"),
        ({"nsn": "12"}, "nsn"),
        ({"quantity": Decimal(0)}, "quantity"),
    ],
    ids=repr,
)
def test_update_validation_changes_nothing(
    officer: User,
    make_requirement: Callable[..., Requirement],
    changes: dict[str, Any],
    field: str,
) -> None:
    requirement = make_requirement()
    exc = refused(
        ValidationError, update_requirement, actor=officer, requirement=requirement, **changes
    )
    assert field in error_fields(exc)


def test_cancel_a_requirement(officer: User, make_requirement: Callable[..., Requirement]) -> None:
    requirement = make_requirement()
    assert update_requirement(
        actor=officer, requirement=requirement, status="cancelled"
    ).status == ("cancelled")
    assert list(requirements_for(officer, status="cancelled")) == [requirement]
    assert not requirements_for(officer, status="open").exists()


# --- need-to-know ------------------------------------------------------------------------------
def test_restricted_requirements_need_to_know(
    make_user: Callable[..., User],
    make_org: Callable[..., Organisation],
    unit: Organisation,
    make_requirement: Callable[..., Requirement],
) -> None:
    other = make_org("Another Brigade")
    restricted = make_requirement(classification=Level.RESTRICTED, title_en="Restricted need")
    internal = make_requirement(classification=Level.INTERNAL, title_en="Internal need")
    public = make_requirement(classification=Level.PUBLIC, title_en="Public need")
    secret = make_requirement(classification=Level.SECRET, title_en="Secret need")

    member = make_user((unit, Role.COORDINATION_CELL), clearance=Level.RESTRICTED)
    member_low = make_user((unit, Role.COORDINATION_CELL), clearance=Level.INTERNAL)
    outsider = make_user((other, Role.COORDINATION_CELL), clearance=Level.SECRET)
    auditor = make_user((other, Role.AUDITOR), clearance=Level.SECRET)
    member_secret = make_user((unit, Role.PROCUREMENT_OFFICER), clearance=Level.SECRET)

    def seen(user: Any) -> set[str]:
        return set(requirements_for(user).values_list("title_en", flat=True))

    assert seen(member) == {"Restricted need", "Internal need", "Public need"}
    assert seen(member_low) == {"Internal need", "Public need"}
    assert seen(outsider) == {"Internal need", "Public need"}
    assert seen(auditor) == {"Restricted need", "Internal need", "Public need", "Secret need"}
    assert seen(member_secret) == {"Restricted need", "Internal need", "Public need", "Secret need"}
    assert seen(AnonymousUser()) == {"Public need"}

    assert requirement_for(member, restricted.pk) == restricted
    with pytest.raises(Requirement.DoesNotExist):
        requirement_for(outsider, restricted.pk)
    with pytest.raises(Requirement.DoesNotExist):
        requirement_for(member, secret.pk)
    assert requirement_for(outsider, internal.pk) == internal
    assert requirement_for(AnonymousUser(), public.pk) == public

    # Who cannot see a requirement cannot change it either.
    refused(AccessDenied, update_requirement, actor=outsider, requirement=restricted, priority=1)
    update_requirement(actor=member, requirement=restricted, priority=1)


def test_requirement_filters(officer: User, make_requirement: Callable[..., Requirement]) -> None:
    jammers = make_requirement()
    shells = make_requirement(
        title_en="155 mm shells",
        cpv="35331200-5",
        priority=1,
        description="NATO standard",
        needed_by=dt.date(2026, 7, 1),
    )
    assert list(requirements_for(officer, cpv="35300000-7")) == [shells]
    assert list(requirements_for(officer, cpv="35100000-5")) == [jammers]
    assert list(requirements_for(officer, priority=2)) == [jammers]
    assert list(requirements_for(officer, q="nato")) == [shells]
    assert list(requirements_for(officer, q=shells.reference)) == [shells]
    assert list(requirements_for(officer)) == [shells, jammers]  # most urgent first
    assert list(requirements_for(officer, after=jammers.pk)) == [shells]


def test_system_actor_creates_without_a_creator(unit: Organisation) -> None:
    requirement = create_requirement(actor=SystemActor(), **requirement_fields(unit))
    assert requirement.created_by is None
    entry = AuditEntry.objects.get(
        action="capabilities.requirement.create", object_id=str(requirement.pk)
    )
    assert entry.actor == "system"
