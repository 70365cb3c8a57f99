"""The one dossier lookup every citizen channel calls (004 Art. 5).

The website, the kiosk and SMS all answer from :func:`lookup`, so they cannot disagree
(Art. 8.4 calls a disagreement a defect). It reads the ``dossiers`` table: in standalone
mode that table is the hub read model; a node or hub deployment points this one function at
its read model without touching the channels.

What is public (:func:`motcua.lookup.policy.anonymous_view` decides, for every channel;
a civil status dossier shows its status only): the status and who holds the dossier
(officer, department, agency), the deadline, the timeline without notes, and a masked
applicant name. Nobody sees a citizen ID
or a phone number. The applicant unlocks the full name, the document checklist and the
result by giving the last four digits of the phone number written on the dossier.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from motcua.core.codes import echo, is_valid_code, normalize_code
from motcua.core.db import read_once
from motcua.core.errors import NotFound, ValidationError
from motcua.core.models import (
    FINAL_STATUSES,
    Account,
    Dossier,
    DossierEvent,
    DossierWorkflow,
    Procedure,
    Unit,
)
from motcua.core.plugin_manager.dossiers import public_fields
from motcua.core.sync.read_model import lookup_hub, uses_hub_read_model
from motcua.core.workflow.lateness import is_late, pause_started
from motcua.lookup import factor_guard
from motcua.lookup.labels import event_label, status_label
from motcua.lookup.policy import anonymous_view, is_sensitive

MAX_INPUT_LENGTH = 100  # a code is at most ~60 characters; more is not a code
MAX_CODE_LENGTH = 60  # the width of ``dossiers.code``
# Units that are part of an agency rather than an agency themselves.
SUB_AGENCY_KINDS = ("office", "department")
# ASCII digits only: \d also matches Arabic-Indic and other Unicode digits, which
# hmac.compare_digest refuses as non-ASCII str (a 500, not an answer).
_PHONE4 = re.compile(r"[0-9]{4}")
_ASCII_DIGITS = frozenset("0123456789")
# The events of a dossier's receipt at the desk.
RECEIPT_EVENTS = ("received", "back_entered")


class MalformedCode(ValidationError):
    """What was typed cannot be a dossier code (400)."""


class UnknownCode(NotFound):
    """The code is well formed but no dossier has it (404)."""


class MalformedPhone4(ValidationError):
    """The second factor is not four digits (400)."""


@dataclass
class UnitInfo:
    """A unit as the public sees it."""

    code: str
    name: str


@dataclass
class TimelineEntry:
    """One step of the dossier's history, without notes or names of private persons."""

    at: datetime
    kind: str
    label: str
    status: str | None
    unit: UnitInfo | None


@dataclass
class DocumentLine:
    """One line of the checklist (shown only after the second factor)."""

    name: str
    copy_kind: str
    quantity: int
    submitted: bool


@dataclass
class LookupResult:
    """Everything a channel may show about one dossier."""

    code: str
    procedure_code: str
    procedure_name: str
    receiving_unit: UnitInfo
    applicant: str
    received_at: datetime
    due_at: datetime
    finished_at: datetime | None
    returned_at: datetime | None
    status: str
    status_label: str
    late: bool
    agency: UnitInfo | None
    department: UnitInfo | None
    officer: str | None
    timeline: list[TimelineEntry]
    verified: bool = False
    # A civil status dossier (lookup.policy): the anonymous view shows the status only.
    sensitive: bool = False
    restricted: bool = False
    documents: list[DocumentLine] | None = None
    result: dict | None = None
    refusal_reason: str | None = None
    extra: dict = field(default_factory=dict)
    # What the handling plugin makes public ({label: value}), e.g. a business's name.
    public_fields: dict = field(default_factory=dict)
    # The abbreviations (None: none set) of the units the lookup's statement read, by
    # code, so an SMS reply needs no second read. Unannotated, so not a field of the
    # dataclass: not part of the answer (to_dict).
    unit_abbreviations = MappingProxyType({})

    @property
    def on_time(self) -> bool:
        return not self.late

    @property
    def closed(self) -> bool:
        """Returned, refused or withdrawn: nobody handles it any more, so the channels
        name who handled it last rather than who is handling it."""
        return self.status in FINAL_STATUSES

    def to_dict(self) -> dict:
        """JSON-ready form: datetimes as ISO 8601 with offset."""
        data = _plain(self)
        data["on_time"] = self.on_time
        data["closed"] = self.closed
        return data


def _plain(value):  # noqa: ANN001, ANN202
    # dataclasses.asdict deep-copies every leaf; a lookup answer only needs plain types.
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def mask_name(name: str) -> str:
    """"Nguyễn Văn An" -> "N*** V*** An": initials of all but the given name."""
    words = name.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "***"
    return " ".join([w[0] + "***" for w in words[:-1]] + [words[-1]])


def parse_code(raw: str | None) -> str:
    """The canonical code in ``raw``; :class:`MalformedCode` with a helpful message if none."""
    if raw is None or not raw.strip():
        raise MalformedCode(_("Enter the dossier code printed on your receipt."), field="code")
    if len(raw) > MAX_INPUT_LENGTH:
        raise MalformedCode(
            _("That is too long for a dossier code (at most %(n)s characters).",
              n=MAX_CODE_LENGTH), field="code")
    code = normalize_code(_from_lookup_url(raw))
    if not code:  # e.g. a QR link cut after /tra-cuu/, or only control characters
        raise MalformedCode(
            _("No dossier code was found in what was entered. Type the code printed on your "
              "receipt, e.g. H72.01.01-261122-0001."), field="code")
    if len(code) > MAX_CODE_LENGTH:
        raise MalformedCode(
            _("That is too long for a dossier code (at most %(n)s characters).",
              n=MAX_CODE_LENGTH), field="code")
    if not is_valid_code(code):
        raise MalformedCode(
            _("%(code)s is not a dossier code. A code looks like H72.01.01-261122-0001: "
              "agency code, date and number, as printed on the receipt.",
              code=echo(_from_lookup_url(raw))),
            field="code")
    return code


def _from_lookup_url(raw: str) -> str:
    """The code in a receipt's QR link: a 2D scanner reading the QR code types the whole
    address (``https://.../tra-cuu/<code>``), a 1D scanner reading the barcode only the code."""
    marker = "/tra-cuu/"
    index = raw.lower().rfind(marker)
    if index < 0:
        return raw
    return raw[index + len(marker):].split("?", 1)[0].split("#", 1)[0]


def parse_phone4(raw: str | None) -> str | None:
    """Four digits, or None when not given; :class:`MalformedPhone4` otherwise."""
    if raw is None or raw.strip() == "":
        return None
    digits = raw.strip()
    if not _PHONE4.fullmatch(digits):
        raise MalformedPhone4(_("Enter exactly the last 4 digits of the phone number."),
                              field="phone4")
    return digits


def responsible_agency(unit: Unit | None) -> Unit | None:
    """The agency a unit belongs to: itself, or the nearest ancestor that is not an office
    or department (the desk and the specialist rooms answer to their People's Committee)."""
    current = unit
    while current is not None and current.kind in SUB_AGENCY_KINDS and current.parent:
        current = current.parent
    return current


def _unit(unit: Unit | None) -> UnitInfo | None:
    return UnitInfo(code=unit.code, name=unit.name) if unit is not None else None


def last4_matches(last4: str | None, phone4: str) -> bool:
    """Whether ``last4`` (from the dossier) equals ``phone4`` (from the citizen), in
    constant time so the answer does not leak through timing. Compared as bytes:
    ``hmac.compare_digest`` raises on a non-ASCII str instead of answering."""
    last4 = last4 or ""
    return len(last4) == 4 and hmac.compare_digest(last4.encode(), phone4.encode())


def _phone_matches(phone: str | None, phone4: str) -> bool:
    digits = "".join(ch for ch in phone or "" if ch in _ASCII_DIGITS)
    return last4_matches(digits[-4:], phone4)


# Every channel's every lookup runs this one statement (the dossier, its units and officer,
# and its timeline as one row per event), built once and read as plain rows: ORM objects
# and a second round trip cost several times the query itself (bench/lookup_http.py).
_Receiving, _Holder, _Agency, _EventUnit = (aliased(Unit) for _ in range(4))
_LOOKUP = (
    select(Dossier.id, Dossier.code, Dossier.status, Dossier.applicant_name,
           Dossier.received_at, Dossier.due_at, Dossier.finished_at, Dossier.returned_at,
           Procedure.code.label("procedure_code"), Procedure.name.label("procedure_name"),
           Procedure.field.label("procedure_field"), Procedure.handler_plugin,
           DossierWorkflow.original_due_at,
           _Receiving.code.label("unit_code"), _Receiving.name.label("unit_name"),
           _Holder.code.label("holder_code"), _Holder.name.label("holder_name"),
           _Holder.kind.label("holder_kind"), _Holder.parent_id.label("holder_parent_id"),
           _Holder.abbreviation.label("holder_abbreviation"),
           _Agency.code.label("parent_code"), _Agency.name.label("parent_name"),
           _Agency.abbreviation.label("parent_abbreviation"),
           _Agency.kind.label("parent_kind"), _Agency.parent_id.label("parent_parent_id"),
           Account.full_name.label("officer"),
           DossierEvent.at.label("event_at"), DossierEvent.kind.label("event_kind"),
           DossierEvent.to_status.label("event_status"),
           _EventUnit.code.label("event_unit_code"), _EventUnit.name.label("event_unit_name"))
    .join(Procedure, Procedure.id == Dossier.procedure_id)
    .join(_Receiving, _Receiving.id == Dossier.unit_id)
    .outerjoin(_Holder, _Holder.id == Dossier.holder_unit_id)
    .outerjoin(_Agency, _Agency.id == _Holder.parent_id)
    .outerjoin(Account, Account.id == Dossier.holder_account_id)
    .outerjoin(DossierWorkflow, DossierWorkflow.dossier_id == Dossier.id)
    .outerjoin(DossierEvent, DossierEvent.dossier_id == Dossier.id)
    .outerjoin(_EventUnit, _EventUnit.id == DossierEvent.to_unit_id)
    .where(Dossier.code == bindparam("code"))
    .order_by(DossierEvent.sequence)
)


def _holder_agency(session: Session, row) -> UnitInfo | None:  # noqa: ANN001
    """:func:`responsible_agency` of the row's holder, from the joined holder and parent
    (deeper nesting, which no real unit tree has today, falls back to walking the tree)."""
    if row.holder_code is None:
        return None
    if row.holder_kind not in SUB_AGENCY_KINDS or row.holder_parent_id is None:
        return UnitInfo(code=row.holder_code, name=row.holder_name)
    if row.parent_kind not in SUB_AGENCY_KINDS or row.parent_parent_id is None:
        return UnitInfo(code=row.parent_code, name=row.parent_name)
    return _unit(responsible_agency(session.get(Unit, row.parent_parent_id)))


def _read(session: Session, code: str) -> list:
    """The rows of :data:`_LOOKUP` for ``code``, in one round trip on PostgreSQL, its
    statement kept prepared (:func:`~motcua.core.db.read_once`; planning its joins takes
    longer than running it). The session's ORM layer would add nothing to plain rows."""
    return read_once(session, _LOOKUP, {"code": code})


def timeline_unit(kind: str, unit: UnitInfo | None, receiving: UnitInfo) -> UnitInfo | None:
    """The unit a timeline entry credits: the receiving desk for the receipt (its event
    names the unit the dossier went on to, the first step's), else the event's unit."""
    return receiving if kind in RECEIPT_EVENTS else unit


def _timeline(rows, receiving: UnitInfo) -> list[TimelineEntry]:  # noqa: ANN001
    return [
        TimelineEntry(at=row.event_at, kind=row.event_kind,
                      label=event_label(row.event_kind, row.event_status),
                      status=row.event_status,
                      unit=timeline_unit(row.event_kind, UnitInfo(
                          code=row.event_unit_code, name=row.event_unit_name)
                          if row.event_unit_code else None, receiving))
        for row in rows if row.event_kind is not None
    ]


def lookup(session: Session, raw_code: str | None, phone4: str | None = None) -> LookupResult:
    """Look a dossier up by the code printed on its receipt.

    ``raw_code`` may come from a person or a barcode scanner (any case, spaces, newline).
    ``phone4``, the last four digits of the applicant's phone, unlocks the full detail;
    a wrong one gives the public view with ``verified`` False and ``extra['phone4']``
    set to ``"wrong"`` so a channel can say so and count the failure, or to ``"locked"``
    when the dossier's second factor is locked after too many wrong guesses
    (:mod:`motcua.lookup.factor_guard`); the digits are then not compared.

    Raises :class:`MalformedCode`, :class:`UnknownCode` or :class:`MalformedPhone4`, each a
    4xx :class:`~motcua.core.errors.MotcuaError` with a message for the citizen.
    """
    code = parse_code(raw_code)
    phone4 = parse_phone4(phone4)
    if phone4 is not None and not factor_guard.reserve(session, code):
        result = _lookup(session, code, None)
        result.extra["phone4"] = "locked"
        return result
    result = _lookup(session, code, phone4)
    if result.verified:
        factor_guard.give_back(session, code)
    return result


def _lookup(session: Session, code: str, phone4: str | None) -> LookupResult:
    """:func:`lookup` of a parsed code, comparing ``phone4`` if given."""
    if uses_hub_read_model():  # a hub answers from the read model the nodes push to
        return anonymous_view(lookup_hub(session, code, phone4))
    return anonymous_view(_lookup_node(session, code, phone4))


def _lookup_node(session: Session, code: str, phone4: str | None) -> LookupResult:
    """:func:`lookup` of a parsed code from the ``dossiers`` table, before the view policy."""
    rows = _read(session, code)
    if not rows:
        raise UnknownCode(
            _("No dossier has the code %(code)s. Check it against your receipt; a dossier "
              "received today may take a few minutes to appear.", code=code), field="code")
    row = rows[0]
    receiving = UnitInfo(code=row.unit_code, name=row.unit_name)
    result = LookupResult(
        code=row.code,
        procedure_code=row.procedure_code,
        procedure_name=row.procedure_name,
        receiving_unit=receiving,
        applicant=mask_name(row.applicant_name),
        received_at=row.received_at,
        due_at=row.due_at,
        finished_at=row.finished_at,
        returned_at=row.returned_at,
        status=row.status,
        status_label=status_label(row.status),
        late=is_late(due_at=row.due_at, original_due_at=row.original_due_at,
                     finished_at=row.finished_at, status=row.status,
                     paused_at=pause_started(row.status, (
                         (r.event_kind, r.event_at) for r in rows if r.event_kind))),
        agency=_holder_agency(session, row),
        department=UnitInfo(code=row.holder_code, name=row.holder_name)
        if row.holder_code else None,
        officer=row.officer,
        timeline=_timeline(rows, receiving),
        sensitive=is_sensitive(row.procedure_field),
    )
    result.unit_abbreviations = {
        code: abbreviation for code, abbreviation in (
            (row.holder_code, row.holder_abbreviation), (row.parent_code, row.parent_abbreviation))
        if code}
    # A plugin's public fields and the applicant's own detail need the whole dossier;
    # plain lookups of core procedures never load it.
    dossier = None
    if row.handler_plugin:
        dossier = session.get(Dossier, row.id)
        result.public_fields = public_fields(dossier)
    if phone4 is not None:
        dossier = dossier or session.get(Dossier, row.id)
        if _phone_matches(dossier.applicant_phone, phone4):
            _unlock(result, dossier)
        else:
            result.extra["phone4"] = "wrong"
    return result


def _unlock(result: LookupResult, dossier: Dossier) -> None:
    """Add what only the applicant may see."""
    result.verified = True
    result.applicant = dossier.applicant_name
    result.documents = [
        DocumentLine(name=line.name, copy_kind=line.copy_kind, quantity=line.quantity,
                     submitted=line.submitted)
        for line in dossier.documents
    ]
    result.result = dict(dossier.result) if dossier.result else None
    result.refusal_reason = dossier.refusal_reason
