"""Translating a plugin's messages into the page's language.

Two ways, which work together:

- the plugin names a catalogue folder in ``MOTCUA_TRANSLATIONS`` (laid out as the core's,
  domain ``messages``): its entries join the core's catalogue, and :func:`gettext` /
  ``_()`` in its templates find them like the core's own;
- :class:`PluginTranslations` (API 0.2): the plugin's own catalogue in a domain of its own
  (``translations/<lang>/LC_MESSAGES/<domain>.mo`` in its package), so its messages never
  mix with the core's or another plugin's; it follows the core's language switch (the
  VI/EN links, ``?lang=``, ``MOTCUA_LANGUAGE``) and falls back to the core's catalogue
  for a message its own does not translate.

In a request the message is translated into the request's language; outside one (a
command, a test without a request) the English message is returned, with its
``%(name)s`` placeholders filled in.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

from flask import has_request_context


def gettext(message: str, **variables: object) -> str:
    """``message`` translated for the current request, with ``%(name)s`` filled in."""
    if has_request_context():
        try:
            from flask_babel import gettext as translate
        except ImportError:  # a host without translations: English
            pass
        else:
            return translate(message, **variables)
    return message % variables if variables else message


_ = gettext


def _language() -> str | None:
    """The current request's language (None outside a request)."""
    if not has_request_context():
        return None
    try:
        from flask_babel import get_locale
    except ImportError:  # pragma: no cover - the core always has Flask-Babel
        return None
    locale = get_locale()
    return str(locale) if locale is not None else None


class PluginTranslations:
    """A plugin's own message catalogue (gettext domain ``domain``) in its package.

    ``package`` is the plugin's importable package name (its catalogue is the folder
    ``translations`` inside it) or a folder holding the catalogue. Write and compile it
    with Babel's ``pybabel`` like the core's (see ``docs/plugins.md``).

    Example::

        translations = PluginTranslations("motcua_land_use", "land_use")
        _ = translations.gettext
        _l = translations.lazy_gettext

        LABEL = _l("Plot number")            # translated each time it is shown
        flash(_("Plot %(number)s saved.", number=plot))
        translations.init_blueprint(bp)      # the blueprint's templates use it for _()
    """

    def __init__(self, package: str | Path, domain: str = "messages") -> None:
        self.domain = domain
        self.directory = self._folder(package)

    @staticmethod
    def _folder(package: str | Path) -> Path:
        if isinstance(package, Path) or "/" in str(package):
            return Path(package)
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"no installed package {package!r} to hold translations")
        return Path(next(iter(spec.submodule_search_locations))) / "translations"

    @functools.lru_cache(maxsize=16)  # noqa: B019 - one object per plugin, for its life
    def _catalogue(self, language: str) -> Any:
        from babel.support import Translations

        found = Translations.load(str(self.directory), [language], self.domain)
        return found if isinstance(found, Translations) else None  # None: no catalogue

    def _translate(self, language: str | None, message: str, plural: str | None = None,
                   count: int | None = None) -> str | None:
        """The plugin catalogue's translation, or None if it has none."""
        if not language:
            return None
        catalogue = self._catalogue(language)
        if catalogue is None:
            return None
        if plural is None:
            text = catalogue.gettext(message)
            return text if text != message else None
        text = catalogue.ngettext(message, plural, count)
        return text if text not in (message, plural) else None

    def gettext(self, message: str, **variables: object) -> str:
        """``message`` in the current request's language: from the plugin's catalogue,
        else the core's, else English; with ``%(name)s`` filled in."""
        text = self._translate(_language(), message)
        if text is None:
            return gettext(message, **variables)
        return text % variables if variables else text

    _ = gettext

    def ngettext(self, singular: str, plural: str, count: int, **variables: object) -> str:
        """The singular or plural form for ``count`` (``%(num)s`` is ``count``): from the
        plugin's catalogue, else the core's, else English."""
        text = self._translate(_language(), singular, plural, count)
        if text is None and has_request_context():
            try:
                from flask_babel import ngettext as translate
            except ImportError:  # pragma: no cover - the core always has Flask-Babel
                pass
            else:
                return translate(singular, plural, count, **variables)
        if text is None:
            text = singular if count == 1 else plural
        return text % {"num": count, **variables}

    def lazy_gettext(self, message: str, **variables: object) -> Any:
        """A string translated each time it is shown (``str()``, a template): for texts
        made at import time (labels, report headings)."""
        from flask_babel import LazyString

        return LazyString(self.gettext, message, **variables)

    def init_blueprint(self, blueprint: Any) -> None:
        """Make ``_``, ``gettext`` and ``ngettext`` in the templates of ``blueprint``'s
        views use this catalogue (falling back to the core's)."""
        blueprint.context_processor(lambda: {"_": self.gettext, "gettext": self.gettext,
                                             "ngettext": self.ngettext})
