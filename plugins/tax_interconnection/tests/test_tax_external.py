"""The external tax system end to end, inside a real motcua application: a household
business certificate puts a message in the plugin's outbox; the deliver command's pass
finds the tax system (the simulator, a separate process) down, keeps the message, sends
it once the system is back, and the answer's tax code reaches the dossier and the
business register, once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from motcua_business_registration.models import Household
from motcua_tax_interconnection import exchanges, protocol
from motcua_tax_interconnection.adapter import deliver
from motcua_tax_interconnection.cli import _apply, _client
from motcua_tax_interconnection.models import Exchange
from sqlalchemy import select
from tax_land_plugin import LAND_TRANSFER
from test_tax_adapter import Simulator

from motcua_sdk import services


@pytest.fixture
def our_keys() -> tuple[str, str]:
    return protocol.generate_keypair()


@pytest.fixture
def simulator(tmp_path, our_keys):  # noqa: ANN201
    folder = tmp_path / "simulator"
    folder.mkdir()
    sim = Simulator(folder, partner_key=our_keys[1])
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def motcua_settings(simulator, our_keys) -> dict:
    prefix = "MOTCUA_TAX_INTERCONNECTION_"
    return {f"{prefix}SYSTEM_URL": simulator.url, f"{prefix}SENDER_ID": "motcua-h99",
            f"{prefix}KEY": our_keys[0], f"{prefix}PUBLIC_KEY": simulator.public_key,
            f"{prefix}LAND_PROCEDURES": LAND_TRANSFER}


def _pass(app, moment):  # noqa: ANN001, ANN202
    """One pass of ``motcua tax_interconnection deliver`` at ``moment``."""
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            return deliver(services.session(), _client(), now=moment, on_answer=_apply)
        finally:
            database.remove()


def _exchange(app) -> Exchange:  # noqa: ANN001
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            row = database.session.scalar(select(Exchange))
            database.session.expunge_all()
            return row
        finally:
            database.remove()


def test_down_then_up_nothing_lost_nothing_twice(motcua_app, motcua_flow, simulator,
                                                 registration_data):
    dossier = motcua_flow.take_in("1.001612", specialist_data=registration_data)
    motcua_flow.finish(dossier.code)
    exchange = _exchange(motcua_app)
    assert (exchange.channel, exchange.status, exchange.delivered_at) == (
        "external", "waiting", None)

    # The tax system is down: the message stays in the outbox, with its next attempt.
    down = _pass(motcua_app, exchanges.now())
    assert (down.sent, down.failed) == (0, 1)
    exchange = _exchange(motcua_app)
    assert exchange.delivered_at is None and exchange.attempts == 1
    assert exchange.next_attempt_at > exchange.created_at and exchange.last_error

    # Back up, after the back-off: sent once, answered, applied.
    simulator.start()
    later = exchanges.now() + timedelta(minutes=5)
    up = _pass(motcua_app, later)
    assert (up.sent, up.answered) == (1, 1), up
    exchange = _exchange(motcua_app)
    assert exchange.status == "answered" and exchange.answer["tax_code"] == "001085012345"
    database = motcua_app.extensions["motcua.db"]
    with motcua_app.app_context():
        household = database.session.scalar(select(Household))
        assert household.tax_code == "001085012345"
        database.remove()
    leader = motcua_app.test_client()
    leader.post("/login", data={"username": "kit.lanhdao", "password": "Plugin-kit-2024!"})
    events = leader.get(f"/api/v1/dossiers/{dossier.code}/events").get_json()["items"]
    kinds = [event["kind"] for event in events]
    assert kinds.count("annotated") == 2 and kinds[-1] == "annotated"  # sent, answered
    assert "001085012345" in events[-1]["note"]

    # Nothing more to send or apply; the tax system received it exactly once.
    again = _pass(motcua_app, later + timedelta(hours=1))
    assert (again.sent, again.answered, again.failed) == (0, 0, 0)
    assert simulator.stats() == {"received": 1, "duplicates": 0, "unique": 1}


class RewritingTaxSystem(requests.Session):
    """A tax system answering wrongly: the simulator's answers, rewritten by ``change`` and
    signed again with the tax system's own key (so the signature is good, the content
    not). Counts the answers asked for."""

    def __init__(self, private_key: str, change) -> None:  # noqa: ANN001
        super().__init__()
        self.private_key, self.change, self.fetches = private_key, change, 0

    def request(self, method, url, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        response = super().request(method, url, *args, **kwargs)
        if method == "GET" and url.endswith("/answer"):
            self.fetches += 1
            if response.status_code == 200:
                body = protocol.canonical(self.change(json.loads(response.content)))
                response._content = body
                response.headers[protocol.SIGNATURE_HEADER] = protocol.sign(
                    self.private_key, body)
        return response


def _pass_with(app, moment, http):  # noqa: ANN001, ANN202
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            client = _client()
            client.http = http
            return deliver(services.session(), client, now=moment, on_answer=_apply)
        finally:
            database.remove()


def _tax_code(app) -> str | None:  # noqa: ANN001
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            return database.session.scalar(select(Household.tax_code))
        finally:
            database.remove()


def test_a_malformed_tax_code_from_the_tax_system_is_refused_and_backs_off(
        motcua_app, motcua_flow, simulator, registration_data):
    dossier = motcua_flow.take_in("1.001612", specialist_data=registration_data)
    motcua_flow.finish(dossier.code)
    simulator.start()
    wrong = RewritingTaxSystem(simulator.private_key, lambda answer: {**answer,
                                                                      "tax_code": "12AB"})
    start = exchanges.now()
    result = _pass_with(motcua_app, start, wrong)
    assert (result.sent, result.answered, result.failed) == (1, 0, 1), result
    exchange = _exchange(motcua_app)
    assert exchange.status == "waiting" and exchange.answer is None
    assert "tax code has 10 or 13 digits" in exchange.last_error
    assert _tax_code(motcua_app) is None
    # Not asked again on every pass: the row backs off an hour.
    again = _pass_with(motcua_app, start + timedelta(minutes=10), wrong)
    assert (again.answered, again.failed, wrong.fetches) == (0, 0, 1)
    # The tax system corrected its answer: applied after the back-off.
    fixed = _pass(motcua_app, start + timedelta(hours=1, seconds=1))
    assert fixed.answered == 1, fixed
    exchange = _exchange(motcua_app)
    assert (exchange.status, exchange.last_error) == ("answered", None)
    assert _tax_code(motcua_app) == "001085012345"


def test_a_notice_from_the_tax_system_does_not_answer_a_business_message(
        motcua_app, motcua_flow, simulator, registration_data):
    dossier = motcua_flow.take_in("1.001612", specialist_data=registration_data)
    motcua_flow.finish(dossier.code)
    simulator.start()

    def as_notice(answer: dict) -> dict:
        kept = {key: answer[key] for key in ("message_id", "tax_office", "answered_at")}
        return {**kept, "outcome": "notice", "notice_number": "TB-1", "pay_by": "2026-12-31",
                "items": [{"name": "Lệ phí trước bạ", "amount": 1000}]}

    result = _pass_with(motcua_app, exchanges.now(), RewritingTaxSystem(
        simulator.private_key, as_notice))
    assert (result.answered, result.failed) == (0, 1)
    exchange = _exchange(motcua_app)
    assert exchange.status == "waiting" and exchange.answer is None
    assert "notice_number" in exchange.last_error
    assert _tax_code(motcua_app) is None


def _deliver_command(app):  # noqa: ANN001, ANN202
    from click.testing import CliRunner
    from motcua_tax_interconnection.cli import deliver_command

    with app.app_context():
        try:
            return CliRunner().invoke(deliver_command, [])
        finally:
            app.extensions["motcua.db"].remove()


def test_the_deliver_command_reports_a_down_system_then_delivers(
        motcua_app, motcua_flow, simulator, registration_data):
    dossier = motcua_flow.take_in("1.001612", specialist_data=registration_data)
    motcua_flow.finish(dossier.code)
    down = _deliver_command(motcua_app)
    assert down.exit_code == 0, down.output
    assert "sent 0, duplicates 0, failed 1, answers applied 0" in down.output
    assert "connection error" in down.output
    # An operator waiting out the back-off: the message is due again.
    database = motcua_app.extensions["motcua.db"]
    with motcua_app.app_context():
        database.session.scalar(select(Exchange)).next_attempt_at = exchanges.now()
        database.session.commit()
        database.remove()
    simulator.start()
    up = _deliver_command(motcua_app)
    assert up.exit_code == 0, up.output
    assert "sent 1, duplicates 0, failed 0, answers applied 1" in up.output
    assert _tax_code(motcua_app) == "001085012345"


def test_a_stuck_message_shows_on_the_dossiers_tax_page(motcua_app, motcua_flow, simulator,
                                                        registration_data):
    from motcua_sdk.testing import Clients

    dossier = motcua_flow.take_in("1.001612", specialist_data=registration_data)
    motcua_flow.finish(dossier.code)
    _pass(motcua_app, exchanges.now())  # the tax system is down
    exchange = _exchange(motcua_app)
    page = Clients(motcua_app).leader.get(f"/tax/dossiers/{dossier.code}").get_data(
        as_text=True)
    row = page[page.index(f'data-message="{exchange.message_id}"'):]
    assert '<td class="attempts">1</td>' in row[:600]
    assert "connection error" in row[:1200]
    figures = Clients(motcua_app).leader.get("/tax/figures").get_data(as_text=True)
    assert f'data-message="{exchange.message_id}"' in figures
