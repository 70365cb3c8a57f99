"""The hooks a motcua plugin may implement: the whole public contract in one module.

A plugin is a module (or object) named by an entry point in the ``motcua.plugins`` group;
it declares the SDK versions it works with and implements any of these hooks with
:data:`motcua_sdk.hookimpl`::

    # my_plugin/__init__.py
    from motcua_sdk import hookimpl

    MOTCUA_API = ">=0.1,<0.2"

    @hookimpl
    def motcua_blueprints():
        from my_plugin.views import bp
        return [bp]

Rules every hook follows (the policy in ``docs/plugins.md``):

- arguments are passed by keyword, so an implementation may accept only those it needs,
  and new arguments can be added without breaking anyone;
- hooks that take a ``dossier`` get a read-only :class:`~motcua_sdk.types.DossierView`
  and are called only on the plugin that handles the dossier's procedure;
- collecting hooks return a list (or ``None`` for "nothing from me"); the core flattens
  the answers of every enabled plugin;
- an exception raised inside a hook is logged and reported by the core, never passed
  on to the desk: the core's own work (intake, routing) completes without the plugin.
"""

from __future__ import annotations

import pluggy

PROJECT = "motcua"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def motcua_procedures():
    """The administrative procedures this plugin handles: a list of
    :class:`~motcua_sdk.types.ProcedureSpec`.

    ``motcua plugins sync-catalogue`` (also run by ``motcua db upgrade``) adds or updates
    them in the catalogue, marked as handled by the plugin. Each carries the marshmallow
    schema of its specialist data and its default workflow.

    Example::

        @hookimpl
        def motcua_procedures():
            return [ProcedureSpec(
                code="1.001612", name="Đăng ký thành lập hộ kinh doanh",
                field="Thành lập và hoạt động của hộ kinh doanh", level="district",
                processing_days=3, fee=100_000, result_type="Giấy chứng nhận đăng ký hộ kinh doanh",
                documents=[DocumentSpec("Giấy đề nghị đăng ký hộ kinh doanh")],
                schema=HouseholdBusinessSchema,
                workflow=[
                    {"name": "Thẩm định hồ sơ", "role": "specialist", "days": 2,
                     "unit": "function:finance"},
                    {"name": "Ký giấy chứng nhận", "role": "leader", "days": 1,
                     "unit": "function:finance"},
                ],
            )]
    """


@hookspec
def motcua_models():
    """The plugin's SQLAlchemy ``MetaData`` (its own tables, prefixed with its name).

    Used by the conformance suite to check that the plugin's migration branch creates
    exactly these tables. Plugin tables may reference core tables by name
    (``ForeignKey("dossiers.id")``) but never import core classes.

    Example::

        @hookimpl
        def motcua_models():
            from my_plugin.models import Base
            return Base.metadata
    """


@hookspec
def motcua_migrations():
    """The folder holding the plugin's Alembic branch (its ``versions`` directory).

    Its first revision has ``down_revision = "0001_core"`` and ``branch_labels =
    ("<plugin name>",)``; ``motcua db upgrade`` applies it with the core's.

    Example::

        @hookimpl
        def motcua_migrations():
            return Path(__file__).parent / "migrations"
    """


@hookspec
def motcua_blueprints():
    """Flask blueprints for the plugin's department screens: a list.

    The core registers them at start-up (never on import). A blueprint may carry a
    ``template_folder``; its templates can ``{% extends "base.html" %}`` to get the
    staff layout. Use :func:`motcua_sdk.services.staff_required` to protect views.

    Example::

        bp = Blueprint("my_plugin", __name__, url_prefix="/my-plugin",
                       template_folder="templates")

        @hookimpl
        def motcua_blueprints():
            return [bp]
    """


@hookspec
def motcua_menu_items(account):
    """Entries for the staff menu of ``account`` (an :class:`~motcua_sdk.types.AccountView`):
    a list of :class:`~motcua_sdk.types.MenuItem`, or ``None``.

    Example::

        @hookimpl
        def motcua_menu_items(account):
            if account.has_role_anywhere("specialist"):
                return [MenuItem(label=_("Business register"), endpoint="my_plugin.register")]
    """


@hookspec(firstresult=True)
def motcua_issue_result(dossier, actor):
    """Issue the result of ``dossier`` (the certificate or licence) when ``actor`` finishes
    it: return an :class:`~motcua_sdk.types.IssuedResult` with its number in the official
    pattern and the endpoint of its printable document (the core's work page and dossier
    page link to it; :func:`motcua_sdk.pdf.render_pdf` makes the PDF).

    Called only on the plugin handling the dossier's procedure, inside the transaction that
    records ``result_issued``: a plugin may write its own tables (e.g. its register)
    through :func:`motcua_sdk.services.session`; if it raises, nothing is issued and the
    officer sees the error.

    Example::

        @hookimpl
        def motcua_issue_result(dossier, actor):
            number = next_certificate_number(dossier.unit_code)
            return IssuedResult(number=number, title="Giấy chứng nhận đăng ký hộ kinh doanh",
                                document_endpoint="my_plugin.certificate")
    """


@hookspec
def motcua_public_fields(dossier):
    """What of the plugin's data the public lookup (tra cứu) may show for ``dossier``:
    a dict ``{label: value}`` of plain strings, or ``None``.

    Never include citizen IDs, phone numbers or addresses of persons.

    Example::

        @hookimpl
        def motcua_public_fields(dossier):
            return {"Tên hộ kinh doanh": dossier.specialist_data["business_name"]}
    """


@hookspec
def motcua_sync_payload(dossier):
    """What the plugin adds to the dossier's entries sent to the provincial hub: a
    JSON-ready dict stored in the hub's read model under the plugin's name, or ``None``.

    Example::

        @hookimpl
        def motcua_sync_payload(dossier):
            return {"vsic": list(dossier.specialist_data.get("business_lines", []))}
    """


@hookspec
def motcua_reports():
    """Reports the plugin offers: a list of :class:`~motcua_sdk.types.Report`.

    Example::

        @hookimpl
        def motcua_reports():
            return [Report(name="registrations", title="Registrations by line",
                           columns=("vsic", "count"), build=registrations_by_line)]
    """


@hookspec
def motcua_cli_commands():
    """``click`` commands added under ``motcua <plugin name> ...``: a list.

    Example::

        @click.command("rebuild-register")
        def rebuild_register():
            '''Rebuild the register from issued certificates.'''

        @hookimpl
        def motcua_cli_commands():
            return [rebuild_register]
    """


@hookspec
def motcua_sample_dossiers():
    """Sample dossiers for the conformance suite: a list of
    :class:`~motcua_sdk.types.SampleDossier`, at least one per procedure.

    Example::

        @hookimpl
        def motcua_sample_dossiers():
            return [SampleDossier(procedure_code="1.001612", applicant_name="Nguyễn Văn An",
                                  specialist_data={"business_name": "Tạp hóa An"})]
    """


HOOK_NAMES = (
    "motcua_procedures",
    "motcua_models",
    "motcua_migrations",
    "motcua_blueprints",
    "motcua_menu_items",
    "motcua_issue_result",
    "motcua_public_fields",
    "motcua_sync_payload",
    "motcua_reports",
    "motcua_cli_commands",
    "motcua_sample_dossiers",
)
