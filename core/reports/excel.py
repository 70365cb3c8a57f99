"""The periodic report on dossier processing as an Excel workbook (openpyxl), in the
layout of the official report: receipts, results, dossiers in processing, per unit or
field, with totals; and the parts every report workbook shares: the heading (title, unit
and period, date of making), the page setup for printing and the signature block."""

from __future__ import annotations

import io
from datetime import date

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from motcua.core.numbers import COUNT_FORMAT, RATE_FORMAT
from motcua.core.reports.categories import on_time_rate
from motcua.core.reports.periods import Period

# (column title, category) after "No." and the row's name; grouped under the headings.
HEADINGS = [
    ("Số hồ sơ nhận giải quyết", [
        ("Tổng số", "to_handle"), ("Kỳ trước chuyển qua", "carried_over"),
        ("Mới tiếp nhận trực tuyến", "received_online"),
        ("Mới tiếp nhận trực tiếp, bưu chính", "received_in_person")]),
    ("Số hồ sơ đã giải quyết", [
        ("Tổng số", "resolved"), ("Trả trước hạn", "early"), ("Trả đúng hạn", "on_time"),
        ("Trả quá hạn", "late")]),
    ("Số hồ sơ đang giải quyết", [
        ("Tổng số", "in_processing"), ("Chưa đến hạn", "in_processing_on_time"),
        ("Quá hạn", "in_processing_overdue")]),
    ("Hồ sơ khác", [
        ("Yêu cầu bổ sung", "supplement_requested"), ("Từ chối giải quyết", "refused"),
        ("Rút hồ sơ", "withdrawn")]),
]
COLUMNS = [category for _heading, columns in HEADINGS for _title, category in columns]
FIRST_DATA_ROW = 7
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_thin = Side(style="thin")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
PORTRAIT_COLUMNS = 8  # a wider sheet is printed landscape
# Inches, as Excel counts them: 2 cm on the binding (left) side, 1.5 cm elsewhere.
MARGINS = PageMargins(left=0.79, right=0.59, top=0.59, bottom=0.59, header=0.3, footer=0.3)


def report_heading(sheet: Worksheet, width: int, title: str, subtitle: str,
                   made_on: date) -> None:
    """Rows 1-3 across ``width`` columns: the title, the unit and period, the date the
    report was made."""
    for row, text, font in ((1, title, Font(bold=True, size=13)), (2, subtitle, Font()),
                            (3, f"Ngày lập báo cáo: {made_on:%d/%m/%Y}", Font(italic=True))):
        _line(sheet, row, 1, width, text, font)


def _line(sheet: Worksheet, row: int, first: int, last: int, text: str | None,
          font: Font) -> None:
    """``text`` centred across columns ``first`` to ``last`` of ``row``."""
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = sheet.cell(row=row, column=first, value=text)
    cell.font, cell.alignment = font, Alignment(horizontal="center", wrap_text=True)


def page_setup(sheet: Worksheet, width: int, title_rows: str) -> None:
    """Print on A4, landscape when wider than :data:`PORTRAIT_COLUMNS`, fitted to the
    page's width, with ``title_rows`` (``"4:6"``) repeated on every page."""
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "landscape" if width > PORTRAIT_COLUMNS else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    setup.fitToWidth, setup.fitToHeight = 1, 0  # as many pages down as the rows need
    sheet.print_title_rows = title_rows
    sheet.page_margins = MARGINS
    sheet.print_options.horizontalCentered = True


def signing(made_on: date) -> dict:
    """Who signs a report and when, as Vietnamese state reports are signed: the one who
    made it (left) and the head of the unit (right, under the date); the workbooks and
    the printed pages both use it."""
    return {"date": f"Ngày {made_on:%d} tháng {made_on:%m} năm {made_on:%Y}",
            "maker": ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"),
            "head": ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)")}


def signature_block(sheet: Worksheet, row: int, width: int, made_on: date) -> None:
    """From ``row`` on: the :func:`signing` block, the maker in the left half of the
    columns and the head of the unit in the right."""
    half, signers = max(width // 2, 1), signing(made_on)
    blocks = (
        (1, half, [None, *signers["maker"]]),
        (half + 1, width, [signers["date"], *signers["head"]]),
    )
    fonts = (Font(italic=True), Font(bold=True), Font(italic=True))  # date, title, note
    for first, last, lines in blocks:
        for offset, (text, font) in enumerate(zip(lines, fonts, strict=True)):
            _line(sheet, row + offset, first, max(last, first), text, font)


def periodic_workbook(title: str, subtitle: str, name_heading: str, rows: list[dict],
                      total: dict, made_on: date) -> bytes:
    """The workbook's bytes: ``rows`` (each with ``label`` and the category counts) and
    the ``total`` row, with the on-time rate of each, made on ``made_on``."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Bao cao"
    width = 2 + len(COLUMNS) + 1
    report_heading(sheet, width, title, subtitle, made_on)

    # Rows 4-5: headings over their columns; row 6: column numbers, as the form has.
    sheet.merge_cells("A4:A5")
    sheet["A4"] = "STT"
    sheet.merge_cells("B4:B5")
    sheet["B4"] = name_heading
    column = 3
    for heading, columns in HEADINGS:
        start = column
        for title, _category in columns:
            sheet.cell(row=5, column=column, value=title)
            column += 1
        sheet.merge_cells(start_row=4, start_column=start, end_row=4, end_column=column - 1)
        sheet.cell(row=4, column=start, value=heading)
    sheet.merge_cells(start_row=4, start_column=column, end_row=5, end_column=column)
    sheet.cell(row=4, column=column, value="Tỷ lệ đúng hạn (%)")
    for index in range(1, width + 1):
        sheet.cell(row=6, column=index, value=f"({index})")
    for row in sheet.iter_rows(min_row=4, max_row=6, max_col=width):
        for cell in row:
            cell.font, cell.border, cell.alignment = Font(bold=True), _box, _centre

    number = FIRST_DATA_ROW
    for index, item in enumerate([*rows, total]):
        is_total = index == len(rows)
        values = ["" if is_total else index + 1, item["label"],
                  *[item[category] for category in COLUMNS]]
        values.append(on_time_rate(item))
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=col, value=value)
            cell.border = _box
            if col > 2:
                cell.number_format = RATE_FORMAT if col == width else COUNT_FORMAT
            if is_total:
                cell.font = Font(bold=True)
        number += 1
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 42
    for index in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
    page_setup(sheet, width, f"4:{FIRST_DATA_ROW - 1}")
    signature_block(sheet, number + 1, width, made_on)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def table_header(sheet: Worksheet, row: int, titles: list[str]) -> None:
    """Column titles in ``row``, bold and boxed."""
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font, cell.border, cell.alignment = Font(bold=True), _box, _centre


def table_row(sheet: Worksheet, row: int, values: list) -> None:
    """One boxed row of a table; whole numbers with the thousands separator."""
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.border = _box
        if isinstance(value, int) and not isinstance(value, bool):
            cell.number_format = COUNT_FORMAT


def period_line(unit_name: str, period: Period) -> str:
    """The line under a report's title: the unit and the period, as the forms write it."""
    return (f"{unit_name} — Kỳ báo cáo {period.code} "
            f"(từ {period.first:%d/%m/%Y} đến {period.last:%d/%m/%Y})")


def workbook_response(data: bytes, filename: str) -> Response:
    """A workbook's bytes as a download named ``filename``."""
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
