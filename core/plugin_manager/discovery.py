"""Finding installed plugins: the ``motcua.plugins`` entry-point group, loaded with stevedore.

Only enabled plugins are imported, and only after their source passed the purity check
(:mod:`.purity`); everything that goes wrong becomes a message on the plugin's record,
never an exception at start-up.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context
from flask_babel import get_locale
from stevedore import NamedExtensionManager

from motcua.core.messages import Message
from motcua.core.plugin_manager import purity

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "motcua.plugins"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}\Z")

ENABLED, DISABLED, REFUSED = "enabled", "disabled", "refused"


@dataclass
class PluginRecord:
    """What the core knows about one plugin, loaded or not."""

    name: str
    state: str
    distribution: str | None = None
    version: str | None = None
    api_range: str | None = None
    reason: Any = None  # a messages.Message (or text), translated where it is shown
    # What the operator should know about an enabled plugin (a Message): e.g. it was
    # written for an earlier API and runs with that API's changes (versioning).
    notice: Any = None
    module_name: str | None = None
    plugin: Any = field(default=None, repr=False)
    units: tuple[str, ...] = ()  # agency codes of the subtrees it works in; () everywhere
    certificate: Any = None  # a certification.CertificateState once checked
    # ``{language: name}`` the plugin declares (``MOTCUA_DISPLAY_NAME``), once loaded.
    display_names: dict[str, str] = field(default_factory=dict)
    # ``{name: motcua_sdk.settings.SettingValue}``: its effective settings, once loaded.
    settings: dict[str, Any] = field(default_factory=dict)
    # ``{function: unit name}`` its workflows need (``MOTCUA_UNIT_FUNCTIONS``), once loaded.
    unit_functions: dict[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.state == ENABLED

    def title(self, language: str | None = None) -> str:
        """What people call the plugin in ``language`` (the page's by default): its
        declared display name, else the English one, else its identifier."""
        if language is None and has_request_context():
            language = str(get_locale() or "")
        names = self.display_names
        return names.get(language or "") or names.get("en") or self.name


def display_names(plugin: Any) -> dict[str, str]:
    """The plugin module's optional ``MOTCUA_DISPLAY_NAME``: a name, or ``{language:
    name}``; anything else is ignored (the identifier is shown instead)."""
    declared = getattr(plugin, "MOTCUA_DISPLAY_NAME", None)
    if isinstance(declared, str) and declared.strip():
        return {"en": declared.strip()}
    if isinstance(declared, dict):
        return {language: name.strip() for language, name in declared.items()
                if isinstance(language, str) and isinstance(name, str) and name.strip()}
    return {}


UNIT_FUNCTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")  # as function:<name>
UNIT_FUNCTIONS_EXAMPLE = '{"construction": "Phòng Quản lý đô thị"}'


def unit_functions(plugin: Any) -> tuple[dict[str, str], Message | None]:
    """The plugin module's optional ``MOTCUA_UNIT_FUNCTIONS``: ``{function: name of a unit
    doing it}``, the unit functions its workflows name (``function:<name>``) that a
    province must have (the test kit and the conformance suite build such units). The
    declaration and, if it is malformed, why (the plugin is then refused)."""
    declared = getattr(plugin, "MOTCUA_UNIT_FUNCTIONS", None)
    if declared is None:
        return {}, None
    if not isinstance(declared, dict):
        return {}, Message("MOTCUA_UNIT_FUNCTIONS must be a dict such as %(example)s, "
                           "not %(declared)s", example=UNIT_FUNCTIONS_EXAMPLE,
                           declared=repr(declared)[:80])
    for function, name in declared.items():
        if not isinstance(function, str) or not UNIT_FUNCTION_PATTERN.match(function):
            return {}, Message("MOTCUA_UNIT_FUNCTIONS: %(function)s is not a unit function "
                               "(lower-case letters, digits and underscores, e.g. "
                               "construction)", function=repr(function)[:60])
        if not isinstance(name, str) or not 2 <= len(name.strip()) <= 200:
            return {}, Message("MOTCUA_UNIT_FUNCTIONS: give the unit doing %(function)s a "
                               "name (e.g. %(example)s)", function=function,
                               example=UNIT_FUNCTIONS_EXAMPLE)
    return {function: name.strip() for function, name in declared.items()}, None


_listing: dict[tuple, list[importlib.metadata.EntryPoint]] = {}


def _path_state() -> tuple:
    """``sys.path`` with each folder's modification time: installing or removing a
    distribution changes the folder holding its metadata, hence this key."""
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, None))
    return tuple(state)


def installed_entry_points() -> list[importlib.metadata.EntryPoint]:
    """Entry points of the group, sorted by name (deterministic loading order).

    Reading every distribution's metadata takes tens of milliseconds, and each
    application (every test) asks; the listing is kept while the path is unchanged."""
    key = _path_state()
    if key not in _listing:
        # stevedore keeps the group's entry points for the life of the process; read
        # them again with ours so a plugin installed since (e.g. by a test) loads.
        NamedExtensionManager.ENTRY_POINT_CACHE.pop(ENTRY_POINT_GROUP, None)
        _listing.clear()
        _listing[key] = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
                               key=lambda ep: (ep.name, ep.value))
    return list(_listing[key])


def _distribution(ep: importlib.metadata.EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def describe(ep: importlib.metadata.EntryPoint, state: str, reason: Message | None = None
             ) -> PluginRecord:
    """A record for ``ep`` before (or instead of) loading it."""
    distribution, version = _distribution(ep)
    return PluginRecord(name=ep.name, state=state, distribution=distribution, version=version,
                        reason=reason, module_name=ep.module)


def name_problem(name: str) -> Message | None:
    """Why ``name`` cannot name a plugin (it becomes a CLI group, a migration branch
    label and a key in sync payloads), or None."""
    if not NAME_PATTERN.match(name):
        return Message("the plugin name %(name)s must be 2-40 lowercase letters, digits or "
                       "underscores, starting with a letter", name=repr(name))
    return None


def purity_problem(module_name: str) -> Message | None:
    """Why the plugin's source may not run (it imports motcua.core), or None."""
    try:
        root = purity.module_source_root(module_name)
    except (ImportError, ValueError) as error:
        return Message("its module %(module)s cannot be found (%(error)s)",
                       module=module_name, error=error)
    if root is None:
        return Message("its module %(module)s cannot be found", module=module_name)
    # The entry point's top-level package is what gets installed: all of it is checked.
    problems = purity.core_imports(root, package=root.is_dir())
    if problems:
        shown = "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
        return Message("it imports motcua.core instead of motcua_sdk (%(imports)s)",
                       imports=shown)
    return None


def load(names: list[str]) -> tuple[dict[str, Any], dict[str, Message]]:
    """Import the plugins ``names`` with stevedore: ``({name: object}, {name: error})``."""
    failures: dict[str, Message] = {}

    def failed(_manager, entry_point, error) -> None:  # noqa: ANN001
        log.error("plugin %s could not be loaded", entry_point.name, exc_info=error)
        failures[entry_point.name] = Message("could not be loaded: %(error)s",
                                             error=f"{type(error).__name__}: {error}")

    if not names:
        return {}, failures
    loaded = NamedExtensionManager(
        ENTRY_POINT_GROUP, names=names, invoke_on_load=False, name_order=True,
        on_load_failure_callback=failed,
        on_missing_entrypoints_callback=lambda missing: None)
    return {extension.name: extension.plugin for extension in loaded}, failures
