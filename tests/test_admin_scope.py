"""Administrators act only on the subtree of the unit their role is held in: a ward's
ICT administrator cannot reroute a province procedure (API, CLI) nor see the province's
audit log, sync or plugin pages (issue #16, item 1)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from motcua.core.accounts import create_account, issue_api_token
from motcua.core.cli import main
from motcua.core.models import Account, Unit, Workflow
from motcua.core.units import create_unit
from motcua.core.workflow.authorization import (
    is_province_admin,
    may_administer,
    may_edit_workflow,
)
from tests.conftest import login
from tests.factories import PASSWORD, World, make_procedure

# A step list that sends a procedure's dossiers to the ward (the escalation of the issue).
TO_THE_WARD = [{"name": "Thẩm định", "role": "specialist", "days": 1, "unit": "X72.25747"}]
PROVINCE_PROCEDURE = "2.000001"


@dataclass
class Admins:
    """The test world plus a province desk and procedure, and one administrator per level."""

    world: World
    province_desk: Unit
    tokens: dict[str, dict[str, str]]


def add_admins(session, world: World) -> dict[str, Account]:  # noqa: ANN001
    """A province desk with a province procedure, and administrators held at the ward
    (ICT), the district (unit) and the province (ICT, from tests/factories.py)."""
    province = session.get(Unit, world.province.id)
    desk = create_unit(session, code="H72.00", name="Trung tâm Phục vụ hành chính công tỉnh",
                       kind="office", parent=province, receives_dossiers=True)
    make_procedure(session, code=PROVINCE_PROCEDURE, name="Cấp giấy phép xây dựng",
                   field="Xây dựng", days=10, fee=0, result="Giấy phép", units=[desk],
                   documents=[("Đơn đề nghị", True)], level="province")
    ward = session.get(Unit, world.commune.id)
    district = session.get(Unit, world.district.id)
    return {
        "ward_admin": create_account(session, username="cntt.phuong", password=PASSWORD,
                                     full_name="Ngô Quản Trị Phường", unit=ward,
                                     roles=[("ict_admin", ward)]),
        "district_admin": create_account(session, username="quantri.thanhpho",
                                         password=PASSWORD, full_name="Hà Quản Trị",
                                         unit=district, roles=[("unit_admin", district)]),
        "province_admin": session.get(Account, world.accounts["ict_admin"].id),
    }


@pytest.fixture
def admins(app, db, world) -> Admins:
    with app.app_context():
        accounts = add_admins(db.session, world)
        tokens = {name: {"Authorization": "Bearer " + issue_api_token(db.session, account, "t")}
                  for name, account in accounts.items()}
        desk = db.session.scalar(select(Unit).where(Unit.code == "H72.00"))
        db.session.commit()
        db.remove()
    return Admins(world, desk, tokens)


def _versions(app, db) -> int:  # noqa: ANN001
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Workflow))
        db.remove()
    return count


def test_a_ward_admin_cannot_reroute_a_province_procedure(app, db, admins):
    client = app.test_client()
    url = f"/api/v1/procedures/{PROVINCE_PROCEDURE}/workflow"
    refused = client.put(url, json={"steps": TO_THE_WARD}, headers=admins.tokens["ward_admin"])
    assert refused.status_code == 403
    assert "province" in refused.get_json()["error"]
    assert client.put(url, json={"steps": TO_THE_WARD},
                      headers=admins.tokens["district_admin"]).status_code == 403
    assert _versions(app, db) == 0
    assert client.get(url, headers=admins.tokens["ward_admin"]).get_json()["version"] is None
    saved = client.put(url, json={"steps": TO_THE_WARD}, headers=admins.tokens["province_admin"])
    assert saved.status_code == 201, saved.get_json()


def test_a_district_procedure_is_edited_by_admins_of_its_desk_only(app, db, admins):
    client = app.test_client()
    url = f"/api/v1/procedures/{admins.world.household_business.code}/workflow"
    assert client.put(url, json={"steps": TO_THE_WARD},
                      headers=admins.tokens["ward_admin"]).status_code == 403
    assert _versions(app, db) == 0
    for name in ("district_admin", "province_admin"):
        saved = client.put(url, json={"steps": TO_THE_WARD}, headers=admins.tokens[name])
        assert saved.status_code == 201, (name, saved.get_json())
    assert _versions(app, db) == 2


def test_the_command_line_asks_the_same_rule(app, db, admins, tmp_path, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", app.config["MOTCUA"].database_url)
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps(TO_THE_WARD), encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["workflow", "edit", PROVINCE_PROCEDURE, str(steps),
                                   "--by", "cntt.phuong"])
    assert refused.exit_code == 1 and "province" in refused.output
    assert _versions(app, db) == 0
    saved = runner.invoke(main, ["workflow", "edit", PROVINCE_PROCEDURE, str(steps),
                                 "--by", "cntt"])
    assert saved.exit_code == 0, saved.output


@pytest.mark.parametrize("path", ["/ict/audit/", "/ict/audit/export.csv",
                                  "/ict/audit/export.jsonl", "/ict/sync/",
                                  "/admin/plugins/"])
def test_province_pages_refuse_admins_below_the_province(app, admins, path):
    for username in ("cntt.phuong", "quantri.thanhpho"):
        client = login(app.test_client(), username)
        response = client.get(path)
        assert response.status_code == 403, (username, path)
        assert b"province" in response.data
    assert login(app.test_client(), "cntt").get(path).status_code == 200
    refused = login(app.test_client(), "cntt.phuong").post("/ict/audit/verify")
    assert refused.status_code == 403


def test_a_ward_ict_admin_lands_on_the_work_queues(app, admins):
    response = app.test_client().post("/login", data={"username": "cntt.phuong",
                                                      "password": PASSWORD})
    assert response.headers["Location"].endswith("/department/")


def test_the_rule(app, db, admins):
    with app.app_context():
        accounts = {a.username: a for a in db.session.scalars(select(Account))}
        ward, province = db.session.get(Unit, admins.world.commune.id), \
            db.session.get(Unit, admins.world.province.id)
        ward_admin, district_admin = accounts["cntt.phuong"], accounts["quantri.thanhpho"]
        assert may_administer(ward_admin, ward) and not may_administer(ward_admin, province)
        assert may_administer(district_admin, ward)
        assert not may_administer(accounts["lanhdao"], ward)  # a leader is no administrator
        assert [a for a in accounts.values() if is_province_admin(a)] == [accounts["cntt"]]
        birth = db.session.get(type(admins.world.birth_registration),
                               admins.world.birth_registration.id)
        assert may_edit_workflow(ward_admin, birth)  # a ward procedure, received in the ward
        db.remove()


def test_an_outsider_gets_403_before_the_body_is_read(app, admins):
    response = app.test_client().put(f"/api/v1/procedures/{PROVINCE_PROCEDURE}/workflow",
                                     json={}, headers=admins.tokens["ward_admin"])
    assert response.status_code == 403
