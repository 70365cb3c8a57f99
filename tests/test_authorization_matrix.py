"""The authorization matrix (issue #16): every route of the app, both example plugins'
included, called by every kind of account at its own unit, another unit and the parent
unit, and the answer checked against ONE table keyed by the endpoint's class.

The routes come from ``app.url_map``: a new route fails :func:`test_every_route_is_classified`
until it is given a class in :data:`CLASSES`, so nothing new goes unchecked.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from motcua.core import create_app, migrate
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Procedure, Unit
from motcua.core.plugin_manager.catalogue import sync_catalogue
from tests.conftest import login
from tests.factories import build_world, intake_data, make_procedure
from tests.test_admin_scope import PROVINCE_PROCEDURE, add_admins

ROOT = Path(__file__).resolve().parent.parent

# Where the test world's dossiers and procedures are received: the province's desk, the
# city's desk, the ward (under the city) and another district.
PLACES = {"province": "H72.00", "district": "H72.01.01", "ward": "X72.25747",
          "other": "H72.02"}
PROCEDURES = {"province": PROVINCE_PROCEDURE, "district": "1.001612", "ward": "1.001193",
              "other": "9.000001"}

# Who calls (None: nobody logged in), and, written out by hand rather than asked of the
# code under test, which places' dossiers each may see and whose workflows each may edit.
CALLERS = {"anonymous": None, "reception": "letan", "ward_reception": "letan.xa",
           "other_reception": "letan.hoathanh", "specialist": "chuyenvien",
           "leader": "lanhdao", "ward_admin": "cntt.phuong",
           "district_admin": "quantri.thanhpho", "province_admin": "cntt"}
# (The city desk's dossier is held by the finance office, the specialist's, at its first
# step.)
SEES = {"reception": {"district"}, "ward_reception": {"ward"}, "other_reception": {"other"},
        "specialist": {"district"}, "leader": {"district", "ward"}, "ward_admin": {"ward"},
        "district_admin": {"district", "ward"}, "province_admin": set(PLACES)}
ADMINISTERS = {"ward_admin": {"ward"}, "district_admin": {"district", "ward"},
               "province_admin": set(PLACES)}
# (ICT administrators manage accounts; a unit administrator does not.)
ACCOUNT_ADMINS = {"ward_admin", "province_admin"}
REPORT_READERS = {"leader", "ward_admin", "district_admin", "province_admin"}
# The administrators' index and unit list: unit and ICT administrators (each sees its own
# subtree's units, tests/test_units.py).
ADMINS = {"ward_admin", "district_admin", "province_admin"}
# Where each may take dossiers in (an ICT administrator holds every role in its subtree).
RECEIVES = {"reception": {"district"}, "ward_reception": {"ward"},
            "other_reception": {"other"}, "ward_admin": {"ward"},
            "province_admin": set(PLACES)}
# Who works a plugin's screens: the business registry's officers hold a working role by
# name; the tax exchange's are specialists (or ICT administrators, who hold every role).
WORKERS = {"reception", "ward_reception", "other_reception", "specialist", "leader"}
TAX_WORKERS = {"specialist", "ward_admin", "province_admin"}

# The expectation table: what each class of endpoint answers a caller about a place.
# "ok": served (anything but 401/403, the login page or a 5xx; a 404 for an object the
# test did not make is served); "refused": 401/403/404 or the login page; "any": the
# caller's role at the dossier's step decides (e.g. claim), only no 5xx.
CLASS_RULES = {
    "public": lambda caller, place: "ok",
    "sign-in": lambda caller, place: "any",
    "machine": lambda caller, place: "refused",  # signed by a node, never by a login
    "officer": lambda caller, place: "ok",
    "desk-home": lambda caller, place: "ok" if caller in RECEIVES else "refused",
    "intake": lambda caller, place: "ok" if place in RECEIVES.get(caller, ()) else "refused",
    "dossier": lambda caller, place: "ok" if place in SEES[caller] else "refused",
    "dossier-action": lambda caller, place: "any" if place in SEES[caller] else "refused",
    "workflow-admin": lambda caller, place:
        "ok" if place in ADMINISTERS.get(caller, ()) else "refused",
    "province-admin": lambda caller, place: "ok" if caller == "province_admin" else "refused",
    # Account administration: ICT administrators, within their subtrees (which accounts
    # an administrator may manage is tests/test_account_admin_web.py's).
    "account-admin": lambda caller, place: "ok" if caller in ACCOUNT_ADMINS else "refused",
    "account-admin-action": lambda caller, place:
        "any" if caller in ACCOUNT_ADMINS else "refused",
    "reports": lambda caller, place: "ok" if caller in REPORT_READERS else "refused",
    "admin": lambda caller, place: "ok" if caller in ADMINS else "refused",
    "plugin-worker": lambda caller, place: "ok" if caller in WORKERS else "refused",
    "tax-worker": lambda caller, place: "ok" if caller in TAX_WORKERS else "refused",
}
LOGIN_FREE = {"public", "sign-in", "machine"}
PLACED = {"intake", "dossier", "dossier-action", "workflow-admin"}


def expected(kind: str, caller: str, place: str) -> str:
    """"ok", "refused" or "any" for ``caller`` calling an endpoint of class ``kind``."""
    if caller == "anonymous" and kind not in LOGIN_FREE:
        return "refused"
    return CLASS_RULES[kind](caller, place)


# Every endpoint's class; PLACED ones are called once per place (their path names a
# dossier or procedure of that place).
CLASSES = {
    "static": "public",
    "desk.home": "desk-home",
    "auth.login": "sign-in",
    "auth.logout": "officer",
    "auth.switch_language": "public",
    "lookup.api": "public",
    "lookup.form": "public",
    "lookup.show": "public",
    "lookup.static": "public",
    "kiosk.home": "public",
    "kiosk._nowhere": "public",
    "kiosk.form_file": "public",
    "kiosk.language": "public",
    "kiosk.static": "public",
    "kiosk.status_colours": "public",
    "kiosk.catalogue": "public",
    "kiosk.procedure": "public",
    "kiosk.lookup_page": "public",
    # The SMS gateway's routes answer whoever the gateway's secret lets in (tests of sms).
    "sms.delivery_report": "public",
    "sms.inbound": "public",
    "sync_v1.push_batch": "machine",
    "sync_v1.query_fingerprints": "machine",
    "sync_v1.query_hello": "machine",
    "sync_v1.query_inbox": "machine",
    "sync_v1.query_inbox_ack": "machine",
    "sync_v1.query_reconcile": "machine",
    "sync_v1.openapi_json": "public",
    "api_v1.openapi_json": "public",
    "api_v1.list_dossiers": "officer",
    "api_v1.create_dossier": "officer",
    "api_v1.get_dossier": "dossier",
    "api_v1.dossier_events": "dossier",
    "api_v1.control_slip": "dossier",
    "api_v1.act": "dossier-action",
    "api_v1.list_procedures": "public",
    "api_v1.get_procedure": "public",
    "api_v1.get_workflow": "officer",
    "api_v1.put_workflow": "workflow-admin",
    "api_v1.queue": "officer",
    "department.queues": "officer",
    "department.work": "dossier",
    "department.act": "dossier-action",
    "department.slips.apology": "dossier-action",
    "department.slips.control": "dossier",
    "department.slips.refusal": "dossier-action",
    "department.slips.supplement": "dossier-action",
    "department.notices.index": "officer",
    "department.notices.open_notice": "officer",
    "department.notices.read": "officer",
    "department.search.index": "officer",
    "desk.dossiers.show": "dossier",
    "desk.dossiers.attachment": "dossier-action",
    "desk.dossiers.record_fee": "dossier-action",
    "desk.slips.receipt": "dossier",
    "desk.slips.refusal": "dossier-action",
    "desk.slips.guidance": "officer",
    "desk.intake.form": "intake",
    "desk.intake.appointment": "desk-home",  # a date preview, for any desk
    "audit.viewer": "province-admin",
    "audit.export": "province-admin",
    "audit.check": "province-admin",
    "sync_pages.overview": "province-admin",
    "sync_pages.node_page": "province-admin",
    "plugins_admin.index": "province-admin",
    "sync_pages.resend_dead_letters": "province-admin",
    "sync_v1.query_restore_copies": "machine",
    "admin.index": "admin",
    "admin.units": "admin",
    "accounts_admin.index": "account-admin",
    "accounts_admin.account": "account-admin-action",
    "accounts_admin.act": "account-admin-action",
    "accounts_admin.reset_password": "account-admin-action",
    "accounts_admin.revoke_token": "account-admin-action",
    "accounts_admin.grant_role": "account-admin-action",
    "accounts_admin.revoke_role": "account-admin-action",
    "password.change": "officer",
    "reports.dashboard": "officer",
    "reports.drill_down": "reports",
    "reports.officers": "reports",
    "reports.periodic": "reports",
    "reports.periodic_xlsx": "reports",
    "reports.plugin_report": "reports",
    "reports.plugin_report_xlsx": "reports",
    "business_registration.queue": "officer",
    "business_registration.certificate": "dossier-action",
    "business_registration.certificate_pdf": "dossier-action",
    "business_registration.review": "dossier-action",
    "business_registration.act": "dossier-action",
    "business_registration.name_check": "officer",
    "business_registration.register": "plugin-worker",
    "business_registration.household": "plugin-worker",
    "business_registration.static": "public",
    "tax_interconnection.incoming": "tax-worker",
    "tax_interconnection.dossier_exchanges": "dossier-action",
    "tax_interconnection.answer": "tax-worker",
    "tax_interconnection.figures": "officer",
    "tax_interconnection.land": "tax-worker",
    "tax_interconnection.overdue": "tax-worker",
}
# Path parameters that do not depend on the place.
FIXED = {"action": "claim", "name": "claim", "fmt": "csv", "node_id": "H72.02",
         "attachment_id": "1", "notice_id": "1", "account_id": "1", "token_id": "1",
         "guidance_id": "1", "exchange_id": "1",
         "number": "1", "plugin": "business_registration", "filename": "app.js",
         "rest": "x"}
PLUGINS = ("business_registration", "tax_interconnection")


@dataclass
class Matrix:
    app: object
    codes: dict[str, str]  # place -> a dossier code received there


def _package(folder: str, name: str):  # noqa: ANN202
    """The example plugin's package, imported from the source tree unless installed; its
    folder is not put on sys.path, whose egg-info would make it an installed plugin for
    every later test of the process."""
    if name not in sys.modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            package = ROOT / "plugins" / folder / name
            spec = importlib.util.spec_from_file_location(
                name, package / "__init__.py", submodule_search_locations=[str(package)])
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    return sys.modules[name]


def _plugins() -> tuple:
    return tuple((plugin, _package(plugin, f"motcua_{plugin}")) for plugin in PLUGINS)


def build(templates, backend: str, tmp_path, with_plugins: bool) -> Matrix:  # noqa: ANN001
    app = create_app(instance_path=tmp_path / "instance",
                     database_url=templates(backend).fresh_url(tmp_path),
                     secret_key="test-secret", TESTING=True, WTF_CSRF_ENABLED=False,
                     plugins=(), extra_plugins=_plugins() if with_plugins else ())
    database, manager = app.extensions["motcua.db"], app.extensions["motcua.plugins"]
    if with_plugins:
        migrate.upgrade(database.engine, extra_version_locations=manager.version_locations())
    with app.app_context():
        session = database.session
        world = build_world(session)
        add_admins(session, world)
        session.get(Unit, world.finance_office.id).function = "finance"  # plugin workflow
        other = session.get(Unit, world.other_district.id)
        make_procedure(session, code=PROCEDURES["other"], name="Chứng thực bản sao",
                       field="Chứng thực", days=1, fee=0, result="Bản sao",
                       units=[other], documents=[("Bản chính", True)])
        sync_catalogue(session, manager)
        actor = session.scalar(select(Account).where(Account.username == "cntt"))
        codes = {}
        for place, unit_code in PLACES.items():
            procedure = session.scalar(select(Procedure).where(
                Procedure.code == PROCEDURES[place]))
            data = intake_data(world, procedure_code=procedure.code, unit_code=unit_code,
                               submitted_documents=[d.id for d in procedure.documents])
            codes[place] = take_in(DeskContext(session, actor, app.config["MOTCUA"]),
                                   data).code
        session.commit()
        database.remove()
    return Matrix(app, codes)


def calls(app, codes: dict[str, str]):  # noqa: ANN001, ANN201
    """(endpoint, method, place or None, url) for every rule and method of the app."""
    for rule in app.url_map.iter_rules():
        kind = CLASSES.get(rule.endpoint)
        places = PLACES if kind in PLACED else (None,)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for place in places:
                where = place or "district"
                values = {**FIXED, "code": codes[where], "procedure_code": PROCEDURES[where]}
                if rule.endpoint.endswith("workflow") or rule.endpoint == "api_v1.get_procedure":
                    values["code"] = PROCEDURES[where]
                if rule.endpoint in ("auth.switch_language", "kiosk.language"):
                    values["code"] = "en"
                if rule.endpoint == "accounts_admin.act":
                    values["action"] = "unlock"
                args = {name: values[name] for name in rule.arguments}
                yield rule.endpoint, method, place, rule.build(args, append_unknown=False)[1]


def agrees(want: str, status: int, location: str) -> bool:
    """The answer agrees with ``want`` (see the expectation table)."""
    if status >= 500:
        return False
    refused = status in (401, 403) or (status == 302 and "/login" in location)
    if want == "refused":
        return refused or status == 404
    return want == "any" or not refused


def check(matrix: Matrix, callers) -> list[str]:  # noqa: ANN001
    """Every call by every caller; the list of disagreements with the table."""
    wrong = []
    for caller in callers:
        client = matrix.app.test_client()
        if CALLERS[caller]:
            login(client, CALLERS[caller])
        for endpoint, method, place, url in calls(matrix.app, matrix.codes):
            if endpoint == "auth.logout":
                continue  # would end the session the next calls use
            want = expected(CLASSES[endpoint], caller, place or "district")
            response = client.open(url, method=method, json={} if method != "GET" else None)
            response.get_data()  # a streamed export holds its request open until read
            response.close()
            if not agrees(want, response.status_code, response.headers.get("Location", "")):
                wrong.append(f"{caller} {method} {url} ({endpoint}, {place}): "
                             f"{response.status_code}, expected {want}")
    return wrong


def test_every_route_is_classified(sqlite_app):
    app = create_app(instance_path=sqlite_app.instance_path, database_url="sqlite://",
                     secret_key="x", TESTING=True, plugins=(), extra_plugins=_plugins())
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(CLASSES))
    assert not missing, (
        f"Routes without a class in tests/test_authorization_matrix.py CLASSES: {missing}. "
        "Add each with the class saying who may call it.")
    assert {name.split(".")[0] for name in endpoints} >= set(PLUGINS)


def test_the_matrix(templates, tmp_path):
    matrix = build(templates, "sqlite", tmp_path, with_plugins=True)
    try:
        wrong = check(matrix, CALLERS)
    finally:
        matrix.app.extensions["motcua.db"].dispose()
    assert not wrong, "\n".join(wrong)


def test_a_sample_of_the_matrix_on_postgresql(templates, tmp_path):
    """Core routes for the callers at the edges of the scopes (the plugins' migrations
    stay out of the shared PostgreSQL template)."""
    from motcua.core.testing import require_postgres_or_skip

    require_postgres_or_skip()
    matrix = build(templates, "postgresql", tmp_path, with_plugins=False)
    try:
        wrong = check(matrix, ("anonymous", "ward_admin", "reception", "province_admin"))
    finally:
        matrix.app.extensions["motcua.db"].dispose()
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("caller", ["ward_admin", "district_admin"])
def test_the_table_refuses_admins_outside_their_subtree(caller):
    """The table itself: an administrator is refused the parent's and another unit's
    dossiers and workflows, and every province page."""
    for kind in ("dossier", "workflow-admin"):
        assert expected(kind, caller, "province") == "refused"
        assert expected(kind, caller, "other") == "refused"
    assert expected("province-admin", caller, "district") == "refused"
