"""Reception desk pages (placeholder until the desk UI lands)."""

from flask import Blueprint, render_template

from motcua.core.web.helpers import role_required

bp = Blueprint("desk", __name__)


@bp.route("/")
@role_required("reception")
def home():
    return render_template("desk/home.html")
