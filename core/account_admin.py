"""Account lifecycle: what an administrator (web or command line) may do to an account,
in their scope, each step recorded in the audit trail.

The scope rule is :func:`may_administer_account`; every page and command asks it. The
functions here change the session's objects and append the audit entry in the same
transaction; the caller commits.
"""

from __future__ import annotations

import getpass

from sqlalchemy import exists, not_, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from motcua.core.accounts import (
    end_sessions,
    grant_role,
    password_matches,
    revoke_api_token,
    set_password,
)
from motcua.core.audit.chain import append
from motcua.core.audit.context import current_ip
from motcua.core.errors import Forbidden, NotFound, ValidationError
from motcua.core.models import Account, ApiToken, RoleAssignment, Unit

ADMIN_ROLE = "ict_admin"
LIST_LIMIT = 200


def administered_roots(admin: Account) -> list[Unit]:
    """Root units of the subtrees where ``admin`` manages accounts."""
    return [assignment.unit for assignment in admin.roles if assignment.role == ADMIN_ROLE]


def may_administer_unit(admin: Account, unit: Unit) -> bool:
    """True if ``unit`` lies in one of ``admin``'s subtrees."""
    return any(unit.is_within(root) for root in administered_roots(admin))


def may_administer_account(admin: Account, account: Account) -> bool:
    """The one scope rule: ``admin`` manages ``account`` only if its home unit and every
    unit it holds a role over lie within ``admin``'s subtrees (a ward administrator never
    manages an officer who also has powers at the province)."""
    units = [account.unit, *(assignment.unit for assignment in account.roles)]
    return bool(administered_roots(admin)) and all(
        may_administer_unit(admin, unit) for unit in units)


def _under(column, roots: list[Unit]):  # noqa: ANN001, ANN202
    return or_(*[column.startswith(root.path, autoescape=True) for root in roots])


def list_accounts(session: Session, *, admin: Account | None = None, unit: Unit | None = None,
                  query: str = "") -> list[Account]:
    """Accounts ``admin`` may manage (every account when ``admin`` is None: the command
    line), whose home unit lies under ``unit`` and whose username or name contains
    ``query``; by username, at most :data:`LIST_LIMIT`."""
    home = aliased(Unit)
    statement = select(Account).join(home, Account.unit_id == home.id)
    if admin is not None:
        roots = administered_roots(admin)
        if not roots:
            return []
        held = aliased(Unit)
        outside = exists().where(RoleAssignment.account_id == Account.id,
                                 RoleAssignment.unit_id == held.id, not_(_under(held.path, roots)))
        statement = statement.where(_under(home.path, roots), not_(outside))
    if unit is not None:
        statement = statement.where(home.path.startswith(unit.path, autoescape=True))
    for word in query.split():
        statement = statement.where(or_(Account.username.icontains(word, autoescape=True),
                                        Account.full_name.icontains(word, autoescape=True)))
    statement = statement.options(selectinload(Account.roles).selectinload(RoleAssignment.unit),
                                  selectinload(Account.unit))
    return list(session.scalars(statement.order_by(Account.username).limit(LIST_LIMIT)))


def administered_account(session: Session, admin: Account, account_id: int) -> Account:
    """The account ``account_id`` if ``admin`` may manage it; NotFound or Forbidden."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"No account {account_id}.")
    if not may_administer_account(admin, account):
        raise Forbidden("This account has roles outside the units you administer.")
    return account


def account_by_username(session: Session, username: str) -> Account:
    account = session.scalar(
        select(Account).where(Account.username == username.strip().lower()))
    if account is None:
        raise NotFound(f"No account {username}.")
    return account


def audit(session: Session, action: str, actor: Account | None, account: Account,
           detail: dict | None = None) -> None:
    """One entry: who did it (the command line's operating-system user when there is no
    officer), to whom; never a password or token, only names and ids."""
    actor_name = None if actor else f"command line ({getpass.getuser()})"
    append(session, action, actor=actor, actor_name=actor_name, target=account.username,
           detail=detail, ip=current_ip())


def deactivate(session: Session, actor: Account | None, account: Account) -> None:
    """The account can no longer log in; its sessions end and its tokens are refused
    (login, sessions and tokens all ask ``Account.active``)."""
    if actor is not None and actor.id == account.id:
        raise ValidationError("You cannot deactivate your own account.")
    account.active = False
    end_sessions(account)
    audit(session, "account.deactivated", actor, account)


def reactivate(session: Session, actor: Account | None, account: Account) -> None:
    """The account may log in again (its old sessions stay ended)."""
    account.active = True
    audit(session, "account.reactivated", actor, account)


def unlock(session: Session, actor: Account | None, account: Account) -> None:
    """Clear a lock-out after failed logins (and the count of failures)."""
    was_locked = account.locked_until is not None
    account.locked_until = None
    account.failed_logins = 0
    audit(session, "account.unlocked", actor, account, {"was_locked": was_locked})


def end_all_sessions(session: Session, actor: Account | None, account: Account) -> None:
    """Log the account out everywhere: every session cookie issued to it is refused."""
    end_sessions(account)
    audit(session, "account.sessions_ended", actor, account)


def reset_password(session: Session, actor: Account | None, account: Account,
                   temporary: str) -> None:
    """Set a temporary password the officer must change at the next login."""
    set_password(account, temporary)
    account.must_change_password = True
    audit(session, "account.password_reset", actor, account)


def change_own_password(session: Session, account: Account, current: str, new: str) -> None:
    """The officer's own change: the current password is required; every session ends
    (the caller starts this browser's again)."""
    if not password_matches(account, current):
        raise ValidationError("The current password is wrong.", field="current")
    if new == current:
        raise ValidationError("The new password must differ from the current one.",
                              field="new")
    set_password(account, new)
    account.must_change_password = False
    audit(session, "account.password_changed", account, account)


def tokens_of(session: Session, account: Account) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.account_id == account.id)
                                .order_by(ApiToken.id)))


def revoke_token(session: Session, actor: Account | None, account: Account,
                 token_id: int) -> None:
    """Revoke ``account``'s token ``token_id`` (a token of another account is not found)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.account_id != account.id:
        raise NotFound(f"No API token {token_id} for {account.username}.")
    revoke_api_token(session, token_id)
    audit(session, "api_token.revoked", actor, account, {"token_id": token_id,
                                                          "name": token.name})


def grant(session: Session, actor: Account | None, account: Account, role: str,
          unit: Unit) -> None:
    if actor is not None and not may_administer_unit(actor, unit):
        raise Forbidden(f"Unit {unit.code} is outside the units you administer.")
    if _assignment(account, role, unit) is not None:
        raise ValidationError(f"{account.username} already holds {role} at {unit.code}.",
                              field="role")
    grant_role(account, role, unit)  # audited as role.granted (core/audit/changes.py)


def revoke_role(session: Session, actor: Account | None, account: Account, role: str,
                unit: Unit) -> None:
    assignment = _assignment(account, role, unit)
    if assignment is None:
        raise NotFound(f"{account.username} holds no {role} at {unit.code}.")
    # Deleted directly, not dropped from the collection: the audit (core/audit/changes.py)
    # sees a deleted assignment still naming its account, not an orphan.
    session.delete(assignment)
    session.flush()
    session.expire(account, ["roles"])


def _assignment(account: Account, role: str, unit: Unit) -> RoleAssignment | None:
    return next((a for a in account.roles if a.role == role and a.unit_id == unit.id), None)

