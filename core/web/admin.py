"""``/admin/``: the administrators' index, and ``/admin/units``: the units in the
administrator's scope with their codes and functions.

Which administration pages an account may open is decided by the guards of those pages
(:func:`admin_links` asks the same rules), and which units an administrator sees by the
one scope rule of administrators' powers (:func:`motcua.core.accounts.scope_units` of
``unit_admin``, which an ICT administrator's role also grants, as
:func:`motcua.core.workflow.authorization.may_administer` decides).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from motcua.core.account_admin import ADMIN_ROLE
from motcua.core.accounts import has_role, scope_units
from motcua.core.extensions import db_session
from motcua.core.models import Account
from motcua.core.plugin_manager.units import unit_views
from motcua.core.reports.views import REPORT_ROLES
from motcua.core.units import list_units, unit_by_code
from motcua.core.web.helpers import role_required
from motcua.core.workflow.authorization import is_province_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = "unit_admin"  # held by unit administrators; an ICT administrator holds it too
LEVEL_LABELS = {"province": _l("Province"), "district": _l("District"),
                "commune": _l("Commune")}

# (endpoint, label, description, who may open it): the guard each page itself applies.
PAGES = (
    ("admin.units", _l("Units"), _l("Units, their agency codes and functions."),
     lambda account: has_role(account, ADMIN)),
    ("accounts_admin.index", _l("Accounts"), _l("Staff accounts, roles, passwords."),
     lambda account: has_role(account, ADMIN_ROLE)),
    ("reports.periodic", _l("Reports"), _l("Periodic reports and statistics."),
     lambda account: any(has_role(account, role) for role in REPORT_ROLES)),
    ("plugins_admin.index", _l("Plugins"), _l("Installed plugins, their settings and "
                                               "failures."), is_province_admin),
    ("sync_pages.overview", _l("Sync"), _l("Synchronisation with the provincial hub."),
     is_province_admin),
    ("audit.viewer", _l("Audit trail"), _l("Who did what, and its verification."),
     is_province_admin),
)


def admin_links(account: Account) -> list[dict]:
    """The administration pages ``account`` may open, as ``{"endpoint", "label",
    "description"}``."""
    return [{"endpoint": endpoint, "label": label, "description": description}
            for endpoint, label, description, allowed in PAGES if allowed(account)]


@bp.app_context_processor
def _administers() -> dict:
    def administers() -> bool:
        return current_user.is_authenticated and has_role(current_user, ADMIN)

    return {"administers": administers}


def _admin() -> Account:
    return db_session().get(Account, current_user.id)


@bp.route("/")
@role_required(ADMIN)
def index():
    return render_template("admin/index.html", links=admin_links(_admin()))


@bp.route("/units")
@role_required(ADMIN)
def units():
    session, admin = db_session(), _admin()
    roots = scope_units(admin, ADMIN)
    under_code = request.args.get("under", "").strip()[:40]
    function = request.args.get("function", "").strip()[:40] or None
    under, error = None, None
    if under_code:
        under = unit_by_code(session, under_code)
        if under is None or not any(under.is_within(root) for root in roots):
            under, error = None, _("No unit with agency code %(code)s in your scope.",
                                   code=under_code)
    found = [] if error else list_units(session, under=under, function=function, roots=roots)
    return render_template("admin/units.html", units=unit_views(session, found),
                           links=admin_links(admin), error=error,
                           level_label=lambda level: LEVEL_LABELS.get(level, level or ""),
                           wanted={"under": under_code, "function": function or ""},
                           roots=roots), 400 if error else 200
