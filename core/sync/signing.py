"""Ed25519 signatures over the exact bytes of a request body.

Why Ed25519 and not HMAC: the hub keeps only each node's *public* key, so a copy of the
hub's database (backups travel) cannot be used to forge a node's batches, and a signed
batch proves to an auditor which node sent it. Verification costs tens of microseconds
per batch, nothing next to applying it.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from motcua.core.errors import ConfigurationError
from motcua_sdk import signing
from motcua_sdk.signing import b64, canonical_json, generate_keypair, unb64, verify

__all__ = ["b64", "canonical_json", "generate_keypair", "load_private_key", "public_key_of",
           "sign", "unb64", "verify"]


def load_private_key(text: str) -> Ed25519PrivateKey:
    """The node's signing key from its configured text form."""
    try:
        return signing.load_private_key(text)
    except ValueError:
        raise ConfigurationError(
            "MOTCUA_SYNC_KEY is not a valid node key (the text printed by "
            "'motcua sync register-node' on the hub)."
        ) from None


def public_key_of(private_text: str) -> str:
    """The public key matching a private key text."""
    load_private_key(private_text)  # the configuration error, if it is not a key
    return signing.public_key_of(private_text)


def sign(private: Ed25519PrivateKey, body: bytes) -> str:
    """The signature of ``body``, as unpadded URL-safe base64."""
    return b64(private.sign(body))
