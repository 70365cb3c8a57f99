"""Deliberately broken plugins for the conformance suite's own tests.

Each is the plugin ``motcua plugin new land_use`` writes (which passes the suite as
written) with one fault put in, the way a vendor would get it wrong; each must fail
exactly the check named with it. Not a test module: tests/test_conformance.py uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE = "motcua_land_use"


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (which must occur) by ``new`` in the plugin file ``path``."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class BrokenPlugin:
    name: str
    fault: str
    fails: str  # the check that must fail
    edits: tuple[Edit, ...]


INIT = f"{PACKAGE}/__init__.py"
VIEWS = f"{PACKAGE}/views.py"

SYNC_HOOK = '''@hookimpl
def motcua_sync_payload(dossier):
    return {"subject": dossier.specialist_data.get("subject")}
'''
CERTIFICATE_ROUTE = '''@bp.route("/certificate/<code>")'''
ISSUE_HOOK = '''    certificate = issue_certificate(services.session(), dossier, actor)
'''

BROKEN = (
    BrokenPlugin(
        "no_sync_payload", "keeps specialist data and a table but sends nothing to the hub",
        "sync", (Edit(INIT, SYNC_HOOK, ""),)),
    BrokenPlugin(
        "writes_core_table", "stamps the dossier's note with its own UPDATE statement",
        "isolation", (Edit(INIT, ISSUE_HOOK, ISSUE_HOOK + '''    from sqlalchemy import text

    services.session().execute(text("UPDATE dossiers SET note = 'certified' "
                                    "WHERE code = :code"), {"code": dossier.code})
'''),)),
    BrokenPlugin(
        "invalid_schema", "declares a dict where a marshmallow schema belongs",
        "catalogue", (Edit(INIT, "schema=RequestSchema,", "schema=dict,"),)),
    BrokenPlugin(
        "error_on_bad_input", "a search form that crashes on a limit that is not a number",
        "robustness", (Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/search", methods=["POST"])
@services.staff_required()
def search():
    from flask import request

    limit = int(request.form.get("limit", ""))
    return f"{limit} results"


@bp.route("/certificate/<code>")'''),)),
    BrokenPlugin(
        "incompatible_api", "declares an API range the platform does not provide",
        "contract", (Edit(INIT, 'MOTCUA_API = ">=0.1,<0.2"', 'MOTCUA_API = ">=0.2,<0.3"'),)),
    BrokenPlugin(
        "imports_core", "reads the core's models instead of the SDK's views",
        "contract", (Edit(VIEWS, "from flask import Blueprint, abort, render_template",
                          "from flask import Blueprint, abort, render_template\n"
                          "from motcua.core.models import Dossier  # noqa: F401"),)),
    BrokenPlugin(
        "migration_without_downgrade", "its migration cannot be undone",
        "migrations", (Edit(f"{PACKAGE}/migrations/0001_land_use.py",
                            'def downgrade() -> None:\n    op.drop_table("land_use_certificates")',
                            "def downgrade() -> None:\n    pass"),)),
    BrokenPlugin(
        "unguarded_screen", "a certificate export anyone can open, without logging in",
        "screens", (Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/certificates.csv")
def export():
    rows = services.session().scalars(select(Certificate)).all()
    return "\\n".join(f"{row.number};{row.holder_name}" for row in rows)


@bp.route("/certificate/<code>")'''),)),
    BrokenPlugin(
        "leaks_citizen_id", "shows the applicant's citizen ID in the public lookup",
        "lookup", (Edit(INIT, '''return {"Nội dung": dossier.specialist_data.get("subject", "")}''',
                        '''return {"Nội dung": dossier.specialist_data.get("subject", ""),
            "Người nộp": f"{dossier.applicant_name} ({dossier.applicant_citizen_id})"}'''),)),
    BrokenPlugin(
        "cdn_asset", "loads a stylesheet from a CDN", "screens",
        (Edit(f"{PACKAGE}/templates/land_use/queue.html", "{% block content %}",
              '{% block content %}\n<link rel="stylesheet" '
              'href="https://cdn.example.com/bootstrap.min.css">'),)),
)


def apply(project: Path, broken: BrokenPlugin) -> None:
    """Put ``broken``'s fault into the plugin project at ``project``."""
    for edit in broken.edits:
        path = project / edit.path
        text = path.read_text(encoding="utf-8")
        if edit.old not in text:
            raise AssertionError(f"{broken.name}: {edit.path} no longer contains {edit.old!r}")
        path.write_text(text.replace(edit.old, edit.new, 1), encoding="utf-8")
