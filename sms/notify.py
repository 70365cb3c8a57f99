"""Which events send the applicant an SMS, and what it says.

Called by the ``before_flush`` listener in :mod:`motcua.core.models.sms` with the events
about to be inserted; the messages join the same flush, so they commit or roll back with
the event. Only dossiers whose applicant consented (``Dossier.sms_consent``) and gave a
valid Vietnamese number get one.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from motcua.core import timeutil
from motcua.core.models import Dossier, DossierEvent
from motcua.core.models.sms import SmsMessage
from motcua.core.schemas import SchemaError, normalize_phone
from motcua.sms.gsm import split, to_gsm7

NOTIFIED_KINDS = ("received", "back_entered", "supplement_requested", "paused_for_payment",
                  "result_issued")
# Kannel's max-messages (docs/sms-kannel.md): it refuses a text needing more parts.
MAX_PARTS = 5
MAX_ITEM = 120  # characters of one missing item's name; a longer one is cut with "..."


def international(phone: str | None) -> str | None:
    """A Vietnamese number in ``+84`` form from ``+84``, ``84`` or ``0`` forms; None if it is
    not a valid Vietnamese number."""
    try:
        local = normalize_phone(phone)
    except SchemaError:
        return None
    return "+84" + local[1:] if local else None


def notification_text(dossier: Dossier, event: DossierEvent) -> str:
    """The SMS for ``event`` on ``dossier`` (GSM-7), in the deployment's language: not the
    officer's screen language, and also where no request is running (CLI, sync, workers)."""
    if not has_app_context():
        return _notification_text(dossier, event)
    with force_locale(current_app.config["MOTCUA"].language):
        return _notification_text(dossier, event)


def _notification_text(dossier: Dossier, event: DossierEvent) -> str:
    due = timeutil.local_date(dossier.due_at).strftime("%d/%m/%Y") if dossier.due_at else ""
    if event.kind in ("received", "back_entered"):
        text = _("Dossier %(code)s was received. Appointment: %(date)s. "
                 "Look up: send TRACUU %(code)s", code=dossier.code, date=due)
    elif event.kind == "supplement_requested":
        return _supplement_text(dossier, [str(item) for item in
                                          (event.data or {}).get("missing") or []])
    elif event.kind == "paused_for_payment":
        # Not a supplement: the applicant pays the tax notice; the wait is not counted.
        notice = str((event.data or {}).get("notice_number") or "")[:40]
        text = _("Dossier %(code)s: please pay the financial obligation on tax notice "
                 "%(notice)s and bring the receipt to the reception desk. The time until "
                 "you pay is not counted.", code=dossier.code, notice=notice) if notice \
            else _("Dossier %(code)s: please pay your financial obligation and bring the "
                   "receipt to the reception desk. The time until you pay is not counted.",
                   code=dossier.code)
    else:
        text = _("The result of dossier %(code)s is ready. Please collect it at the reception "
                 "desk with your receipt.", code=dossier.code)
    return to_gsm7(text)


def _supplement_text(dossier: Dossier, missing: list[str]) -> str:
    """The supplement request with as many of the missing items as fit in
    :data:`MAX_PARTS` parts, then "and N more": Kannel refuses a longer text."""
    items = [item if len(item) <= MAX_ITEM else item[:MAX_ITEM - 3] + "..." for item in missing]
    for shown in range(len(items), -1, -1):
        listed = "; ".join(items[:shown])
        if shown < len(items):
            more = _("and %(n)s more", n=len(items) - shown)
            listed = f"{listed} {more}" if listed else more
        text = to_gsm7(_("Dossier %(code)s needs a supplement: %(missing)s. Please bring it "
                         "to the reception desk.", code=dossier.code, missing=listed or "-"))
        if len(split(text)) <= MAX_PARTS:
            return text
    return text  # not reached: a code and "and N more" fit in one part


def notifications_for_events(session: Session, events: list[DossierEvent]) -> list[SmsMessage]:
    """Add the SMS ``events`` call for to ``session`` (called inside its flush)."""
    made = []
    for item in events:
        if item.kind not in NOTIFIED_KINDS:
            continue
        dossier = session.get(Dossier, item.dossier_id) if item.dossier_id else item.dossier
        if dossier is None or not dossier.sms_consent:
            continue
        phone = international(dossier.applicant_phone)
        if phone is None:
            continue
        body = notification_text(dossier, item)
        message = SmsMessage(phone=phone, body=body, parts=len(split(body)), kind=item.kind,
                             dossier_id=dossier.id, event=item, status="queued",
                             next_attempt_at=timeutil.now())
        session.add(message)
        made.append(message)
    return made
