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
    # Other checks that fail because of the same fault (each must, and no other may).
    also_fails: tuple[str, ...] = ()


INIT = f"{PACKAGE}/__init__.py"
VIEWS = f"{PACKAGE}/views.py"

SYNC_HOOK = '''@hookimpl
def motcua_sync_payload(dossier):
    return {"subject": dossier.specialist_data.get("subject")}
'''
CERTIFICATE_ROUTE = '''@bp.route("/certificate/<code>")'''
ISSUE_HOOK = '''    certificate = issue_certificate(services.session(), dossier, actor)
'''
PUBLIC_FIELDS_HOOK = '''def motcua_public_fields(dossier):
'''
MENU_HOOK = ('''    if account.has_role_anywhere("specialist") or '''
             '''account.has_role_anywhere("leader"):
        return [MenuItem(label="Land use", endpoint="land_use.queue")]
    return None
''')
CERTIFICATE_TEMPLATE = f"{PACKAGE}/templates/land_use/_certificate.html"
# A class of its own mapped on the core's ``dossiers`` table, on a metadata the plugin
# does not declare (so neither the migrations check nor the models' table names show it).
SHADOW_CLASS = '''

from sqlalchemy import String as _String
from sqlalchemy.orm import DeclarativeBase as _DeclarativeBase


class _Shadow(_DeclarativeBase):
    metadata = MetaData()


class DossierStamp(_Shadow):
    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(_String(60))
    note: Mapped[str | None] = mapped_column(_String(200))
'''

# A table of the plugin's own counting page views (its model and its migration).
VIEW_COUNTER_TABLE = (
    Edit(f"{PACKAGE}/models.py", "def issue_certificate(", '''class PageView(Base):
    """How often the queue was opened."""

    __tablename__ = "land_use_page_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)


def issue_certificate('''),
    Edit(f"{PACKAGE}/migrations/0001_land_use.py", "\n\ndef downgrade() -> None:\n", '''
    op.create_table(
        "land_use_page_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=constraint_name("pk", "land_use_page_views")),
    )


def downgrade() -> None:
    op.drop_table("land_use_page_views")
'''),
)
QUEUE_VIEW = '''    dossiers = services.queue([PROCEDURE_CODE])
'''
QUEUE_TEMPLATE = f"{PACKAGE}/templates/land_use/queue.html"
CERTIFICATE_CONTEXT = '''    return {"dossier": dossier, "certificate": found,
'''
PUBLIC_FIELDS_BODY = '''    return {"Nội dung": dossier.specialist_data.get("subject", "")}
'''
CERTIFICATE_PAGE = '''    return render_template("land_use/certificate.html", **_certificate(code))
'''

# The scaffold's workflow sent to a unit function the test province lacks.
CONSTRUCTION_WORKFLOW = (
    Edit(INIT, '"unit": "function:finance"},\n', '"unit": "function:construction"},\n'),
    Edit(INIT, '"days": 2, "unit": "function:finance"}',
         '"days": 2, "unit": "function:construction"}'),
)
# ... and the declaration that lets any province (the suite's too) host it.
DECLARES_CONSTRUCTION = Edit(INIT, 'MOTCUA_API = ">=0.2,<0.3"\n',
                             'MOTCUA_API = ">=0.2,<0.3"\n'
                             'MOTCUA_UNIT_FUNCTIONS = {"construction": "Phòng Quản lý đô thị"}\n')
# Not broken: must pass every check with its shipped workflow, no override.
DECLARED_UNIT_FUNCTION = BrokenPlugin(
    "declared_unit_function", "names function:construction and declares it", "",
    (*CONSTRUCTION_WORKFLOW, DECLARES_CONSTRUCTION))

BROKEN = (
    BrokenPlugin(
        "undeclared_unit_function", "its workflow names function:construction, which it "
        "does not declare", "catalogue", CONSTRUCTION_WORKFLOW,
        # No dossier can be taken in (no unit does construction): the knock-on findings
        # name that cause.
        also_fails=("lifecycle", "sync", "lookup", "isolation")),
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
        "catalogue", (Edit(INIT, "schema=RequestSchema,", "schema=dict,"),),
        # No dossier of its procedure can be taken in: nothing to take through the
        # lifecycle, to sync, to look up, or to break its hooks on.
        also_fails=("lifecycle", "sync", "lookup", "isolation")),
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
        "contract", (Edit(INIT, 'MOTCUA_API = ">=0.2,<0.3"', 'MOTCUA_API = ">=0.3"'),)),
    BrokenPlugin(
        "imports_core", "reads the core's models instead of the SDK's views",
        "contract", (Edit(VIEWS, "from flask import Blueprint, abort, render_template",
                          "from flask import Blueprint, abort, render_template\n"
                          "from motcua.core.models import Dossier  # noqa: F401"),)),
    BrokenPlugin(
        "migration_without_downgrade", "its migration cannot be undone",
        "migrations", (Edit(f"{PACKAGE}/migrations/0001_land_use.py",
                            'def downgrade() -> None:\n'
                            '    op.drop_index(constraint_name("ix", CERTIFICATES, "year"), '
                            'CERTIFICATES)\n    op.drop_table(CERTIFICATES)',
                            "def downgrade() -> None:\n    pass"),)),
    BrokenPlugin(
        "unguarded_screen", "a certificate export anyone can open, without logging in",
        "screens", (Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/certificates.csv")
def export():
    rows = services.session().scalars(select(Certificate)).all()
    return "\\n".join(f"{row.number};{row.holder_name}" for row in rows)


@bp.route("/certificate/<code>")'''),),
        # The export is an HTML answer (Flask's default) with the holders' names as they
        # were typed: the generated applicant's quotes and "&" come out unescaped.
        also_fails=("injection",)),
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
    BrokenPlugin(
        "unguarded_export_with_argument", "a yearly export of holders' names anyone can open",
        "screens", (Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/export/<int:year>")
def export(year: int):
    rows = services.session().scalars(select(Certificate).where(Certificate.year >= year)).all()
    return "\\n".join(f"{row.number};{row.holder_name}" for row in rows)


@bp.route("/certificate/<code>")'''),),
        also_fails=("injection",)),  # the same unescaped names as unguarded_screen
    BrokenPlugin(
        "error_on_post_with_argument", "a correction form that crashes on a bad value",
        "robustness", (Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/fix/<int:n>", methods=["POST"])
@services.staff_required()
def fix(n: int):
    from flask import request

    value = int(request.form.get("value", ""))
    return f"{n}: {value}"


@bp.route("/certificate/<code>")'''),)),
    BrokenPlugin(
        "shadow_orm_class", "stamps the dossier's note through its own class mapped on "
        "dossiers", "isolation",
        (Edit(f"{PACKAGE}/models.py", "    unit_code: Mapped[str] = mapped_column(String(40))\n",
              "    unit_code: Mapped[str] = mapped_column(String(40))\n" + SHADOW_CLASS),
         Edit(INIT, ISSUE_HOOK, ISSUE_HOOK + '''    from sqlalchemy import select

    from motcua_land_use.models import DossierStamp

    stamp = services.session().scalar(select(DossierStamp).where(
        DossierStamp.code == dossier.code))
    stamp.note = "certified"
'''))),
    BrokenPlugin(
        "slow_hook", "looks the public fields up slowly (60 ms a call)", "budget",
        (Edit(INIT, PUBLIC_FIELDS_HOOK, PUBLIC_FIELDS_HOOK + '''    import time

    time.sleep(0.06)
'''),)),
    BrokenPlugin(
        "leader_page_open_to_all", "a leaders' approval list its menu shows to leaders only, "
        "but any officer can open", "screens",
        (Edit(INIT, MENU_HOOK, '''    items = []
    if account.has_role_anywhere("specialist") or account.has_role_anywhere("leader"):
        items.append(MenuItem(label="Land use", endpoint="land_use.queue"))
    if account.has_role_anywhere("leader"):
        items.append(MenuItem(label="Phê duyệt", endpoint="land_use.approvals"))
    return items or None
'''), Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/approvals")
@services.staff_required()
def approvals():
    from motcua_land_use import PROCEDURE_CODE

    return render_template("land_use/queue.html", dossiers=services.queue([PROCEDURE_CODE]),
                           issued=[])


@bp.route("/certificate/<code>")'''))),
    BrokenPlugin(
        "result_page_crashes", "its printable certificate breaks once a result is issued",
        "lifecycle", (Edit(CERTIFICATE_TEMPLATE, "{{ certificate.subject }}",
                           "{{ certificate.subject }} {{ certificate.holder.name.upper() }}"),),
        also_fails=("screens",)),  # the same page, requested by every role
    # Each changes stored data while answering a GET (see safe_gets in docs/conformance.md).
    BrokenPlugin(
        "get_counts_views", "counts the queue's views in its own table on every GET",
        "safe_gets", (*VIEW_COUNTER_TABLE, Edit(VIEWS, QUEUE_VIEW, QUEUE_VIEW + '''
    from motcua_land_use.models import PageView

    counter = services.session().get(PageView, 1)
    if counter is None:
        counter = PageView(id=1, hits=0)
        services.session().add(counter)
    counter.hits += 1
'''))),
    BrokenPlugin(
        "get_raw_sql_update", "counts the queue's views with its own UPDATE statement",
        "safe_gets", (*VIEW_COUNTER_TABLE, Edit(VIEWS, QUEUE_VIEW, QUEUE_VIEW + '''
    from sqlalchemy import text

    services.session().execute(text("INSERT INTO land_use_page_views (id, hits) "
                                    "SELECT 1, 0 WHERE NOT EXISTS "
                                    "(SELECT 1 FROM land_use_page_views)"))
    services.session().execute(text("UPDATE land_use_page_views SET hits = hits + 1"))
'''))),
    BrokenPlugin(
        "get_annotates_dossier", "notes on the dossier that its certificate was viewed",
        "safe_gets", (Edit(VIEWS, CERTIFICATE_PAGE, '''\
    page = render_template("land_use/certificate.html", **_certificate(code))
    services.annotate(code, source="land_use", key="viewed", value=True,
                      label="Đã xem giấy xác nhận")
    return page
'''),)),
    BrokenPlugin(
        "get_updates_specialist_data", "stamps who last opened them on the subject of the "
        "dossiers its queue lists", "safe_gets", (Edit(VIEWS, QUEUE_VIEW, QUEUE_VIEW + '''
    from motcua_sdk import errors

    viewer = services.current_account().username
    for dossier in dossiers:
        data = dict(dossier.specialist_data)
        subject = str(data.get("subject", "")).split(" [")[0]
        data["subject"] = f"{subject} [{viewer}]"
        try:
            services.update_specialist_data(dossier.code, data)
        except errors.PluginError:
            pass  # not the officer's to change
'''),)),
    BrokenPlugin(
        "get_deletes_row", "a delete link: opening /certificate/<id>/delete removes the "
        "certificate", "safe_gets", (Edit(VIEWS, CERTIFICATE_ROUTE, '''\
@bp.route("/certificate/<int:certificate_id>/delete")
@services.staff_required()
def delete_certificate(certificate_id: int):
    from sqlalchemy import delete

    services.session().execute(delete(Certificate).where(Certificate.id == certificate_id))
    return "deleted"


@bp.route("/certificate/<code>")'''),)),
    # Injection and escaping (see injection in docs/conformance.md): a dossier's text
    # written into a page as markup, a request's value written into SQL text.
    BrokenPlugin(
        "safe_specialist_field", "its queue writes the dossier's subject with |safe",
        "injection", (Edit(QUEUE_TEMPLATE, '{{ dossier.specialist_data.get("subject", "") }}',
                           '{{ dossier.specialist_data.get("subject", "") | safe }}'),)),
    BrokenPlugin(
        "safe_applicant_name", "its certificate writes the holder's name with |safe",
        "injection", (Edit(CERTIFICATE_TEMPLATE, "{{ certificate.holder_name }}",
                           "{{ certificate.holder_name | safe }}"),)),
    BrokenPlugin(
        "markup_in_view", "its certificate view wraps the subject in Markup() to bold it",
        "injection", (Edit(VIEWS, "from flask import Blueprint, abort, render_template",
                           "from flask import Blueprint, abort, render_template\n"
                           "from markupsafe import Markup"),
                      Edit(VIEWS, CERTIFICATE_CONTEXT, CERTIFICATE_CONTEXT.replace(
                          '"certificate": found,', '"certificate": found,\n            '
                          '"subject_html": Markup(f"<strong>{found.subject}</strong>"),')),
            Edit(CERTIFICATE_TEMPLATE, "{{ certificate.subject }}", "{{ subject_html }}"))),
    BrokenPlugin(
        "autoescape_false", "its queue turns autoescaping off for its table",
        "injection", (Edit(QUEUE_TEMPLATE, "<tbody>", "<tbody>{% autoescape false %}"),
                      Edit(QUEUE_TEMPLATE, "{% endfor %}\n  </tbody>",
                           "{% endfor %}{% endautoescape %}\n  </tbody>"))),
    BrokenPlugin(
        "html_by_string_formatting", "a summary page built with an f-string (no template)",
        "injection", (Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/summary/<code>")
@services.staff_required()
def summary(code: str):
    dossier = services.get_dossier(code)
    return f"<h1>{dossier.code}</h1><p>{dossier.specialist_data.get('subject', '')}</p>"


@bp.route("/certificate/<code>")'''),)),
    BrokenPlugin(
        "sql_from_query_parameter", "its queue filters the register by ?q= spliced into "
        "text() with an f-string", "injection", (Edit(VIEWS, QUEUE_VIEW, QUEUE_VIEW + '''
    from flask import request
    from sqlalchemy import text

    words = request.args.get("q", "")
    services.session().execute(text(
        f"SELECT id FROM land_use_certificates WHERE subject LIKE '%{words}%'")).all()
'''),)),
    BrokenPlugin(
        "sql_from_form_field", "a POST search splicing a form field into its SQL (errors "
        "answered 400)", "injection", (Edit(VIEWS, CERTIFICATE_ROUTE, '''\
@bp.route("/search", methods=["POST"])
@services.staff_required()
def search():
    from flask import request
    from sqlalchemy import text

    holder = request.form.get("holder", "")
    try:
        rows = services.session().execute(text(
            "SELECT number FROM land_use_certificates WHERE holder_name = '%s'" % holder)).all()
    except Exception:  # noqa: BLE001
        abort(400)
    return ", ".join(row.number for row in rows)


@bp.route("/certificate/<code>")'''),)),
    BrokenPlugin(
        "sql_from_json_key", "a JSON lookup of holders splicing a key of the body into its "
        "SQL", "injection", (Edit(VIEWS, CERTIFICATE_ROUTE, '''\
@bp.route("/api/holders", methods=["POST"])
@services.staff_required()
def holders():
    from flask import jsonify, request
    from sqlalchemy import text

    body = request.get_json(silent=True) or {}
    try:
        rows = services.session().execute(text(
            f"SELECT number FROM land_use_certificates WHERE year = {body.get('year', 0)}"
        )).all()
    except Exception:  # noqa: BLE001
        abort(400)
    return jsonify([row.number for row in rows])


@bp.route("/certificate/<code>")'''),)),
    BrokenPlugin(
        "sql_from_path_argument", "/by-holder/<name> splices its URL argument into SQL",
        "injection", (Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/by-holder/<name>")
@services.staff_required()
def by_holder(name: str):
    from sqlalchemy import text

    rows = services.session().execute(text(
        "SELECT number FROM land_use_certificates WHERE holder_name = '" + name + "'")).all()
    return ", ".join(row.number for row in rows)


@bp.route("/certificate/<code>")'''),)),
    # Faults only the generated samples reach (an optional field left empty, a value at
    # a bound of the schema): the vendor's own sample passes.
    BrokenPlugin(
        "crash_without_area", "its result data formats the area, which is optional",
        "lifecycle", (Edit(INIT, '''data={"subject": certificate.subject})''',
                           '''data={"subject": certificate.subject,
                              "area": f"{dossier.specialist_data.get('area_m2'):.1f} m²"})'''),)),
    BrokenPlugin(
        "page_crash_without_area", "its certificate page formats the area, which is "
        "optional", "lifecycle", (Edit(CERTIFICATE_TEMPLATE, "{{ certificate.subject }}",
                                       '{{ certificate.subject }} '
                                       '({{ "%.1f" % dossier.specialist_data["area_m2"] }} m²)'),)),
    BrokenPlugin(
        "leak_without_area", "without an area, its public fields show the applicant's "
        "citizen ID instead", "lookup", (Edit(INIT, PUBLIC_FIELDS_BODY, '''\
    area = dossier.specialist_data.get("area_m2")
    where = f"{area} m²" if area else f"CCCD {dossier.applicant_citizen_id}"
    return {"Nội dung": dossier.specialist_data.get("subject", ""), "Thửa đất": where}
'''),)),
    BrokenPlugin(
        "crash_on_tiny_area", "its certificate page divides by the area rounded to whole "
        "m², zero under 0.5 m²", "lifecycle", (Edit(VIEWS, CERTIFICATE_PAGE, '''\
    found = _certificate(code)
    area = found["dossier"].specialist_data.get("area_m2") or 1
    per_m2 = 100_000 // round(area)
    return render_template("land_use/certificate.html", per_m2=per_m2, **found)
'''),)),
    BrokenPlugin(
        "crash_on_long_subject", "shortens a long subject at its first comma, and breaks on "
        "one of 200 characters without a comma", "lifecycle", (Edit(INIT, ISSUE_HOOK,
                                                                      ISSUE_HOOK + '''\
    subject = certificate.subject
    if len(subject) > 150:
        subject = subject[:subject.index(",", 100)]
'''),)),
)



def apply(project: Path, broken: BrokenPlugin) -> None:
    """Put ``broken``'s fault into the plugin project at ``project``."""
    for edit in broken.edits:
        path = project / edit.path
        text = path.read_text(encoding="utf-8")
        if edit.old not in text:
            raise AssertionError(f"{broken.name}: {edit.path} no longer contains {edit.old!r}")
        path.write_text(text.replace(edit.old, edit.new, 1), encoding="utf-8")
