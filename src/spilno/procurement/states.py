"""Procurement lifecycles as explicit transition tables, and methods as configuration.

Pure data and functions, no database: services ask these tables before every change, and the
hypothesis state-machine tests walk them. A method (open, selective, …) is not a subclass but a
:class:`MethodRules` value that configures the one shared tender lifecycle (Prozorro's idea).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class IllegalTransition(ValueError):
    """A lifecycle was asked to move where its table does not allow."""


def _check(table: dict[str, frozenset[str]], kind: str, current: str, target: str) -> None:
    if target not in table:
        raise IllegalTransition(f"Unknown {kind} status {target!r}.")
    if target not in table[current]:
        raise IllegalTransition(f"A {kind} cannot move from {current} to {target}.")


# --- procurement plan -------------------------------------------------------------------------
class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


# --- tender -----------------------------------------------------------------------------------
class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PLANNED = "planned", _("Planned (approved)")
    ENQUIRIES = "active.enquiries", _("Enquiries")
    TENDERING = "active.tendering", _("Tendering (bids sealed)")
    EVALUATION = "active.evaluation", _("Evaluation")
    AWARDED = "active.awarded", _("Awarded (standstill)")
    COMPLETE = "complete", _("Complete")
    CANCELLED = "cancelled", _("Cancelled")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


T = TenderStatus
TENDER_TRANSITIONS: dict[str, frozenset[str]] = {
    T.DRAFT: frozenset({T.PLANNED, T.CANCELLED}),
    # Methods without bidding go straight from planned to evaluation (a negotiated offer).
    T.PLANNED: frozenset({T.ENQUIRIES, T.EVALUATION, T.CANCELLED}),
    T.ENQUIRIES: frozenset({T.TENDERING, T.CANCELLED}),
    T.TENDERING: frozenset({T.EVALUATION, T.UNSUCCESSFUL, T.CANCELLED}),
    T.EVALUATION: frozenset({T.AWARDED, T.UNSUCCESSFUL, T.CANCELLED}),
    # An upheld complaint sends the tender back to evaluation.
    T.AWARDED: frozenset({T.EVALUATION, T.COMPLETE, T.CANCELLED}),
    T.COMPLETE: frozenset(),
    T.CANCELLED: frozenset(),
    T.UNSUCCESSFUL: frozenset(),
}
TENDER_FINAL = frozenset({T.COMPLETE, T.CANCELLED, T.UNSUCCESSFUL})
# Stages a tender passes through, in order, for the cycle-time metrics.
TENDER_STAGES = (T.DRAFT, T.PLANNED, T.ENQUIRIES, T.TENDERING, T.EVALUATION, T.AWARDED)


def check_tender_move(current: str, target: str) -> None:
    _check(TENDER_TRANSITIONS, "tender", current, target)


class Method(models.TextChoices):
    OPEN = "open", _("Open")
    SELECTIVE = "selective", _("Selective (pre-qualified suppliers)")
    NEGOTIATED = "negotiated", _("Negotiated (single source)")
    FRAMEWORK = "framework", _("Framework agreement")
    G2G = "g2g", _("Government-to-government")


@dataclass(frozen=True)
class MethodRules:
    """How one method configures the shared lifecycle."""

    bidding: bool  # enquiries and sealed bids; else a named supplier's offer
    register_only: bool  # only suppliers qualified in the register may bid
    justification: bool  # a written justification is required
    agreement: bool  # concluded under a core agreement in force
    multiple_awards: bool  # several suppliers per lot (then call-off orders)
    min_enquiry_days: int
    min_tender_days: int
    standstill_days: int
    ocds_method: str  # OCDS procurementMethod codelist


METHODS: dict[str, MethodRules] = {
    Method.OPEN: MethodRules(True, False, False, False, False, 3, 7, 5, "open"),
    Method.SELECTIVE: MethodRules(True, True, False, False, False, 3, 7, 5, "selective"),
    Method.NEGOTIATED: MethodRules(False, False, True, False, False, 0, 0, 5, "limited"),
    Method.FRAMEWORK: MethodRules(True, False, False, False, True, 3, 10, 5, "open"),
    Method.G2G: MethodRules(False, False, True, True, False, 0, 0, 5, "direct"),
}


class LotStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETE = "complete", _("Complete")


# --- bid --------------------------------------------------------------------------------------
class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted (sealed)")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OPENED = "opened", _("Opened")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    AWARDED = "awarded", _("Awarded")
    NOT_AWARDED = "not_awarded", _("Not awarded")


B = BidStatus
BID_TRANSITIONS: dict[str, frozenset[str]] = {
    B.SUBMITTED: frozenset({B.SUBMITTED, B.WITHDRAWN, B.OPENED}),  # replace = submitted again
    B.WITHDRAWN: frozenset({B.SUBMITTED}),
    B.OPENED: frozenset({B.QUALIFIED, B.DISQUALIFIED}),
    B.QUALIFIED: frozenset({B.DISQUALIFIED, B.AWARDED, B.NOT_AWARDED}),
    B.DISQUALIFIED: frozenset({B.QUALIFIED, B.NOT_AWARDED}),
    # An upheld complaint sends an awarded bid back to be evaluated again.
    B.AWARDED: frozenset({B.QUALIFIED}),
    B.NOT_AWARDED: frozenset(),
}


def check_bid_move(current: str, target: str) -> None:
    _check(BID_TRANSITIONS, "bid", current, target)


class BidAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    REPLACE = "replace", _("Replaced")
    WITHDRAW = "withdraw", _("Withdrawn")


# --- award ------------------------------------------------------------------------------------
class AwardStatus(models.TextChoices):
    PENDING = "pending", _("Pending (standstill)")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


AWARD_TRANSITIONS: dict[str, frozenset[str]] = {
    AwardStatus.PENDING: frozenset({AwardStatus.ACTIVE, AwardStatus.CANCELLED}),
    AwardStatus.ACTIVE: frozenset({AwardStatus.CANCELLED}),
    AwardStatus.CANCELLED: frozenset(),
}


def check_award_move(current: str, target: str) -> None:
    _check(AWARD_TRANSITIONS, "award", current, target)


# --- complaint --------------------------------------------------------------------------------
class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted for review")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


C = ComplaintStatus
COMPLAINT_TRANSITIONS: dict[str, frozenset[str]] = {
    C.SUBMITTED: frozenset({C.ACCEPTED, C.DISMISSED}),
    C.ACCEPTED: frozenset({C.UPHELD, C.DISMISSED}),
    C.UPHELD: frozenset(),
    C.DISMISSED: frozenset(),
}
# Complaints in these states hold the award: the standstill cannot end while one is open.
COMPLAINT_HOLDS = frozenset({C.SUBMITTED, C.ACCEPTED})


def check_complaint_move(current: str, target: str) -> None:
    _check(COMPLAINT_TRANSITIONS, "complaint", current, target)


# --- contract ---------------------------------------------------------------------------------
class ContractStatus(models.TextChoices):
    PENDING = "pending", _("Pending signature")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")
    COMPLETE = "complete", _("Complete")


K = ContractStatus
CONTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    K.PENDING: frozenset({K.ACTIVE, K.TERMINATED}),
    K.ACTIVE: frozenset({K.TERMINATED, K.COMPLETE}),
    K.TERMINATED: frozenset(),
    K.COMPLETE: frozenset(),
}


def check_contract_move(current: str, target: str) -> None:
    _check(CONTRACT_TRANSITIONS, "contract", current, target)


class ContractKind(models.TextChoices):
    STANDARD = "standard", _("Contract")
    FRAMEWORK = "framework", _("Framework agreement")
    CALL_OFF = "call_off", _("Call-off order")


# --- delivery ---------------------------------------------------------------------------------
class DeliveryStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


D = DeliveryStatus
DELIVERY_TRANSITIONS: dict[str, frozenset[str]] = {
    D.SCHEDULED: frozenset({D.SHIPPED}),
    D.SHIPPED: frozenset({D.RECEIVED}),
    D.RECEIVED: frozenset({D.ACCEPTED, D.REJECTED}),
    D.ACCEPTED: frozenset(),
    D.REJECTED: frozenset(),
}


def check_delivery_move(current: str, target: str) -> None:
    _check(DELIVERY_TRANSITIONS, "delivery", current, target)


class ClaimKind(models.TextChoices):
    LATE = "late", _("Late delivery")
    SHORT = "short", _("Short delivery")
    REJECTED = "rejected", _("Rejected delivery")


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class AwardCriteria(models.TextChoices):
    LOWEST_PRICE = "lowest_price", _("Lowest price")
    WEIGHTED = "weighted", _("Weighted criteria (price, delivery time, quality)")


class QualificationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
