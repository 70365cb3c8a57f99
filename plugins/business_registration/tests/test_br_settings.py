"""The plugin's setting MOTCUA_BUSINESS_REGISTRATION_REGISTER_PAGE_SIZE: the register page
lists at most that many households, newest first; a value out of range refuses the
plugin (tests/test_plugin_settings.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from motcua_business_registration.models import Household


@pytest.fixture
def motcua_settings() -> dict:
    return {"MOTCUA_BUSINESS_REGISTRATION_REGISTER_PAGE_SIZE": "10"}


def _households(session, count: int) -> None:  # noqa: ANN001
    first = date(2026, 1, 1)
    for number in range(1, count + 1):
        name = f"Tạp hóa số {number}"
        session.add(Household(
            registration_number=f"99A8{number:06d}", area_code="H99.01", business_name=name,
            name_key=name.lower(), search_text=name.lower(), address="1 đường Số 1",
            business_lines=[], capital=1, workers=1, owner_name="Nguyễn Văn An",
            owner_citizen_id=f"0010900{number:05d}", owner={}, members=[],
            status="active", registered_on=first + timedelta(days=number),
            first_dossier_code=f"H99.01.01-260101-{number:04d}", change_count=0,
            updated_at=datetime.now(UTC)))
    session.commit()


def test_the_register_lists_at_most_the_configured_page_size(motcua_app, motcua_session,
                                                             motcua_clients):
    record = motcua_app.extensions["motcua.plugins"].records["business_registration"]
    assert record.settings["REGISTER_PAGE_SIZE"].value == 10
    _households(motcua_session, 12)
    page = motcua_clients.leader.get("/business-registration/register")
    assert page.status_code == 200
    numbers = re.findall(r'data-number="([^"]+)"', page.get_data(as_text=True))
    # The ten newest of twelve: registered on days 12 down to 3.
    assert numbers == [f"99A8{n:06d}" for n in range(12, 2, -1)]
