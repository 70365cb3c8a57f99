"""``/admin/accounts``: the ICT administrator's account pages, limited to the accounts
:func:`~motcua.core.account_admin.may_administer_account` allows."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from motcua.core import account_admin
from motcua.core.errors import MotcuaError, NotFound, ValidationError
from motcua.core.extensions import db_session
from motcua.core.models import ROLE_NAMES, Account, Unit
from motcua.core.units import unit_by_code
from motcua.core.web.helpers import role_required

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/accounts")

# The account actions without a form field: URL name -> (function, message when done).
ACTIONS = {
    "deactivate": (account_admin.deactivate, _l("The account is deactivated.")),
    "reactivate": (account_admin.reactivate, _l("The account is active again.")),
    "unlock": (account_admin.unlock, _l("The account is unlocked.")),
    "logout": (account_admin.end_all_sessions, _l("Every session of the account has ended.")),
}


def _admin() -> Account:
    return db_session().get(Account, current_user.id)


def _units(admin: Account) -> list[Unit]:
    roots = account_admin.administered_roots(admin)
    units = db_session().scalars(select(Unit).order_by(Unit.path))
    return [unit for unit in units if any(unit.is_within(root) for root in roots)]


@bp.route("/")
@role_required(account_admin.ADMIN_ROLE)
def index():
    admin, session = _admin(), db_session()
    unit_code, query = request.args.get("unit", "").strip(), request.args.get("q", "")[:80]
    unit = unit_by_code(session, unit_code) if unit_code else None
    if unit_code and (unit is None or not account_admin.may_administer_unit(admin, unit)):
        unit, error = None, _("No unit with agency code %(code)s in your scope.",
                              code=unit_code)
    else:
        error = None
    found = account_admin.list_accounts(session, admin=admin, unit=unit, query=query)
    return render_template("accounts/index.html", accounts=found, units=_units(admin),
                           wanted={"unit": unit_code, "q": query}, error=error,
                           limit=account_admin.LIST_LIMIT), 400 if error else 200


def _page(account: Account, error: str | None = None, status: int = 200):
    admin = _admin()
    return render_template("accounts/account.html", account=account, error=error,
                           tokens=account_admin.tokens_of(db_session(), account),
                           roles=ROLE_NAMES, units=_units(admin), is_self=admin.id == account.id
                           ), status


def _account(account_id: int) -> Account:
    try:
        return account_admin.administered_account(db_session(), _admin(), account_id)
    except MotcuaError as problem:
        raise type(problem)(_(problem.message)) from None


@bp.route("/<int:account_id>")
@role_required(account_admin.ADMIN_ROLE)
def account(account_id: int):
    return _page(_account(account_id))


def _apply(account_id: int, change, done: str):  # noqa: ANN001, ANN202
    """Run ``change(session, admin, account)``; on bad input show the page with the
    message and roll everything back."""
    session, target = db_session(), _account(account_id)
    try:
        change(session, _admin(), target)
    except MotcuaError as problem:
        session.rollback()
        return _page(_account(account_id), _(problem.message), problem.status_code)
    session.commit()
    flash(str(done))
    return redirect(url_for(".account", account_id=account_id), code=303)


@bp.route("/<int:account_id>/<any(deactivate, reactivate, unlock, logout):action>",
          methods=["POST"])
@role_required(account_admin.ADMIN_ROLE)
def act(account_id: int, action: str):
    change, done = ACTIONS[action]
    return _apply(account_id, change, done)


@bp.route("/<int:account_id>/password", methods=["POST"])
@role_required(account_admin.ADMIN_ROLE)
def reset_password(account_id: int):
    temporary = request.form.get("temporary", "")
    return _apply(account_id, lambda s, admin, target: account_admin.reset_password(
        s, admin, target, temporary), _l("Temporary password set; it must be changed at the "
                                        "next login."))


@bp.route("/<int:account_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(account_admin.ADMIN_ROLE)
def revoke_token(account_id: int, token_id: int):
    return _apply(account_id, lambda s, admin, target: account_admin.revoke_token(
        s, admin, target, token_id), _l("The API token is revoked."))


def _role_change(change):  # noqa: ANN001, ANN202
    """``change`` with the role and unit of the form, both checked."""

    def run(session, admin, target):  # noqa: ANN001, ANN202
        role, code = request.form.get("role", ""), request.form.get("unit", "").strip()
        if role not in ROLE_NAMES:
            raise ValidationError("Choose a role.", field="role")
        unit = unit_by_code(session, code) if code else None
        if unit is None:
            raise NotFound("Choose a unit.")
        change(session, admin, target, role, unit)

    return run


@bp.route("/<int:account_id>/roles/grant", methods=["POST"])
@role_required(account_admin.ADMIN_ROLE)
def grant_role(account_id: int):
    return _apply(account_id, _role_change(account_admin.grant), _l("The role is granted."))


@bp.route("/<int:account_id>/roles/revoke", methods=["POST"])
@role_required(account_admin.ADMIN_ROLE)
def revoke_role(account_id: int):
    return _apply(account_id, _role_change(account_admin.revoke_role),
                  _l("The role is revoked."))
