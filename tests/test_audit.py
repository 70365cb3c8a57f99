"""The audit trail: what it records, its hash chain under tampering and concurrency, the
ICT viewer and exports."""

from __future__ import annotations

import csv
import io
import threading

from sqlalchemy import delete, func, select, text, update

from motcua.core.accounts import issue_api_token
from motcua.core.audit.chain import append, verify
from motcua.core.commands.audit import audit_group
from motcua.core.intake import DeskContext, refuse_at_desk, take_in
from motcua.core.models import Account, AuditEntry
from tests.conftest import login
from tests.factories import PASSWORD, applicant, intake_data


def entries(app, *where) -> list[AuditEntry]:
    with app.extensions["motcua.db"].session_factory() as session:
        return list(session.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.seq)))


def run_verify(app):  # noqa: ANN201
    return app.test_cli_runner().invoke(audit_group, ["verify"])


def take_in_one(app, world) -> str:
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        actor = session.get(Account, world.accounts["reception"].id)
        dossier = take_in(DeskContext(session, actor, app.config["MOTCUA"]), intake_data(world))
        session.commit()
        code = dossier.code
        database.remove()
    return code


def test_logins_failures_logouts_and_changes_are_chained(app, world):
    client = app.test_client()
    assert client.post("/login", data={"username": "letan", "password": "wrong"}
                       ).status_code == 401
    login(client, "letan")
    client.post("/logout")
    code = take_in_one(app, world)
    actions = [(e.action, e.target) for e in entries(app)]
    # The world's accounts and roles come first (created in the fixture), then:
    assert ("account.created", "letan") in actions and ("role.granted", "letan") in actions
    tail = actions[-4:]
    assert tail == [("login.failed", "letan"), ("login", "letan"), ("logout", "letan"),
                    ("dossier.received", code)]
    failed, ok = entries(app, AuditEntry.action.in_(("login.failed", "login")))
    assert failed.actor_id is None and failed.detail == {"reason": "wrong password"}
    assert ok.actor_name == world.accounts["reception"].full_name and ok.ip == "127.0.0.1"
    result = run_verify(app)
    assert result.exit_code == 0 and "Audit chain intact" in result.output


def test_views_of_personal_data_are_recorded(app, world, desk_client):
    code = take_in_one(app, world)
    assert desk_client.get(f"/dossiers/{code}").status_code == 200
    public = app.test_client()
    assert public.get(f"/api/lookup/{code}").status_code == 200  # masked: not recorded
    assert public.get(f"/api/lookup/{code}?phone4=5678").status_code == 200
    with app.app_context():
        session = app.extensions["motcua.db"].session
        token = issue_api_token(session, session.get(Account, world.accounts["reception"].id),
                                "audit test")
        session.commit()
        app.extensions["motcua.db"].remove()
    assert public.get(f"/api/v1/dossiers/{code}", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200
    viewed = entries(app, AuditEntry.action == "personal_data.viewed")
    assert [(e.target, e.detail["where"], e.actor_name is not None) for e in viewed] == [
        (code, "desk dossier page", True),
        (code, "public lookup with the phone's last digits", False),
        (code, "API dossier detail", True)]


def refuse_one(app, world) -> str:
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        actor = session.get(Account, world.accounts["reception"].id)
        dossier = refuse_at_desk(DeskContext(session, actor, app.config["MOTCUA"]), {
            "procedure_code": world.household_business.code,
            "unit_code": world.district_desk.code, "applicant": applicant(),
            "reason": "Không thuộc thẩm quyền"})
        session.commit()
        code = dossier.code
        database.remove()
    return code


def test_printed_receipt_and_refusal_slips_are_recorded_as_personal_data_views(
        app, world, desk_client):
    received, refused = take_in_one(app, world), refuse_one(app, world)
    assert desk_client.get(f"/dossiers/{received}/receipt").status_code == 200
    assert desk_client.get(f"/dossiers/{refused}/refusal-slip").status_code == 200
    # A slip that is not printed (the wrong kind for the dossier) shows nothing.
    assert desk_client.get(f"/dossiers/{refused}/receipt").status_code == 404
    viewed = entries(app, AuditEntry.action == "personal_data.viewed")
    assert [(e.target, e.detail["where"], e.actor_name) for e in viewed] == [
        (received, "receipt slip", world.accounts["reception"].full_name),
        (refused, "refusal slip", world.accounts["reception"].full_name)]
    assert run_verify(app).exit_code == 0


def test_an_edited_entry_is_found_by_verify(app, world):
    login(app.test_client(), "letan")
    take_in_one(app, world)
    middle = entries(app)[len(entries(app)) // 2].seq
    with app.extensions["motcua.db"].engine.begin() as connection:
        connection.execute(update(AuditEntry).where(AuditEntry.seq == middle)
                           .values(target="someone-else"))
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"broken at entry {middle}" in result.output and "altered" in result.output


def test_a_detail_edited_in_plain_sql_is_found_by_verify(app, world):
    app.test_client().post("/login", data={"username": "letan", "password": "wrong"})
    login(app.test_client(), "letan")  # an entry after it: not the chain's last
    (failed,) = entries(app, AuditEntry.action == "login.failed")
    assert run_verify(app).exit_code == 0
    with app.extensions["motcua.db"].engine.begin() as connection:
        # What someone with database access would do to hide a failed attempt.
        connection.execute(text("UPDATE audit_log SET detail = '{\"reason\": \"typo\"}' "
                                "WHERE seq = :seq"), {"seq": failed.seq})
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"broken at entry {failed.seq}:" in result.output and "altered" in result.output


def test_a_removed_entry_in_the_middle_or_at_the_end_is_found(app, world):
    login(app.test_client(), "letan")
    take_in_one(app, world)
    engine = app.extensions["motcua.db"].engine
    last = entries(app)[-1].seq
    with engine.begin() as connection:
        connection.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    result = run_verify(app)
    assert result.exit_code == 1 and "removed or added" in result.output
    with engine.begin() as connection:  # and one in the middle: found first
        connection.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    result = run_verify(app)
    assert result.exit_code == 1 and "entry 3 is missing" in result.output


def test_concurrent_appends_make_one_unbroken_chain(app, world, backend):
    database = app.extensions["motcua.db"]
    with database.session_factory() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    threads, errors, per_thread = 4, [], 15

    def writer(number: int) -> None:
        try:
            for index in range(per_thread):
                with database.session_factory() as session:
                    append(session, "test.concurrent", target=f"t{number}-{index}")
                    session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    with database.session_factory() as session:
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        assert seqs == list(range(1, before + threads * per_thread + 1))
        result = verify(session)
    assert result.ok, result.problem


def test_verify_during_concurrent_appends_never_reports_tampering(app, world, backend):
    """Issue #23: under load, verify read the entries, then a head that had moved on."""
    database = app.extensions["motcua.db"]
    stop, errors, reports = threading.Event(), [], []

    def writer(number: int) -> None:
        index = 0
        try:
            while not stop.is_set():
                with database.session_factory() as session:
                    append(session, "test.load", target=f"w{number}-{index}")
                    session.commit()
                index += 1
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(40):
            with database.session_factory() as session:
                result = verify(session)
            if not result.ok:
                reports.append(result.problem)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    assert errors == [] and reports == []
    written = entries(app, AuditEntry.action == "test.load")
    assert len(written) >= 6  # the writers really ran alongside (how many depends on the load)
    with database.engine.begin() as connection:  # a real tamper is still found
        connection.execute(update(AuditEntry).where(AuditEntry.seq == written[5].seq)
                           .values(target="someone-else"))
    result = run_verify(app)
    assert result.exit_code == 1 and f"broken at entry {written[5].seq}:" in result.output


def test_viewer_is_for_the_ict_department_and_exports_what_it_filters(app, world):
    login(app.test_client(), "lanhdao")
    take_in_one(app, world)
    officer = login(app.test_client(), "chuyenvien")
    assert officer.get("/ict/audit/").status_code == 403
    assert officer.get("/ict/audit/export.csv").status_code == 403
    ict = login(app.test_client(), "cntt")
    page = ict.get("/ict/audit/?action=login").get_data(as_text=True)
    assert "Võ Lãnh Đạo" in page and "dossier.received" not in page
    exported = ict.get("/ict/audit/export.csv?action=login")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["action"], r["target"]) for r in rows] == [
        ("login", "lanhdao"), ("login", "chuyenvien"), ("login", "cntt")]
    refused = ict.get("/ict/audit/?since=yesterday")
    assert refused.status_code == 400 and "YYYY-MM-DD" in refused.get_data(as_text=True)
    verified = ict.post("/ict/audit/verify").get_data(as_text=True)
    assert 'data-verify="ok"' in verified


def test_cli_export_as_json_lines(app, world):
    login(app.test_client(), "letan")
    result = app.test_cli_runner().invoke(audit_group, ["export", "--format", "jsonl",
                                                        "--action", "login"])
    assert result.exit_code == 0
    assert result.output.count("\n") == 1 and '"target": "letan"' in result.output


def test_the_password_is_named_never_shown(app, world):
    from motcua.core.accounts import hash_password

    with app.app_context():
        session = app.extensions["motcua.db"].session
        account = session.get(Account, world.accounts["leader"].id)
        account.password_hash = hash_password(PASSWORD + "-new")
        session.commit()
        app.extensions["motcua.db"].remove()
    changed = entries(app, AuditEntry.action == "account.changed")[-1]
    assert changed.detail == {"fields": ["password"]} and changed.target == "lanhdao"
    with app.extensions["motcua.db"].engine.connect() as connection:
        dumped = connection.execute(text("SELECT detail FROM audit_log")).scalars().all()
    assert not any("argon2" in str(detail) for detail in dumped)


def test_viewer_pages_and_filters_by_officer_and_date(app, world):
    from datetime import timedelta

    from motcua.core.timeutil import local_date, now

    database = app.extensions["motcua.db"]
    with database.session_factory() as session:
        for index in range(60):
            append(session, "test.paging", target=f"row-{index}")
        session.commit()
    ict = login(app.test_client(), "cntt")

    def rows(query: str) -> list[str]:
        page = ict.get(f"/ict/audit/?{query}")
        assert page.status_code == 200
        body = page.get_data(as_text=True).split("data-audit-entries", 1)[1]
        return [line for line in body.splitlines() if line.strip().startswith("<tr><td>")]

    first, second = rows("action=test.paging"), rows("action=test.paging&page=2")
    assert len(first) == 50 and len(second) == 10
    assert "row-59" in first[0] and "row-0" in second[-1]  # newest first
    assert "Page 2 of 2" in ict.get("/ict/audit/?action=test.paging&page=2").get_data(
        as_text=True)
    assert rows("actor=nobody") == []
    # Đỗ Quản Trị's entries, by name with or without diacritics, or by username.
    by_officer = rows("actor=%C4%90%E1%BB%97+Qu%E1%BA%A3n")
    assert by_officer and all("Đỗ Quản Trị" in row for row in by_officer)
    assert rows("actor=do+quan") == by_officer == rows("actor=CNTT")
    today = local_date(now())
    assert len(rows(f"action=test.paging&since={today}&until={today}")) == 50
    assert rows(f"action=test.paging&since={today + timedelta(days=1)}") == []
