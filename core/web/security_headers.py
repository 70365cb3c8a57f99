"""Headers every response carries (docs/security.md).

The Content-Security-Policy allows scripts from this server only: no inline ``<script>``,
no ``on*=`` attribute, no ``javascript:`` link; pages' behaviour lives in static ``.js``
files. Inline styles stay allowed: the printable forms and some plugin templates carry
them, and a style cannot run code. No page may be framed (clickjacking). Answers are not
stored by browsers or proxies, since pages and JSON carry citizens' personal data; static
files keep the caching Flask gives them.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# Production is served over HTTPS only (docs/operations.md): browsers must not try HTTP.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def _is_static() -> bool:
    return request.endpoint is not None and (
        request.endpoint == "static" or request.endpoint.endswith(".static"))


def init_app(app: Flask) -> None:
    production = app.config["MOTCUA"].production

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if production:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if not _is_static() and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
