"""A small, fixed province for tests: two receiving units, a catalogue, one officer per role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from motcua.core.accounts import create_account
from motcua.core.models import Account, Procedure, ProcedureDocument, Unit
from motcua.core.text import fold
from motcua.core.units import create_unit

PASSWORD = "mat-khau-2026"


@dataclass
class World:
    province: Unit
    district: Unit
    district_desk: Unit
    finance_office: Unit
    commune: Unit
    other_district: Unit
    household_business: Procedure
    birth_registration: Procedure
    accounts: dict[str, Account]


def make_procedure(session: Session, *, code: str, name: str, field: str, days: int,
                   fee: int, result: str, units: list[Unit], documents: list[tuple[str, bool]],
                   level: str = "district") -> Procedure:
    procedure = Procedure(
        code=code, name=name, search_text=fold(f"{code} {name} {field}"), field=field,
        level=level, processing_days=days, fee=fee, result_type=result,
    )
    for position, (doc_name, required) in enumerate(documents):
        procedure.documents.append(ProcedureDocument(position=position, name=doc_name,
                                                     required=required))
    procedure.receiving_units.extend(units)
    session.add(procedure)
    session.flush()
    return procedure


def build_world(session: Session) -> World:
    province = create_unit(session, code="H72", name="UBND tỉnh Tây Ninh", kind="province")
    district = create_unit(session, code="H72.01", name="UBND thành phố Tây Ninh",
                           kind="district", parent=province)
    desk = create_unit(session, code="H72.01.01", name="Bộ phận một cửa thành phố Tây Ninh",
                       kind="office", parent=district, receives_dossiers=True)
    finance = create_unit(session, code="H72.01.02", name="Phòng Tài chính - Kế hoạch",
                          kind="department", parent=district)
    commune = create_unit(session, code="X72.25747", name="UBND phường Tân Ninh",
                          kind="commune", parent=district, receives_dossiers=True)
    other = create_unit(session, code="H72.02", name="UBND huyện Hòa Thành", kind="district",
                        parent=province, receives_dossiers=True)
    household = make_procedure(
        session, code="1.001612", name="Đăng ký thành lập hộ kinh doanh",
        field="Thành lập và hoạt động của hộ kinh doanh", days=3, fee=100000,
        result="Giấy chứng nhận đăng ký hộ kinh doanh", units=[desk],
        documents=[("Giấy đề nghị đăng ký hộ kinh doanh", True),
                   ("Bản sao giấy tờ pháp lý của cá nhân", True),
                   ("Văn bản ủy quyền (nếu có)", False)],
    )
    birth = make_procedure(
        session, code="1.001193", name="Thủ tục đăng ký khai sinh", field="Hộ tịch",
        days=1, fee=0, result="Giấy khai sinh", units=[commune],
        documents=[("Tờ khai đăng ký khai sinh", True), ("Giấy chứng sinh", True)],
        level="commune",
    )
    accounts = {
        "reception": create_account(session, username="letan", password=PASSWORD,
                                    full_name="Nguyễn Thị Lễ Tân", unit=desk,
                                    roles=[("reception", desk)]),
        "commune_reception": create_account(session, username="letan.xa", password=PASSWORD,
                                            full_name="Trần Văn Xã", unit=commune,
                                            roles=[("reception", commune)]),
        "other_reception": create_account(session, username="letan.hoathanh",
                                          password=PASSWORD, full_name="Lê Văn Khác",
                                          unit=other, roles=[("reception", other)]),
        "specialist": create_account(session, username="chuyenvien", password=PASSWORD,
                                     full_name="Phạm Chuyên Viên", unit=finance,
                                     roles=[("specialist", finance)]),
        "leader": create_account(session, username="lanhdao", password=PASSWORD,
                                 full_name="Võ Lãnh Đạo", unit=district,
                                 roles=[("leader", district)]),
        "ict_admin": create_account(session, username="cntt", password=PASSWORD,
                                    full_name="Đỗ Quản Trị", unit=province,
                                    roles=[("ict_admin", province)]),
    }
    session.commit()
    return World(province, district, desk, finance, commune, other, household, birth, accounts)


def applicant(**overrides) -> dict:
    data = {
        "name": "Nguyễn Văn An",
        "citizen_id": "072090001234",
        "phone": "0912345678",
        "email": "an@example.vn",
        "address": "12 đường 30/4, phường Tân Ninh, Tây Ninh",
    }
    data.update(overrides)
    return data


def intake_data(world: World, **overrides) -> dict:
    """A valid intake of a household-business registration at the district desk."""
    data = {
        "procedure_code": world.household_business.code,
        "unit_code": world.district_desk.code,
        "applicant": applicant(),
        "submitted_documents": [d.id for d in world.household_business.documents if d.required],
    }
    data.update(overrides)
    return data
