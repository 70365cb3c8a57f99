"""How a node reaches its hub: over HTTP (a node) or inside the same database (standalone).

HTTP uses ``requests``: synchronous like the worker loop, with connection pooling through
one ``Session`` and separate connect/read timeouts; the sync worker sends one batch at a
time (batches of a node must arrive in order), so an async client would buy nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import requests

from motcua.core.db import Database
from motcua.core.errors import MotcuaError
from motcua.core.models import SyncBatch
from motcua.core.sync import hub, signing
from motcua.core.sync.protocol import NODE_HEADER, SIGNATURE_HEADER

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60


class TransportError(MotcuaError):
    """The hub could not be reached or failed (5xx): try again later."""

    status_code = 503


class HubRefused(MotcuaError):
    """The hub answered 4xx: retrying the same request will not help until someone acts."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"the hub refused (HTTP {status}): {body.get('error', body)}")
        self.status = status
        self.body = body


class HttpHub:
    """A remote hub at ``base_url``, requests signed with the node's key."""

    def __init__(self, base_url: str, node_id: str, private_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.node_id = node_id
        self.key = signing.load_private_key(private_key)
        self.http = requests.Session()
        self.timeout = (CONNECT_TIMEOUT, READ_TIMEOUT)  # seconds: connect, read

    def _post(self, path: str, body: bytes, signature: str) -> dict:
        try:
            response = self.http.post(
                f"{self.base_url}{path}", data=body,
                headers={"Content-Type": "application/json", NODE_HEADER: self.node_id,
                         SIGNATURE_HEADER: signature},
                timeout=self.timeout)
        except requests.RequestException as error:
            raise TransportError(f"hub unreachable: {error}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = {"error": response.text[:300]}
        if response.status_code >= 500:
            raise TransportError(f"hub error HTTP {response.status_code}: "
                                 f"{answer.get('error', '')}")
        if response.status_code >= 400:
            raise HubRefused(response.status_code, answer)
        return answer

    def push(self, batch: SyncBatch) -> dict:
        """Send a sealed batch exactly as signed."""
        return self._post("/sync/v1/batches", batch.body.encode("utf-8"), batch.signature)

    def query(self, name: str, payload: dict | None = None) -> dict:
        """A signed query (``hello``, ``reconcile``, ``fingerprints``, ``inbox``, ``inbox/ack``)."""
        body = signing.canonical_json({**(payload or {}), "node": self.node_id,
                                       "at": datetime.now(UTC).isoformat()})
        return self._post(f"/sync/v1/{name}", body, signing.sign(self.key, body))

    def close(self) -> None:
        self.http.close()


class LocalHub:
    """The hub read model in the node's own database (standalone): same calls, no network."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.node_id = hub.LOCAL_NODE

    def push(self, batch: SyncBatch) -> dict:
        with self.database.write_session() as session:
            node = hub.local_node(session)
            try:
                return hub.apply_batch(session, node, json.loads(batch.body),
                                       hashlib.sha256(batch.body.encode("utf-8")).hexdigest())
            except MotcuaError as error:
                raise HubRefused(error.status_code, hub.refusal_body(error)) from None

    def query(self, name: str, payload: dict | None = None) -> dict:
        from motcua.core.sync.queries import answer

        with self.database.write_session() as session:
            return answer(session, hub.local_node(session), name, payload or {})

    def close(self) -> None:
        pass
