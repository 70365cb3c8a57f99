"""A node restored from an older backup: hold, learn from the hub, recover.

A backup restored into a node's database forgets what the node did after the backup, but
the hub still has every dossier the node sent since. Two harms follow unless the node asks
the hub first: its code counters are behind (a new intake would reuse a code the hub holds
and the hub would merge a new applicant into an old history), and reconciliation would see
the hub's newer dossiers as "only at the hub" and retract them.

So: ``motcua restore`` on a node sets ``restored_at`` (:func:`mark_restored`), and while it
is set intake, sending and reconciling refuse (:func:`restore_hold`, asked by each of
them). Every ``hello`` carries the hub's highest sequence per unit and day of this node's
codes, and the node's counters move past them (:func:`apply_code_counters`): no code the
hub has seen is handed out again. If the hub has applied no batch this database lacks,
the first hello lifts the hold by itself; otherwise ``motcua sync recover``
(:func:`recover`) imports the hub's copies of what the node sent after the backup, then
lifts it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Integer, cast, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from motcua.core.errors import Conflict, ValidationError
from motcua.core.messages import _
from motcua.core.models import (
    Dossier,
    DossierCodeCounter,
    HubDossier,
    OutboxEntry,
    SyncNode,
    SyncNodeState,
    Unit,
)
from motcua.core.timeutil import local_date, now

log = logging.getLogger(__name__)
# Back-entered dossiers take codes of their paper day, at most 90 days back.
COUNTER_DAYS = 100
COPIES_PER_QUERY = 100


# --- the rule every writer asks ------------------------------------------------------


def restore_hold(session: Session) -> str | None:
    """Why this server must not take in, send or reconcile yet (a restored backup the hub
    has not confirmed), or None."""
    restored = session.scalar(select(func.min(SyncNodeState.restored_at))
                              .where(SyncNodeState.restored_at.is_not(None)))
    return None if restored is None else restore_hold_message()


def restore_hold_message() -> str:
    return _("This server was restored from a backup; until it has asked the hub what it "
             "sent after that backup, it takes in and sends nothing. Start the sync worker "
             "(motcua sync run); if the hub holds newer data, run motcua sync recover.")


def require_no_restore_hold(session: Session) -> None:
    """Raise :class:`Conflict` while :func:`restore_hold` holds."""
    message = restore_hold(session)
    if message:
        raise Conflict(message)


def mark_restored(session: Session) -> None:
    """Set the hold on every node identity of this database (after a restore)."""
    session.execute(update(SyncNodeState).values(restored_at=now()))


# --- code counters -----------------------------------------------------------------


def hub_code_counters(session: Session, node: SyncNode) -> list[list]:
    """The hub's highest sequence per unit and day among ``node``'s units' codes of the
    last :data:`COUNTER_DAYS` days: ``[[unit code, "YYYY-MM-DD", sequence], ...]``."""
    units = [u.unit_code for u in node.units]
    if not units:
        return []
    # <unit>-<YYMMDD>-<sequence>: the sequence starts 9 characters after the unit code.
    sequence = cast(func.substr(HubDossier.code, func.length(HubDossier.unit_code) + 9),
                    Integer)
    rows = session.execute(
        select(HubDossier.unit_code, HubDossier.received_day, func.max(sequence))
        .where(HubDossier.unit_code.in_(units),
               HubDossier.received_day >= local_date(now()) - timedelta(days=COUNTER_DAYS))
        .group_by(HubDossier.unit_code, HubDossier.received_day)
        .order_by(HubDossier.unit_code, HubDossier.received_day))
    return [[unit, day.isoformat(), int(top)] for unit, day, top in rows if top]


def apply_code_counters(session: Session, counters: object) -> int:
    """Move this node's counters past the hub's (never back); returns how many moved."""
    if not isinstance(counters, list):
        return 0
    wanted = {}
    for item in counters:
        try:
            unit, day, top = str(item[0]), date.fromisoformat(item[1]), int(item[2])
        except (TypeError, ValueError, IndexError):
            raise ValidationError(f"The hub sent a bad code counter: {item!r}.") from None
        wanted[(unit, day)] = top
    ids = dict(session.execute(select(Unit.code, Unit.id).where(
        Unit.code.in_({unit for unit, _day in wanted}))).all())
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    moved = 0
    for (unit, day), top in sorted(wanted.items()):
        if unit not in ids:
            continue
        statement = insert(DossierCodeCounter).values(unit_id=ids[unit], day=day,
                                                      last_sequence=top)
        result = session.execute(statement.on_conflict_do_update(
            index_elements=["unit_id", "day"], set_={"last_sequence": top},
            where=DossierCodeCounter.last_sequence < top))
        moved += result.rowcount or 0
    return moved


def after_hello(session: Session, node_id: str, answer: dict) -> None:
    """What every hello teaches a node: the counters, and whether a restore's hold can go
    (the hub applied no batch beyond those this database sealed)."""
    apply_code_counters(session, answer.get("code_counters"))
    state = session.get(SyncNodeState, node_id)
    hub_last = answer.get("last_sequence")
    if state.restored_at is not None and isinstance(hub_last, int) \
            and hub_last <= state.last_sequence:
        state.restored_at = None
        log.warning("node %s: restored backup confirmed by the hub (nothing newer there)",
                    node_id)


# --- recovery ----------------------------------------------------------------------


def hub_copies(session: Session, node: SyncNode, codes: object) -> list[dict]:
    """The hub's copies of ``node``'s dossiers ``codes``, shaped as a hand-over package
    (what the hub has: no citizen ID, address or e-mail, the phone's last four digits)."""
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes) \
            or len(codes) > COPIES_PER_QUERY:
        raise ValidationError(f"codes: an array of at most {COPIES_PER_QUERY} dossier codes.",
                              field="codes")
    from motcua.core.sync.digests import hub_snapshot

    copies = session.scalars(select(HubDossier).where(
        HubDossier.code.in_(codes), HubDossier.owner_node == node.node_id)
        .options(selectinload(HubDossier.events)).order_by(HubDossier.code))
    return [{
        "dossier": hub_snapshot(copy),
        "applicant": {"phone": (copy.details or {}).get("phone_last4")},
        "documents": (copy.details or {}).get("documents") or [],
        "result": (copy.details or {}).get("result"),
        "refusal_reason": (copy.details or {}).get("refusal_reason"),
        "events": [{"sequence": e.sequence, "kind": e.kind, "at": e.at.isoformat(),
                    "actor": e.actor, "from_status": e.from_status, "to_status": e.to_status,
                    "unit_code": e.unit_code, "note": e.note, "data": e.data or {}}
                   for e in copy.events],
    } for copy in copies]


@dataclass
class Recovery:
    """What ``motcua sync recover`` did."""

    imported: list[str] = field(default_factory=list)  # codes re-imported from the hub
    counters_moved: int = 0


def recover(node) -> Recovery:  # noqa: ANN001 - a sync.node.Node
    """Import from the hub every dossier of this node it holds newer than this database
    (only there, or at a later version), then lift the hold. Nothing is retracted."""
    from motcua.core.sync.node import greet
    from motcua.core.sync.transfers import import_handoff

    greet(node)  # counters first: nothing below may take a code the hub has
    result = Recovery()
    with node.database.session_factory() as session:
        versions = dict(session.execute(select(Dossier.code, Dossier.version)).all())
    wanted = []  # every code of the unit-days that differ; the versions decide below
    for unit, day in _hub_unit_days(node):
        theirs = node.transport.query("fingerprints", {"unit": unit, "day": day})
        wanted.extend(theirs["fingerprints"])
    for start in range(0, len(wanted), COPIES_PER_QUERY):
        copies = node.transport.query("restore/copies", {
            "codes": wanted[start:start + COPIES_PER_QUERY]})["copies"]
        with node.database.write_session() as session:
            for package in copies:
                code = package["dossier"]["code"]
                if versions.get(code, -1) >= package["dossier"]["version"]:
                    continue  # this database has it as new as the hub (or newer, unsent)
                _keep_private_fields(session, package)
                dossier = import_handoff(session, {"id": None, "from_node": node.node_id,
                                                   "package": package})
                # The hub's copy is the newer one: nothing to send back.
                session.execute(delete(OutboxEntry).where(
                    OutboxEntry.dossier_id == dossier.id, OutboxEntry.sent_at.is_(None)))
                result.imported.append(code)
    with node.database.write_session() as session:
        session.execute(update(SyncNodeState).values(restored_at=None))
    return result


def _hub_unit_days(node) -> list[tuple[str, str]]:  # noqa: ANN001
    """The unit-days where the hub's copies differ from this node's (a digest each)."""
    from motcua.core.sync import digests

    with node.database.session_factory() as session:
        mine = digests.node_fingerprints(session)
    answer = node.transport.query("reconcile", {
        "since": None, "digests": [{"unit": unit, "day": day, **value} for (unit, day), value
                                   in sorted(digests.digests(mine).items())]})
    return [(d["unit"], d["day"]) for d in answer["differences"]]


def _keep_private_fields(session: Session, package: dict) -> None:
    """A dossier this database has keeps its applicant's private data (the hub has none)."""
    existing = session.scalar(select(Dossier).where(
        Dossier.code == package["dossier"]["code"]))
    if existing is None:
        return
    package["applicant"] = {
        "citizen_id": existing.applicant_citizen_id, "phone": existing.applicant_phone,
        "email": existing.applicant_email, "address": existing.applicant_address,
        "organization": existing.applicant_organization,
        "sms_consent": existing.sms_consent}
    package.update(specialist_data=existing.specialist_data, fee=existing.fee,
                   note=existing.note, back_entry_reason=existing.back_entry_reason,
                   entered_at=existing.entered_at.isoformat() if existing.entered_at else None)
