"""HTTP endpoints the SMS gateway calls (no login; a shared secret or an allowed address).

- ``GET|POST /sms/inbound?from=<phone>&text=<message>``: an SMS from a citizen; the reply is
  the response body (``text/plain``, what Kannel's sms-service ``get-url`` sends back), or
  ``{"reply": ..., "parts": [...]}`` when the request is JSON;
- ``GET|POST /sms/dlr``: a delivery report, Kannel style (``?id=<our id>&type=<dlr type>``)
  or JSON (``{"id": <gateway message id>, "status": "delivered"|"failed"|...}``).

Only the gateway may call: anyone else gets a 403 before any lookup. Inbound SMS are
rate-limited per sender phone (the citizen; the gateway itself is one address for all of
them). Delivery reports are not limited: the gateway sends one or more per message it
sends, and a refused report is never sent again, leaving the message "sent" for ever.
A plain-text (Kannel) inbound over the limit is answered 200 with the message as its
body, because Kannel sends a handset the body of a 200 only; JSON callers get a 429.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from motcua.core.errors import MotcuaError
from motcua.core.extensions import db_session
from motcua.lookup.ratelimit import limiter
from motcua.sms import settings
from motcua.sms.gsm import split, to_gsm7
from motcua.sms.notify import international
from motcua.sms.queue import JSON_DLR_STATUS, KANNEL_DLR_STATUS, record_delivery_report
from motcua.sms.replies import reply_to

bp = Blueprint("sms", __name__)
# With neither a secret nor addresses configured (development only: production refuses
# to start), only this machine may call.
LOCAL_NETWORKS = settings.allowed_networks("127.0.0.1,::1")
MAX_TEXT = 1600  # ten concatenated parts; anything longer is not a citizen typing


def _params() -> dict:
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    return {**request.args.to_dict(), **request.form.to_dict()}


def caller_address() -> str | None:
    """The address that called us, as far as it can be known.

    Behind the configured proxies (``MOTCUA_TRUSTED_PROXIES``) ``ProxyFix`` has already put
    the client's address in ``remote_addr``. A forwarded request with no proxy configured
    comes from a proxy that speaks for someone unknown: its own (often local) address must
    not let the internet in."""
    if not current_app.config["MOTCUA"].trusted_proxies and (
            request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")):
        return None
    return request.remote_addr


def is_gateway() -> bool:
    """True if the request comes from the SMS gateway: the shared secret (``secret``
    parameter or ``X-Motcua-Sms-Secret`` header) or an allowed address."""
    if "sms_gateway" not in g:
        g.sms_gateway = _is_gateway()
    return g.sms_gateway


def _is_gateway() -> bool:
    secret = settings.get("SMS_SECRET")
    given = request.headers.get("X-Motcua-Sms-Secret") or request.args.get("secret") or ""
    if secret and hmac.compare_digest(given.encode(), secret.encode()):
        return True
    allowed = settings.allowed_networks(settings.get("SMS_ALLOWED_IPS"))
    if not secret and not allowed:
        allowed = LOCAL_NETWORKS
    address = caller_address()
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in allowed)


def _sender() -> str:
    """The rate limit's key: the citizen's phone (its one form for ``0...``, ``84...``,
    ``+84...``), else what was sent, else the gateway's address."""
    sender = str(_params().get("from") or "").strip()[:40]
    return f"sms:{international(sender) or sender}" if sender else get_remote_address()


def _rate_limit() -> str:
    return settings.get("SMS_RATE_LIMIT")


sms_limit = limiter.shared_limit(_rate_limit, scope="sms", key_func=_sender,
                                 # A stranger's request is refused below and must not
                                 # spend a citizen's allowance.
                                 exempt_when=lambda: not is_gateway(),
                                 error_message=lambda: _("Too many messages. Please wait a "
                                                         "minute and try again."))


@bp.before_request
def _authorise() -> None:
    if not is_gateway():
        abort(403, description=_("This endpoint is for the SMS gateway only."))


@bp.route("/sms/inbound", methods=["GET", "POST"])
@sms_limit
def inbound():
    params = _params()
    text = str(params.get("text") or "")[:MAX_TEXT]
    reply = reply_to(db_session(), text)
    db_session().rollback()  # a lookup writes nothing
    if request.is_json:
        return jsonify({"reply": reply, "parts": split(reply)})
    return Response(reply, mimetype="text/plain")


@bp.route("/sms/dlr", methods=["GET", "POST"])
def delivery_report():
    params = _params()
    session = db_session()
    try:
        if "type" in params:  # Kannel: our id and the DLR type
            kind = str(params.get("type"))
            if not kind.isdigit():
                return _text_error(_("Delivery report: type must be a number."), 400)
            status = KANNEL_DLR_STATUS.get(int(kind), "report")
            record_delivery_report(session, message_id=str(params.get("id") or ""),
                                   status=status, raw={"type": int(kind)})
        else:
            status = JSON_DLR_STATUS.get(str(params.get("status") or "").lower(), "report")
            record_delivery_report(session, gateway_message_id=str(params.get("id") or ""),
                                   status=status,
                                   raw={"status": str(params.get("status"))[:40]})
        session.commit()
    except MotcuaError as error:
        session.rollback()
        return _text_error(error.message, error.status_code)
    return Response("OK", mimetype="text/plain")


def _text_error(message: str, status: int) -> Response:
    if request.is_json:
        return jsonify({"error": message}), status
    return Response(message, status=status, mimetype="text/plain")


@bp.errorhandler(403)
@bp.errorhandler(429)
def _refused(error):  # noqa: ANN001
    if error.code == 429 and request.endpoint == "sms.inbound" and not request.is_json:
        # Kannel's sms-service relays the body of a 200 only: for any other status the
        # handset would get its "Could not fetch content" instead of the reason to wait.
        response = Response(to_gsm7(error.description), mimetype="text/plain")
        response.headers["X-Motcua-Rate-Limited"] = "1"
        return response
    return _text_error(error.description, error.code)
