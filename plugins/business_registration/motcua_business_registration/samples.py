"""Sample dossiers for the conformance suite (and the plugin's own tests), one per
procedure. They are taken through in order in one fresh instance: the change, the
suspension and the termination concern the household the registration registers, whose
number in the test province is the first of its area, 99A8000001."""

from __future__ import annotations

from motcua_business_registration.procedures import (
    CHANGE,
    REGISTRATION,
    SUSPENSION,
    TERMINATION,
)
from motcua_sdk import SampleDossier

REGISTRATION_DATA = {
    "business_name": "Tạp hóa Bình An",
    "address": "Số 12 đường Lê Lợi, phường Một, thành phố Thử Nghiệm",
    "business_lines": [{"vsic": "4711", "detail": "Tạp hóa, đồ uống đóng chai"},
                       {"vsic": "4723"}],
    "capital": 150_000_000,
    "workers": 2,
    "owner": {"full_name": "Nguyễn Văn Bình", "citizen_id": "001085012345",
              "birth_date": "1985-03-14",
              "address": "Số 12 đường Lê Lợi, phường Một, thành phố Thử Nghiệm"},
}

FIRST_NUMBER = "99A8000001"
OWNER = {"applicant_name": "Nguyễn Văn Bình", "applicant_citizen_id": "001085012345",
         "applicant_address": "Số 12 đường Lê Lợi, phường Một"}

SAMPLES = (
    SampleDossier(procedure_code=REGISTRATION, specialist_data=REGISTRATION_DATA,
                  expect_public=("Tên hộ kinh doanh",), **OWNER),
    SampleDossier(procedure_code=CHANGE, specialist_data={
        "registration_number": FIRST_NUMBER, "capital": 300_000_000, "workers": 4,
        "reason": "Mở rộng quy mô kinh doanh"}, **OWNER),
    SampleDossier(procedure_code=SUSPENSION, specialist_data={
        "registration_number": FIRST_NUMBER, "action": "suspend",
        "start_date": "2027-01-04", "end_date": "2027-03-31",
        "reason": "Sửa chữa cửa hàng"}, **OWNER),
    SampleDossier(procedure_code=TERMINATION, specialist_data={
        "registration_number": FIRST_NUMBER, "termination_date": "2027-06-30",
        "reason": "Chủ hộ chuyển nơi cư trú"}, **OWNER),
)
