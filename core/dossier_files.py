"""Who may read a dossier's files, and files added to a dossier after its intake.

:func:`visible_attachment` is the one rule for reading a stored file: the desk's download
link and the plugins' :func:`motcua_sdk.services.read_attachment` both ask it. A file a
plugin adds (:func:`attach_file`) goes through the intake's checks (size, type, content
matching the type), is stored by its SHA-256 like a scan and is recorded as a
``file_attached`` event in the caller's transaction.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from motcua.core.attachments import IncomingFile, check_file, store_in_transaction
from motcua.core.config import Settings
from motcua.core.errors import NotFound, ValidationError
from motcua.core.events import record_event
from motcua.core.messages import _
from motcua.core.models import Account, Attachment, Dossier

# What a plugin calls its file ("drawing", "result_pdf"): an identifier, shown as data.
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")


def visible_dossier_for(session: Session, account: Account | None, code: str) -> Dossier:
    """The dossier with ``code`` if ``account`` may see it (any dossier for ``None``: a
    command or a worker, which has no officer); NotFound or Forbidden otherwise."""
    if account is not None:
        from motcua.core.web.scope import visible_dossier

        return visible_dossier(session, account, code)
    from motcua.core.intake import find_dossier

    return find_dossier(session, code)


def visible_attachment(session: Session, account: Account | None, code: str,
                       attachment_id: int) -> Attachment:
    """Attachment ``attachment_id`` of dossier ``code``, if ``account`` may see the
    dossier; NotFound when the dossier has no such file."""
    dossier = visible_dossier_for(session, account, code)
    found = next((item for item in dossier.attachments if item.id == attachment_id), None)
    if found is None:
        raise NotFound(_("This dossier has no such attachment."))
    return found


def attach_file(session: Session, settings: Settings, dossier: Dossier,
                actor: Account | None, *, plugin: str | None, name: str, content: bytes,
                mime: str, kind: str) -> Attachment:
    """Store ``content`` as a file of ``dossier`` (checked like an intake's scans) and
    record a ``file_attached`` event naming it; flushes."""
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise ValidationError(_("The kind of a file is a lower-case identifier of at most "
                                "40 letters, digits and underscores (e.g. drawing)."),
                              field="kind")
    if not isinstance(content, bytes | bytearray):
        raise ValidationError(_("The content of a file must be bytes."), field="content")
    incoming = IncomingFile(filename=(name or "").strip(), content_type=mime or "",
                            data=bytes(content))
    if not incoming.filename:
        raise ValidationError(_("A file needs a name."), field="name")
    check_file(incoming, max_bytes=settings.attachment_max_bytes,
               allowed_types=settings.attachment_types)
    digest = store_in_transaction(session, settings.attachments_path, incoming.data)
    attachment = Attachment(
        filename=incoming.filename[:255], content_type=incoming.bare_type,
        size=len(incoming.data), sha256=digest,
        uploaded_by_id=actor.id if actor is not None else None,
        plugin=plugin, kind=kind)
    dossier.attachments.append(attachment)
    session.flush()
    record_event(session, dossier, "file_attached", actor=actor, from_status=dossier.status,
                 data={"attachment_id": attachment.id, "name": attachment.filename,
                       "kind": kind, "plugin": plugin})
    return attachment
