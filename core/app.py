"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from motcua.core.config import Settings, load_settings
from motcua.core.db import Database
from motcua.core.extensions import babel, csrf, login_manager, select_locale
from motcua.core.hashing_gate import hashing_gate
from motcua.core.json_limits import BoundedJSONProvider
from motcua.core.web import numbers
from motcua.core.web.cookie_session import CookieSessionInterface

HERE = Path(__file__).parent


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """Create the motcua web application.

    ``settings`` default to :func:`motcua.core.config.load_settings` (the environment);
    keyword ``overrides`` replace single settings, which is what tests and the CLI use.
    """
    settings = settings or load_settings(**overrides)
    app = Flask(
        "motcua.core",
        instance_path=str(settings.instance_path),
        template_folder=str(HERE / "templates"),
        static_folder=str(HERE / "static"),
    )
    app.config.update(settings.as_flask_config())
    app.json = BoundedJSONProvider(app)
    app.session_interface = CookieSessionInterface()
    numbers.init_app(app)
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    database = Database(settings.database_url)
    app.extensions["motcua.db"] = database

    # Flask-Login's own context processor loads the user for every template rendered;
    # template_globals() gives templates the lazy proxy instead, so a public page that
    # never mentions the user does not look anyone up.
    login_manager.init_app(app, add_context_processor=False)
    login_manager.login_view = "auth.login"
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(HERE / "translations"),
    )
    csrf.init_app(app)

    from motcua.core.web import error_handlers, input_guard, security_headers

    input_guard.init_app(app)
    security_headers.init_app(app)
    _register_blueprints(app)
    error_handlers.init_app(app)

    from motcua.core.plugin_manager import init_app as init_plugins

    init_plugins(app, settings)

    @app.teardown_appcontext
    def _remove_session(_exc):  # noqa: ANN001
        try:
            database.remove()
        except Exception:  # noqa: BLE001
            # The answer is already decided (a write committed or not): a connection lost
            # while closing the session must not turn it into an error.
            app.logger.exception("Closing the request's database session failed")

    @app.context_processor
    def _globals():
        from motcua.core.web.helpers import template_globals

        return template_globals()

    return app


def _register_blueprints(app: Flask) -> None:
    from motcua.core.api.v1 import bp as api_v1
    from motcua.core.web.auth import bp as auth
    from motcua.core.web.desk import bp as desk

    app.register_blueprint(auth)
    app.register_blueprint(desk)

    from motcua.core.web.accounts_admin import bp as accounts_admin
    from motcua.core.web.password import bp as password

    app.register_blueprint(password)
    app.register_blueprint(accounts_admin)

    from motcua.core.web.admin import bp as admin

    app.register_blueprint(admin)

    from motcua.core.web.department import bp as department

    app.register_blueprint(department)
    app.register_blueprint(api_v1)
    csrf.exempt(api_v1)

    from motcua.core.sync import background
    from motcua.core.sync.api import bp as sync_v1
    from motcua.core.sync.pages import bp as sync_pages

    app.register_blueprint(sync_v1)
    csrf.exempt(sync_v1)
    app.register_blueprint(sync_pages)

    from motcua.core.audit.views import bp as audit_pages
    from motcua.core.reports.views import bp as reports

    app.register_blueprint(audit_pages)
    app.register_blueprint(reports)
    background.init_app(app)

    from motcua.kiosk.views import bp as kiosk
    from motcua.lookup import ratelimit
    from motcua.lookup.views import bp as lookup

    app.register_blueprint(lookup)
    app.register_blueprint(kiosk)
    ratelimit.init_app(app)
    hashing_gate.configure(app.config["MOTCUA"].login_concurrent_hashes)

    from motcua import sms

    sms.init_app(app)
