"""The SDK's unit services (``motcua_sdk.services.get_unit`` ... ``signing_agency``) seen
from a plugin's screen and command, and the test kit's ``motcua_units`` and
``motcua_cli`` fixtures that drive them."""

from __future__ import annotations

import click
import pytest
from flask import Blueprint, jsonify

from motcua_sdk import ProcedureSpec, UnitView, hookimpl, services

APPROVED = "9.000101"  # specialist at the finance office, then the city's leader signs
SINGLE = "9.000102"  # one specialist step at the justice office, no approval

bp = Blueprint("unit_probe", __name__, url_prefix="/unit-probe")


def _plain(view: UnitView | None):  # noqa: ANN202
    if view is None:
        return None
    return {"code": view.code, "name": view.name, "kind": view.kind, "level": view.level,
            "parent": view.parent_code, "functions": list(view.functions)}


@bp.get("/unit/<code>")
@services.staff_required()
def unit(code):
    return jsonify(unit=_plain(services.get_unit(code)),
                   parents=[v.code for v in services.unit_parents(code)])


@bp.get("/function/<name>")
@bp.get("/function/<name>/<near>")
@services.staff_required()
def by_function(name, near=None):
    return jsonify([v.code for v in services.units_with_function(name, near=near)])


@bp.get("/dossier/<code>")
@services.staff_required()
def dossier_units(code):
    view = services.get_dossier(code)
    return jsonify(receiving=_plain(services.receiving_unit(view)),
                   holding=_plain(services.holding_unit(code)),
                   signing=_plain(services.signing_agency(view)))


@click.command("agency")
@click.argument("code")
def agency_command(code: str) -> None:
    """Print the agency that will sign dossier CODE's result."""
    agency = services.signing_agency(code)
    click.echo(f"{agency.code} {agency.name}")


class UnitProbePlugin:
    MOTCUA_API = ">=0.1"

    @hookimpl
    def motcua_procedures(self):
        return [
            ProcedureSpec(code=APPROVED, name="Thủ tục có phê duyệt", field="Thử nghiệm",
                          level="district", processing_days=3, result_type="Giấy phép",
                          workflow=[{"name": "Thẩm định", "role": "specialist", "days": 2,
                                     "unit": "function:finance"},
                                    {"name": "Ký", "role": "leader", "days": 1,
                                     "unit": "parent"}]),
            ProcedureSpec(code=SINGLE, name="Thủ tục một bước", field="Thử nghiệm",
                          level="district", processing_days=2, result_type="Xác nhận",
                          workflow=[{"name": "Xử lý", "role": "specialist", "days": 2,
                                     "unit": "function:justice"}]),
        ]

    @hookimpl
    def motcua_blueprints(self):
        return [bp]

    @hookimpl
    def motcua_cli_commands(self):
        return [agency_command]


@pytest.fixture
def motcua_extra_plugins():
    return [("unit_probe", UnitProbePlugin())]


def test_a_unit_its_level_and_its_parents_nearest_first(motcua_clients):
    shown = motcua_clients.specialist.get("/unit-probe/unit/h99.01.02").get_json()
    assert shown == {"unit": {"code": "H99.01.02", "name": "Phòng Tài chính - Kế hoạch",
                              "kind": "department", "level": "district",
                              "parent": "H99.01", "functions": ["finance"]},
                     "parents": ["H99.01", "H99"]}
    ward = motcua_clients.specialist.get("/unit-probe/unit/X99.00001").get_json()
    assert ward["unit"]["level"] == "commune" and ward["parents"] == ["H99.01", "H99"]
    tax = motcua_clients.specialist.get("/unit-probe/unit/T99.01").get_json()
    assert (tax["unit"]["kind"], tax["unit"]["level"]) == ("agency", "province")
    assert motcua_clients.specialist.get("/unit-probe/unit/H99").get_json()["parents"] == []


def test_an_unknown_unit_is_a_404_naming_the_code(motcua_clients):
    missing = motcua_clients.specialist.get("/unit-probe/unit/H00.42?lang=en",
                                            headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "No unit with agency code H00.42."
    near = motcua_clients.specialist.get("/unit-probe/function/finance/H00.42",
                                         headers={"Accept": "application/json"})
    assert near.status_code == 404


def test_units_by_function_nearest_first_as_routing_picks_them(motcua_clients, motcua_units):
    created = motcua_units.create("H99.00", "Sở Tài chính tỉnh Thử Nghiệm", parent="H99",
                                  function="finance")
    assert (created.parent_code, created.functions, created.level) == (
        "H99", ("finance",), "province")
    client = motcua_clients.specialist
    # From the ward: the city's finance office first, then the province's department.
    assert client.get("/unit-probe/function/finance/X99.00001").get_json() == [
        "H99.01.02", "H99.00"]
    # From the province itself only its own children count.
    assert client.get("/unit-probe/function/finance/H99").get_json() == ["H99.00"]
    # Without a place: every unit with the function, by agency code.
    assert client.get("/unit-probe/function/finance").get_json() == ["H99.00", "H99.01.02"]
    # Taking the function away takes the unit out of the answers.
    assert motcua_units.set_function("H99.01.02", None).functions == ()
    assert client.get("/unit-probe/function/finance/X99.00001").get_json() == ["H99.00"]
    assert client.get("/unit-probe/function/construction/X99.00001").get_json() == []


def test_the_kit_refuses_a_bad_function_and_changes_nothing(motcua_units):
    with pytest.raises(Exception, match="lower-case letters"):
        motcua_units.set_function("H99.01.03", "Xây dựng")
    assert motcua_units.get("H99.01.03").functions == ("justice",)
    with pytest.raises(LookupError):
        motcua_units.create("H99.07", "Phòng mới", parent="H00")


def test_receiving_holding_and_signing_units_follow_the_workflow(motcua_flow,
                                                                 motcua_clients):
    dossier = motcua_flow.take_in(APPROVED)
    shown = motcua_clients.specialist.get(f"/unit-probe/dossier/{dossier.code}").get_json()
    assert shown["receiving"]["code"] == "H99.01.01"
    assert shown["holding"]["code"] == "H99.01.02"  # the first step: function:finance
    assert shown["signing"] == {"code": "H99.01", "name": "UBND thành phố Thử Nghiệm",
                                "kind": "district", "level": "district", "parent": "H99",
                                "functions": []}
    motcua_flow.route(dossier.code)  # to the leader's approval at the city
    at_approval = motcua_clients.leader.get(f"/unit-probe/dossier/{dossier.code}").get_json()
    assert at_approval["holding"]["code"] == "H99.01"
    motcua_flow.finish(dossier.code, result={"number": "GP-1"})
    done = motcua_clients.leader.get(f"/unit-probe/dossier/{dossier.code}").get_json()
    assert done["holding"] is None and done["signing"]["code"] == "H99.01"


def test_without_an_approval_the_last_steps_unit_signs(motcua_flow, motcua_clients):
    dossier = motcua_flow.take_in(SINGLE)
    shown = motcua_clients.specialist.get(f"/unit-probe/dossier/{dossier.code}").get_json()
    assert shown["signing"]["code"] == "H99.01.03"


def test_a_dossier_the_account_may_not_see_reveals_none_of_its_units(motcua_flow,
                                                                      motcua_clients):
    dossier = motcua_flow.take_in(APPROVED)
    hidden = motcua_clients.tax_officer.get(f"/unit-probe/dossier/{dossier.code}",
                                            headers={"Accept": "application/json"})
    assert hidden.status_code in (403, 404)
    body = hidden.get_data(as_text=True)
    assert "signing" not in body and "Phòng Tài chính" not in body


def test_a_plugin_command_runs_through_the_kit(motcua_flow, motcua_cli):
    dossier = motcua_flow.take_in(APPROVED)
    ran = motcua_cli("unit_probe", "agency", dossier.code)
    assert ran.exit_code == 0, ran.output
    assert ran.output == "H99.01 UBND thành phố Thử Nghiệm\n"
    missing = motcua_cli("unit_probe", "agency", "H99.01.01-000000-0000")
    assert missing.exit_code == 1
    assert missing.output.startswith("Error: ") and "Traceback" not in missing.output
    # The core's commands run against the same application.
    listed = motcua_cli("units", "list", "--function", "tax")
    assert listed.exit_code == 0 and "T99.01" in listed.output



def test_the_documented_test_province_is_the_one_the_kit_builds(motcua_world):
    from pathlib import Path

    from motcua_sdk.testing import PEOPLE, UNITS, USERNAMES, world_tables

    docs = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text(
        encoding="utf-8")
    start = docs.index("<!-- test-province: generated by motcua_sdk.testing.world_tables() -->")
    end = docs.index("<!-- /test-province -->")
    shown = docs[start:end].split("\n", 1)[1]
    assert shown == world_tables(), (
        "docs/plugins.md's test province is stale: paste motcua_sdk.testing.world_tables()")
    # And the tables describe what build_world made, not only what it was asked to make.
    assert {key: unit.code for key, unit in motcua_world.units.items()} == {
        key: row[0] for key, row in UNITS.items()}
    for key, account in motcua_world.accounts.items():
        name, home, roles = PEOPLE[key]
        assert (account.username, account.full_name, account.unit.code) == (
            USERNAMES[key], name, UNITS[home][0])
        assert sorted((a.role, a.unit.code) for a in account.roles) == sorted(
            (role, UNITS[where][0]) for role, where in roles)
