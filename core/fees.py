"""Fee payments (lệ phí, phí) recorded with a dossier, each with its receipt (biên lai).

The desk's form and the plugins' :func:`motcua_sdk.services.record_fee_payment` both call
:func:`record_fee_payment`: it checks the values, who may record, and that the receipt's
number is new in its series, then adds the receipt and a ``fee_paid`` event in the
caller's transaction.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.core.accounts import has_role
from motcua.core.db import INT_MAX, begin_write
from motcua.core.errors import Conflict, Forbidden, ValidationError
from motcua.core.events import record_event
from motcua.core.messages import _
from motcua.core.models import Account, Dossier, FeeReceipt
from motcua.core.models.base import column_length
from motcua.core.timeutil import now

# A receipt series (ký hiệu biên lai) as printed: letters, digits and / - . (e.g.
# "BL/2026P"); its number: digits only, leading zeros kept ("0001234").
_SERIES = re.compile(r"^[A-Z0-9][A-Z0-9/.\-]*\Z")
_NUMBER = re.compile(r"^[0-9]+\Z")
# Who records a fee: the desk that took the dossier in, or the officers working on it.
FEE_ROLES = ("reception", "specialist", "leader")
NOT_PAYABLE = ("refused", "withdrawn")
# A payment's time may be a little ahead of this server's clock (another machine's).
CLOCK_SKEW = timedelta(minutes=5)


def may_record_fee(account: Account | None, dossier: Dossier) -> bool:
    """True if ``account`` may record a fee payment for ``dossier``: a reception officer
    of its receiving unit, or a specialist or leader of the unit receiving or holding it;
    a command or worker (no account) may."""
    if account is None:
        return True
    units = [unit for unit in (dossier.unit, dossier.holder_unit) if unit is not None]
    return any(has_role(account, role, unit) for role in FEE_ROLES for unit in units)


def _text(value: object, field: str, label: str, length: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError(_("%(field)s is required.", field=label), field=field)
    if len(text) > length:
        raise ValidationError(_("%(field)s: at most %(limit)s characters.", field=label,
                                limit=length), field=field)
    return text


def check_payment(*, amount: object, payer: object, series: object, number: object,
                  paid_at: datetime | None) -> dict:
    """The payment's values cleaned (series upper-case, times aware), or the first
    ValidationError naming its field."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= INT_MAX:
        raise ValidationError(_("The amount is a whole number of đồng above zero."),
                              field="amount")
    payer_text = _text(payer, "payer", _("Payer"), column_length(FeeReceipt.payer))
    series_text = _text(series, "series", _("Receipt series"),
                        column_length(FeeReceipt.series)).upper()
    if not _SERIES.match(series_text):
        raise ValidationError(_("The receipt series has letters, digits and / - . only "
                                "(e.g. BL/2026P)."), field="series")
    number_text = _text(number, "number", _("Receipt number"),
                        column_length(FeeReceipt.number))
    if not _NUMBER.match(number_text):
        raise ValidationError(_("The receipt number has digits only."), field="number")
    moment = paid_at or now()
    if moment.tzinfo is None:
        raise ValidationError(_("The time of payment needs a time zone."), field="paid_at")
    if moment > now() + CLOCK_SKEW:
        raise ValidationError(_("The time of payment is in the future."), field="paid_at")
    return {"amount": amount, "payer": payer_text, "series": series_text,
            "number": number_text, "paid_at": moment}


def _taken(session: Session, series: str, number: str) -> FeeReceipt | None:
    return session.scalar(select(FeeReceipt).where(FeeReceipt.series == series,
                                                   FeeReceipt.number == number))


def _duplicate(series: str, number: str) -> Conflict:
    return Conflict(_("Receipt %(number)s of series %(series)s is already recorded; a "
                      "receipt number is used once in its series.", number=number,
                      series=series), field="number")


def record_fee_payment(session: Session, dossier: Dossier, actor: Account | None, *,
                       amount: int, payer: str, series: str, number: str,
                       paid_at: datetime | None = None, note: str | None = None,
                       plugin: str | None = None) -> FeeReceipt:
    """Record a fee paid for ``dossier`` with its receipt, and a ``fee_paid`` event.

    Refused with nothing written: bad values (ValidationError), an account that may not
    record fees here (Forbidden), a refused or withdrawn dossier, or a receipt number
    already recorded in its series (Conflict)."""
    values = check_payment(amount=amount, payer=payer, series=series, number=number,
                           paid_at=paid_at)
    if not may_record_fee(actor, dossier):
        raise Forbidden(_("Only the desk that received the dossier or the officers "
                          "working on it may record its fees."))
    if dossier.status in NOT_PAYABLE:
        raise Conflict(_("Dossier %(code)s was refused or withdrawn; no fee can be "
                         "recorded for it.", code=dossier.code))
    note_text = note.strip() if isinstance(note, str) and note.strip() else None
    begin_write(session)
    if _taken(session, values["series"], values["number"]) is not None:
        raise _duplicate(values["series"], values["number"])
    receipt = FeeReceipt(dossier_id=dossier.id, officer_id=actor.id if actor else None,
                         officer_name=actor.full_name if actor else None, plugin=plugin,
                         note=note_text, **values)
    try:
        # A savepoint: a receipt another transaction recorded meanwhile (the unique
        # constraint) is refused without undoing the caller's other changes.
        with session.begin_nested():
            session.add(receipt)
            session.flush()
    except IntegrityError:
        raise _duplicate(values["series"], values["number"]) from None
    record_event(session, dossier, "fee_paid", actor=actor, from_status=dossier.status,
                 at=values["paid_at"], note=note_text,
                 data={"receipt_id": receipt.id, "amount": values["amount"],
                       "payer": values["payer"], "series": values["series"],
                       "number": values["number"]})
    return receipt


def receipts_of(session: Session, dossier: Dossier) -> list[FeeReceipt]:
    """The fee receipts of ``dossier``, in the order they were paid."""
    return list(session.scalars(select(FeeReceipt).where(FeeReceipt.dossier_id == dossier.id)
                                .order_by(FeeReceipt.paid_at, FeeReceipt.id)))
