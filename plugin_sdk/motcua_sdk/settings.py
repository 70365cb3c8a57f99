"""A plugin's settings, declared in one place and checked when the plugin loads.

A plugin lists its settings in a :class:`PluginSettings` and exposes it as the module
attribute ``MOTCUA_SETTINGS``::

    from motcua_sdk.settings import PluginSettings, Setting, between

    SETTINGS = PluginSettings("land_use", [
        Setting("PAGE_SIZE", int, default=50, validator=between(1, 500),
                description="Rows per page of the land register."),
        Setting("ARCHIVE_URL", str, default="", description="The archive's address."),
        Setting("ARCHIVE_TOKEN", str, default="", secret=True,
                description="The token the archive gave us."),
    ])
    MOTCUA_SETTINGS = SETTINGS  # in the plugin module

The deployment sets ``MOTCUA_<PLUGIN>_<NAME>`` (``MOTCUA_LAND_USE_PAGE_SIZE=100``) in the
environment, or as a ``create_app`` keyword (tests). When the plugin loads, every value
is converted to its type and checked by its validator; a bad one refuses the plugin
with a message naming the key and the expected type, shown by ``motcua plugins list``
and on the ICT plugins page with the effective values (secrets masked). The plugin reads
them with ``SETTINGS.get("PAGE_SIZE")``, which answers the value of the running
application.

A setting renamed in a new version lists its former keys in ``old_names``: they are
still read, with a deprecation notice naming the new key.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The types a setting may have, and how a message names each.
TYPE_NAMES = {str: "text", int: "whole number", float: "number",
              bool: "true/false value (true, false, yes, no, 1, 0)",
              list: "comma-separated list"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
MASK = "********"


class SettingError(ValueError):
    """A setting's value is not valid: ``key`` names it, ``problem`` says why."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def between(low: float, high: float) -> Callable[[Any], None]:
    """A validator: the value lies from ``low`` to ``high`` (both included)."""

    def check(value: Any) -> None:
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high}")

    return check


@dataclass(frozen=True)
class Setting:
    """One setting of a plugin.

    ``name`` is upper-case (``PAGE_SIZE``), the key's last part; ``type`` one of
    ``str``, ``int``, ``float``, ``bool`` or ``list`` (comma-separated texts, given as a
    tuple); ``default`` the value when nothing is set; ``validator`` a function raising
    ``ValueError`` (its message says what is expected) for a value of the right type
    that is still wrong; ``secret`` masks the value wherever it is shown;
    ``old_names`` are former full keys still read, with a deprecation notice.
    """

    name: str
    type: type = str
    default: Any = None
    description: str = ""
    validator: Callable[[Any], None] | None = None
    secret: bool = False
    old_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or self.name.upper() != self.name or not self.name.replace(
                "_", "").isalnum():
            raise ValueError(f"a setting's name is upper-case letters, digits and "
                             f"underscores (PAGE_SIZE), not {self.name!r}")
        if self.type not in TYPE_NAMES:
            raise ValueError(f"setting {self.name}: type must be one of "
                             f"{', '.join(t.__name__ for t in TYPE_NAMES)}, not {self.type!r}")
        object.__setattr__(self, "old_names", tuple(self.old_names))

    @property
    def expected(self) -> str:
        """What the messages call the setting's type (``"whole number"``)."""
        return TYPE_NAMES[self.type]

    def convert(self, raw: Any) -> Any:
        """``raw`` (a text from the environment, or a value given in Python) as the
        setting's type; ``ValueError`` saying what is expected if it is not one."""
        if self.type is list:
            if isinstance(raw, list | tuple):
                return tuple(str(item).strip() for item in raw if str(item).strip())
            if isinstance(raw, str):
                return tuple(part.strip() for part in raw.split(",") if part.strip())
        elif self.type is bool:
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
                return raw.strip().lower() in _TRUE
        elif self.type is int:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
                return int(raw.strip())
        elif self.type is float:
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                return float(raw)
            if isinstance(raw, str):
                try:
                    return float(raw.strip().replace(",", "."))
                except ValueError:
                    pass
        elif isinstance(raw, str):
            return raw.strip()
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            return str(raw)
        raise ValueError(f"must be a {self.expected}, not {raw!r}")


@dataclass(frozen=True)
class SettingValue:
    """A setting's effective value in one application, and where it came from:
    ``source`` is ``"default"``, or the key it was read from (``key`` or an old name)
    followed by ``"(configuration)"`` or ``"(environment)"``."""

    key: str
    value: Any
    source: str
    description: str = ""
    secret: bool = False
    notice: str | None = None  # e.g. that an old key was used

    @property
    def shown(self) -> str:
        """The value as pages and commands print it (a set secret is masked)."""
        if self.secret and self.value not in (None, "", ()):
            return MASK
        if isinstance(self.value, tuple):
            return ", ".join(self.value)
        return "" if self.value is None else str(self.value)


@dataclass(frozen=True)
class PluginSettings:
    """Every setting of plugin ``plugin`` (its entry-point name), keyed
    ``MOTCUA_<PLUGIN>_<NAME>``. Expose it as the plugin module's ``MOTCUA_SETTINGS``."""

    plugin: str
    settings: Sequence[Setting] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", tuple(self.settings))
        names = [setting.name for setting in self.settings]
        if len(set(names)) != len(names):
            raise ValueError(f"plugin {self.plugin}: a setting is declared twice")

    def key(self, name: str) -> str:
        """The configuration key of setting ``name``: ``MOTCUA_<PLUGIN>_<NAME>``."""
        return f"MOTCUA_{self.plugin.upper()}_{name}"

    def setting(self, name: str) -> Setting:
        """The declaration of setting ``name`` (``KeyError`` naming the known ones)."""
        for setting in self.settings:
            if setting.name == name:
                return setting
        raise KeyError(f"plugin {self.plugin} declares no setting {name!r}; it declares "
                       f"{', '.join(s.name for s in self.settings) or 'none'}")

    def resolve(self, sources: Iterable[tuple[str, Mapping[str, Any]]]
                ) -> dict[str, SettingValue]:
        """``{name: SettingValue}`` read from ``sources`` (``(label, mapping)`` pairs,
        the first holding a key wins; the core passes the application's configuration,
        then the environment), converted and validated. Raises :class:`SettingError`
        naming the key and what it expects for the first bad value."""
        sources = [(label, mapping) for label, mapping in sources]
        values = {}
        for setting in self.settings:
            key = self.key(setting.name)
            found = _lookup(sources, (key, *setting.old_names))
            if found is None:
                values[setting.name] = SettingValue(key, setting.default, "default",
                                                    setting.description, setting.secret)
                continue
            used, label, raw = found
            try:
                value = setting.convert(raw)
                if setting.validator is not None:
                    setting.validator(value)
            except ValueError as error:
                raise SettingError(used, f"{error} (expected: {setting.expected})") from None
            notice = (f"{used} is deprecated: set {key} instead" if used != key else None)
            values[setting.name] = SettingValue(key, value, f"{used} ({label})",
                                                setting.description, setting.secret, notice)
        return values

    def get(self, name: str) -> Any:
        """The effective value of setting ``name`` in the running application (the one
        checked when the plugin loaded). Where no application runs the plugin (a hook
        called by the conformance suite's contract check, a script), the value comes
        from the environment alone, checked the same way."""
        self.setting(name)  # a typo is a KeyError, never a silent default
        from motcua_sdk import services

        try:
            return services.plugin_setting(self, name)
        except services.NoApplication:
            return self.from_environment(name)

    def from_environment(self, name: str, environ: Mapping[str, str] | None = None) -> Any:
        """Setting ``name`` read from the environment alone (for code that runs outside
        any application, such as a separate worker); validated like at start-up."""
        return self.resolve([("environment", os.environ if environ is None else environ)]
                            )[name].value


def _lookup(sources: list[tuple[str, Mapping[str, Any]]], keys: tuple[str, ...]
            ) -> tuple[str, str, Any] | None:
    """(key, source label, raw value) of the first of ``keys`` set in a source; a blank
    text counts as not set (an empty environment variable)."""
    for key in keys:
        for label, mapping in sources:
            raw = mapping.get(key)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            return key, label, raw
    return None
