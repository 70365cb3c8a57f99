"""``motcua user ...``: create accounts, set passwords, issue and revoke tokens, and the
rest of an account's life (list, deactivate, unlock, end sessions, roles), each change
recorded in the audit trail (core/account_admin.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from motcua.core import account_admin
from motcua.core.accounts import create_account, issue_api_token, set_password
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
    return account_admin.account_by_username(session, username)


@user_group.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def password_command(username: str, password: str) -> None:
    """Set a new password for USERNAME; every session it has open is logged out."""
    session = db_session()
    account = _account(session, username)
    set_password(account, password)
    account_admin.audit(session, "account.password_set", None, account)
    session.commit()
    click.echo(f"New password set for {username.lower()}; its open sessions have ended.")


class _TokenGroup(click.Group):
    """``token USERNAME`` (issue, as before) besides ``token list`` and ``token revoke``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["issue", *args]
        return super().parse_args(ctx, args)


@user_group.group("token", cls=_TokenGroup)
def token_group() -> None:
    """API bearer tokens: issue (``token USERNAME``), list and revoke."""


@token_group.command("issue")
@click.argument("username")
@click.option("--name", default="api", help="What the token is for.")
@with_appcontext
def token_issue_command(username: str, name: str) -> None:
    """Issue an API bearer token for USERNAME (printed once)."""
    session = db_session()
    account = _account(session, username)
    token = issue_api_token(session, account, name)
    account_admin.audit(session, "api_token.issued", None, account, {"name": name})
    session.commit()
    click.echo(token)


@token_group.command("list")
@click.argument("username")
@with_appcontext
def token_list_command(username: str) -> None:
    """The tokens of USERNAME: id, name, created, revoked."""
    session = db_session()
    for token in account_admin.tokens_of(session, _account(session, username)):
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{token.name}\t{token.created_at:%Y-%m-%d %H:%M}\t{state}")


@token_group.command("revoke")
@click.argument("username")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke_command(username: str, token_id: int) -> None:
    """Revoke token TOKEN_ID of USERNAME: the API refuses it at once (401)."""
    session = db_session()
    account_admin.revoke_token(session, None, _account(session, username), token_id)
    session.commit()
    click.echo(f"Token {token_id} of {username.lower()} revoked.")


@user_group.command("list")
@click.option("--unit", "unit_code", help="Only accounts whose home unit lies under this one.")
@with_appcontext
def list_command(unit_code: str | None) -> None:
    """Accounts with their state, home unit and roles."""
    session = db_session()
    unit = _unit(session, unit_code) if unit_code else None
    for account in account_admin.list_accounts(session, unit=unit):
        roles = ", ".join(f"{a.role}@{a.unit.code}" for a in account.roles) or "-"
        state = "active" if account.active else "deactivated"
        click.echo(f"{account.username}\t{account.full_name}\t{account.unit.code}\t"
                   f"{state}\t{roles}")


def _lifecycle(name: str, action, done: str):  # noqa: ANN001, ANN202
    """A command ``name USERNAME`` applying ``action`` (core/account_admin.py)."""

    @user_group.command(name)
    @click.argument("username")
    @with_appcontext
    def command(username: str) -> None:
        session = db_session()
        action(session, None, _account(session, username))
        session.commit()
        click.echo(done.format(username=username.lower()))

    command.__doc__ = action.__doc__
    return command


_lifecycle("deactivate", account_admin.deactivate,
           "{username} deactivated: it cannot log in, its sessions ended, its tokens refused.")
_lifecycle("reactivate", account_admin.reactivate, "{username} can log in again.")
_lifecycle("unlock", account_admin.unlock,
           "{username} unlocked: {username} can log in again; failed logins reset.")
_lifecycle("logout", account_admin.end_all_sessions, "Every session of {username} ended.")


@user_group.group("role")
def role_group() -> None:
    """Grant or revoke a role over a unit's subtree."""


def _role_command(name: str, action, done: str):  # noqa: ANN001, ANN202
    @role_group.command(name)
    @click.argument("username")
    @click.argument("role", type=click.Choice(ROLE_NAMES))
    @click.option("--unit", "unit_code", required=True, help="Agency code of the unit.")
    @with_appcontext
    def command(username: str, role: str, unit_code: str) -> None:
        session = db_session()
        unit = _unit(session, unit_code)
        action(session, None, _account(session, username), role, unit)
        session.commit()
        click.echo(done.format(username=username.lower(), role=role, unit=unit.code))

    return command


_role_command("grant", account_admin.grant, "{username} now holds {role} at {unit}.")
_role_command("revoke", account_admin.revoke_role, "{username} no longer holds {role} at {unit}.")


COMMANDS = [user_group]
