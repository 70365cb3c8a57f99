"""Recording what a request did that has no row of its own: logins, logouts, and views
of personal data (a citizen's ID number, phone, address)."""

from __future__ import annotations

from motcua.core.audit.chain import append
from motcua.core.audit.context import current_actor, current_ip
from motcua.core.extensions import db_session
from motcua.core.models import Account


def record(action: str, *, target: str | None = None, detail: dict | None = None,
           actor: Account | None = None) -> None:
    """Append an entry for the current request and commit it at once (a view writes
    nothing else; a refused login must stay recorded)."""
    session = db_session()
    append(session, action, actor=actor or current_actor(session), target=target,
           detail=detail, ip=current_ip())
    session.commit()


def personal_data_viewed(code: str, where: str) -> None:
    """An officer (or an applicant with the second factor) saw a dossier's personal data."""
    record("personal_data.viewed", target=code, detail={"where": where})
