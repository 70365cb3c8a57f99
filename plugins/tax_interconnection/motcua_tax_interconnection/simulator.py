"""A tax-office simulator speaking the protocol of ``openapi.json``, run as its own process.

    python -m motcua_tax_interconnection.simulator --port 8765 --db tax.sqlite3 \\
        --key-file tax.key --partner-key=<motcua's public key> [--answer-delay 5]

It stands in for the tax authority's system in tests and demonstrations: it checks the
signature of every message, keeps each ``message_id`` once (a second delivery is answered
``duplicate``), and answers like a tax office would: a household business gets its
owner's personal identification number as tax code (since 1 July 2025, Circular
86/2024/TT-BTC), a land transaction gets a notice of registration fee and personal income
tax. Its state lives in an SQLite file, so it survives being killed and restarted.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request

from .protocol import (
    SENDER_HEADER,
    SIGNATURE_HEADER,
    canonical,
    public_key_of,
    sign,
    unb64,
    verify,
)

SPEC = Path(__file__).with_name("openapi.json")
TAX_OFFICE = "Chi cục Thuế khu vực (mô phỏng)"
SENDER_ID = "tax-office-simulator"
# Registration fee (lệ phí trước bạ, Decree 10/2022/NĐ-CP: 0.5 %) and personal income tax
# on the transfer of real estate (Law on PIT: 2 % of the transfer price).
LAND_ITEMS = (("Lệ phí trước bạ", Decimal("0.005")),
              ("Thuế thu nhập cá nhân", Decimal("0.02")))
PAY_DAYS = 30
CITIZEN_ID = re.compile(r"[0-9]{12}")
KINDS = ("business", "land")

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    sender TEXT NOT NULL,
    kind TEXT NOT NULL,
    dossier_code TEXT NOT NULL,
    content TEXT NOT NULL,
    received_at TEXT NOT NULL,
    answer_ready REAL NOT NULL,
    answer TEXT
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO counters (name, value) VALUES ('received', 0), ('duplicates', 0);
"""


def _connect(db: str) -> sqlite3.Connection:
    # One connection per request (threaded server); the timeout lets concurrent requests
    # wait for each other's write instead of failing with "database is locked".
    connection = sqlite3.connect(db, timeout=30, isolation_level=None)
    connection.row_factory = sqlite3.Row
    return connection


def init_db(db: str) -> None:
    """Create the simulator's tables if they do not exist."""
    with closing(_connect(db)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)


def _amount(value: Decimal) -> int:
    """Đồng have no subunit: round half up to a whole đồng."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def make_answer(message: dict[str, Any], seq: int, answered_at: datetime) -> dict[str, Any]:
    """The tax office's answer to a (valid) message; ``seq`` numbers land notices."""
    payload = message["payload"]
    answer: dict[str, Any] = {"message_id": message["message_id"], "kind": message["kind"],
                              "tax_office": TAX_OFFICE,
                              "answered_at": answered_at.isoformat()}
    if message["kind"] == "business":
        owner = payload.get("owner") if isinstance(payload.get("owner"), dict) else {}
        citizen_id = str(owner.get("citizen_id") or "").strip()
        if CITIZEN_ID.fullmatch(citizen_id):
            # Circular 86/2024/TT-BTC: from 1 July 2025 a household business's tax code is
            # its owner's personal identification number.
            answer.update(outcome="tax_code", tax_code=citizen_id)
        else:
            answer.update(outcome="query", question=(
                "Hồ sơ thiếu số định danh cá nhân (12 chữ số) của chủ hộ kinh doanh, "
                "dùng làm mã số thuế; đề nghị bổ sung."))
        return answer
    price = payload.get("price")
    if isinstance(price, bool) or not isinstance(price, int | float) or price <= 0:
        answer.update(outcome="query", question=(
            "Phiếu chuyển thông tin thiếu giá chuyển nhượng; đề nghị bổ sung để xác định "
            "nghĩa vụ tài chính."))
        return answer
    items = [{"name": name, "amount": _amount(Decimal(str(price)) * rate)}
             for name, rate in LAND_ITEMS]
    answer.update(outcome="notice", notice_number=f"TB-{seq}", items=items,
                  total=sum(item["amount"] for item in items),
                  pay_by=(answered_at.date() + timedelta(days=PAY_DAYS)).isoformat())
    return answer


def _problem(message: dict[str, Any]) -> str | None:
    """Why a message is malformed, or None."""
    if not isinstance(message, dict):
        return "the body is not a JSON object"
    try:
        if str(uuid.UUID(str(message.get("message_id")))) != message.get("message_id"):
            return "message_id is not a UUID in its canonical form"
    except ValueError:
        return "message_id is not a UUID"
    if message.get("kind") not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}"
    if not isinstance(message.get("dossier_code"), str) or not message["dossier_code"]:
        return "dossier_code is missing"
    if not isinstance(message.get("payload"), dict):
        return "payload is not an object"
    if not isinstance(message.get("sent_at"), str):
        return "sent_at is missing"
    return None


def _signed(value: dict[str, Any], private_key: str, status: int = 200) -> Response:
    body = canonical(value)
    return Response(body, status=status, mimetype="application/json",
                    headers={SENDER_HEADER: SENDER_ID,
                             SIGNATURE_HEADER: sign(private_key, body)})


def create_app(db: str, private_key: str, partner_key: str,
               answer_delay: float = 0.0) -> Flask:
    """The simulator's WSGI application on the SQLite file ``db``.

    ``private_key`` signs its answers; ``partner_key`` (motcua's public key) checks the
    messages; an answer becomes available ``answer_delay`` seconds after its message.
    """
    # Fail at start, not at the first message, on a key that is not one.
    public_key_of(private_key)
    if len(unb64(partner_key)) != 32:
        raise ValueError("the partner key is not an Ed25519 public key")
    init_db(db)
    app = Flask(__name__)
    app.json.ensure_ascii = False

    @app.post("/api/v1/messages")
    def receive() -> tuple[Response, int]:
        body = request.get_data()
        sender = request.headers.get(SENDER_HEADER, "").strip()
        if not sender or not verify(partner_key, body,
                                    request.headers.get(SIGNATURE_HEADER)):
            return jsonify(error="missing or bad signature"), 401
        try:
            message = json.loads(body)
        except ValueError:
            return jsonify(error="the body is not JSON"), 422
        problem = _problem(message)
        if problem:
            return jsonify(error=problem), 422
        # What must match for a re-delivery to be "the same message" (sent_at may differ).
        content = canonical({key: message[key]
                             for key in ("kind", "dossier_code", "payload")}).decode()
        received = datetime.now(UTC)
        with closing(_connect(db)) as connection:
            # BEGIN IMMEDIATE: the check and the insert are one step even between threads.
            connection.execute("BEGIN IMMEDIATE")
            try:
                row = connection.execute("SELECT content FROM messages WHERE message_id = ?",
                                         (message["message_id"],)).fetchone()
                if row is not None and row["content"] != content:
                    connection.execute("ROLLBACK")
                    return jsonify(error="message_id already used for another message"), 409
                connection.execute("UPDATE counters SET value = value + 1 "
                                   "WHERE name = 'received'")
                if row is not None:
                    connection.execute("UPDATE counters SET value = value + 1 "
                                       "WHERE name = 'duplicates'")
                    connection.execute("COMMIT")
                    return jsonify(status="duplicate", message_id=message["message_id"]), 200
                ready = received + timedelta(seconds=answer_delay)
                seq = connection.execute(
                    "INSERT INTO messages (message_id, sender, kind, dossier_code, content, "
                    "received_at, answer_ready) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (message["message_id"], sender, message["kind"], message["dossier_code"],
                     content, received.isoformat(), ready.timestamp())).lastrowid
                # Fixed at receipt so every later fetch returns the very same answer.
                answer = make_answer(message, seq, ready)
                connection.execute("UPDATE messages SET answer = ? WHERE seq = ?",
                                   (canonical(answer).decode(), seq))
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        return jsonify(status="accepted", message_id=message["message_id"]), 200

    @app.get("/api/v1/messages/<message_id>/answer")
    def answer(message_id: str) -> Response | tuple[Response, int]:
        with closing(_connect(db)) as connection:
            row = connection.execute("SELECT answer, answer_ready FROM messages "
                                     "WHERE message_id = ?", (message_id,)).fetchone()
        if row is None:
            return jsonify(error="no such message"), 404
        if row["answer"] is None or time.time() < row["answer_ready"]:
            return jsonify(error="not answered yet"), 404
        return _signed(json.loads(row["answer"]), private_key)

    @app.get("/api/v1/stats")
    def stats() -> Response:
        with closing(_connect(db)) as connection:
            counters = dict(connection.execute("SELECT name, value FROM counters").fetchall())
            unique = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        return jsonify(received=counters["received"], duplicates=counters["duplicates"],
                       unique=unique)

    @app.get("/openapi.json")
    def openapi() -> Response:
        return Response(SPEC.read_bytes(), mimetype="application/json")

    return app


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m motcua_tax_interconnection.simulator",
                                     description="A tax-office simulator for motcua.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True, help="SQLite file of the simulator's state")
    parser.add_argument("--key-file", required=True,
                        help="file holding the simulator's Ed25519 private key text")
    parser.add_argument("--partner-key", required=True,
                        help="motcua's Ed25519 public key text (checks the messages); "
                             "write --partner-key=KEY, as a key may begin with '-'")
    parser.add_argument("--answer-delay", type=float, default=0.0,
                        help="seconds between a message and its answer (default 0)")
    args = parser.parse_args(argv)
    private_key = Path(args.key_file).read_text(encoding="utf-8").strip()
    try:
        app = create_app(args.db, private_key, args.partner_key.strip(), args.answer_delay)
    except ValueError as error:
        print(f"simulator: {error}", file=sys.stderr)
        return 2
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
