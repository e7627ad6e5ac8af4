"""Encryption at rest for sealed bids (AES-256-GCM from ``cryptography``).

The key lives in a file of the data folder (``SPILNO_BID_KEY_FILE``), not in the database, so a
database dump, an export or a database administrator sees only ciphertext. Each ciphertext is
bound to its row by associated data (tender, lot, supplier, version), so it cannot be moved to
another bid. Only :func:`unseal` turns it back into content, and only the opening service calls
it, after the deadline.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

KEY_ID = "k1"


@lru_cache(maxsize=4)
def _master_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    key = bytes.fromhex(path.read_text().strip())
    if len(key) != 32:
        raise RuntimeError(f"The bid key in {path} is not 32 bytes of hex.")
    return key


def _subkey(purpose: bytes) -> bytes:
    master = _master_key(Path(settings.SPILNO_BID_KEY_FILE))
    return hmac.new(master, purpose, hashlib.sha256).digest()


def associated_data(tender_id: int, lot_id: int, supplier_id: int, seq: int) -> bytes:
    return f"spilno-bid:{tender_id}:{lot_id}:{supplier_id}:{seq}".encode()


def seal(plaintext: bytes, aad: bytes) -> tuple[str, bytes, bytes]:
    nonce = os.urandom(12)
    return KEY_ID, nonce, AESGCM(_subkey(b"encrypt")).encrypt(nonce, plaintext, aad)


def unseal(key_id: str, nonce: Any, ciphertext: Any, aad: bytes) -> bytes:
    """``nonce`` and ``ciphertext`` as read from a BinaryField (bytes or memoryview)."""
    if ciphertext is None or nonce is None:
        raise RuntimeError("This bid version holds no sealed content.")
    if key_id != KEY_ID:
        raise RuntimeError(f"Unknown bid key {key_id!r}.")
    return AESGCM(_subkey(b"encrypt")).decrypt(bytes(nonce), bytes(ciphertext), aad)


def request_digest(plaintext: bytes) -> str:
    """A keyed digest to recognise a retried request without storing its content in clear
    (a plain hash of a price could be guessed by trying every price)."""
    return hmac.new(_subkey(b"digest"), plaintext, hashlib.sha256).hexdigest()


def receipt(ciphertext: bytes) -> str:
    """What the supplier is given as proof of what was stored."""
    return hashlib.sha256(bytes(ciphertext)).hexdigest()
