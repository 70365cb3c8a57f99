"""The core's implementation of :mod:`motcua_sdk.services` (what plugins may do).

Every function works in the current application context, on the current request's (or
command's) session, as the logged-in account; core errors leave as SDK errors so a
plugin can catch them without importing the core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from motcua.core import errors
from motcua.core.accounts import has_role
from motcua.core.db import begin_write
from motcua.core.events import record_event
from motcua.core.extensions import db_session
from motcua.core.models import Account, Dossier, Procedure, Unit
from motcua.core.models.accounts import ROLE_NAMES
from motcua.core.plugin_manager import dossiers
from motcua.core.plugin_manager.views import (
    account_view,
    attachment_view,
    dossier_view,
    fee_receipt_view,
)
from motcua.core.specialist_search import index_dossier
from motcua_sdk import errors as sdk_errors
from motcua_sdk import services as sdk_services
from motcua_sdk.types import AccountView, AttachmentView, DossierView, FeeReceiptView, UnitView

# The routing actions plugins may take (the contract's motcua.core.workflow.actions).
ACTIONS = ("claim", "assign", "forward", "send_back", "transfer", "submit_for_approval",
           "approve", "request_supplement", "record_supplement", "pause_for_payment",
           "record_payment", "apologize", "refuse", "withdraw", "issue_result",
           "return_result")
EDITING_ROLES = ("specialist", "leader")


@contextmanager
def _as_sdk_errors() -> Iterator[None]:
    try:
        yield
    except errors.MotcuaError as error:
        if isinstance(error, errors.ValidationError):  # 422, as the REST API answers
            raise sdk_errors.ValidationError(error.message, field=error.field) from error
        kind = sdk_errors.BY_STATUS.get(error.status_code, sdk_errors.PluginError)
        converted = kind(error.message, field=error.field)
        converted.status_code = error.status_code
        raise converted from error


def _account() -> Account | None:
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _actor() -> Account:
    account = _account()
    if account is None:
        raise errors.Forbidden(_("Log in first."))
    return account


def _officer_or_command() -> Account | None:
    """The logged-in account; None for a command or a worker (no request). A request
    nobody is logged in to gets Forbidden: a dossier's files and fees are for officers,
    whatever page of a plugin asks."""
    from flask import has_request_context

    account = _account()
    if account is None and has_request_context():
        raise errors.Forbidden(_("Log in first."))
    return account


def _dossier(code: str) -> Dossier:
    """The dossier if the current account may see it (everything outside a request)."""
    account = _account()
    if account is not None:
        from motcua.core.web.scope import visible_dossier

        return visible_dossier(db_session(), account, code)
    from motcua.core.intake import find_dossier

    return find_dossier(db_session(), code)


class CoreServices:
    """Installed into ``motcua_sdk.services`` by the plugin manager."""

    def session(self) -> Any:
        return db_session()

    def current_account(self) -> AccountView | None:
        account = _account()
        return account_view(account) if account is not None else None

    def has_role(self, role: str, unit_code: str | None) -> bool:
        account = _account()
        if account is None:
            return False
        if unit_code is None:
            return any(assignment.role == role for assignment in account.roles)
        unit = db_session().scalar(select(Unit).where(Unit.code == unit_code))
        return unit is not None and has_role(account, role, unit)

    def staff_required(self, role: str | None) -> Callable[[Callable], Callable]:
        from flask_login import login_required

        from motcua.core.web.helpers import role_required

        return role_required(role) if role else login_required

    def get_dossier(self, code: str) -> DossierView:
        with _as_sdk_errors():
            return dossier_view(_dossier(code))

    def find_dossiers(self, **criteria: Any) -> list[DossierView]:
        with _as_sdk_errors():
            return [dossier_view(d) for d in self._find(**criteria)]

    def _find(self, *, procedure_codes, statuses, unit_code, limit) -> list[Dossier]:  # noqa: ANN001
        session = db_session()
        query = select(Dossier).join(Procedure, Dossier.procedure_id == Procedure.id)
        if procedure_codes is not None:
            query = query.where(Procedure.code.in_(procedure_codes))
        if statuses is not None:
            query = query.where(Dossier.status.in_(statuses))
        if unit_code is not None:
            unit = session.scalar(select(Unit).where(Unit.code == unit_code))
            if unit is None:
                raise errors.NotFound(_("No unit with agency code %(code)s.", code=unit_code))
            query = query.where(Dossier.unit_id.in_(
                select(Unit.id).where(Unit.path.like(f"{unit.path}%"))))
        account = _account()
        if account is not None:
            roots = [a.unit for a in account.roles if a.role in ROLE_NAMES]
            if not roots:
                return []
            within = select(Unit.id).where(_any_path(roots))
            query = query.where(Dossier.unit_id.in_(within) | Dossier.holder_unit_id.in_(within))
        query = query.order_by(Dossier.received_at.desc(), Dossier.id.desc())
        return list(session.scalars(query.limit(max(1, min(int(limit), 1000)))))

    def queue(self, procedure_codes: tuple[str, ...] | None, mine: bool) -> list[DossierView]:
        from motcua.core.workflow import queues

        with _as_sdk_errors():
            actor = _actor()
            found = (queues.my_queue if mine else queues.unit_queue)(db_session(), actor)
            return [dossier_view(d) for d in found
                    if procedure_codes is None or d.procedure.code in procedure_codes]

    def available_actions(self, code: str) -> list[str]:
        from motcua.core.workflow.actions import available_actions

        with _as_sdk_errors():
            return available_actions(db_session(), _dossier(code), _actor())

    def act(self, code: str, action: str, expected_version: int | None,
            arguments: dict[str, Any]) -> DossierView:
        from motcua.core.workflow import actions

        with _as_sdk_errors():
            if action not in ACTIONS:
                raise errors.ValidationError(
                    _("Unknown action %(action)s.", action=action), field="action")
            session, actor, dossier = db_session(), _actor(), _dossier(code)
            if action == "issue_result" and "result" not in arguments:
                if expected_version is not None and expected_version != dossier.version:
                    raise errors.Conflict(_("The dossier was changed by someone else; "
                                            "reload."))
                if "issue_result" not in actions.available_actions(session, dossier, actor):
                    raise errors.Forbidden(_("You cannot issue the result of this dossier "
                                             "now."))
                arguments = {**arguments, "result": dossiers.issue_result(dossier, actor)
                             or {}}
            getattr(actions, action)(session, dossier, actor, expected_version=expected_version,
                                     **arguments)
            return dossier_view(dossier)

    def update_specialist_data(self, code: str, data: dict[str, Any],
                               expected_version: int | None) -> DossierView:
        with _as_sdk_errors():
            session, actor, dossier = db_session(), _actor(), _dossier(code)
            if dossier.is_final:
                raise errors.Conflict(_("This dossier is finished; its data can no longer "
                                        "change."))
            if not any(has_role(actor, role, dossier.holder_unit) for role in EDITING_ROLES
                       if dossier.holder_unit is not None):
                raise errors.Forbidden(_("Only the unit holding the dossier may change its "
                                         "data."))
            loaded = dossiers.validate_specialist_data(dossier.procedure.code, data)
            begin_write(session)
            session.refresh(dossier, with_for_update=True)
            if expected_version is not None and dossier.version != expected_version:
                raise errors.Conflict(_("The dossier was changed by someone else; reload."))
            before = dossier.specialist_data or {}
            changed = sorted(key for key in set(before) | set(loaded)
                             if before.get(key) != loaded.get(key))
            if not changed:
                return dossier_view(dossier)
            dossier.specialist_data = loaded
            index_dossier(session, dossier)
            record_event(session, dossier, "specialist_data_updated", actor=actor,
                         from_status=dossier.status, data={"changed": changed})
            return dossier_view(dossier)


    def annotate(self, code: str, source: str, key: str, value: Any, label: str,
                 note: str | None) -> DossierView:
        with _as_sdk_errors():
            if not key or not isinstance(key, str) or not label:
                raise errors.ValidationError("An annotation needs a key and a label.")
            from motcua.core.intake import find_dossier

            # Any dossier, whoever may see it: the answer comes from another agency.
            session = db_session()
            dossier = find_dossier(session, code)
            actor = current_user if getattr(current_user, "is_authenticated", False) else None
            record_event(session, dossier, "annotated", actor=actor,
                         from_status=dossier.status, note=note,
                         data={"source": source, "key": key, "value": value, "label": label})
            return dossier_view(dossier)

    def get_unit(self, code: str) -> UnitView:
        from motcua.core.plugin_manager import units

        with _as_sdk_errors():
            session = db_session()
            return units.unit_view(session, units.required_unit(session, code))

    def unit_parents(self, code: str) -> list[UnitView]:
        from motcua.core.plugin_manager import units

        with _as_sdk_errors():
            return units.parents(db_session(), code)

    def dossier_unit(self, code: str, which: str) -> UnitView | None:
        from motcua.core.plugin_manager import units

        with _as_sdk_errors():
            session, dossier = db_session(), _dossier(code)
            if which == "receiving":
                return units.unit_view(session, dossier.unit)
            if which == "holding":
                holder = None if dossier.is_final else dossier.holder_unit
                return units.unit_view(session, holder) if holder is not None else None
            return units.signing(session, dossier)

    def units_with_function(self, function: str, near: str | None) -> list[UnitView]:
        from motcua.core.plugin_manager import units

        with _as_sdk_errors():
            return units.with_function(db_session(), function, near)

    def plugin_setting(self, declared: Any, name: str) -> Any:
        from flask import has_app_context

        from motcua.core.plugin_manager import current_manager

        if has_app_context():
            for record in current_manager().enabled():
                if getattr(record.plugin, "MOTCUA_SETTINGS", None) is declared:
                    return record.settings[name].value
        raise sdk_services.NoApplication(f"plugin {declared.plugin} does not run in an "
                                         "application here, so its settings were not read")

    def working_deadline(self, start: datetime, days: float) -> datetime:
        from motcua.core.intake import load_calendar

        return load_calendar(db_session()).due_at(start, days)

    def list_attachments(self, code: str) -> list[AttachmentView]:
        from motcua.core.dossier_files import visible_dossier_for

        with _as_sdk_errors():
            dossier = visible_dossier_for(db_session(), _officer_or_command(), code)
            return [attachment_view(item) for item in dossier.attachments]

    def read_attachment(self, code: str, attachment_id: int) -> bytes:
        from motcua.core.attachments import read_file
        from motcua.core.dossier_files import visible_attachment
        from motcua.core.extensions import settings

        with _as_sdk_errors():
            found = visible_attachment(db_session(), _officer_or_command(), code, attachment_id)
            return read_file(settings().attachments_path, found.sha256)

    def attach_file(self, code: str, name: str, content: bytes, mime: str, kind: str,
                    caller: str | None) -> AttachmentView:
        from motcua.core.dossier_files import attach_file, visible_dossier_for
        from motcua.core.extensions import settings

        with _as_sdk_errors():
            session, account = db_session(), _officer_or_command()
            dossier = visible_dossier_for(session, account, code)
            attachment = attach_file(session, settings(), dossier, account,
                                     plugin=_plugin_of(caller, dossier), name=name,
                                     content=content, mime=mime, kind=kind)
            return attachment_view(attachment)

    def record_fee_payment(self, code: str, payment: dict[str, Any],
                           caller: str | None) -> FeeReceiptView:
        from motcua.core.dossier_files import visible_dossier_for
        from motcua.core.fees import record_fee_payment

        with _as_sdk_errors():
            session, account = db_session(), _officer_or_command()
            dossier = visible_dossier_for(session, account, code)
            receipt = record_fee_payment(session, dossier, account,
                                         plugin=_plugin_of(caller, dossier), **payment)
            return fee_receipt_view(receipt, dossier.code)

    def fee_receipts(self, code: str) -> list[FeeReceiptView]:
        from motcua.core.dossier_files import visible_dossier_for
        from motcua.core.fees import receipts_of

        with _as_sdk_errors():
            session = db_session()
            dossier = visible_dossier_for(session, _officer_or_command(), code)
            return [fee_receipt_view(item, dossier.code)
                    for item in receipts_of(session, dossier)]

    def render_pdf(self, template: str, context: dict[str, Any]) -> bytes:
        from motcua.core.pdf import render_pdf

        return render_pdf(template, **context)

    def pdf_response(self, data: bytes, filename: str, download: bool) -> Any:
        from motcua.core.pdf import pdf_response

        return pdf_response(data, filename, download=download)


def _plugin_of(caller: str | None, dossier: Dossier) -> str | None:
    """The plugin whose package ``caller`` (a module name) belongs to, else the plugin
    handling the dossier: whom the dossier page credits for a file or a receipt."""
    manager = dossiers.current_manager()
    if manager is None:
        return None
    record = manager.owner_of_module(caller)
    if record is not None:
        return record.name
    return dossiers.dossier_handler(manager, dossier)


def _any_path(roots: list[Unit]):  # noqa: ANN202
    from sqlalchemy import or_

    return or_(*[Unit.path.like(f"{root.path}%") for root in roots])
