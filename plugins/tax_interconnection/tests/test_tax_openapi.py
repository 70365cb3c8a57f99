"""``openapi.json`` describes what really travels: the simulator's answers and the
messages the adapter builds from real exchanges validate against its schemas, and a
malformed answer does not."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from motcua_tax_interconnection.adapter import message_of
from motcua_tax_interconnection.models import Exchange
from motcua_tax_interconnection.simulator import SPEC, make_answer
from openapi_schema_validator import OAS30Validator
from tax_land_plugin import LAND_TRANSFER
from test_tax_flow import SLIP, _registered, _rows

COMPONENTS = json.loads(SPEC.read_text(encoding="utf-8"))["components"]
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def errors(schema: str, instance: dict) -> list[str]:
    """Why ``instance`` does not fit ``#/components/schemas/<schema>`` (empty: it fits)."""
    validator = OAS30Validator({"$ref": f"#/components/schemas/{schema}",
                                "components": COMPONENTS},
                               format_checker=OAS30Validator.FORMAT_CHECKER)
    return [error.message for error in validator.iter_errors(instance)]


def _message(kind: str, payload: dict) -> dict:
    return {"message_id": str(uuid.uuid4()), "kind": kind, "dossier_code": "H99.01-1",
            "payload": payload}


@pytest.mark.parametrize(("kind", "payload", "outcome"), [
    ("business", {"owner": {"citizen_id": "001085012345"}}, "tax_code"),
    ("business", {"owner": {"citizen_id": None}}, "query"),
    ("land", {"price": 2_400_000_000}, "notice"),
    ("land", {}, "query"),
])
def test_the_simulators_answers_fit_the_spec(kind, payload, outcome):
    answer = make_answer(_message(kind, payload), 7, NOW)
    assert answer["outcome"] == outcome
    assert errors("Answer", answer) == []


def test_a_malformed_tax_code_does_not_fit_the_spec():
    answer = make_answer(_message("business", {"owner": {"citizen_id": "001085012345"}}),
                         1, NOW)
    assert errors("Answer", {**answer, "tax_code": "12AB"})
    assert errors("Answer", {**answer, "outcome": "notice"})


def test_the_adapters_messages_fit_the_spec(motcua_app, motcua_flow, motcua_clients,
                                            registration_data):
    code = _registered(motcua_flow, registration_data)
    [first] = _rows(motcua_app, Exchange, Exchange.dossier_code == code)
    # A query back and the registration office's reply (a message with reply fields).
    motcua_clients.tax_officer.post(f"/tax/exchanges/{first.id}", data={
        "outcome": "query", "question": "Đề nghị bổ sung số điện thoại của chủ hộ."})
    assert motcua_clients.leader.post(f"/tax/dossiers/{code}", data={
        "reply": "Số điện thoại của chủ hộ: 0912 345 678."}).status_code == 302
    # A change of the household, and a land slip.
    change = motcua_flow.take_in("2.000720", specialist_data={
        "registration_number": "99A8000001", "capital": 300_000_000,
        "reason": "Mở rộng quy mô"})
    motcua_flow.finish(change.code)
    land = motcua_flow.take_in(LAND_TRANSFER).code
    motcua_flow.act(land, "claim", "specialist")
    assert motcua_clients.specialist.post(f"/tax/land/{land}", data={
        **SLIP, "step": "send_slip"}).status_code == 302

    rows = _rows(motcua_app, Exchange)
    assert [row.kind for row in rows] == ["business", "business", "business", "land"]
    assert "reply" in rows[1].payload and rows[2].payload["purpose"] == "change"
    for row in rows:
        message = message_of(row, NOW)
        assert errors("Message", message) == [], (row.kind, row.payload)
        payload_schema = "BusinessPayload" if row.kind == "business" else "LandPayload"
        assert errors(payload_schema, message["payload"]) == []
    # The other kind's payload does not pass for this one.
    assert errors("LandPayload", rows[0].payload)
