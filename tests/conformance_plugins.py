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
    BrokenPlugin(
        "unguarded_export_with_argument", "a yearly export of holders' names anyone can open",
        "screens", (Edit(VIEWS, CERTIFICATE_ROUTE, '''@bp.route("/export/<int:year>")
def export(year: int):
    rows = services.session().scalars(select(Certificate).where(Certificate.year >= year)).all()
    return "\\n".join(f"{row.number};{row.holder_name}" for row in rows)


@bp.route("/certificate/<code>")'''),)),
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
)


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
"""),)),
)
BROKEN = (*BROKEN, *PLATFORM_FAULTS)



def apply(project: Path, broken: BrokenPlugin) -> None:
    """Put ``broken``'s fault into the plugin project at ``project``."""
    for edit in broken.edits:
        path = project / edit.path
        text = path.read_text(encoding="utf-8")
        if edit.old not in text:
            raise AssertionError(f"{broken.name}: {edit.path} no longer contains {edit.old!r}")
        path.write_text(text.replace(edit.old, edit.new, 1), encoding="utf-8")
