"""A plugin reads a dossier's scans (metadata and bytes) within the officer's rights, the
same rule as the desk's download link, and attaches its own files: checked like a scan,
recorded as a ``file_attached`` event and listed on the dossier page with its module."""

from __future__ import annotations

import base64

import pytest
from flask import Blueprint, jsonify, request
from sqlalchemy import func, select

from motcua.core.attachments import IncomingFile
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Attachment, Dossier, DossierEvent, Procedure
from motcua.core.testing import USERNAMES
from motcua_sdk import DocumentSpec, ProcedureSpec, hookimpl, services

CODE = "9.000081"
PDF = b"%PDF-1.4\n% a scanned application form\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
DRAWING = b"%PDF-1.7\n% site drawing, 1:200\n%%EOF\n"

bp = Blueprint("drawings", __name__, url_prefix="/drawings")


@bp.get("/<code>/files")
@services.staff_required()
def files(code):
    return jsonify([{"id": item.id, "name": item.name, "mime": item.mime, "size": item.size,
                     "document": item.document, "uploaded_by": item.uploaded_by,
                     "uploaded_at": item.uploaded_at.isoformat(), "plugin": item.plugin,
                     "kind": item.kind} for item in services.list_attachments(code)])


@bp.get("/<code>/files/<int:attachment_id>")
@services.staff_required()
def content(code, attachment_id):
    return services.read_attachment(code, attachment_id), 200, {
        "Content-Type": "application/octet-stream"}


@bp.get("/public/<code>")
def unguarded(code):
    """A page the plugin forgot to guard: the service still refuses a visitor."""
    return jsonify([item.name for item in services.list_attachments(code)])


@bp.post("/<code>/files")
@services.staff_required()
def attach(code):
    body = request.get_json()
    view = services.attach_file(services.get_dossier(code), name=body["name"],
                                content=base64.b64decode(body["content"]),
                                mime=body["mime"], kind=body["kind"])
    return jsonify(id=view.id, plugin=view.plugin, kind=view.kind, size=view.size)


class DrawingsPlugin:
    MOTCUA_API = ">=0.1,<0.3"
    MOTCUA_DISPLAY_NAME = {"vi": "Bản vẽ", "en": "Drawings"}

    @hookimpl
    def motcua_procedures(self):
        return [ProcedureSpec(
            code=CODE, name="Cấp phép xây dựng thử", field="Thử nghiệm", level="district",
            processing_days=4, result_type="Giấy phép",
            documents=(DocumentSpec("Đơn đề nghị cấp giấy phép"),),
            workflow=[{"name": "Thẩm định", "role": "specialist", "days": 2,
                       "unit": "function:finance"},
                      {"name": "Ký", "role": "leader", "days": 1,
                       "unit": "function:finance"}])]

    @hookimpl
    def motcua_blueprints(self):
        return [bp]


@pytest.fixture
def motcua_extra_plugins():
    return [("drawings", DrawingsPlugin())]


def _take_in_with_scan(app) -> str:  # noqa: ANN001
    """A dossier received at the desk with the application form scanned against the
    first line of its checklist."""
    with app.app_context():
        session = app.extensions["motcua.db"].session
        procedure = session.scalar(select(Procedure).where(Procedure.code == CODE))
        actor = session.scalar(select(Account).where(Account.username
                                                     == USERNAMES["reception"]))
        document_id = procedure.documents[0].id
        ctx = DeskContext(session=session, actor=actor, settings=app.config["MOTCUA"],
                          files=[IncomingFile("don-de-nghi.pdf", "application/pdf", PDF,
                                              document_id=document_id)])
        dossier = take_in(ctx, {
            "procedure_code": CODE, "unit_code": procedure.receiving_units[0].code,
            "applicant": {"name": "Nguyễn Văn Bản", "citizen_id": "001090001234",
                          "phone": "0912345678", "address": "1 đường Số 2"},
            "submitted_documents": [d.id for d in procedure.documents if d.required],
            "specialist_data": {}})
        session.commit()
        code = dossier.code
        app.extensions["motcua.db"].remove()
    return code


def _counts(app, code: str) -> tuple[int, int]:  # noqa: ANN001
    with app.app_context():
        session = app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        files = session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.dossier_id == dossier.id))
        events = session.scalar(select(func.count()).select_from(DossierEvent).where(
            DossierEvent.dossier_id == dossier.id))
        app.extensions["motcua.db"].remove()
        return files, events


def test_a_plugin_reads_the_scans_metadata_and_bytes(motcua_app, motcua_clients):
    code = _take_in_with_scan(motcua_app)
    listed = motcua_clients.specialist.get(f"/drawings/{code}/files")
    assert listed.status_code == 200, listed.get_data(as_text=True)
    [scan] = listed.get_json()
    assert scan["name"] == "don-de-nghi.pdf"
    assert (scan["mime"], scan["size"]) == ("application/pdf", len(PDF))
    assert scan["document"] == "Đơn đề nghị cấp giấy phép"
    assert scan["uploaded_by"] == "Nguyễn Thị Tiếp Nhận"
    assert scan["uploaded_at"]
    assert (scan["plugin"], scan["kind"]) == (None, None)
    read = motcua_clients.specialist.get(f"/drawings/{code}/files/{scan['id']}")
    assert read.status_code == 200 and read.data == PDF


def test_outside_the_officers_rights_nothing_is_read(motcua_app, motcua_clients):
    code = _take_in_with_scan(motcua_app)
    [scan] = motcua_clients.specialist.get(f"/drawings/{code}/files").get_json()
    json = {"Accept": "application/json"}
    # The tax office's officer holds no role over the city's units: the same answer as
    # the desk's own download link gives them.
    outsider = motcua_clients.tax_officer
    listed = outsider.get(f"/drawings/{code}/files", headers=json)
    read = outsider.get(f"/drawings/{code}/files/{scan['id']}", headers=json)
    desk_link = outsider.get(f"/dossiers/{code}/attachments/{scan['id']}")
    assert listed.status_code == read.status_code == desk_link.status_code == 403
    assert PDF not in read.data and PDF not in desk_link.data
    # A file id of another dossier is not this dossier's file.
    other = _take_in_with_scan(motcua_app)
    [other_scan] = motcua_clients.specialist.get(f"/drawings/{other}/files").get_json()
    wrong = motcua_clients.specialist.get(f"/drawings/{code}/files/{other_scan['id']}",
                                          headers=json)
    assert wrong.status_code == 404
    assert motcua_clients.anonymous.get(f"/drawings/{code}/files").status_code in (302, 401)
    visitor = motcua_clients.anonymous.get(f"/drawings/public/{code}", headers=json)
    assert visitor.status_code == 403 and "don-de-nghi" not in visitor.get_data(as_text=True)


def test_a_plugin_attaches_its_drawing_and_the_dossier_page_shows_it(motcua_app,
                                                                     motcua_clients):
    code = _take_in_with_scan(motcua_app)
    attached = motcua_clients.specialist.post(f"/drawings/{code}/files", json={
        "name": "ban-ve-mat-bang.pdf", "content": base64.b64encode(DRAWING).decode(),
        "mime": "application/pdf", "kind": "drawing"})
    assert attached.status_code == 200, attached.get_data(as_text=True)
    body = attached.get_json()
    assert (body["plugin"], body["kind"], body["size"]) == ("drawings", "drawing",
                                                            len(DRAWING))
    listed = motcua_clients.specialist.get(f"/drawings/{code}/files").get_json()
    assert [item["name"] for item in listed] == ["don-de-nghi.pdf", "ban-ve-mat-bang.pdf"]
    assert listed[1]["uploaded_by"] == "Trần Văn Chuyên Viên"
    assert listed[1]["document"] is None

    with motcua_app.app_context():
        session = motcua_app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        event = dossier.events[-1]
        assert event.kind == "file_attached"
        assert event.data == {"attachment_id": body["id"], "name": "ban-ve-mat-bang.pdf",
                              "kind": "drawing", "plugin": "drawings"}
        motcua_app.extensions["motcua.db"].remove()

    page = motcua_clients.reception.get(f"/dossiers/{code}?lang=en").get_data(as_text=True)
    assert "ban-ve-mat-bang.pdf" in page
    assert "Attached by the module Drawings" in page
    assert "File attached" in page and "file_attached" not in page
    downloaded = motcua_clients.reception.get(f"/dossiers/{code}/attachments/{body['id']}")
    assert downloaded.status_code == 200 and downloaded.data == DRAWING


@pytest.mark.parametrize(("change", "field"), [
    ({"content": base64.b64encode(PNG).decode()}, "attachments"),  # not what it claims
    ({"mime": "application/x-msdownload"}, "attachments"),
    ({"content": ""}, "attachments"),
    ({"kind": "Bản vẽ!"}, "kind"),
    ({"name": "  "}, "name"),
])
def test_a_bad_file_is_refused_and_nothing_is_written(motcua_app, motcua_clients, change,
                                                      field):
    code = _take_in_with_scan(motcua_app)
    before = _counts(motcua_app, code)
    body = {"name": "ban-ve.pdf", "content": base64.b64encode(DRAWING).decode(),
            "mime": "application/pdf", "kind": "drawing", **change}
    refused = motcua_clients.specialist.post(f"/drawings/{code}/files", json=body,
                                             headers={"Accept": "application/json"})
    assert refused.status_code == 422, refused.get_data(as_text=True)
    assert refused.get_json()["field"] == field and refused.get_json()["error"]
    assert _counts(motcua_app, code) == before


def test_an_outsider_cannot_attach(motcua_app, motcua_clients):
    code = _take_in_with_scan(motcua_app)
    before = _counts(motcua_app, code)
    refused = motcua_clients.tax_officer.post(f"/drawings/{code}/files", json={
        "name": "x.pdf", "content": base64.b64encode(DRAWING).decode(),
        "mime": "application/pdf", "kind": "drawing"}, headers={"Accept": "application/json"})
    assert refused.status_code == 403
    assert _counts(motcua_app, code) == before
