"""SMS through a real Kannel: bearerbox, smsbox and the ``fakesmsc`` test handset
(Debian packages ``kannel`` and ``kannel-extras``), talking to the app on a live server."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote_plus, unquote_to_bytes

import pytest
import requests
from sqlalchemy import select

from motcua.core import timeutil
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, SmsMessage
from motcua.sms.gateways import KannelGateway
from motcua.sms.kannel import COULD_NOT_FETCH, KannelSetup, kannel_conf
from motcua.sms.queue import send_pass
from tests.browser import serve
from tests.factories import applicant, build_world, intake_data

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
SECRET = "kannel-test-secret"


def _missing() -> str | None:
    for tool in ("bearerbox", "smsbox"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            return f"{tool} is not installed (Debian package kannel)"
    if not os.path.exists(FAKESMSC):
        return f"{FAKESMSC} is not installed (Debian package kannel-extras)"
    return None


def _tool(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _wait_for_port(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


def _wait_for(predicate, seconds: float = 20, what: str = "condition"):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Kannel:
    """A running bearerbox + smsbox + fakesmsc; ``handset_output()`` is what fakesmsc got."""

    def __init__(self, tmp_path: Path, app_url: str) -> None:
        admin, smsbox, sendsms, smsc = _free_ports(4)
        self.setup = KannelSetup(app_url=app_url, secret=SECRET, admin_port=admin,
                                 smsbox_port=smsbox, sendsms_port=sendsms, smsc_port=smsc,
                                 log_dir=tmp_path, password="sendsms-pass")
        self.conf = tmp_path / "kannel.conf"
        self.conf.write_text(kannel_conf(self.setup))
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.handset_log = tmp_path / "fakesmsc.out"

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.stdout", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=self.tmp_path)
        self.processes.append(process)
        return process

    def start(self) -> None:
        self._start([_tool("bearerbox"), str(self.conf)], "bearerbox")
        _wait_for_port(self.setup.smsc_port)
        _wait_for_port(self.setup.smsbox_port)
        self._start([_tool("smsbox"), str(self.conf)], "smsbox")
        _wait_for_port(self.setup.sendsms_port)

    def handset_sends(self, sender: str, text: str) -> None:
        """A handset (fakesmsc) sends one SMS to the short code and keeps listening."""
        self.stop_handset()
        log = open(self.handset_log, "a")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.setup.smsc_port), "-i", "0.1",
             "-m", "1" if text else "0", f"{sender} 1022 text {text}" if text else
             f"{sender} 1022 text nop"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.tmp_path)
        self.handset = process
        self.processes.append(process)

    def stop_handset(self) -> None:
        handset = getattr(self, "handset", None)
        if handset is not None and handset.poll() is None:
            handset.terminate()
            handset.wait(timeout=10)

    def handset_output(self) -> str:
        return self.handset_log.read_text(errors="replace") if self.handset_log.exists() else ""

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def world(sqlite_app):
    """The test province in the live app's own SQLite database."""
    database = sqlite_app.extensions["motcua.db"]
    with sqlite_app.app_context():
        built = build_world(database.session)
        database.remove()
    return built


@pytest.fixture
def live_app(sqlite_app, world):
    sqlite_app.config.update(SMS_SECRET=SECRET, SMS_GATEWAY="kannel")
    # Replies in the msgids (English), whatever catalogue the deployment default has.
    sqlite_app.config["MOTCUA"].language = "en"
    with serve(sqlite_app) as url:
        sqlite_app.config["SMS_PUBLIC_URL"] = url
        yield sqlite_app, url


@pytest.fixture
def kannel(live_app, tmp_path):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    app, url = live_app
    running = Kannel(tmp_path, url)
    app.config.update(SMS_KANNEL_SENDSMS_URL=running.setup.sendsms_url,
                      SMS_KANNEL_USERNAME=running.setup.username,
                      SMS_KANNEL_PASSWORD=running.setup.password)
    running.start()
    yield running
    running.stop()


def _receive(app, world, *, consent: bool = True) -> str:
    db = app.extensions["motcua.db"]
    with app.test_request_context("/"):
        actor = db.session.get(Account, world.accounts["reception"].id)
        dossier = take_in(DeskContext(db.session, actor, app.config["MOTCUA"]),
                          intake_data(world, applicant=applicant(phone="0912345678"),
                                      sms_consent=consent))
        db.session.commit()
        code = dossier.code
        db.remove()
    return code


def _messages(app) -> list[SmsMessage]:
    db = app.extensions["motcua.db"]
    session = db.session_factory()
    try:
        return list(session.scalars(select(SmsMessage).order_by(SmsMessage.id)))
    finally:
        session.close()


def test_handset_lookup_gets_the_status_reply(kannel, live_app, world):
    app, _url = live_app
    code = _receive(app, world, consent=False)
    kannel.handset_sends("0987654321", f"tra cuu {code.lower()}")
    output = _wait_for(lambda: code in kannel.handset_output() and kannel.handset_output(),
                       what="the reply on the handset")
    reply_line = next(line for line in output.splitlines() if code in line)
    # fakesmsc prints replies as "sender receiver text <message>".
    assert "1022 0987654321" in reply_line
    assert f"Dossier {code} (N.V. An): Received." in reply_line
    assert "On time." in reply_line


def test_rate_limited_handset_receives_our_message_not_kannels(kannel, live_app, world):
    app, _url = live_app
    app.config["SMS_RATE_LIMIT"] = "1 per minute"
    kannel.handset_sends("0933333333", "HD")
    _wait_for(lambda: "TRACUU" in kannel.handset_output(), what="the first (help) reply")
    kannel.handset_sends("0933333333", "HD")
    output = _wait_for(lambda: "Too many messages" in kannel.handset_output() and
                       kannel.handset_output(), what="the rate-limit reply")
    assert "Please wait a minute" in output
    assert "Could not fetch" not in output


def test_handset_gets_our_words_when_the_app_refuses_kannel(kannel, live_app):
    app, _url = live_app
    app.config["SMS_SECRET"] = "rotated-but-kannel-not-updated"  # motcua answers 403
    kannel.handset_sends("0944444444", "HD")
    output = _wait_for(lambda: "Got message" in kannel.handset_output() and
                       kannel.handset_output(), what="a reply to the handset")
    line = next(line for line in output.splitlines() if "Got message" in line)
    assert COULD_NOT_FETCH in unquote_plus(line)


def test_handset_help_for_an_unknown_command(kannel, live_app):
    kannel.handset_sends("0987654321", "xin chao")
    _wait_for(lambda: "TRACUU" in kannel.handset_output(), what="the help text")


def test_notification_reaches_the_handset_and_is_marked_delivered(kannel, live_app, world):
    app, _url = live_app
    kannel.handset_sends("0987654321", "")  # a handset that only listens
    code = _receive(app, world)
    with app.test_request_context("/"):
        result = send_pass(app.extensions["motcua.db"].session, KannelGateway())
    assert result.sent == 1
    _wait_for(lambda: code in kannel.handset_output(), what="the notification on the handset")
    assert "+84912345678" in kannel.handset_output()
    message = _wait_for(lambda: next((m for m in _messages(app) if m.delivery_reports), None),
                        what="a delivery report")
    assert message.status in ("sent", "delivered")
    final = _wait_for(lambda: [m for m in _messages(app) if m.status == "delivered"],
                      seconds=10, what="a delivered report")
    assert final[0].delivered_at is not None


def test_gateway_down_is_retried_later_not_lost_not_doubled(kannel, live_app, world):
    app, _url = live_app
    code = _receive(app, world)
    # smsbox down: sendsms does not answer.
    smsbox = kannel.processes[1]
    smsbox.terminate()
    smsbox.wait(timeout=10)
    db = app.extensions["motcua.db"]
    with app.test_request_context("/"):
        down = send_pass(db.session, KannelGateway())
    [message] = _messages(app)
    assert (down.retried, message.status, message.attempts) == (1, "queued", 1)
    # smsbox back; the message is due again.
    kannel._start([_tool("smsbox"), str(kannel.conf)], "smsbox2")
    _wait_for_port(kannel.setup.sendsms_port)
    kannel.handset_sends("0987654321", "")
    session = db.session_factory()
    session.get(SmsMessage, message.id).next_attempt_at = timeutil.now() - timedelta(seconds=1)
    session.commit()
    session.close()
    with app.test_request_context("/"):
        up = send_pass(db.session, KannelGateway())
        again = send_pass(db.session, KannelGateway())
    assert (up.sent, again.claimed) == (1, 0)
    _wait_for(lambda: code in kannel.handset_output(), what="the notification after the retry")
    time.sleep(1.5)  # a doubled message would arrive within this
    received = [line for line in kannel.handset_output().splitlines()
                if "Got message" in line and code in line]
    assert len(received) == 1
    assert [m.status for m in _messages(app)] in (["sent"], ["delivered"])


def test_sendsms_refuses_a_wrong_password(kannel, live_app):
    response = requests.get(kannel.setup.sendsms_url, params={
        "username": "motcua", "password": "wrong", "to": "+84912345678", "text": "x"},
        timeout=10)
    assert response.status_code == 403


def test_long_reply_reaches_the_handset_as_a_concatenated_sms(kannel, live_app, world):
    """A status reply fits one SMS; the answer about an unknown code as long as codes may
    be (a 39-character agency code) does not, and goes out in parts."""
    code = "H72" + ".01" * 12 + "-261207-123456"
    kannel.handset_sends("0987654321", f"HS {code}")
    output = _wait_for(lambda: "appear." in kannel.handset_output() and
                       kannel.handset_output(), what="the last part of the reply")
    parts = [line for line in output.splitlines() if "Got message" in line]
    assert len(parts) == 2
    # fakesmsc prints "<from> <to> udh <udh> data <text>", both URL-encoded.
    pieces = [re.search(r"udh (\S+) data (.*)>$", line).groups() for line in parts]
    udhs = [unquote_to_bytes(udh) for udh, _text in pieces]
    assert [udh[:3] + udh[4:] for udh in udhs] == [b"\x05\x00\x03\x02\x01",
                                                   b"\x05\x00\x03\x02\x02"]
    texts = [unquote_plus(text) for _udh, text in pieces]
    assert len(texts[0]) == 153
    reply = "".join(texts)
    assert reply.startswith(f"No dossier has the code {code}.")
    assert reply.endswith("to appear.") and len(reply) > 160


def test_a_burst_of_delivery_reports_marks_every_message_delivered(kannel, live_app, world):
    """A busy morning: a few hundred notifications, each with Kannel's reports (accepted by
    the SMSC, then delivered) arriving at once. None may be refused: Kannel never resends a
    report, so a refused one leaves its message "sent" for ever."""
    app, _url = live_app
    burst = 250
    kannel.handset_sends("0987654321", "")  # a handset that only listens
    session = app.extensions["motcua.db"].session_factory()
    session.add_all(SmsMessage(phone=f"+8491{index:07d}", body=f"Burst message {index}",
                               kind="received", status="queued",
                               next_attempt_at=timeutil.now()) for index in range(burst))
    session.commit()
    session.close()
    with app.test_request_context("/"):
        sent = 0
        while (result := send_pass(app.extensions["motcua.db"].session, KannelGateway(),
                                   limit=100)).claimed:
            sent += result.sent
    assert sent == burst
    _wait_for(lambda: [m.status for m in _messages(app)] == ["delivered"] * burst,
              seconds=120, what=f"{burst} delivered messages")
    reports = [report for m in _messages(app) for report in m.delivery_reports]
    assert len(reports) >= burst
