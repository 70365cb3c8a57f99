"""The Vietnamese catalogue: complete, compiled, placeholders intact, and used by default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

import motcua.core
from motcua.core import create_app
from motcua.core.config import load_settings

CATALOGUE = Path(motcua.core.__file__).parent / "translations" / "vi" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _po():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="vi")


def _frozen(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _pairs(catalog) -> dict:
    return {_frozen(message.id): _frozen(message.string) for message in catalog if message.id}


def test_compiled_catalogue_is_up_to_date_with_the_po(tmp_path):
    fresh = tmp_path / "messages.mo"
    with open(fresh, "wb") as handle:
        write_mo(handle, _po())
    with open(fresh, "rb") as handle:
        expected = _pairs(read_mo(handle))
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        committed = _pairs(read_mo(handle))
    stale = {key for key in expected.keys() | committed.keys()
             if expected.get(key) != committed.get(key)}
    assert not stale, f"messages.mo is stale; run pybabel compile -d core/translations: {stale}"


def test_every_message_is_translated_and_none_is_fuzzy():
    catalog = _po()
    assert len(_pairs(catalog)) > 100
    untranslated = [message.id for message in catalog if message.id and (
        not all(message.string) if isinstance(message.string, tuple) else not message.string)]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy


def test_placeholders_match_between_source_and_translation():
    wrong = []
    for message in _po():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        wrong += [(ids[0], text) for text in strings if set(PLACEHOLDER.findall(text)) != wanted]
    assert not wrong, wrong


@pytest.fixture
def default_app(templates, backend, tmp_path):
    """An app configured like a fresh deployment: no MOTCUA_LANGUAGE at all (the suite's
    conftest sets it to English for the other tests)."""
    env = {"MOTCUA_INSTANCE_PATH": str(tmp_path / "instance"),
           "MOTCUA_DATABASE_URL": templates(backend).fresh_url(tmp_path)}
    app = create_app(load_settings(env, TESTING=True))
    yield app
    app.extensions["motcua.db"].dispose()


def test_login_page_is_vietnamese_by_default_and_english_on_request(default_app):
    client = default_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Tên đăng nhập" in page and "Mật khẩu" in page
    assert "Username" not in page

    english = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Username" in english and "Tên đăng nhập" not in english

    # The switch link keeps the choice for the rest of the visit.
    assert client.get("/lang/en", headers={"Referer": "http://localhost/login"}).status_code == 302
    assert "Username" in client.get("/login").get_data(as_text=True)
    client.get("/lang/vi")
    assert "Tên đăng nhập" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("unknown", ["fr", "xx"])
def test_unknown_language_falls_back_to_the_default(default_app, unknown):
    client = default_app.test_client()
    assert "Tên đăng nhập" in client.get(f"/login?lang={unknown}").get_data(as_text=True)
    client.get(f"/lang/{unknown}")
    assert "Tên đăng nhập" in client.get("/login").get_data(as_text=True)


def test_every_string_of_the_code_is_in_the_catalogue(tmp_path):
    """A string marked in the code but missing from messages.po would show in English."""
    from babel.messages.frontend import CommandLineInterface

    root = Path(motcua.core.__file__).parent.parent
    template = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "-k", "_l",
        "-k", "lazy_ngettext:1,2", "-o", str(template),
        *(str(root / folder) for folder in ("core", "lookup", "kiosk", "sms"))])
    with open(template, "rb") as handle:
        wanted = {_frozen(message.id) for message in read_po(handle) if message.id}
    missing = wanted - set(_pairs(_po()))
    assert not missing, f"run the workflow in docs/translations.md for: {sorted(map(str, missing))}"
