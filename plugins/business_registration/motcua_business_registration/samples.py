"""Sample dossiers for the conformance suite (and the plugin's own tests)."""

from __future__ import annotations

from motcua_business_registration.procedures import REGISTRATION
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

SAMPLES = (
    SampleDossier(procedure_code=REGISTRATION, applicant_name="Nguyễn Văn Bình",
                  applicant_citizen_id="001085012345",
                  applicant_address="Số 12 đường Lê Lợi, phường Một",
                  specialist_data=REGISTRATION_DATA,
                  expect_public=("Tên hộ kinh doanh",)),
)
