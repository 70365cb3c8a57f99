"""Dossier hooks: asking the plugin that handles a dossier's procedure.

These are the entry points the rest of the core uses (intake, routing, lookup, sync);
each takes core records, hands the plugin read-only views and returns plain data.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaError

from motcua.core.errors import InvalidFields, MotcuaError
from motcua.core.models import Account, Dossier, Procedure
from motcua.core.plugin_manager.manager import PluginManager
from motcua.core.plugin_manager.views import account_view, dossier_view
from motcua.core.schemas import all_errors
from motcua_sdk.errors import PluginError
from motcua_sdk.fields import public_values
from motcua_sdk.types import IssuedResult

log = logging.getLogger(__name__)


def current_manager() -> PluginManager | None:
    """The running application's plugin manager (None outside an application)."""
    if not has_app_context():
        return None
    return current_app.extensions.get("motcua.plugins")


def handler(manager: PluginManager | None, procedure: Procedure) -> str | None:
    """The enabled plugin handling ``procedure``, or None."""
    if manager is None or procedure is None:
        return None
    return manager.handler_of(procedure.code, procedure.handler_plugin)


def dossier_handler(manager: PluginManager | None, dossier: Dossier) -> str | None:
    """The plugin handling ``dossier``: its procedure's, if used at its receiving unit."""
    name = handler(manager, dossier.procedure)
    return name if name is not None and manager.works_at(name, dossier.unit) else None


def default_workflow(procedure: Procedure) -> list[dict] | None:
    """The handling plugin's default workflow for ``procedure`` (registered with the
    routing engine as a default provider), or None."""
    manager = current_manager()
    if handler(manager, procedure) is None:
        return None
    spec = manager.procedure_spec(procedure.code)
    return [dict(step) for step in spec.workflow] if spec and spec.workflow else None


def issue_result(dossier: Dossier, actor: Account) -> dict[str, Any] | None:
    """The result the handling plugin issues for ``dossier`` (its certificate number and
    printable document), or None when no plugin handles it. A plugin failure is logged,
    reported and raised as a core error: nothing gets issued without its number."""
    manager = current_manager()
    name = dossier_handler(manager, dossier)
    if name is None or not manager.implements(name, "motcua_issue_result"):
        return None
    hook = manager._pm.hook.motcua_issue_result  # noqa: SLF001 - the one firstresult hook
    impl = next(i for i in hook.get_hookimpls() if i.plugin_name == name)
    try:
        answer = impl.function(**{arg: value for arg, value in (
            ("dossier", dossier_view(dossier)), ("actor", account_view(actor)))
            if arg in impl.argnames})
    except PluginError as error:
        raise to_core_error(error) from error
    except Exception as error:  # noqa: BLE001 - reported, then refused with a message
        manager.report_failure(name, "motcua_issue_result", error)
        raise MotcuaError(_("The module %(name)s could not issue the result; nothing was "
                            "issued. Tell the ICT department.", name=name)) from error
    if not isinstance(answer, IssuedResult):
        manager.report_failure(name, "motcua_issue_result", TypeError(
            f"expected IssuedResult, got {type(answer).__name__}"))
        raise MotcuaError(_("The module %(name)s gave no result; nothing was issued.",
                            name=name))
    return answer.as_result()


def public_fields(dossier: Dossier) -> dict[str, str]:
    """What the public lookup may show of the dossier's specialist data
    (``{label: value}``): the schema's fields marked ``public`` (see
    :mod:`motcua_sdk.fields`), then what the plugin's ``motcua_public_fields`` adds. The
    one rule of what is public: the lookup, the sync and the API ask it."""
    manager = current_manager()
    name = dossier_handler(manager, dossier)
    if name is None:
        return {}
    fields: dict[str, str] = {}
    schema = specialist_schema(dossier.procedure.code)
    if schema is not None:
        fields.update(public_values(schema, dossier.specialist_data or {}))
    for _plugin, answer in manager.call_each("motcua_public_fields", only=name,
                                             dossier=dossier_view(dossier)):
        if isinstance(answer, dict):
            fields.update({str(key): str(value) for key, value in answer.items()})
    return fields


def sync_payload(name: str, dossier: Dossier) -> dict | None:
    """Plugin ``name``'s addition to the dossier's sync entries (None if it does not
    handle the dossier or is not enabled in this application)."""
    manager = current_manager()
    if dossier_handler(manager, dossier) != name:
        return None
    answers = manager.call_each("motcua_sync_payload", only=name, dossier=dossier_view(dossier))
    return answers[0][1] if answers else None


def specialist_schema(procedure_code: str):  # noqa: ANN201 - a marshmallow Schema or None
    """An instance of the marshmallow schema of the procedure's specialist data."""
    manager = current_manager()
    spec = manager.procedure_spec(procedure_code) if manager else None
    return spec.schema() if spec and spec.schema else None


def validate_specialist_data(procedure_code: str, data: dict) -> dict:
    """``data`` loaded through the handling plugin's schema and dumped back to JSON-ready
    values; unchanged when no plugin handles the procedure. The one check of specialist
    data: the desk, the API and the plugins' screens all call it. Raises
    :class:`~motcua.core.errors.InvalidFields` naming every offending field
    (``specialist_data.<path>``), not only the first."""
    try:
        schema = specialist_schema(procedure_code)
        if schema is None:
            return data
        return schema.dump(schema.load(data or {}))
    except SchemaError as error:
        # The schema's messages (marshmallow's or the plugin's, in English) through the
        # catalogues, the plugin's own included, into the request's language.
        errors = [(path, _(message)) for path, message
                  in all_errors(error.normalized_messages(), "specialist_data.")]
        raise InvalidFields(errors or [("specialist_data", _("Invalid input."))]) from None
    except Exception as error:  # noqa: BLE001 - a broken schema: reported, then refused
        manager = current_manager()
        name = manager.procedures()[procedure_code][0]
        manager.report_failure(name, "specialist data schema", error)
        raise MotcuaError(_("The module %(name)s could not check the specialist data; "
                            "nothing was saved. Tell the ICT department.", name=name)) from error


def to_core_error(error: PluginError) -> MotcuaError:
    """The core error matching an SDK error (same message, field and HTTP status)."""
    from motcua.core import errors

    kind = {403: errors.Forbidden, 404: errors.NotFound,
            409: errors.Conflict}.get(error.status_code, errors.ValidationError)
    converted = kind(error.message, field=error.field)
    converted.status_code = error.status_code
    return converted
