"""The plugin inside a real motcua application (the SDK test kit): from the desk to the
certificate, the register, refusals that write nothing, and the contributions."""

from __future__ import annotations

import re

import pytest
from motcua_business_registration import (
    motcua_models,
    motcua_public_fields,
    motcua_reports,
    motcua_sample_dossiers,
    motcua_sync_payload,
    procedures,
)
from motcua_business_registration.forms import data_to_form
from motcua_business_registration.models import Household, HouseholdChange
from sqlalchemy import func, inspect, select

from motcua_sdk import signals


def _households(app) -> list[Household]:  # noqa: ANN001
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            return list(database.session.scalars(select(Household).order_by(Household.id)))
        finally:
            database.session.expunge_all()
            database.remove()


def _count(app, model) -> int:  # noqa: ANN001
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            return database.session.scalar(select(func.count()).select_from(model))
        finally:
            database.remove()


def _review_form(client, code: str) -> dict:  # noqa: ANN001
    """The values and version the review page was rendered with."""
    page = client.get(f"/business-registration/dossiers/{code}")
    assert page.status_code == 200, page.data[:400]
    version = re.search(r'name="version" value="(\d+)"', page.get_data(as_text=True))
    return {"version": version.group(1)}


def test_enabled_with_procedures_tables_and_menu(motcua_app, motcua_clients):
    manager = motcua_app.extensions["motcua.plugins"]
    assert manager.records["business_registration"].state == "enabled"
    assert set(manager.procedures()) >= set(procedures.CODES)
    engine = motcua_app.extensions["motcua.db"].engine
    inspector = inspect(engine)
    for table in motcua_models().tables.values():
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.columns.keys())
    home = motcua_clients.specialist.get("/business-registration/").get_data(as_text=True)
    assert 'href="/business-registration/"' in home  # the plugin's menu entry


def test_the_migration_branch_creates_exactly_the_models(motcua_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    metadata = motcua_models()
    ours = set(metadata.tables)
    engine = motcua_app.extensions["motcua.db"].engine

    def mine(diff) -> bool:  # noqa: ANN001
        for part in diff if isinstance(diff, list) else [diff]:
            for item in part:
                table = getattr(item, "table", None)
                name = getattr(item, "name", None) if table is None else table.name
                if name in ours or item in ours:
                    return True
        return False

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [diff for diff in compare_metadata(context, metadata) if mine(diff)]
    assert differences == []


def test_from_the_desk_to_the_certificate_and_the_register(motcua_flow, motcua_clients,
                                                          motcua_app):
    heard = []

    def listen(dossier, event):
        heard.append((dossier.code, dict(event.data)))

    signals.result_issued.connect(listen)
    try:
        # The desk takes the dossier in without the specialist data (as the web desk does).
        dossier = motcua_flow.take_in(procedures.REGISTRATION, specialist_data=None)
        assert dossier.status == "received"
        client = motcua_clients.specialist
        queue = client.get("/business-registration/").get_data(as_text=True)
        assert f'data-code="{dossier.code}"' in queue
        # Issuing before the specialist completed the data is refused, nothing issued.
        motcua_flow.route(dossier.code)
        with pytest.raises(Exception, match="specialist data is not complete"):
            motcua_flow.issue(dossier.code)
        assert _count(motcua_app, Household) == 0
        # The specialist completes the data on the review form (the leader holds it now,
        # so the leader saves it: only the holding unit may change it).
        from motcua_business_registration.samples import REGISTRATION_DATA

        leader = motcua_clients.leader
        form = {**data_to_form(REGISTRATION_DATA), **_review_form(leader, dossier.code)}
        saved = leader.post(f"/business-registration/dossiers/{dossier.code}", data=form)
        assert saved.status_code == 302, saved.get_data(as_text=True)[:600]
        assert motcua_flow.view(dossier.code).specialist_data["business_name"] == \
            "Tạp hóa Bình An"
        # The leader issues the certificate from the review page.
        issued = leader.post(f"/business-registration/dossiers/{dossier.code}/act",
                             data={"action": "issue_result",
                                   **_review_form(leader, dossier.code)})
        assert issued.status_code == 302, issued.get_data(as_text=True)[:600]
        assert issued.headers["Location"].endswith(f"/certificate/{dossier.code}")
    finally:
        signals.result_issued.disconnect(listen)
    view = motcua_flow.view(dossier.code)
    assert view.status == "result_ready"
    number = view.result["number"]
    assert number == "99A8000001"
    assert view.result["registration_number"] == number
    assert "citizen_id" not in str(view.result)
    assert heard == [(dossier.code, {**view.result})]
    returned = motcua_flow.act(dossier.code, "return_result", "reception",
                               collected_by="Nguyễn Văn Bình", method="in_person")
    assert returned.status == "returned"
    certificate = leader.get(f"/business-registration/certificate/{dossier.code}")
    assert certificate.status_code == 200
    text = certificate.get_data(as_text=True)
    assert "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH" in text
    assert number in text and "TẠP HÓA BÌNH AN" in text and "4711" in text
    register = leader.get("/business-registration/register?q=tap hoa binh an")
    assert f'data-number="{number}"' in register.get_data(as_text=True)
    detail = leader.get(f"/business-registration/register/{number}").get_data(as_text=True)
    assert 'data-kind="registered"' in detail and dossier.code in detail
    # Public lookup fields and sync payload: the name and number, never the owner's ID.
    public = motcua_public_fields(returned)
    assert public == {"Tên hộ kinh doanh": "Tạp hóa Bình An",
                      "Số đăng ký hộ kinh doanh": number}
    with motcua_app.app_context():  # the payload reads the register's rows
        payload = motcua_sync_payload(returned)
    assert payload["registration_number"] == number and payload["vsic"] == ["4711", "4723"]
    # The whole case reaches the hub: the register's entry too (the owner's ID never).
    assert payload["household"]["registration_number"] == number
    assert payload["specialist_data"]["owner"]["full_name"] == "Nguyễn Văn Bình"
    assert "001085012345" not in str(public) + str(payload)
    # ... and the citizen sees them on the public lookup (website and JSON).
    citizen = motcua_app.test_client()
    page = citizen.get(f"/tra-cuu/{dossier.code}").get_data(as_text=True)
    assert "Tạp hóa Bình An" in page and number in page and "001085012345" not in page
    answer = citizen.get(f"/api/lookup/{dossier.code}").get_json()
    assert answer["public_fields"] == public


def _register(flow, data: dict) -> str:  # noqa: ANN001
    dossier = flow.take_in(procedures.REGISTRATION, specialist_data=data)
    return flow.finish(dossier.code).result["number"]


def test_a_duplicate_name_is_refused_even_without_accents_or_capitals(
        motcua_flow, motcua_clients, motcua_app, registration_data):
    waiting = motcua_flow.take_in(procedures.REGISTRATION, specialist_data=registration_data)
    page = motcua_clients.specialist.get(f"/business-registration/dossiers/{waiting.code}")
    assert 'id="name-pending"' not in page.get_data(as_text=True)
    first = _register(motcua_flow, registration_data)
    twin = dict(registration_data, business_name="TAP HOA  binh an")
    dossier = motcua_flow.take_in(procedures.REGISTRATION, specialist_data=twin)
    motcua_flow.route(dossier.code)
    with pytest.raises(Exception, match=f"already registered in this district by household "
                                        f"business {first}"):
        motcua_flow.issue(dossier.code)
    assert [h.registration_number for h in _households(motcua_app)] == [first]
    # The review page says so before anyone tries to issue, and refuses to save it.
    leader = motcua_clients.leader
    page = leader.get(f"/business-registration/dossiers/{dossier.code}").get_data(as_text=True)
    assert "already registered in this district" in page
    pending = re.search(r'id="name-pending".*?</p>', page, re.S).group(0)
    assert waiting.code in pending  # the other dossier asking for the same name
    form = {**data_to_form(twin), **_review_form(leader, dossier.code)}
    refused = leader.post(f"/business-registration/dossiers/{dossier.code}", data=form)
    assert refused.status_code == 422
    assert first in refused.get_data(as_text=True)
    check = leader.get("/business-registration/name-check",
                       query_string={"name": "Tạp Hoá Bình An", "area": "H99.01",
                                     "format": "json"}).get_json()
    assert check["available"] is False and check["holder"] == first
    free = leader.get("/business-registration/name-check",
                      query_string={"name": "Tạp hóa Bình Minh", "format": "json"}).get_json()
    assert free["available"] is True and free["area"] == "H99.01"


def test_bad_specialist_data_answers_4xx_and_writes_nothing(motcua_flow, motcua_clients):
    dossier = motcua_flow.take_in(procedures.REGISTRATION, specialist_data=None)
    client = motcua_clients.specialist
    before = motcua_flow.view(dossier.code)
    from motcua_business_registration.samples import REGISTRATION_DATA

    form = {**data_to_form(REGISTRATION_DATA), **_review_form(client, dossier.code),
            "owner_citizen_id": "12345", "business_lines": "4711\n9999: không có"}
    answer = client.post(f"/business-registration/dossiers/{dossier.code}", data=form)
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "exactly 12 digits" in text and "Unknown VSIC code" in text
    after = motcua_flow.view(dossier.code)
    assert after.specialist_data == before.specialist_data == {}
    assert after.version == before.version
    # A stale form (someone saved in between) is refused with 409, nothing written.
    good = {**data_to_form(REGISTRATION_DATA), "version": str(before.version - 1)}
    stale = client.post(f"/business-registration/dossiers/{dossier.code}", data=good)
    assert stale.status_code == 409
    assert motcua_flow.view(dossier.code).specialist_data == {}
    # Taking in bad data through the kit (as the API would) is refused too.
    with pytest.raises(Exception, match="citizen_id"):
        motcua_flow.take_in(procedures.REGISTRATION, specialist_data={
            **REGISTRATION_DATA, "owner": {"full_name": "A", "citizen_id": "1"}})


def test_change_suspension_resumption_and_termination(motcua_flow, motcua_clients,
                                                      motcua_app, registration_data):
    number = _register(motcua_flow, registration_data)
    other = _register(motcua_flow, dict(registration_data, business_name="Cơm tấm Sài Gòn"))
    assert other == "99A8000002"

    def finish(code: str, data: dict):  # noqa: ANN202
        dossier = motcua_flow.take_in(code, specialist_data=data)
        return motcua_flow.finish(dossier.code)

    # A change may not take the other household's name.
    taken = motcua_flow.take_in(procedures.CHANGE, specialist_data={
        "registration_number": number, "business_name": "com tam sai gon"})
    motcua_flow.route(taken.code)
    with pytest.raises(Exception, match="already registered"):
        motcua_flow.issue(taken.code)
    changed = finish(procedures.CHANGE, {"registration_number": number,
                                         "business_name": "Tạp hóa Bình An Mới",
                                         "capital": 300_000_000})
    assert changed.result["number"] == number and changed.result["kind"] == "changed"
    suspended = finish(procedures.SUSPENSION, {"registration_number": number,
                                               "action": "suspend",
                                               "start_date": "2026-12-01",
                                               "end_date": "2027-03-01"})
    assert suspended.result["status"] == "suspended"
    resumed = finish(procedures.SUSPENSION, {"registration_number": number,
                                             "action": "resume", "start_date": "2027-01-02"})
    assert resumed.result["status"] == "active"
    ended = finish(procedures.TERMINATION, {"registration_number": number,
                                            "termination_date": "2027-02-01",
                                            "reason": "Nghỉ kinh doanh"})
    assert ended.result["status"] == "terminated"
    # Nothing more can happen to a terminated household.
    again = motcua_flow.take_in(procedures.TERMINATION, specialist_data={
        "registration_number": number, "termination_date": "2027-03-01"})
    motcua_flow.route(again.code)
    with pytest.raises(Exception, match="already terminated"):
        motcua_flow.issue(again.code)
    household = next(h for h in _households(motcua_app) if h.registration_number == number)
    assert household.business_name == "Tạp hóa Bình An Mới" and household.capital == 300_000_000
    assert household.status == "terminated" and household.change_count == 1
    page = motcua_clients.leader.get(f"/business-registration/register/{number}")
    kinds = re.findall(r'data-kind="(\w+)"', page.get_data(as_text=True))
    assert kinds == ["registered", "changed", "suspended", "resumed", "terminated"]
    termination = motcua_clients.leader.get(
        f"/business-registration/certificate/{ended.code}").get_data(as_text=True)
    assert "CHẤM DỨT HOẠT ĐỘNG" in termination and "01/02/2027" in termination
    # The terminated name is free again in the district.
    assert _register(motcua_flow, dict(registration_data,
                                       business_name="Tạp hóa Bình An Mới")) == "99A8000003"
    # Reports count what was issued.
    reports = {report.name: report for report in motcua_reports()}
    database = motcua_app.extensions["motcua.db"]
    with motcua_app.app_context():
        months = reports["registrations_by_month"].build(database.session, None, None, None)
        lines = reports["registrations_by_line"].build(database.session, None, None, "H99")
        elsewhere = reports["registrations_by_line"].build(database.session, None, None, "H98")
        database.remove()
    assert sum(row["registered"] for row in months) == 3
    assert sum(row["terminated"] for row in months) == 1
    assert {row["vsic"]: row["active"] for row in lines}["4711"] == 2
    assert elsewhere == []


def test_another_district_cannot_change_a_household(motcua_flow, registration_data):
    number = _register(motcua_flow, registration_data)
    assert number.startswith("99A8")
    # The change names a household that does not exist at all.
    missing = motcua_flow.take_in(procedures.CHANGE, specialist_data={
        "registration_number": "99A8000999", "capital": 5})
    motcua_flow.route(missing.code)
    with pytest.raises(Exception, match="No household business is registered"):
        motcua_flow.issue(missing.code)


def test_the_sample_dossiers_go_through(motcua_flow):
    for sample in motcua_sample_dossiers():
        dossier = motcua_flow.take_in_sample(sample)
        finished = motcua_flow.finish(dossier.code)
        assert finished.status == "returned"
        public = motcua_public_fields(finished)
        assert set(sample.expect_public) <= set(public)


def test_the_certificate_of_a_dossier_without_result_is_404(motcua_flow, motcua_clients):
    dossier = motcua_flow.take_in(procedures.REGISTRATION, specialist_data=None)
    page = motcua_clients.leader.get(f"/business-registration/certificate/{dossier.code}")
    assert page.status_code == 404
    assert _count_changes(motcua_clients) == 0


def _count_changes(clients) -> int:  # noqa: ANN001
    return _count(clients._app, HouseholdChange)  # noqa: SLF001


def test_the_export_command_writes_the_register_without_citizen_ids(
        motcua_flow, motcua_app, registration_data, tmp_path):
    import json

    from click.testing import CliRunner
    from motcua_business_registration.cli import export

    number = _register(motcua_flow, registration_data)
    runner = CliRunner()
    with motcua_app.app_context():
        as_csv = runner.invoke(export, [])
        as_json = runner.invoke(export, ["--format", "json", "--status", "active"])
        nothing = runner.invoke(export, ["--format", "json", "--area", "H98"])
        to_file = runner.invoke(export, ["-o", str(tmp_path / "register.csv")])
        bad = runner.invoke(export, ["--status", "sleeping"])
        motcua_app.extensions["motcua.db"].remove()
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.output.splitlines()[0].startswith("registration_number,business_name")
    assert number in as_csv.output and "001085012345" not in as_csv.output
    assert [row["registration_number"] for row in json.loads(as_json.output)] == [number]
    assert json.loads(nothing.output) == []
    assert to_file.exit_code == 0 and "1 household businesses written" in to_file.output
    assert number in (tmp_path / "register.csv").read_text(encoding="utf-8")
    assert bad.exit_code == 2 and "sleeping" in bad.output


def test_two_officers_issuing_the_same_name_at_once_register_it_once(
        motcua_flow, motcua_app, registration_data):
    import threading

    # The district's register exists already (its very first result is the one case
    # where the loser is told to issue again instead: see register.lock_area).
    first = _register(motcua_flow, dict(registration_data, business_name="Tiệm may Hoa"))
    codes = []
    for name in ("Quán Cơm Nhà Làm", "quan com nha lam"):
        dossier = motcua_flow.take_in(procedures.REGISTRATION, specialist_data=dict(
            registration_data, business_name=name))
        motcua_flow.route(dossier.code)
        codes.append(dossier.code)
    start = threading.Barrier(len(codes))
    outcomes: dict[str, object] = {}

    def issue(code: str) -> None:
        start.wait()
        try:
            outcomes[code] = motcua_flow.issue(code).result["number"]
        except Exception as error:  # noqa: BLE001 - the loser's refusal is the point
            outcomes[code] = error

    threads = [threading.Thread(target=issue, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    numbers = [value for value in outcomes.values() if isinstance(value, str)]
    refusals = [value for value in outcomes.values() if isinstance(value, Exception)]
    assert len(numbers) == 1 and len(refusals) == 1, outcomes
    assert "already registered in this district" in str(refusals[0])
    assert [h.registration_number for h in _households(motcua_app)] == [first, *numbers]
    assert numbers == ["99A8000002"]


@pytest.mark.parametrize(("code", "data", "shown"), [
    (procedures.CHANGE, {"registration_number": "99A8000001", "capital": 5},
     'name="registration_number"'),
    (procedures.SUSPENSION, {"registration_number": "99A8000001", "action": "resume",
                             "start_date": "2027-01-02"}, 'value="resume" selected'),
    (procedures.TERMINATION, {"registration_number": "99A8000001",
                              "termination_date": "2027-02-01"}, 'value="2027-02-01"'),
])
def test_every_procedure_has_its_review_form(motcua_flow, motcua_clients, registration_data,
                                             code, data, shown):
    number = _register(motcua_flow, registration_data)
    dossier = motcua_flow.take_in(code, specialist_data=data)
    page = motcua_clients.specialist.get(f"/business-registration/dossiers/{dossier.code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and shown in text
    assert f'value="{number}"' in text and 'id="household-now"' in text


def test_only_the_holding_unit_may_change_the_data(motcua_flow, motcua_clients,
                                                   registration_data):
    dossier = motcua_flow.take_in(procedures.REGISTRATION, specialist_data=None)
    desk = motcua_clients.reception  # the dossier is with the finance office, not the desk
    desk.get("/lang/en")  # the English message, whatever the deployment's default
    form = {**data_to_form(registration_data), **_review_form(desk, dossier.code)}
    refused = desk.post(f"/business-registration/dossiers/{dossier.code}", data=form)
    assert refused.status_code == 403
    assert "Only the unit holding the dossier" in refused.get_data(as_text=True)
    assert motcua_flow.view(dossier.code).specialist_data == {}
    unknown = desk.post(f"/business-registration/dossiers/{dossier.code}/act",
                        data={"action": "approve_everything"})
    assert unknown.status_code == 400


@pytest.mark.parametrize("who", ["unit_admin", "ict_admin"])
def test_accounts_without_a_register_role_are_refused_the_register(
        motcua_flow, motcua_clients, registration_data, who):
    number = _register(motcua_flow, registration_data)
    dossier_code = motcua_flow.log[-1][0]
    client = getattr(motcua_clients, who)
    assert client.get("/business-registration/register?q=001085012345").status_code == 403
    assert client.get(f"/business-registration/register/{number}").status_code == 403
    assert client.get(f"/business-registration/certificate/{dossier_code}").status_code == 403


def test_an_officer_of_another_area_finds_nothing_in_the_register(
        motcua_flow, motcua_clients, registration_data):
    number = _register(motcua_flow, registration_data)
    dossier_code = motcua_flow.log[-1][0]
    # A specialist of the district tax office (T99.01): a register role, another area.
    elsewhere = motcua_clients.tax_officer
    found = elsewhere.get("/business-registration/register?q=001085012345")
    assert found.status_code == 200 and "data-number=" not in found.get_data(as_text=True)
    assert elsewhere.get(f"/business-registration/register/{number}").status_code == 404
    # The dossier itself is not theirs either: the core refuses it.
    assert elsewhere.get(f"/business-registration/certificate/{dossier_code}").status_code == 403
    # The district's own desk finds the household by the owner's citizen ID.
    own = motcua_clients.reception.get("/business-registration/register?q=001085012345")
    assert f'data-number="{number}"' in own.get_data(as_text=True)
