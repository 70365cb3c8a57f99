"""Ed25519 signatures over the exact bytes of a request body.

Why Ed25519 and not HMAC: the hub keeps only each node's *public* key, so a copy of the
hub's database (backups travel) cannot be used to forge a node's batches, and a signed
batch proves to an auditor which node sent it. Verification costs tens of microseconds
per batch, nothing next to applying it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from motcua.core.errors import ConfigurationError


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8 (what gets signed)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def b64(raw: bytes) -> str:
    """Unpadded URL-safe base64 (how keys and signatures are written)."""
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    """The bytes of :func:`b64` text."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    """A new (private, public) key pair, each as unpadded URL-safe base64 of 32 raw bytes."""
    private = Ed25519PrivateKey.generate()
    private_raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return b64(private_raw), b64(public_raw)


def load_private_key(text: str) -> Ed25519PrivateKey:
    """The node's signing key from its configured text form."""
    try:
        raw = unb64(text.strip())
        if len(raw) != 32:
            raise ValueError
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, binascii.Error):
        raise ConfigurationError(
            "MOTCUA_SYNC_KEY is not a valid node key (the text printed by "
            "'motcua sync register-node' on the hub)."
        ) from None


def public_key_of(private_text: str) -> str:
    """The public key matching a private key text."""
    public = load_private_key(private_text).public_key()
    return b64(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign(private: Ed25519PrivateKey, body: bytes) -> str:
    """The signature of ``body``, as unpadded URL-safe base64."""
    return b64(private.sign(body))


def verify(public_text: str, body: bytes, signature: str) -> bool:
    """True if ``signature`` is ``public_text``'s signature of exactly ``body``."""
    try:
        public = Ed25519PublicKey.from_public_bytes(unb64(public_text))
        public.verify(unb64(signature), body)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
