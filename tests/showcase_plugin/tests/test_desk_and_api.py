"""The permit's specialist fields where dossiers come in: the desk's form (Vietnamese
titles, every error at once, the Vietnamese decimal comma), the REST API (422 with every
field error, the round trip) and the search box (desk and API) finding a dossier by its
parcel number or land certificate serial."""

from __future__ import annotations

from conftest import DESK, documents, error_at, intake_form, take_in_at_desk
from motcua_construction_permit import PROCEDURE_CODE


def test_the_desk_form_shows_the_fields_with_their_titles_in_both_languages(motcua_clients):
    desk = motcua_clients.reception
    vi = desk.get(f"/intake/{PROCEDURE_CODE}?lang=vi").get_data(as_text=True)
    for title in ("Số thửa đất", "Số seri giấy chứng nhận quyền sử dụng đất",
                  "Tổng diện tích sàn (m²)", "Số tầng", "Tên và số chứng chỉ hành nghề"):
        assert title in vi
    assert 'name="specialist_data.floor_area_m2"' in vi
    en = desk.get(f"/intake/{PROCEDURE_CODE}?lang=en").get_data(as_text=True)
    assert "Parcel number" in en and "Total floor area (m²)" in en
    assert "Số thửa đất" not in en


def test_the_desk_reports_every_error_at_once_and_keeps_what_was_typed(motcua_clients, api):
    desk = motcua_clients.reception
    answer = desk.post(f"/intake/{PROCEDURE_CODE}?lang=en", data=intake_form(
        desk, parcel_number="bốn", land_certificate_serial="12", floor_area_m2="nhiều",
        floors=None), content_type="multipart/form-data")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert error_at(page, "specialist_data.parcel_number")
    assert error_at(page, "specialist_data.land_certificate_serial") == (
        "A serial like CS 123456.")
    assert error_at(page, "specialist_data.floor_area_m2") == (
        "Enter a number, such as 120,5 or 1.200.000.")
    assert error_at(page, "specialist_data.floors")
    assert error_at(page, "specialist_data.ward") is None
    assert 'value="nhiều"' in page and 'value="Số 8 đường Lê Lợi"' in page
    vi = desk.post(f"/intake/{PROCEDURE_CODE}?lang=vi", data=intake_form(
        desk, land_certificate_serial="12"), content_type="multipart/form-data")
    assert vi.status_code == 400
    assert error_at(vi.get_data(as_text=True), "specialist_data.land_certificate_serial") == (
        "Số seri có dạng CS 123456.")
    assert api.get("/api/v1/dossiers").get_json()["items"] == []  # nothing was received


def test_the_desk_takes_the_vietnamese_decimal_comma(motcua_clients, motcua_flow):
    code = take_in_at_desk(motcua_clients.reception, floor_area_m2="1.020,5")
    data = motcua_flow.view(code).specialist_data
    assert data["floor_area_m2"] == 1020.5
    assert data["parcel_number"] == 4711 and data["floors"] == 2
    assert data["land_certificate_serial"] == "CS 987654"


def _body(client, specialist_data: dict) -> dict:
    return {"procedure_code": PROCEDURE_CODE, "unit_code": DESK,
            "applicant": {"name": "Trần Thị Bình", "citizen_id": "001090004321",
                          "address": "5 đường Số 2, phường Một"},
            "submitted_documents": [int(i) for i in documents(client).values()],
            "specialist_data": specialist_data}


API_DATA = {"ward": "Phường Một", "map_sheet": 7, "parcel_number": 912,
            "land_certificate_serial": "DA 456789", "address": "Số 3 ngõ 5 phố Hoa",
            "footprint_m2": 60.0, "floor_area_m2": 180.5, "floors": 3}


def test_the_api_answers_422_with_every_field_error_then_takes_the_dossier(
        api, motcua_clients):
    bad = {**API_DATA, "map_sheet": 0, "footprint_m2": -5, "land_certificate_serial": "x"}
    del bad["floors"]
    refused = api.post("/api/v1/dossiers", json=_body(motcua_clients.reception, bad))
    assert refused.status_code == 422
    errors = {e["field"]: e["pointer"] for e in refused.get_json()["errors"]}
    assert errors == {"specialist_data.map_sheet": "/specialist_data/map_sheet",
                      "specialist_data.footprint_m2": "/specialist_data/footprint_m2",
                      "specialist_data.land_certificate_serial":
                          "/specialist_data/land_certificate_serial",
                      "specialist_data.floors": "/specialist_data/floors"}
    assert api.get("/api/v1/dossiers?q=DA456789").get_json()["items"] == []

    created = api.post("/api/v1/dossiers", json=_body(motcua_clients.reception, API_DATA))
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    got = api.get(f"/api/v1/dossiers/{code}").get_json()
    assert got["specialist_data"] == {**API_DATA, "design_unit": ""}
    # The fields the schema marks public, titled in the deployment's language.
    assert got["public_fields"] == {"Phường, xã": "Phường Một",
                                    "Tổng diện tích sàn (m²)": "180.5", "Số tầng": "3"}


def test_the_search_finds_the_dossier_by_parcel_and_certificate_serial(motcua_clients, api):
    code = take_in_at_desk(motcua_clients.reception)
    other = take_in_at_desk(motcua_clients.reception, parcel_number="12",
                            land_certificate_serial="AB 111111")
    desk = motcua_clients.reception
    for query in ("4711", "cs987654", "CS 987654"):
        page = desk.get("/department/search", query_string={"q": query}).get_data(
            as_text=True)
        assert code in page and other not in page, query
        found = api.get("/api/v1/dossiers", query_string={"q": query}).get_json()["items"]
        assert [item["code"] for item in found] == [code], query
    assert api.get("/api/v1/dossiers?q=999999").get_json()["items"] == []
