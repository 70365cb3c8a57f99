"""Attachments on disk, named by their SHA-256, with size and type limits.

The declared content type is not trusted: the first bytes must match it, so a renamed
executable is refused even when it claims to be a PDF.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from motcua.core.errors import ValidationError

_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/msword": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}


@dataclass
class IncomingFile:
    """A file as it arrives from a form or the API, before it is checked and stored."""

    filename: str
    content_type: str
    data: bytes
    document_id: int | None = None


def check_file(incoming: IncomingFile, *, max_bytes: int, allowed_types: tuple[str, ...]) -> None:
    """Raise :class:`ValidationError` unless the file is within the limits."""
    name = incoming.filename or "?"
    if not incoming.data:
        raise ValidationError(f"File {name} is empty.", field="attachments")
    if len(incoming.data) > max_bytes:
        raise ValidationError(
            f"File {name} is {len(incoming.data) // 1024} KB; the limit is "
            f"{max_bytes // 1024} KB.",
            field="attachments",
        )
    content_type = (incoming.content_type or "").split(";")[0].strip().lower()
    if content_type not in allowed_types:
        raise ValidationError(
            f"File {name} has type {content_type or 'unknown'}; allowed are PDF, JPEG, PNG "
            "and Word documents.",
            field="attachments",
        )
    if not incoming.data.startswith(_SIGNATURES.get(content_type, (b"",))):
        raise ValidationError(
            f"File {name} does not contain what its type ({content_type}) says.",
            field="attachments",
        )


def store_file(root: Path, data: bytes) -> str:
    """Write ``data`` under ``root`` by its SHA-256 (idempotent) and return the digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = path_for(root, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    return digest


def path_for(root: Path, digest: str) -> Path:
    return root / digest[:2] / digest[2:4] / digest


def read_file(root: Path, digest: str) -> bytes:
    data = path_for(root, digest).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValidationError(f"Stored file {digest} is damaged (checksum mismatch).")
    return data
