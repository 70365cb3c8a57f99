"""The plugin's own message catalogue (gettext domain ``construction_permit``)."""

from __future__ import annotations

from motcua_sdk.i18n import PluginTranslations

translations = PluginTranslations("motcua_construction_permit", "construction_permit")
_ = translations.gettext
_l = translations.lazy_gettext
