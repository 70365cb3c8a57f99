"""What the ``platform`` conformance check compares: two applications built by the same
code compare equal, while a replaced view (even one keeping its name), an app-wide hook
or a rebound library function is seen; and the suite's browser-like client posts its
forms with their CSRF token, which the platform requires."""

from __future__ import annotations

import functools

import argon2
import pytest

from motcua.conformance import platform_diff
from motcua.conformance.checks import budget
from motcua.conformance.csrf_client import TokenClient, log_in
from motcua.core import create_app
from motcua.core.testing import PASSWORD, USERNAMES, build_world

OWNER = platform_diff.Attribution(frozenset({"land_use"}), None)


def _bare(tmp_path, **overrides):  # noqa: ANN202 - a Flask application
    return create_app(instance_path=tmp_path / "instance",
                      database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
                      secret_key="test-secret", plugins=(), require_certified=False,
                      **overrides)


def _reasons(without, with_plugin) -> list[str]:
    return [platform_diff.unattributed(change, OWNER, {}) for change in
            platform_diff.surface_changes(platform_diff.application_surface(without),
                                          platform_diff.application_surface(with_plugin))]


def test_the_platform_built_twice_compares_equal(tmp_path):
    # Flask-Limiter fills a setting on its first application only; in a run, the
    # platform check's baseline application is that first one.
    _bare(tmp_path)
    assert _reasons(_bare(tmp_path), _bare(tmp_path)) == []


def test_a_view_replaced_by_a_wrapper_keeping_its_name_is_seen(tmp_path):
    app = _bare(tmp_path)
    original = app.view_functions["auth.login"]
    app.view_functions["auth.login"] = functools.wraps(original)(lambda: original())
    reasons = _reasons(_bare(tmp_path), app)
    assert any(reason.startswith("replaces view function auth.login") for reason in reasons)


def test_hooks_count_as_the_plugins_only_when_scoped_to_its_blueprints(tmp_path):
    app = _bare(tmp_path)
    app.before_request_funcs.setdefault("land_use", []).append(lambda: None)
    assert _reasons(_bare(tmp_path), app) == [None]
    app.before_request(lambda: None)
    reasons = _reasons(_bare(tmp_path), app)
    assert any("every page of the platform" in str(reason) for reason in reasons)


def test_a_route_outside_the_plugins_blueprints_is_not_its_own(tmp_path):
    app = _bare(tmp_path)
    app.add_url_rule("/export.csv", "export", lambda: "")
    reasons = [r for r in _reasons(_bare(tmp_path), app) if r]
    assert any("outside its blueprints" in reason for reason in reasons)


def test_a_rebound_library_method_and_a_changed_suite_limit_are_seen(monkeypatch, tmp_path):
    _bare(tmp_path)  # every module of the platform loaded, as the runner does
    before = platform_diff.module_bindings()
    assert platform_diff.rebound(before, platform_diff.module_bindings()) == []
    monkeypatch.setattr(argon2.PasswordHasher, "verify", lambda *_args: True)
    monkeypatch.setattr(budget, "PER_DOSSIER_MS", 10_000.0)
    changes = "\n".join(platform_diff.rebound(before, platform_diff.module_bindings()))
    assert "PasswordHasher.verify rebound" in changes
    assert "motcua.conformance.checks.budget.PER_DOSSIER_MS rebound" in changes


@pytest.fixture
def protected_app(templates, tmp_path):
    """An application with CSRF protection on (as in production) and the test world."""
    app = create_app(instance_path=tmp_path / "instance",
                     database_url=templates("sqlite").fresh_url(tmp_path),
                     secret_key="test-secret", RATELIMIT_ENABLED=False)
    app.test_client_class = TokenClient
    with app.app_context():
        build_world(app.extensions["motcua.db"].session)
        app.extensions["motcua.db"].remove()
    yield app
    app.extensions["motcua.db"].dispose()


def test_the_suites_client_posts_its_forms_with_their_token(protected_app):
    client = protected_app.test_client()
    refused = client.post("/login", data={"username": USERNAMES["reception"],
                                          "password": PASSWORD}, csrf=False)
    assert refused.status_code == 400
    assert log_in(client, USERNAMES["reception"], PASSWORD).status_code == 302
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.post("/logout").status_code == 302
