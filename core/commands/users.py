"""``motcua user create``, ``motcua user password``, ``motcua user unlock`` and
``motcua user token``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from motcua.core.accounts import create_account, issue_api_token, set_password, unlock
from motcua.core.audit.record import record
from motcua.core.errors import NotFound
from motcua.core.extensions import db_session
from motcua.core.models import ROLE_NAMES, Account
from motcua.core.units import unit_by_code


@click.group("user")
def user_group() -> None:
    """Accounts."""


def _unit(session, code: str):  # noqa: ANN001, ANN202
    unit = unit_by_code(session, code)
    if unit is None:
        raise NotFound(f"No unit with agency code {code}.")
    return unit


@user_group.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name shown on slips.")
@click.option("--unit", "unit_code", required=True, help="Agency code of the home unit.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLE_NAMES),
              help="Role over the home unit's subtree (repeatable).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--email")
@click.option("--phone")
@with_appcontext
def create_command(username, full_name, unit_code, roles, password, email, phone) -> None:  # noqa: ANN001
    """Create account USERNAME in a unit with the given roles."""
    session = db_session()
    unit = _unit(session, unit_code)
    account = create_account(
        session, username=username, password=password, full_name=full_name, unit=unit,
        roles=[(role, unit) for role in roles], email=email, phone=phone,
    )
    session.commit()
    click.echo(f"Created {account.username} in {unit.name} with roles: "
               f"{', '.join(roles) or 'none'}.")


def _account(session, username: str) -> Account:  # noqa: ANN001
    from sqlalchemy import select

    account = session.scalar(select(Account).where(Account.username == username.lower()))
    if account is None:
        raise NotFound(f"No account {username}.")
    return account


@user_group.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def password_command(username: str, password: str) -> None:
    """Set a new password for USERNAME; every session it has open is logged out."""
    session = db_session()
    set_password(_account(session, username), password)
    session.commit()
    click.echo(f"New password set for {username.lower()}; its open sessions have ended.")


@user_group.command("unlock")
@click.argument("username")
@with_appcontext
def unlock_command(username: str) -> None:
    """Lift USERNAME's lock-out after failed logins, so the officer can log in now."""
    session = db_session()
    account = _account(session, username)
    was_locked = account.locked_until is not None
    unlock(account)
    # Recorded with the lock-out's state: an administrator lifting locks is worth auditing.
    record("account.unlocked", target=account.username, detail={"was_locked": was_locked})
    click.echo(f"{account.username} can log in again; failed logins reset.")


@user_group.command("token")
@click.argument("username")
@click.option("--name", default="api", help="What the token is for.")
@with_appcontext
def token_command(username: str, name: str) -> None:
    """Issue an API bearer token for USERNAME (printed once)."""
    session = db_session()
    account = _account(session, username)
    token = issue_api_token(session, account, name)
    session.commit()
    click.echo(token)


COMMANDS = [user_group]
