"""The application clock: Vietnam local days, and replaying work at a past moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from motcua.core import timeutil
from motcua.core.models.base import utcnow


def test_now_is_the_real_time_outside_a_replay():
    assert abs(timeutil.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_replaying_sets_now_and_column_defaults_then_restores_them():
    moment = timeutil.from_local(datetime(2026, 3, 9, 8, 15))
    with timeutil.replaying_at(moment):
        assert timeutil.now() == moment
        assert utcnow() == moment
        assert timeutil.local_date(timeutil.now()).isoformat() == "2026-03-09"
    assert timeutil.now() - moment > timedelta(days=30)


def test_replaying_refuses_a_time_without_a_zone():
    with pytest.raises(ValueError, match="aware"), timeutil.replaying_at(datetime(2026, 1, 1)):
        pass
