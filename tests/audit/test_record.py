"""Every write through a service appends exactly one chained audit entry."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from spilno.accounts.models import User
from spilno.accounts.services.tokens import create_token, revoke_token
from spilno.accounts.services.users import create_user, update_user
from spilno.audit.chain import GENESIS
from spilno.audit.models import AuditEntry, AuditStream
from spilno.audit.services import record
from spilno.audit.services.checkpoint import create_checkpoint
from spilno.audit.services.verification import run_verification
from spilno.audit.services.verify import verify_log
from spilno.core.models import Agreement, Organisation
from spilno.core.services.agreements import create_agreement, update_agreement
from spilno.core.services.organisations import create_organisation, update_organisation
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from tests.helpers import PASSWORD, rolled_back


def test_record_outside_a_transaction_is_refused() -> None:
    # No django_db mark: the connection is in autocommit mode, as in a view without atomic().
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(actor=SystemActor(), action="test.outside")


@pytest.fixture
def world(
    make_org: Callable[..., Organisation],
    make_agreement: Callable[..., Agreement],
    user_with_role: Callable[..., User],
) -> dict[str, Any]:
    ua, fr = make_org("Audit Ministry"), make_org("Audit Directorate", country="FR")
    officer = user_with_role(Role.PROCUREMENT_OFFICER)
    token, _secret = create_token(actor=officer, name="laptop")
    return {
        "ua": ua,
        "fr": fr,
        "agreement": make_agreement(ua, fr, signed_on=dt.date(2024, 5, 1)),
        "officer": officer,
        "token": token,
    }


S = SystemActor()
# (action recorded, object type, is an update with a "before", the write itself)
WRITES: list[tuple[str, str, bool, Callable[[dict[str, Any]], Any]]] = [
    ("core.organisation.create", "core.organisation", False,
     lambda w: create_organisation(actor=S, name_en="New", country="UA", kind="ngo")),
    ("core.organisation.change", "core.organisation", True,
     lambda w: update_organisation(actor=S, organisation=w["ua"], website="https://mod.gov.ua")),
    ("core.organisation.change", "core.organisation", True,
     lambda w: update_organisation(actor=S, organisation=w["ua"],
                                   identifiers=[("UA-EDR", "00034022")])),
    ("core.agreement.create", "core.agreement", False,
     lambda w: create_agreement(actor=S, parties=[(w["ua"], "lead"), (w["fr"], "participant")],
                                title_en="New MoU", kind="mou")),
    ("core.agreement.change", "core.agreement", True,
     lambda w: update_agreement(actor=S, agreement=w["agreement"], status="signed")),
    ("core.agreement.change", "core.agreement", True,
     lambda w: update_agreement(actor=S, agreement=w["agreement"],
                                parties=[(w["ua"], "lead"), (w["fr"], "beneficiary")])),
    ("accounts.user.create", "accounts.user", False,
     lambda w: create_user(actor=S, username="new", password=PASSWORD)),
    ("accounts.user.change", "accounts.user", True,
     lambda w: update_user(actor=S, user=w["officer"], last_name="Changed")),
    ("accounts.token.create", "accounts.apitoken", False,
     lambda w: create_token(actor=w["officer"], name="ci")),
    ("accounts.token.revoke", "accounts.apitoken", False,
     lambda w: revoke_token(actor=w["officer"], token=w["token"])),
    ("audit.checkpoint.create", "audit.auditcheckpoint", False,
     lambda w: create_checkpoint(actor=S)),
    ("audit.log.verify", "audit.log", False, lambda w: run_verification(actor=S)),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "object_type", "is_update", "write"),
    WRITES,
    ids=[f"{i}-{w[0]}" for i, w in enumerate(WRITES)],
)
def test_each_write_appends_exactly_one_chained_entry(
    world: dict[str, Any],
    action: str,
    object_type: str,
    is_update: bool,
    write: Callable[[dict[str, Any]], Any],
) -> None:
    last = AuditEntry.objects.order_by("-pk").first()
    assert last is not None
    heads = {s.pk: (s.seq, s.head_hash) for s in AuditStream.objects.all()}

    write(world)

    new = list(AuditEntry.objects.filter(pk__gt=last.pk))
    assert len(new) == 1
    entry = new[0]
    assert (entry.action, entry.object_type) == (action, object_type)
    assert entry.after is not None
    if is_update:
        assert entry.before is not None
        assert entry.before != entry.after
    else:
        assert entry.before is None
    # Chained onto the head of its stream, which now points at it.
    head_seq, head_hash = heads[entry.stream]
    assert (entry.seq, entry.prev_hash) == (head_seq + 1, head_hash)
    assert entry.hash == entry.compute_hash()
    stream = AuditStream.objects.get(pk=entry.stream)
    assert (stream.seq, stream.head_hash) == (entry.seq, entry.hash)
    assert verify_log().ok


@pytest.mark.django_db
def test_an_update_that_changes_nothing_appends_nothing(world: dict[str, Any]) -> None:
    count = AuditEntry.objects.count()
    update_organisation(actor=S, organisation=world["ua"], name_en=world["ua"].name_en)
    update_agreement(actor=S, agreement=world["agreement"], title_en=world["agreement"].title_en)
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
def test_entry_describes_its_object(system: SystemActor) -> None:
    org = create_organisation(
        actor=system,
        name_en="Described Agency",
        country="UA",
        kind="agency",
        classification=Level.RESTRICTED,
        identifiers=[("UA-EDR", "00034022")],
    )
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert entry.object_type == "core.organisation"
    assert entry.object_id == str(org.pk)
    assert entry.object_repr == "Described Agency"
    assert entry.classification == Level.RESTRICTED  # inherits the record's level
    assert entry.actor == "system"
    assert entry.after["name_en"] == "Described Agency"
    assert entry.after["identifiers"] == ["UA-EDR-00034022"]


@pytest.mark.django_db
def test_entry_names_the_signed_in_actor(user_with_role: Callable[..., User]) -> None:
    officer = user_with_role(Role.PROCUREMENT_OFFICER)
    create_organisation(actor=officer, name_en="Officer's Agency", country="UA", kind="agency")
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.actor_id, entry.actor) == (officer.pk, officer.username)


@pytest.mark.django_db
def test_record_stores_json_safe_values_and_still_verifies() -> None:
    with transaction.atomic():
        entry = record(
            actor=AnonymousUser(),
            action="test.values",
            object_type="test.thing",
            before={"amount": decimal.Decimal("10.50"), "ratio": 0.1, "tags": {"b", "a"}},
            after={"day": dt.date(2024, 2, 29), "nul": "a\x00b", 1: (1, 2)},
        )
    entry.refresh_from_db()
    assert entry.actor == "anonymous"
    assert entry.classification == Level.INTERNAL
    assert entry.before == {"amount": "10.50", "ratio": "0.1", "tags": ["a", "b"]}
    assert entry.after == {"day": "2024-02-29", "nul": "ab", "1": [1, 2]}
    assert entry.compute_hash() == entry.hash
    assert verify_log().ok


@pytest.mark.django_db
def test_consecutive_entries_link_into_one_chain() -> None:
    with transaction.atomic():
        entries = [record(actor=S, action="test.step", object_id=str(i)) for i in range(5)]
    assert len({e.stream for e in entries}) == 1
    # The log was empty: the chain starts from the genesis hash.
    assert (entries[0].seq, entries[0].prev_hash) == (1, GENESIS)
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.seq == previous.seq + 1
        assert entry.prev_hash == previous.hash


@pytest.mark.django_db
def test_an_entry_vanishes_with_the_change_it_records(system: SystemActor) -> None:
    count = AuditEntry.objects.count()
    heads = list(AuditStream.objects.values_list("pk", "seq", "head_hash"))
    with rolled_back():
        create_organisation(actor=system, name_en="Ephemeral", country="UA", kind="ngo")
        assert AuditEntry.objects.count() == count + 1
    assert not Organisation.objects.filter(name_en="Ephemeral").exists()
    assert AuditEntry.objects.count() == count
    assert list(AuditStream.objects.values_list("pk", "seq", "head_hash")) == heads
    assert verify_log().ok
