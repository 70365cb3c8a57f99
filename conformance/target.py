"""The plugin under test: an installed distribution found by its entry-point name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from motcua.core.errors import NotFound
from motcua.core.plugin_manager import discovery, purity


@dataclass(frozen=True)
class Target:
    """An installed plugin: its entry point, distribution and source folder."""

    name: str
    entry_point: str  # "module:object" or "module"
    module_name: str
    distribution: str | None
    version: str | None
    root: Path | None  # the folder (or file) of its top-level package

    @property
    def label(self) -> str:
        return f"{self.name} {self.version or ''}".strip()


def find_target(name: str) -> Target:
    """The installed plugin ``name`` (``NotFound`` naming the installed ones if absent)."""
    found = [ep for ep in discovery.installed_entry_points() if ep.name == name]
    if not found:
        installed = ", ".join(ep.name for ep in discovery.installed_entry_points()) or "none"
        raise NotFound(f"No plugin named {name!r} is installed (entry-point group "
                       f"{discovery.ENTRY_POINT_GROUP}); installed: {installed}.")
    record = discovery.describe(found[0], discovery.DISABLED)
    try:
        root = purity.module_source_root(found[0].module)
    except (ImportError, ValueError):
        root = None
    return Target(name=name, entry_point=found[0].value, module_name=found[0].module,
                  distribution=record.distribution, version=record.version, root=root)
