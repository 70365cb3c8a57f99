"""The wire format shared with an external tax system: canonical JSON signed with Ed25519
(:mod:`motcua_sdk.signing`, the same scheme as the core's sync).

Every request body sent by motcua and every answer body returned by the tax system is
signed over its exact bytes; the signature travels in :data:`SIGNATURE_HEADER`, the
sender's identifier in :data:`SENDER_HEADER`.
"""

from __future__ import annotations

from motcua_sdk.signing import (
    canonical_json as canonical,
)
from motcua_sdk.signing import (
    generate_keypair,
    load_private_key,
    public_key_of,
    sign,
    unb64,
    verify,
)

SENDER_HEADER = "X-Motcua-Sender"
SIGNATURE_HEADER = "X-Motcua-Signature"

__all__ = ["SENDER_HEADER", "SIGNATURE_HEADER", "canonical", "generate_keypair",
           "load_private_key", "public_key_of", "sign", "unb64", "verify"]
