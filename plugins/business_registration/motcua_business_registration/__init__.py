"""Household business registration (đăng ký hộ kinh doanh): the hooks the motcua core
calls. The plugin imports ``motcua_sdk`` only; the core finds this module through the
``motcua.plugins`` entry point ``business_registration``.

What it adds: four procedures (registration, change, suspension/resumption,
termination) with their specialist-data schemas and default workflows; the household
business register (its own tables and Alembic branch); the finance-planning office's
screens; the certificate and its number; public lookup fields; its sync payload; two
reports; an export command; sample dossiers for the conformance suite.

Other plugins (the tax interconnection) listen to the core's ``result_issued`` signal:
for these procedures ``event.data`` carries ``registration_number``, ``business_name``,
``kind``, ``area_code``, ``vsic`` and ``capital``; the owner's citizen ID stays in the
dossier's specialist data (``dossier.specialist_data["owner"]``), never in the result
the public lookup may show.
"""

from __future__ import annotations

from pathlib import Path

from motcua_business_registration import procedures
from motcua_business_registration.settings import SETTINGS as MOTCUA_SETTINGS  # noqa: F401
from motcua_sdk import (
    IssuedResult,
    MenuItem,
    Report,
    ReportColumn,
    hookimpl,
    services,
    signals,
)

# The SDK versions this plugin works with (checked by the core before loading it).
MOTCUA_API = ">=0.2,<0.3"
PLUGIN_NAME = "business_registration"
# The reports' columns: headings in English (the plugin's catalogue has the Vietnamese),
# the counts typed as numbers (grouped digits on the page, number cells in Excel).
MONTH_COLUMNS = (ReportColumn("month", "Month"),
                 *(ReportColumn(key, label, "number") for key, label in (
                     ("registered", "Registered"), ("changed", "Changed"),
                     ("suspended", "Suspended"), ("resumed", "Resumed"),
                     ("terminated", "Terminated"))))
LINE_COLUMNS = (ReportColumn("vsic", "VSIC code"), ReportColumn("title", "Line of business"),
                *(ReportColumn(key, label, "number") for key, label in (
                    ("active", "Active"), ("suspended", "Suspended"),
                    ("terminated", "Terminated"))))
# What the core's pages call this plugin, per language.
MOTCUA_DISPLAY_NAME = {"vi": "Đăng ký hộ kinh doanh", "en": "Household business registration"}
# This plugin's own catalogue (its pages' texts the core's catalogue does not hold).
MOTCUA_TRANSLATIONS = Path(__file__).parent / "translations"


@hookimpl
def motcua_procedures():
    return list(procedures.SPECS)


@hookimpl
def motcua_models():
    from motcua_business_registration.models import Base

    return Base.metadata


@hookimpl
def motcua_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def motcua_blueprints():
    from motcua_business_registration.views import bp

    return [bp]


@hookimpl
def motcua_menu_items(account):
    if any(account.has_role_anywhere(role) for role in ("specialist", "leader", "reception")):
        return [MenuItem(label="Đăng ký hộ kinh doanh", endpoint="business_registration.queue",
                         order=40)]
    return None


@hookimpl
def motcua_issue_result(dossier, actor):
    from motcua_business_registration.register import issue

    issued = issue(services.session(), dossier, actor)
    household = issued.household
    return IssuedResult(
        number=household.registration_number,
        title=procedures.RESULT_TITLES[issued.kind],
        document_endpoint="business_registration.certificate",
        data={"registration_number": household.registration_number,
              "business_name": household.business_name, "kind": issued.kind,
              "area_code": household.area_code,
              "vsic": [line["vsic"] for line in household.business_lines],
              "capital": household.capital, "status": household.status,
              "effective_on": issued.change.effective_on.isoformat()})


@hookimpl
def motcua_public_fields(dossier):
    data = dossier.specialist_data
    fields = {}
    name = data.get("business_name")
    if name:
        fields["Tên hộ kinh doanh"] = name
    result = dossier.result or {}
    if result.get("registration_number"):
        fields["Số đăng ký hộ kinh doanh"] = result["registration_number"]
        fields["Tên hộ kinh doanh"] = result.get("business_name") or name or ""
    elif data.get("registration_number"):
        fields["Số đăng ký hộ kinh doanh"] = data["registration_number"]
    return fields or None


@hookimpl
def motcua_sync_payload(dossier):
    from motcua_business_registration.hub_record import hub_record

    data, result = dossier.specialist_data, dossier.result or {}
    lines = data.get("business_lines") or []
    return {
        "registration_number": result.get("registration_number")
        or data.get("registration_number"),
        "business_name": result.get("business_name") or data.get("business_name"),
        "kind": result.get("kind"),
        "vsic": [line.get("vsic") for line in lines],
        "capital": data.get("capital"),
        "workers": data.get("workers"),
        **hub_record(services.session(), dossier),
    }


@hookimpl
def motcua_reports():
    from motcua_business_registration.reports import by_line_of_business, by_month

    return [
        Report(name="registrations_by_month", title="Household businesses registered per month",
               columns=MONTH_COLUMNS, build=by_month),
        Report(name="registrations_by_line", title="Household businesses per line of business",
               columns=LINE_COLUMNS, build=by_line_of_business),
    ]


@hookimpl
def motcua_cli_commands():
    from motcua_business_registration.cli import export

    return [export]


@hookimpl
def motcua_sample_dossiers():
    from motcua_business_registration.samples import SAMPLES

    return list(SAMPLES)


@signals.annotated.connect
def _tax_code_returned(dossier, event):
    """The tax office's answer (tax interconnection plugin, or any plugin annotating
    ``tax_code``) goes into the register entry of the household the dossier concerns."""
    if event.data.get("key") != "tax_code" or dossier.procedure_code not in procedures.CODES:
        return
    from motcua_business_registration.register import record_tax_code

    record_tax_code(services.session(), dossier, str(event.data.get("value") or ""))
