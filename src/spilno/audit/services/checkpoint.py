"""Signed checkpoints: an Ed25519 signature over every stream head, exportable as JSON."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from spilno.audit.chain import canonical_json, format_time, heads_root
from spilno.audit.models import AuditCheckpoint, AuditEntry, AuditStream
from spilno.audit.services.record import record
from spilno.kernel.access import require
from spilno.kernel.classification import Level

FORMAT = "spilno-audit-checkpoint/1"


def load_or_create_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The signing key lives in the data folder (mode 0600), created on first use."""
    path = path or settings.SPILNO_AUDIT_KEY_FILE
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key.")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return key


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(public_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:16]


def verify_signature(payload: dict[str, Any], signature_b64: str, public_b64: str) -> bool:
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
        public.verify(base64.b64decode(signature_b64), canonical_json(payload))
    except (InvalidSignature, ValueError):
        return False
    return True


def create_checkpoint(*, actor: Any) -> AuditCheckpoint:
    """Sign the current heads. The checkpoint is itself recorded in the log (after signing)."""
    require(actor, "audit.checkpoint.create")
    key = load_or_create_key()
    with transaction.atomic():
        # Lock every head so the signed picture is one consistent moment.
        heads = list(AuditStream.objects.select_for_update().order_by("pk"))
        streams = [{"stream": h.pk, "seq": h.seq, "hash": h.head_hash} for h in heads if h.seq]
        now = timezone.now()
        payload = {
            "format": FORMAT,
            "created_at": format_time(now),
            "entries": AuditEntry.objects.count(),
            "streams": streams,
            "root": heads_root(streams),
        }
        signature = base64.b64encode(key.sign(canonical_json(payload))).decode()
        public = public_key_b64(key)
        checkpoint = AuditCheckpoint.objects.create(
            created_at=now,
            payload=payload,
            signature=signature,
            public_key=public,
            key_id=key_id(public),
        )
        record(
            actor=actor,
            action="audit.checkpoint.create",
            obj=checkpoint,
            object_repr=f"checkpoint #{checkpoint.pk} root {heads_root(streams)[:12]}…",
            after={"root": payload["root"], "entries": payload["entries"]},
            classification=Level.PUBLIC,
        )
    return checkpoint


def export_checkpoint(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """The JSON an outsider needs: payload, signature and key (docs/audit-verification.md)."""
    public_pem = (
        Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return {
        "algorithm": "Ed25519",
        "payload": checkpoint.payload,
        "signature": checkpoint.signature,
        "public_key": checkpoint.public_key,
        "public_key_pem": public_pem,
        "key_id": checkpoint.key_id,
        "signed_bytes": "canonical JSON of payload: sorted keys, no whitespace, UTF-8",
    }
