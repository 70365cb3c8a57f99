"""Every slip as the desk prints it: Chromium prints the page to PDF at its CSS page size
(what the print dialog does), ``pdfinfo`` counts the sheets, and the receipt's page,
rasterised at 300 dpi like a scan, must give back both the barcode and the QR code.

The dossier is a typical one: a realistic applicant, six documents, a supplement round,
an apology and the usual steps, so the control slip has a row per hand-over.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from motcua.core.intake import DeskContext, give_guidance, refuse_at_desk
from motcua.core.models import ProcedureDocument
from tests.browser import chromium_page, serve, skip_unless_browser
from tests.conftest import login
from tests.factories import applicant, build_world, intake_data
from tests.test_department_web import act
from tests.test_desk_browser import log_in
from tests.test_workflow_support import add_routing, receive, vn

pytestmark = pytest.mark.browser

# With the procedure's three documents: six lines on the receipt, as a real one has.
MORE_DOCUMENTS = [
    ("Bản sao biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh",
     "certified_copy", 1),
    ("Bản sao hợp đồng thuê địa điểm kinh doanh hoặc giấy tờ chứng minh quyền sử dụng "
     "địa điểm kinh doanh", "copy", 2),
    ("Văn bản ủy quyền của các thành viên hộ gia đình cho một thành viên làm chủ hộ "
     "kinh doanh", "original", 1),
]
APPLICANT = applicant(
    name="Nguyễn Thị Thanh Hương", citizen_id="072190004321", phone="0987654321",
    email="thanhhuong.nguyen@example.vn",
    address="Số 125/7 đường Cách Mạng Tháng Tám, khu phố 4, phường Tân Ninh, "
            "thành phố Tây Ninh, tỉnh Tây Ninh",
)


def pdf_pages(path) -> int:  # noqa: ANN001
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60,
                          check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines()
                    if line.startswith("Pages:")))


def printed(page, url: str, path):  # noqa: ANN001, ANN201
    """Print the page at ``url`` to the PDF file ``path`` as the print dialog would."""
    page.goto(url)
    page.pdf(path=str(path), prefer_css_page_size=True)
    return path


def rasterise(pdf_path, png_prefix) -> str:  # noqa: ANN001
    """The first page at 300 dpi (a printer's resolution), as a PNG; returns its path."""
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf_path), str(png_prefix)], check=True, timeout=120)
    return f"{png_prefix}.png"


def decode(png: str) -> list[str]:
    result = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, text=True,
                            timeout=120)
    return result.stdout.splitlines()


@pytest.fixture
def desk(sqlite_app):
    """The test province with routing and a six-document procedure, served on a free port,
    with no MOTCUA_PUBLIC_BASE_URL (the default)."""
    skip_unless_browser("zbarimg", "pdfinfo", "pdftoppm")
    database = sqlite_app.extensions["motcua.db"]
    with sqlite_app.app_context():
        session = database.session
        routing = add_routing(session, build_world(session))
        procedure = session.merge(routing.world.household_business)
        for name, copy_kind, quantity in MORE_DOCUMENTS:
            procedure.documents.append(ProcedureDocument(
                position=len(procedure.documents), name=name, required=True,
                copy_kind=copy_kind, quantity=quantity))
        session.commit()
        documents = [document.id for document in procedure.documents]
        code = receive(session, sqlite_app, routing, applicant=APPLICANT,
                       submitted_documents=documents).code
        database.remove()
    sqlite_app.config["MOTCUA"].public_base_url = ""  # MOTCUA_PUBLIC_BASE_URL unset
    with serve(sqlite_app) as url:
        yield sqlite_app, routing, url, code


def test_printed_receipt_scans_back_and_names_the_served_address(desk, tmp_path):
    app, _routing, base, code = desk
    with chromium_page() as page:
        log_in(page, base)
        pdf = printed(page, f"{base}/dossiers/{code}/receipt", tmp_path / "receipt.pdf")
        text = page.inner_text(".slip")
    assert pdf_pages(pdf) == 1
    # Both marks read back from the printed page: the barcode as the code, the QR code as
    # the lookup address on the port this server is really on.
    symbols = decode(rasterise(pdf, tmp_path / "receipt"))
    assert sorted(symbols) == sorted([code, f"{base}/tra-cuu/{code}"])
    assert f"{base}/tra-cuu" in text
    for name, _kind, _quantity in MORE_DOCUMENTS:
        assert name in text


def _processing_path(app, routing, code: str) -> None:  # noqa: ANN001
    """Supplement, apology, approval and return: every processing slip has its event."""
    specialist = login(app.test_client(), "chuyenvien")
    desk = login(app.test_client(), "letan")
    leader = login(app.test_client(), "lanhdao")
    assert act(specialist, code, "claim").status_code == 302
    assert act(specialist, code, "request_supplement",
               missing="Bản sao giấy tờ pháp lý của cá nhân",
               missing_other="Bản đồ vị trí địa điểm kinh doanh",
               note="Bản sao chưa được chứng thực").status_code == 302
    assert act(desk, code, "record_supplement", note="Đã nhận bổ sung").status_code == 302
    assert act(specialist, code, "submit_for_approval", note="Đủ điều kiện").status_code == 302
    due = (vn(2026, 12, 7, 8, 0) + timedelta(days=40)).date().isoformat()
    assert act(leader, code, "apologize", new_due_date=due, new_due_time="15:30",
               reason="Chờ ý kiến của cơ quan thuế về địa điểm kinh doanh").status_code == 302
    assert act(leader, code, "approve", note="Đồng ý").status_code == 302
    assert act(desk, code, "issue_result", result_number="HKD-0042",
               result_summary="Giấy chứng nhận đăng ký hộ kinh doanh").status_code == 302


def test_every_slip_prints_on_one_a4_page(desk, tmp_path):
    app, routing, base, code = desk
    _processing_path(app, routing, code)
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        refused = receive(session, app, routing, applicant=APPLICANT).code
        ctx = DeskContext(session, routing.account(session, "reception"), app.config["MOTCUA"])
        world = routing.world
        at_desk = refuse_at_desk(ctx, {
            **intake_data(world, applicant=APPLICANT),
            "reason": "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan tiếp nhận"}).code
        guidance = give_guidance(
            ctx, procedure_code=world.household_business.code,
            unit_code=world.district_desk.code, applicant_name=APPLICANT["name"],
            applicant_phone=APPLICANT["phone"], submitted_documents=set(),
            note="Mang theo bản chính giấy tờ pháp lý để đối chiếu").id
        session.commit()
        database.remove()
    specialist = login(app.test_client(), "chuyenvien")
    assert act(specialist, refused, "claim").status_code == 302
    assert act(specialist, refused, "refuse",
               reason="Ngành nghề đăng ký thuộc danh mục cấm kinh doanh").status_code == 302

    slips = {
        "receipt": f"/dossiers/{code}/receipt",
        "control": f"/department/dossiers/{code}/slips/control",
        "supplement_request": f"/department/dossiers/{code}/slips/supplement",
        "apology": f"/department/dossiers/{code}/slips/apology",
        "processing_refusal": f"/department/dossiers/{refused}/slips/refusal",
        "refusal": f"/dossiers/{at_desk}/refusal-slip",
        "guidance": f"/guidance/{guidance}",
    }
    pages = {}
    with chromium_page() as page:
        log_in(page, base)
        for name, path in slips.items():
            pdf = printed(page, base + path, tmp_path / f"{name}.pdf")
            assert page.locator(".slip-title").count() == 1, name
            pages[name] = pdf_pages(pdf)
    assert pages == dict.fromkeys(slips, 1)
