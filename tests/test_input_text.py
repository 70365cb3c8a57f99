"""Text that passes a loose check but breaks the database, the receipt or the SMS: names
and addresses are stored in NFC and refused with a message when they carry invisible,
control or private characters, emoji or markup; identifiers take only ASCII digits; no value
is longer than its column. The desk form, the REST API and the command line agree, on
SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from motcua.core.cli import main
from motcua.core.errors import ValidationError
from motcua.core.intake import take_in
from motcua.core.models import Account, Attachment, DeskGuidance, Dossier, column_length
from motcua.core.text import UnfitText, clean_line
from tests.factories import PASSWORD, applicant, intake_data
from tests.test_api import attachment, auth, client  # noqa: F401 - fixtures
from tests.test_api import counts as api_counts
from tests.test_desk_web import counts as desk_counts
from tests.test_desk_web import form_data, intake_url
from tests.test_intake import counts, desk, guidance

NAME_NFC = "Nguyễn Thị Ánh Tuyết"
NAME_NFD = unicodedata.normalize("NFD", NAME_NFC)

UNFIT_NAMES = {
    "emoji": "Nguyễn Văn An 😀",
    "skin tone modifier": "Nguyễn Văn An \U0001F44D\U0001F3FD",
    "html": "<b>Nguyễn Văn An</b>",
    "zero-width space": "Nguyễn\u200bVăn An",
    "right-to-left override": "Nguyễn Văn \u202eAn",
    "bell": "Nguyễn\x07Văn An",
    "newline inside": "Nguyễn\nVăn An",
    "private use": "Nguyễn Văn An\ue000",
}
UNFIT_CITIZEN_IDS = {
    "full-width digits": "０７２０９０００１２３４",
    "arabic-indic digits": "٠٧٢٠٩٠٠٠١٢٣٤",
    "trailing newline": "072090001234\n",
    "thirteen digits": "0720900012345",
}
LONG_EMAIL = "a" * 150 + "@example.vn"  # 161 characters, one more than the column


def test_clean_line_normalises_to_nfc_and_refuses_by_unicode_category():
    assert clean_line(f"  {NAME_NFD} ") == NAME_NFC
    for text in UNFIT_NAMES.values():
        with pytest.raises(UnfitText):
            clean_line(text)
    with pytest.raises(UnfitText, match="160"):
        clean_line("x" * 161, max_length=160)
    # Vietnamese punctuation of addresses stays.
    assert clean_line("Số 12/4, đường 30-4 (khu phố 2)") == "Số 12/4, đường 30-4 (khu phố 2)"


def test_limits_come_from_the_columns():
    assert column_length(Dossier.applicant_email) == 160
    assert column_length(Attachment.content_type) == 120
    assert column_length(DeskGuidance.applicant_name) == 160


# --- the service (used by the desk form, the API and the demo) -----------------------------


def test_decomposed_vietnamese_is_stored_composed(app, db, world):
    with app.app_context():
        dossier = take_in(desk(app, db, world), intake_data(world, applicant=applicant(
            name=NAME_NFD, address=unicodedata.normalize("NFD", "Phường Tân Ninh"))))
        db.session.commit()
        assert dossier.applicant_name == NAME_NFC
        assert dossier.applicant_address == "Phường Tân Ninh"


def _refused(app, db, world, data: dict, field: str) -> None:
    with app.app_context():
        before = counts(app, db)
        with pytest.raises(ValidationError) as raised:
            take_in(desk(app, db, world), data)
        assert raised.value.field == field, raised.value.message
        db.session.commit()
        assert counts(app, db) == before


@pytest.mark.parametrize("name", UNFIT_NAMES.values(), ids=UNFIT_NAMES.keys())
def test_unfit_name_is_refused_and_writes_nothing(app, db, world, name):
    _refused(app, db, world, intake_data(world, applicant=applicant(name=name)),
             "applicant.name")


@pytest.mark.parametrize("citizen_id", UNFIT_CITIZEN_IDS.values(), ids=UNFIT_CITIZEN_IDS.keys())
def test_citizen_id_takes_twelve_ascii_digits_only(app, db, world, citizen_id):
    _refused(app, db, world, intake_data(world, applicant=applicant(citizen_id=citizen_id)),
             "applicant.citizen_id")


def test_email_longer_than_its_column_is_refused(app, db, world):
    _refused(app, db, world, intake_data(world, applicant=applicant(email=LONG_EMAIL)),
             "applicant.email")


@pytest.mark.parametrize("name", ["x" * 161, "Nguyễn Văn An 😀"], ids=["too long", "emoji"])
def test_guidance_name_is_checked_like_a_dossier_name(app, db, world, name):
    with app.app_context():
        before = counts(app, db)
        with pytest.raises(ValidationError) as raised:
            guidance(app, db, world, applicant_name=name)
        assert raised.value.field == "applicant.name"
        db.session.commit()
        assert counts(app, db) == before


# --- the desk form -------------------------------------------------------------------------


WEB_CASES = {
    "emoji name": ({"applicant.name": "Nguyễn Văn An 😀"}, "applicant.name",
                   "Hãy xóa ký tự 😀"),
    "zero-width name": ({"applicant.name": "Nguyễn\u200bVăn An"}, "applicant.name",
                        "Hãy xóa ký tự U+200B"),
    "full-width citizen ID": ({"applicant.citizen_id": "０７２０９０００１２３４"},
                              "applicant.citizen_id", "Hãy gõ các chữ số từ 0 đến 9"),
    "email over 160": ({"applicant.email": LONG_EMAIL}, "applicant.email",
                       "Nhập tối đa 160 ký tự."),
    "guidance name over 160": ({"applicant.name": "x" * 161, "action": "guidance",
                                "documents": []}, "applicant.name", "Nhập tối đa 160 ký tự."),
}


@pytest.mark.parametrize("overrides, field, message", WEB_CASES.values(), ids=WEB_CASES.keys())
def test_desk_form_refuses_with_a_message_and_keeps_what_was_typed(desk_client, world, app,
                                                                    overrides, field, message):
    app.config["MOTCUA"].language = "vi"
    before = desk_counts(app)
    data = form_data(world, **overrides)
    response = desk_client.post(intake_url(world), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:2000]
    assert message in page
    typed = data[field]
    assert f'value="{typed}"' in page
    assert desk_counts(app) == before


def test_desk_form_stores_a_decomposed_name_composed(desk_client, world, app):
    response = desk_client.post(intake_url(world), data=form_data(
        world, **{"applicant.name": NAME_NFD}))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    code = response.headers["Location"].split("/dossiers/")[1].split("/")[0]
    with app.app_context():
        session = app.extensions["motcua.db"].session
        assert session.scalar(select(Dossier.applicant_name).where(
            Dossier.code == code)) == NAME_NFC
        app.extensions["motcua.db"].remove()


# --- the REST API --------------------------------------------------------------------------


API_CASES = {
    "emoji name": (lambda w: intake_data(w, applicant=applicant(name="An 😀 Nguyễn")),
                   "applicant.name"),
    "trailing newline in citizen ID": (lambda w: intake_data(w, applicant=applicant(
        citizen_id="072090001234\n")), "applicant.citizen_id"),
    "arabic-indic citizen ID": (lambda w: intake_data(w, applicant=applicant(
        citizen_id="٠٧٢٠٩٠٠٠١٢٣٤")), "applicant.citizen_id"),
    "email over 160": (lambda w: intake_data(w, applicant=applicant(email=LONG_EMAIL)),
                       "applicant.email"),
    "content type over 120": (lambda w: intake_data(w, attachments=[attachment(
        content_type="application/pdf; x=" + "y" * 120)]), "attachments.0.content_type"),
}


@pytest.mark.parametrize("case", API_CASES)
def test_api_refuses_unfit_text_naming_the_field(app, client, world, auth, case):  # noqa: F811
    make, field = API_CASES[case]
    before = api_counts(app)
    response = client.post("/api/v1/dossiers", json=make(world), headers=auth)
    assert response.status_code == 422, response.data
    body = response.get_json()
    assert body["field"] == field and body["error"].startswith(f"{field}: ")
    assert api_counts(app) == before


def test_api_stores_the_media_type_that_was_checked(app, client, world, auth):  # noqa: F811
    response = client.post("/api/v1/dossiers", headers=auth, json=intake_data(
        world, attachments=[attachment(content_type="Application/PDF; name=don.pdf")]))
    assert response.status_code == 201, response.data
    assert response.get_json()["attachments"][0]["content_type"] == "application/pdf"


# --- the command line ----------------------------------------------------------------------


def _create(app, world, name: str, *extra: str):
    return app.test_cli_runner().invoke(main, [
        "user", "create", "tiepnhan2", "--name", name, "--unit", world.district_desk.code,
        "--password", PASSWORD, *extra])


@pytest.mark.parametrize("name, extra, message", [
    ("Trần Thị Bình 😀", (), "full_name: Remove the character"),
    ("Trần\u200bThị Bình", (), "full_name: Remove the character U+200B"),
    ("x" * 161, (), "full_name: Enter at most 160 characters."),
    ("Trần Thị Bình", ("--email", LONG_EMAIL), "email: Enter at most 160 characters."),
], ids=["emoji", "zero-width", "long name", "long email"])
def test_cli_refuses_unfit_text_and_writes_nothing(app, world, name, extra, message):
    result = _create(app, world, name, *extra)
    assert result.exit_code == 1 and message in result.output, result.output
    with app.app_context():
        session = app.extensions["motcua.db"].session
        assert session.scalar(select(Account).where(Account.username == "tiepnhan2")) is None
        app.extensions["motcua.db"].remove()


def test_cli_stores_a_decomposed_name_composed(app, world):
    result = _create(app, world, unicodedata.normalize("NFD", "Trần Thị Bình"))
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = app.extensions["motcua.db"].session
        assert session.scalar(select(Account.full_name).where(
            Account.username == "tiepnhan2")) == "Trần Thị Bình"
        app.extensions["motcua.db"].remove()
