"""The plugin manager: which plugins run here, and calling their hooks safely.

Each implementation of a hook is called on its own, so one plugin's exception is logged,
kept in :attr:`PluginManager.failures` and handed to :attr:`PluginManager.keep_failure`
(the application stores it in the database for the admin page, see :mod:`.failures`)
and skipped, while the other plugins and the core carry on.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pluggy
from sqlalchemy import MetaData

from motcua.core.messages import Message
from motcua.core.plugin_manager import discovery
from motcua.core.plugin_manager.certification import NOT_APPLICABLE, CertificateState, Certification
from motcua.core.plugin_manager.discovery import DISABLED, ENABLED, REFUSED, PluginRecord
from motcua_sdk import hookspecs
from motcua_sdk.settings import PluginSettings, SettingError
from motcua_sdk.types import ProcedureSpec, Report, SampleDossier
from motcua_sdk.versioning import MOTCUA_API_VERSION, api_range_issue, api_range_notice

log = logging.getLogger(__name__)
MAX_FAILURES = 200


@dataclass(frozen=True)
class HookFailure:
    """One exception raised inside a plugin's hook or signal receiver."""

    plugin: str
    hook: str
    message: str
    at: datetime


class PluginManager:
    """The plugins of one application: their records, their hooks, their failures.

    ``enabled`` names the plugins to run (``None``: every installed plugin), from the
    ``MOTCUA_PLUGINS`` setting.
    """

    def __init__(self, enabled: Iterable[str] | None = None,
                 units: dict[str, tuple[str, ...]] | None = None, *,
                 certification: Certification | None = None,
                 require_certified: bool = False,
                 setting_sources: Sequence[tuple[str, Mapping[str, Any]]] | None = None
                 ) -> None:
        self.enabled_names = None if enabled is None else tuple(enabled)
        # Where plugins' settings are read (see motcua_sdk.settings): the application's
        # configuration, then the environment.
        self.setting_sources = list(setting_sources if setting_sources is not None
                                    else [("environment", os.environ)])
        self.unit_scopes = dict(units or {})
        self.certification = certification
        self.require_certified = require_certified
        self.records: dict[str, PluginRecord] = {}
        self.failures: deque[HookFailure] = deque(maxlen=MAX_FAILURES)
        # Where failures are kept beyond this process (set by the application).
        self.keep_failure: Callable[[HookFailure], None] | None = None
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._procedures: dict[str, tuple[str, ProcedureSpec]] | None = None
        self._raised = 0  # exceptions raised by hook implementations so far

    # ------------------------------------------------------------------ loading

    def load_installed(self) -> None:
        """Discover plugins in the ``motcua.plugins`` group, import and register the
        enabled ones; every problem ends up as a refused record with its reason. With
        ``require_certified`` a plugin without a valid certificate is refused before any
        of its code is imported."""
        wanted: list[str] = []
        for ep in discovery.installed_entry_points():
            if ep.name in self.records:
                self.records[f"{ep.name} ({ep.value})"] = discovery.describe(
                    ep, REFUSED, Message("another plugin is already installed as %(name)s",
                                         name=repr(ep.name)))
                continue
            record = discovery.describe(ep, DISABLED)
            record.certificate = self._certificate(record)
            if self.enabled_names is not None and ep.name not in self.enabled_names:
                record.reason = Message("not listed in %(setting)s", setting="MOTCUA_PLUGINS")
                self.records[ep.name] = record
                continue
            problem = discovery.name_problem(ep.name) or discovery.purity_problem(ep.module)
            if not problem and self.require_certified and not record.certificate.valid:
                problem = Message("not certified: %(certificate)s",
                                  certificate=record.certificate.summary())
            if problem:
                self._refuse(record, problem)
                continue
            self.records[ep.name] = record
            wanted.append(ep.name)
        loaded, failures = discovery.load(wanted)
        for name in wanted:
            record = self.records[name]
            if name in failures or name not in loaded:
                self._refuse(record, failures.get(name, Message("could not be loaded")))
                continue
            self._admit(record, loaded[name])
        for name in self.enabled_names or ():
            if name not in self.records:
                self._refuse(PluginRecord(name=name, state=REFUSED), Message(
                    "listed in %(setting)s but not installed", setting="MOTCUA_PLUGINS"))

    def register(self, plugin: Any, name: str, *, distribution: str | None = None,
                 version: str | None = None) -> PluginRecord:
        """Register a plugin object directly (tests, embedded use), with the same checks
        as an installed one except the source check; returns its record."""
        record = PluginRecord(name=name, state=DISABLED, distribution=distribution,
                              version=version, module_name=getattr(plugin, "__name__", None)
                              or type(plugin).__module__,
                              certificate=CertificateState(
                                  NOT_APPLICABLE, Message("registered in-process, not installed")))
        if name in self.records and self.records[name].enabled:
            return self._refuse(PluginRecord(name=name, state=REFUSED),
                                Message("another plugin is already registered as %(name)s",
                                        name=repr(name)))
        problem = discovery.name_problem(name)
        if not problem and self.require_certified:
            problem = Message("not certified: a plugin registered in-process cannot be; "
                              "install it as a distribution and run the conformance suite")
        if problem:
            return self._refuse(record, problem)
        return self._admit(record, plugin)

    def _certificate(self, record: PluginRecord) -> CertificateState:
        if self.certification is None:
            return CertificateState(NOT_APPLICABLE, Message("no certificates folder configured"))
        return self.certification.check(name=record.name, module_name=record.module_name,
                                        distribution=record.distribution,
                                        version=record.version)

    def _admit(self, record: PluginRecord, plugin: Any) -> PluginRecord:
        record.plugin = plugin
        record.api_range = getattr(plugin, "MOTCUA_API", None)
        record.display_names = discovery.display_names(plugin)
        self.records[record.name] = record
        issue = api_range_issue(record.api_range, MOTCUA_API_VERSION)
        if issue:
            return self._refuse(record, Message(issue[0], **issue[1]))
        problem = self._settings_problem(record, plugin)
        if problem:
            return self._refuse(record, problem)
        record.unit_functions, problem = discovery.unit_functions(plugin)
        if problem is not None:
            return self._refuse(record, problem)
        try:
            self._pm.register(plugin, name=record.name)
        except (pluggy.PluginValidationError, ValueError) as error:
            return self._refuse(record, Message("its hooks do not match the SDK: %(error)s",
                                                error=error))
        problem = self._hook_problem(record.name)
        if problem:
            self._pm.unregister(name=record.name)
            return self._refuse(record, problem)
        record.state, record.reason = ENABLED, None
        notice = api_range_notice(record.api_range, MOTCUA_API_VERSION)
        record.notice = Message(notice[0], **notice[1]) if notice else None
        if record.notice is not None:
            log.warning("plugin %s: %s", record.name, record.notice)
        record.units = tuple(self.unit_scopes.get(record.name, ()))
        self._procedures = None
        log.info("plugin %s %s enabled", record.name, record.version or "")
        return record

    def _settings_problem(self, record: PluginRecord, plugin: Any) -> Message | None:
        """Read and check the plugin's declared settings (``MOTCUA_SETTINGS``) into
        ``record.settings``; a bad value refuses the plugin, naming the key and the
        expected type."""
        declared = getattr(plugin, "MOTCUA_SETTINGS", None)
        if declared is None:
            record.settings = {}
            return None
        if not isinstance(declared, PluginSettings):
            return Message("MOTCUA_SETTINGS must be a motcua_sdk.settings.PluginSettings, "
                           "not %(declared)s", declared=type(declared).__name__)
        if declared.plugin != record.name:
            # Its keys would be another plugin's (MOTCUA_<OTHER>_...): refuse rather than
            # read settings the deployment meant for someone else.
            return Message("MOTCUA_SETTINGS names plugin %(declared)s but it runs as "
                           "%(name)s: its keys must start with %(prefix)s",
                           declared=declared.plugin, name=record.name,
                           prefix=f"MOTCUA_{record.name.upper()}_")
        try:
            record.settings = declared.resolve(self.setting_sources)
        except SettingError as error:
            return Message("its setting %(key)s is invalid: %(problem)s", key=error.key,
                           problem=error.problem)
        for value in record.settings.values():
            if value.notice:
                log.warning("plugin %s: %s", record.name, value.notice)
        return None

    def _hook_problem(self, name: str) -> Message | None:
        """Unknown ``motcua_*`` hooks and wrappers (the core calls each hook function on
        its own to isolate failures, so wrappers cannot work) refuse the plugin."""
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as error:
            return Message("it implements a hook the SDK does not define: %(error)s",
                           error=error)
        for caller in self._pm.get_hookcallers(self._pm.get_plugin(name)) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin_name == name and (impl.hookwrapper or impl.wrapper):
                    return Message("%(hook)s is a wrapper; plugins implement plain hooks",
                                   hook=caller.name)
        return None

    def _refuse(self, record: PluginRecord, reason: Message | str) -> PluginRecord:
        record.state, record.reason = REFUSED, reason
        self.records[record.name] = record
        log.error("plugin %s refused: %s", record.name, reason)
        return record

    def disable(self, name: str, reason: str) -> None:
        """Take an enabled plugin out (e.g. its blueprint could not be registered)."""
        if self._pm.get_plugin(name) is not None:
            self._pm.unregister(name=name)
        self._procedures = None
        self._refuse(self.records[name], reason)

    # ------------------------------------------------------------------ queries

    def enabled(self) -> list[PluginRecord]:
        """Records of the plugins that run, in loading order."""
        return [record for record in self.records.values() if record.enabled]

    def is_enabled(self, name: str | None) -> bool:
        record = self.records.get(name or "")
        return bool(record and record.enabled)

    def works_at(self, name: str, unit: Any) -> bool:
        """True if enabled plugin ``name`` is used at ``unit`` (a core Unit): it has no
        unit limits, or the unit lies in the subtree of one of its units."""
        record = self.records.get(name)
        if record is None or not record.enabled:
            return False
        if not record.units:
            return True
        while unit is not None:
            if unit.code in record.units:
                return True
            unit = unit.parent
        return False

    def title(self, name: str) -> str:
        """What the pages call plugin ``name`` (see :meth:`PluginRecord.title`)."""
        record = self.records.get(name)
        return record.title() if record else name

    def owner_of_module(self, module: str | None) -> PluginRecord | None:
        """The plugin whose package ``module`` belongs to (by top-level package)."""
        if not module:
            return None
        top = module.split(".")[0]
        for record in self.records.values():
            if record.module_name and record.module_name.split(".")[0] == top:
                return record
        return None

    # ------------------------------------------------------------------ calling hooks

    def report_failure(self, plugin: str, hook: str, error: BaseException) -> None:
        """Log ``error`` raised by ``plugin`` in ``hook`` and keep it for the admin page
        (in memory and through :attr:`keep_failure`)."""
        log.error("plugin %s failed in %s", plugin, hook, exc_info=error)
        failure = HookFailure(plugin=plugin, hook=hook,
                              message=f"{type(error).__name__}: {error}",
                              at=datetime.now(UTC))
        self.failures.append(failure)
        if self.keep_failure is not None:
            try:
                self.keep_failure(failure)
            except Exception:  # noqa: BLE001 - keeping a failure must not cause another
                log.exception("could not keep the failure of plugin %s", plugin)

    def call_each(self, hook_name: str, *, only: str | None = None, **kwargs: Any
                  ) -> list[tuple[str, Any]]:
        """``[(plugin name, answer)]`` of every enabled plugin implementing ``hook_name``
        (only plugin ``only`` if given), in loading order; ``None`` answers and failing
        implementations (reported) are left out."""
        answers = []
        for impl in getattr(self._pm.hook, hook_name).get_hookimpls():
            if only is not None and impl.plugin_name != only:
                continue
            try:
                answer = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as error:  # noqa: BLE001 - isolate plugins, see module doc
                self._raised += 1
                self.report_failure(impl.plugin_name, hook_name, error)
                continue
            if answer is not None:
                answers.append((impl.plugin_name, answer))
        return answers

    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Like :meth:`call_each` for hooks answering lists: ``[(plugin, item)]``."""
        items = []
        for name, answer in self.call_each(hook_name, **kwargs):
            if isinstance(answer, list | tuple):
                items += [(name, item) for item in answer]
            else:
                self.report_failure(name, hook_name, TypeError(
                    f"{hook_name} must return a list, not {type(answer).__name__}"))
        return items

    def implements(self, name: str, hook_name: str) -> bool:
        """True if enabled plugin ``name`` implements ``hook_name``."""
        return any(impl.plugin_name == name
                   for impl in getattr(self._pm.hook, hook_name).get_hookimpls())

    # ------------------------------------------------------------------ contributions

    def procedures(self) -> dict[str, tuple[str, ProcedureSpec]]:
        """``{procedure code: (plugin name, spec)}`` of every enabled plugin (cached; a
        code claimed twice stays with the first plugin, the second is reported). An
        answer in which a plugin's hook raised is not cached: a one-off failure must not
        hide that plugin's procedures for the life of the process."""
        if self._procedures is None:
            raised_before = self._raised
            found: dict[str, tuple[str, ProcedureSpec]] = {}
            for name, spec in self.collect("motcua_procedures"):
                if not isinstance(spec, ProcedureSpec):
                    self.report_failure(name, "motcua_procedures", TypeError(
                        f"expected ProcedureSpec, got {type(spec).__name__}"))
                elif spec.code in found:
                    self.report_failure(name, "motcua_procedures", ValueError(
                        f"procedure {spec.code} is already handled by {found[spec.code][0]}"))
                else:
                    found[spec.code] = (name, spec)
            if self._raised != raised_before:
                return found
            self._procedures = found
        return self._procedures

    def procedure_spec(self, code: str) -> ProcedureSpec | None:
        """The spec of procedure ``code`` if an enabled plugin handles it."""
        entry = self.procedures().get(code)
        return entry[1] if entry else None

    def _typed(self, hook_name: str, kind: type, **kwargs: Any) -> list[tuple[str, Any]]:
        """Items of a collecting hook that are ``kind``; others are reported and dropped."""
        items = []
        for name, item in self.collect(hook_name, **kwargs):
            if isinstance(item, kind):
                items.append((name, item))
            else:
                self.report_failure(name, hook_name, TypeError(
                    f"expected {kind.__name__}, got {type(item).__name__}"))
        return items

    def reports(self) -> list[tuple[str, Report]]:
        """``[(plugin name, Report)]`` of the enabled plugins."""
        return self._typed("motcua_reports", Report)

    def sample_dossiers(self) -> list[tuple[str, SampleDossier]]:
        """``[(plugin name, SampleDossier)]`` for the conformance suite."""
        return self._typed("motcua_sample_dossiers", SampleDossier)

    def models(self) -> list[tuple[str, MetaData]]:
        """``[(plugin name, MetaData)]``: the plugins' own tables."""
        return [(name, answer) for name, answer in self.call_each("motcua_models")
                if isinstance(answer, MetaData)]

    def unit_functions(self) -> dict[str, str]:
        """``{function: unit name}`` the enabled plugins declare their workflows need
        (``MOTCUA_UNIT_FUNCTIONS``); the first plugin naming a function names its unit."""
        found: dict[str, str] = {}
        for record in self.enabled():
            for function, name in record.unit_functions.items():
                found.setdefault(function, name)
        return found

    def version_locations(self) -> list[str]:
        """The Alembic version folders of the enabled plugins."""
        folders = []
        for name, answer in self.call_each("motcua_migrations"):
            folder = Path(answer)
            if folder.is_dir():
                folders.append(str(folder))
            else:
                self.report_failure(name, "motcua_migrations",
                                    FileNotFoundError(f"no migration folder at {folder}"))
        return folders

    def handler_of(self, procedure_code: str, handler_plugin: str | None) -> str | None:
        """The enabled plugin handling a procedure: the one the catalogue names (set by
        ``motcua plugins sync-catalogue``), if it is enabled and still declares it."""
        entry = self.procedures().get(procedure_code)
        if handler_plugin and entry and entry[0] == handler_plugin:
            return handler_plugin
        return None
