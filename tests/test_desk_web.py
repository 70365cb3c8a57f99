"""The reception desk pages through the real HTTP client, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from motcua.core.attachments import path_for
from motcua.core.intake import load_calendar
from motcua.core.models import (
    Attachment,
    DeskGuidance,
    Dossier,
    DossierEvent,
    OutboxEntry,
    ProcedureDocument,
)
from motcua.core.timeutil import from_local, local, now
from tests.conftest import login
from tests.factories import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COUNTED = (Dossier, DossierEvent, OutboxEntry, Attachment, DeskGuidance)


def counts(app) -> dict[str, int]:
    with app.app_context():
        session = app.extensions["motcua.db"].session
        result = {model.__name__: session.scalar(select(func.count()).select_from(model))
                  for model in COUNTED}
        app.extensions["motcua.db"].remove()
        return result


def form_data(world, **overrides) -> dict:
    """What the desk officer types into the intake form for a complete dossier."""
    data = {
        "unit_code": world.district_desk.code,
        "applicant.name": "Nguyễn Văn An",
        "applicant.citizen_id": "072090001234",
        "applicant.phone": "0912 345 678",
        "applicant.email": "an@example.vn",
        "applicant.address": "12 đường 30/4, phường Tân Ninh, Tây Ninh",
        "sms_consent": "on",
        "documents": [str(d.id) for d in world.household_business.documents if d.required],
        "action": "receive",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def intake_url(world, **query) -> str:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/intake/{world.household_business.code}{suffix}"


def receive(client, world, **overrides) -> str:
    """Take in a dossier through the form; return its code."""
    response = client.post(intake_url(world), data=form_data(world, **overrides),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.endswith("/receipt")
    return location.split("/dossiers/")[1].split("/")[0]


def load_dossier(app, code: str) -> Dossier:
    with app.app_context():
        session = app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        dossier.events  # noqa: B018 - load before the session goes
        app.extensions["motcua.db"].remove()
        return dossier


# --- access and search ---------------------------------------------------------------


def test_desk_home_requires_login(app, world):
    response = app.test_client().get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("who", "landing"), [("reception", "/"), ("specialist", "/department/"),
                                              ("leader", "/department/"),
                                              ("ict_admin", "/ict/sync/")])
def test_each_officer_lands_on_their_own_work_after_login(app, world, who, landing):
    response = app.test_client().post(
        "/login", data={"username": world.accounts[who].username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == landing


def test_login_keeps_a_local_next_page_but_not_a_foreign_one(app, world):
    username = world.accounts["specialist"].username
    local = app.test_client().post("/login?next=/department/notices",
                                   data={"username": username, "password": PASSWORD})
    assert local.headers["Location"] == "/department/notices"
    foreign = app.test_client().post("/login?next=https://evil.example/",
                                     data={"username": username, "password": PASSWORD})
    assert foreign.headers["Location"] == "/department/"


def test_desk_home_refuses_an_account_without_the_reception_role(app, world):
    client = login(app.test_client(), world.accounts["specialist"].username)
    response = client.get("/")
    assert response.status_code == 403
    assert "does not have this role" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["dang ky ho kinh doanh", "Đăng ký thành lập hộ kinh doanh",
                                   "HO KINH DOANH", "1.001612"])
def test_search_finds_the_procedure_with_or_without_diacritics(desk_client, world, query):
    response = desk_client.get("/", query_string={"q": query})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đăng ký thành lập hộ kinh doanh" in page
    assert f"/intake/{world.household_business.code}" in page


def test_search_only_lists_procedures_of_the_officers_units(desk_client, world):
    # Birth registration is received by the commune, not by the district desk.
    response = desk_client.get("/", query_string={"q": "dang ky khai sinh"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Thủ tục đăng ký khai sinh" not in page
    assert f"/intake/{world.birth_registration.code}" not in page


def test_scanned_dossier_code_opens_the_dossier(desk_client, world):
    code = receive(desk_client, world)
    # A scanner may add stray whitespace; a person may type lower case.
    response = desk_client.get("/", query_string={"q": f"  {code.lower()}\t"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dossiers/{code}")


def test_unknown_dossier_code_says_so(desk_client, world):
    response = desk_client.get("/", query_string={"q": "H72.01.01-260101-9999"})
    assert response.status_code == 404
    assert "No dossier with code H72.01.01-260101-9999" in response.get_data(as_text=True)


def test_home_lists_todays_dossiers_of_the_unit(desk_client, world, app):
    code = receive(desk_client, world)
    page = desk_client.get("/").get_data(as_text=True)
    assert code in page
    assert "Nguyễn Văn An" in page
    other = login(app.test_client(), world.accounts["other_reception"].username)
    assert code not in other.get("/").get_data(as_text=True)


# --- intake --------------------------------------------------------------------------


def test_intake_form_shows_checklist_and_appointment(desk_client, world, app):
    response = desk_client.get(intake_url(world))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for document in world.household_business.documents:
        assert document.name in page
    assert page.count('name="documents"') == len(world.household_business.documents)
    # Each line's form and quantity, preset from the procedure's list.
    for document in world.household_business.documents:
        assert f'<option value="{document.copy_kind}" selected>' in page
        assert f'name="quantity_{document.id}" min="1" max="99"' in page
    with app.app_context():
        session = app.extensions["motcua.db"].session
        due = load_calendar(session).due_at(now(), world.household_business.processing_days)
    assert local(due).strftime("%d/%m/%Y") in page


def test_receiving_a_dossier_writes_one_dossier_event_and_outbox_row(desk_client, world, app):
    before = counts(app)
    code = receive(desk_client, world)
    after = counts(app)
    assert after["Dossier"] == before["Dossier"] + 1
    assert after["DossierEvent"] == before["DossierEvent"] + 1
    assert after["OutboxEntry"] == before["OutboxEntry"] + 1
    dossier = load_dossier(app, code)
    assert dossier.status == "received"
    assert dossier.applicant_phone == "0912345678"
    assert dossier.sms_consent is True
    assert [event.kind for event in dossier.events] == ["received"]


def test_receipt_of_a_consent_without_phone_never_prints_none(desk_client, world, app):
    """Dossiers from before intake refused consent without a phone (or synced ones)."""
    code = receive(desk_client, world)
    with app.app_context():
        db = app.extensions["motcua.db"]
        dossier = db.session.scalars(select(Dossier).where(Dossier.code == code)).one()
        dossier.applicant_phone = None
        db.session.commit()
    page = desk_client.get(f"/dossiers/{code}/receipt").get_data(as_text=True)
    assert "None" not in page
    assert "tin nhắn đến số" not in page
    assert "tin nhắn đến số 0912345678" in desk_client.get(
        f"/dossiers/{receive(desk_client, world)}/receipt").get_data(as_text=True)


def test_receipt_shows_code_barcode_qr_and_appointment(desk_client, world, app):
    code = receive(desk_client, world)
    response = desk_client.get(f"/dossiers/{code}/receipt")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in page
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
    assert 'class="barcode"' in page and f'aria-label="{code}"' in page
    assert f"/tra-cuu/{code}" in page and 'class="qrcode"' in page
    assert 'id="print-button" data-print' in page
    dossier = load_dossier(app, code)
    assert local(dossier.due_at).strftime("%H giờ %M phút, ngày %d/%m/%Y") in page
    assert "Nguyễn Thị Lễ Tân" in page  # the receiving officer


def test_form_and_quantity_set_at_the_desk_reach_receipt_page_and_api(desk_client, world):
    second = world.household_business.documents[1]
    code = receive(desk_client, world, **{f"copy_kind_{second.id}": "certified_copy",
                                          f"quantity_{second.id}": "3"})
    receipt = desk_client.get(f"/dossiers/{code}/receipt").get_data(as_text=True)
    # The receipt's column is the form of the document, with the real value per line.
    assert "<th class=\"kind\">Hình thức</th>" in receipt and "Mẫu đơn, tờ khai" not in receipt
    assert ('<td class="kind" data-copy-kind="certified_copy">Bản sao chứng thực</td>'
            '<td class="number" data-quantity>03</td>') in receipt
    page = desk_client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "<td>Certified copy</td>\n        <td>3</td>" in page
    lines = desk_client.get(f"/api/v1/dossiers/{code}").get_json()["documents"]
    assert [(line["copy_kind"], line["quantity"]) for line in lines] == [
        ("original", 1), ("certified_copy", 3), ("original", 1)]


def test_the_form_column_is_hinh_thuc_in_vietnamese_not_the_blank_form(desk_client, world,
                                                                       app):
    app.config["MOTCUA"].language = "vi"
    second = world.household_business.documents[1]
    code = receive(desk_client, world, **{f"copy_kind_{second.id}": "certified_copy"})
    page = desk_client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "<th>Hình thức</th><th>Số lượng</th>" in page
    assert "Mẫu đơn, tờ khai" not in page and "<td>Bản sao chứng thực</td>" in page
    form = desk_client.get(intake_url(world)).get_data(as_text=True)
    assert "<label>Hình thức" in form


def test_dossier_page_leads_to_its_processing_page(desk_client, world):
    code = receive(desk_client, world)
    page = desk_client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert f'href="/department/dossiers/{code}"' in page
    work = desk_client.get(f"/department/dossiers/{code}")
    assert work.status_code == 200 and code in work.get_data(as_text=True)


def test_attachment_is_stored_and_downloaded(desk_client, world, app):
    document = world.household_business.documents[0]
    code = receive(desk_client, world, **{
        f"file_{document.id}": (io.BytesIO(PDF), "don-de-nghi.pdf", "application/pdf"),
    })
    page = desk_client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "don-de-nghi.pdf" in page
    with app.app_context():
        attachment = app.extensions["motcua.db"].session.scalar(select(Attachment))
        attachment_id, digest = attachment.id, attachment.sha256
    response = desk_client.get(f"/dossiers/{code}/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    # A file changed on disk is refused rather than served.
    path_for(app.config["MOTCUA"].attachments_path, digest).write_bytes(PDF + b"tampered")
    damaged = desk_client.get(f"/dossiers/{code}/attachments/{attachment_id}")
    assert damaged.status_code == 500
    assert "damaged" in damaged.get_data(as_text=True)


BAD_INPUTS = {
    "invalid citizen ID": (
        {"applicant.citizen_id": "07209000123"}, "Citizen ID (CCCD) must be exactly 12 digits"),
    "missing name": ({"applicant.name": "  "}, "This field is required."),
    "missing address": ({"applicant.address": None}, "This field is required."),
    "bad phone": ({"applicant.phone": "12345"}, "Phone number must be a Vietnamese number"),
    "missing required document": ({"documents": []}, "The dossier is incomplete, missing"),
    "back-entry field without back-entry mode is ignored, bad email is not": (
        {"applicant.email": "not-an-email"}, "Enter a valid email address"),
    "too long a name": ({"applicant.name": "x" * 161}, "Enter between 2 and 160 characters."),
    "no copies of a document": ({"quantity_{first}": "0"}, "Give a number from 1 to 99."),
    "a quantity that is no number": ({"quantity_{first}": "two"}, "Give a whole number."),
    "a form not offered": ({"copy_kind_{first}": "photo"}, "Choose one of:"),
    "SMS updates without a phone": ({"applicant.phone": ""},
                                    "SMS updates need the applicant&#39;s phone number"),
}


@pytest.mark.parametrize("overrides, message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_intake_input_is_refused_and_writes_nothing(desk_client, world, app,
                                                        overrides, message):
    before = counts(app)
    first = world.household_business.documents[0].id
    data = form_data(world, **{key.format(first=first): value
                               for key, value in overrides.items()})
    response = desk_client.post(intake_url(world), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'role="alert"' in page
    # What was typed is still there.
    assert 'value="12 đường 30/4, phường Tân Ninh, Tây Ninh"' in page or (
        "applicant.address" not in data)
    assert counts(app) == before


VIETNAMESE_BAD_INPUTS = {
    "invalid citizen ID": (
        {"applicant.citizen_id": "07209000123"},
        "Số căn cước công dân (CCCD) phải gồm đúng 12 chữ số."),
    "missing required document": (
        {"documents": []}, "Hồ sơ chưa đầy đủ, còn thiếu: Giấy đề nghị"),
    "bad email": ({"applicant.email": "not-an-email"}, "Nhập địa chỉ email hợp lệ"),
    "too long a name": ({"applicant.name": "x" * 161}, "Nhập từ 2 đến 160 ký tự."),
    "bad phone": ({"applicant.phone": "12345"}, "Số điện thoại phải là số Việt Nam"),
    "SMS updates without a phone": ({"applicant.phone": ""},
                                    "Muốn nhận tin nhắn SMS cần số điện thoại"),
}


@pytest.mark.parametrize("overrides, message", VIETNAMESE_BAD_INPUTS.values(),
                         ids=VIETNAMESE_BAD_INPUTS.keys())
def test_bad_intake_input_is_explained_in_vietnamese_by_default(desk_client, world, app,
                                                                 overrides, message):
    app.config["MOTCUA"].language = "vi"  # a deployment's default (the suite runs in English)
    before = counts(app)
    response = desk_client.post(intake_url(world), data=form_data(world, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<html lang="vi">' in page
    assert message in page
    assert counts(app) == before


def test_oversized_attachment_is_refused_and_writes_nothing(desk_client, world, app):
    app.config["MOTCUA"].attachment_max_bytes = 1024
    before = counts(app)
    big = PDF + b"0" * 2048
    response = desk_client.post(intake_url(world), data=form_data(world, files=(
        io.BytesIO(big), "ban-scan.pdf", "application/pdf")),
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "ban-scan.pdf is 2 KB; the limit is 1 KB" in page
    assert counts(app) == before
    assert not list(app.config["MOTCUA"].attachments_path.glob("**/*"))


def test_executable_claiming_to_be_pdf_is_refused(desk_client, world, app):
    before = counts(app)
    response = desk_client.post(intake_url(world), data=form_data(world, files=(
        io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00" * 16), "giay-to.exe", "application/pdf")),
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "giay-to.exe does not contain what its type (application/pdf) says" in page
    assert counts(app) == before


def test_unknown_procedure_code_is_404_and_writes_nothing(desk_client, world, app):
    before = counts(app)
    response = desk_client.post("/intake/9.999999", data=form_data(world))
    assert response.status_code == 404
    assert "Unknown procedure 9.999999" in response.get_data(as_text=True)
    assert counts(app) == before


def test_procedure_of_another_unit_is_forbidden(desk_client, world, app):
    before = counts(app)
    response = desk_client.post(f"/intake/{world.birth_registration.code}",
                                data=form_data(world))
    assert response.status_code == 403
    assert "None of your units receives dossiers for this procedure" in response.get_data(
        as_text=True)
    assert counts(app) == before


def test_checklist_links_the_blank_form_of_a_document(desk_client, world, app):
    forms = app.config["MOTCUA"].forms_path
    forms.mkdir(parents=True, exist_ok=True)
    (forms / "mau-giay-de-nghi.docx").write_bytes(b"PK\x03\x04 blank form")
    with app.app_context():
        session = app.extensions["motcua.db"].session
        document = session.get(ProcedureDocument, world.household_business.documents[0].id)
        document.form_filename = "mau-giay-de-nghi.docx"
        session.commit()
        app.extensions["motcua.db"].remove()
    page = desk_client.get(intake_url(world)).get_data(as_text=True)
    link = '<a class="small form-link" href="/kiosk/bieu-mau/mau-giay-de-nghi.docx" download>'
    assert link in page
    assert page.count("form-link") == 1  # only the document that has a form
    download = desk_client.get("/kiosk/bieu-mau/mau-giay-de-nghi.docx")
    assert download.status_code == 200 and download.data == b"PK\x03\x04 blank form"


# --- back-entry (004 Art. 7.3) ---------------------------------------------------------


def _original_time() -> datetime:
    """Half past nine, five days ago, Vietnam time: a plausible paper receipt."""
    day = (local(now()) - timedelta(days=5)).date()
    return from_local(datetime.combine(day, time(9, 30)))


def back_entry_fields(original: datetime, reason: str | None) -> dict:
    return {
        "received_date": local(original).strftime("%Y-%m-%d"),
        "received_time": local(original).strftime("%H:%M"),
        "back_entry_reason": reason,
    }


def test_back_entry_counts_the_deadline_from_the_original_time(desk_client, world, app):
    original = _original_time()
    response = desk_client.post(
        intake_url(world, mode="back"),
        data=form_data(world, **back_entry_fields(original, "Mất điện sáng 05/1")),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    code = response.headers["Location"].split("/dossiers/")[1].split("/")[0]
    dossier = load_dossier(app, code)
    with app.app_context():
        expected_due = load_calendar(app.extensions["motcua.db"].session).due_at(
            original, world.household_business.processing_days)
    assert dossier.back_entered is True
    assert dossier.back_entry_reason == "Mất điện sáng 05/1"
    assert dossier.received_at == original
    assert dossier.due_at == expected_due
    assert code.split("-")[1] == local(original).strftime("%y%m%d")
    assert [event.kind for event in dossier.events] == ["back_entered"]
    receipt = desk_client.get(f"/dossiers/{code}/receipt").get_data(as_text=True)
    assert "nhập bổ sung" in receipt and "Mất điện sáng 05/1" in receipt
    assert local(original).strftime("%H giờ %M phút, ngày %d/%m/%Y") in receipt
    dossier_page = desk_client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "Back-entered" in dossier_page and "Mất điện sáng 05/1" in dossier_page
    # Entered today, so it is in today's list even though it was received days ago.
    assert code in desk_client.get("/").get_data(as_text=True)


def test_back_entry_without_a_reason_is_refused(desk_client, world, app):
    before = counts(app)
    response = desk_client.post(intake_url(world, mode="back"),
                                data=form_data(world, **back_entry_fields(_original_time(), "")))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Say why the dossier is entered late" in page
    assert counts(app) == before


def test_back_entry_without_the_original_time_is_refused(desk_client, world, app):
    before = counts(app)
    response = desk_client.post(intake_url(world, mode="back"), data=form_data(
        world, back_entry_reason="Mất điện"))
    assert response.status_code == 400
    assert "Enter the date and time the paper dossier was received" in response.get_data(
        as_text=True)
    assert counts(app) == before


def _due_from(app, world, original: datetime) -> datetime:
    with app.app_context():
        due = load_calendar(app.extensions["motcua.db"].session).due_at(
            original, world.household_business.processing_days)
        app.extensions["motcua.db"].remove()
        return due


def test_back_entry_form_shows_the_appointment_counted_from_the_original_time(
        desk_client, world, app):
    original = _original_time()
    # Shown again after a refusal (no reason given), with the original time kept.
    response = desk_client.post(intake_url(world, mode="back"),
                                data=form_data(world, **back_entry_fields(original, "")))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = local(_due_from(app, world, original)).strftime("%d/%m/%Y %H:%M")
    now_based = local(_due_from(app, world, now())).strftime("%d/%m/%Y %H:%M")
    assert expected != now_based  # five days apart: the test tells them apart
    assert ("Counted from the original receipt time, the result is due on "
            f"{expected}.") in page
    assert now_based not in page


def test_back_entry_form_before_the_time_is_given_says_what_the_appointment_counts_from(
        desk_client, world):
    page = desk_client.get(intake_url(world, mode="back")).get_data(as_text=True)
    assert "Enter the original receipt time: the result is due counting from it." in page
    assert "If received now" not in page


def test_back_entry_appointment_is_computed_for_the_typed_original_time(desk_client, world,
                                                                        app):
    original = _original_time()
    fields = back_entry_fields(original, None)
    response = desk_client.get(
        f"/intake/{world.household_business.code}/appointment?received_date="
        f"{fields['received_date']}&received_time={fields['received_time']}")
    assert response.status_code == 200
    body = response.get_json()
    assert datetime.fromisoformat(body["received_at"]) == original
    assert datetime.fromisoformat(body["due_at"]) == _due_from(app, world, original)
    assert body["message"].startswith("Counted from the original receipt time")


def test_back_entry_appointment_of_an_invalid_time_is_a_json_400(desk_client, world):
    response = desk_client.get(
        f"/intake/{world.household_business.code}/appointment?received_date=2026-02-30"
        "&received_time=09:30", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "The original receipt date or time is not valid."


# --- dossier page and slips ----------------------------------------------------------


def test_dossier_page_shows_details_timeline_and_deadline(desk_client, world):
    code = receive(desk_client, world)
    response = desk_client.get(f"/dossiers/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert code in page and "Nguyễn Văn An" in page
    assert "Received at the desk" in page
    assert "On time" in page
    assert f"/dossiers/{code}/receipt" in page


def test_officer_of_another_unit_gets_403_on_the_dossier(desk_client, world, app):
    code = receive(desk_client, world)
    other = login(app.test_client(), world.accounts["other_reception"].username)
    for url in (f"/dossiers/{code}", f"/dossiers/{code}/receipt"):
        response = other.get(url)
        assert response.status_code == 403
        assert "outside your scope" in response.get_data(as_text=True)


def test_refusal_writes_a_refused_dossier_and_renders_the_slip(desk_client, world, app):
    before = counts(app)
    response = desk_client.post(intake_url(world), data=form_data(
        world, action="refuse", refusal_reason="Hồ sơ không thuộc thẩm quyền giải quyết"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/refusal-slip")
    after = counts(app)
    assert after["Dossier"] == before["Dossier"] + 1
    assert after["OutboxEntry"] == before["OutboxEntry"] + 1
    slip = desk_client.get(response.headers["Location"])
    page = slip.get_data(as_text=True)
    assert slip.status_code == 200
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in page
    assert "Hồ sơ không thuộc thẩm quyền giải quyết" in page
    assert "Độc lập - Tự do - Hạnh phúc" in page


def test_refusal_without_a_reason_is_refused(desk_client, world, app):
    before = counts(app)
    response = desk_client.post(intake_url(world), data=form_data(world, action="refuse"))
    assert response.status_code == 400
    assert "Give the reason for refusing the dossier" in response.get_data(as_text=True)
    assert counts(app) == before


def test_guidance_slip_lists_the_missing_documents(desk_client, world, app):
    first, second = world.household_business.documents[:2]
    before = counts(app)
    response = desk_client.post(intake_url(world), data=form_data(
        world, action="guidance", documents=[str(first.id)]))
    assert response.status_code == 302
    assert "/guidance/" in response.headers["Location"]
    after = counts(app)
    assert after["DeskGuidance"] == before["DeskGuidance"] + 1
    assert after["Dossier"] == before["Dossier"]
    slip = desk_client.get(response.headers["Location"])
    page = slip.get_data(as_text=True)
    assert slip.status_code == 200
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in page
    assert f"Bổ sung: {second.name}" in page
    assert f"Bổ sung: {first.name}" not in page


def test_guidance_for_a_complete_dossier_is_refused(desk_client, world, app):
    before = counts(app)
    response = desk_client.post(intake_url(world), data=form_data(world, action="guidance"))
    assert response.status_code == 400
    assert "Every required document is there" in response.get_data(as_text=True)
    assert counts(app) == before
