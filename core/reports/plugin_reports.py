"""The reports plugins offer (the ``motcua_reports`` hook), shown to leaders and the ICT
department next to the core's own: a list on the dashboard, a page and an Excel file per
report at ``/reports/plugins/<plugin>/<name>``, and ``motcua reports plugin``.

A report is built with ``build(session, start, end, unit_code)``: ``start`` and ``end``
are the first and last day of the period (dates, both included) and ``unit_code`` the
unit chosen within the viewer's units, exactly as the dashboard chooses it. A build that
raises or answers something other than a list of dicts is a plugin failure: reported
like any other hook failure (admin page) and shown as a message, never a server error.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from openpyxl import Workbook
from sqlalchemy.orm import Session

from motcua.core.extensions import db_session
from motcua.core.reports.columns import checked, excel_format, is_numeric, shown
from motcua.core.reports.excel import (
    page_setup,
    period_line,
    report_heading,
    signature_block,
    signing,
    table_header,
    table_row,
    workbook_response,
)
from motcua.core.reports.periods import Period
from motcua.core.reports.scope import Scope
from motcua.core.reports.views import _query, _scope, bp, report_roots
from motcua.core.timeutil import local_date, now
from motcua_sdk.types import Report

HOOK = "motcua_reports"
PLUGIN_HEADER_ROW = 4  # under the title, the unit and period, and the date of making


@dataclass(frozen=True)
class Outcome:
    """The rows of one report as cells in the order of its columns, or why there are
    none (``error``: the plugin failed)."""

    rows: list[list[Any]]
    error: str | None = None


def plugin_reports() -> list[tuple[str, Report]]:
    """``[(plugin name, Report)]`` of the enabled plugins, in loading order."""
    return current_app.extensions["motcua.plugins"].reports()


def _text(label: Any) -> str:
    """A title or heading in the request's language: English text through the catalogues
    (the plugins' join the core's), a lazy string of a plugin's own catalogue by itself."""
    return _(label) if isinstance(label, str) else str(label)


def report_texts(report: Report) -> tuple[str, list[str]]:
    """The report's title and column headings in the request's language."""
    return _text(report.title), [_text(column.label) for column in report.column_specs]


def find_report(plugin: str, name: str) -> Report | None:
    """Report ``name`` of enabled plugin ``plugin``, if it offers one."""
    return next((report for owner, report in plugin_reports()
                 if owner == plugin and report.name == name), None)


def build_rows(session: Session, plugin: str, report: Report, period: Period,
               unit_code: str | None) -> Outcome:
    """Run the report's build for ``period`` and ``unit_code``; a failure is reported to
    the plugin manager (kept for the admin page) and undone, never raised."""
    manager = current_app.extensions["motcua.plugins"]
    try:
        answer = report.build(session, period.first, period.last, unit_code)
        if not isinstance(answer, list | tuple) or not all(
                isinstance(row, dict) for row in answer):
            raise TypeError(f"report {report.name} must return a list of dicts, "
                            f"not {type(answer).__name__}")
        # Each value as its column's type holds it; one of another type is the
        # plugin's failure, never a wrong figure on the page.
        rows = [[checked(column, row.get(column.key)) for column in report.column_specs]
                for row in answer]
    except Exception as error:  # noqa: BLE001 - isolate plugins like every hook failure
        # A failed SQL statement leaves the transaction unusable (PostgreSQL) and a
        # report must change nothing: undo whatever the build did.
        session.rollback()
        manager.report_failure(plugin, f"{HOOK} ({report.name})", error)
        # The first line is enough for the reader; the whole failure is on the admin page.
        return Outcome([], f"{type(error).__name__}: {error}".splitlines()[0][:300])
    return Outcome(rows)


def _report_or_404(plugin: str, name: str) -> Report:
    report = find_report(plugin, name)
    if report is None:
        # Named as its path (plugin/report): identifiers, not words of the sentence.
        abort(404, description=_("No enabled plugin offers the report %(report)s.",
                                 report=f"{plugin[:40]}/{name[:40]}"))
    return report


def _page(plugin: str, report: Report, outcome: Outcome, scope: Scope, period: Period,
          roots: list) -> str:
    query = _query(scope, period)
    return render_template("reports/plugin_report.html", plugin=plugin, report=report,
                           outcome=outcome, scope=scope, period=period, roots=roots,
                           signing=signing(local_date(now())),
                           query={"unit": query["unit"], "period": query["period"]})


@bp.get("/plugins/<plugin>/<name>")
@login_required
def plugin_report(plugin: str, name: str) -> str:
    """One plugin report as a table, for the period and unit the dashboard would show."""
    scope, period, roots = _scope()
    report = _report_or_404(plugin, name)
    outcome = build_rows(db_session(), plugin, report, period, scope.root.code)
    return _page(plugin, report, outcome, scope, period, roots)


@bp.get("/plugins/<plugin>/<name>.xlsx")
@login_required
def plugin_report_xlsx(plugin: str, name: str) -> Response | str:
    """The same report as an Excel workbook (title, unit and period, date of making,
    column headings, rows as typed cells, signatures), set up for A4; a failed build
    answers the report's page with its message instead."""
    scope, period, roots = _scope()
    report = _report_or_404(plugin, name)
    outcome = build_rows(db_session(), plugin, report, period, scope.root.code)
    if outcome.error is not None:
        return _page(plugin, report, outcome, scope, period, roots)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report.name[:31]  # Excel's limit for a sheet name
    width, made_on = len(report.columns), local_date(now())
    title, headings = report_texts(report)
    report_heading(sheet, width, title, period_line(scope.root.name, period), made_on)
    table_header(sheet, PLUGIN_HEADER_ROW, headings)
    for number, row in enumerate(outcome.rows, start=PLUGIN_HEADER_ROW + 1):
        table_row(sheet, number, row)
        for index, (column, value) in enumerate(zip(report.column_specs, row, strict=True),
                                                start=1):
            pattern = excel_format(column, value)
            if pattern is not None:
                sheet.cell(row=number, column=index).number_format = pattern
    page_setup(sheet, width, f"{PLUGIN_HEADER_ROW}:{PLUGIN_HEADER_ROW}")
    signature_block(sheet, PLUGIN_HEADER_ROW + len(outcome.rows) + 2, width, made_on)
    data = io.BytesIO()
    workbook.save(data)
    return workbook_response(
        data.getvalue(), f"{plugin}-{report.name}-{scope.root.code}-{period.code}.xlsx")


@bp.app_context_processor
def _listing() -> dict:
    def listed_plugin_reports() -> list[tuple[str, Report]]:
        # Only for accounts with a report role: the plugins' figures are the units'.
        if not current_user.is_authenticated or not report_roots(current_user):
            return []
        return plugin_reports()

    return {"plugin_reports": listed_plugin_reports, "report_texts": report_texts,
            "report_cell": shown, "report_numeric": is_numeric}
