"""The agreement lifecycle follows AGREEMENT_TRANSITIONS, in the pure table and in the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from spilno.audit.models import AuditEntry
from spilno.core.models import Agreement, Organisation
from spilno.core.services.agreements import create_agreement, update_agreement
from spilno.core.states import AGREEMENT_TRANSITIONS, AgreementStatus, agreement_can_move
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from tests.helpers import rolled_back

S = AgreementStatus
STATUSES = list(AgreementStatus)


def legal(current: str, target: str) -> bool:
    """The rule, read straight from the table (independently of agreement_can_move)."""
    return current == target or S(target) in AGREEMENT_TRANSITIONS[S(current)]


def test_the_table_covers_every_status() -> None:
    assert set(AGREEMENT_TRANSITIONS) == set(AgreementStatus)


def test_the_lifecycle_is_the_documented_one() -> None:
    assert {
        S.DRAFT: {S.SIGNED, S.TERMINATED},
        S.SIGNED: {S.IN_FORCE, S.TERMINATED},
        S.IN_FORCE: {S.EXPIRED, S.TERMINATED},
        S.EXPIRED: set(),
        S.TERMINATED: set(),
    } == AGREEMENT_TRANSITIONS


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_agreement_can_move_matches_the_table(current: S, target: S) -> None:
    assert agreement_can_move(current, target) is legal(current, target)
    # Plain strings (as stored in the database) work the same as enum members.
    assert agreement_can_move(str(current.value), str(target.value)) is legal(current, target)


def test_no_way_back_to_draft() -> None:
    assert all(S.DRAFT not in targets for targets in AGREEMENT_TRANSITIONS.values())


def snapshot_row(agreement: Agreement) -> dict[str, Any]:
    row = Agreement.objects.values().get(pk=agreement.pk)
    row.pop("updated_at")
    return row


@pytest.fixture
def two_orgs(make_org: Callable[..., Organisation]) -> tuple[Organisation, Organisation]:
    return make_org("Lifecycle Ministry"), make_org("Lifecycle Agency")


@pytest.mark.django_db
@settings(max_examples=40)
@given(targets=st.lists(st.sampled_from(STATUSES), min_size=1, max_size=8))
def test_random_status_sequences_follow_the_table(
    two_orgs: tuple[Organisation, Organisation], targets: list[S]
) -> None:
    actor = SystemActor()
    with rolled_back():
        agreement = create_agreement(
            actor=actor,
            parties=[(two_orgs[0], "signatory"), (two_orgs[1], "signatory")],
            title_en="Lifecycle memorandum",
            kind="mou",
            # Signed and in force need a signature date: give one so only the table decides.
            signed_on=dt.date(2024, 1, 10),
            classification=Level.PUBLIC,
        )
        for target in targets:
            current = Agreement.objects.get(pk=agreement.pk).status
            row_before = snapshot_row(agreement)
            entries_before = AuditEntry.objects.count()
            if legal(current, target):
                updated = update_agreement(actor=actor, agreement=agreement, status=target)
                assert updated.status == target
                assert Agreement.objects.get(pk=agreement.pk).status == target
                # A real move is audited once; staying put writes nothing.
                moved = 1 if current != target else 0
                assert AuditEntry.objects.count() == entries_before + moved
            else:
                with pytest.raises(ValidationError) as exc:
                    update_agreement(actor=actor, agreement=agreement, status=target)
                assert "status" in exc.value.message_dict
                assert snapshot_row(agreement) == row_before
                assert AuditEntry.objects.count() == entries_before


@pytest.mark.django_db
def test_a_status_change_is_audited_with_before_and_after(
    two_orgs: tuple[Organisation, Organisation],
) -> None:
    actor = SystemActor()
    agreement = create_agreement(
        actor=actor,
        parties=[(two_orgs[0], "signatory"), (two_orgs[1], "lead")],
        title_en="Audited memorandum",
        kind="mou",
        signed_on=dt.date(2024, 1, 10),
    )
    update_agreement(actor=actor, agreement=agreement, status=S.SIGNED)
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert entry.action == "core.agreement.change"
    assert entry.object_id == str(agreement.pk)
    assert entry.before["status"] == "draft"
    assert entry.after["status"] == "signed"


@pytest.mark.django_db
def test_leaving_draft_needs_a_signature_or_start_date(
    two_orgs: tuple[Organisation, Organisation],
) -> None:
    actor = SystemActor()
    agreement = create_agreement(
        actor=actor,
        parties=[(two_orgs[0], "signatory"), (two_orgs[1], "signatory")],
        title_en="Undated memorandum",
        kind="mou",
    )
    with pytest.raises(ValidationError) as exc:
        update_agreement(actor=actor, agreement=agreement, status=S.SIGNED)
    assert "signed_on" in exc.value.message_dict
    assert Agreement.objects.get(pk=agreement.pk).status == S.DRAFT


@pytest.mark.django_db
def test_an_unknown_status_is_a_validation_error(
    two_orgs: tuple[Organisation, Organisation],
) -> None:
    actor = SystemActor()
    agreement = create_agreement(
        actor=actor,
        parties=[(two_orgs[0], "signatory"), (two_orgs[1], "signatory")],
        title_en="Memorandum",
        kind="mou",
    )
    with pytest.raises(ValidationError) as exc:
        update_agreement(actor=actor, agreement=agreement, status="bogus")
    assert "status" in exc.value.message_dict
    assert exc.value.message_dict["status"] == ["Unknown status 'bogus'."]
    assert Agreement.objects.get(pk=agreement.pk).status == S.DRAFT


@pytest.mark.parametrize(("current", "target"), [("draft", "bogus"), ("bogus", "draft"), ("", "")])
def test_an_unknown_status_never_moves(current: str, target: str) -> None:
    assert agreement_can_move(current, target) is False
