"""The household business procedures this plugin handles (national catalogue codes).

Decree 01/2021/NĐ-CP (Chapter VIII) sets a processing time of 3 working days at the district
business registration office (Phòng Tài chính - Kế hoạch); its head signs the
certificate. Fees are set by each province's People's Council; 100,000 VND is the usual
amount for a paper filing (online filing is free in most provinces), so that is the
default an administrator adjusts in the catalogue.
"""

from __future__ import annotations

from motcua_business_registration.schemas import (
    ChangeSchema,
    RegistrationSchema,
    SuspensionSchema,
    TerminationSchema,
    allowing_pending,
)
from motcua_sdk import DocumentSpec, ProcedureSpec

REGISTRATION = "1.001612"
CHANGE = "2.000720"
SUSPENSION = "1.001570"
TERMINATION = "1.001266"
FIELD = "Thành lập và hoạt động của hộ kinh doanh"


def _workflow(review_days: float, signing_days: float) -> list[dict]:
    """Review by a specialist of the finance-planning office, signature by its head."""
    return [
        {"name": "Thẩm định hồ sơ đăng ký hộ kinh doanh", "role": "specialist",
         "days": review_days, "unit": "function:finance"},
        {"name": "Ký Giấy chứng nhận / văn bản", "role": "leader", "days": signing_days,
         "unit": "function:finance"},
    ]


APPLICATION_FORM = "Giấy đề nghị đăng ký hộ kinh doanh"
MEMBERS_MINUTES = DocumentSpec(
    "Bản sao biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh "
    "(trường hợp các thành viên hộ gia đình đăng ký hộ kinh doanh)",
    copy_kind="copy", required=False)
AUTHORISATION = DocumentSpec(
    "Bản sao văn bản ủy quyền của thành viên hộ gia đình cho một thành viên làm chủ hộ "
    "kinh doanh (nếu có)", copy_kind="copy", required=False)

SPECS = (
    ProcedureSpec(
        code=REGISTRATION, name="Đăng ký thành lập hộ kinh doanh", field=FIELD,
        level="district", processing_days=3, fee=100_000,
        fee_note="Theo Nghị quyết của HĐND tỉnh; nộp hồ sơ trực tuyến: miễn lệ phí",
        result_type="Giấy chứng nhận đăng ký hộ kinh doanh",
        documents=(DocumentSpec(APPLICATION_FORM), MEMBERS_MINUTES, AUTHORISATION),
        schema=allowing_pending(RegistrationSchema), workflow=tuple(_workflow(2, 1)),
        description="Decree 01/2021/NĐ-CP, Chapter VIII (household businesses)"),
    ProcedureSpec(
        code=CHANGE, name="Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", field=FIELD,
        level="district", processing_days=3, fee=100_000,
        fee_note="Theo Nghị quyết của HĐND tỉnh; nộp hồ sơ trực tuyến: miễn lệ phí",
        result_type="Giấy chứng nhận đăng ký hộ kinh doanh (thay đổi)",
        documents=(DocumentSpec("Thông báo thay đổi nội dung đăng ký hộ kinh doanh"),
                   MEMBERS_MINUTES),
        schema=allowing_pending(ChangeSchema), workflow=tuple(_workflow(2, 1)),
        description="Decree 01/2021/NĐ-CP, Chapter VIII (household businesses)"),
    ProcedureSpec(
        code=SUSPENSION,
        name="Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của "
             "hộ kinh doanh", field=FIELD, level="district", processing_days=3, fee=0,
        result_type="Giấy xác nhận về việc hộ kinh doanh đăng ký tạm ngừng kinh doanh / "
                    "tiếp tục kinh doanh",
        documents=(DocumentSpec("Thông báo về việc tạm ngừng kinh doanh / tiếp tục kinh "
                                "doanh trước thời hạn đã thông báo"),),
        schema=allowing_pending(SuspensionSchema), workflow=tuple(_workflow(2, 1)),
        description="Decree 01/2021/NĐ-CP, Chapter VIII (household businesses)"),
    ProcedureSpec(
        code=TERMINATION, name="Chấm dứt hoạt động hộ kinh doanh", field=FIELD,
        level="district", processing_days=3, fee=0,
        result_type="Thông báo về việc chấm dứt hoạt động hộ kinh doanh",
        documents=(DocumentSpec("Thông báo về việc chấm dứt hoạt động hộ kinh doanh"),
                   DocumentSpec("Bản gốc Giấy chứng nhận đăng ký hộ kinh doanh",
                                required=False)),
        schema=allowing_pending(TerminationSchema), workflow=tuple(_workflow(2, 1)),
        description="Decree 01/2021/NĐ-CP, Chapter VIII (household businesses)"),
)

BY_CODE = {spec.code: spec for spec in SPECS}
# The complete data each procedure needs before its result can be issued.
STRICT_SCHEMAS = {REGISTRATION: RegistrationSchema, CHANGE: ChangeSchema,
                  SUSPENSION: SuspensionSchema, TERMINATION: TerminationSchema}
CODES = tuple(BY_CODE)
RESULT_TITLES = {
    "registered": "Giấy chứng nhận đăng ký hộ kinh doanh",
    "changed": "Giấy chứng nhận đăng ký hộ kinh doanh",
    "suspended": "Giấy xác nhận về việc hộ kinh doanh đăng ký tạm ngừng kinh doanh",
    "resumed": "Giấy xác nhận về việc hộ kinh doanh đăng ký tiếp tục kinh doanh",
    "terminated": "Thông báo về việc chấm dứt hoạt động hộ kinh doanh",
}
