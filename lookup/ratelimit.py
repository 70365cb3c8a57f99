"""Rate limits of the public lookup (Flask-Limiter), per client: an IPv4 address or an
IPv6 /64 network (:func:`network_key`).

Three limits, all read from the app config on every request so each app (and each test)
can set its own:

- ``LOOKUP_RATE_LIMIT`` (env ``MOTCUA_LOOKUP_RATE_LIMIT``, default ``120 per minute``):
  every lookup, shared by the website, its JSON API and the kiosk: a flood bound, high
  enough for the many citizens behind one carrier address (CGNAT);
- ``LOOKUP_MISS_LIMIT`` (env ``MOTCUA_LOOKUP_MISS_LIMIT``, default ``20 per 10 minutes``):
  codes that no dossier has, which is what guessing produces (:mod:`motcua.lookup.misses`);
- ``LOOKUP_FACTOR_RATE_LIMIT`` (env ``MOTCUA_LOOKUP_FACTOR_RATE_LIMIT``, default
  ``5 per 15 minutes``): failed second-factor attempts (wrong last four phone digits),
  so guessing 10,000 combinations is out of reach;
- per dossier, from every address together: ``motcua.lookup.factor_guard``.

The same limiter counts the officers' login attempts per address (``LOGIN_RATE_LIMIT``,
env ``MOTCUA_LOGIN_RATE_LIMIT``, default ``20 per minute``; see core/web/auth.py).

Counters live in ``MOTCUA_RATELIMIT_STORAGE_URI`` (default ``memory://``; use e.g. a Redis
URI when several app processes serve the lookup). Behind a reverse proxy the app must
trust ``X-Forwarded-For`` (werkzeug ``ProxyFix``), or every citizen shares one address.
"""

from __future__ import annotations

import ipaddress
import os

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULTS = {
    "LOOKUP_RATE_LIMIT": ("MOTCUA_LOOKUP_RATE_LIMIT", "120 per minute"),
    "LOOKUP_MISS_LIMIT": ("MOTCUA_LOOKUP_MISS_LIMIT", "20 per 10 minutes"),
    "LOOKUP_FACTOR_RATE_LIMIT": ("MOTCUA_LOOKUP_FACTOR_RATE_LIMIT", "5 per 15 minutes"),
    # Per dossier, from any address (motcua.lookup.factor_guard).
    "LOOKUP_FACTOR_DOSSIER_FAILURES": ("MOTCUA_LOOKUP_FACTOR_DOSSIER_FAILURES", "5"),
    "LOOKUP_FACTOR_DOSSIER_LOCK_MINUTES": ("MOTCUA_LOOKUP_FACTOR_DOSSIER_LOCK_MINUTES", "15"),
    # Login attempts per address (core/web/auth.py), counted before the password is checked.
    "LOGIN_RATE_LIMIT": ("MOTCUA_LOGIN_RATE_LIMIT", "20 per minute"),
    "RATELIMIT_STORAGE_URI": ("MOTCUA_RATELIMIT_STORAGE_URI", "memory://"),
}

# If the counter store (e.g. Redis) is down, count in memory rather than answer 500:
# a citizen's lookup must not fail because of the limiter.
# Headers (X-RateLimit-*, Retry-After on a 429) tell API clients when to come back.
limiter = Limiter(key_func=lambda: network_key(get_remote_address()), swallow_errors=True,
                  in_memory_fallback_enabled=True, headers_enabled=True)


def network_key(address: str) -> str:
    """What one client is counted as: an IPv4 address, or the /64 network of an IPv6 one
    (a home or phone gets a whole /64 and picks addresses in it at will, so counting per
    IPv6 address would count nothing). An IPv4-mapped IPv6 address is its IPv4 address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def init_app(app: Flask) -> None:
    """Fill the limits from the environment (unless set) and attach the limiter."""
    for key, (variable, default) in DEFAULTS.items():
        app.config.setdefault(key, os.environ.get(variable) or default)
    # Set explicitly: the limiter object is shared, and one app disabling it must not
    # disable the next app created in the same process.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)


def _lookup_limit() -> str:
    return current_app.config["LOOKUP_RATE_LIMIT"]


def _factor_limit() -> str:
    return current_app.config["LOOKUP_FACTOR_RATE_LIMIT"]


def _too_many_lookups() -> str:
    return _("Too many lookups from your connection. Please wait a minute and try again.")


def too_many_failures() -> str:
    return _("Too many wrong phone digits. Please wait 15 minutes and try again, or ask at "
             "the reception desk.")


def mark_factor_failed() -> None:
    """Called by a view when the second factor was wrong: counts against the strict limit."""
    g.lookup_factor_failed = True


lookup_limit = limiter.shared_limit(_lookup_limit, scope="lookup",
                                    error_message=_too_many_lookups)
factor_limit = limiter.shared_limit(
    _factor_limit, scope="lookup-factor", error_message=too_many_failures,
    # Only requests that try a second factor are checked, and only failures count.
    exempt_when=lambda: not request.args.get("phone4"),
    deduct_when=lambda response: bool(g.get("lookup_factor_failed")),
)
