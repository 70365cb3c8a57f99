"""The conformance suite's matching of personal data (whatever its spelling, without
false alarms on ordinary words), its watch for secrets in answers and logs, and its
clock moved for a plugin's modules."""

from __future__ import annotations

import json
import logging
import sys
import types
from datetime import UTC, date, datetime

import pytest
from flask import Flask, jsonify

from motcua.conformance.clock import clock_at
from motcua.conformance.leaks import LeakWatch, LogSearch, record_answers
from motcua.conformance.personal import leaked, national_number, needles
from motcua.core import timeutil

APPLICANT = needles(name="Nguyễn Văn An", phone="0912345678", citizen_id="001090001234",
                    email="phuclam.conformance@example.vn",
                    address="12 đường Số 1, phường Một",
                    organization="Công ty TNHH Phúc Lâm Thử Nghiệm")


@pytest.mark.parametrize(("text", "shown"), [
    ("NGUYỄN VĂN AN", ["name"]),
    ("Người nộp: nguyen-van-an", ["name"]),
    ("Văn An", ["name (without the family name)"]),
    ("+84 912 345 678", ["phone"]),
    ("84912345678", ["phone"]),
    ("0912.345.678", ["phone"]),
    ("091-234-5678", ["phone"]),
    ("001 090 001 234", ["citizen ID"]),
    ("PHUCLAM.CONFORMANCE@EXAMPLE.VN", ["e-mail"]),
    ("phuclam.conformance [at] example", ["e-mail (its name part)"]),
    ("12 Duong So 1", ["address (house and street)"]),
    ("Cong ty TNHH Phuc Lam Thu Nghiem", ["organisation"]),
    ("Nguyễn Văn An, 0912 345 678", ["name", "phone"]),
])
def test_personal_data_is_found_however_spelled(text, shown):
    assert leaked(text, APPLICANT) == shown


@pytest.mark.parametrize("text", [
    "Tạp hóa Bình An", "An toàn thực phẩm", "Annam", "phường Một", "Một cửa",
    "0987654321", "Hồ sơ H99.01.01-261208-0001: đang xử lý", "001190001234",
])
def test_ordinary_words_and_other_numbers_are_not_personal_data(text):
    assert leaked(text, APPLICANT) == []


def test_a_phone_is_read_in_its_three_forms():
    assert {national_number(p) for p in ("0912345678", "+84 912 345 678", "84912345678")} \
        == {"912345678"}


def test_the_clock_moves_for_a_plugins_modules_and_the_core_then_comes_back():
    plugin = types.ModuleType("motcua_clockdemo")
    exec("from datetime import date, datetime\nimport time\n"  # noqa: S102 - a test module
         "def today():\n    return date.today()\n"
         "def year():\n    from datetime import datetime as late\n    return late.now().year\n"
         "def seconds():\n    return time.time()\n", vars(plugin))
    sys.modules[plugin.__name__] = plugin
    try:
        moment = datetime(2031, 1, 1, 5, tzinfo=UTC)
        with clock_at(plugin.__name__, moment):
            assert plugin.today() == date(2031, 1, 1)
            assert plugin.year() == 2031
            assert abs(plugin.seconds() - moment.timestamp()) < 60
            assert timeutil.now() == moment
        assert plugin.today() == date.today()
        assert plugin.date is date and timeutil.now().year == datetime.now(UTC).year
    finally:
        del sys.modules[plugin.__name__]


def test_a_secret_is_found_in_answers_headers_and_logs_and_json_is_read_unescaped():
    watch = LeakWatch()
    watch.add_secret("s3cret-value-123", "the secret key")
    watch.add_secret("short", "too short to look for")
    app = Flask(__name__)
    app.add_url_rule("/tra-cuu/<code>", "lookup.show",
                     lambda code: jsonify({"name": "Nguyễn Văn An"}))
    app.add_url_rule("/debug", "debug", lambda: ("ok", 200, {"X-Build": "s3cret-value-123"}))
    record_answers(watch, app, "node")
    client = app.test_client()
    assert json.loads(client.get("/tra-cuu/X1").get_data())["name"] == "Nguyễn Văn An"
    client.get("/debug")
    assert watch.answers_seen == 2
    assert watch.findings == ["node: GET /debug: a response header shows the secret key"]
    assert leaked(watch.public_pages[0].text, APPLICANT) == ["name"]

    handler = LogSearch(watch)
    logger = logging.getLogger("motcua_leaky_plugin")
    logger.addHandler(handler)
    try:
        logger.warning("environment %s", {"KEY": "s3cret-value-123"})
    finally:
        logger.removeHandler(handler)
    assert watch.findings[-1].startswith("log record of motcua_leaky_plugin (WARNING)")
