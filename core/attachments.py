"""Attachments on disk, named by their SHA-256, with size and type limits.

The declared content type is not trusted: the first bytes must match it, so a renamed
executable is refused even when it claims to be a PDF.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session, scoped_session

from motcua.core.errors import MotcuaError, NotFound, ValidationError
from motcua.core.messages import _

_DIGEST = re.compile(r"^[0-9a-f]{64}\Z")
# Line breaks and other control characters: a name carrying them cannot go into the
# Content-Disposition header of a download.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Keys in Session.info: the files this transaction stored, and whether the session is watched.
_STORED = "motcua.attachments.stored"
_WATCHED = "motcua.attachments.watched"

log = logging.getLogger(__name__)


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

    @property
    def bare_type(self) -> str:
        """The media type without parameters (``application/pdf; x=...`` ->
        ``application/pdf``): what is checked, and so what is stored."""
        return (self.content_type or "").split(";")[0].strip().lower()


def check_file(incoming: IncomingFile, *, max_bytes: int, allowed_types: tuple[str, ...]) -> None:
    """Raise :class:`ValidationError` unless the file is within the limits."""
    name = incoming.filename or "?"
    if _CONTROL.search(name):
        raise ValidationError(_("File name %(name)s contains a line break or another control "
                                "character; rename the file.", name=repr(name)[:80]),
                              field="attachments")
    if not incoming.data:
        raise ValidationError(_("File %(name)s is empty.", name=name), field="attachments")
    if len(incoming.data) > max_bytes:
        raise ValidationError(
            _("File %(name)s is %(size)s KB; the limit is %(limit)s KB.", name=name,
              size=len(incoming.data) // 1024, limit=max_bytes // 1024),
            field="attachments",
        )
    content_type = incoming.bare_type
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


def download_name(filename: str) -> str:
    """``filename`` fit for a download header (names stored before control characters
    were refused have them replaced)."""
    return _CONTROL.sub("_", filename) or "file"


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


def store_in_transaction(session: Session, root: Path, data: bytes) -> str:
    """:func:`store_file` for an attachment row added in ``session``'s transaction.

    When that transaction ends, the files it stored are checked against the committed
    attachment rows. A file this call created that no row names is removed (the commit
    failed, the transaction rolled back, the session was closed), so a failed intake
    leaves no file behind. Files are shared by content, so a file that was already there
    is never removed; and a committed row whose file a concurrent failed intake removed
    in the meantime gets it written back from these bytes.
    """
    digest = hashlib.sha256(data).hexdigest()
    created = not path_for(root, digest).exists()
    store_file(root, data)
    if isinstance(session, scoped_session):
        session = session.registry()  # the listener belongs on the real session
    if not session.info.get(_WATCHED):
        session.info[_WATCHED] = True
        event.listen(session, "after_transaction_end", _transaction_ended)
    session.info.setdefault(_STORED, []).append(_Stored(root, digest, data, created))
    return digest


@dataclass
class _Stored:
    root: Path
    digest: str
    data: bytes
    created: bool


def _transaction_ended(session: Session, transaction) -> None:  # noqa: ANN001
    if transaction.parent is not None:
        return  # a savepoint: the outermost transaction decides
    stored = session.info.pop(_STORED, None)
    if stored:
        _settle(session, stored)


def _settle(session: Session, stored: list[_Stored]) -> None:
    """Remove created files no committed row names; write back named files found missing.
    The rows are read on a connection of its own: the session's transaction has ended."""
    from motcua.core.models import Attachment

    try:
        with session.get_bind().connect() as connection:
            named = set(connection.scalars(select(Attachment.sha256).where(
                Attachment.sha256.in_({item.digest for item in stored}))))
    except Exception:  # noqa: BLE001 - cannot tell: keep the files rather than risk a row's
        log.exception("could not check newly stored attachment files; they are kept")
        return
    for item in stored:
        if item.digest in named:
            store_file(item.root, item.data)  # a no-op unless the file has gone
        elif item.created:
            path_for(item.root, item.digest).unlink(missing_ok=True)


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
