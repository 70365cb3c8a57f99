"""A procedure's specialist-data fields at the reception desk and in the REST API: the
desk form renders the plugin's schema (its widgets, titles, options), checks it with the
one check the API uses, shows every error next to its field and keeps what was typed;
numbers take the Vietnamese decimal comma; the API answers 422 with every field error,
returns the data to officers in scope and the lookup shows only the public fields."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from motcua.core.accounts import issue_api_token
from motcua.core.models import Account, Dossier
from motcua_sdk.testing import core_testing
from tests.plot_plugin import CODE, GOOD, PlotPlugin


@pytest.fixture
def motcua_extra_plugins():
    return [("plots", PlotPlugin())]


def dossier_count(app) -> int:
    with app.app_context():
        database = app.extensions["motcua.db"]
        try:
            return database.session.scalar(select(func.count(Dossier.id)))
        finally:
            database.remove()


def stored(app, code: str) -> dict:
    with app.app_context():
        database = app.extensions["motcua.db"]
        try:
            return dict(database.session.scalar(
                select(Dossier).where(Dossier.code == code)).specialist_data)
        finally:
            database.remove()


def required_documents(app) -> list[str]:
    with app.app_context():
        from motcua.core.models import Procedure

        database = app.extensions["motcua.db"]
        try:
            procedure = database.session.scalar(select(Procedure).where(Procedure.code == CODE))
            return [str(d.id) for d in procedure.documents if d.required]
        finally:
            database.remove()


def form(app, **fields) -> dict:
    data = {"applicant.name": "Nguyễn Văn An", "applicant.citizen_id": "072090001234",
            "applicant.address": "12 đường 30/4, phường Tân Ninh",
            "documents": required_documents(app), "action": "receive",
            "specialist_data.plot_number": "12/345",
            "specialist_data.owner_name": "Trần Thị Bình",
            "specialist_data.area": "120,5", "specialist_data.land_use": "ONT"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def post(client, data):  # noqa: ANN001, ANN201
    return client.post(f"/intake/{CODE}", data=data, content_type="multipart/form-data")


def error_at(page: str, name: str) -> str | None:
    anchor = re.escape(name.replace(".", "-"))
    found = re.search(rf'id="error-{anchor}">([^<]*)<', page)
    return found.group(1) if found else None


# --- the desk form ---------------------------------------------------------------------


def test_the_form_renders_the_schema_fields_with_their_widgets(motcua_clients):
    page = motcua_clients.reception.get(f"/intake/{CODE}").get_data(as_text=True)
    # Required fields: shown open, not folded.
    assert re.search(r'<details class="card specialist" id="specialist-data"\s*open>', page)
    assert 'name="specialist_data.plot_number"' in page and "sheet/plot, e.g. 12/345" in page
    assert re.search(r'inputmode="decimal" name="specialist_data.area"', page)
    assert re.search(r'<select name="specialist_data.land_use"', page)
    assert '<option value="LUC" >Rice land</option>' in page.replace("  ", " ")
    assert re.search(r'<textarea name="specialist_data.remarks"', page)
    assert 'type="date" name="specialist_data.surveyed_on"' in page
    # A list of objects: rows of the item's fields, numbered like the errors' paths.
    assert 'name="specialist_data.neighbours.0.name"' in page
    assert 'name="specialist_data.neighbours.1.side"' in page


def test_every_error_is_shown_at_its_field_and_the_typed_values_are_kept(motcua_app,
                                                                         motcua_clients):
    response = post(motcua_clients.reception, form(
        motcua_app, **{"applicant.name": "", "specialist_data.plot_number": "12-345",
                       "specialist_data.area": "nhiều", "specialist_data.land_use": "",
                       "specialist_data.owner_name": "Trần Thị Bình",
                       "specialist_data.neighbours.0.name": "Lê Văn Cường"}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error_at(page, "applicant.name") == "This field is required."
    assert error_at(page, "specialist_data.plot_number") == "A plot number looks like 12/345."
    assert error_at(page, "specialist_data.area") == ("Enter a number, such as 120,5 or "
                                                      "1.200.000.")
    assert error_at(page, "specialist_data.land_use")
    # The neighbour's row lacks its side: the error sits at that row's input.
    assert error_at(page, "specialist_data.neighbours.0.side")
    assert error_at(page, "specialist_data.owner_name") is None
    assert "5 fields need correcting." in page
    assert 'value="Trần Thị Bình"' in page and 'value="nhiều"' in page
    assert 'value="12-345"' in page and 'value="Lê Văn Cường"' in page
    assert dossier_count(motcua_app) == 0


def test_a_required_field_left_blank_is_refused_not_stored_empty(motcua_app, motcua_clients):
    response = post(motcua_clients.reception, form(
        motcua_app, **{"specialist_data.plot_number": None}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error_at(page, "specialist_data.plot_number")
    assert dossier_count(motcua_app) == 0


@pytest.mark.parametrize(("typed", "area"), [("120,5", 120.5), ("1.200,25", 1200.25),
                                             ("75", 75.0)])
def test_numbers_take_the_vietnamese_decimal_comma(motcua_app, motcua_clients, typed, area):
    response = post(motcua_clients.reception, form(motcua_app, **{
        "specialist_data.area": typed, "specialist_data.neighbours.0.name": "Lê Văn Cường",
        "specialist_data.neighbours.0.side": "north"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    code = response.headers["Location"].split("/dossiers/")[1].split("/")[0]
    data = stored(motcua_app, code)
    assert data["area"] == area
    assert data["plot_number"] == "12/345" and data["land_use"] == "ONT"
    assert data["neighbours"] == [{"name": "Lê Văn Cường", "side": "north"}]


# --- the REST API ----------------------------------------------------------------------


@pytest.fixture
def api(motcua_app):
    with motcua_app.app_context():
        database = motcua_app.extensions["motcua.db"]
        account = database.session.scalar(select(Account).where(
            Account.username == core_testing().USERNAMES["reception"]))
        token = issue_api_token(database.session, account, "test")
        database.session.commit()
        database.remove()
    client = motcua_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def body(app, specialist_data) -> dict:  # noqa: ANN001
    with app.app_context():
        from motcua.core.models import Procedure

        database = app.extensions["motcua.db"]
        procedure = database.session.scalar(select(Procedure).where(Procedure.code == CODE))
        unit = procedure.receiving_units[0].code
        documents = [d.id for d in procedure.documents if d.required]
        database.remove()
    return {"procedure_code": CODE, "unit_code": unit,
            "applicant": {"name": "Nguyễn Văn An", "citizen_id": "072090001234",
                          "address": "12 đường 30/4, phường Tân Ninh"},
            "submitted_documents": documents, "specialist_data": specialist_data}


def test_the_api_answers_422_with_every_field_error(motcua_app, api):
    request = body(motcua_app, {"plot_number": "x", "area": -1, "land_use": "ONT",
                                "neighbours": [{"name": "Lê Văn Cường"}]})
    request["applicant"]["citizen_id"] = "12"
    response = api.post("/api/v1/dossiers", json=request)
    assert response.status_code == 422
    answer = response.get_json()
    found = {e["field"]: (e["pointer"], e["message"]) for e in answer["errors"]}
    assert set(found) == {"applicant.citizen_id", "specialist_data.plot_number",
                          "specialist_data.area", "specialist_data.owner_name",
                          "specialist_data.neighbours.0.side"}
    assert found["specialist_data.area"] == ("/specialist_data/area",
                                             "The area is from 0.1 to 1,000,000 m².")
    assert found["specialist_data.neighbours.0.side"][0] == "/specialist_data/neighbours/0/side"
    # The first error is still the one-line answer older clients read.
    assert answer["field"] == answer["errors"][0]["field"]
    assert dossier_count(motcua_app) == 0


def test_empty_specialist_data_is_refused_when_the_schema_requires_fields(motcua_app, api):
    response = api.post("/api/v1/dossiers", json=body(motcua_app, {}))
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"specialist_data.plot_number", "specialist_data.area"} <= fields
    assert dossier_count(motcua_app) == 0


def test_the_api_round_trip_and_the_lookup_shows_only_public_fields(motcua_app, api):
    created = api.post("/api/v1/dossiers", json=body(motcua_app, GOOD))
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    got = api.get(f"/api/v1/dossiers/{code}").get_json()
    assert got["specialist_data"] == {**GOOD, "surveyed_on": None, "neighbours": []}
    assert got["public_fields"] == {"Plot number": "12/345", "Area (m²)": "120.5",
                                    "Tình trạng thửa": "Đang xử lý"}
    lookup = motcua_app.test_client().get(f"/api/lookup/{code}").get_json()
    assert lookup["public_fields"] == got["public_fields"]
    assert "Tranh chấp" not in str(lookup) and "Trần Thị Bình" not in str(lookup)


def test_an_officer_outside_the_scope_gets_404_not_the_data(motcua_app, api):
    code = api.post("/api/v1/dossiers", json=body(motcua_app, GOOD)).get_json()["code"]
    with motcua_app.app_context():
        database = motcua_app.extensions["motcua.db"]
        account = database.session.scalar(select(Account).where(
            Account.username == core_testing().USERNAMES["tax_officer"]))
        token = issue_api_token(database.session, account, "test")
        database.session.commit()
        database.remove()
    response = motcua_app.test_client().get(
        f"/api/v1/dossiers/{code}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert "Tranh chấp" not in response.get_data(as_text=True)


def test_the_openapi_document_describes_specialist_data_and_field_errors(motcua_app):
    document = motcua_app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["Dossier"]["properties"]["specialist_data"]["type"] == "object"
    assert "public_fields" in schemas["Dossier"]["properties"]
    assert "specialist_data" in schemas["DossierCreate"]["properties"]
    errors = schemas["Error"]["properties"]["errors"]
    item = errors["items"]
    if "$ref" in item:
        item = schemas[item["$ref"].rsplit("/", 1)[1]]
    assert set(item["properties"]) == {"field", "pointer", "message"}
    assert "errors" in document["components"]["responses"]["Error422"]["description"]


def test_a_rule_over_several_fields_is_shown_on_the_section(motcua_app, motcua_clients):
    response = post(motcua_clients.reception, form(
        motcua_app, **{"specialist_data.land_use": "LUC", "applicant.name": ""}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error_at(page, "specialist_data") == "Rice land is registered from 500 m²."
    assert error_at(page, "applicant.name") == "This field is required."
