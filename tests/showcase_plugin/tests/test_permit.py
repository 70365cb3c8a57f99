"""From the desk to the permit: the result names the signing agency, is a PDF with the
Vietnamese text kept among the dossier's files, the drawings scanned at intake are
listed and read on the plugin's page, the fee the desk recorded shows on the permit,
the register and the report (page and Excel) count it, in Vietnamese and English."""

from __future__ import annotations

import io
import re

from conftest import SCAN, pdf_text, take_in_at_desk, today_in_vietnam
from motcua_construction_permit import motcua_models
from motcua_construction_permit.models import add_months
from openpyxl import load_workbook
from sqlalchemy import inspect

CITY = "UBND thành phố Thử Nghiệm"  # the unit above the desk, where the leader signs


def test_the_plugin_is_enabled_with_its_menu_and_tables(motcua_app, motcua_clients):
    manager = motcua_app.extensions["motcua.plugins"]
    assert manager.records["construction_permit"].state == "enabled"
    page = motcua_clients.specialist.get("/construction_permit/?lang=vi").get_data(
        as_text=True)
    assert "Giấy phép xây dựng" in page and "Hồ sơ cần xử lý" in page
    assert "/construction_permit/" in motcua_clients.leader.get("/").get_data(as_text=True)
    inspector = inspect(motcua_app.extensions["motcua.db"].engine)
    for table in motcua_models().tables.values():
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys())


def _issued(motcua_clients, motcua_flow, **specialist) -> tuple[str, dict]:
    """A dossier taken in at the desk, its fee recorded there, routed and issued."""
    desk = motcua_clients.reception
    code = take_in_at_desk(desk, **specialist)
    paid = desk.post(f"/dossiers/{code}/fees", data={
        "amount": "75.000", "payer": "Nguyễn Văn An", "series": "BL/2026XD",
        "number": f"{len(code):03d}{code[-4:]}"})
    assert paid.status_code == 302, paid.get_data(as_text=True)[:2000]
    queue = motcua_clients.specialist.get("/construction_permit/").get_data(as_text=True)
    assert f'data-code="{code}"' in queue
    motcua_flow.route(code)
    issued = motcua_flow.issue(code)
    assert issued.result, issued.status
    return code, dict(issued.result)


def test_the_permit_names_the_signing_agency_and_shows_the_fee(motcua_clients, motcua_flow):
    code, result = _issued(motcua_clients, motcua_flow)
    today = today_in_vietnam()
    assert re.fullmatch(rf"0001/{today.year}/GPXD", result["number"])
    assert result["issuing_agency"] == CITY
    assert result["valid_until"] == add_months(today, 12).isoformat()  # the default
    page = motcua_clients.leader.get(f"/construction_permit/permit/{code}?lang=vi")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"<dd data-agency>{CITY}</dd>" in html
    assert "Lệ phí đã nộp" in html and "75.000" in html
    assert re.search(r'data-receipt="BL/2026XD/\d+"', html)
    english = motcua_clients.leader.get(f"/construction_permit/permit/{code}?lang=en")
    text = english.get_data(as_text=True)
    assert "Fees paid" in text and "Issuing agency" in text and "Lệ phí đã nộp" not in text
    register = motcua_clients.leader.get("/construction_permit/register?lang=en")
    assert f'data-number="{result["number"]}"' in register.get_data(as_text=True)


def test_the_permit_is_a_pdf_kept_with_the_dossier(motcua_clients, motcua_flow):
    code, result = _issued(motcua_clients, motcua_flow, floor_area_m2="120,5")
    served = motcua_clients.leader.get(f"/construction_permit/permit/{code}.pdf")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    text = pdf_text(served.data)
    assert "GIẤY PHÉP XÂY DỰNG" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert result["number"] in text and "120,5 m²" in text
    assert "UBND THÀNH PHỐ THỬ NGHIỆM" in text and "Số 8 đường Lê Lợi" in text
    # The issued PDF is among the dossier's files, and the plugin's page reads it back.
    # Read by the desk's leader (the specialist's step is over: it no longer sees it).
    page = motcua_clients.leader.get(f"/construction_permit/drawings/{code}?lang=en")
    listing = page.get_data(as_text=True)
    kept = re.findall(r'data-file="(\d+)" data-kind="result"', listing)
    assert len(kept) == 1
    stored = motcua_clients.leader.get(f"/construction_permit/drawings/{code}/{kept[0]}")
    assert stored.mimetype == "application/pdf"
    assert result["number"] in pdf_text(stored.data)
    # The desk's dossier page links the printable result.
    dossier_page = motcua_clients.reception.get(f"/dossiers/{code}").get_data(as_text=True)
    assert f"/construction_permit/permit/{code}.pdf" in dossier_page


def test_the_drawings_page_lists_and_reads_the_scan_taken_at_intake(motcua_clients):
    code = take_in_at_desk(motcua_clients.reception)
    specialist = motcua_clients.specialist
    page = specialist.get(f"/construction_permit/drawings/{code}?lang=vi").get_data(
        as_text=True)
    assert "ban-ve-mat-bang.png" in page and "Bản vẽ thiết kế xây dựng" in page
    found = re.findall(r'data-file="(\d+)" data-kind=""', page)
    assert len(found) == 1
    scan = specialist.get(f"/construction_permit/drawings/{code}/{found[0]}")
    assert scan.status_code == 200 and scan.mimetype == "image/png" and scan.data == SCAN
    assert specialist.get(f"/construction_permit/drawings/{code}/999999").status_code == 404
    # Outside the dossier's units (the tax office's officer): refused, nothing read.
    assert motcua_clients.tax_officer.get(
        f"/construction_permit/drawings/{code}/{found[0]}").status_code in (403, 404)


def test_the_report_counts_permits_by_ward_on_the_page_and_in_excel(motcua_clients,
                                                                     motcua_flow):
    _issued(motcua_clients, motcua_flow, floor_area_m2="120,5")
    _issued(motcua_clients, motcua_flow, floor_area_m2="80,25", parcel_number="13")
    _issued(motcua_clients, motcua_flow, ward="Phường Hai", floor_area_m2="200")
    today = today_in_vietnam()
    query = f"period={today:%Y-%m}"
    leader = motcua_clients.leader
    page = leader.get(f"/reports/plugins/construction_permit/permits_by_ward?{query}&lang=vi")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert "<th>Phường, xã</th>" in head and "<th>Tổng diện tích sàn (m²)</th>" in head
    assert "<th>Tỷ lệ cấp đúng hạn</th>" in head
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", body)
    day = f"{today:%d/%m/%Y}"
    assert cells == ["Phường Hai", "1", "200,0", "100,0%", day,
                     "Phường Một", "2", "200,8", "100,0%", day]
    english = leader.get(f"/reports/plugins/construction_permit/permits_by_ward?{query}"
                         f"&lang=en").get_data(as_text=True)
    assert "<th>Total floor area (m²)</th>" in english and ">200.8<" in english

    workbook = leader.get(f"/reports/plugins/construction_permit/permits_by_ward.xlsx?{query}")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if "Phường, xã" in row)
    assert rows[header] == ["Phường, xã", "Số giấy phép đã cấp", "Tổng diện tích sàn (m²)",
                            "Tỷ lệ cấp đúng hạn", "Ngày cấp gần nhất"]
    ward, permits, area, share, last = sheet[header + 3]
    assert (ward.value, permits.value, permits.number_format) == ("Phường Một", 2, "#,##0")
    assert (area.value, area.number_format) == (200.8, "#,##0.0")  # 120,5 + 80,25
    assert (share.value, share.number_format) == (1, "#,##0.0%")
    assert last.is_date and last.value.date() == today
