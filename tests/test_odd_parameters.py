"""No odd value in a URL makes the server fail: every route of the URL map (web, API, sync,
plugins) gets odd values in each path parameter and in each query parameter its view reads,
on SQLite and PostgreSQL; the answer is a 4xx (JSON on the APIs) or a normal page, never
a 5xx. Which query parameters a view reads is observed, not listed by hand, so a new
parameter is probed the day it is added."""

from __future__ import annotations

import base64
from urllib.parse import quote

from sqlalchemy import select

from motcua.core.models import Attachment
from motcua.core.web.error_handlers import JSON_PATHS
from motcua.core.web.numbers import BoundedArgs, BoundedRequest
from tests.conftest import login
from tests.factories import intake_data

ODD = ("0", "-1", "2147483648", "9223372036854775808", "1" + "0" * 30, "1e400", "nan",
       "0001-01-01", "9999-12-31", "0000", "2026-02-30", "0000-00", "9999-99", "x" * 2000,
       "%", "ý")
PDF = b"%PDF-1.4\n" + b"x" * 200
# Endpoints left out: files on disk, and logout (it would end the probing session).
SKIPPED = {"auth.logout"}
_read: set[str] = set()


class _RecordingArgs(BoundedArgs):
    """Query parameters that note every name a view asks for."""

    def __getitem__(self, key):  # noqa: ANN001, ANN204
        _read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):  # noqa: ANN001, ANN201, A002
        _read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:  # noqa: ANN001
        _read.add(key)
        return super().__contains__(key)


class _RecordingRequest(BoundedRequest):
    parameter_storage_class = _RecordingArgs


def _dossier_with_attachment(app, client, world) -> tuple[str, str]:  # noqa: ANN001
    body = intake_data(world, attachments=[{
        "filename": "don.pdf", "content_type": "application/pdf",
        "data_base64": base64.b64encode(PDF).decode()}])
    created = client.post("/api/v1/dossiers", json=body)
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    with app.app_context():
        database = app.extensions["motcua.db"]
        attachment_id = database.session.scalar(select(Attachment.id))
        database.remove()
    return code, str(attachment_id)


def _url(rule, values: dict[str, str]) -> str:  # noqa: ANN001
    """The rule's path with each <converter:name> or <name> replaced by its value."""
    parts, url = [], rule.rule
    while "<" in url:
        before, _, rest = url.partition("<")
        spec, _, url = rest.partition(">")
        parts.append(before + values[spec.rpartition(":")[2]])
    return "".join(parts) + url


def _verdict(client, method: str, url: str, query: dict | None = None) -> str | None:  # noqa: ANN001
    """What went wrong with this request, or None."""
    try:
        response = client.open(url, method=method, query_string=query)
    except Exception as error:  # noqa: BLE001 - TESTING propagates what would be a 500
        return f"{type(error).__name__}: {str(error)[:120]}"
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    if response.status_code >= 400 and url.startswith(JSON_PATHS) and not response.is_json:
        return f"HTTP {response.status_code} not JSON"
    return None


def test_odd_path_and_query_values_never_answer_5xx(configured_app):
    # The core's routes: the plugins' tables are made by their own test kit.
    app, world = configured_app(plugins=())
    app.request_class = _RecordingRequest
    client = login(app.test_client(), world.accounts["ict_admin"].username)
    code, attachment_id = _dossier_with_attachment(
        app, login(app.test_client(), world.accounts["reception"].username), world)
    real = {"code": code, "attachment_id": attachment_id,
            "procedure_code": world.household_business.code, "filename": "x.css"}
    failures = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED or rule.endpoint.endswith("static"):
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for value in ODD if rule.arguments else ():
            url = _url(rule, {name: quote(value, safe="") for name in rule.arguments})
            failures += [(method, url, problem) for method in methods
                         if (problem := _verdict(client, method, url))]
        if "GET" not in methods:
            continue
        url = _url(rule, {name: real.get(name, "1") for name in rule.arguments})
        _read.clear()
        _verdict(client, "GET", url)
        probed, waiting = set(), set(_read)
        while waiting:  # a view may read more parameters once one is given
            name = waiting.pop()
            probed.add(name)
            for value in ODD:
                _read.clear()
                if problem := _verdict(client, "GET", url, {name: value}):
                    failures.append(("GET", f"{url}?{name}={value[:20]}", problem))
                waiting |= _read - probed
    assert not failures, "\n".join(" ".join(failure) for failure in failures)
