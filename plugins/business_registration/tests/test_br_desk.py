"""The plugin's schema fields at the core's reception desk (the plugin's own entry screen
is no longer the only way in) and its indexed fields in the search box."""

from __future__ import annotations

import re

from motcua_business_registration.procedures import REGISTRATION
from sqlalchemy import select

from motcua.core.models import Dossier, Procedure


def _documents(app) -> list[str]:  # noqa: ANN001
    with app.app_context():
        database = app.extensions["motcua.db"]
        try:
            procedure = database.session.scalar(
                select(Procedure).where(Procedure.code == REGISTRATION))
            return [str(d.id) for d in procedure.documents if d.required]
        finally:
            database.remove()


def _form(app, **specialist) -> dict:  # noqa: ANN001
    data = {"applicant.name": "Nguyễn Văn Bình", "applicant.citizen_id": "001085012345",
            "applicant.address": "Số 12 đường Lê Lợi, phường Một",
            "documents": _documents(app), "action": "receive"}
    data.update({f"specialist_data.{key}": value for key, value in specialist.items()})
    return data


FILLED = {"business_name": "Tạp hóa Bình An", "address": "Số 12 đường Lê Lợi, phường Một",
          "business_lines.0.vsic": "4711", "business_lines.0.detail": "Tạp hóa",
          "capital": "150.000.000", "workers": "2", "owner.full_name": "Nguyễn Văn Bình",
          "owner.citizen_id": "001085012345"}


def test_the_desk_form_asks_for_the_registration_fields(motcua_clients):
    page = motcua_clients.reception.get(f"/intake/{REGISTRATION}").get_data(as_text=True)
    for name in ("business_name", "capital", "business_lines.0.vsic", "owner.full_name",
                 "members.0.citizen_id"):
        assert f'name="specialist_data.{name}"' in page, name
    assert "Business name" in page and "Lines of business" in page
    # A registration may be taken in before its data is typed: the fields start folded.
    assert re.search(r'<details class="card specialist" id="specialist-data"\s*>', page)


def test_a_registration_typed_at_the_desk_is_stored_and_found_by_its_name(
        motcua_app, motcua_clients):
    desk = motcua_clients.reception
    response = desk.post(f"/intake/{REGISTRATION}", data=_form(motcua_app, **FILLED),
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    code = response.headers["Location"].split("/dossiers/")[1].split("/")[0]
    with motcua_app.app_context():
        database = motcua_app.extensions["motcua.db"]
        data = database.session.scalar(select(Dossier).where(Dossier.code == code)
                                       ).specialist_data
        database.remove()
    assert data["capital"] == 150_000_000 and data["workers"] == 2
    assert data["business_lines"] == [{"vsic": "4711", "detail": "Tạp hóa"}]
    assert data["owner"]["full_name"] == "Nguyễn Văn Bình"
    found = desk.get("/department/search", query_string={"q": "tap hoa binh an"})
    assert f'data-dossier="{code}"' in found.get_data(as_text=True)


def test_a_partly_filled_form_reports_every_missing_field(motcua_app, motcua_clients):
    response = motcua_clients.reception.post(
        f"/intake/{REGISTRATION}", data=_form(motcua_app, business_name="Tạp hóa Bình An",
                                              capital="0"),
        content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    shown = set(re.findall(r'id="error-specialist_data-([\w-]+)"', page))
    assert {"address", "business_lines", "capital", "workers", "owner"} <= shown
    assert re.search(r'<details class="card specialist" id="specialist-data"\s*open>', page)


def test_a_blank_form_still_waits_for_the_specialist(motcua_app, motcua_clients):
    response = motcua_clients.reception.post(f"/intake/{REGISTRATION}",
                                             data=_form(motcua_app),
                                             content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def test_the_desk_shows_the_fields_in_vietnamese(motcua_clients):
    page = motcua_clients.reception.get(f"/intake/{REGISTRATION}",
                                        query_string={"lang": "vi"}).get_data(as_text=True)
    assert "Thông tin chuyên ngành" in page
    assert "Tên hộ kinh doanh" in page and "Hàng hóa, dịch vụ" in page
