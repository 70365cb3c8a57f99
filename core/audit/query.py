"""Finding audit entries by who, what, target and date, for the viewer and exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from motcua.core.errors import ValidationError
from motcua.core.messages import N_, _
from motcua.core.models import Account, AuditEntry
from motcua.core.text import fold
from motcua.core.timeutil import VIETNAM, local, parse_date

# The viewer's labels of the date fields, which its messages name.
DATE_LABELS = {"since": N_("From"), "until": N_("To")}

EXPORT_COLUMNS = ("seq", "at", "actor_id", "actor_name", "action", "target", "detail", "ip",
                  "hash")


@dataclass
class AuditFilter:
    """What to look for; every part is optional. Dates are Vietnam calendar days."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilter:  # noqa: ANN001 - a MultiDict or a dict
        """Read the viewer's query string; a malformed date is a 400 with a message."""
        def day(name: str) -> date | None:
            value = (args.get(name) or "").strip()
            if not value:
                return None
            try:
                return parse_date(value)
            except ValueError:
                raise ValidationError(_("%(field)s: write a date as YYYY-MM-DD, not %(value)s.",
                                        field=_(DATE_LABELS[name]), value=repr(value[:20])),
                                      field=name) from None

        def text(name: str) -> str | None:
            return (args.get(name) or "").strip()[:160] or None

        return cls(actor=text("actor"), action=text("action"), target=text("target"),
                   since=day("since"), until=day("until"))

    def statement(self, session: Session) -> Select:
        """The entries matching every given part (not yet ordered)."""
        query = select(AuditEntry)
        if self.actor:
            query = query.where(or_(
                AuditEntry.actor_id.in_(_matching_accounts(session, self.actor)),
                # An account removed since: its name as the entry kept it.
                func.lower(AuditEntry.actor_name).contains(self.actor.lower())))
        if self.action:
            query = query.where(AuditEntry.action.startswith(self.action))
        if self.target:
            query = query.where(AuditEntry.target == self.target)
        if self.since:
            query = query.where(AuditEntry.at >= datetime.combine(self.since, time(),
                                                                  tzinfo=VIETNAM))
        if self.until:
            query = query.where(AuditEntry.at < datetime.combine(
                self.until + timedelta(days=1), time(), tzinfo=VIETNAM))
        return query


def _matching_accounts(session: Session, wanted: str) -> list[int]:
    """Accounts whose username or name contains ``wanted``, without regard to case or
    diacritics ("do quan" finds "Đỗ Quản Trị"). SQLite's LOWER knows only ASCII, so the
    comparison is made here, over the accounts table (a few hundred rows), not the log."""
    needle = fold(wanted)
    return [row.id for row in session.execute(
        select(Account.id, Account.username, Account.full_name))
        if needle in fold(row.username) or needle in fold(row.full_name)]


def page(session: Session, wanted: AuditFilter, number: int, size: int = 50
         ) -> tuple[list[AuditEntry], int]:
    """Entries of page ``number`` (1-based, newest first) and the total matching."""
    total = session.scalar(select(func.count()).select_from(wanted.statement(session).subquery()))
    entries = session.scalars(wanted.statement(session).order_by(AuditEntry.seq.desc())
                              .offset((max(number, 1) - 1) * size).limit(size)).all()
    return list(entries), total or 0


def _rows(session: Session, wanted: AuditFilter) -> Iterator[dict]:
    for entry in session.scalars(wanted.statement(session).order_by(AuditEntry.seq)
                                 .execution_options(yield_per=1000)):
        yield {"seq": entry.seq, "at": local(entry.at).isoformat(), "actor_id": entry.actor_id,
               "actor_name": entry.actor_name, "action": entry.action, "target": entry.target,
               "detail": entry.detail or {}, "ip": entry.ip, "hash": entry.hash}


def export_csv(session: Session, wanted: AuditFilter) -> Iterator[str]:
    """The matching entries, oldest first, as CSV text in pieces (a header first)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for row in _rows(session, wanted):
        writer.writerow({**row, "detail": json.dumps(row["detail"], ensure_ascii=False,
                                                     sort_keys=True)})
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_jsonl(session: Session, wanted: AuditFilter) -> Iterator[str]:
    """The matching entries, oldest first, one JSON object per line."""
    for row in _rows(session, wanted):
        yield json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
