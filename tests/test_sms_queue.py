"""The outbound SMS queue, the gateway endpoints and the inbound replies (SQLite and
PostgreSQL; the gateway is Kannel's HTTP interface at a closed port, or the console)."""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from motcua.core import create_app, timeutil
from motcua.core.cli import main
from motcua.core.errors import ConfigurationError, ValidationError
from motcua.core.events import record_event
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Dossier, SmsMessage, Unit
from motcua.sms.gateways import ConsoleGateway, Gateway, KannelGateway
from motcua.sms.gsm import split
from motcua.sms.notify import MAX_PARTS
from motcua.sms.queue import claim, send_pass
from tests.factories import applicant, intake_data


def receive(app, db, world, *, consent=True, phone="0912345678") -> Dossier:
    with app.test_request_context("/"):
        actor = db.session.get(Account, world.accounts["reception"].id)
        data = intake_data(world, applicant=applicant(phone=phone), sms_consent=consent)
        dossier = take_in(DeskContext(db.session, actor, app.config["MOTCUA"]), data)
        db.session.commit()
        return dossier


def messages(db) -> list[SmsMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_intake_with_consent_queues_a_received_sms_in_plus_84_form(app, db, world):
    dossier = receive(app, db, world, phone="+84 912 345 678")
    [message] = messages(db)
    assert (message.phone, message.kind, message.status) == ("+84912345678", "received",
                                                             "queued")
    assert message.dossier_id == dossier.id and message.event_id is not None
    assert dossier.code in message.body
    assert message.body.isascii()


def test_no_consent_or_no_phone_means_no_sms(app, db, world):
    receive(app, db, world, consent=False)
    with pytest.raises(ValidationError, match="phone number"):
        receive(app, db, world, consent=True, phone=None)
    db.session.rollback()
    # A dossier that consented but lost its phone (e.g. received before intake refused
    # that) still gets no SMS for its next event.
    dossier = receive(app, db, world, consent=True)
    with app.test_request_context("/"):
        dossier = db.session.get(Dossier, dossier.id)
        db.session.execute(SmsMessage.__table__.delete())
        dossier.applicant_phone = None
        record_event(db.session, dossier, "result_issued", actor=None)
        db.session.commit()
    assert messages(db) == []


def test_rolled_back_event_leaves_no_sms(app, db, world):
    with app.test_request_context("/"):
        actor = db.session.get(Account, world.accounts["reception"].id)
        take_in(DeskContext(db.session, actor, app.config["MOTCUA"]),
                intake_data(world, sms_consent=True))
        db.session.flush()
        assert db.session.scalar(select(func.count(SmsMessage.id))) == 1
        db.session.rollback()
    assert messages(db) == []


def test_supplement_and_result_events_notify_other_events_do_not(app, db, world):
    dossier = receive(app, db, world)
    with app.test_request_context("/"):
        dossier = db.session.get(Dossier, dossier.id)
        record_event(db.session, dossier, "claimed", actor=None)
        record_event(db.session, dossier, "supplement_requested", actor=None,
                     data={"missing": ["Bản sao CCCD"]})
        record_event(db.session, dossier, "result_issued", actor=None, data={"number": "1"})
        db.session.commit()
    kinds = [(m.kind, m.body) for m in messages(db)]
    assert [kind for kind, _ in kinds] == ["received", "supplement_requested", "result_issued"]
    assert "Ban sao CCCD" in kinds[1][1]


def test_long_supplement_list_is_cut_to_fit_five_parts_and_says_how_many_more(app, db,
                                                                              world):
    dossier = receive(app, db, world)
    missing = [f"Giấy xác nhận số {n} của Ủy ban nhân dân phường về nơi cư trú hiện tại"
               for n in range(40)]
    with app.test_request_context("/"):
        dossier = db.session.get(Dossier, dossier.id)
        record_event(db.session, dossier, "supplement_requested", actor=None,
                     data={"missing": missing + ["x" * 3000]})
        db.session.commit()
    [message] = [m for m in messages(db) if m.kind == "supplement_requested"]
    assert message.parts == len(split(message.body)) <= MAX_PARTS
    assert "Giay xac nhan so 0 " in message.body
    shown = message.body.count("Giay xac nhan so")
    assert 0 < shown < 40
    assert f"and {41 - shown} more" in message.body
    assert message.body.endswith("Please bring it to the reception desk.")


def test_one_huge_missing_item_is_shortened_not_dropped(app, db, world):
    dossier = receive(app, db, world)
    with app.test_request_context("/"):
        dossier = db.session.get(Dossier, dossier.id)
        record_event(db.session, dossier, "supplement_requested", actor=None,
                     data={"missing": ["Bản sao " + "rất dài " * 400]})
        db.session.commit()
    [message] = [m for m in messages(db) if m.kind == "supplement_requested"]
    assert "Ban sao rat dai" in message.body and "...." in message.body
    assert message.parts <= 2 and "more" not in message.body


def test_short_supplement_list_is_sent_whole(app, db, world):
    dossier = receive(app, db, world)
    with app.test_request_context("/"):
        dossier = db.session.get(Dossier, dossier.id)
        record_event(db.session, dossier, "supplement_requested", actor=None,
                     data={"missing": ["Bản sao CCCD", "Ảnh 4x6"]})
        db.session.commit()
    [message] = [m for m in messages(db) if m.kind == "supplement_requested"]
    assert "Ban sao CCCD; Anh 4x6." in message.body and "more" not in message.body


def test_console_pass_sends_each_due_message_once(app, db, world, capsys):
    receive(app, db, world)
    receive(app, db, world)
    with app.app_context():
        first = send_pass(db.session, ConsoleGateway())
        second = send_pass(db.session, ConsoleGateway())
    assert (first.sent, second.claimed) == (2, 0)
    assert [m.status for m in messages(db)] == ["sent", "sent"]
    assert capsys.readouterr().err.count("SMS to +84912345678") == 2


def test_gateway_down_retries_later_with_backoff_then_sends_once(app, db, world):
    receive(app, db, world)
    app.config["SMS_KANNEL_SENDSMS_URL"] = f"http://127.0.0.1:{closed_port()}/cgi-bin/sendsms"
    with app.test_request_context("/"):
        down = send_pass(db.session, KannelGateway(), retry_seconds=30)
        again = send_pass(db.session, KannelGateway())  # not due yet: nothing claimed
    [message] = messages(db)
    assert (down.retried, again.claimed) == (1, 0)
    assert (message.status, message.attempts) == ("queued", 1)
    assert "unreachable" in message.last_error
    wait = message.next_attempt_at - timeutil.now()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=30)
    message.next_attempt_at = timeutil.now() - timedelta(seconds=1)
    db.session.commit()
    with app.app_context():
        up = send_pass(db.session, ConsoleGateway())
    [message] = messages(db)
    assert (up.sent, message.status, message.attempts) == (1, "sent", 2)


def test_after_max_attempts_a_message_fails(app, db, world):
    receive(app, db, world)
    app.config["SMS_KANNEL_SENDSMS_URL"] = f"http://127.0.0.1:{closed_port()}/x"
    for _ in range(3):
        with app.test_request_context("/"):
            send_pass(db.session, KannelGateway(), max_attempts=3)
        for message in messages(db):
            message.next_attempt_at = timeutil.now() - timedelta(seconds=1)
        db.session.commit()
    [message] = messages(db)
    assert (message.status, message.attempts) == ("failed", 3)


class SlowRecordingGateway(Gateway):
    """Records every send, slowly, so two workers overlap."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.lock = threading.Lock()

    def send(self, message: SmsMessage) -> str:
        time.sleep(0.02)
        with self.lock:
            self.sent.append(message.id)
        return f"r-{message.id}"


def test_two_workers_never_send_a_message_twice(app, db, world):
    for _ in range(12):
        receive(app, db, world)
    gateway = SlowRecordingGateway()
    errors = []

    def work() -> None:
        session = db.session_factory()
        try:
            while send_pass(session, gateway, limit=2).claimed:
                pass
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    with app.app_context():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(gateway.sent) == sorted(set(gateway.sent))
    assert len(gateway.sent) == 12
    assert {m.status for m in messages(db)} == {"sent"}


def test_claim_takes_back_a_message_left_sending_by_a_dead_worker(app, db, world):
    receive(app, db, world)
    with app.app_context():
        assert len(claim(db.session)) == 1
        assert claim(db.session) == []
        [message] = messages(db)
        message.claimed_at = timeutil.now() - timedelta(hours=1)
        db.session.commit()
        assert len(claim(db.session)) == 1


def test_delivery_report_marks_delivered_and_keeps_the_report(app, db, world):
    receive(app, db, world)
    with app.app_context():
        send_pass(db.session, ConsoleGateway())
    [message] = messages(db)
    client = app.test_client()
    accepted = client.get(f"/sms/dlr?id={message.id}&type=8")
    delivered = client.get(f"/sms/dlr?id={message.id}&type=1")
    assert (accepted.status_code, delivered.status_code) == (200, 200)
    [message] = messages(db)
    assert message.status == "delivered" and message.delivered_at is not None
    assert [report["type"] for report in message.delivery_reports] == [8, 1]


def test_json_delivery_report_by_gateway_id(app, db, world):
    receive(app, db, world)
    with app.app_context():
        send_pass(db.session, ConsoleGateway())
    [message] = messages(db)
    response = app.test_client().post("/sms/dlr", json={"id": message.gateway_message_id,
                                                        "status": "failed"})
    assert response.status_code == 200
    assert messages(db)[0].status == "failed"


@pytest.mark.parametrize("query, status", [("id=abc&type=1", 400), ("id=999999&type=1", 404),
                                           ("id=1&type=x", 400), ("", 400)])
def test_bad_delivery_reports_are_refused_with_a_message(app, db, world, query, status):
    response = app.test_client().get(f"/sms/dlr?{query}")
    assert response.status_code == status
    assert response.get_data(as_text=True)


def test_endpoints_need_the_secret_when_one_is_set(app, db, world):
    app.config["SMS_SECRET"] = "s3cret"
    client = app.test_client()
    refused = client.get("/sms/inbound?from=0912345678&text=HD")
    wrong = client.get("/sms/inbound?from=0912345678&text=HD&secret=nope")
    right = client.get("/sms/inbound?from=0912345678&text=HD",
                       headers={"X-Motcua-Sms-Secret": "s3cret"})
    assert (refused.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
    assert "gateway" in refused.get_data(as_text=True)


def test_only_allowed_addresses_without_a_secret(app, db, world):
    app.config["SMS_ALLOWED_IPS"] = "10.0.0.5"
    client = app.test_client()
    assert client.get("/sms/inbound?text=HD").status_code == 403
    allowed = client.get("/sms/inbound?text=HD", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert allowed.status_code == 200


def test_delivery_reports_are_never_rate_limited(app, db, world):
    """The gateway reports on every message it sends and never resends a refused report."""
    app.config["SMS_RATE_LIMIT"] = "3 per minute"
    for _ in range(4):
        receive(app, db, world)
    with app.app_context():
        send_pass(db.session, ConsoleGateway())
    client = app.test_client()
    answers = [client.get(f"/sms/dlr?id={message.id}&type={kind}")
               for message in messages(db) for kind in (8, 1)]
    assert [answer.status_code for answer in answers] == [200] * 8
    assert [message.status for message in messages(db)] == ["delivered"] * 4


def test_strangers_are_refused_before_any_lookup_and_spend_no_citizens_allowance(
        app, db, world):
    app.config.update(SMS_SECRET="s3cret", SMS_RATE_LIMIT="2 per minute")
    code = receive(app, db, world).code
    statements = []
    engine = app.extensions["motcua.db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sqlalchemy_event.listen(engine, "before_cursor_execute", listener)
    try:
        client = app.test_client()
        forged = [client.get("/sms/inbound", query_string={"from": "0911111111",
                                                          "text": f"HS {code}"})
                  for _ in range(5)]
        reports = client.get("/sms/dlr?id=1&type=1")
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", listener)
    assert [answer.status_code for answer in forged] == [403] * 5
    assert reports.status_code == 403
    assert statements == []
    # The citizen's own messages through the gateway still have their whole allowance,
    # counted per phone whatever form the gateway gives it in.
    gateway = {"X-Motcua-Sms-Secret": "s3cret"}
    answers = [client.post("/sms/inbound", headers=gateway,
                           json={"from": phone, "text": f"HS {code}"})
               for phone in ("0911111111", "+84911111111", "84911111111")]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert code in answers[0].get_json()["reply"]


def test_a_forwarded_request_is_not_local_unless_the_proxy_is_configured(app, db, world):
    """The documented nginx on the same machine forwards the internet from 127.0.0.1."""
    client = app.test_client()
    through_proxy = {"X-Forwarded-For": "203.0.113.9"}
    assert client.get("/sms/inbound?text=HD").status_code == 200  # this machine: allowed
    assert client.get("/sms/inbound?text=HD", headers=through_proxy).status_code == 403
    assert client.get("/sms/dlr?id=1&type=1", headers=through_proxy).status_code == 403
    app.config["SMS_ALLOWED_IPS"] = "127.0.0.1"
    assert client.get("/sms/inbound?text=HD", headers=through_proxy).status_code == 403


def test_allowed_addresses_are_the_clients_behind_the_configured_proxy(app, db, world):
    behind = create_app(instance_path=app.instance_path, database_url=db.url,
                        secret_key="test-secret", trusted_proxies=1,
                        SMS_ALLOWED_IPS="10.0.0.0/29, 192.0.2.7")
    client = behind.test_client()

    def status(forwarded_for: str) -> int:
        return client.get("/sms/inbound?text=HD",
                          headers={"X-Forwarded-For": forwarded_for}).status_code

    assert (status("10.0.0.5"), status("192.0.2.7")) == (200, 200)
    assert status("10.0.0.9") == 403  # outside the /29
    # nginx appends the real client: a forged first entry changes nothing.
    assert status("10.0.0.5, 203.0.113.9") == 403
    assert client.get("/sms/inbound?text=HD").status_code == 403  # the proxy itself


@pytest.mark.parametrize("extra, message", [
    ({}, "MOTCUA_SMS_SECRET (or MOTCUA_SMS_ALLOWED_IPS) must be set in production"),
    ({"SMS_ALLOWED_IPS": "10.0.0.300"}, "MOTCUA_SMS_ALLOWED_IPS must be comma-separated"),
])
def test_production_refuses_to_start_with_open_sms_endpoints(tmp_path, extra, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        create_app(instance_path=tmp_path, database_url=f"sqlite:///{tmp_path}/x.sqlite3",
                   secret_key="k", production=True, **extra)
    for configured in ({"SMS_SECRET": "s3cret"}, {"SMS_ALLOWED_IPS": "127.0.0.1"}):
        create_app(instance_path=tmp_path, database_url=f"sqlite:///{tmp_path}/x.sqlite3",
                   secret_key="k", production=True, **configured)


def test_production_without_an_sms_secret_stops_the_command_line(tmp_path):
    env = {"MOTCUA_INSTANCE_PATH": str(tmp_path), "MOTCUA_PRODUCTION": "true",
           "MOTCUA_SECRET_KEY": "k", "MOTCUA_SMS_SECRET": "", "MOTCUA_SMS_ALLOWED_IPS": ""}
    result = CliRunner().invoke(main, ["db", "current"], env=env)
    assert result.exit_code == 1
    assert "Error: MOTCUA_SMS_SECRET (or MOTCUA_SMS_ALLOWED_IPS) must be set" in result.output


def test_inbound_lookup_replies_with_the_status(app, db, world):
    dossier = receive(app, db, world)
    spaced = dossier.code.lower().replace("-", " - ")
    response = app.test_client().get("/sms/inbound", query_string={
        "from": "+84912345678", "text": f"tra cứu {spaced}", "lang": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert dossier.code in body and "Received" in body
    assert "Nguyen" not in body and "072090001234" not in body and "0912345678" not in body
    assert body.isascii()


@pytest.mark.parametrize("template", ["HS{code}", "Tra cứu: {code}", "TRACUU:{code}"])
def test_inbound_lookup_glued_or_with_punctuation_replies_with_the_status(app, db, world,
                                                                          template):
    dossier = receive(app, db, world)
    response = app.test_client().get("/sms/inbound", query_string={
        "from": "+84912345678", "text": template.format(code=dossier.code), "lang": "en"})
    body = response.get_data(as_text=True)
    assert body.startswith(f"Dossier {dossier.code} (") and "Received" in body


@pytest.mark.parametrize("text", ["tracuu H72.01.01-999999-9999", "tracuu ???", "HS " + "9" * 500,
                                  "TRACUU", "xin chao", ""])
def test_inbound_bad_codes_and_unknown_commands_get_help_never_5xx(app, db, world, text):
    response = app.test_client().post("/sms/inbound", json={"from": "0912345678",
                                                             "text": text})
    assert response.status_code == 200
    assert response.get_json()["reply"]


def test_inbound_rate_limit_per_sender_answers_json_callers_429_with_a_message(app, db, world):
    app.config["SMS_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    ask = {"from": "0911111111", "text": "HD"}
    codes = [client.post("/sms/inbound?lang=en", json=ask).status_code for _ in range(4)]
    other = client.post("/sms/inbound", json={"from": "0922222222", "text": "HD"})
    assert codes == [200, 200, 200, 429] and other.status_code == 200
    assert "Too many" in client.post("/sms/inbound?lang=en", json=ask).get_json()["error"]


def test_inbound_rate_limit_answers_kannel_200_with_the_message_as_the_reply(app, db, world):
    """Kannel sends the handset the body of a 200 only (else "Could not fetch content")."""
    app.config["SMS_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    answers = [client.get("/sms/inbound?from=0911111111&text=HD&lang=en") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "TRACUU" in answers[1].get_data(as_text=True)
    limited = answers[2].get_data(as_text=True)
    assert limited.startswith("Too many messages") and "TRACUU" not in limited
    assert answers[2].headers["X-Motcua-Rate-Limited"] == "1"
    assert answers[2].mimetype == "text/plain" and limited.isascii()


def test_events_recorded_outside_a_request_still_queue_their_sms(app, db, world):
    """CLI commands, sync and workers record events with no request (or no app) around."""
    with app.app_context():
        actor = db.session.get(Account, world.accounts["reception"].id)
        take_in(DeskContext(db.session, actor, app.config["MOTCUA"]),
                intake_data(world, sms_consent=True))
        db.session.commit()
    session = db.session_factory()
    try:
        actor = session.get(Account, world.accounts["reception"].id)
        take_in(DeskContext(session, actor, app.config["MOTCUA"]),
                intake_data(world, sms_consent=True))
        session.commit()
    finally:
        session.close()
    assert [m.kind for m in messages(db)] == ["received", "received"]


def test_admin_sets_shows_and_forgets_a_units_abbreviation(app, db, world):
    def run(*args: str):  # noqa: ANN202
        return app.test_cli_runner().invoke(main, ["sms", "unit-name", *args])

    code = world.finance_office.code
    shown = run(code)
    assert shown.exit_code == 0
    assert shown.output == f"{code} Phòng Tài chính - Kế hoạch: P.Tai chinh - Ke hoach " \
                           "(derived from the name).\n"
    assert run(code, "  P.TC-KH ").output.endswith(": P.TC-KH (set).\n")
    receive(app, db, world)
    dossier = db.session.scalars(select(Dossier)).one()
    with app.test_request_context("/"):
        dossier.holder_unit = db.session.get(Unit, world.finance_office.id)
        db.session.commit()
    reply = app.test_client().get("/sms/inbound", query_string={
        "text": f"HS {dossier.code}", "lang": "en"}).text
    assert "Held by: P.TC-KH, UBND TP Tay Ninh." in reply
    refused = run(code, "x" * 25)
    assert refused.exit_code == 1 and "at most 24 characters" in refused.output
    unknown = run("H99.99")
    assert unknown.exit_code == 1 and "No unit with agency code H99.99" in unknown.output
    assert run(code, "--derived").output.endswith("(derived from the name).\n")
    db.session.expire_all()
    assert db.session.get(Unit, world.finance_office.id).abbreviation is None
