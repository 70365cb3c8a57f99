"""The core's plugin manager: discovery, version checks, hooks, signals and services.

:func:`init_app` runs in the application factory: it loads the plugins enabled by the
``MOTCUA_PLUGINS`` setting, registers their blueprints and menu entries, and connects the
core's extension points (default workflows, sync payloads, SDK services) to them.
Nothing a plugin does wrong stops the application from starting: the plugin is refused
with a message shown by ``motcua plugins list`` and on ``/admin/plugins``.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from flask import Flask, abort, request, url_for
from flask_login import current_user

from motcua.core.messages import Message
from motcua.core.plugin_manager.certification import Certification
from motcua.core.plugin_manager.discovery import ENTRY_POINT_GROUP, PluginRecord
from motcua.core.plugin_manager.dossiers import (
    current_manager,
    issue_result,
    public_fields,
    specialist_schema,
    to_core_error,
    validate_specialist_data,
)
from motcua.core.plugin_manager.manager import HookFailure, PluginManager
from motcua_sdk import services as sdk_services
from motcua_sdk.errors import PluginError
from motcua_sdk.types import MenuItem

log = logging.getLogger(__name__)

__all__ = [
    "ENTRY_POINT_GROUP",
    "HookFailure",
    "PluginManager",
    "PluginRecord",
    "current_manager",
    "init_app",
    "issue_result",
    "load_manager",
    "public_fields",
    "specialist_schema",
    "validate_specialist_data",
]


def load_manager(settings) -> PluginManager:  # noqa: ANN001 - motcua.core.config.Settings
    """A manager with the installed plugins ``settings`` enable, plus the plugin objects
    of ``settings.extra_plugins`` (``(name, object)`` pairs, for tests)."""
    certification = Certification(settings.certificates_path,
                                  settings.conformance_public_key)
    manager = PluginManager(settings.plugins, settings.plugin_units,
                            certification=certification,
                            require_certified=settings.require_certified,
                            setting_sources=[("configuration", settings.extra),
                                             ("environment", settings.environment)])
    manager.load_installed()
    for name, plugin in settings.extra_plugins:
        manager.register(plugin, name)
    return manager


def init_app(app: Flask, settings) -> PluginManager:  # noqa: ANN001
    """Load the plugins for ``app`` and plug them into the core (see module doc)."""
    manager = load_manager(settings)
    app.extensions["motcua.plugins"] = manager
    _keep_failures(app, manager)
    _connect_core()
    _register_blueprints(app, manager)
    _register_sync_payloads(manager)
    _add_translations(app, manager)

    from motcua.core.plugin_manager.pages import bp as admin_pages

    app.register_blueprint(admin_pages)

    @app.errorhandler(PluginError)
    def _plugin_error(error: PluginError):
        return app.handle_user_exception(to_core_error(error))

    @app.context_processor
    def _menu():
        return {"plugin_menu_items": functools.partial(menu_links, manager),
                "plugin_title": manager.title}

    return manager


def _keep_failures(app: Flask, manager: PluginManager) -> None:
    """Store hook failures in the database (see :mod:`.failures`): those reported while
    loading now, the later ones when their application context ends. This teardown is
    registered before the one removing the request's session, so it runs after it."""
    from motcua.core.plugin_manager import failures

    if manager.failures:
        failures.write(app, list(manager.failures))
    manager.keep_failure = functools.partial(failures.remember, app)
    app.teardown_appcontext(lambda _exc: failures.flush(app))


def _add_translations(app: Flask, manager: PluginManager) -> None:
    """The enabled plugins' catalogues (``MOTCUA_TRANSLATIONS``, a folder laid out as the
    core's) join the core's: their pages use ``_()`` like the core's. The core's come
    last, so a plugin cannot change what a core message says."""
    from motcua.core.extensions import babel

    directories = app.extensions["babel"].translation_directories
    for record in manager.enabled():
        folder = getattr(record.plugin, "MOTCUA_TRANSLATIONS", None)
        if folder and Path(folder).is_dir() and str(folder) not in directories:
            directories.insert(0, str(folder))
            # Flask-Babel keeps loaded catalogues per language, not per folder list.
            with app.app_context():
                babel.domain_instance.cache.clear()


@functools.cache
def _connect_core() -> None:
    """Process-wide connections (once): each asks the current application's manager."""
    from motcua.core.plugin_manager import dossiers
    from motcua.core.plugin_manager.services import CoreServices
    from motcua.core.workflow import definitions

    sdk_services.install(CoreServices())
    definitions.register_default_provider(dossiers.default_workflow)


def _register_blueprints(app: Flask, manager: PluginManager) -> None:
    names: set[str] = set()
    for name, blueprint in manager.collect("motcua_blueprints"):
        if not manager.is_enabled(name):
            continue
        try:
            app.register_blueprint(blueprint)
            names.add(blueprint.name)
        except Exception as error:  # noqa: BLE001 - refuse the plugin, keep the app
            manager.report_failure(name, "motcua_blueprints", error)
            manager.disable(name, Message("its blueprint could not be registered: %(error)s",
                                          error=error))
            continue
        app.before_request_funcs.setdefault(blueprint.name, []).append(
            functools.partial(_unit_guard, manager, name))

    @app.after_request
    def _commit_plugin_request(response):  # noqa: ANN001, ANN202
        # A plugin's view is one transaction: kept when it answers successfully, undone
        # otherwise, so plugins never commit half of a change themselves.
        if (request.blueprint or "").split(".")[0] in names:
            session = app.extensions["motcua.db"].session
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response


def _unit_guard(manager: PluginManager, name: str) -> None:
    """Before each request to plugin ``name``'s pages: an officer whose unit does not
    use the plugin (``MOTCUA_PLUGIN_UNITS``) gets 403, as its menu entries are hidden
    from them. Anonymous requests pass: the plugin's own login checks answer them."""
    if getattr(current_user, "is_authenticated", False) and not manager.works_at(
            name, current_user.unit):
        abort(403)


def _register_sync_payloads(manager: PluginManager) -> None:
    from motcua.core.sync import contributions

    for record in manager.enabled():
        if not manager.implements(record.name, "motcua_sync_payload"):
            continue
        # One dispatcher per plugin name for the process (it asks the current app's
        # manager); a contributor registered under the name by other code is kept.
        current = contributions._contributors.get(record.name)  # noqa: SLF001
        if current is None:
            contributions.register(record.name, _sync_dispatcher(record.name))
        elif current is not _sync_dispatcher(record.name):
            log.warning("sync contributions of %s: another contributor is registered "
                        "under that name; the plugin's hook is not used", record.name)


@functools.cache
def _sync_dispatcher(name: str):  # noqa: ANN202
    from motcua.core.plugin_manager import dossiers

    return functools.partial(dossiers.sync_payload, name)


def menu_links(manager: PluginManager) -> list[dict[str, str]]:
    """The current account's plugin menu entries as ``{"label", "url"}``, in order;
    entries naming an endpoint that does not exist are reported and left out."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    from motcua.core.plugin_manager.views import account_view

    entries = []
    for name, item in manager.collect("motcua_menu_items", account=account_view(current_user)):
        if not manager.works_at(name, current_user.unit):
            continue
        try:
            if not isinstance(item, MenuItem):
                raise TypeError(f"expected MenuItem, got {type(item).__name__}")
            entries.append((item.order, item.label, url_for(item.endpoint)))
        except Exception as error:  # noqa: BLE001 - a broken entry must not break the page
            manager.report_failure(name, "motcua_menu_items", error)
    return [{"label": label, "url": url} for _order, label, url in sorted(entries)]
