"""Strategies (e.g. the National Security Strategy) and the strategic documents they launch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from spilno.audit.services import record
from spilno.cooperation.models import StrategicDocument, Strategy
from spilno.cooperation.services.common import apply, require_participant, require_text, state
from spilno.cooperation.states import DocumentStatus, check_document_move
from spilno.core.models import Organisation
from spilno.kernel import clock
from spilno.kernel.access import check_classification, require
from spilno.kernel.units import unit_of_work

MANAGE = "cooperation.strategy.manage"
STRATEGY_FIELDS = (
    "title_en", "title_uk", "approving_act", "approved_on", "description", "classification",
)  # fmt: skip
DOCUMENT_FIELDS = (
    "title_en", "title_uk", "area_en", "area_uk", "cooperation_area", "responsible",
    "draft_due", "approval_due",
)  # fmt: skip


def _require(actor: Any, strategy: Strategy) -> None:
    require_participant(actor, strategy, MANAGE, [strategy.owner_id], strategy.title_en)


def _require_document(actor: Any, document: StrategicDocument) -> None:
    """The strategy's owner, or the body responsible for the document, keeps it up to date."""
    strategy = document.strategy
    organisations = [strategy.owner_id, document.responsible_id]
    require_participant(actor, strategy, MANAGE, organisations, document.title_en)


def create_strategy(*, actor: Any, owner: Organisation, **fields: Any) -> Strategy:
    require(actor, MANAGE)
    check_classification(actor, fields.get("classification", 0))
    strategy = Strategy(owner=owner)
    apply(strategy, fields, STRATEGY_FIELDS)
    _require(actor, strategy)
    strategy.full_clean()
    with unit_of_work():
        strategy.save()
        record(
            actor=actor, action="cooperation.strategy.create", obj=strategy, after=state(strategy)
        )
    return strategy


def _check_document(document: StrategicDocument) -> None:
    if document.draft_due and document.approval_due and document.approval_due < document.draft_due:
        raise ValidationError({"approval_due": "Approval cannot be due before the draft."})


def add_document(*, actor: Any, strategy: Strategy, **fields: Any) -> StrategicDocument:
    _require(actor, strategy)
    document = StrategicDocument(strategy=strategy)
    apply(document, fields, DOCUMENT_FIELDS)
    document.full_clean()
    _check_document(document)
    with unit_of_work():
        document.save()
        record(
            actor=actor,
            action="cooperation.document.create",
            obj=document,
            classification=strategy.classification,
            after=state(document),
        )
    return document


def update_document(
    *, actor: Any, document: StrategicDocument, **changes: Any
) -> StrategicDocument:
    _require(actor, document.strategy)  # re-assigning responsibility is the owner's call
    with unit_of_work():
        current = StrategicDocument.objects.select_for_update().get(pk=document.pk)
        before = state(current)
        apply(current, changes, DOCUMENT_FIELDS)
        current.full_clean()
        _check_document(current)
        current.save()
        after = state(current)
        if after != before:
            record(
                actor=actor,
                action="cooperation.document.change",
                obj=current,
                classification=document.strategy.classification,
                before=before,
                after=after,
            )
    return current


def move_document(
    *,
    actor: Any,
    document: StrategicDocument,
    status: str,
    approval_act: str = "",
    approved_on: dt.date | None = None,
) -> StrategicDocument:
    """Drafting status forwards; approval names its act and date."""
    _require_document(actor, document)
    with unit_of_work():
        current = StrategicDocument.objects.select_for_update().get(pk=document.pk)
        try:
            check_document_move(current.status, status)
        except ValueError as exc:
            raise ValidationError({"status": str(exc)}) from None
        before = state(current)
        if status == DocumentStatus.APPROVED:
            errors = {}
            if not approval_act.strip():
                errors["approval_act"] = "Name the act that approved the document."
            if approved_on is None:
                errors["approved_on"] = "Give the date of approval."
            elif approved_on > clock.today():
                errors["approved_on"] = "The date cannot be in the future."
            elif approved_on < current.strategy.approved_on:
                errors["approved_on"] = "A document cannot be approved before its strategy."
            if errors:
                raise ValidationError(errors)
            current.approval_act = require_text(approval_act, "approval_act", "")
            current.approved_on = approved_on
        current.status = status
        current.save()
        record(
            actor=actor,
            action="cooperation.document.move",
            obj=current,
            classification=document.strategy.classification,
            before=before,
            after=state(current),
        )
    return current
