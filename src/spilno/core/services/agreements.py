"""Use cases that write agreements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from spilno.audit.services import record, snapshot
from spilno.core.models import Agreement, AgreementParty, CooperationArea, Organisation, PartyRole
from spilno.core.states import AgreementStatus, agreement_can_move
from spilno.kernel.access import check_classification, require

AGREEMENT_FIELDS = (
    "title_en", "title_uk", "reference", "kind", "summary", "parent", "status",
    "signed_on", "valid_from", "valid_until", "classification",
)  # fmt: skip
Party = tuple[Organisation, str]


def _snapshot(agreement: Agreement) -> dict[str, Any]:
    data = snapshot(agreement, exclude=("created_at", "updated_at", "parties"))
    data["parties"] = [
        [p.organisation_id, p.role] for p in agreement.agreement_parties.order_by("organisation_id")
    ]
    return data


def _check_parties(parties: Sequence[Party]) -> None:
    if len(parties) < 2:
        raise ValidationError({"parties": "An agreement has at least two parties."})
    ids = [org.pk for org, _ in parties]
    if len(set(ids)) != len(ids):
        raise ValidationError({"parties": "Each organisation takes part once."})
    for _, role in parties:
        if role not in PartyRole.values:
            raise ValidationError({"parties": f"Unknown party role {role!r}."})


def _write_links(
    agreement: Agreement, parties: Sequence[Party] | None, areas: Sequence[CooperationArea] | None
) -> None:
    if parties is not None:
        agreement.agreement_parties.all().delete()
        AgreementParty.objects.bulk_create(
            AgreementParty(agreement=agreement, organisation=org, role=role)
            for org, role in parties
        )
    if areas is not None:
        agreement.areas.set(areas)


def _check_parent(agreement: Agreement) -> None:
    ancestor = agreement.parent
    while ancestor is not None:
        if ancestor.pk == agreement.pk:
            raise ValidationError({"parent": "Agreements cannot be nested in a circle."})
        ancestor = ancestor.parent


def create_agreement(
    *,
    actor: Any,
    parties: Sequence[Party],
    areas: Sequence[CooperationArea] = (),
    **fields: Any,
) -> Agreement:
    require(actor, "core.agreement.create")
    unknown = set(fields) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown agreement fields: {sorted(unknown)}")
    _check_parties(parties)
    check_classification(actor, fields.get("classification", 0))
    with transaction.atomic():
        agreement = Agreement(**fields)
        agreement.full_clean()
        agreement.save()
        _write_links(agreement, parties, areas)
        record(
            actor=actor, action="core.agreement.create", obj=agreement, after=_snapshot(agreement)
        )
    return agreement


def update_agreement(
    *,
    actor: Any,
    agreement: Agreement,
    parties: Sequence[Party] | None = None,
    areas: Sequence[CooperationArea] | None = None,
    **changes: Any,
) -> Agreement:
    require(actor, "core.agreement.change", agreement)
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown agreement fields: {sorted(unknown)}")
    if parties is not None:
        _check_parties(parties)
    with transaction.atomic():
        current = Agreement.objects.select_for_update().get(pk=agreement.pk)
        before = _snapshot(current)
        if "status" in changes and changes["status"] not in AgreementStatus.values:
            raise ValidationError({"status": f"Unknown status {changes['status']!r}."})
        if "status" in changes and not agreement_can_move(current.status, changes["status"]):
            raise ValidationError(
                {
                    "status": f"An agreement cannot move from {current.get_status_display()} "
                    f"to {changes['status']}."
                }
            )
        check_classification(actor, changes.get("classification", 0))
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean()
        _check_parent(current)
        current.save()
        _write_links(current, parties, areas)
        after = _snapshot(current)
        if after != before:
            record(
                actor=actor,
                action="core.agreement.change",
                obj=current,
                before=before,
                after=after,
            )
    return current
