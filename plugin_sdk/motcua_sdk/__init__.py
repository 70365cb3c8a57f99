"""motcua plugin SDK: the only package a specialist-module plugin imports from motcua.

- :mod:`motcua_sdk.hookspecs`: the hooks a plugin implements with :data:`hookimpl`;
- :mod:`motcua_sdk.signals`: blinker signals for the dossier lifecycle;
- :mod:`motcua_sdk.types`: the read-only views and result values hooks exchange;
- :mod:`motcua_sdk.services`: reading and changing dossiers through the core's rules;
- :mod:`motcua_sdk.settings`: the plugin's settings, declared once and checked at start-up;
- :mod:`motcua_sdk.errors`: errors the core shows to users;
- :mod:`motcua_sdk.fields`: specialist-data field metadata (desk widgets, public, search);
- :mod:`motcua_sdk.numbers`: reading typed numbers ("120,5") and a schema field for them;
- :mod:`motcua_sdk.pdf`: printable results as PDF from HTML templates;
- :mod:`motcua_sdk.i18n`: the plugin's own message catalogue;
- :mod:`motcua_sdk.testing`: the pytest plugin with fixtures for plugin tests.

See ``docs/plugins.md``.
"""

from motcua_sdk.hookspecs import hookimpl
from motcua_sdk.types import (
    AccountView,
    AttachmentView,
    DocumentSpec,
    DossierView,
    EventView,
    FeeReceiptView,
    IssuedResult,
    MenuItem,
    ProcedureSpec,
    Report,
    ReportColumn,
    SampleDossier,
    UnitView,
    thaw,
)
from motcua_sdk.versioning import (
    MOTCUA_API_VERSION,
    api_range_notice,
    api_range_problem,
    is_compatible,
)

__all__ = [
    "MOTCUA_API_VERSION",
    "AccountView",
    "AttachmentView",
    "DocumentSpec",
    "DossierView",
    "EventView",
    "FeeReceiptView",
    "IssuedResult",
    "MenuItem",
    "ProcedureSpec",
    "Report",
    "ReportColumn",
    "SampleDossier",
    "UnitView",
    "api_range_notice",
    "api_range_problem",
    "hookimpl",
    "is_compatible",
    "thaw",
]
