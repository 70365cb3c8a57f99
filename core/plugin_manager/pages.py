"""``/admin/plugins``: the ICT department's view of the installed plugins and their failures."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy.exc import SQLAlchemyError

from motcua.core.plugin_manager import failures
from motcua.core.plugin_manager.dossiers import current_manager
from motcua.core.plugin_manager.manager import PluginManager
from motcua.core.web.helpers import province_admin_required
from motcua_sdk.versioning import MOTCUA_API_VERSION

bp = Blueprint("plugins_admin", __name__, url_prefix="/admin/plugins",
               template_folder="templates")


@bp.route("/")
@province_admin_required
def index():
    manager = current_manager()
    return render_template("plugins/admin.html", records=list(manager.records.values()),
                           failures=_failures(manager), api_version=MOTCUA_API_VERSION)


def _failures(manager: PluginManager) -> list:
    """Every worker's failures from the database; this process's own if it cannot be
    read (the page must still show the plugins' states)."""
    session = current_app.extensions["motcua.db"].session
    try:
        return failures.recent(session)
    except SQLAlchemyError:
        session.rollback()
        return list(reversed(manager.failures))
