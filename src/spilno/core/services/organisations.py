"""Use cases that write organisations: one function each, one transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from spilno.audit.services import record, snapshot
from spilno.core.models import Organisation, OrganisationIdentifier
from spilno.kernel.access import check_classification, require

ORGANISATION_FIELDS = (
    "name_en", "name_uk", "short_name", "country", "kind", "parent", "website", "classification",
)  # fmt: skip


def _snapshot(org: Organisation) -> dict[str, Any]:
    data = snapshot(org, exclude=("created_at", "updated_at"))
    data["identifiers"] = sorted(str(i) for i in org.identifiers.all())
    return data


def _set_identifiers(org: Organisation, identifiers: Sequence[tuple[str, str]]) -> None:
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    rows = []
    for scheme, identifier in identifiers:
        key = (scheme.strip(), identifier.strip())
        if key in seen:
            errors.append(f"{key[0]}-{key[1]}: listed twice.")
            continue
        seen.add(key)
        row = OrganisationIdentifier(organisation=org, scheme=key[0], identifier=key[1])
        try:
            row.full_clean(exclude=["organisation"], validate_unique=False)
        except ValidationError as exc:
            errors.extend(f"{key[0]}-{key[1]}: {m}" for m in exc.messages)
            continue
        clash = OrganisationIdentifier.objects.filter(scheme=key[0], identifier=key[1]).exclude(
            organisation=org
        )
        if clash.exists():
            errors.append(f"{key[0]}-{key[1]}: already belongs to another organisation.")
        rows.append(row)
    if errors:
        raise ValidationError({"identifiers": errors})
    org.identifiers.all().delete()
    OrganisationIdentifier.objects.bulk_create(rows)


def _save(org: Organisation) -> None:
    org.full_clean()
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:  # a race past full_clean's uniqueness check
        raise ValidationError({"name_en": "An organisation with this name exists."}) from exc


def create_organisation(
    *, actor: Any, identifiers: Sequence[tuple[str, str]] = (), **fields: Any
) -> Organisation:
    require(actor, "core.organisation.create")
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    check_classification(actor, fields.get("classification", 0))
    with transaction.atomic():
        org = Organisation(**fields)
        _save(org)
        _set_identifiers(org, identifiers)
        record(actor=actor, action="core.organisation.create", obj=org, after=_snapshot(org))
    return org


def update_organisation(
    *,
    actor: Any,
    organisation: Organisation,
    identifiers: Sequence[tuple[str, str]] | None = None,
    **changes: Any,
) -> Organisation:
    require(actor, "core.organisation.change", organisation)
    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    check_classification(actor, changes.get("classification", 0))
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = _snapshot(org)
        for name, value in changes.items():
            setattr(org, name, value)
        if "parent" in changes and org.parent_id is not None:
            ancestor: Organisation | None = org.parent
            while ancestor is not None:
                if ancestor.pk == org.pk:
                    raise ValidationError({"parent": "An organisation cannot be part of itself."})
                ancestor = ancestor.parent
        _save(org)
        if identifiers is not None:
            _set_identifiers(org, identifiers)
        after = _snapshot(org)
        if after != before:
            record(
                actor=actor, action="core.organisation.change", obj=org, before=before, after=after
            )
    return org
