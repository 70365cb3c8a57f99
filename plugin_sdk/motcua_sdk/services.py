"""What a plugin may do to the core's data: read dossiers, change them through the
routing rules, and use the request's database session for its own tables.

These functions work inside a running motcua application (a request, a CLI command, a
hook call). The core installs their implementation when it loads plugins; plugins never
import ``motcua.core``. Every function raises :mod:`motcua_sdk.errors` exceptions, and
every change is recorded as a dossier event in the caller's transaction (the request or
command commits it).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from motcua_sdk.types import AccountView, AttachmentView, DossierView, FeeReceiptView, UnitView


class Backend(Protocol):
    """The interface the core implements (``motcua.core.plugin_manager.services``)."""

    def session(self) -> Any: ...
    def current_account(self) -> AccountView | None: ...
    def has_role(self, role: str, unit_code: str | None) -> bool: ...
    def get_dossier(self, code: str) -> DossierView: ...
    def find_dossiers(self, **criteria: Any) -> list[DossierView]: ...
    def queue(self, procedure_codes: tuple[str, ...] | None, mine: bool) -> list[DossierView]: ...
    def available_actions(self, code: str) -> list[str]: ...
    def act(self, code: str, action: str, expected_version: int | None,
            arguments: dict[str, Any]) -> DossierView: ...
    def update_specialist_data(self, code: str, data: dict[str, Any],
                               expected_version: int | None) -> DossierView: ...
    def annotate(self, code: str, source: str, key: str, value: Any, label: str,
                 note: str | None) -> DossierView: ...
    def working_deadline(self, start: datetime, days: float) -> datetime: ...
    def list_attachments(self, code: str) -> list[AttachmentView]: ...
    def read_attachment(self, code: str, attachment_id: int) -> bytes: ...
    def attach_file(self, code: str, name: str, content: bytes, mime: str, kind: str,
                    caller: str | None) -> AttachmentView: ...
    def record_fee_payment(self, code: str, payment: dict[str, Any],
                           caller: str | None) -> FeeReceiptView: ...
    def fee_receipts(self, code: str) -> list[FeeReceiptView]: ...
    def render_pdf(self, template: str, context: dict[str, Any]) -> bytes: ...
    def pdf_response(self, data: bytes, filename: str, download: bool) -> Any: ...
    def staff_required(self, role: str | None) -> Callable[[Callable], Callable]: ...
    def get_unit(self, code: str) -> UnitView: ...
    def unit_parents(self, code: str) -> list[UnitView]: ...
    def dossier_unit(self, code: str, which: str) -> UnitView | None: ...
    def units_with_function(self, function: str, near: str | None) -> list[UnitView]: ...
    def plugin_setting(self, declared: Any, name: str) -> Any: ...


_backend: Backend | None = None


def install(backend: Backend | None) -> None:
    """Set the implementation (called by the core's plugin manager, not by plugins)."""
    global _backend
    _backend = backend


class NoApplication(RuntimeError):
    """No motcua application is running here (no backend installed, or no application
    context), so what it would answer cannot be known."""


def _core() -> Backend:
    if _backend is None:
        raise NoApplication(
            "motcua_sdk.services work only inside a motcua application "
            "(create_app loads the plugins and installs them)."
        )
    return _backend


def session() -> Any:
    """The SQLAlchemy session of the current request or command.

    Use it for the plugin's own tables; it commits with the request. Never use it to
    change core tables: use the functions below, which keep the event log and sync right.
    """
    return _core().session()


def current_account() -> AccountView | None:
    """The logged-in staff account, or ``None`` outside a logged-in request."""
    return _core().current_account()


def has_role(role: str, unit_code: str | None = None) -> bool:
    """True if the current account holds ``role`` over ``unit_code`` (or over any unit
    when ``unit_code`` is None). Roles: reception, specialist, leader, unit_admin, ict_admin.
    """
    return _core().has_role(role, unit_code)


def staff_required(role: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator for plugin views: a logged-in staff account, holding ``role`` over some
    unit when given; otherwise the login page (or HTTP 403).

    Example::

        @bp.route("/")
        @staff_required("specialist")
        def queue(): ...

    Usable at import time: the core's check is looked up when the view runs. The guarded
    view carries ``motcua_role`` (the role, or ``"staff"``), which the conformance suite
    reads to try every page with the roles that must and must not get in.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            return _core().staff_required(role)(view)(*args, **kwargs)

        guarded.motcua_role = role or "staff"
        return guarded

    return decorator


def get_dossier(code: str) -> DossierView:
    """The dossier with ``code`` if the current account may see it (``NotFound`` if not)."""
    return _core().get_dossier(code)


def find_dossiers(*, procedure_codes: Iterable[str] | None = None,
                  statuses: Iterable[str] | None = None,
                  unit_code: str | None = None, limit: int = 200) -> list[DossierView]:
    """Dossiers the current account may see, newest first: filtered by procedure codes,
    statuses and receiving unit (with everything beneath it)."""
    return _core().find_dossiers(
        procedure_codes=tuple(procedure_codes) if procedure_codes is not None else None,
        statuses=tuple(statuses) if statuses is not None else None,
        unit_code=unit_code, limit=limit)


def queue(procedure_codes: Iterable[str] | None = None, *, mine: bool = False
          ) -> list[DossierView]:
    """The current account's work queue (overdue first, then due soonest): the dossiers
    held by its units, or only those it holds itself with ``mine=True``, restricted to
    ``procedure_codes`` when given."""
    codes = tuple(procedure_codes) if procedure_codes is not None else None
    return _core().queue(codes, mine)


def available_actions(code: str) -> list[str]:
    """The routing actions the current account may take on the dossier now
    (``"claim"``, ``"forward"``, ``"submit_for_approval"``, ``"approve"``,
    ``"issue_result"`` ...)."""
    return _core().available_actions(code)


def act(code: str, action: str, *, expected_version: int | None = None,
        **arguments: Any) -> DossierView:
    """Take routing ``action`` on the dossier as the current account and return the
    updated view. ``arguments`` are the action's own (``note=``, ``reason=``,
    ``missing=`` ...; see ``docs/workflow.md``). ``issue_result`` without ``result=``
    asks the handling plugin's :func:`~motcua_sdk.hookspecs.motcua_issue_result`.

    ``pause_for_payment`` (``note=`` what to pay, optional ``notice_number=`` and
    ``amount=`` in đồng) stops the clock while the applicant pays a financial obligation
    (status ``waiting_payment``, not a supplement); ``record_payment`` (optional
    ``note=``) restarts it and moves every deadline back by the time waited (API 0.1.2).

    Example::

        view = services.act(code, "forward", note="Hồ sơ hợp lệ",
                            expected_version=int(request.form["version"]))
    """
    return _core().act(code, action, expected_version, arguments)


def update_specialist_data(code: str, data: dict[str, Any], *,
                           expected_version: int | None = None) -> DossierView:
    """Replace the dossier's specialist data after loading ``data`` through its
    procedure's schema (``ValidationError`` naming the field if it does not load).
    Only the current holder's units may change it; records a ``specialist_data_updated``
    event."""
    return _core().update_specialist_data(code, data, expected_version)


def annotate(code: str, *, source: str, key: str, value: Any, label: str,
             note: str | None = None) -> DossierView:
    """Attach information another agency or system returned to the dossier (any status,
    finished ones too): records an ``annotated`` event with ``{"source", "key",
    "value", "label"}`` (``value`` JSON-ready, ``label`` what people read) and sends the
    :data:`motcua_sdk.signals.annotated` signal, which other plugins may act on.
    No role is needed: the caller decides who may annotate (e.g. the tax officer
    answering on the plugin's screen, or a worker applying an external answer).

    Example::

        services.annotate(code, source="tax_interconnection", key="tax_code",
                          value="001085012345", label="Mã số thuế")
    """
    return _core().annotate(code, source, key, value, label, note)


def working_deadline(start: datetime, days: float) -> datetime:
    """The moment ``days`` working days after ``start`` in the province's working-day
    calendar (weekends, holidays and make-up days), as the core computes appointments."""
    return _core().working_deadline(start, days)


def _caller_module() -> str | None:
    """The module that called the service (two frames up), so the core can tell which
    plugin attached a file or recorded a payment."""
    try:
        return sys._getframe(2).f_globals.get("__name__")  # noqa: SLF001
    except ValueError:  # pragma: no cover - a shallower stack than any real caller's
        return None


def _code(dossier: str | DossierView) -> str:
    return dossier.code if isinstance(dossier, DossierView) else dossier


def list_attachments(dossier: str | DossierView) -> list[AttachmentView]:
    """The dossier's files (the applicant's scans, each named by its checklist line, and
    the files plugins attached), oldest first, if the current account may see the
    dossier (``NotFound``/``Forbidden`` otherwise; the same rule as the desk's download
    link). Metadata only: read the bytes with :func:`read_attachment`."""
    return _core().list_attachments(_code(dossier))


def read_attachment(dossier: str | DossierView, attachment_id: int) -> bytes:
    """The bytes of file ``attachment_id`` of the dossier, checked against their SHA-256
    (``NotFound`` if the dossier has no such file or the account may not see it)."""
    return _core().read_attachment(_code(dossier), attachment_id)


def attach_file(dossier: str | DossierView, *, name: str, content: bytes, mime: str,
                kind: str) -> AttachmentView:
    """Attach the plugin's own file (a drawing, a generated PDF) to the dossier.

    The file passes the intake's checks (size limit, an allowed type whose first bytes
    match ``mime``: PDF, JPEG, PNG, Word; ``ValidationError`` otherwise); ``kind`` is the
    plugin's identifier for it (``"drawing"``, ``"result"``). The account must be able
    to see the dossier. Records a ``file_attached`` event; the dossier page lists the
    file with the plugin's name.

    Example::

        pdf = render_pdf("land_use/certificate.html", dossier=view)
        services.attach_file(view, name=f"GCN-{view.code}.pdf", content=pdf,
                             mime="application/pdf", kind="result")
    """
    return _core().attach_file(_code(dossier), name, content, mime, kind, _caller_module())


def record_fee_payment(dossier: str | DossierView, *, amount: int, payer: str,
                       series: str, number: str, paid_at: datetime | None = None,
                       note: str | None = None) -> FeeReceiptView:
    """Record a fee (lệ phí) paid for the dossier with its receipt (biên lai): ``amount``
    in đồng, the ``payer``'s name, the receipt's ``series`` (ký hiệu) and ``number``
    (digits), ``paid_at`` an aware datetime (now when omitted).

    A receipt number is used once per series: a second one is refused with ``Conflict``
    and nothing is written. The current account must be a reception officer of the
    receiving unit, or a specialist or leader of the unit receiving or holding the
    dossier (``Forbidden`` otherwise). Records a ``fee_paid`` event; the dossier page
    lists the receipt.

    Not to be confused with ``act(code, "record_payment")``, which ends the wait for the
    applicant's financial obligations (a tax notice) and restarts the clock.
    """
    payment = {"amount": amount, "payer": payer, "series": series, "number": number,
               "paid_at": paid_at, "note": note}
    return _core().record_fee_payment(_code(dossier), payment, _caller_module())


def fee_receipts(dossier: str | DossierView) -> list[FeeReceiptView]:
    """The fee receipts recorded for the dossier, in the order they were paid."""
    return _core().fee_receipts(_code(dossier))


# ---------------------------------------------------------------------------- units
# Units are public knowledge inside the deployment (every officer's pages name them), so
# reading them needs no role; a dossier's units are read only if its dossier may be.


def get_unit(code: str) -> UnitView:
    """The unit with agency ``code`` (``NotFound`` naming the code if there is none).

    Example::

        agency = services.get_unit(view.unit_code)
        title = f"{agency.name} ({agency.code})"
    """
    return _core().get_unit(code)


def unit_parents(code: str) -> list[UnitView]:
    """The units above the unit ``code``, nearest first (its parent, ..., the province);
    empty for a root unit, ``NotFound`` for an unknown code."""
    return _core().unit_parents(code)


def receiving_unit(dossier: DossierView | str) -> UnitView:
    """The unit whose desk received the dossier (a :class:`DossierView` or its code;
    ``NotFound`` if the current account may not see it)."""
    return _core().dossier_unit(_code(dossier), "receiving")


def holding_unit(dossier: DossierView | str) -> UnitView | None:
    """The unit holding the dossier now, at its current step (or the desk once its
    result is ready); None once it is finished (returned, refused, withdrawn)."""
    return _core().dossier_unit(_code(dossier), "holding")


def signing_agency(dossier: DossierView | str) -> UnitView:
    """The unit that will sign the dossier's result, from its workflow: the unit of the
    last approval (``leader``) step, else of the last step, resolved as routing resolves
    it. A result document names it as the issuing agency (cơ quan ban hành)."""
    return _core().dossier_unit(_code(dossier), "signing")


def units_with_function(function: str, *, near: str | None = None) -> list[UnitView]:
    """Active units with ``function`` (``"finance"``, ``"tax"``...). With ``near`` (an
    agency code): the units a ``function:<name>`` workflow step could name for a dossier
    received there, nearest first (the children of ``near``, then of its parent, and so
    on up; the first is the one routing picks). Without: every one, by agency code."""
    return _core().units_with_function(function, near)


def plugin_setting(declared: Any, name: str) -> Any:
    """The effective value of setting ``name`` of the plugin whose ``MOTCUA_SETTINGS`` is
    ``declared`` in the running application (:class:`NoApplication` outside one, or
    when the plugin does not run in it); plugins call
    :meth:`motcua_sdk.settings.PluginSettings.get` instead."""
    return _core().plugin_setting(declared, name)
