"""The plugin's settings (``motcua_sdk.settings``), each read from
``MOTCUA_BUSINESS_REGISTRATION_<NAME>`` and checked when the plugin loads.

- ``REGISTER_PAGE_SIZE``: how many households the register page lists at most (the
  newest first; a search narrows it), from 10 to 500, 50 by default.
"""

from __future__ import annotations

from motcua_sdk.settings import PluginSettings, Setting, between

SETTINGS = PluginSettings("business_registration", [
    Setting("REGISTER_PAGE_SIZE", int, default=50, validator=between(10, 500),
            description="Households the register page lists at most (newest first)."),
])
