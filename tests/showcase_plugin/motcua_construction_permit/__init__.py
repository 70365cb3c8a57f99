"""Construction permit for a detached house (giấy phép xây dựng nhà ở riêng lẻ).

The showcase of the motcua plugin SDK 0.2: specialist fields at the desk, in the API
and in the search; the signing agency from the units view; a setting; the permit as a
PDF kept with the dossier; the drawings scanned at intake; the fee receipts; a typed
report; its own translations. A plugin imports ``motcua_sdk`` only; the core finds this
module through the ``motcua.plugins`` entry point in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from motcua_construction_permit.schemas import PermitRequestSchema
from motcua_construction_permit.settings import SETTINGS
from motcua_construction_permit.text import _
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

# The SDK versions this plugin works with (checked by the core before loading it).
MOTCUA_API = ">=0.2,<0.3"
MOTCUA_SETTINGS = SETTINGS
MOTCUA_DISPLAY_NAME = {"vi": "Cấp giấy phép xây dựng", "en": "Construction permits"}
# The unit function its workflow names: the test kit and the conformance suite build a
# unit doing it; a deployment gives one of its units that function.
MOTCUA_UNIT_FUNCTIONS = {"construction": "Phòng Quản lý đô thị"}

# A code of the test catalogue, in the format of the National Public Service Portal's.
PROCEDURE_CODE = "1.999843"
RESULT_TITLE = "Giấy phép xây dựng"
DRAWINGS = "Bản vẽ thiết kế xây dựng"


@hookimpl
def motcua_procedures():
    return [ProcedureSpec(
        code=PROCEDURE_CODE,
        name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        field="Hoạt động xây dựng",
        level="district",
        processing_days=15,
        fee=75_000,
        result_type=RESULT_TITLE,
        documents=[
            DocumentSpec("Đơn đề nghị cấp giấy phép xây dựng"),
            DocumentSpec("Bản sao giấy chứng nhận quyền sử dụng đất"),
            DocumentSpec(DRAWINGS),
        ],
        schema=PermitRequestSchema,
        # The specialist step belongs to the urban management office (quản lý đô thị).
        workflow=[
            {"name": "Thẩm định hồ sơ thiết kế", "role": "specialist", "days": 12,
             "unit": "function:construction"},
            {"name": "Ký giấy phép xây dựng", "role": "leader", "days": 3, "unit": "parent"},
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
        return [MenuItem(label=_("Construction permits"), endpoint="construction_permit.queue")]
    return None


@hookimpl
def motcua_issue_result(dossier, actor):
    from motcua_construction_permit.models import issue_permit

    agency = services.signing_agency(dossier)
    permit = issue_permit(services.session(), dossier, actor, agency=agency.name,
                          valid_months=SETTINGS.get("VALID_MONTHS"))
    return IssuedResult(number=permit.number, title=RESULT_TITLE,
                        document_endpoint="construction_permit.permit_pdf",
                        data={"issuing_agency": permit.issuing_agency,
                              "valid_until": permit.valid_until.isoformat()})


@signals.result_issued.connect
def keep_permit_pdf(dossier, event):
    """Keep the issued permit's PDF with the dossier, so the desk and the archive hold
    exactly what was issued. Laying out a PDF takes far longer than the 50 ms a result
    hook may take inside the officer's request, so it is done here, right after, in the
    same transaction."""
    if dossier.procedure_code != PROCEDURE_CODE:
        return
    from motcua_construction_permit.views import permit_document

    name, document = permit_document(dossier)
    services.attach_file(dossier, name=name, content=document, mime="application/pdf",
                         kind="result")


@hookimpl
def motcua_public_fields(dossier):
    # The fields marked public in the schema are shown already; the validity is the
    # one thing a neighbour checking the building site also needs.
    valid_until = dossier.result.get("valid_until") if dossier.result else None
    return {_("Permit valid until"): valid_until} if valid_until else None


@hookimpl
def motcua_sync_payload(dossier):
    from sqlalchemy import select

    from motcua_construction_permit.models import Permit

    # The whole case for the province's hub: every specialist field and the permit row,
    # read afresh each time so that a change is sent on.
    payload = dict(dossier.specialist_data)
    if dossier.result:
        payload.update(permit_number=dossier.result.get("number"),
                       valid_until=dossier.result.get("valid_until"))
    permit = services.session().scalar(select(Permit).where(Permit.dossier_code == dossier.code))
    if permit is not None:
        payload["permit"] = {
            column.key: _plain(getattr(permit, column.key))
            for column in Permit.__table__.columns if column.key not in ("id", "dossier_code")}
    return payload


def _plain(value):  # noqa: ANN001, ANN202 - a column's value as JSON
    return value.isoformat() if hasattr(value, "isoformat") else value


@hookimpl
def motcua_reports():
    from motcua_construction_permit.reports import REPORTS

    return REPORTS


@hookimpl
def motcua_sample_dossiers():
    return [SampleDossier(
        procedure_code=PROCEDURE_CODE, applicant_name="Nguyễn Văn An",
        specialist_data={"ward": "Phường Một", "map_sheet": 12, "parcel_number": 345,
                         "land_certificate_serial": "CS 123456",
                         "address": "Số 8 đường Lê Lợi, phường Một",
                         "footprint_m2": 80.0, "floor_area_m2": 240.5, "floors": 3,
                         "design_unit": "Công ty TNHH Thiết kế Xây dựng Một"},
        expect_public=("Ward", "Total floor area (m²)", "Floors"))]
