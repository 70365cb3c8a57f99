"""``motcua reports check-summary`` and ``rebuild-summary`` through the click runner, on
the stories of tests/test_reports_summary.py (September to November 2026)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from motcua.core.models import ReportFigures, ReportSupplements
from motcua.core.reports.commands import reports_group
from tests.test_reports_figures import september  # noqa: F401
from tests.test_reports_summary import stories  # noqa: F401
from tests.test_workflow_support import vn

TODAY = vn(2026, 11, 20, 12)  # the default periods (last twelve months...) cover the stories


@pytest.fixture
def run(app, monkeypatch):
    monkeypatch.setattr("motcua.core.reports.commands.now", lambda: TODAY)

    def run(*args: str):  # noqa: ANN202
        return app.test_cli_runner().invoke(reports_group, list(args))

    return run


def _damage(app, db, model, grain: str, column: str) -> None:  # noqa: ANN001
    """Add one to ``column`` of a row of ``grain`` that counts something, and commit."""
    with app.app_context():
        row = db.session.scalar(select(model).where(model.grain == grain,
                                                    getattr(model, column) > 0)
                                .order_by(model.day).limit(1))
        setattr(row, column, getattr(row, column) + 1)
        db.session.commit()
        db.remove()


def test_check_summary_agrees_after_the_events(run, stories):  # noqa: F811
    result = run("check-summary")
    assert result.exit_code == 0, result.output
    assert "agree" in result.output


def test_check_summary_finds_a_damaged_day_row_inside_whole_months(app, db, run,
                                                                   stories):  # noqa: F811
    _damage(app, db, ReportFigures, "d", "late")
    result = run("check-summary")  # default periods: whole months read month rows only
    assert result.exit_code == 1
    assert "report_figures" in result.output and "rebuild-summary" in result.output


def test_check_summary_finds_a_damaged_supplement_day_row(app, db, run, stories):  # noqa: F811
    _damage(app, db, ReportSupplements, "d", "requests")
    result = run("check-summary", "--period", "2026-10")
    assert result.exit_code == 1
    assert "report_supplements" in result.output


def test_check_summary_finds_a_damaged_month_row(app, db, run, stories):  # noqa: F811
    _damage(app, db, ReportFigures, "m", "received_in_person")
    result = run("check-summary", "--period", "2026-10")
    assert result.exit_code == 1


def test_rebuild_summary_repairs_a_damaged_row(app, db, run, stories):  # noqa: F811
    _damage(app, db, ReportFigures, "d", "late")
    rebuilt = run("rebuild-summary")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Report figures rebuilt" in rebuilt.output
    assert run("check-summary").exit_code == 0


def test_check_summary_refuses_a_bad_period(run, stories):  # noqa: F811
    result = run("check-summary", "--period", "2026-13")
    assert result.exit_code == 2
    assert "--period" in result.output and "2026-13" in result.output
