"""Ed25519 signatures over canonical JSON, as motcua writes them everywhere: between unit
servers and the provincial hub, on conformance certificates, and in plugins' exchanges
with outside systems (e.g. the tax authority's).

Keys and signatures are unpadded URL-safe base64 (a key is 32 raw bytes). Ed25519 rather
than a shared secret: each side keeps only the other's *public* key, so a leaked database
or configuration cannot be used to forge messages, and a signature proves to an auditor
who sent what.
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


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8 (what gets signed)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def b64(raw: bytes) -> str:
    """Unpadded URL-safe base64 (how keys and signatures are written)."""
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    """The bytes of :func:`b64` text (padding restored)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    """A new ``(private, public)`` key pair, each as unpadded URL-safe base64 of 32 bytes."""
    private = Ed25519PrivateKey.generate()
    private_raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return b64(private_raw), public_key_of(b64(private_raw))


def load_private_key(text: str) -> Ed25519PrivateKey:
    """The signing key of its text form; ``ValueError`` if the text is not a key."""
    try:
        raw = unb64(text.strip())
    except (ValueError, binascii.Error):
        raise ValueError("not an Ed25519 private key (URL-safe base64 of 32 bytes)") from None
    if len(raw) != 32:
        raise ValueError("not an Ed25519 private key (URL-safe base64 of 32 bytes)")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_of(private_text: str) -> str:
    """The public key text matching a private key text."""
    public = load_private_key(private_text).public_key()
    return b64(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign(private_text: str, body: bytes) -> str:
    """The signature of exactly ``body`` by ``private_text``, as unpadded URL-safe base64."""
    return b64(load_private_key(private_text).sign(body))


def verify(public_text: str, body: bytes, signature: str | None) -> bool:
    """True if ``signature`` is ``public_text``'s signature of exactly ``body``.

    Never raises: a missing or malformed signature or key is simply not valid.
    """
    if not signature or not public_text:
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(unb64(public_text.strip()))
        public.verify(unb64(signature.strip()), body)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
