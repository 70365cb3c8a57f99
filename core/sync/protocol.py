"""The wire format of sync/v1 and its validation (fast: a batch holds hundreds of entries).

A batch body is one JSON object, signed as sent (see :mod:`.signing`)::

    {"protocol": 1, "node": "N1", "sequence": 7, "sealed_at": "...",
     "backlog": 0, "oldest_pending_at": null, "entries": [ENTRY, ...]}

Each entry carries one change to one dossier: ``dossier.event`` (an event and the dossier
snapshot right after it), ``dossier.resync`` (the whole dossier and all its events, sent
by reconciliation to repair the hub) or ``dossier.retract`` (the hub holds a dossier the
node does not). ``docs/sync.md`` and the OpenAPI document describe every field.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from motcua.core.config import SYNC_BATCH_SIZE_MAX
from motcua.core.errors import ValidationError
from motcua.core.models import CHANNELS, STATUSES

PROTOCOL_VERSION = 1
TOPIC_EVENT = "dossier.event"
TOPIC_RESYNC = "dossier.resync"
TOPIC_RETRACT = "dossier.retract"
TOPICS = (TOPIC_EVENT, TOPIC_RESYNC, TOPIC_RETRACT)
MAX_ENTRIES = SYNC_BATCH_SIZE_MAX  # entries per batch; nodes are configured below it
BACKLOG_COUNT_CAP = 10_000  # a batch's reported backlog is counted up to this
NODE_HEADER = "X-Motcua-Node"
SIGNATURE_HEADER = "X-Motcua-Signature"


class MalformedBatch(ValidationError):
    """The body is not a valid sync/v1 document (HTTP 422; nothing applied)."""

    status_code = 422


def _fail(path: str, message: str) -> None:
    raise MalformedBatch(f"{path}: {message}", field=path)


def _need(obj: dict, key: str, kind: type | tuple, path: str, *, nullable: bool = False) -> Any:
    if key not in obj:
        _fail(f"{path}.{key}", "missing")
    value = obj[key]
    if value is None and nullable:
        return None
    # bool is an int in Python; a sequence number must not be ``true``.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        _fail(f"{path}.{key}", f"must be {_kind_name(kind)}")
    return value


def _kind_name(kind: type | tuple) -> str:
    names = {str: "a string", int: "an integer", dict: "an object", list: "an array",
             bool: "a boolean"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def parse_instant(value: Any, path: str, *, nullable: bool = False) -> datetime | None:
    """An ISO 8601 instant with its offset (naive times are refused: whose clock?)."""
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        _fail(path, "must be an ISO 8601 date-time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _fail(path, f"{value[:40]!r} is not an ISO 8601 date-time")
    if moment.tzinfo is None:
        _fail(path, "needs a UTC offset")
    return moment


def validate_snapshot(snapshot: Any, path: str) -> None:
    """The dossier part of an entry."""
    if not isinstance(snapshot, dict):
        _fail(path, "must be an object")
    code = _need(snapshot, "code", str, path)
    if not code or len(code) > 60:
        _fail(f"{path}.code", "must be 1 to 60 characters")
    unit = _need(snapshot, "unit_code", str, path)
    if not unit or len(unit) > 40:
        _fail(f"{path}.unit_code", "must be 1 to 40 characters")
    status = _need(snapshot, "status", str, path)
    if status not in STATUSES:
        _fail(f"{path}.status", f"unknown status {status[:30]!r}")
    name = _need(snapshot, "applicant_name", str, path)
    if len(name) > 160:
        _fail(f"{path}.applicant_name", "longer than 160 characters")
    _need(snapshot, "version", int, path)
    parse_instant(snapshot.get("received_at"), f"{path}.received_at")
    for key in ("due_at", "finished_at", "returned_at", "original_due_at"):
        parse_instant(snapshot.get(key), f"{path}.{key}", nullable=True)
    for key, longest in (("procedure_code", 40), ("holder_unit_code", 40),
                         ("holder_account", 160), ("channel", 20)):
        value = snapshot.get(key)
        if value is not None and not isinstance(value, str):
            _fail(f"{path}.{key}", "must be a string or null")
        if value is not None and len(value) > longest:
            _fail(f"{path}.{key}", f"longer than {longest} characters")
    channel = snapshot.get("channel")
    if channel is not None and channel not in CHANNELS:
        _fail(f"{path}.channel", f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")


def validate_event(event: Any, path: str) -> None:
    """One event of an entry."""
    if not isinstance(event, dict):
        _fail(path, "must be an object")
    sequence = _need(event, "sequence", int, path)
    if sequence < 1:
        _fail(f"{path}.sequence", "must be at least 1")
    kind = _need(event, "kind", str, path)
    if not kind or len(kind) > 40:
        _fail(f"{path}.kind", "must be 1 to 40 characters")
    parse_instant(event.get("at"), f"{path}.at")
    data = event.get("data", {})
    if data is not None and not isinstance(data, dict):
        _fail(f"{path}.data", "must be an object")


def validate_entry(entry: Any, path: str) -> None:
    if not isinstance(entry, dict):
        _fail(path, "must be an object")
    _need(entry, "id", int, path)
    parse_instant(entry.get("created_at"), f"{path}.created_at", nullable=True)
    topic = _need(entry, "topic", str, path)
    if topic not in TOPICS:
        _fail(f"{path}.topic", f"unknown topic {topic[:40]!r} (one of {', '.join(TOPICS)})")
    if topic == TOPIC_RETRACT:
        dossier = _need(entry, "dossier", dict, path)
        _need(dossier, "code", str, f"{path}.dossier")
        _need(dossier, "unit_code", str, f"{path}.dossier")
        return
    validate_snapshot(entry.get("dossier"), f"{path}.dossier")
    if topic == TOPIC_EVENT:
        validate_event(entry.get("event"), f"{path}.event")
    else:
        events = _need(entry, "events", list, path)
        for index, event in enumerate(events):
            validate_event(event, f"{path}.events[{index}]")
    for key in ("details", "plugins", "package"):
        value = entry.get(key)
        if value is not None and not isinstance(value, dict):
            _fail(f"{path}.{key}", "must be an object")


def past_instants(body: dict) -> Iterator[tuple[str, str]]:
    """Every instant of a validated batch that records something already done (path,
    value): when it was sealed, written, received, finished, returned, and each event.
    Deadlines (``due_at``) lie ahead by nature and are not among them."""
    yield "sealed_at", body.get("sealed_at")
    for index, entry in enumerate(body["entries"]):
        path = f"entries[{index}]"
        yield f"{path}.created_at", entry.get("created_at")
        if entry["topic"] == TOPIC_RETRACT:
            continue
        for key in ("received_at", "finished_at", "returned_at"):
            yield f"{path}.dossier.{key}", entry["dossier"].get(key)
        if entry["topic"] == TOPIC_EVENT:
            yield f"{path}.event.at", entry["event"]["at"]
        else:
            for number, event in enumerate(entry["events"]):
                yield f"{path}.events[{number}].at", event["at"]


def validate_batch(body: Any) -> dict:
    """Check a decoded batch body; :class:`MalformedBatch` names the first bad field."""
    if not isinstance(body, dict):
        _fail("batch", "must be a JSON object")
    if body.get("protocol") != PROTOCOL_VERSION:
        _fail("protocol", f"must be {PROTOCOL_VERSION}")
    node = _need(body, "node", str, "batch")
    if not node:
        _fail("node", "must not be empty")
    sequence = _need(body, "sequence", int, "batch")
    if sequence < 1:
        _fail("sequence", "must be at least 1")
    sender = body.get("sender", 0)
    if not isinstance(sender, int) or isinstance(sender, bool) or sender < 0:
        _fail("sender", "must be a non-negative integer (the sender's fencing token)")
    backlog = body.get("backlog", 0)
    if not isinstance(backlog, int) or isinstance(backlog, bool) or backlog < 0:
        _fail("backlog", "must be a non-negative integer")
    parse_instant(body.get("oldest_pending_at"), "oldest_pending_at", nullable=True)
    parse_instant(body.get("sealed_at"), "sealed_at", nullable=True)
    entries = _need(body, "entries", list, "batch")
    if len(entries) > MAX_ENTRIES:
        _fail("entries", f"at most {MAX_ENTRIES} entries per batch")
    for index, entry in enumerate(entries):
        validate_entry(entry, f"entries[{index}]")
    return body
