"""The ICT department's sync pages: every node's health (hub) and this server's own sync."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug import Response

from motcua.core.errors import NotFound, ValidationError
from motcua.core.extensions import db_session, settings
from motcua.core.models import SyncNode
from motcua.core.sync import deadletters, status
from motcua.core.sync.hub import LOCAL_NODE, refusal_tallies
from motcua.core.web.helpers import province_admin_required

bp = Blueprint("sync_pages", __name__, url_prefix="/ict/sync")


def _own_node_id() -> str | None:
    config = settings()
    if config.role == "standalone":
        return LOCAL_NODE
    if config.role == "node":
        return config.sync_node_id or None
    return None


@bp.get("/")
@province_admin_required
def overview() -> str:
    """Hub: one line per node. Node: this server's sync."""
    session = db_session()
    own = _own_node_id()
    at_hub = settings().role != "node"
    nodes = status.hub_nodes(session) if at_hub else []
    local = status.local_sync(session, own) if own else None
    return render_template("sync/overview.html", nodes=nodes, local=local,
                           role=settings().role,
                           tallies=refusal_tallies(session) if at_hub else [],
                           refusal_kinds=refusal_kinds())


def refusal_kinds() -> dict[str, str]:
    """The ICT page's words for each kind of unattributable refusal."""
    return {"unsigned": _("Not signed"), "unknown_node": _("Unknown or inactive node"),
            "bad_signature": _("Signature does not match"),
            "stale_query": _("Signed query too old or from the future")}


@bp.get("/nodes/<node_id>")
@province_admin_required
def node_page(node_id: str) -> str:
    """One node as the hub sees it, with its divergences."""
    if settings().role == "node":
        raise NotFound(_("This server is a node; the hub shows every node."))
    node = db_session().get(SyncNode, node_id)
    if node is None:
        raise NotFound(_("No node %(node)s is registered.", node=node_id))
    return render_template("sync/node.html", node=status.node_health(node))


@bp.post("/dead-letters/resend")
@province_admin_required
def resend_dead_letters() -> Response:
    """Queue the dossiers of the chosen dead letters (all, if none chosen) again."""
    if _own_node_id() is None:
        raise NotFound("This server is a hub; dead letters are kept by the nodes.")
    try:
        ids = [int(value) for value in request.form.getlist("id")]
    except ValueError:
        raise ValidationError(_("Choose dead letters by their number.")) from None
    session = db_session()
    queued = deadletters.resend(session, ids or None)
    session.commit()
    flash(_("%(n)s dossiers queued again for the hub.", n=queued))
    return redirect(url_for("sync_pages.overview"))
