"""Accounts: argon2 password hashes, lock-out after repeated failures, scoped roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.db import begin_write
from motcua.core.errors import Forbidden, NotFound, ValidationError
from motcua.core.hashing_gate import hashing_gate
from motcua.core.models import (
    ROLE_NAMES,
    Account,
    ApiToken,
    RoleAssignment,
    Unit,
    column_length,
)
from motcua.core.passwords import check_length, check_password
from motcua.core.text import UnfitText, clean_line
from motcua.core.timeutil import now

_hasher = PasswordHasher()  # argon2id with the library's recommended (RFC 9106) costs


class LoginRefused(Forbidden):
    """Wrong credentials; the message never says which part was wrong."""


class AccountLocked(LoginRefused):
    """Too many failed logins in a row; the account waits out the lock-out. Its message is
    a wrong password's: only the audit trail tells them apart."""


def configure_password_hasher(hasher: PasswordHasher) -> None:
    """Use ``hasher`` from now on (test suites choose a cheap one; see motcua.core.testing).

    Hashes made with other parameters keep verifying and are upgraded at the next login.
    """
    global _hasher
    _hasher = hasher


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``; refuses passwords shorter than the minimum
    (:func:`create_account` and :func:`set_password` apply the whole policy)."""
    check_length(password)
    return _hasher.hash(password)


def check_policy(password: str, username: str, unit: Unit | None) -> None:
    """:func:`motcua.core.passwords.check_password` for an account of ``unit``: neither its
    name nor those of the units above it may be in the password."""
    names = []
    while unit is not None:
        names.append(unit.name)
        unit = unit.parent
    check_password(password, username=username, unit_names=names)


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    full_name: str,
    unit: Unit,
    roles: list[tuple[str, Unit]] = (),
    email: str | None = None,
    phone: str | None = None,
    title: str | None = None,
) -> Account:
    """Create an account with ``roles`` given as (role name, scope unit) pairs."""
    username = username.strip().lower()
    if not username:
        raise ValidationError("Username is required.", field="username")
    if session.scalar(select(Account.id).where(Account.username == username)):
        raise ValidationError(f"Username {username!r} is already taken.", field="username")
    check_policy(password, username, unit)
    account = Account(
        username=username,
        password_hash=hash_password(password),
        full_name=_line(full_name, Account.full_name, "full_name") or "",
        unit=unit,
        email=_line(email, Account.email, "email"),
        phone=_line(phone, Account.phone, "phone"),
        title=_line(title, Account.title, "title"),
    )
    for role, scope in roles:
        grant_role(account, role, scope)
    session.add(account)
    session.flush()
    return account


def _line(value: str | None, column, field: str) -> str | None:  # noqa: ANN001
    """``value`` cleaned as one line that fits ``column``; blank becomes None."""
    if value is None:
        return None
    try:
        return clean_line(value, max_length=column_length(column)) or None
    except UnfitText as error:
        raise ValidationError(f"{field}: {error}", field=field) from None


def grant_role(account: Account, role: str, scope: Unit) -> None:
    """Give ``account`` the ``role`` over ``scope`` and everything beneath it."""
    if role not in ROLE_NAMES:
        raise ValidationError(
            f"Unknown role {role!r}; roles are {', '.join(ROLE_NAMES)}.", field="role"
        )
    account.roles.append(RoleAssignment(role=role, unit=scope))


def authenticate(
    session: Session, username: str, password: str, *, max_failures: int, lockout_minutes: int
) -> Account:
    """Return the account if the password matches; count failures and lock out after
    ``max_failures`` in a row for ``lockout_minutes``. Raises :class:`LoginRefused`.

    Unknown, inactive and locked accounts are refused as a wrong password is, after the
    same argon2 work, so neither the answer nor its time tells which usernames exist or
    are locked. :class:`AccountLocked` (a :class:`LoginRefused`) only lets the caller's
    audit trail say why; a locked account's right password is refused too until the lock
    ends or an administrator lifts it (:func:`unlock`). Raises :class:`LoginBusy` when the
    process is already hashing as many passwords as it may."""
    account = session.scalar(select(Account).where(Account.username == username.strip().lower()))
    refused = LoginRefused("Wrong username or password.")
    if account is None or not account.active:
        _verify(_dummy_hash(), password)  # same cost as a real check
        raise refused
    # Take the write lock and re-read the row under it, so concurrent attempts on one
    # account count every failure (and SQLite never fails upgrading a reader).
    begin_write(session)
    session.refresh(account, with_for_update=True)
    moment = now()
    if account.locked_until and account.locked_until > moment:
        session.commit()  # release the lock taken above; nothing changed
        _verify(account.password_hash, password)  # the work of a real check, result unused
        raise AccountLocked("Wrong username or password.")
    if not _verify(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= max_failures:
            account.locked_until = moment + timedelta(minutes=lockout_minutes)
            account.failed_logins = 0
        session.commit()
        raise refused
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = moment
    session.commit()
    return account


def _verify(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``, inside the hashing gate."""
    with hashing_gate.slot():
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            return False


def _dummy_hash() -> str:
    """A hash made with the current hasher's costs, checked against for unknown accounts."""
    global _dummy
    if _dummy is None or _hasher.check_needs_rehash(_dummy):
        _dummy = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy


_dummy: str | None = None


def unlock(account: Account) -> None:
    """Lift ``account``'s lock-out now (an administrator's command, audited by it)."""
    account.locked_until = None
    account.failed_logins = 0


def set_password(account: Account, password: str) -> None:
    """Give ``account`` a new password and end every session logged in with the old one."""
    check_policy(password, account.username, account.unit)
    account.password_hash = hash_password(password)
    end_sessions(account)


def password_matches(account: Account, password: str) -> bool:
    """True if ``password`` is ``account``'s (the change-password form asks it)."""
    try:
        return _hasher.verify(account.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def end_sessions(account: Account) -> None:
    """Make every session cookie issued to ``account`` so far worthless (logout, new
    password): the cookies carry the generation they were issued under."""
    account.session_generation = (account.session_generation or 0) + 1


def roles_of(account: Account) -> set[str]:
    """Names of the roles ``account`` holds anywhere."""
    return {assignment.role for assignment in account.roles}


def has_role(account: Account, role: str, unit: Unit | None = None) -> bool:
    """True if ``account`` holds ``role`` over ``unit`` (or anywhere, if ``unit`` is None).

    An ICT administrator holds every role everywhere beneath the scope of the assignment.
    """
    for assignment in account.roles:
        if assignment.role not in (role, "ict_admin"):
            continue
        if unit is None or unit.is_within(assignment.unit):
            return True
    return False


def scope_units(account: Account, role: str) -> list[Unit]:
    """Root units of the subtrees where ``account`` holds ``role``."""
    return [a.unit for a in account.roles if a.role in (role, "ict_admin")]


def issue_api_token(session: Session, account: Account, name: str) -> str:
    """Create a bearer token for a machine client and return it (shown only once)."""
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            account=account,
            name=name,
            token_sha256=token_digest(token),
        )
    )
    session.flush()
    return token


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def revoke_api_token(session: Session, token_id: int) -> ApiToken:
    """Revoke a token for good; a revoked token authenticates nobody."""
    api_token = session.get(ApiToken, token_id)
    if api_token is None:
        raise NotFound(f"No API token {token_id}.")
    if api_token.revoked_at is None:
        api_token.revoked_at = now()
        session.flush()
    return api_token


def account_for_token(session: Session, token: str) -> Account | None:
    """The active account a bearer token belongs to, or None (unknown or revoked)."""
    digest = token_digest(token)
    api_token = session.scalar(
        select(ApiToken).where(ApiToken.token_sha256 == digest, ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.account.active:
        return None
    return api_token.account
