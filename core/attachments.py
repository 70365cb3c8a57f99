"""Attachments on disk, named by their SHA-256, with size and type limits.

The declared content type is not trusted: the first bytes must match it, so a renamed
executable is refused even when it claims to be a PDF.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from motcua.core.errors import MotcuaError, NotFound, ValidationError
from motcua.core.messages import _

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class DamagedFile(MotcuaError):
    """A stored file no longer matches its SHA-256: restore it from the backup."""

    status_code = 500

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
        raise ValidationError(_("File %(name)s is empty.", name=name), field="attachments")
    if len(incoming.data) > max_bytes:
        raise ValidationError(
            _("File %(name)s is %(size)s KB; the limit is %(limit)s KB.", name=name,
              size=len(incoming.data) // 1024, limit=max_bytes // 1024),
            field="attachments",
        )
    content_type = (incoming.content_type or "").split(";")[0].strip().lower()
    if content_type not in allowed_types:
        raise ValidationError(
            _("File %(name)s has type %(type)s; allowed are PDF, JPEG, PNG and Word "
              "documents.", name=name, type=content_type or _("unknown")),
            field="attachments",
        )
    if not incoming.data.startswith(_SIGNATURES.get(content_type, (b"",))):
        raise ValidationError(
            _("File %(name)s does not contain what its type (%(type)s) says.", name=name,
              type=content_type),
            field="attachments",
        )


def store_file(root: Path, data: bytes) -> str:
    """Write ``data`` under ``root`` by its SHA-256 (idempotent) and return the digest.

    The bytes go to a temporary file of their own first and are renamed into place, so a
    reader never sees half a file, even when two requests store the same content at once.
    """
    digest = hashlib.sha256(data).hexdigest()
    path = path_for(root, digest)
    if path.exists():
        return digest
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{digest[:8]}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest


def path_for(root: Path, digest: str) -> Path:
    """Where the file with SHA-256 ``digest`` lives under ``root``."""
    if not _DIGEST.match(digest or ""):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    return root / digest[:2] / digest[2:4] / digest


def read_file(root: Path, digest: str) -> bytes:
    """The stored bytes, checked against their SHA-256 on every read."""
    try:
        data = path_for(root, digest).read_bytes()
    except FileNotFoundError:
        raise NotFound(_("Stored file %(digest)s is missing.", digest=digest)) from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise DamagedFile(_("Stored file %(digest)s is damaged (checksum mismatch).",
                            digest=digest))
    return data
