"""Delivery of the exchanges to an external tax system, and collection of its answers.

The plugin's table is an outbox: a row with channel ``external`` is written in the same
transaction as the dossier step that produced it, and :func:`deliver` (run periodically)
sends it with :class:`TaxSystemClient`. Guarantees:

- nothing is lost: a row stays undelivered, with ``attempts``, ``next_attempt_at`` and
  ``last_error`` telling why, until the tax system has acknowledged it;
- nothing is doubled: each message carries its ``message_id`` (a UUID fixed when the row
  was written) and the tax system answers ``duplicate`` to a message it already has, so
  re-sending after a lost acknowledgement or a crash between acknowledgement and commit
  is harmless;
- each answer is applied once: the row is locked, re-checked and committed with the
  answer before the next one.

The wire format is in :mod:`.protocol`; ``openapi.json`` documents it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from .models import Exchange
from .protocol import SENDER_HEADER, SIGNATURE_HEADER, canonical, sign, verify

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/v1/messages"
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
# A refused message needs a person (bad data, bad key, wrong address): retrying it every
# few seconds would only flood the tax system's logs; once an hour keeps it visible.
REFUSED_RETRY = timedelta(hours=1)
# last_error is shown to people; a whole HTML error page is of no use to them.
ERROR_LIMIT = 1000


class TaxSystemError(Exception):
    """A message or an answer could not be exchanged with the tax system."""


class TaxSystemUnavailable(TaxSystemError):
    """The tax system cannot be reached now (connection error, timeout, HTTP 5xx): retry."""


class TaxSystemRefused(TaxSystemError):
    """The tax system refused a message (HTTP 4xx), or sent an answer that cannot be trusted.

    Retrying the same thing will not help: a person must look at it.
    """

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:ERROR_LIMIT]}")
        self.status = status
        self.body = body


class TaxSystemClient:
    """The client of an external tax system speaking the signed protocol of ``openapi.json``.

    ``private_key`` is motcua's signing key for this tax system, ``tax_public_key`` the tax
    system's key, both as text (see :func:`.protocol.generate_keypair`).
    """

    def __init__(self, base_url: str, sender_id: str, private_key: str, tax_public_key: str,
                 timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.sender_id = sender_id
        self.private_key = private_key
        self.tax_public_key = tax_public_key
        self.timeout = timeout
        # One HTTP session per client: keep-alive saves a TLS handshake per message.
        self.http = requests.Session()

    def close(self) -> None:
        """Close the client's HTTP connections."""
        self.http.close()

    def send(self, message: dict[str, Any]) -> str:
        """Send one message; ``"accepted"``, or ``"duplicate"`` if the tax system has it.

        Raises :class:`TaxSystemUnavailable` on connection errors, timeouts and HTTP 5xx,
        :class:`TaxSystemRefused` on HTTP 4xx (and other non-2xx answers).
        """
        body = canonical(message)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SENDER_HEADER: self.sender_id,
            SIGNATURE_HEADER: sign(self.private_key, body),
        }
        response = self._call("POST", self.base_url + MESSAGES_PATH, data=body,
                              headers=headers)
        self._raise_for_status(response)
        try:
            status = response.json().get("status")
        except (ValueError, AttributeError):
            status = None
        if status not in ("accepted", "duplicate"):
            # A 2xx without the protocol's answer is most likely a proxy or a maintenance
            # page in front of the tax system: not an acknowledgement, so try again later.
            raise TaxSystemUnavailable(
                f"unexpected answer to a message (HTTP {response.status_code}): "
                f"{response.text[:200]!r}")
        return status

    def fetch_answer(self, message_id: str) -> dict[str, Any] | None:
        """The tax system's answer to a message, or None while it has not answered.

        The answer's body must carry the tax system's signature and name ``message_id``;
        otherwise :class:`TaxSystemRefused` is raised (a forged or replayed answer).
        """
        url = f"{self.base_url}{MESSAGES_PATH}/{quote(message_id, safe='')}/answer"
        response = self._call("GET", url, headers={SENDER_HEADER: self.sender_id})
        if response.status_code == 404:
            return None
        self._raise_for_status(response)
        body = response.content
        if not verify(self.tax_public_key, body, response.headers.get(SIGNATURE_HEADER)):
            raise TaxSystemRefused(response.status_code,
                                   "the answer's signature is not the tax system's")
        try:
            answer = response.json()
        except ValueError:
            raise TaxSystemRefused(response.status_code, "the answer is not JSON") from None
        # A validly signed answer to *another* message must not be applied to this one.
        if not isinstance(answer, dict) or answer.get("message_id") != message_id:
            raise TaxSystemRefused(response.status_code,
                                   "the answer does not name the message asked about")
        return answer

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            # No redirects: a signed POST must not silently turn into a GET elsewhere.
            return self.http.request(method, url, timeout=self.timeout, allow_redirects=False,
                                     **kwargs)
        except requests.Timeout as error:
            raise TaxSystemUnavailable(f"timeout: {error}") from error
        except requests.RequestException as error:
            raise TaxSystemUnavailable(f"connection error: {error}") from error

    @staticmethod
    def _raise_for_status(response: requests.Response) -> None:
        if response.status_code >= 500:
            raise TaxSystemUnavailable(
                f"HTTP {response.status_code}: {response.text[:ERROR_LIMIT]}")
        if not 200 <= response.status_code < 300:
            raise TaxSystemRefused(response.status_code, response.text)


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failures: 30 s doubling, max 1 h."""
    if attempts <= 1:
        return FIRST_RETRY
    # The exponent is bounded so a row failing for months does not overflow timedelta.
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 20), MAX_RETRY)


def message_of(exchange: Exchange, now: datetime) -> dict[str, Any]:
    """The protocol message of an exchange (``sent_at`` is the time of this attempt)."""
    return {
        "message_id": exchange.message_id,
        "kind": exchange.kind,
        "dossier_code": exchange.dossier_code,
        "procedure_code": exchange.procedure_code,
        "payload": exchange.payload,
        "sent_at": now.isoformat(),
    }


@dataclass
class DeliveryResult:
    """What one :func:`deliver` pass did."""

    sent: int = 0
    duplicates: int = 0
    failed: int = 0
    answered: int = 0
    errors: list[str] = field(default_factory=list)


AnswerHandler = Callable[[Session, Exchange, dict[str, Any]], None]


def _undelivered(now: datetime) -> list:
    return [
        Exchange.channel == "external",
        Exchange.delivered_at.is_(None),
        or_(Exchange.next_attempt_at.is_(None), Exchange.next_attempt_at <= now),
    ]


def _awaiting_answer(now: datetime) -> list:
    return [
        Exchange.channel == "external",
        Exchange.delivered_at.is_not(None),
        Exchange.status == "waiting",
        # A JSON column set to None may hold SQL NULL or the JSON value null.
        or_(Exchange.answer.is_(None), cast(Exchange.answer, Text) == "null"),
        # After a refused answer the row waits (next_attempt_at) before it is asked again.
        or_(Exchange.next_attempt_at.is_(None), Exchange.next_attempt_at <= now),
    ]


def _lock(session: Session, exchange_id: int, conditions: list) -> Exchange | None:
    """The row, locked and re-checked, or None if another worker has it or has done it.

    Rows are locked one at a time, each in its own short transaction, so a commit releases
    only the row just handled and concurrent workers (PostgreSQL) share the work without
    sending or applying anything twice. SQLite ignores FOR UPDATE: one worker only there.
    """
    statement = (select(Exchange)
                 .where(Exchange.id == exchange_id, *conditions)
                 .with_for_update(skip_locked=True)
                 .execution_options(populate_existing=True))
    return session.scalars(statement).first()


def _short(error: Exception | str) -> str:
    return str(error)[:ERROR_LIMIT]


def _note_error(session: Session, exchange_id: int, error: str, retry_at: datetime) -> None:
    """Keep ``error`` on the row in a transaction of its own (the failed one is gone), and
    leave the row alone until ``retry_at``."""
    try:
        exchange = _lock(session, exchange_id, [])
        if exchange is not None:
            exchange.last_error = _short(error)
            exchange.next_attempt_at = retry_at
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not record the error of exchange %s", exchange_id)


def deliver(session: Session, client: TaxSystemClient, *, now: datetime,
            on_answer: AnswerHandler, limit: int = 100) -> DeliveryResult:
    """Send the due external exchanges, then collect the answers of the delivered ones.

    ``now`` is the current time (timezone-aware UTC). ``on_answer(session, exchange,
    answer)`` applies an answer to its exchange and must leave it no longer ``waiting``
    without an answer (it sets ``answer``; the pass commits). Each row is committed on its
    own: a crash loses nothing and never re-sends an acknowledged message (at worst the
    message acknowledged just before the crash is sent again and answered ``duplicate``).
    The tax system's failures and refusals never escape: they are counted, kept in
    ``last_error`` and listed in the result (errors of our own database do propagate).
    ``session`` must hold no pending work of the caller's: the pass commits and rolls back.
    """
    result = DeliveryResult()
    due = session.scalars(select(Exchange.id).where(*_undelivered(now))
                          .order_by(Exchange.id).limit(limit)).all()
    session.rollback()
    for exchange_id in due:
        exchange = _lock(session, exchange_id, _undelivered(now))
        if exchange is None:
            session.rollback()
            continue
        message_id = exchange.message_id
        try:
            status = client.send(message_of(exchange, now))
        except TaxSystemUnavailable as error:
            exchange.attempts = (exchange.attempts or 0) + 1
            exchange.next_attempt_at = now + backoff(exchange.attempts)
            exchange.last_error = _short(error)
            session.commit()
            result.failed += 1
            result.errors.append(f"{message_id}: {error}")
            log.warning("tax system unavailable, delivery paused: %s", error)
            # The system is down: the other rows would only pile up timeouts and
            # attempts; they wait for the next pass. Answers cannot be fetched either.
            return result
        except TaxSystemRefused as error:
            exchange.attempts = (exchange.attempts or 0) + 1
            exchange.next_attempt_at = now + REFUSED_RETRY
            exchange.last_error = _short(error)
            session.commit()
            result.failed += 1
            result.errors.append(f"{message_id}: {error}")
            log.error("tax system refused message %s: %s", message_id, error)
            continue
        exchange.delivered_at = now
        exchange.last_error = None
        exchange.next_attempt_at = None
        session.commit()
        if status == "duplicate":
            result.duplicates += 1
        else:
            result.sent += 1
    _collect_answers(session, client, now=now, on_answer=on_answer, limit=limit,
                     result=result)
    return result


def _collect_answers(session: Session, client: TaxSystemClient, *, now: datetime,
                     on_answer: AnswerHandler, limit: int, result: DeliveryResult) -> None:
    waiting = session.scalars(select(Exchange.id).where(*_awaiting_answer(now))
                              .order_by(Exchange.id).limit(limit)).all()
    session.rollback()
    for exchange_id in waiting:
        exchange = _lock(session, exchange_id, _awaiting_answer(now))
        if exchange is None:
            session.rollback()
            continue
        message_id = exchange.message_id
        try:
            answer = client.fetch_answer(message_id)
        except TaxSystemUnavailable as error:
            session.rollback()
            result.errors.append(f"{message_id}: {error}")
            log.warning("tax system unavailable while fetching answers: %s", error)
            return
        except TaxSystemRefused as error:
            # Kept on the row so a person sees that an answer came but was not trusted;
            # asked again only after REFUSED_RETRY, not on every pass.
            exchange.last_error = _short(error)
            exchange.next_attempt_at = now + REFUSED_RETRY
            session.commit()
            result.failed += 1
            result.errors.append(f"{message_id}: {error}")
            log.error("answer to %s refused: %s", message_id, error)
            continue
        if answer is None:
            session.rollback()
            continue
        try:
            on_answer(session, exchange, answer)
            exchange.last_error = None
            exchange.next_attempt_at = None
            session.commit()
        except Exception as error:
            # One answer that cannot be applied (refused by its schema, or failing) must
            # not stop the others; the row stays waiting, with the reason, and is asked
            # again after REFUSED_RETRY (the tax system may correct its answer).
            session.rollback()
            result.failed += 1
            result.errors.append(f"{message_id}: the answer was not applied: {error}")
            log.exception("applying the answer to %s failed", message_id)
            _note_error(session, exchange_id, f"the answer was not applied: {error}",
                        now + REFUSED_RETRY)
            continue
        result.answered += 1
