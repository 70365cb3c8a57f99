"""Dashboards, drill-down, the periodic report and its Excel file, the officer report:
over HTTP, with the September fixture of tests/test_reports_figures.py."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import login
from tests.test_reports_figures import REPORT_TIME, september  # noqa: F401
from tests.test_workflow_support import Clock

SEPTEMBER = "unit=H72.01&period=2026-09"


@pytest.fixture
def leader(app, september, monkeypatch):  # noqa: F811
    clock = Clock(monkeypatch, REPORT_TIME)
    monkeypatch.setattr("motcua.core.reports.views.now", clock.now)  # "now" of the pages
    return login(app.test_client(), "lanhdao")


def test_dashboard_shows_the_figures_and_every_figure_links_to_its_dossiers(leader,
                                                                           september):  # noqa: F811
    page = leader.get(f"/reports/?{SEPTEMBER}").get_data(as_text=True)
    assert 'data-figure="late"' in page and "60.0%" in page  # 3 of 5 on time
    listed = leader.get(f"/reports/dossiers?category=late&{SEPTEMBER}").get_data(as_text=True)
    assert september["D4"] in listed and september["D5"] in listed
    assert 'data-total>2<' in listed
    assert september["D1"] not in listed
    by_unit = leader.get(f"/reports/dossiers?category=resolved&group=unit&key=H72.01.01"
                         f"&{SEPTEMBER}").get_data(as_text=True)
    assert 'data-total>5<' in by_unit


def test_reports_are_refused_outside_ones_units_and_roles(app, routing, september):  # noqa: F811
    other = login(app.test_client(), "lanhdao.hoathanh")
    assert other.get(f"/reports/?{SEPTEMBER}").status_code == 403
    assert other.get(f"/reports/dossiers?category=late&{SEPTEMBER}").status_code == 403
    assert other.get(f"/reports/periodic.xlsx?{SEPTEMBER}").status_code == 403
    assert other.get("/reports/?period=2026-09").status_code == 200  # its own district
    specialist = login(app.test_client(), "chuyenvien")
    assert specialist.get(f"/reports/?{SEPTEMBER}").status_code == 403
    ict = login(app.test_client(), "cntt")
    assert ict.get(f"/reports/?{SEPTEMBER}").status_code == 200
    assert ict.get("/reports/?period=2026-13").status_code == 400
    assert ict.get("/reports/dossiers?category=nonsense&period=2026-09").status_code == 404


def test_periodic_report_page_and_excel_layout(leader):
    page = leader.get(f"/reports/periodic?{SEPTEMBER}").get_data(as_text=True)
    assert "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in page
    response = leader.get(f"/reports/periodic.xlsx?{SEPTEMBER}")
    assert response.status_code == 200
    assert "bao-cao-H72.01-2026-09.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert "2026-09" in sheet["A2"].value and "01/09/2026" in sheet["A2"].value
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A4:A5", "B4:B5", "C4:F4", "G4:J4", "K4:M4", "N4:P4", "Q4:Q5"} <= merged
    assert [sheet.cell(row=5, column=c).value for c in range(3, 7)] == [
        "Tổng số", "Kỳ trước chuyển qua", "Mới tiếp nhận trực tuyến",
        "Mới tiếp nhận trực tiếp, bưu chính"]
    assert sheet["A6"].value == "(1)" and sheet["Q6"].value == "(17)"
    # One receiving unit (the district desk), then the total row.
    desk = [sheet.cell(row=7, column=c).value for c in range(1, 18)]
    assert desk[:2] == [1, "Bộ phận một cửa thành phố Tây Ninh"]
    assert desk[2:16] == [11, 2, 1, 8, 5, 1, 2, 2, 4, 2, 2, 2, 1, 1]
    assert desk[16] == 0.6
    total = [sheet.cell(row=8, column=c).value for c in range(1, 18)]
    assert total[1] == "Tổng cộng" and total[2:16] == desk[2:16]
    assert sheet.cell(row=9, column=2).value is None


def test_periodic_excel_is_set_up_for_a4_with_the_date_signatures_and_number_formats(leader):
    sheet = load_workbook(io.BytesIO(leader.get(f"/reports/periodic.xlsx?{SEPTEMBER}").data)).active
    # Made "today" (the pages' clock): 5 October 2026.
    assert sheet["A3"].value == "Ngày lập báo cáo: 05/10/2026"
    assert sheet["A2"].value.startswith("UBND thành phố Tây Ninh — Kỳ báo cáo 2026-09")
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation) == (9, "landscape")  # 17 columns: wide
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$4:$6"
    margins = sheet.page_margins
    assert margins.left > 0.5 and margins.right > 0.3 and margins.top > 0.3
    # Counts with the thousands separator, the rate as a percentage with one decimal:
    # Excel shows them with the reader's separators (1.234 and 60,0% in Vietnamese).
    assert {sheet.cell(row=7, column=c).number_format for c in range(3, 17)} == {"#,##0"}
    assert sheet["Q7"].number_format == "#,##0.0%" and sheet["Q8"].number_format == "#,##0.0%"
    # Two rows under the table: the date, then who made it (left) and the head (right).
    assert sheet["I10"].value == "Ngày 05 tháng 10 năm 2026"
    assert (sheet["A11"].value, sheet["I11"].value) == ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ")
    assert (sheet["A12"].value, sheet["I12"].value) == ("(Ký, ghi rõ họ tên)",
                                                        "(Ký tên, đóng dấu)")
    assert {"A11:H11", "I11:Q11"} <= {str(r) for r in sheet.merged_cells.ranges}


def test_figures_are_in_the_readers_number_format(leader):
    english = leader.get(f"/reports/?{SEPTEMBER}").get_data(as_text=True)
    assert "60.0%" in english
    vietnamese = leader.get(f"/reports/?{SEPTEMBER}&lang=vi").get_data(as_text=True)
    assert "60,0%" in vietnamese and "60.0%" not in vietnamese
    periodic = leader.get(f"/reports/periodic?{SEPTEMBER}&lang=vi").get_data(as_text=True)
    assert "<td>60,0%</td>" in periodic


def test_the_period_picker_names_a_month_a_quarter_a_half_or_a_year(leader):
    def period_of(query: str) -> str:
        page = leader.get(f"/reports/periodic?unit=H72.01&{query}").get_data(as_text=True)
        return re.search(r"\(([0-9/]+ – [0-9/]+)\)", page).group(1)

    assert period_of("year=2026&part=09") == "01/09/2026 – 30/09/2026"
    assert period_of("year=2026&part=Q3") == "01/07/2026 – 30/09/2026"
    assert period_of("year=2026&part=H1") == "01/01/2026 – 30/06/2026"
    assert period_of("year=2025&part=") == "01/01/2025 – 31/12/2025"
    page = leader.get(f"/reports/?{SEPTEMBER}").get_data(as_text=True)
    assert re.search(r'<option value="09" selected>', page)
    assert re.search(r'<option value="2026" selected>2026</option>', page)
    assert 'name="period"' not in page  # nothing to type
    days = leader.get("/reports/?unit=H72.01&period=2026-09-07..2026-09-11").get_data(
        as_text=True)
    assert '<option value="2026-09-07..2026-09-11" selected>' in days  # kept as it is
    assert leader.get("/reports/periodic?unit=H72.01&year=2026&part=2026-09-07..2026-09-11"
                      ).status_code == 200


@pytest.mark.parametrize("query", ["period=2026-13", "period=soon", "year=2026&part=Q5",
                                   "year=26&part=09", "year=2026&part=13"])
def test_a_bad_period_is_a_400_in_the_readers_language(leader, query):
    for path in ("/reports/", "/reports/periodic", "/reports/periodic.xlsx"):
        vietnamese = leader.get(f"{path}?unit=H72.01&{query}&lang=vi")
        assert vietnamese.status_code == 400
        text = vietnamese.get_data(as_text=True)
        assert "viết một tháng (2026-11)" in text and "write a month" not in text
    english = leader.get(f"/reports/?unit=H72.01&{query}")
    assert english.status_code == 400 and "write a month (2026-11)" in english.text


def test_officer_evaluation(leader):
    page = leader.get(f"/reports/officers?{SEPTEMBER}").get_data(as_text=True)
    rows = {re.sub(r"<[^>]+>", "", cells[0]): [re.sub(r"<[^>]+>", "", c) for c in cells]
            for cells in (re.findall(r"<td>(.*?)</td>", row)
                          for row in re.findall(r"<tr data-officer[^>]*><td>.*?</tr>", page))}
    specialist, leader_row = rows["Phạm Chuyên Viên"], rows["Võ Lãnh Đạo"]
    assert specialist[6] == "1"  # the apology of D4
    # The leader approved D1-D5 in September, each approval step due one working day
    # after its submission: D1 (submitted 28 Aug, due 3 Sep, approved 4 Sep), D2 (4 Sep,
    # due 7 Sep, approved 8 Sep), D4 (10 Sep 9:30, due 11 Sep 9:30, approved 10:00) and
    # D5 (14 Sep, due 15 Sep, approved 18 Sep) were late; D3 (due 15 Sep 9:00, approved
    # 7:45) was not.
    assert leader_row[3] == "5" and leader_row[5] == "4" and leader_row[6] == "0"


def _figure(page: str, name: str) -> int:
    return int(re.search(rf'data-figure="{name}">(\d+)<', page).group(1))


def test_department_leaders_dashboard_counts_what_passed_through_the_department(
        app, september, monkeypatch):  # noqa: F811
    Clock(monkeypatch, REPORT_TIME)
    district = login(app.test_client(), "lanhdao")
    via_district = district.get("/reports/?unit=H72.01&department=H72.01.02&period=2026-09")
    head = login(app.test_client(), "truongphong")
    response = head.get("/reports/?period=2026-09")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Every dossier of the fixture went to the finance office (D7 at receipt, withdrawn
    # before anyone claimed it), so the department counts what the district counts.
    assert _figure(page, "to_handle") == 11 == _figure(
        via_district.get_data(as_text=True), "to_handle")
    assert _figure(page, "late") == 2
    listed = head.get("/reports/dossiers?category=late&unit=H72.01.02&department=H72.01.02"
                      "&period=2026-09").get_data(as_text=True)
    assert september["D4"] in listed and september["D5"] in listed
    # The department leader cannot widen to the district, nor pick another department.
    assert head.get("/reports/?unit=H72.01&period=2026-09").status_code == 403
    assert head.get("/reports/?department=H72.01.03&period=2026-09").status_code == 404


def test_district_dashboard_offers_its_departments_as_a_filter(leader):
    page = leader.get(f"/reports/?{SEPTEMBER}").get_data(as_text=True)
    options = re.findall(r'<option value="([^"]*)"',
                         page[page.index('data-filter="department"'):].split("</select>")[0])
    assert options == ["", "H72.01.02", "H72.01.03"]  # all, finance, justice
    justice = leader.get(f"/reports/?{SEPTEMBER}&department=H72.01.03").get_data(as_text=True)
    assert _figure(justice, "to_handle") == 0  # no dossier went to the justice office


def test_officer_sees_only_their_own_figures(app, september, monkeypatch):  # noqa: F811
    Clock(monkeypatch, REPORT_TIME)
    officer = login(app.test_client(), "chuyenvien")
    page = officer.get("/reports/?period=2026-09").get_data(as_text=True)
    # Every dossier but D7 (withdrawn at the desk before any claim) passed through them.
    assert _figure(page, "to_handle") == 10 and _figure(page, "withdrawn") == 0
    assert "data-scope-officer" in page and "Phạm Chuyên Viên" in page
    assert "reports/periodic" not in page  # the unit's official reports are not theirs
    listed = officer.get("/reports/dossiers?category=late&period=2026-09")
    assert listed.status_code == 200 and september["D4"] in listed.get_data(as_text=True)


def test_officer_cannot_see_other_officers_or_units(app, routing, september):  # noqa: F811
    officer = login(app.test_client(), "chuyenvien")
    leader_id = routing.accounts["leader"].id
    assert officer.get(f"/reports/?officer={leader_id}&period=2026-09").status_code == 403
    assert officer.get("/reports/?unit=H72.01&period=2026-09").status_code == 403
    assert officer.get("/reports/?department=H72.01.02&period=2026-09").status_code == 403
    assert officer.get("/reports/periodic?period=2026-09").status_code == 403
    assert officer.get("/reports/officers?period=2026-09").status_code == 403


def test_leader_cannot_pick_an_officer_outside_their_units(app, routing, september):  # noqa: F811
    leader = login(app.test_client(), "lanhdao")
    outsider = routing.accounts["other_specialist"].id
    assert leader.get(f"/reports/?{SEPTEMBER}&officer={outsider}").status_code == 404
    assert leader.get(f"/reports/?{SEPTEMBER}&officer=999999").status_code == 404


def test_a_hub_says_its_figures_leave_out_the_read_model(templates, tmp_path):
    from motcua.core import create_app
    from tests.factories import build_world

    hub = create_app(instance_path=tmp_path / "hub", role="hub", secret_key="test-secret",
                     database_url=templates("sqlite").fresh_url(tmp_path), TESTING=True,
                     WTF_CSRF_ENABLED=False)
    try:
        with hub.app_context():
            build_world(hub.extensions["motcua.db"].session)
            hub.extensions["motcua.db"].remove()
        ict = login(hub.test_client(), "cntt")
        assert "data-hub-notice" in ict.get("/reports/?period=2026-09").get_data(as_text=True)
        assert "data-hub-notice" in ict.get("/reports/periodic?period=2026-09").get_data(
            as_text=True)
    finally:
        hub.extensions["motcua.db"].dispose()


def test_a_standalone_server_shows_no_hub_notice(leader):
    assert "data-hub-notice" not in leader.get(f"/reports/?{SEPTEMBER}").get_data(as_text=True)


def test_overdue_alert_counts_and_lists_the_dossiers_overdue_now(leader, september):  # noqa: F811
    # On 5 October: D8 (due 2 Oct), D9 (due 25 Sep) and D13 (due 4 Sep) are open and
    # overdue; D10's clock is stopped; D12 (received 1 Oct) is not due yet.
    page = leader.get(f"/reports/?{SEPTEMBER}").get_data(as_text=True)
    alert = re.search(r"<section[^>]*data-overdue-alert>(.*?)</section>", page, re.S).group(1)
    assert "3 dossiers are overdue now." in alert
    link = re.search(r'href="([^"]+)"', alert).group(1).replace("&amp;", "&")
    assert "period=2026-10" in link and "category=in_processing_overdue" in link
    listed = leader.get(link).get_data(as_text=True)
    assert all(september[name] in listed for name in ("D8", "D9", "D13"))
    assert september["D10"] not in listed and "data-total>3<" in listed


def test_no_overdue_alert_where_nothing_is_overdue(app, routing, september):  # noqa: F811
    other = login(app.test_client(), "lanhdao.hoathanh")
    assert "data-overdue-alert" not in other.get("/reports/?period=2026-09").get_data(
        as_text=True)


def test_periodic_report_by_field(leader):
    page = leader.get(f"/reports/periodic?{SEPTEMBER}&by=field").get_data(as_text=True)
    assert "Lĩnh vực" in page and "Thành lập và hoạt động của hộ kinh doanh" in page
    sheet = load_workbook(io.BytesIO(leader.get(
        f"/reports/periodic.xlsx?{SEPTEMBER}&by=field").data)).active
    assert sheet["B4"].value == "Lĩnh vực"
    row = [sheet.cell(row=7, column=c).value for c in range(1, 18)]
    assert row[1] == "Thành lập và hoạt động của hộ kinh doanh"
    assert row[2:16] == [11, 2, 1, 8, 5, 1, 2, 2, 4, 2, 2, 2, 1, 1]  # as by unit: one field
    assert sheet.cell(row=8, column=2).value == "Tổng cộng"


def test_ad_hoc_report_over_a_run_of_days(leader, september):  # noqa: F811
    # Mon 7 - Fri 11 September: D2 (received 3 Sep, approved 8 Sep) and D13 carried over;
    # D3 and D4 received; D2 resolved on time, D4 late; D3 asked for a supplement and,
    # with D13, still in processing at the end: D13 overdue, D3 (paused, due 15 Sep) not.
    page = leader.get("/reports/?unit=H72.01&period=2026-09-07..2026-09-11").get_data(
        as_text=True)
    expected = {"carried_over": 2, "received_in_person": 2, "received_online": 0,
                "to_handle": 4, "resolved": 2, "on_time": 1, "late": 1, "early": 0,
                "supplement_requested": 1, "in_processing": 2,
                "in_processing_overdue": 1, "in_processing_on_time": 1}
    assert {name: _figure(page, name) for name in expected} == expected
    listed = leader.get("/reports/dossiers?category=carried_over&unit=H72.01"
                        "&period=2026-09-07..2026-09-11").get_data(as_text=True)
    assert september["D2"] in listed and september["D13"] in listed


def test_ad_hoc_filters_by_procedure_field_and_channel(leader, september):  # noqa: F811
    def page(extra: str) -> str:
        return leader.get(f"/reports/?{SEPTEMBER}&{extra}").get_data(as_text=True)

    assert _figure(page("procedure=1.001612"), "to_handle") == 11
    assert _figure(page("procedure=1.001193"), "to_handle") == 0  # birth registration
    assert _figure(page("field=Hộ tịch"), "to_handle") == 0
    online = page("channel=online")  # D5 alone was received online
    assert (_figure(online, "to_handle"), _figure(online, "received_in_person"),
            _figure(online, "late")) == (1, 0, 1)
    listed = leader.get(f"/reports/dossiers?category=late&{SEPTEMBER}&channel=online")
    text = listed.get_data(as_text=True)
    assert september["D5"] in text and september["D4"] not in text
    report = leader.get(f"/reports/periodic?{SEPTEMBER}&channel=online").get_data(as_text=True)
    assert "hồ sơ nhận trực tuyến" in report


def test_ad_hoc_filters_refuse_what_does_not_exist(leader):
    assert leader.get(f"/reports/?{SEPTEMBER}&procedure=9.999999").status_code == 404
    assert leader.get(f"/reports/?{SEPTEMBER}&field=Không có").status_code == 404
    assert leader.get(f"/reports/?{SEPTEMBER}&channel=fax").status_code == 404
