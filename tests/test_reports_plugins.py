"""Reports plugins offer (``motcua_reports``): listed on the leaders' dashboard, a page and
an Excel file per report within the viewer's units, and ``motcua reports plugin``; a
failing report gives a message, not a server error. A small in-test plugin counts the
dossiers really taken in at the desk."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from motcua.core.accounts import create_account
from motcua.core.models import Dossier, Unit
from motcua.core.reports.commands import reports_group
from motcua.core.timeutil import local_date
from motcua_sdk import Report
from tests.conftest import login
from tests.factories import PASSWORD
from tests.test_plugin_manager import make_plugin, plugin_app, receive, with_world
from tests.test_workflow_support import Clock, vn

DECEMBER = "period=2026-12"


def received_by_unit(session, start, end, unit_code):  # noqa: ANN001, ANN201
    """Dossiers received per receiving unit on the days ``start``..``end`` (both included),
    at or under ``unit_code``."""
    counts: Counter[str] = Counter()
    for received_at, code in session.execute(
            select(Dossier.received_at, Unit.code).join(Unit, Unit.id == Dossier.unit_id)):
        inside = unit_code is None or code == unit_code or code.startswith(unit_code + ".")
        if inside and start <= local_date(received_at) <= end:
            counts[code] += 1
    return [{"unit": code, "received": count} for code, count in sorted(counts.items())]


def bad_sql(session, start, end, unit_code):  # noqa: ANN001, ANN201
    session.execute(text("SELECT * FROM no_such_table"))
    return []


def raises(session, start, end, unit_code):  # noqa: ANN001, ANN201
    raise RuntimeError("report bug")


COUNTING = make_plugin(motcua_reports=lambda: [
    Report(name="received", title="Hồ sơ tiếp nhận theo đơn vị", columns=("unit", "received"),
           build=received_by_unit)])
BROKEN = make_plugin(motcua_reports=lambda: [
    Report(name="explode", title="Exploding", columns=("n",), build=raises),
    Report(name="bad_sql", title="Bad SQL", columns=("n",), build=bad_sql),
    Report(name="not_rows", title="Not rows", columns=("n",), build=lambda *args: 42)])


@pytest.fixture
def app(templates, backend, tmp_path):
    app = plugin_app(templates, backend, tmp_path, ("counting", COUNTING), ("broken", BROKEN))
    yield app
    app.extensions["motcua.db"].dispose()


@pytest.fixture
def world(app, monkeypatch):
    """The test province, a leader of the other district, and two dossiers taken in at
    the city desk (H72.01.01) on 7 December 2026."""
    world = with_world(app)
    database = app.extensions["motcua.db"]
    with app.app_context():
        other = database.session.merge(world.other_district)
        create_account(database.session, username="lanhdao.khac", password=PASSWORD,
                       full_name="Âu Lãnh Đạo Ngoài", unit=other, roles=[("leader", other)])
        database.session.commit()
        database.remove()
    Clock(monkeypatch, vn(2026, 12, 7, 9, 0))
    receive(app, world)
    receive(app, world)
    return world


def page(client, path: str) -> str:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_dashboard_lists_the_plugins_reports_for_leaders_only(app, world):
    leader = login(app.test_client(), "lanhdao")
    listed = page(leader, f"/reports/?{DECEMBER}")
    assert 'data-plugin-report-link="counting/received"' in listed
    assert "/reports/plugins/counting/received?unit=H72.01&amp;period=2026-12" in listed
    officer = login(app.test_client(), "chuyenvien")  # their own figures only
    assert "data-plugin-reports" not in page(officer, f"/reports/?{DECEMBER}")


def test_a_leader_sees_the_rows_built_from_the_dossiers_of_their_unit(app, world):
    leader = login(app.test_client(), "lanhdao")
    shown = page(leader, f"/reports/plugins/counting/received?{DECEMBER}")
    assert "Hồ sơ tiếp nhận theo đơn vị" in shown
    assert "<th>unit</th><th>received</th>" in shown
    assert "<tr><td>H72.01.01</td><td>2</td></tr>" in shown
    before = page(leader, "/reports/plugins/counting/received?period=2026-11")
    assert "data-no-rows" in before and "H72.01.01</td>" not in before


def test_the_report_is_limited_to_the_viewers_units(app, world):
    other = login(app.test_client(), "lanhdao.khac")
    assert other.get(f"/reports/plugins/counting/received?unit=H72.01&{DECEMBER}"
                     ).status_code == 403
    assert other.get(f"/reports/plugins/counting/received.xlsx?unit=H72.01&{DECEMBER}"
                     ).status_code == 403
    own = page(other, f"/reports/plugins/counting/received?{DECEMBER}")  # their district
    assert "data-no-rows" in own and "H72.01.01" not in own
    assert other.get(f"/reports/plugins/counting/received?unit=H99&{DECEMBER}"
                     ).status_code == 404
    specialist = login(app.test_client(), "chuyenvien")
    assert specialist.get(f"/reports/plugins/counting/received?{DECEMBER}").status_code == 403
    province = login(app.test_client(), "cntt")
    assert "<tr><td>H72.01.01</td><td>2</td></tr>" in page(
        province, f"/reports/plugins/counting/received?{DECEMBER}")


def test_the_report_downloads_as_excel(app, world):
    leader = login(app.test_client(), "lanhdao")
    response = leader.get(f"/reports/plugins/counting/received.xlsx?{DECEMBER}")
    assert response.status_code == 200
    assert "counting-received-H72.01-2026-12.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "Hồ sơ tiếp nhận theo đơn vị"
    assert "2026-12" in sheet["A2"].value and "01/12/2026" in sheet["A2"].value
    assert sheet["A3"].value.startswith("Ngày lập báo cáo: ")
    assert [cell.value for cell in sheet[4]] == ["unit", "received"]
    assert [cell.value for cell in sheet[5]] == ["H72.01.01", 2]
    assert sheet["B5"].number_format == "#,##0"
    # Two columns: A4 portrait, fitted to the width, the column keys on every page.
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (9, "portrait")
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$4:$4"
    assert sheet["A7"].value is None and sheet["B7"].value.startswith("Ngày ")
    assert (sheet["A8"].value, sheet["B8"].value) == ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ")


@pytest.mark.parametrize(("name", "message"), [
    ("explode", "RuntimeError: report bug"),
    ("bad_sql", "no_such_table"),
    ("not_rows", "must return a list of dicts"),
])
def test_a_failing_report_shows_a_message_and_is_recorded(app, world, name, message):
    leader = login(app.test_client(), "lanhdao")
    shown = page(leader, f"/reports/plugins/broken/{name}?{DECEMBER}")
    assert "data-report-failed" in shown and message in shown
    assert "data-rows" not in shown
    download = page(leader, f"/reports/plugins/broken/{name}.xlsx?{DECEMBER}")
    assert "data-report-failed" in download
    failures = app.extensions["motcua.plugins"].failures
    assert ("broken", f"motcua_reports ({name})") in {(f.plugin, f.hook) for f in failures}
    # The other plugin's report still works in the same session.
    assert "<td>2</td>" in page(leader, f"/reports/plugins/counting/received?{DECEMBER}")


@pytest.mark.parametrize("path", ["/reports/plugins/nobody/received",
                                  "/reports/plugins/counting/nothing",
                                  "/reports/plugins/nobody/received.xlsx"])
def test_unknown_plugin_or_report_is_404_with_a_message(app, world, path):
    response = login(app.test_client(), "lanhdao").get(f"{path}?{DECEMBER}")
    assert response.status_code == 404
    assert "offers the report" in response.get_data(as_text=True)


def test_a_bad_period_is_400_with_a_message(app, world):
    response = login(app.test_client(), "lanhdao").get(
        "/reports/plugins/counting/received?period=2026-13")
    assert response.status_code == 400
    assert "write a month (2026-11)" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(app, world):
    response = app.test_client().get(f"/reports/plugins/counting/received?{DECEMBER}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def run(app, world):
    def run(*args: str):  # noqa: ANN202
        return app.test_cli_runner().invoke(reports_group, ["plugin", *args])

    return run


def test_cli_prints_the_rows_tab_separated(run):
    result = run("counting", "received", "--period", "2026-12")
    assert result.exit_code == 0, result.output
    assert result.output == "unit\treceived\nH72.01.01\t2\n"


def test_cli_limits_the_rows_to_a_unit(run):
    assert run("counting", "received", "--period", "2026-12", "--unit", "h72.01"
               ).output == "unit\treceived\nH72.01.01\t2\n"
    assert run("counting", "received", "--period", "2026-12", "--unit", "H72.02"
               ).output == "unit\treceived\n"


@pytest.mark.parametrize(("args", "message"), [
    (("nobody", "received"), "No enabled plugin 'nobody' offers a report 'received'"),
    (("counting", "nothing"), "offered: counting received"),
    (("counting", "received", "--period", "2026-13"), "write a month (2026-11)"),
    (("counting", "received", "--unit", "H99"), "No unit has the code H99."),
    (("broken", "explode"), "The report broken explode failed: RuntimeError: report bug"),
])
def test_cli_errors_are_one_line_and_exit_1(run, args, message):
    result = run(*args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
