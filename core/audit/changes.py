"""Which changes the audit trail records, found in a session about to flush.

Dossier events (every step of every dossier), accounts created or changed (which fields,
never their values: a password hash is not for the log), roles granted and revoked, and
workflow versions. Counters that change at every login (failed attempts, lock-out, last
login) are the login entries' business, not a change of the account.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from motcua.core.audit.context import current_actor, current_ip
from motcua.core.models import Account, Dossier, DossierEvent, RoleAssignment
from motcua.core.models.workflow import Workflow

# Bookkeeping of logins and sessions: logins and logouts have entries of their own.
QUIET_ACCOUNT_FIELDS = {"failed_logins", "locked_until", "last_login_at", "session_generation"}


def _changed_fields(account: Account) -> list[str]:
    state = inspect(account)
    names = [attr.key for attr in state.attrs
             if attr.key not in QUIET_ACCOUNT_FIELDS and attr.history.has_changes()
             and attr.key not in ("roles", "unit")]
    return sorted("password" if name == "password_hash" else name for name in names)


def _dossier_code(session: Session, event: DossierEvent) -> str | None:
    dossier = event.dossier or (session.get(Dossier, event.dossier_id)
                                if event.dossier_id else None)
    return dossier.code if dossier is not None else None


def pending_entries(session: Session) -> list[dict]:
    """The entries the coming flush calls for, as keyword arguments of ``append``."""
    entries = []
    for item in list(session.new):
        if isinstance(item, DossierEvent):
            entries.append({
                "action": f"dossier.{item.kind}",
                "target": _dossier_code(session, item),
                "actor_id": item.actor_id, "actor_name": item.actor_name,
                "detail": {"sequence": item.sequence, "from_status": item.from_status,
                           "to_status": item.to_status}})
        elif isinstance(item, Account):
            entries.append({"action": "account.created", "target": item.username,
                            "detail": {"unit_id": item.unit_id or
                                       (item.unit.id if item.unit else None)}})
        elif isinstance(item, RoleAssignment):
            entries.append({"action": "role.granted",
                            "target": item.account.username if item.account else None,
                            "detail": {"role": item.role, "unit_id": item.unit_id or (
                                item.unit.id if item.unit else None)}})
        elif isinstance(item, Workflow):
            entries.append({"action": "workflow.saved",
                            "target": item.procedure.code if item.procedure else None,
                            "detail": {"version": item.version}})
    for item in list(session.dirty):
        if isinstance(item, Account) and session.is_modified(item, include_collections=False):
            fields = _changed_fields(item)
            if fields:
                entries.append({"action": "account.changed", "target": item.username,
                                "detail": {"fields": fields}})
    for item in list(session.deleted):
        if isinstance(item, RoleAssignment):
            entries.append({"action": "role.revoked",
                            "target": item.account.username if item.account else None,
                            "detail": {"role": item.role, "unit_id": item.unit_id}})
    return entries


def audit_changes(session: Session) -> None:
    """Append the entries of :func:`pending_entries` (nothing, and no lock, if none)."""
    entries = pending_entries(session)
    if not entries:
        return
    from motcua.core.audit.chain import append

    with session.no_autoflush:
        actor, ip = current_actor(session), current_ip()
        for entry in entries:
            named = "actor_id" in entry
            append(session, entry["action"], actor=None if named else actor,
                   actor_id=entry.get("actor_id"), actor_name=entry.get("actor_name"),
                   target=entry["target"], detail=entry["detail"], ip=ip)
