"""The audit log through the API: entries for auditors, verification, signed checkpoints."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from spilno.accounts.models import User
from spilno.audit.models import AuditCheckpoint, AuditEntry
from spilno.core.models import Organisation
from spilno.kernel.access import Role
from spilno.kernel.classification import Level
from tests.api.conftest import Caller, assert_problem, counts
from tests.helpers import drop_audit_triggers

pytestmark = pytest.mark.django_db


def test_auditors_read_entries_newest_first(call: Caller, auditor: User) -> None:
    page = call("get", "/audit/entries", auditor).json()
    ids = [e["id"] for e in page["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == AuditEntry.objects.filter(classification__lte=Level.SECRET).count()
    newest = AuditEntry.objects.order_by("-pk").first()
    assert newest is not None
    assert page["items"][0]["hash"] == newest.hash
    assert page["items"][0]["classification"] == Level(newest.classification).name


def test_entries_filter_and_page(call: Caller, auditor: User, admin: User) -> None:
    users = call("get", "/audit/entries?action=accounts.user", auditor).json()["items"]
    assert users
    assert all(e["action"].startswith("accounts.user") for e in users)
    by_actor = call("get", f"/audit/entries?actor={admin.username}", auditor).json()["items"]
    assert by_actor
    assert all(e["actor"] == admin.username for e in by_actor)

    seen: list[int] = []
    before = ""
    while True:
        page = call("get", f"/audit/entries?limit=3{before}", auditor).json()
        seen += [e["id"] for e in page["items"]]
        if page["next_before"] is None:
            break
        before = f"&before={page['next_before']}"
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == AuditEntry.objects.count()


def test_entries_between_two_instants(call: Caller, auditor: User) -> None:
    entry = AuditEntry.objects.order_by("pk")[1]
    since, until = entry.at, entry.at + dt.timedelta(microseconds=1)
    query = urlencode({"since": since.isoformat(), "until": until.isoformat(), "limit": 500})
    response = call("get", f"/audit/entries?{query}", auditor)
    assert response.status_code == 200, response.content
    expected = AuditEntry.objects.filter(at__gte=since, at__lt=until).order_by("-pk")
    assert [e["id"] for e in response.json()["items"]] == [e.pk for e in expected]
    assert entry.pk in [e.pk for e in expected]


@pytest.mark.parametrize("name", ["since", "until"])
def test_entry_filters_need_a_time_zone(call: Caller, auditor: User, name: str) -> None:
    response = call("get", f"/audit/entries?{name}=2024-01-01T00:00:00", auditor)
    assert_problem(response, 422, name)


def test_one_entry(call: Caller, auditor: User) -> None:
    entry = AuditEntry.objects.order_by("pk").first()
    assert entry is not None
    body = call("get", f"/audit/entries/{entry.pk}", auditor).json()
    assert (body["id"], body["seq"], body["hash"], body["prev_hash"]) == (
        entry.pk,
        entry.seq,
        entry.hash,
        entry.prev_hash,
    )


def test_auditors_see_entries_only_up_to_their_clearance(
    call: Caller,
    make_user: Callable[..., User],
    make_org: Callable[..., Organisation],
    home_org: Organisation,
) -> None:
    secret = make_org("Secret Agency", classification=Level.SECRET)
    entry = AuditEntry.objects.get(object_type="core.organisation", object_id=str(secret.pk))
    low = make_user((home_org, Role.AUDITOR), clearance=Level.INTERNAL)
    ids = [e["id"] for e in call("get", "/audit/entries?limit=500", low).json()["items"]]
    assert entry.pk not in ids
    assert call("get", f"/audit/entries/{entry.pk}", low).status_code == 404


def test_verify_reports_an_intact_log_and_records_the_run(call: Caller, auditor: User) -> None:
    before = counts()
    response = call("post", "/audit/verify", auditor)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["entries"] == before["audit"]
    assert body["first_break"] is None
    assert body["breaks"] == []
    assert counts() == {**before, "audit": before["audit"] + 1}
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.actor) == ("audit.log.verify", auditor.username)


def test_verify_names_a_tampered_entry(call: Caller, auditor: User) -> None:
    victim = AuditEntry.objects.order_by("pk")[2]
    drop_audit_triggers()
    AuditEntry.objects.filter(pk=victim.pk).update(actor="mallory")
    body = call("post", "/audit/verify", auditor).json()
    assert body["ok"] is False
    assert body["first_break_entry_id"] == victim.pk
    assert body["first_break"].startswith(f"entry #{victim.pk} ")


def test_a_checkpoint_through_the_api_is_verifiable_from_its_export(
    call: Caller, admin: User, auditor: User
) -> None:
    before = counts()
    response = call("post", "/audit/checkpoints", admin)
    assert response.status_code == 201, response.content
    body = response.json()
    assert AuditCheckpoint.objects.filter(pk=body["id"]).exists()
    assert counts() == {**before, "audit": before["audit"] + 1}

    export = body["export"]
    key = serialization.load_pem_public_key(export["public_key_pem"].encode())
    assert isinstance(key, Ed25519PublicKey)
    signed = json.dumps(
        export["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    key.verify(base64.b64decode(export["signature"]), signed)
    assert export["payload"]["entries"] == before["audit"]
    assert export["key_id"] == body["key_id"]

    listed = call("get", "/audit/checkpoints", auditor).json()
    assert [c["id"] for c in listed] == [body["id"]]
    one = call("get", f"/audit/checkpoints/{body['id']}", auditor).json()
    assert one["export"] == export
