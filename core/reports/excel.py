"""The periodic report on dossier processing as an Excel workbook (openpyxl), in the
layout of the official report: receipts, results, dossiers in processing, per unit or
field, with totals."""

from __future__ import annotations

import io

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

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


def periodic_workbook(title: str, subtitle: str, name_heading: str, rows: list[dict],
                      total: dict) -> bytes:
    """The workbook's bytes: ``rows`` (each with ``label`` and the category counts) and
    the ``total`` row, with the on-time rate of each."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Bao cao"
    width = 2 + len(COLUMNS) + 1
    last = get_column_letter(width)
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.merge_cells(f"A2:{last}2")
    sheet["A2"] = subtitle
    for cell in ("A1", "A2"):
        sheet[cell].alignment = Alignment(horizontal="center")

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
            cell.font, cell.border = Font(bold=True), _box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    number = FIRST_DATA_ROW
    for index, item in enumerate([*rows, total]):
        is_total = index == len(rows)
        values = ["" if is_total else index + 1, item["label"],
                  *[item[category] for category in COLUMNS]]
        rate = on_time_rate(item)
        values.append(round(rate * 100, 1) if rate is not None else None)
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=col, value=value)
            cell.border = _box
            if is_total:
                cell.font = Font(bold=True)
        number += 1
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 42
    for index in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def period_line(unit_name: str, period: Period) -> str:
    """The line under a report's title: the unit and the period, as the forms write it."""
    return (f"{unit_name} — Kỳ báo cáo {period.code} "
            f"(từ {period.first:%d/%m/%Y} đến {period.last:%d/%m/%Y})")


def workbook_response(data: bytes, filename: str) -> Response:
    """A workbook's bytes as a download named ``filename``."""
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
