"""Writes of the REST API: committed once, answered once, retried safely.

Every write view is wrapped by :func:`api_write`. The view builds its answer inside the
transaction; the wrapper commits only then, so nothing that can fail (serialising the
body, building a URL) runs after a commit and a committed write is never answered with an
error. A client that sends an ``Idempotency-Key`` header gets, for a key it already used,
the first answer (status, body, ``Location``) without the write being done again: the key
and that answer are stored in the same transaction as the write. The same key with another
request (method, path or body) is refused with 422. Keys are per account and are kept for
:data:`KEEP`; an answer that was an error is not kept (nothing was written), so its retry
runs again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from motcua.core.api.auth import auth_required
from motcua.core.api.params import BadRequest
from motcua.core.errors import Conflict, ValidationError
from motcua.core.extensions import db_session
from motcua.core.models import IdempotencyKey
from motcua.core.timeutil import now

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
KEPT_HEADERS = ("Location",)
_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def _key() -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not _KEY.fullmatch(key):
        raise BadRequest(f"{HEADER} must be 1 to 200 visible ASCII characters "
                         "(a UUID is a good choice).", field=HEADER)
    return key


def _fingerprint() -> str:
    """What makes two requests the same request: method, path and body, byte for byte."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _stored(session: Session, account_id: int, key: str) -> IdempotencyKey | None:
    return session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.account_id == account_id, IdempotencyKey.key == key,
        IdempotencyKey.created_at >= now() - KEEP))


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise ValidationError(f"This {HEADER} was already used for a different request; "
                              "send a new key for a new request.", field=HEADER)
    response = Response(stored.body, status=stored.status, mimetype="application/json",
                        headers=stored.headers)
    response.headers[REPLAYED] = "true"
    return response


def _claim(session: Session, account_id: int, key: str,
           fingerprint: str) -> Response | IdempotencyKey:
    """The stored answer to replay, or a new row (flushed, so a concurrent request with
    the same key waits for this transaction and then finds its answer)."""
    stored = _stored(session, account_id, key)
    if stored is not None:
        return _replay(stored, fingerprint)
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now() - KEEP))
    row = IdempotencyKey(account_id=account_id, key=key, fingerprint=fingerprint, status=0,
                         body="", headers={})
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # another request with this key committed first
        stored = _stored(session, account_id, key)
        if stored is None:
            raise Conflict(f"A request with this {HEADER} is still running; retry.") from None
        return _replay(stored, fingerprint)
    return row


def _commit(session: Session) -> None:
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("The dossier was changed by someone else; reload it and try "
                       "again.") from None


def api_write(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a write view that returns its answer uncommitted (see the module)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        session, key = db_session(), _key()
        row = None
        if key is not None:
            claimed = _claim(session, g.api_account.id, key, _fingerprint())
            if isinstance(claimed, Response):
                return claimed
            row = claimed
        response = current_app.make_response(view(*args, **kwargs))
        if row is not None:
            row.status, row.body = response.status_code, response.get_data(as_text=True)
            row.headers = {name: response.headers[name] for name in KEPT_HEADERS
                           if name in response.headers}
        _commit(session)
        return response

    return auth_required(wrapper)
