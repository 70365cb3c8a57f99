"""SMS settings, read from the app config with the environment (``MOTCUA_SMS_*``) behind it.

==========================  ===============================  ===============================
app config key              environment variable             meaning (default)
==========================  ===============================  ===============================
SMS_GATEWAY                 MOTCUA_SMS_GATEWAY               ``console`` | ``kannel`` | ``http``
SMS_SECRET                  MOTCUA_SMS_SECRET                shared secret the gateway sends
                                                             with inbound SMS and reports
SMS_ALLOWED_IPS             MOTCUA_SMS_ALLOWED_IPS           comma-separated gateway addresses
                                                             or networks (``10.0.0.0/24``)
                                                             allowed without the secret
SMS_RATE_LIMIT              MOTCUA_SMS_RATE_LIMIT            ``120 per minute`` inbound SMS
                                                             per sender phone
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

import ipaddress
import os
from functools import lru_cache

from flask import Flask, current_app

from motcua.core.commands.serve import DEFAULT_URL
from motcua.core.errors import ConfigurationError
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
    """Fill every SMS setting not given to the app from ``MOTCUA_<key>`` or its default.

    In production the gateway's endpoints must know their caller: without a secret or an
    address list they would answer anyone who reaches the server (through its proxy too).
    """
    for key, default in DEFAULTS.items():
        app.config.setdefault(key, os.environ.get(f"MOTCUA_{key}") or default)
    allowed_networks(str(app.config["SMS_ALLOWED_IPS"]))  # a typo stops the start
    if app.config["MOTCUA"].production and not (app.config["SMS_SECRET"]
                                                or app.config["SMS_ALLOWED_IPS"]):
        raise ConfigurationError(
            "MOTCUA_SMS_SECRET (or MOTCUA_SMS_ALLOWED_IPS) must be set in production "
            "(MOTCUA_PRODUCTION=true): /sms/inbound and /sms/dlr answer only the SMS gateway.")


@lru_cache(maxsize=8)
def allowed_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``MOTCUA_SMS_ALLOWED_IPS`` as networks (an address is a network of one)."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(
                "MOTCUA_SMS_ALLOWED_IPS must be comma-separated addresses or networks "
                f"(e.g. 127.0.0.1,10.0.0.0/24), not {item!r}.") from None
    return tuple(networks)


def get(key: str) -> str:
    """One SMS setting of the running app."""
    value = current_app.config.get(key)
    return DEFAULTS[key] if value is None else str(value)


def public_url() -> str:
    """Base URL at which the gateway reaches this app."""
    # Outside a request with nothing configured (the queue worker), the development
    # server's address: the gateway then has to run beside it.
    return (get("SMS_PUBLIC_URL") or public_base_url() or DEFAULT_URL).rstrip("/")
