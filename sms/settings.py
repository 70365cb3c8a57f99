"""SMS settings, read from the app config with the environment (``MOTCUA_SMS_*``) behind it.

==========================  ===============================  ===============================
app config key              environment variable             meaning (default)
==========================  ===============================  ===============================
SMS_GATEWAY                 MOTCUA_SMS_GATEWAY               ``console`` | ``kannel`` | ``http``
SMS_SECRET                  MOTCUA_SMS_SECRET                shared secret the gateway sends
                                                             with inbound SMS and reports
SMS_ALLOWED_IPS             MOTCUA_SMS_ALLOWED_IPS           comma-separated client addresses
                                                             allowed without the secret
SMS_RATE_LIMIT              MOTCUA_SMS_RATE_LIMIT            ``120 per minute`` per client
SMS_PUBLIC_URL              MOTCUA_SMS_PUBLIC_URL            base URL the gateway reaches us
                                                             at (``public_base_url``)
SMS_KANNEL_SENDSMS_URL      MOTCUA_SMS_KANNEL_SENDSMS_URL    ``http://127.0.0.1:13013/cgi-bin/sendsms``
SMS_KANNEL_USERNAME         MOTCUA_SMS_KANNEL_USERNAME       sendsms-user username
SMS_KANNEL_PASSWORD         MOTCUA_SMS_KANNEL_PASSWORD       sendsms-user password
SMS_KANNEL_FROM             MOTCUA_SMS_KANNEL_FROM           sender (short code), optional
SMS_HTTP_URL                MOTCUA_SMS_HTTP_URL              generic JSON gateway endpoint
SMS_HTTP_TOKEN              MOTCUA_SMS_HTTP_TOKEN            its bearer token
SMS_MAX_ATTEMPTS            MOTCUA_SMS_MAX_ATTEMPTS          ``8`` sends before ``failed``
SMS_RETRY_SECONDS           MOTCUA_SMS_RETRY_SECONDS         ``30``: first back-off, doubling,
                                                             at most one hour
==========================  ===============================  ===============================
"""

from __future__ import annotations

import os

from flask import Flask, current_app

from motcua.core.commands.serve import DEFAULT_URL
from motcua.core.extensions import public_base_url

DEFAULTS = {
    "SMS_GATEWAY": "console",
    "SMS_SECRET": "",
    "SMS_ALLOWED_IPS": "",
    "SMS_RATE_LIMIT": "120 per minute",
    "SMS_PUBLIC_URL": "",
    "SMS_KANNEL_SENDSMS_URL": "http://127.0.0.1:13013/cgi-bin/sendsms",
    "SMS_KANNEL_USERNAME": "",
    "SMS_KANNEL_PASSWORD": "",
    "SMS_KANNEL_FROM": "",
    "SMS_HTTP_URL": "",
    "SMS_HTTP_TOKEN": "",
    "SMS_MAX_ATTEMPTS": "8",
    "SMS_RETRY_SECONDS": "30",
}


def init_app(app: Flask) -> None:
    """Fill every SMS setting not given to the app from ``MOTCUA_<key>`` or its default."""
    for key, default in DEFAULTS.items():
        app.config.setdefault(key, os.environ.get(f"MOTCUA_{key}") or default)


def get(key: str) -> str:
    """One SMS setting of the running app."""
    value = current_app.config.get(key)
    return DEFAULTS[key] if value is None else str(value)


def public_url() -> str:
    """Base URL at which the gateway reaches this app."""
    # Outside a request with nothing configured (the queue worker), the development
    # server's address: the gateway then has to run beside it.
    return (get("SMS_PUBLIC_URL") or public_base_url() or DEFAULT_URL).rstrip("/")
