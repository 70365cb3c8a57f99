"""``motcua demo``: a deterministic, idempotent demo province on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from motcua.core import create_app
from motcua.core.codes import is_valid_code
from motcua.core.commands.demo import demo_command
from motcua.core.demo import DEMO_PASSWORD, build_demo
from motcua.core.models import Account, Dossier, DossierEvent, Procedure, Unit
from motcua.core.models.dossiers import STATUSES
from motcua.core.models.workflow import DossierWorkflow, StepHolding
from motcua.core.units import ABBREVIATION_MAX
from motcua.sms.gsm import septets

UNTIL = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
EVENT_KINDS = {"received", "claimed", "transferred", "submitted_for_approval", "approved",
               "supplement_requested", "supplemented", "paused_for_payment", "apology",
               "refused", "withdrawn", "result_issued", "returned", "overdue"}
ACCOUNT_LINE = re.compile(r"^  (\S+)\s+.+ — .+$", re.MULTILINE)
# A printed account: username, full name, then each role with the unit it covers.
PRINTED_LINE = re.compile(r"^  (\S+)\s+(.+?) — (\w[\w ]*), ([^;\n]+)$", re.MULTILINE)


def _build(app, **kwargs):
    db = app.extensions["motcua.db"]
    with app.app_context():
        summary = build_demo(db.session, app.config["MOTCUA"], until=UNTIL, **kwargs)
        db.session.commit()
        db.remove()
    return summary


def _codes_and_statuses(app) -> list[tuple[str, str]]:
    db = app.extensions["motcua.db"]
    with app.app_context():
        rows = db.session.execute(select(Dossier.code, Dossier.status).order_by(Dossier.code))
        result = [tuple(row) for row in rows]
        db.remove()
    return result


def test_demo_has_every_status_and_consistent_histories(app):
    summary = _build(app, dossiers=150)
    assert summary.created
    assert set(summary.statuses) == set(STATUSES)
    assert sum(summary.statuses.values()) == 150
    db = app.extensions["motcua.db"]
    with app.app_context():
        session = db.session
        units = session.scalars(select(Unit)).all()
        assert {u.code for u in units if u.kind == "province"} == {"H80"}  # Tây Ninh, 2025
        assert sum(1 for u in units if u.kind == "commune") == 6
        assert {u.function for u in units} >= {"finance", "justice", "land", "tax",
                                               "construction"}
        assert session.scalar(select(func.count()).select_from(Procedure)) == 15
        for dossier in session.scalars(select(Dossier)):
            assert is_valid_code(dossier.code) and dossier.code.startswith(dossier.unit.code)
            events = dossier.events
            assert events[0].kind == "received"
            assert events[-1].to_status == dossier.status, dossier.code
            assert {e.kind for e in events} <= EVENT_KINDS
            assert [e.at for e in events] == sorted(e.at for e in events)
            assert all(e.at <= UNTIL for e in events)
            assert dossier.due_at > dossier.received_at
            if dossier.status in ("result_ready", "returned", "refused", "withdrawn"):
                assert dossier.finished_at is not None
            if dossier.status == "returned":
                assert events[-1].data["collected_by"] == dossier.applicant_name
            for event in events:
                if event.kind == "supplemented":
                    assert event.data["paused_working_minutes"] > 0
                if event.kind == "apology":
                    assert event.data["new_due_at"] > event.data["old_due_at"]
        kinds = set(session.scalars(select(DossierEvent.kind)))
        assert {"apology", "supplemented", "transferred", "returned", "overdue"} <= kinds
        # Worked by the routing engine: every dossier has its workflow and hand-overs,
        # so queues and control slips show the demo like real work.
        assert session.scalar(select(func.count()).select_from(DossierWorkflow)) == 150
        returned = session.scalars(select(Dossier).where(Dossier.status == "returned")).all()
        for dossier in returned:
            holdings = session.scalars(select(StepHolding).where(
                StepHolding.dossier_id == dossier.id)).all()
            assert len(holdings) >= 3, dossier.code  # department, leader, desk
            assert all(h.time_out is not None for h in holdings), dossier.code
        late = [d for d in session.scalars(select(Dossier).where(Dossier.status == "returned"))
                if d.finished_at > d.due_at or any(e.kind == "apology" for e in d.events)]
        assert late, "some dossiers are late"
        db.remove()
    forms = list(app.config["MOTCUA"].forms_path.iterdir())
    assert len(forms) == 5
    response = app.test_client().get(f"/kiosk/bieu-mau/{forms[0].name}")
    assert response.status_code == 200


def test_same_seed_same_demo_other_seed_other_demo(templates, tmp_path):
    apps = []
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        apps.append(create_app(instance_path=tmp_path / name / "instance",
                               database_url=templates("sqlite").fresh_url(tmp_path / name),
                               secret_key="test-secret", TESTING=True))
    try:
        _build(apps[0], dossiers=60, seed=7)
        _build(apps[1], dossiers=60, seed=7)
        _build(apps[2], dossiers=60, seed=8)
        first, second, third = (_codes_and_statuses(app) for app in apps)
        assert first == second
        assert first != third
    finally:
        for app in apps:
            app.extensions["motcua.db"].dispose()


def _counts(app) -> tuple[int, int, int, int]:
    db = app.extensions["motcua.db"]
    with app.app_context():
        counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                       for model in (Unit, Account, Procedure, Dossier))
        db.remove()
    return counts


def test_cli_prints_accounts_that_log_in_and_is_idempotent(app):
    app.config.update(LOGIN_RATE_LIMIT="1000 per minute")  # every account, one address
    runner = app.test_cli_runner()
    result = runner.invoke(demo_command, ["--dossiers", "40"])
    assert result.exit_code == 0, result.output
    assert "Demo province built: UBND tỉnh Tây Ninh." in result.output
    assert "http://127.0.0.1:5000/login" in result.output
    assert f"Password for every demo account: {DEMO_PASSWORD}" in result.output
    usernames = ACCOUNT_LINE.findall(result.output)
    assert usernames[0] == "letan" and any(name.startswith("letan.") for name in usernames)
    assert set(usernames) >= {"chuyenvien", "lanhdao", "quantri", "cntt", "chuyenvien.tax",
                              "lanhdao.tax", "lanhdao.land"}
    assert re.search(r"^  total\s+40$", result.output, re.MULTILINE)
    before = _counts(app)

    again = runner.invoke(demo_command, ["--dossiers", "40"])
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output
    assert ACCOUNT_LINE.findall(again.output) == usernames
    assert _counts(app) == before

    for username in usernames:
        client = app.test_client()
        response = client.post("/login", data={"username": username,
                                               "password": DEMO_PASSWORD})
        assert response.status_code == 302, (username, response.data[:300])
        wrong = app.test_client().post("/login", data={"username": username,
                                                       "password": "not-the-password"})
        assert wrong.status_code != 302


def test_bad_province_is_an_error_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(demo_command, ["--province", "Atlantis"])
    assert result.exit_code == 1
    assert "Error: Unknown province 'Atlantis'" in result.output
    assert _counts(app) == (0, 0, 0, 0)


def test_other_province_and_reset(app):
    runner = app.test_cli_runner()
    result = runner.invoke(demo_command, ["--province", "hue", "--dossiers", "20"])
    assert result.exit_code == 0, result.output
    assert "UBND thành phố Huế" in result.output
    reset = runner.invoke(demo_command, ["--reset", "--dossiers", "25"])
    assert reset.exit_code == 0, reset.output
    assert "Database wiped." in reset.output and "UBND tỉnh Tây Ninh" in reset.output
    db = app.extensions["motcua.db"]
    with app.app_context():
        assert set(db.session.scalars(select(Unit.code).where(Unit.kind == "province"))) \
            == {"H80"}
        assert db.session.scalar(select(func.count()).select_from(Dossier)) == 25
        db.remove()


def test_failure_leaves_nothing_half_built(app, monkeypatch):
    from motcua.core.demo import dossiers

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("motcua.core.demo.build_dossiers", broken)
    assert dossiers.build_dossiers is not broken
    result = app.test_cli_runner().invoke(demo_command, ["--dossiers", "10"])
    assert result.exit_code != 0
    assert _counts(app) == (0, 0, 0, 0)


def test_procedures_already_in_the_catalogue_are_reused(app):
    """A plugin registers its procedures at `motcua init`; the demo receives them too."""
    db = app.extensions["motcua.db"]
    with app.app_context():
        db.session.add(Procedure(code="1.001612", name="Đăng ký hộ kinh doanh (plugin)",
                                 search_text="1.001612", field="Hộ kinh doanh",
                                 processing_days=3, result_type="Giấy chứng nhận",
                                 handler_plugin="business_registration"))
        db.session.commit()
        db.remove()
    _build(app, dossiers=30)
    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == "1.001612"))
        assert procedure.handler_plugin == "business_registration"
        assert procedure.name == "Đăng ký hộ kinh doanh (plugin)"
        assert len(procedure.receiving_units) == 6
        assert db.session.scalar(select(func.count()).select_from(Procedure)) == 15
        db.remove()


def test_help_says_how_many_communes_the_demo_builds(app):
    from motcua.core.demo.geography import COMMUNE_COUNT

    result = app.test_cli_runner().invoke(demo_command, ["--help"])
    assert result.exit_code == 0
    assert f"{COMMUNE_COUNT} of its real communes" in " ".join(result.output.split())


def test_until_ends_the_history_on_that_day_whenever_it_is_built(app):
    result = app.test_cli_runner().invoke(demo_command,
                                          ["--dossiers", "30", "--until", "2026-11-20"])
    assert result.exit_code == 0, result.output
    end = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 17:00 in Vietnam
    db = app.extensions["motcua.db"]
    with app.app_context():
        last_received = db.session.scalar(select(func.max(Dossier.received_at)))
        last_event = db.session.scalar(select(func.max(DossierEvent.at)))
        db.remove()
    assert last_received <= end and last_event <= end
    assert last_event > datetime(2026, 11, 1, tzinfo=UTC)  # the history runs up to it


def test_until_gives_the_same_demo_as_build_demo_with_that_moment(templates, tmp_path):
    """The CLI's --until is build_demo's ``until`` at 17:00: same codes and statuses."""
    apps = []
    for name in ("cli", "direct"):
        (tmp_path / name).mkdir()
        apps.append(create_app(instance_path=tmp_path / name / "instance",
                               database_url=templates("sqlite").fresh_url(tmp_path / name),
                               secret_key="test-secret", TESTING=True))
    try:
        result = apps[0].test_cli_runner().invoke(
            demo_command, ["--dossiers", "25", "--seed", "7", "--until", "2026-11-20"])
        assert result.exit_code == 0, result.output
        db = apps[1].extensions["motcua.db"]
        with apps[1].app_context():
            build_demo(db.session, apps[1].config["MOTCUA"], dossiers=25, seed=7,
                       until=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
            db.session.commit()
            db.remove()
        assert _codes_and_statuses(apps[0]) == _codes_and_statuses(apps[1])
    finally:
        for app in apps:
            app.extensions["motcua.db"].dispose()


def test_until_a_day_not_yet_ended_is_refused_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(demo_command, ["--until", "2999-01-01"])
    assert result.exit_code == 2
    assert "2999-01-01 17:00 has not come yet" in result.output
    assert _counts(app) == (0, 0, 0, 0)


def _printed(output: str) -> dict[tuple[str, str], str]:
    """{(role, unit name): username} of the accounts `motcua demo` printed."""
    found = {}
    for username, _name, role, unit in PRINTED_LINE.findall(output):
        found.setdefault((role, unit), username)
    return found


def _primary(page: str) -> list[str]:
    """The work page's primary actions, in order."""
    block = page.split("data-primary-actions", 1)[1].split("</div>", 1)[0]
    return re.findall(r'data-action="(\w+)"', block)


def test_the_printed_accounts_walk_a_dossier_of_each_kind_to_its_return(app):
    """What a new user does after `motcua demo`: for each procedure, the printed desk
    account receives a dossier; then, at each step, the printed account with the step's
    role at the unit holding the dossier logs in and presses the work page's first
    button; a land dossier also goes to the tax office, whose printed account sends it
    back. Every dossier comes back to the desk and is returned."""
    from motcua.core.intake import DeskContext, take_in
    from motcua.core.models import DossierWorkflow

    # One test client logs in as every printed account, from one address.
    app.config.update(LOGIN_RATE_LIMIT="1000 per minute")
    result = app.test_cli_runner().invoke(demo_command, ["--dossiers", "0"])
    assert result.exit_code == 0, result.output
    printed = _printed(result.output)
    assert len(printed) == len(ACCOUNT_LINE.findall(result.output))  # one role each
    clients = {}

    def logged_in(username: str):  # noqa: ANN202
        if username not in clients:
            http = app.test_client()
            response = http.post("/login", data={"username": username,
                                                 "password": DEMO_PASSWORD})
            assert response.status_code == 302, username
            clients[username] = http
        return clients[username]

    db = app.extensions["motcua.db"]
    with app.app_context():
        session = db.session
        tax = session.scalar(select(Unit).where(Unit.function == "tax"))
        tax_code, tax_name = tax.code, tax.name
        kinds = [(p.code, p.receiving_units[0].code, p.receiving_units[0].name,
                  [d.id for d in p.documents if d.required])
                 for p in session.scalars(select(Procedure).order_by(Procedure.code))
                 if p.receiving_units]
        db.remove()
    assert len(kinds) >= 15
    # A plugin's procedures need its own data, entered on its screen by the specialist:
    # the household business samples, in their order (the registration comes first).
    samples = _plugin_samples(app)
    kinds.sort(key=lambda kind: list(samples).index(kind[0]) if kind[0] in samples else -1)
    walked, registered = {}, None
    for procedure_code, desk_code, desk_name, documents in kinds:
        desk = printed[("reception", desk_name)]
        with app.app_context():
            session = db.session
            actor = session.scalar(select(Account).where(Account.username == desk))
            code = take_in(DeskContext(session, actor, app.config["MOTCUA"]), {
                "procedure_code": procedure_code, "unit_code": desk_code,
                "applicant": {"name": "Nguyễn Văn Thử", "citizen_id": "072090001234",
                              "address": "Tây Ninh"},
                "submitted_documents": documents}).code
            land = session.scalar(select(Dossier).where(Dossier.code == code)) \
                .procedure.code.startswith("1.0127")
            session.commit()
            db.remove()
        path, to_tax = [(desk, "received")], land
        for _ in range(12):
            with app.app_context():
                dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
                status, holder = dossier.status, dossier.holder_unit.name
                role = db.session.get(DossierWorkflow, dossier.id).holder_role
                db.remove()
            if status == "returned":
                break
            username = printed.get((role, holder))
            assert username, f"{code}: nobody printed is {role} at {holder}"
            http = logged_in(username)
            if procedure_code in samples and path[-1][1] == "claim":
                _plugin_data(http, code, samples[procedure_code], registered)
            page = http.get(f"/department/dossiers/{code}").get_data(as_text=True)
            name = _primary(page)[0]
            fields = {"note": "Đồng ý"}
            if to_tax and name in ("submit_for_approval", "forward", "issue_result"):
                name, fields, to_tax = "transfer", {"to_unit": tax_code}, False
            elif name == "transfer":  # the tax office sends it back to its sender
                fields = {"to_unit": re.search(r'<option value="([\w.]+)" data-sender',
                                               page)[1]}
            elif name == "issue_result":
                fields = {"result_number": f"{procedure_code}/GCN"}
            elif name == "return_result":
                fields = {"collected_by": "Nguyễn Văn Thử", "method": "in_person"}
            version = re.search(r'name="expected_version" value="(\d+)"', page)[1]
            response = http.post(f"/department/dossiers/{code}/actions/{name}",
                                 data={"expected_version": version, **fields})
            assert response.status_code == 302, (code, username, name, path, re.findall(
                r"data-form-error>[^<]*", response.get_data(as_text=True)))
            path.append((username, name))
        assert status == "returned", (code, path)
        walked[procedure_code] = path
        if procedure_code in samples and registered is None:
            registered = _result(app, code).get("registration_number")
    # Desk, department (and tax office), leader, desk: each kind, with printed accounts.
    for procedure_code, path in walked.items():
        names = [name for _, name in path]
        assert names[-1] == "return_result" and "approve" in names, (procedure_code, path)
    land = [path for code, path in walked.items() if code.startswith("1.0127")]
    assert land and all(("chuyenvien.tax", "transfer") in path for path in land), land
    assert tax_name in {unit for _, unit in printed}


def _plugin_samples(app) -> dict[str, dict]:
    """{procedure code: specialist data} of the enabled plugins' sample dossiers."""
    from motcua.core.plugin_manager import current_manager

    with app.app_context():
        manager = current_manager()
        found = {} if manager is None else {
            sample.procedure_code: sample.specialist_data
            for _plugin, sample in manager.sample_dossiers()}
    return found


def _plugin_data(http, code: str, data: dict, registered: str | None) -> None:
    """The specialist enters a plugin dossier's data on the plugin's own screen."""
    from motcua_business_registration.forms import data_to_form

    if "registration_number" in data:
        data = {**data, "registration_number": registered}
    response = http.post(f"/business-registration/dossiers/{code}", data=data_to_form(data))
    assert response.status_code == 302, response.get_data(as_text=True)[:800]


def _result(app, code: str) -> dict:
    db = app.extensions["motcua.db"]
    with app.app_context():
        result = dict(db.session.scalar(select(Dossier).where(Dossier.code == code)).result)
        db.remove()
    return result


def test_demo_units_have_sms_abbreviations_and_every_reply_fits_one_sms(app):
    _build(app, dossiers=60)
    app.config.update(SMS_RATE_LIMIT="1000 per minute")
    app.config["MOTCUA"].language = "vi"
    db = app.extensions["motcua.db"]
    with app.app_context():
        units = db.session.scalars(select(Unit)).all()
        assert all(unit.abbreviation and len(unit.abbreviation) <= ABBREVIATION_MAX
                   for unit in units), [(u.name, u.abbreviation) for u in units]
        assert {u.abbreviation for u in units if u.kind == "province"} == {"UBND T.Tay Ninh"}
        codes = db.session.scalars(select(Dossier.code)).all()
        db.remove()
    client = app.test_client()
    replies = [client.get("/sms/inbound", query_string={"from": "0987654321",
                                                        "text": code}).text for code in codes]
    assert all(code in reply for code, reply in zip(codes, replies, strict=True))
    too_long = [reply for reply in replies if septets(reply) > 160]
    assert not too_long
