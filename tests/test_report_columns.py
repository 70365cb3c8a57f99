"""Typed report columns (motcua_sdk.ReportColumn): headed by their labels, not keys, shown
in the reader's number and date format on the page and written to Excel as typed cells
(numbers, percentages, dates as dates); a value of the wrong type is the plugin's
failure; plain 0.1 reports keep their display; the example plugins use typed columns."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from motcua_sdk import Report, ReportColumn
from tests.conftest import login
from tests.test_plugin_manager import make_plugin, plugin_app, with_world

QUERY = "period=2026-12"
COLUMNS = (
    ReportColumn("office", "Tax office"),
    ReportColumn("received", "Received", "number"),
    ReportColumn("average", "Average days", "number", decimals=1),
    ReportColumn("share", "On time", "percent"),
    ReportColumn("first", "First received on", "date"),
    ReportColumn("last", "Last answer", "date"),
    "code",  # an API 0.1 plain key beside them
)
ROWS = [
    {"office": "Chi cục Thuế A", "received": 1234567, "average": 2.75, "share": 0.903,
     "first": date(2026, 12, 1), "last": datetime(2026, 12, 6, 20, 0, tzinfo=UTC),
     "code": 4321},
    {"office": "Chi cục Thuế B", "received": 0, "average": None, "share": None,
     "first": "2026-12-02", "last": None, "code": "x"},
]
WRONG_ROWS = [{"office": "A", "received": "many", "average": 1, "share": 0.5,
               "first": None, "last": None, "code": 1}]


def typed(session, start, end, unit_code):  # noqa: ANN001, ANN201
    return [dict(row) for row in ROWS]


TYPED = make_plugin(api=">=0.1,<0.3", motcua_reports=lambda: [
    Report(name="typed", title="Typed figures", columns=COLUMNS, build=typed),
    Report(name="wrong", title="Wrong figures", columns=COLUMNS,
           build=lambda *args: [dict(row) for row in WRONG_ROWS]),
    Report(name="bad_date", title="Bad date", columns=(ReportColumn("d", "Day", "date"),),
           build=lambda *args: [{"d": "tomorrow"}])])


@pytest.fixture
def app(templates, backend, tmp_path):
    app = plugin_app(templates, backend, tmp_path, ("typed", TYPED))
    yield app
    app.extensions["motcua.db"].dispose()


@pytest.fixture
def leader(app):
    with_world(app)
    return login(app.test_client(), "lanhdao")


def _cells(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", body)


def test_the_page_shows_labels_and_vietnamese_formats(leader):
    page = leader.get(f"/reports/plugins/typed/typed?{QUERY}&lang=vi").get_data(as_text=True)
    head = page.split("<thead>")[1].split("</thead>")[0]
    # Labels go through the catalogues (the core's knows these two words).
    assert "<th>Đã tiếp nhận</th>" in head and "<th>Đúng hạn</th>" in head
    assert ">received<" not in head and ">share<" not in head
    cells = _cells(page)
    assert cells[:7] == ["Chi cục Thuế A", "1.234.567", "2,8", "90,3%", "01/12/2026",
                         "07/12/2026",  # 20:00 UTC is the next morning in Vietnam
                         "4.321"]
    assert cells[7:] == ["Chi cục Thuế B", "0", "", "", "02/12/2026", "", "x"]
    assert 'class="num" data-type="number">1.234.567<' in page
    assert 'data-type="percent">90,3%<' in page


def test_the_page_in_english_uses_english_separators(leader):
    page = leader.get(f"/reports/plugins/typed/typed?{QUERY}&lang=en").get_data(as_text=True)
    assert _cells(page)[:5] == [
        "Chi cục Thuế A", "1,234,567", "2.8", "90.3%", "01/12/2026"]


def test_excel_cells_are_typed(leader):
    answer = leader.get(f"/reports/plugins/typed/typed.xlsx?{QUERY}")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).active
    header = [cell.value for cell in sheet[4]]
    assert header == ["Tax office", "Received", "Average days", "On time",
                      "First received on", "Last answer", "code"]
    first = sheet[5]
    office, received, average, share, first_day, last, code = first
    assert (office.value, office.data_type) == ("Chi cục Thuế A", "s")
    assert (received.value, received.data_type, received.number_format) == (
        1234567, "n", "#,##0")
    assert (average.value, average.number_format) == (2.75, "#,##0.0")
    assert (share.value, share.data_type, share.number_format) == (0.903, "n", "#,##0.0%")
    assert first_day.is_date and first_day.value == datetime(2026, 12, 1)
    assert first_day.number_format == "DD/MM/YYYY"
    assert last.is_date and last.value == datetime(2026, 12, 7)
    assert (code.value, code.number_format) == (4321, "#,##0")
    second = sheet[6]
    assert second[1].value == 0 and second[1].data_type == "n"
    assert second[2].value is None and second[3].value is None
    assert second[4].is_date and second[4].value == datetime(2026, 12, 2)
    assert (second[6].value, second[6].data_type) == ("x", "s")


@pytest.mark.parametrize(("name", "message"), [
    ("wrong", "column received is of type number: 'many' is not a number"),
    ("bad_date", "column d is of type date: 'tomorrow' is not a date"),
])
def test_a_value_of_the_wrong_type_is_the_plugins_failure(app, leader, name, message):
    page = leader.get(f"/reports/plugins/typed/{name}?{QUERY}&lang=en")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "data-report-failed" in text and message in text
    workbook = leader.get(f"/reports/plugins/typed/{name}.xlsx?{QUERY}&lang=en")
    assert workbook.mimetype == "text/html"
    assert message in html.unescape(workbook.get_data(as_text=True))
    failures = app.extensions["motcua.plugins"].failures
    assert [(f.plugin, f.hook) for f in failures][-1] == ("typed", f"motcua_reports ({name})")


def test_a_column_is_checked_when_declared():
    with pytest.raises(ValueError, match="type must be one of"):
        ReportColumn("n", "N", "money")
    with pytest.raises(ValueError, match="needs a key"):
        ReportColumn("", "N")
    with pytest.raises(ValueError, match="decimals"):
        ReportColumn("n", "N", "number", decimals=9)
    plain = Report(name="r", title="R", columns=("a", "b"), build=list,
                   column_labels={"a": "Heading A"})
    assert plain.columns == ("a", "b")
    assert [(c.key, c.label, c.type) for c in plain.column_specs] == [
        ("a", "Heading A", "auto"), ("b", "b", "auto")]


@pytest.mark.parametrize("module", ["motcua_business_registration",
                                    "motcua_tax_interconnection"])
def test_the_example_plugins_reports_have_typed_labelled_columns(module):
    plugin = __import__(module)
    for report in plugin.motcua_reports():
        assert all(column.type != "auto" and column.label != column.key
                   for column in report.column_specs), report.name
        assert any(column.type == "number" for column in report.column_specs)
