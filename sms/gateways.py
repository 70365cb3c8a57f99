"""Gateway adapters behind one small interface: ``send(message) -> gateway message id``.

- :class:`KannelGateway`: Kannel's ``cgi-bin/sendsms`` HTTP interface, with ``dlr-mask``
  and a ``dlr-url`` back to our delivery-report endpoint (docs/sms-kannel.md);
- :class:`HttpJsonGateway`: a generic provider taking ``POST {to, text, reference,
  callback_url}`` and answering ``{"id": ...}``;
- :class:`ConsoleGateway`: prints the message (development).

A failure raises :class:`GatewayError`; ``permanent`` says whether sending again could help
(a refused number) or not (the gateway is down: try again later).
"""

from __future__ import annotations

import sys
from urllib.parse import urlencode

import requests

from motcua.core.models.sms import SmsMessage
from motcua.sms import settings

TIMEOUT_SECONDS = 20
# Kannel DLR types: 1 delivered, 2 undelivered, 4 buffered, 8 SMSC accepted, 16 SMSC rejected.
KANNEL_DLR_MASK = 1 | 2 | 4 | 8 | 16


class GatewayError(Exception):
    """Sending failed; ``permanent`` if trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Gateway:
    """One way of handing an SMS to the network."""

    name = "abstract"

    def send(self, message: SmsMessage) -> str:
        """Hand ``message`` over; return the id reports will name it by."""
        raise NotImplementedError


def dlr_url(message: SmsMessage) -> str:
    """Where the gateway reports on ``message`` (our id in the URL, the secret too)."""
    query = {"id": str(message.id)}
    if settings.get("SMS_SECRET"):
        query["secret"] = settings.get("SMS_SECRET")
    # %d is Kannel's placeholder for the DLR type; left unencoded on purpose.
    return f"{settings.public_url()}/sms/dlr?{urlencode(query)}&type=%d"


def callback_url() -> str:
    """Where a JSON provider posts its delivery reports: with the shared secret, which
    ``/sms/dlr`` demands once one is set (providers call from addresses we do not know)."""
    url = f"{settings.public_url()}/sms/dlr"
    if settings.get("SMS_SECRET"):
        url += "?" + urlencode({"secret": settings.get("SMS_SECRET")})
    return url


class KannelGateway(Gateway):
    """Kannel smsbox ``sendsms`` (HTTP GET)."""

    name = "kannel"

    def send(self, message: SmsMessage) -> str:
        params = {
            "username": settings.get("SMS_KANNEL_USERNAME"),
            "password": settings.get("SMS_KANNEL_PASSWORD"),
            "to": message.phone,
            "text": message.body,
            "coding": "0",  # GSM-7
            "dlr-mask": str(KANNEL_DLR_MASK),
            "dlr-url": dlr_url(message),
        }
        if settings.get("SMS_KANNEL_FROM"):
            params["from"] = settings.get("SMS_KANNEL_FROM")
        try:
            response = requests.get(settings.get("SMS_KANNEL_SENDSMS_URL"), params=params,
                                    timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise GatewayError(f"Kannel unreachable: {error}") from error
        # 202 "0: Accepted for delivery" or "3: Queued for later delivery".
        if response.status_code in (200, 202):
            return str(message.id)  # Kannel names the message by our dlr-url, i.e. our id
        raise GatewayError(f"Kannel answered {response.status_code}: {response.text[:200]}",
                           permanent=response.status_code == 400)


class HttpJsonGateway(Gateway):
    """A provider with a JSON HTTP API (most Vietnamese SMS brand-name providers)."""

    name = "http"

    def send(self, message: SmsMessage) -> str:
        headers = {}
        if settings.get("SMS_HTTP_TOKEN"):
            headers["Authorization"] = f"Bearer {settings.get('SMS_HTTP_TOKEN')}"
        payload = {"to": message.phone, "text": message.body, "reference": str(message.id),
                   "callback_url": callback_url()}
        try:
            response = requests.post(settings.get("SMS_HTTP_URL"), json=payload,
                                     headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise GatewayError(f"gateway unreachable: {error}") from error
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise GatewayError(f"gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise GatewayError(f"gateway refused the message: {response.text[:200]}",
                               permanent=True)
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as error:
            raise GatewayError("gateway answer has no message id") from error


class ConsoleGateway(Gateway):
    """Prints each message on standard error: for development and demonstrations."""

    name = "console"

    def send(self, message: SmsMessage) -> str:
        print(f"SMS to {message.phone} ({message.parts} part(s)): {message.body}",
              file=sys.stderr, flush=True)
        return f"console-{message.id}"


GATEWAYS = {cls.name: cls for cls in (KannelGateway, HttpJsonGateway, ConsoleGateway)}


def configured_gateway() -> Gateway:
    """The gateway the ``SMS_GATEWAY`` setting names."""
    name = settings.get("SMS_GATEWAY")
    if name not in GATEWAYS:
        from motcua.core.errors import ConfigurationError

        raise ConfigurationError(
            f"MOTCUA_SMS_GATEWAY must be one of {', '.join(sorted(GATEWAYS))}, not {name!r}.")
    return GATEWAYS[name]()
