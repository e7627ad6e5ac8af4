"""Signed checkpoints: Ed25519 over every stream head, verifiable by outsiders from the JSON."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction

from spilno.audit.chain import heads_root
from spilno.audit.models import AuditCheckpoint, AuditEntry, AuditStream
from spilno.audit.services import record
from spilno.audit.services.checkpoint import (
    FORMAT,
    create_checkpoint,
    export_checkpoint,
    key_id,
    load_or_create_key,
    public_key_b64,
    verify_signature,
)
from spilno.audit.services.verify import verify_log
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from tests.helpers import drop_audit_triggers

pytestmark = pytest.mark.django_db


def outsider_canonical(payload: object) -> bytes:
    """The signed bytes, exactly as docs/audit-verification.md tells outsiders to build them."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.fixture
def checkpoint() -> AuditCheckpoint:
    with transaction.atomic():
        for i in range(3):
            # Non-ASCII content makes sure ensure_ascii=False matters.
            record(actor=SystemActor(), action="test.step", object_repr=f"Угода №{i}")
    return create_checkpoint(actor=SystemActor())


def test_the_payload_names_every_stream_head(checkpoint: AuditCheckpoint) -> None:
    payload = checkpoint.payload
    assert payload["format"] == FORMAT
    # Signed before its own entry was recorded.
    assert payload["entries"] == AuditEntry.objects.count() - 1
    [head] = payload["streams"]
    entry = AuditEntry.objects.get(stream=head["stream"], seq=head["seq"])
    assert entry.hash == head["hash"]
    assert entry.object_repr == "Угода №2"
    assert payload["root"] == heads_root(payload["streams"])


def test_the_checkpoint_is_itself_recorded_publicly(checkpoint: AuditCheckpoint) -> None:
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert entry.action == "audit.checkpoint.create"
    assert entry.object_id == str(checkpoint.pk)
    assert entry.classification == Level.PUBLIC
    assert entry.after == {"root": checkpoint.payload["root"], "entries": 3}
    # The stream head moved on past the signed one; the log still verifies.
    assert AuditStream.objects.get(pk=entry.stream).seq == entry.seq
    assert verify_log().ok


def test_the_signature_verifies(checkpoint: AuditCheckpoint) -> None:
    assert verify_signature(checkpoint.payload, checkpoint.signature, checkpoint.public_key)


@pytest.mark.parametrize(
    ("field", "value"),
    [("entries", 1_000_000), ("root", "0" * 64), ("created_at", "2020-01-01T00:00:00.000000Z")],
)
def test_a_tampered_payload_fails(checkpoint: AuditCheckpoint, field: str, value: object) -> None:
    payload = {**checkpoint.payload, field: value}
    assert not verify_signature(payload, checkpoint.signature, checkpoint.public_key)


def test_a_tampered_head_fails(checkpoint: AuditCheckpoint) -> None:
    payload = json.loads(json.dumps(checkpoint.payload))
    payload["streams"][0]["seq"] += 1
    assert not verify_signature(payload, checkpoint.signature, checkpoint.public_key)


def test_another_key_or_a_garbled_signature_fails(checkpoint: AuditCheckpoint) -> None:
    other = public_key_b64(Ed25519PrivateKey.generate())
    assert not verify_signature(checkpoint.payload, checkpoint.signature, other)
    signature = bytearray(base64.b64decode(checkpoint.signature))
    signature[0] ^= 1
    garbled = base64.b64encode(bytes(signature)).decode()
    assert not verify_signature(checkpoint.payload, garbled, checkpoint.public_key)
    assert not verify_signature(checkpoint.payload, "not base64!", checkpoint.public_key)
    assert not verify_signature(checkpoint.payload, checkpoint.signature, "AAAA")


def test_an_outsider_verifies_the_exported_json_with_cryptography_alone(
    checkpoint: AuditCheckpoint,
) -> None:
    published = json.dumps(export_checkpoint(checkpoint), indent=2, ensure_ascii=False)

    cp = json.loads(published)
    assert cp["algorithm"] == "Ed25519"
    assert cp["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    key = serialization.load_pem_public_key(cp["public_key_pem"].encode())
    assert isinstance(key, Ed25519PublicKey)
    key.verify(base64.b64decode(cp["signature"]), outsider_canonical(cp["payload"]))
    # The raw base64 key is the same key, and key_id is the documented digest of it.
    raw = base64.b64decode(cp["public_key"])
    assert raw == key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert cp["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    # Step 2 of the procedure: the root is the digest of the sorted stream heads.
    streams = sorted(cp["payload"]["streams"], key=lambda h: h["stream"])
    assert cp["payload"]["root"] == hashlib.sha256(outsider_canonical(streams)).hexdigest()

    cp["payload"]["entries"] += 1
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(cp["signature"]), outsider_canonical(cp["payload"]))


def test_the_signing_key_is_created_once_private_and_reused(settings: Any) -> None:
    path: Path = settings.SPILNO_AUDIT_KEY_FILE
    assert not path.exists()
    first = create_checkpoint(actor=SystemActor())
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = create_checkpoint(actor=SystemActor())
    assert first.key_id == second.key_id == key_id(first.public_key)
    assert public_key_b64(load_or_create_key()) == first.public_key


def test_a_non_ed25519_key_file_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    path = tmp_path / "wrong.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_or_create_key(path)


def test_verify_log_checks_checkpoint_signatures(checkpoint: AuditCheckpoint) -> None:
    drop_audit_triggers("audit_auditcheckpoint")
    forged = {**checkpoint.payload, "entries": 1}
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(payload=forged)
    result = verify_log()
    assert not result.ok
    assert any(
        f"checkpoint #{checkpoint.pk} has an invalid signature" in b.reason for b in result.breaks
    )


def test_an_empty_log_can_be_checkpointed() -> None:
    checkpoint = create_checkpoint(actor=SystemActor())
    assert checkpoint.payload["streams"] == []
    assert checkpoint.payload["entries"] == 0
    assert verify_signature(checkpoint.payload, checkpoint.signature, checkpoint.public_key)
    assert verify_log().ok
