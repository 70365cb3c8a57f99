"""The text of SMS replies and notifications, from the one lookup service.

Every reply about a dossier is built from :func:`motcua.lookup.service.lookup`, the function
the website and the kiosk call, so SMS cannot tell a citizen anything the other channels do
not. The text is written in English inside ``gettext`` like the rest of the UI (the
Vietnamese catalogue translates it) and then transliterated to GSM-7 (no diacritics) so one
part carries 160 characters instead of 70.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from motcua.core import timeutil
from motcua.core.errors import MotcuaError
from motcua.lookup.service import LookupResult, lookup
from motcua.sms.commands import parse
from motcua.sms.gsm import to_gsm7


def help_text() -> str:
    """What the service understands."""
    return to_gsm7(_("Dossier lookup: send TRACUU <code> (or HS <code>), the code printed on "
                     "your receipt, e.g. TRACUU H72.01.01-261122-0001. Help: HD"))


def responsible(result: LookupResult) -> str:
    """Who holds the dossier, as one line: officer, department, agency."""
    names = []
    if result.officer:
        names.append(result.officer)
    if result.department:
        names.append(result.department.name)
    if result.agency and (not result.department or result.agency.code != result.department.code):
        names.append(result.agency.name)
    return ", ".join(names)


def verdict(result: LookupResult) -> str:
    """On time or late, in the channels' shared words."""
    return _("Late") if result.late else _("On time")


def dossier_text(result: LookupResult) -> str:
    """The reply about one dossier (GSM-7, possibly longer than one part)."""
    due = timeutil.local_date(result.due_at).strftime("%d/%m/%Y")
    parts = [
        _("Dossier %(code)s (%(name)s): %(status)s.", code=result.code,
          name=result.applicant, status=result.status_label),
    ]
    holder = responsible(result)
    if holder and result.closed:
        parts.append(_("Handled by: %(holder)s.", holder=holder))
    elif holder:
        parts.append(_("Held by: %(holder)s.", holder=holder))
    parts.append(_("Appointment: %(date)s.", date=due))
    parts.append(verdict(result) + ".")
    return to_gsm7(" ".join(parts))


def reply_to(session: Session, text: str | None) -> str:
    """The reply to an inbound message (never raises for bad input)."""
    command = parse(text)
    if command.action != "lookup":
        return help_text()
    if not command.argument:
        return to_gsm7(_("Send TRACUU followed by the dossier code printed on your receipt."))
    try:
        result = lookup(session, command.argument)
    except MotcuaError as error:
        return to_gsm7(error.message)
    return dossier_text(result)
