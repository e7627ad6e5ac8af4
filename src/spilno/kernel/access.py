"""Who may do what, and who may see what: the one permission function and visibility rule.

Roles decide actions; clearance and need-to-know decide visibility (DESIGN §4). This lives in the
shared kernel (not in ``accounts``) so that every app, ``audit`` included, checks permissions the
same way without importing upwards (ADR 0002). ``accounts.User`` implements :class:`Principal`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from spilno.kernel.classification import Level


class Role(models.TextChoices):
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    APPROVER = "approver", _("Approver")
    SUPPLIER_REPRESENTATIVE = "supplier_representative", _("Supplier representative")
    PARTNER_LIAISON = "partner_liaison", _("Partner liaison")
    COORDINATION_CELL = "coordination_cell", _("Coordination cell")
    REFORM_OFFICE = "reform_office", _("Reform office")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


R = Role
# Every action the system knows, and the roles that may perform it. Adding an action here is the
# only way to make it possible; a service asks `require(user, action, obj)` before it writes.
ACTIONS: dict[str, frozenset[Role]] = {
    "core.organisation.view": frozenset(Role),
    "core.organisation.create": frozenset(
        {R.ADMINISTRATOR, R.PROCUREMENT_OFFICER, R.COORDINATION_CELL}
    ),
    "core.organisation.change": frozenset(
        {R.ADMINISTRATOR, R.PROCUREMENT_OFFICER, R.COORDINATION_CELL}
    ),
    "core.agreement.view": frozenset(Role),
    "core.agreement.create": frozenset(
        {R.ADMINISTRATOR, R.PARTNER_LIAISON, R.REFORM_OFFICE, R.COORDINATION_CELL}
    ),
    "core.agreement.change": frozenset(
        {R.ADMINISTRATOR, R.PARTNER_LIAISON, R.REFORM_OFFICE, R.COORDINATION_CELL}
    ),
    "accounts.user.view": frozenset({R.ADMINISTRATOR, R.AUDITOR}),
    "accounts.user.manage": frozenset({R.ADMINISTRATOR}),
    "accounts.token.manage_own": frozenset(Role),
    "audit.entry.view": frozenset({R.AUDITOR, R.ADMINISTRATOR}),
    "audit.log.verify": frozenset({R.AUDITOR, R.ADMINISTRATOR}),
    "audit.checkpoint.create": frozenset({R.AUDITOR, R.ADMINISTRATOR}),
    # capabilities
    "capabilities.requirement.view": frozenset(Role),
    "capabilities.requirement.create": frozenset(
        {R.PROCUREMENT_OFFICER, R.COORDINATION_CELL, R.ADMINISTRATOR}
    ),
    "capabilities.requirement.change": frozenset(
        {R.PROCUREMENT_OFFICER, R.COORDINATION_CELL, R.ADMINISTRATOR}
    ),
    # procurement (buyer side)
    "procurement.plan.create": frozenset({R.PROCUREMENT_OFFICER}),
    "procurement.plan.approve": frozenset({R.APPROVER}),
    "procurement.tender.create": frozenset({R.PROCUREMENT_OFFICER}),
    "procurement.tender.change": frozenset({R.PROCUREMENT_OFFICER}),
    "procurement.tender.cancel": frozenset({R.PROCUREMENT_OFFICER, R.APPROVER}),
    "procurement.question.answer": frozenset({R.PROCUREMENT_OFFICER}),
    "procurement.bid.open": frozenset({R.PROCUREMENT_OFFICER, R.APPROVER}),
    "procurement.bid.evaluate": frozenset({R.PROCUREMENT_OFFICER, R.APPROVER}),
    "procurement.award.decide": frozenset({R.APPROVER}),
    "procurement.complaint.decide": frozenset({R.APPROVER}),
    "procurement.contract.sign_buyer": frozenset({R.PROCUREMENT_OFFICER, R.APPROVER}),
    "procurement.contract.change": frozenset({R.PROCUREMENT_OFFICER, R.APPROVER}),
    "procurement.delivery.schedule": frozenset({R.PROCUREMENT_OFFICER}),
    "procurement.delivery.receive": frozenset({R.PROCUREMENT_OFFICER}),
    "procurement.supplier.qualify": frozenset({R.PROCUREMENT_OFFICER, R.APPROVER}),
    # procurement (supplier side)
    "procurement.question.ask": frozenset({R.SUPPLIER_REPRESENTATIVE}),
    "procurement.bid.submit": frozenset({R.SUPPLIER_REPRESENTATIVE}),
    "procurement.complaint.submit": frozenset({R.SUPPLIER_REPRESENTATIVE}),
    "procurement.contract.sign_supplier": frozenset({R.SUPPLIER_REPRESENTATIVE}),
    "procurement.delivery.ship": frozenset({R.SUPPLIER_REPRESENTATIVE}),
    # read-only views anyone signed in may open (records still filtered by visibility)
    "procurement.view": frozenset(Role),
    # cooperation: programmes, indicators, progress reviews, recommendations, strategies.
    # Writes under a programme also need the role in one of its agreement's parties.
    "cooperation.view": frozenset(Role),
    "cooperation.programme.manage": frozenset({R.REFORM_OFFICE, R.PARTNER_LIAISON}),
    "cooperation.value.enter": frozenset({R.REFORM_OFFICE, R.PARTNER_LIAISON}),
    "cooperation.value.approve": frozenset({R.REFORM_OFFICE, R.APPROVER}),
    "cooperation.period.lock": frozenset({R.REFORM_OFFICE, R.APPROVER}),
    "cooperation.review.manage": frozenset({R.REFORM_OFFICE, R.PARTNER_LIAISON}),
    "cooperation.recommendation.manage": frozenset({R.REFORM_OFFICE}),
    "cooperation.strategy.manage": frozenset({R.REFORM_OFFICE}),
    # transparency: the disclosure policy decides what the public sees
    "transparency.policy.view": frozenset({R.ADMINISTRATOR, R.AUDITOR, R.APPROVER}),
    "transparency.policy.change": frozenset({R.ADMINISTRATOR}),
    "transparency.publish": frozenset({R.ADMINISTRATOR}),
}
# Roles that read everything their clearance allows, without need-to-know (DESIGN §1: auditors).
# The console (:class:`SystemActor`) is waived too, still bounded by its clearance.
NEED_TO_KNOW_WAIVED: frozenset[Role] = frozenset({R.AUDITOR})
# From this level up a record is visible only to its participants (need-to-know).
NEED_TO_KNOW_FROM = Level.RESTRICTED


class Principal(Protocol):
    """What the access rules need to know about a user."""

    is_authenticated: bool
    is_active: bool

    @property
    def effective_clearance(self) -> Level: ...

    def role_set(self) -> frozenset[Role]: ...

    def organisation_ids(self) -> frozenset[int]: ...


class Classified(Protocol):
    classification: int

    def participant_ids(self) -> Iterable[int]: ...


class SystemActor:
    """The operator at the server console (CLI commands, the chronograph): an administrator
    by virtue of holding the machine. Recorded in the audit log as ``system``."""

    pk = None
    is_authenticated = True
    is_active = True
    is_system = True
    effective_clearance = Level.SECRET

    def role_set(self) -> frozenset[Role]:
        return frozenset({Role.ADMINISTRATOR})

    def organisation_ids(self) -> frozenset[int]:
        return frozenset()

    def role_pairs(self) -> frozenset[tuple[int, Role]]:
        return frozenset()

    def get_username(self) -> str:
        return "system"


def acts_for(user: Any, organisation_id: int | None, action: str) -> bool:
    """Does ``user`` hold, in organisation ``organisation_id``, a role allowed to do ``action``?

    Roles are held per organisation: a supplier representative of one company cannot bid for
    another, and a buyer's officer cannot sign for the supplier."""
    if getattr(user, "is_system", False):
        return True
    if organisation_id is None or not _roles(user):
        return False
    allowed = ACTIONS[action]
    return any(org == organisation_id and role in allowed for org, role in user.role_pairs())


def require_for(user: Any, organisation_id: int | None, action: str) -> None:
    if not acts_for(user, organisation_id, action):
        raise AccessDenied(f"Not allowed: {action} (you hold no such role in that organisation).")


class AccessDenied(PermissionDenied):
    """Raised by services; views and the API turn it into 403 with the rule that refused."""


def _roles(user: Any) -> frozenset[Role]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles: frozenset[Role] = user.role_set()
    return roles


def _need_to_know_waived(user: Any, roles: frozenset[Role]) -> bool:
    """Auditors, and the console, which holds no organisation but must reach what it wrote."""
    return bool(roles & NEED_TO_KNOW_WAIVED) or bool(getattr(user, "is_system", False))


def can_see(user: Any, obj: Classified) -> bool:
    """Clearance at or above the record's level, and need-to-know from RESTRICTED up."""
    level = Level(obj.classification)
    if level == Level.PUBLIC:
        return True
    roles = _roles(user)
    if not roles or user.effective_clearance < level:
        return False
    if level < NEED_TO_KNOW_FROM or _need_to_know_waived(user, roles):
        return True
    return bool(set(obj.participant_ids()) & user.organisation_ids())


def can(user: Any, action: str, obj: Classified | None = None) -> bool:
    """May ``user`` perform ``action`` (on ``obj``, which they must also be able to see)?"""
    try:
        allowed = ACTIONS[action]
    except KeyError:
        raise ValueError(
            f"Unknown action {action!r}: declare it in spilno.kernel.access.ACTIONS"
        ) from None
    # The console operator (CLI, chronograph, demo) may take any action, within its clearance.
    if not (_roles(user) & allowed) and not getattr(user, "is_system", False):
        return False
    return obj is None or can_see(user, obj)


def require(user: Any, action: str, obj: Classified | None = None) -> None:
    if not can(user, action, obj):
        raise AccessDenied(f"Not allowed: {action}.")


def check_classification(user: Any, level: int) -> None:
    """Nobody may classify a record above their own clearance: they could no longer see it.

    Services call this before they write a ``classification``; the error names that field.
    """
    if level > user.effective_clearance:
        raise ValidationError({"classification": "You cannot classify above your own clearance."})


_Q = TypeVar("_Q", bound="ClassifiedQuerySet[Any]")
_M = TypeVar("_M", bound=models.Model)


class ClassifiedQuerySet(models.QuerySet[_M]):
    """The one visibility rule as a queryset filter: ``Model.objects.visible_to(user)``.

    A model using it declares ``participants_lookup``: the ORM path from it to the ids of the
    organisations taking part (need-to-know), e.g. ``"parties"`` or ``"pk"``.
    """

    participants_lookup: str = "pk"

    def visible_to(self: _Q, user: Any) -> _Q:
        roles = _roles(user)
        if not roles:
            return self.filter(classification=Level.PUBLIC)
        clearance = user.effective_clearance
        cleared = self.filter(classification__lte=clearance)
        if _need_to_know_waived(user, roles):
            return cleared
        lookup = self.participants_lookup
        open_levels = models.Q(classification__lt=NEED_TO_KNOW_FROM)
        participant = models.Q(**{f"{lookup}__in": list(user.organisation_ids())})
        # A subquery keeps one row per record however many participants match.
        ids = cleared.filter(open_levels | participant).values("pk")
        return self.filter(pk__in=ids)
