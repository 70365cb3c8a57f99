"""The OpenAPI 3 document of sync/v1, so another vendor's one-stop system can push too."""

from __future__ import annotations

from motcua.core.api import conventions
from motcua.core.models import CHANNELS, STATUSES
from motcua.core.sync.protocol import MAX_ENTRIES, NODE_HEADER, SIGNATURE_HEADER, TOPICS
from motcua.core.sync.read_model import MAX_PUBLIC_FIELDS, MAX_VALUE_LENGTH

_INSTANT = {"type": "string", "format": "date-time",
            "description": "ISO 8601 with a UTC offset."}
_NULL_INSTANT = {**_INSTANT, "nullable": True}
_NULL_STRING = {"type": "string", "nullable": True}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string", "description": "What is wrong, for a person."},
        "field": {"type": "string", "description": "Path of the offending field."},
        "expected_sequence": {"type": "integer",
                              "description": "On a gap: the batch the hub expects next."},
        "sender_token": {"type": "integer",
                         "description": "On a replaced sender: the hub's fencing token."}}},
    "Snapshot": {"type": "object", "description": "The dossier right after the change.",
                 "required": ["code", "unit_code", "status", "applicant_name", "received_at",
                              "version"],
                 "properties": {
                     "code": {"type": "string", "maxLength": 60},
                     "unit_code": {"type": "string", "maxLength": 40,
                                   "description": "Receiving unit; must be the node's, "
                                                  "unless the hub handed the dossier over."},
                     "procedure_code": {**_NULL_STRING, "maxLength": 40,
                                        "description": "The province's procedure code; "
                                                       "the hub's reports count by it."},
                     "channel": {**_NULL_STRING, "enum": [*CHANNELS, None]},
                     "status": {"type": "string", "enum": list(STATUSES)},
                     "applicant_name": {"type": "string", "maxLength": 160},
                     "received_at": _INSTANT, "due_at": _NULL_INSTANT,
                     "finished_at": _NULL_INSTANT, "returned_at": _NULL_INSTANT,
                     "original_due_at": {**_NULL_INSTANT, "description": (
                         "Only after an apology: the deadline before the new "
                         "appointment, which the reports judge the dossier against.")},
                     "holder_unit_code": _NULL_STRING, "holder_account": _NULL_STRING,
                     "back_entered": {"type": "boolean"},
                     "version": {"type": "integer",
                                 "description": "Grows with every change; the hub keeps "
                                                "the highest."}}},
    "Event": {"type": "object", "required": ["sequence", "kind", "at"], "properties": {
        "sequence": {"type": "integer", "minimum": 1,
                     "description": "1, 2, 3 ... per dossier."},
        "kind": {"type": "string", "maxLength": 40,
                 "description": "received, forwarded, transferred (data.to_unit) ..."},
        "at": _INSTANT, "actor": _NULL_STRING, "from_status": _NULL_STRING,
        "to_status": _NULL_STRING, "note": _NULL_STRING, "unit_code": _NULL_STRING,
        "data": {"type": "object", "additionalProperties": True}}},
    "Entry": {"type": "object", "required": ["id", "topic", "dossier"], "properties": {
        "id": {"type": "integer", "description": "The node's outbox id (for tracing)."},
        "topic": {"type": "string", "enum": list(TOPICS)},
        "created_at": _NULL_INSTANT,
        "dossier": {"$ref": "#/components/schemas/Snapshot"},
        "event": {"$ref": "#/components/schemas/Event"},
        "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"},
                   "description": "dossier.resync only: every event, replacing the hub's."},
        "details": {"type": "object", "additionalProperties": True, "properties": {
            "public_fields": {
                "type": "array", "items": {
                    "type": "array", "minItems": 2, "maxItems": 2,
                    "items": {"type": "string"}},
                "description": (
                    "The handling plugin's public fields as [label, value] pairs in the "
                    "plugin's order (e.g. a business's name), shown by the hub's lookup "
                    "without the second factor; left out for core procedures. An object "
                    "{label: value} is accepted too and shown in label order. The hub "
                    f"shows at most {MAX_PUBLIC_FIELDS}, each value cut to "
                    f"{MAX_VALUE_LENGTH} characters; numbers and booleans as text, other "
                    "values not at all.")}},
            "description": "documents, result, refusal_reason, phone_last4 (shown after "
                           "the second factor), public_fields."},
        "plugins": {"type": "object", "additionalProperties": True,
                    "description": "Plugin contributions, by plugin name."},
        "package": {"type": "object", "additionalProperties": True,
                    "description": "transferred events: the full record for the "
                                   "receiving node."}}},
    "Batch": {"type": "object", "required": ["protocol", "node", "sequence", "entries"],
              "properties": {
                  "protocol": {"type": "integer", "enum": [1]},
                  "node": {"type": "string", "description": "Must equal the node header."},
                  "sequence": {"type": "integer", "minimum": 1,
                               "description": "1, 2, 3 ... per node, without gaps."},
                  "sender": {"type": "integer", "minimum": 0,
                             "description": "The sealing worker's fencing token; a new "
                                            "batch with a lower one than the hub has "
                                            "applied is refused (409)."},
                  "sealed_at": {**_NULL_INSTANT, "description":
                                "When the node sealed it; within the clock tolerance of "
                                "the hub, receiving it counts as contact."},
                  "backlog": {"type": "integer", "minimum": 0,
                              "description": "Changes still waiting at the node."},
                  "oldest_pending_at": _NULL_INSTANT,
                  "entries": {"type": "array", "maxItems": MAX_ENTRIES,
                              "items": {"$ref": "#/components/schemas/Entry"}}}},
    "BatchResult": {"type": "object", "properties": {
        "status": {"type": "string", "enum": ["applied", "duplicate"]},
        "node": {"type": "string"}, "sequence": {"type": "integer"},
        "applied": {"type": "integer"},
        "handoffs": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "dossier": {"type": "string"},
            "to_node": {"type": "string"}, "to_unit": {"type": "string"}}}},
        "ignored": {"type": "array", "description": (
            "Entries not applied because the node had already handed their dossier to "
            "another node (changes it wrote while the hand-over was travelling)."),
            "items": {"type": "object", "properties": {
                "entry": {"type": "integer"}, "dossier": {"type": "string"},
                "reason": {"type": "string"}}}}}},
    "Query": {"type": "object", "required": ["node", "at"], "properties": {
        "node": {"type": "string"}, "at": _INSTANT}, "additionalProperties": True,
        "description": "Signed like a batch; 'at' must be within 5 minutes of the hub's clock."},
}
SIGNED = [{"node": [], "signature": []}]


def _error(code: str, text: str) -> dict:
    return {"description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(ref: str | dict) -> dict:
    schema = {"$ref": f"#/components/schemas/{ref}"} if isinstance(ref, str) else ref
    return {"application/json": {"schema": schema}}


def _query_op(summary: str, result: dict) -> dict:
    return {"post": {"summary": summary, "security": SIGNED,
                     "requestBody": {"required": True, "content": _json("Query")},
                     "responses": {"200": {"description": "OK", "content": _json(result)},
                                   "400": _error("400", "Not JSON."),
                                   "401": _error("401", "Unknown node, bad signature or "
                                                        "stale 'at'."),
                                   "422": _error("422", "A field is invalid.")}}}


def build_spec() -> dict:
    """The OpenAPI 3.0 document as a dict."""
    obj = {"type": "object", "additionalProperties": True}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "motcua sync", "version": "1.0.0", "description": (
            "How a unit server (node) pushes dossier changes to the provincial hub. Every "
            "request body is signed with the node's Ed25519 key: header "
            f"{SIGNATURE_HEADER} is the unpadded URL-safe base64 signature of the exact "
            f"body bytes, header {NODE_HEADER} the node id given at registration. Batches "
            "are applied atomically, idempotently by (node, sequence) and in sequence "
            "order; a refused batch changes nothing. " + conventions.RULES)},
        "paths": {
            "/sync/v1/batches": {"post": {
                "summary": "Push the node's next batch of changes.", "security": SIGNED,
                "requestBody": {"required": True, "content": _json("Batch")},
                "responses": {
                    "200": {"description": "Applied now, or already applied with the same "
                                           "content (status 'duplicate').",
                            "content": _json("BatchResult")},
                    "400": _error("400", "Not JSON, or the body names another node."),
                    "401": _error("401", "Unknown node or the signature does not match."),
                    "403": _error("403", "An entry concerns a unit or dossier the node does "
                                         "not own."),
                    "409": _error("409", "A gap (expected_sequence says which batch is "
                                         "next), the sequence was applied with other "
                                         "content, or the sender was replaced "
                                         "(sender_token)."),
                    "422": _error("422", "A field is missing or invalid, or an instant "
                                         "lies further ahead of the hub's clock than the "
                                         "tolerance."),
                }}},
            "/sync/v1/hello": _query_op(
                "The node's units, last applied batch and 'code_counters' ([unit, day, "
                "highest sequence] of its codes the hub holds, last 100 days).", obj),
            "/sync/v1/reconcile": _query_op(
                "Compare the node's digests per unit and day (field 'digests': "
                "[{unit, day, count, digest}], optional 'since') with the hub's.", obj),
            "/sync/v1/fingerprints": _query_op(
                "Per-dossier fingerprints the hub holds for one unit ('unit') and day "
                "('day').", obj),
            "/sync/v1/inbox": _query_op("Dossiers handed over to this node.", obj),
            "/sync/v1/inbox/ack": _query_op("Acknowledge hand-overs (field 'ids').", obj),
            "/sync/v1/restore/copies": _query_op(
                "The hub's copies of the node's dossiers 'codes' (at most 100), for a node "
                "recovering after a restore (motcua sync recover).", obj),
            "/sync/v1/openapi.json": {"get": {
                "summary": "This document.", "security": [],
                "responses": {"200": {"description": "OpenAPI 3 document.",
                                      "content": _json(obj)}}}},
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "node": {"type": "apiKey", "in": "header", "name": NODE_HEADER},
                "signature": {"type": "apiKey", "in": "header", "name": SIGNATURE_HEADER},
            },
        },
    }
    conventions.add_default_errors(document["paths"],
                                   _error("default", conventions.DEFAULT_ERROR))
    conventions.state_rules(document)
    return document
