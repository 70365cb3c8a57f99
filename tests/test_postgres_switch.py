"""``MOTCUA_REQUIRE_POSTGRES``: without it an unreachable PostgreSQL skips its tests and says
why; with it (as ``.ci/run`` sets) they fail, so CI cannot pass with PostgreSQL untested."""

from __future__ import annotations

import pytest

from motcua.core.testing import POSTGRES_ENV, REQUIRE_POSTGRES_ENV, require_postgres_or_skip

# Port 1 on loopback: nothing listens there, the connection is refused at once.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/postgres?connect_timeout=2"


def test_unreachable_postgres_skips_and_says_why(monkeypatch):
    monkeypatch.setenv(POSTGRES_ENV, UNREACHABLE)
    monkeypatch.delenv(REQUIRE_POSTGRES_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="127.0.0.1:1.* is not reachable"):
        require_postgres_or_skip()


def test_unset_postgres_url_skips_and_names_the_variable(monkeypatch):
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    monkeypatch.delenv(REQUIRE_POSTGRES_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{POSTGRES_ENV} is not set"):
        require_postgres_or_skip()


@pytest.mark.parametrize("url", [UNREACHABLE, None], ids=["unreachable", "unset"])
def test_required_postgres_fails_instead_of_skipping(monkeypatch, url):
    if url:
        monkeypatch.setenv(POSTGRES_ENV, url)
    else:
        monkeypatch.delenv(POSTGRES_ENV, raising=False)
    monkeypatch.setenv(REQUIRE_POSTGRES_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{REQUIRE_POSTGRES_ENV}=1"):
        require_postgres_or_skip()
