"""The figures page: pending requests, average turnaround in working days (counted like
the answer deadlines) and stuck external messages, limited to the viewer's tax offices
and units. The expected numbers are worked out by hand below."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from motcua_tax_interconnection.models import Exchange

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOVEMBER = "/tax/figures?from=2026-11-01&to=2026-11-30"


def _vn(day: int, hour: int) -> datetime:
    """November 2026, Vietnam time (2 Nov is a Monday; no public holiday that month)."""
    return datetime(2026, 11, day, hour, tzinfo=VN).astimezone(UTC)


def _row(kind: str, *, office: str = "T99.01", unit: str = "H99.01.01", created: datetime,
         answered: datetime | None = None, due: datetime | None = None,
         channel: str = "internal", **extra) -> Exchange:
    return Exchange(message_id=str(uuid.uuid4()), kind=kind,
                    dossier_code=f"{unit}-{uuid.uuid4().hex[:8]}", procedure_code="1.001612",
                    unit_code=unit, tax_office_code=office, channel=channel, payload={},
                    status="answered" if answered else "waiting", created_at=created,
                    due_at=due or created + timedelta(days=3), answered_at=answered,
                    attempts=extra.pop("attempts", 0), **extra)


@pytest.fixture
def figures_data(motcua_app) -> None:
    now = datetime.now(UTC)
    rows = [
        # Asked Monday 09:00; answered Wednesday 10:00, after the 2-day deadline
        # (Wednesday 09:00), before the 3-day one (Thursday 09:00): 3 working days.
        _row("business", created=_vn(2, 9), answered=_vn(4, 10)),
        # Answered Tuesday 08:00, before the 1-day deadline (Tuesday 09:00): 1.
        _row("business", created=_vn(2, 9), answered=_vn(3, 8)),
        # Asked Friday 16:00; deadlines Mon 9th, Tue 10th, Wed 11th, Thu 12th 16:00; answered
        # Thursday 12th 09:00: 4 working days (the weekend does not count), late.
        _row("business", created=_vn(6, 16), answered=_vn(12, 9)),
        # Average (3 + 1 + 4) / 3 = 2.7; on time (3 working days at most): 2.
        # Land: one overdue, one not yet.
        _row("land", created=now - timedelta(days=9), due=now - timedelta(days=1)),
        _row("land", created=now - timedelta(hours=2), due=now + timedelta(days=5)),
        # Another district's tax office and desk: nobody here may count them.
        _row("business", office="T98.01", unit="H98.01.01", created=_vn(2, 9),
             answered=_vn(2, 10)),
        _row("land", office="T98.01", unit="H98.01.01", created=now, due=now),
        # A message to the external tax system that does not get through.
        _row("business", office="external", channel="external", created=now,
             attempts=3, last_error="connection error: connection refused",
             next_attempt_at=now + timedelta(minutes=2)),
    ]
    database = motcua_app.extensions["motcua.db"]
    with motcua_app.app_context():
        database.session.add_all(rows)
        database.session.commit()
        database.remove()


def _cells(page: str, table: str) -> list[tuple[str, ...]]:
    body = re.search(rf'<table class="table" id="{table}">.*?<tbody>(.*?)</tbody>', page,
                     re.S).group(1)
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip()
                  for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_the_tax_officer_sees_their_office_figures(motcua_clients, figures_data):
    page = motcua_clients.tax_officer.get(NOVEMBER).get_data(as_text=True)
    assert _cells(page, "pending") == [
        ("T99.01", "Chuyển nhượng quyền sử dụng đất", "2", "1")]
    assert _cells(page, "turnaround") == [("T99.01", "Hộ kinh doanh", "3", "2,7", "2")]
    assert "ngày làm việc" in page
    # The external messages are the sending units' business, not the tax office's.
    assert _cells(page, "stuck") == [("Không có.",)]


def test_the_sending_office_sees_its_units_figures_and_stuck_messages(motcua_clients,
                                                                      figures_data):
    page = motcua_clients.leader.get(NOVEMBER).get_data(as_text=True)
    assert _cells(page, "pending") == [
        ("T99.01", "Chuyển nhượng quyền sử dụng đất", "2", "1"),
        ("external", "Hộ kinh doanh", "1", "0")]
    assert _cells(page, "turnaround") == [("T99.01", "Hộ kinh doanh", "3", "2,7", "2")]
    [stuck] = _cells(page, "stuck")
    assert stuck[3:4] == ("3",) and stuck[5] == "connection error: connection refused"


def test_staff_of_other_units_see_no_figures(motcua_clients, figures_data):
    page = motcua_clients.specialist.get(NOVEMBER).get_data(as_text=True)
    assert _cells(page, "pending") == [("Không có.",)]
    assert _cells(page, "turnaround") == [("Chưa có.",)]
    assert _cells(page, "stuck") == [("Không có.",)]


def test_the_turnaround_counts_the_answers_of_the_period_only(motcua_clients, figures_data):
    page = motcua_clients.tax_officer.get("/tax/figures?from=2026-11-05&to=2026-11-30"
                                          ).get_data(as_text=True)
    # Only the answer of 12 November (4 working days, late) is in the period.
    assert _cells(page, "turnaround") == [("T99.01", "Hộ kinh doanh", "1", "4,0", "0")]
    # What waits now does not depend on the period.
    assert _cells(page, "pending") == [
        ("T99.01", "Chuyển nhượng quyền sử dụng đất", "2", "1")]


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-13-01", "Ngày không hợp lệ"),
    ("from=2026-11-30&to=2026-11-01", "Ngày kết thúc phải sau ngày bắt đầu"),
    ("from=2024-01-01&to=2026-11-01", "không quá một năm"),
])
def test_a_bad_period_is_refused_with_a_message(motcua_clients, query, message):
    response = motcua_clients.leader.get(f"/tax/figures?{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def _menu(client) -> list[str]:  # noqa: ANN001
    page = client.get("/tax/figures").get_data(as_text=True)
    return re.findall(r'<a href="([^"]+)" class="plugin-menu">', page)


def test_only_the_tax_officers_menu_leads_to_the_incoming_requests(motcua_clients):
    assert "/tax/" in _menu(motcua_clients.tax_officer)
    # A specialist of a department of the city is not at the tax office: the figures
    # (of their own units) only; so for the leader.
    for client in (motcua_clients.specialist, motcua_clients.leader):
        entries = _menu(client)
        assert "/tax/figures" in entries and "/tax/" not in entries


def test_working_days_taken_agree_with_counting_deadline_by_deadline(motcua_app):
    from motcua_tax_interconnection.reports import WorkingDays

    from motcua_sdk import services

    def one_by_one(start: datetime, end: datetime) -> int:
        count = 0
        while services.working_deadline(start, count) < end:
            count += 1
        return count

    # Starts before opening, in office hours, after closing and at weekends, around the
    # New Year holiday of 2026; ends from the same hour to two weeks later.
    base = datetime(2025, 12, 29, 0, tzinfo=UTC)
    pairs = [(base + timedelta(hours=13 * i), base + timedelta(hours=13 * i + 37 * j))
             for i in range(12) for j in range(0, 10, 2)]
    with motcua_app.test_request_context():
        working = WorkingDays()
        assert [working.taken(a, b) for a, b in pairs] == [one_by_one(a, b)
                                                          for a, b in pairs]
