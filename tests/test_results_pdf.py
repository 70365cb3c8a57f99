"""Printable results: the plugin's certificate rendered to PDF by WeasyPrint (motcua_sdk.pdf)
with every Vietnamese letter in DejaVu fonts, reached from the core's work page and the
desk's dossier page, and attachable to the dossier; nothing is fetched from the network."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from flask import Blueprint, request

from motcua_sdk import IssuedResult, ProcedureSpec, hookimpl, services
from motcua_sdk.pdf import pdf_response, render_pdf

CODE = "9.000083"
TITLE = "Giấy chứng nhận đăng ký thử"

bp = Blueprint("results_test", __name__, url_prefix="/results-test",
               template_folder=str(Path(__file__).parent / "plugin_templates"))


def _certificate(code: str, **extra) -> bytes:  # noqa: ANN003
    view = services.get_dossier(code)
    return render_pdf("results_test/certificate.html", dossier=view,
                      result=dict(view.result or {}), **extra)


@bp.route("/<code>/certificate.pdf")
@services.staff_required()
def certificate_pdf(code):
    data = _certificate(code, remote=request.args.get("remote"))
    return pdf_response(data, f"giấy-chứng-nhận-{code}.pdf",
                        download=request.args.get("download") == "1")


@bp.post("/<code>/attach")
@services.staff_required()
def attach(code):
    view = services.attach_file(code, name=f"GCN-{code}.pdf", content=_certificate(code),
                                mime="application/pdf", kind="result")
    return {"id": view.id, "kind": view.kind}


class ResultsPlugin:
    MOTCUA_API = ">=0.1,<0.3"

    @hookimpl
    def motcua_procedures(self):
        return [ProcedureSpec(
            code=CODE, name="Đăng ký thử có giấy chứng nhận", field="Thử nghiệm",
            level="district", processing_days=4, result_type="Giấy chứng nhận",
            workflow=[{"name": "Thẩm định", "role": "specialist", "days": 2,
                       "unit": "function:finance"},
                      {"name": "Ký", "role": "leader", "days": 1,
                       "unit": "function:finance"}])]

    @hookimpl
    def motcua_blueprints(self):
        return [bp]

    @hookimpl
    def motcua_issue_result(self, dossier, actor):
        return IssuedResult(number=f"GCN-{dossier.code[-4:]}", title=TITLE,
                            document_endpoint="results_test.certificate_pdf")


@pytest.fixture
def motcua_extra_plugins():
    return [("results_test", ResultsPlugin())]


def pdf_text(data: bytes) -> str:
    """The text poppler's pdftotext reads from the PDF."""
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, check=True,
                          capture_output=True).stdout.decode("utf-8")


def pdf_fonts(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], check=True,
                          capture_output=True).stdout.decode("utf-8")


def _issued(flow) -> str:  # noqa: ANN001
    code = flow.take_in(CODE).code
    flow.route(code)
    flow.issue(code)
    return code


def test_the_pages_link_to_the_printable_result(motcua_flow, motcua_clients):
    code = _issued(motcua_flow)
    link = f'href="/results-test/{code}/certificate.pdf" data-result-document'
    work = motcua_clients.leader.get(f"/department/dossiers/{code}").get_data(as_text=True)
    details = motcua_clients.reception.get(f"/dossiers/{code}").get_data(as_text=True)
    assert link in work and link in details


def test_no_link_without_a_document_or_when_its_page_is_gone(motcua_flow, motcua_clients):
    plain = motcua_flow.take_in(CODE).code
    motcua_flow.route(plain)
    motcua_flow.issue(plain, result={"number": "12/GP"})
    gone = motcua_flow.take_in(CODE).code
    motcua_flow.route(gone)
    motcua_flow.issue(gone, result={"number": "13/GP", "document_endpoint": "removed.page"})
    for code in (plain, gone):
        page = motcua_clients.reception.get(f"/dossiers/{code}")
        assert page.status_code == 200
        assert "data-result-document" not in page.get_data(as_text=True)
        assert "data-result-number" in page.get_data(as_text=True)


def test_the_result_is_a_pdf_with_vietnamese_text_in_dejavu(motcua_flow, motcua_clients,
                                                            tmp_path):
    code = _issued(motcua_flow)
    answer = motcua_clients.leader.get(f"/results-test/{code}/certificate.pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf" and answer.data.startswith(b"%PDF-")
    assert answer.headers["Content-Disposition"] == (
        f'inline; filename="giay-chung-nhan-{code}.pdf"')
    text = pdf_text(answer.data)
    assert "GIẤY CHỨNG NHẬN ĐĂNG KÝ THỬ" in text  # upper-cased by the template's CSS
    assert "Cấp cho ông/bà: Nguyễn Văn An" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert f"Số: GCN-{code[-4:]}" in text
    # Every letter is in an embedded DejaVu face (the page's stylesheet chose Sans).
    fonts = pdf_fonts(answer.data, tmp_path).splitlines()[2:]
    assert fonts and all("+DejaVu" in line and " yes " in line for line in fonts), fonts
    download = motcua_clients.leader.get(f"/results-test/{code}/certificate.pdf?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment; ")


def test_nothing_is_fetched_from_the_network(motcua_flow, motcua_clients):
    code = _issued(motcua_flow)
    started = time.monotonic()
    # A routable address that never answers: fetching it would take the timeout.
    answer = motcua_clients.leader.get(f"/results-test/{code}/certificate.pdf",
                                       query_string={"remote": "http://10.255.255.1/x.png"})
    assert answer.status_code == 200 and "Nguyễn Văn An" in pdf_text(answer.data)
    assert time.monotonic() - started < 8


def test_a_generated_pdf_is_attached_to_the_dossier(motcua_flow, motcua_clients):
    code = _issued(motcua_flow)
    attached = motcua_clients.leader.post(f"/results-test/{code}/attach")
    assert attached.status_code == 200, attached.get_data(as_text=True)
    stored = motcua_clients.reception.get(
        f"/dossiers/{code}/attachments/{attached.get_json()['id']}")
    assert stored.status_code == 200
    assert "Nguyễn Văn An" in pdf_text(stored.data)
