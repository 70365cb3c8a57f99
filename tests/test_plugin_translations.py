"""A plugin's own catalogue (motcua_sdk.i18n.PluginTranslations): its domain, in its
package's translations folder, follows the core's language switch, falls back to the
core's catalogue, translates its templates and lazy labels, and is English outside a
request."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Blueprint, jsonify, render_template_string

from motcua_sdk import hookimpl, services
from motcua_sdk.i18n import PluginTranslations

DOMAIN = "land_use_test"
ENTRIES = {
    "Plot number": "Số thửa đất",
    "Plot %(number)s saved.": "Đã lưu thửa %(number)s.",
    # The core's catalogue says "Ngày hẹn trả"; the plugin's own wording wins for it.
    "Due": "Hạn xử lý thửa đất",
}
PLURAL = ("%(num)s plot", "%(num)s plots", ("%(num)s thửa đất",))


def write_catalogue(folder: Path) -> Path:
    """A compiled Vietnamese catalogue of domain :data:`DOMAIN` under ``folder``."""
    catalog = Catalog(locale="vi", domain=DOMAIN)
    for message, translation in ENTRIES.items():
        catalog.add(message, translation)
    catalog.add(PLURAL[:2], PLURAL[2])
    target = folder / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / f"{DOMAIN}.mo", "wb") as stream:
        write_mo(stream, catalog)
    return folder


HOLDER: dict[str, PluginTranslations] = {}
bp = Blueprint("land_use_test", __name__, url_prefix="/land-use-test")


@bp.get("/")
@services.staff_required()
def texts():
    translations = HOLDER["t"]
    _ = translations.gettext
    return jsonify(label=_("Plot number"), saved=_("Plot %(number)s saved.", number="12"),
                   core=_("Dossier"), own_word=_("Due"), missing=_("Not in any catalogue"),
                   plural=translations.ngettext("%(num)s plot", "%(num)s plots", 3),
                   lazy=str(HOLDER["lazy"]))


@bp.get("/page")
@services.staff_required()
def page():
    return render_template_string('<p data-label>{{ _("Plot number") }}</p>'
                                  '<p data-core>{{ _("Dossier") }}</p>')


class LandUsePlugin:
    MOTCUA_API = ">=0.1,<0.3"

    @hookimpl
    def motcua_blueprints(self):
        return [bp]


@pytest.fixture(scope="module")
def translations(tmp_path_factory) -> PluginTranslations:
    """The plugin's catalogue, made once: the blueprint takes it before it is registered."""
    made = PluginTranslations(write_catalogue(tmp_path_factory.mktemp("tr")), DOMAIN)
    made.init_blueprint(bp)
    HOLDER.update(t=made, lazy=made.lazy_gettext("Plot number"))
    return made


@pytest.fixture
def motcua_extra_plugins(translations):
    return [("land_use_test", LandUsePlugin())]


def test_the_plugins_catalogue_follows_the_language_of_the_page(motcua_clients):
    client = motcua_clients.specialist
    vi = client.get("/land-use-test/?lang=vi").get_json()
    assert vi == {"label": "Số thửa đất", "saved": "Đã lưu thửa 12.", "core": "Hồ sơ",
                  "own_word": "Hạn xử lý thửa đất", "missing": "Not in any catalogue",
                  "plural": "3 thửa đất", "lazy": "Số thửa đất"}
    en = client.get("/land-use-test/?lang=en").get_json()
    assert en == {"label": "Plot number", "saved": "Plot 12 saved.", "core": "Dossier",
                  "own_word": "Due", "missing": "Not in any catalogue",
                  "plural": "3 plots", "lazy": "Plot number"}
    # The header's language switch is kept in the session.
    client.get("/lang/vi")
    assert client.get("/land-use-test/").get_json()["label"] == "Số thửa đất"
    client.get("/lang/en")
    assert client.get("/land-use-test/").get_json()["label"] == "Plot number"


def test_the_blueprints_templates_use_it(motcua_clients):
    page = motcua_clients.specialist.get("/land-use-test/page?lang=vi").get_data(as_text=True)
    assert '<p data-label>Số thửa đất</p>' in page and "<p data-core>Hồ sơ</p>" in page


def test_outside_a_request_it_is_english(motcua_app):
    translations = HOLDER["t"]
    with motcua_app.app_context():
        assert translations.gettext("Plot %(number)s saved.", number="7") == "Plot 7 saved."
        assert translations.ngettext("%(num)s plot", "%(num)s plots", 1) == "1 plot"


def test_a_package_name_finds_its_translations_folder():
    found = PluginTranslations("motcua_business_registration", "messages")
    assert found.directory.name == "translations"
    assert (found.directory / "vi" / "LC_MESSAGES" / "messages.mo").is_file()
    with pytest.raises(ValueError, match="no installed package"):
        PluginTranslations("motcua_no_such_plugin")
