"""Construction permit: the hooks the motcua core calls (see docs/plugins.md of motcua).

A plugin imports ``motcua_sdk`` only; the core finds this module through the
``motcua.plugins`` entry point in pyproject.toml.
"""

from __future__ import annotations

import logging
from pathlib import Path

from motcua_sdk import (
    DocumentSpec,
    IssuedResult,
    MenuItem,
    ProcedureSpec,
    SampleDossier,
    hookimpl,
    services,
    signals,
)

from motcua_construction_permit.schemas import RequestSchema

# The SDK versions this plugin works with (checked by the core before loading it).
MOTCUA_API = ">=0.1,<0.2"

# Replace with the procedure's national code (mã TTHC) from the National Public Service
# Portal; this placeholder only has its format.
PROCEDURE_CODE = "1.999843"
log = logging.getLogger(__name__)


@hookimpl
def motcua_procedures():
    return [ProcedureSpec(
        code=PROCEDURE_CODE,
        name="Construction permit",
        field="Construction permit",
        level="district",
        processing_days=5,
        fee=0,
        result_type="Giấy xác nhận",
        documents=[DocumentSpec("Đơn đề nghị"), DocumentSpec("Giấy tờ kèm theo", required=False)],
        schema=RequestSchema,
        workflow=[
            {"name": "Thẩm định hồ sơ", "role": "specialist", "days": 3,
             "unit": "function:finance"},
            {"name": "Phê duyệt", "role": "leader", "days": 2, "unit": "function:finance"},
        ],
    )]


@hookimpl
def motcua_models():
    from motcua_construction_permit.models import Base

    return Base.metadata


@hookimpl
def motcua_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def motcua_blueprints():
    from motcua_construction_permit.views import bp

    return [bp]


@hookimpl
def motcua_menu_items(account):
    if account.has_role_anywhere("specialist") or account.has_role_anywhere("leader"):
        return [MenuItem(label="Construction permit", endpoint="construction_permit.queue")]
    return None


@hookimpl
def motcua_issue_result(dossier, actor):
    from motcua_construction_permit.models import issue_certificate

    certificate = issue_certificate(services.session(), dossier, actor)
    return IssuedResult(number=certificate.number, title="Giấy xác nhận",
                        document_endpoint="construction_permit.certificate",
                        data={"subject": certificate.subject})


@hookimpl
def motcua_public_fields(dossier):
    return {"Nội dung": dossier.specialist_data.get("subject", "")}


@hookimpl
def motcua_sync_payload(dossier):
    return {"subject": dossier.specialist_data.get("subject")}


@hookimpl
def motcua_sample_dossiers():
    return [SampleDossier(procedure_code=PROCEDURE_CODE, applicant_name="Nguyễn Văn An",
                          specialist_data={"subject": "Xác nhận mẫu", "area_m2": 120.5},
                          expect_public=("Nội dung",))]


@signals.result_issued.connect
def _log_result(dossier, event):
    if dossier.procedure_code == PROCEDURE_CODE:
        log.info("construction_permit: result %s issued for %s", event.data.get("number"), dossier.code)
