"""The hub's answers to a node's signed queries (shared by the HTTP API and standalone)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from motcua.core.db import begin_write
from motcua.core.errors import NotFound, ValidationError
from motcua.core.models import SyncNode
from motcua.core.sync import digests, hub, restore
from motcua.core.timeutil import now

QUERIES = ("hello", "reconcile", "fingerprints", "inbox", "inbox/ack", "restore/copies")


def _day(value: object, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{field}: {str(value)[:20]!r} is not a date (YYYY-MM-DD).",
                              field=field) from None


def _node_digests(body: dict) -> dict:
    items = body.get("digests")
    if not isinstance(items, list):
        raise ValidationError("digests: must be an array.", field="digests")
    result = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) for k in ("unit", "day", "digest")) or not (
                isinstance(item.get("count"), int)):
            raise ValidationError(f"digests[{index}]: needs unit, day, count and digest.",
                                  field=f"digests[{index}]")
        _day(item["day"], f"digests[{index}].day")
        result[(item["unit"], item["day"])] = {"count": item["count"], "digest": item["digest"]}
    return result


def answer(session: Session, node: SyncNode, name: str, body: dict) -> dict:
    """Answer query ``name`` for ``node``; the caller commits."""
    if name == "hello":
        return hub.hello(session, node)
    if name == "reconcile":
        since = _day(body.get("since"), "since")
        mine = digests.digests(digests.hub_fingerprints(session, node.node_id, since=since))
        differences = digests.compare(_node_digests(body), mine)
        begin_write(session)
        node.last_reconcile_at = now()
        node.divergences = differences
        return {"differences": differences, "compared": len(mine)}
    if name == "fingerprints":
        unit, day = body.get("unit"), _day(body.get("day"), "day")
        if not isinstance(unit, str) or day is None:
            raise ValidationError("Give unit and day.", field="unit")
        found = digests.hub_fingerprints(session, node.node_id,
                                         unit_day=(unit, day.isoformat()))
        return {"unit": unit, "day": day.isoformat(),
                "fingerprints": found.get((unit, day.isoformat()), {})}
    if name == "inbox":
        return {"handoffs": hub.inbox(session, node)}
    if name == "inbox/ack":
        ids = body.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise ValidationError("ids: must be an array of integers.", field="ids")
        return {"acknowledged": hub.acknowledge_handoffs(session, node, ids)}
    if name == "restore/copies":
        return {"copies": restore.hub_copies(session, node, body.get("codes"))}
    raise NotFound(f"No sync query {name!r}.")
