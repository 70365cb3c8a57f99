"""The generic HTTP JSON gateway against a real HTTP provider, and the worker commands."""

from __future__ import annotations

import pytest
import requests
from flask import Flask, jsonify, request
from sqlalchemy import select

from motcua.core.models import SmsMessage
from motcua.sms.cli import sms_group
from motcua.sms.gateways import HttpJsonGateway, callback_url
from motcua.sms.queue import send_pass
from tests.browser import serve
from tests.test_sms_queue import messages, receive


@pytest.fixture
def provider():
    """A small SMS provider: records what it gets, answers as told by ``mode``."""
    fake = Flask("provider")
    fake.config.update(mode="ok", got=[])

    @fake.post("/send")
    def send():
        if request.headers.get("Authorization") != "Bearer tok":
            return jsonify({"error": "auth"}), 401
        fake.config["got"].append(request.get_json())
        mode = fake.config["mode"]
        if mode == "down":
            return jsonify({"error": "busy"}), 503
        if mode == "refuse":
            return jsonify({"error": "bad number"}), 400
        return jsonify({"id": f"p-{len(fake.config['got'])}"})

    with serve(fake) as url:
        yield fake, url


def test_http_gateway_sends_json_and_its_report_marks_delivered(app, db, world, provider):
    fake, url = provider
    app.config.update(SMS_HTTP_URL=f"{url}/send", SMS_HTTP_TOKEN="tok",
                      SMS_PUBLIC_URL="https://motcua.example")
    dossier = receive(app, db, world)
    with app.app_context():
        result = send_pass(db.session, HttpJsonGateway())
    assert result.sent == 1
    [payload] = fake.config["got"]
    assert payload["to"] == "+84912345678" and dossier.code in payload["text"]
    assert payload["callback_url"] == "https://motcua.example/sms/dlr"
    [message] = messages(db)
    assert (message.gateway, message.gateway_message_id) == ("http", "p-1")
    report = app.test_client().post("/sms/dlr", json={"id": "p-1", "status": "delivered"})
    assert report.status_code == 200
    assert messages(db)[0].status == "delivered"


def test_http_gateway_reports_are_accepted_with_the_secret_set(app, db, world, provider):
    fake, url = provider
    app.config.update(SMS_HTTP_URL=f"{url}/send", SMS_HTTP_TOKEN="tok",
                      SMS_SECRET="s3cret&=?")
    receive(app, db, world)
    with serve(app) as app_url:
        app.config["SMS_PUBLIC_URL"] = app_url
        with app.app_context():
            assert send_pass(db.session, HttpJsonGateway()).sent == 1
        [payload] = fake.config["got"]
        # The provider calls back exactly the URL it was given, over real HTTP.
        report = requests.post(payload["callback_url"], json={"id": "p-1",
                                                              "status": "delivered"},
                               timeout=10)
        without_secret = requests.post(f"{app_url}/sms/dlr", json={"id": "p-1",
                                                                   "status": "failed"},
                                       timeout=10)
    assert report.status_code == 200
    assert without_secret.status_code == 403
    assert messages(db)[0].status == "delivered"


@pytest.mark.parametrize(("mode", "status"), [("down", "queued"), ("refuse", "failed")])
def test_http_gateway_down_retries_refusal_fails(app, db, world, provider, mode, status):
    fake, url = provider
    fake.config["mode"] = mode
    app.config.update(SMS_HTTP_URL=f"{url}/send", SMS_HTTP_TOKEN="tok")
    receive(app, db, world)
    with app.app_context():
        send_pass(db.session, HttpJsonGateway())
    [message] = messages(db)
    assert message.status == status and message.last_error


def test_wrong_token_is_retried_not_dropped(app, db, world, provider):
    _fake, url = provider
    app.config.update(SMS_HTTP_URL=f"{url}/send", SMS_HTTP_TOKEN="wrong")
    receive(app, db, world)
    with app.app_context():
        send_pass(db.session, HttpJsonGateway())
    assert messages(db)[0].status == "queued"


def test_send_command_sends_through_the_configured_gateway(app, db, world):
    receive(app, db, world)
    app.config["SMS_GATEWAY"] = "console"
    runner = app.test_cli_runner()
    first = runner.invoke(sms_group, ["send"])
    second = runner.invoke(sms_group, ["send"])
    assert first.exit_code == 0, first.output
    assert "1 sent, 0 to retry, 0 failed." in first.output
    assert "0 sent" in second.output
    with app.app_context():
        assert [m.status for m in db.session.scalars(select(SmsMessage))] == ["sent"]


def test_send_command_refuses_bad_options_and_unknown_gateways(app, db, world):
    runner = app.test_cli_runner()
    assert runner.invoke(sms_group, ["send", "--limit", "0"]).exit_code != 0
    app.config["SMS_GATEWAY"] = "pigeon"
    result = runner.invoke(sms_group, ["send"])
    assert result.exit_code != 0
    assert "MOTCUA_SMS_GATEWAY" in str(result.exception) + result.output


def test_report_address_without_any_public_url_is_the_served_one_or_the_dev_server(sqlite_app):
    sqlite_app.config["MOTCUA"].public_base_url = ""
    sqlite_app.config["SMS_PUBLIC_URL"] = ""
    with sqlite_app.test_request_context("/", base_url="http://10.0.0.5:8080/"):
        assert callback_url() == "http://10.0.0.5:8080/sms/dlr"
    # The queue worker has no request: the development server's address, as before.
    with sqlite_app.app_context():
        assert callback_url() == "http://127.0.0.1:5000/sms/dlr"
