"""Plugin contributions to sync payloads (what a specialty adds to the hub read model).

A plugin registers a function ``contribute(dossier) -> dict | None`` under its name; the
hub stores each plugin's dict in ``hub_dossiers.plugin_data[name]``. The plugin manager
calls :func:`register` for every enabled plugin that implements the sync hook. A failing
contributor is logged and skipped: a plugin bug must not stop the province's sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from motcua.core.models import Dossier

log = logging.getLogger(__name__)
Contributor = Callable[[Dossier], dict | None]
_contributors: dict[str, Contributor] = {}


def register(name: str, contributor: Contributor) -> None:
    """Let plugin ``name`` add data to every synced entry of a dossier."""
    _contributors[name] = contributor


def unregister(name: str) -> None:
    _contributors.pop(name, None)


def registered() -> bool:
    """True if any plugin contributes (sealing then loads whole dossiers for them)."""
    return bool(_contributors)


def collect(dossier: Dossier) -> dict:
    """Every registered plugin's contribution for ``dossier`` (JSON-ready dicts)."""
    result = {}
    for name, contributor in list(_contributors.items()):
        try:
            data = contributor(dossier)
        except Exception:  # noqa: BLE001 - isolate plugin failures, see module docstring
            log.exception("sync contribution of plugin %s failed for %s", name, dossier.code)
            continue
        if data:
            result[name] = data
    return result
