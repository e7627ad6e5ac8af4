"""Agreement lifecycle as an explicit transition table (pure functions, no database)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


S = AgreementStatus
AGREEMENT_TRANSITIONS: dict[AgreementStatus, frozenset[AgreementStatus]] = {
    S.DRAFT: frozenset({S.SIGNED, S.TERMINATED}),
    S.SIGNED: frozenset({S.IN_FORCE, S.TERMINATED}),
    S.IN_FORCE: frozenset({S.EXPIRED, S.TERMINATED}),
    S.EXPIRED: frozenset(),
    S.TERMINATED: frozenset(),
}


def agreement_can_move(current: str, target: str) -> bool:
    """Whether the table allows ``current`` → ``target``; an unknown status never moves."""
    if current not in AgreementStatus.values or target not in AgreementStatus.values:
        return False
    if current == target:
        return True
    return AgreementStatus(target) in AGREEMENT_TRANSITIONS[AgreementStatus(current)]
