"""Tax interconnection (liên thông thuế, 004 Art. 4.3 đ and l): the hooks and signal
receivers the motcua core calls.

When a household business certificate is issued (the business registration plugin's
procedures), the registration information goes to the district tax office; the land
office sends the cadastral information slip of a land transaction. The tax office (a unit
of this system with its own screens, or the tax authority's system through the external
adapter) answers with a tax code, a query, or a tax notice. The plugin imports
``motcua_sdk`` only and cooperates with other plugins through SDK signals.
"""

from __future__ import annotations

import logging
from pathlib import Path

from motcua_sdk import MenuItem, Report, ReportColumn, hookimpl, services, signals
from motcua_tax_interconnection.settings import SETTINGS as MOTCUA_SETTINGS  # noqa: F401

MOTCUA_API = ">=0.2,<0.3"
# The reports' columns: headings in English (this plugin's catalogue has the Vietnamese),
# figures typed as numbers (grouped digits on the page, number cells in Excel).
OFFICE_COLUMNS = (ReportColumn("tax_office", "Tax office"), ReportColumn("kind", "Kind"))
PENDING_COLUMNS = (*OFFICE_COLUMNS, ReportColumn("waiting", "Waiting", "number"),
                   ReportColumn("overdue", "Overdue", "number"))
TURNAROUND_COLUMNS = (*OFFICE_COLUMNS, ReportColumn("answered", "Answered", "number"),
                      ReportColumn("average_working_days", "Average working days", "number",
                                   decimals=1),
                      ReportColumn("on_time", "On time", "number"))
# This plugin's own catalogue: its report headings and its schemas' messages.
MOTCUA_TRANSLATIONS = Path(__file__).parent / "translations"
# What the core's pages call this plugin, per language.
MOTCUA_DISPLAY_NAME = {"vi": "Liên thông thuế", "en": "Tax interconnection"}
# It handles no procedure of its own: it works on the business registration plugin's
# dossiers (and, by its slip screen, on land dossiers).
MOTCUA_WORKS_WITH = ("business_registration",)
# The conformance suite's test province has its district tax office at T99.01.
MOTCUA_CONFORMANCE_SETTINGS = {"MOTCUA_TAX_INTERCONNECTION_OFFICES": "H99.01=T99.01"}
log = logging.getLogger(__name__)


@hookimpl
def motcua_models():
    from motcua_tax_interconnection.models import Base

    return Base.metadata


@hookimpl
def motcua_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def motcua_blueprints():
    from motcua_tax_interconnection.views import bp

    return [bp]


@hookimpl
def motcua_menu_items(account):
    """The tax office's specialists get their incoming requests; the rest of the staff
    the figures and stuck messages of their own units (the page is open to all staff
    and shows each only their units')."""
    from motcua_tax_interconnection import settings

    offices = set(settings.offices().values())
    if any(role == "specialist" and unit in offices for role, unit in account.roles):
        return [MenuItem(label="Liên thông thuế", endpoint="tax_interconnection.incoming",
                         order=60)]
    return [MenuItem(label="Số liệu liên thông thuế", endpoint="tax_interconnection.figures",
                     order=60)]


@hookimpl
def motcua_reports():
    from motcua_tax_interconnection.reports import pending_report, turnaround_report

    return [Report(name="pending", title="Hồ sơ đang chờ cơ quan thuế",
                   columns=PENDING_COLUMNS, build=pending_report),
            Report(name="turnaround",
                   title="Thời gian trả lời của cơ quan thuế (ngày làm việc)",
                   columns=TURNAROUND_COLUMNS, build=turnaround_report)]


@hookimpl
def motcua_sample_dossiers():
    from motcua_tax_interconnection.samples import SAMPLES

    return list(SAMPLES)


@hookimpl
def motcua_cli_commands():
    from motcua_tax_interconnection.cli import deliver_command

    return [deliver_command]


@signals.result_issued.connect
def _business_registered(dossier, event):
    """A household business certificate was issued: tell the tax office."""
    from motcua_tax_interconnection import exchanges, settings

    if dossier.procedure_code not in settings.BUSINESS_PROCEDURES:
        return
    session = services.session()
    exchanges.open_exchange(session, "business", dossier,
                            exchanges.business_payload(session, dossier))
