"""Sample dossiers for the conformance suite: a household business registration (the
business registration plugin's procedure 1.001612), whose certificate sends its
information to the tax office."""

from __future__ import annotations

from motcua_sdk import SampleDossier

SAMPLES = (
    SampleDossier(
        procedure_code="1.001612", applicant_name="Phạm Thị Hoa",
        applicant_citizen_id="001190004321", applicant_address="Số 8 đường Hùng Vương",
        specialist_data={
            "business_name": "Quán cơm Hoa Sen",
            "address": "Số 8 đường Hùng Vương, phường Một, thành phố Thử Nghiệm",
            "business_lines": [{"vsic": "5610", "detail": "Quán cơm bình dân"}],
            "capital": 80_000_000,
            "workers": 3,
            "owner": {"full_name": "Phạm Thị Hoa", "citizen_id": "001190004321",
                      "birth_date": "1990-07-21",
                      "address": "Số 8 đường Hùng Vương, phường Một"},
        }),
)
