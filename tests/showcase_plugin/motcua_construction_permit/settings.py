"""The plugin's settings (keys ``MOTCUA_CONSTRUCTION_PERMIT_<NAME>``)."""

from __future__ import annotations

from motcua_sdk.settings import PluginSettings, Setting, between

SETTINGS = PluginSettings("construction_permit", [
    # Decree 15/2021 lets the permit fix when building must start; provinces choose it.
    Setting("VALID_MONTHS", int, default=12, validator=between(1, 36),
            description="Months a permit stays valid for the work to start."),
])
