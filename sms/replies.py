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
from motcua.core.units import abbreviations
from motcua.lookup.service import LookupResult, lookup
from motcua.sms.commands import parse
from motcua.sms.gsm import SINGLE_LIMIT, septets, to_gsm7


def help_text() -> str:
    """What the service understands."""
    return to_gsm7(_("Dossier lookup: send TRACUU <code> (or HS <code>), the code printed on "
                     "your receipt, e.g. TRACUU H72.01.01-261122-0001. Help: HD"))


def responsible(result: LookupResult, names: dict[str, str]) -> tuple[list[str], list[str]]:
    """Who holds the dossier: (the officer if any, the units: department then agency),
    ``names`` being the units' SMS names by code. A place both units name is said once
    ("P.Kinh te, UBND P.Ninh Thanh", not "P.Kinh te P.Ninh Thanh, UBND P.Ninh Thanh")."""
    officer = [result.officer] if result.officer else []
    units = [names[result.department.code]] if result.department else []
    if result.agency and (not result.department or result.agency.code != result.department.code):
        agency = names[result.agency.code]
        place = agency.partition(" ")[2]
        if units and place and units[0].endswith(" " + place):
            units[0] = units[0][:-len(place) - 1]
        units.append(agency)
    return officer, units


def compact_name(masked: str) -> str:
    """The masked name in fewer characters: "N*** V*** An" -> "N.V. An"."""
    initials, _sep, given = masked.rpartition(" ")
    if not initials:
        return masked
    return "".join(word.rstrip("*") + "." for word in initials.split()) + " " + given


def verdict(result: LookupResult) -> str:
    """On time or late, in the channels' shared words."""
    return _("Late") if result.late else _("On time")


def dossier_text(result: LookupResult, names: dict[str, str]) -> str:
    """The reply about one dossier (GSM-7): one SMS of 160 characters for a typical
    dossier. Units go by their abbreviations (``names`` by code); if the whole still does
    not fit, the agency and then the officer are left out before a second part is used."""
    due = timeutil.local_date(result.due_at).strftime("%d/%m/%Y")
    head = _("Dossier %(code)s (%(name)s): %(status)s.", code=result.code,
             name=compact_name(result.applicant), status=result.status_label) \
        if result.applicant else _("Dossier %(code)s: %(status)s.", code=result.code,
                                   status=result.status_label)
    tail = " ".join((_("Appointment: %(date)s.", date=due), verdict(result) + "."))
    officer, units = responsible(result, names)
    # A closed dossier is no longer being handled: say who handled it last.
    holder_line = _("Handled by: %(holder)s.") if result.closed else _("Held by: %(holder)s.")
    texts = [to_gsm7(" ".join((head, holder_line % {"holder": ", ".join(shown)}, tail)))
             for shown in (officer + units, officer + units[:1], units[:1]) if shown]
    texts = texts or [to_gsm7(f"{head} {tail}")]
    return next((text for text in texts if septets(text) <= SINGLE_LIMIT), texts[0])


def unit_names(session: Session, result: LookupResult) -> dict[str, str]:
    """The SMS names of the units a reply about ``result`` may mention."""
    return abbreviations(session, {unit.code: unit.name for unit in
                                   (result.department, result.agency) if unit},
                         known=result.unit_abbreviations)


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
    return dossier_text(result, unit_names(session, result))
