"""The outbound queue: claim, send, retry with back-off, delivery reports.

A message moves ``queued -> sending -> sent -> delivered`` (or ``failed``). Claiming marks
rows ``sending`` in a short transaction of its own, so two workers never take the same row:
PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (the second worker skips rows the first holds),
SQLite under its single write lock (``BEGIN IMMEDIATE``). The gateway is called outside any
transaction; the outcome is written afterwards. A worker that dies after claiming leaves
its rows ``sending``; they are claimed again after :data:`STALE_AFTER` (longer than any
gateway call can take), so a message is never lost, and at worst sent twice only when a
worker crashed between the gateway's acceptance and writing it down.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from motcua.core import timeutil
from motcua.core.db import begin_write, is_sqlite
from motcua.core.errors import NotFound, ValidationError
from motcua.core.models.sms import SmsMessage
from motcua.sms.gateways import Gateway, GatewayError

STALE_AFTER = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=1)
# Kannel DLR type -> our status; 4 (buffered) and 8 (accepted by the SMSC) change nothing
# but are kept in the message's report list.
KANNEL_DLR_STATUS = {1: "delivered", 2: "failed", 16: "failed"}
JSON_DLR_STATUS = {"delivered": "delivered", "failed": "failed", "undelivered": "failed",
                   "rejected": "failed"}


@dataclass
class PassResult:
    """What one pass of the worker did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int, first_seconds: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: ``first_seconds`` doubling, at most an hour."""
    return min(timedelta(seconds=first_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim(session: Session, *, limit: int = 50, worker: str | None = None) -> list[int]:
    """Mark up to ``limit`` due messages ``sending`` for this worker and commit; their ids."""
    now = timeutil.now()
    due = or_(
        and_(SmsMessage.status == "queued", SmsMessage.next_attempt_at <= now),
        and_(SmsMessage.status == "sending", SmsMessage.claimed_at < now - STALE_AFTER),
    )
    query = select(SmsMessage).where(due).order_by(SmsMessage.next_attempt_at,
                                                   SmsMessage.id).limit(limit)
    session.rollback()  # start clean: the claim must be its own short transaction
    if is_sqlite(session):
        begin_write(session)
    else:
        query = query.with_for_update(skip_locked=True)
    messages = list(session.scalars(query))
    for message in messages:
        message.status = "sending"
        message.claimed_at = now
        message.claimed_by = worker or worker_name()
        message.attempts += 1
    ids = [message.id for message in messages]
    session.commit()
    return ids


def send_pass(session: Session, gateway: Gateway, *, limit: int = 50, max_attempts: int = 8,
              retry_seconds: int = 30) -> PassResult:
    """Claim due messages, hand each to ``gateway`` and record the outcome."""
    result = PassResult()
    ids = claim(session, limit=limit)
    result.claimed = len(ids)
    for message_id in ids:
        message = session.get(SmsMessage, message_id)
        try:
            gateway_id = gateway.send(message)
        except GatewayError as error:
            session.rollback()
            message = session.get(SmsMessage, message_id)
            message.last_error = str(error)[:2000]
            message.gateway = gateway.name
            if error.permanent or message.attempts >= max_attempts:
                message.status = "failed"
                result.failed += 1
            else:
                message.status = "queued"
                message.next_attempt_at = timeutil.now() + backoff(message.attempts,
                                                                   retry_seconds)
                result.retried += 1
            session.commit()
            continue
        session.rollback()
        # A fast gateway may have reported delivery already: only move on from "sending".
        session.execute(update(SmsMessage).where(SmsMessage.id == message_id).values(
            gateway=gateway.name, gateway_message_id=gateway_id, sent_at=timeutil.now(),
            last_error=None))
        session.execute(update(SmsMessage).where(
            SmsMessage.id == message_id, SmsMessage.status == "sending").values(status="sent"))
        session.commit()
        result.sent += 1
    session.expire_all()
    return result


def record_delivery_report(session: Session, *, message_id: str | None = None,
                           gateway_message_id: str | None = None,
                           status: str, raw: dict) -> SmsMessage:
    """Apply a delivery report (``status``: delivered, failed, or anything else to just
    keep) to the message named by our id or the gateway's; the caller commits."""
    begin_write(session)
    if message_id is not None:
        if not message_id.isdigit():
            raise ValidationError("Delivery report: id must be a number.", field="id")
        # Row lock (PostgreSQL): two reports at once must not lose one another's entry.
        message = session.get(SmsMessage, int(message_id), with_for_update=True)
    elif gateway_message_id:
        message = session.scalar(select(SmsMessage).where(
            SmsMessage.gateway_message_id == gateway_message_id).with_for_update())
    else:
        raise ValidationError("Delivery report: which message? Give id.", field="id")
    if message is None:
        raise NotFound("Delivery report for an unknown message.")
    now = timeutil.now()
    message.delivery_reports = [*(message.delivery_reports or []),
                                {"at": now.isoformat(), "status": status, **raw}][-20:]
    if status == "delivered":
        message.status = "delivered"
        message.delivered_at = now
        message.sent_at = message.sent_at or now
    elif status == "failed" and message.status != "delivered":
        message.status = "failed"
        message.last_error = f"delivery report: {raw}"[:2000]
    return message
