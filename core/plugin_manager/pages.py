"""``/admin/plugins``: the ICT department's view of the installed plugins and their failures."""

from __future__ import annotations

from flask import Blueprint, render_template

from motcua.core.plugin_manager.dossiers import current_manager
from motcua.core.web.helpers import role_required
from motcua_sdk.versioning import MOTCUA_API_VERSION

bp = Blueprint("plugins_admin", __name__, url_prefix="/admin/plugins",
               template_folder="templates")


@bp.route("/")
@role_required("ict_admin")
def index():
    manager = current_manager()
    return render_template("plugins/admin.html", records=list(manager.records.values()),
                           failures=list(reversed(manager.failures)),
                           api_version=MOTCUA_API_VERSION)
