"""The desk's dossier page shows the specialist data under the schema's titles (groups,
rows, option labels, yes/no, numbers and dates as people read them) to the officers who
may see the dossier; the API's dossier detail carries the fee receipts and the
attachments' records, never their bytes."""

from __future__ import annotations

import base64
import re

import pytest
from marshmallow import Schema, fields
from sqlalchemy import select

from motcua.core.accounts import issue_api_token
from motcua.core.models import Account
from motcua.core.specialist_view import specialist_rows
from motcua_sdk.fields import meta
from motcua_sdk.testing import core_testing
from tests.plot_plugin import CODE, GOOD, PlotPlugin

DATA = {**GOOD, "area": 120500.25, "land_use": "LUC", "surveyed_on": "2026-11-30",
        "neighbours": [{"name": "Lê Văn Cường", "side": "north"},
                       {"name": "Phan Thị Dung", "side": "south"}]}


@pytest.fixture
def motcua_extra_plugins():
    return [("plots", PlotPlugin())]


def _token(app, role: str) -> str:
    with app.app_context():
        database = app.extensions["motcua.db"]
        account = database.session.scalar(select(Account).where(
            Account.username == core_testing().USERNAMES[role]))
        token = issue_api_token(database.session, account, "test")
        database.session.commit()
        database.remove()
    return token


@pytest.fixture
def api(motcua_app):
    client = motcua_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_token(motcua_app, 'reception')}"
    return client


def _body(app, specialist_data: dict, attachments: list | None = None) -> dict:
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
            "submitted_documents": documents, "specialist_data": specialist_data,
            "attachments": attachments or []}


def _create(app, api, **extra) -> str:  # noqa: ANN001
    created = api.post("/api/v1/dossiers", json=_body(app, DATA, **extra))
    assert created.status_code == 201, created.get_json()
    return created.get_json()["code"]


def _field(page: str, path: str) -> str | None:
    found = re.search(rf'<dt>([^<]*)</dt><dd data-specialist-field="{re.escape(path)}">'
                      r"([^<]*)</dd>", page)
    return f"{found.group(1)}: {found.group(2)}" if found else None


# --- the desk's dossier page -------------------------------------------------------------


def test_the_page_shows_the_data_under_the_schema_titles(motcua_app, motcua_clients, api):
    code = _create(motcua_app, api)
    page = motcua_clients.reception.get(f"/dossiers/{code}?lang=vi").get_data(as_text=True)
    assert "data-specialist-data" in page and "Thông tin chuyên ngành" in page
    assert _field(page, "plot_number") == "Plot number: 12/345"
    # Vietnamese separators, the option's label, the date as dd/mm/yyyy.
    assert _field(page, "area") == "Area (m²): 120.500,25"
    assert _field(page, "land_use") == "Land use: Rice land"
    assert _field(page, "surveyed_on") == "Surveyed on: 30/11/2026"
    # The private field is shown to the officer (the page is the staff's own).
    assert _field(page, "remarks") == "Private remarks: Tranh chấp ranh giới với nhà bên"
    # A list of objects: one row per neighbour, each with the item's titles.
    assert 'data-specialist-list="neighbours"' in page
    assert _field(page, "neighbours.0.name") == "Neighbour: Lê Văn Cường"
    assert _field(page, "neighbours.0.side") == "Side: North"
    assert _field(page, "neighbours.1.side") == "Side: South"


def test_english_readers_get_english_separators(motcua_app, motcua_clients, api):
    code = _create(motcua_app, api)
    page = motcua_clients.reception.get(f"/dossiers/{code}?lang=en").get_data(as_text=True)
    assert "<h2>Specialist data</h2>" in page
    assert _field(page, "area") == "Area (m²): 120,500.25"


def test_an_officer_who_may_not_see_the_dossier_gets_403_not_the_data(motcua_app,
                                                                     motcua_clients, api):
    code = _create(motcua_app, api)
    response = motcua_clients.tax_officer.get(f"/dossiers/{code}")
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Tranh chấp" not in text and "Lê Văn Cường" not in text


class OwnerSchema(Schema):
    full_name = fields.String(metadata=meta("Full name"))
    shares = fields.Integer(metadata=meta("Shares"))


class CompanySchema(Schema):
    owner = fields.Nested(OwnerSchema, metadata=meta("Owner"))
    foreign = fields.Boolean(metadata=meta("Foreign investment"))
    capital = fields.Decimal(metadata=meta("Capital (đồng)"))
    lines = fields.List(fields.String(), metadata=meta("Business lines"))
    note = fields.String(metadata=meta("Note"))


def _flat(rows, prefix="") -> dict:  # noqa: ANN001
    found = {}
    for row in rows:
        found[row.path] = (row.kind, row.title, row.value)
        found.update(_flat(row.children))
        for item in row.items:
            found.update(_flat(item))
    return found


def test_rows_group_objects_and_read_booleans_numbers_and_lists(motcua_app):
    data = {"owner": {"full_name": "Võ Thị Em", "shares": 1500000}, "foreign": False,
            "capital": "2500000000.50", "lines": ["4711", "5610"], "kept_from_v1": "x"}
    with motcua_app.test_request_context("/?lang=vi"):
        rows = _flat(specialist_rows(CompanySchema, data))
        assert rows["owner"][:2] == ("group", "Owner")
        # Titles go through the catalogues, as on the intake form.
        assert rows["owner.full_name"] == ("field", "Họ và tên", "Võ Thị Em")
        assert rows["owner.shares"][2] == "1.500.000"
        assert rows["foreign"][2] == "Không"
        assert rows["capital"][2] == "2.500.000.000,5"  # no decimal padded
        assert rows["lines"][2] == "4711, 5610"
        # Nothing stored: a dash, not a blank the officer might mistake for a fault.
        assert rows["note"][2] == "—"
        # A key the schema no longer declares is still shown, under its own name.
        assert rows["kept_from_v1"] == ("field", "kept_from_v1", "x")
        assert _flat(specialist_rows(CompanySchema, {"foreign": True}))["foreign"][2] == "Có"
        # No enabled plugin handles the procedure: the data is shown as stored.
        assert _flat(specialist_rows(None, {"a": 1}))["a"] == ("field", "a", "1")
        assert specialist_rows(None, None) == ()


# --- the API's dossier detail ------------------------------------------------------------


def test_the_api_detail_carries_receipts_and_attachment_records(motcua_app, motcua_clients,
                                                               api):
    scan = b"%PDF-1.4 so do thua dat"
    code = _create(motcua_app, api, attachments=[{
        "filename": "so-do.pdf", "content_type": "application/pdf",
        "data_base64": base64.b64encode(scan).decode()}])
    assert api.get(f"/api/v1/dossiers/{code}").get_json()["fee_receipts"] == []
    sent = motcua_clients.reception.post(f"/dossiers/{code}/fees", data={
        "amount": "50.000", "payer": "Nguyễn Văn An", "series": "BL/2026P",
        "number": "0000778"})
    assert sent.status_code == 302
    got = api.get(f"/api/v1/dossiers/{code}").get_json()
    [receipt] = got["fee_receipts"]
    assert {key: receipt[key] for key in ("series", "number", "amount", "payer")} == {
        "series": "BL/2026P", "number": "0000778", "amount": 50000, "payer": "Nguyễn Văn An"}
    assert receipt["paid_at"].endswith("+07:00")
    [attachment] = got["attachments"]
    assert attachment["filename"] == "so-do.pdf"
    assert attachment["content_type"] == "application/pdf"
    assert attachment["size"] == len(scan) and isinstance(attachment["id"], int)
    assert (attachment["plugin"], attachment["kind"], attachment["document"]) == (
        None, None, None)
    assert attachment["uploaded_at"].endswith("+07:00")
    # The record, never the bytes.
    assert base64.b64encode(scan).decode() not in str(got) and "so do thua" not in str(got)


def test_the_api_detail_is_404_outside_the_scope(motcua_app, api):
    code = _create(motcua_app, api)
    other = motcua_app.test_client().get(
        f"/api/v1/dossiers/{code}",
        headers={"Authorization": f"Bearer {_token(motcua_app, 'tax_officer')}"})
    assert other.status_code == 404
    assert "fee_receipts" not in other.get_data(as_text=True)


def test_the_openapi_document_describes_receipts_and_attachment_records(motcua_app):
    document = motcua_app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    detail = document["paths"]["/api/v1/dossiers/{code}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"]["$ref"].endswith("/DossierDetail")
    receipts = schemas["DossierDetail"]["properties"]["fee_receipts"]
    assert receipts["items"]["$ref"].endswith("/FeeReceipt")
    assert set(schemas["FeeReceipt"]["properties"]) == {"series", "number", "amount",
                                                       "payer", "paid_at"}
    attachment = schemas["AttachmentOut"]["properties"]
    assert {"id", "filename", "content_type", "size", "document", "plugin", "kind",
            "uploaded_at"} <= set(attachment)
    assert "data_base64" not in attachment
