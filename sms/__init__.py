"""Dossier lookup and notifications by SMS (004 Art. 5)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Settings and the gateway's endpoints. (Notifications are queued by the listener in
    :mod:`motcua.core.models.sms`, active wherever the models are imported.)"""
    from motcua.core.extensions import csrf
    from motcua.sms import settings
    from motcua.sms.views import bp

    settings.init_app(app)
    app.register_blueprint(bp)
    csrf.exempt(bp)
