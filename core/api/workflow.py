"""Routing through the API: act on a dossier, read queues, the control slip and workflows.

Actions are ``POST /dossiers/<code>/actions/<action>`` with a JSON body carrying the
action's fields and ``expected_version`` (the dossier's version the client last saw):
403 outside the caller's unit and role (checked before the body is even read), 409 if
someone changed the dossier since, 422 for input or a state that does not allow the
action. Nothing is written on an error.
"""

from __future__ import annotations

from flask import Response, g, jsonify, request
from marshmallow import RAISE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from motcua.core.api.auth import auth_required
from motcua.core.api.dossiers import _json_body, _visible
from motcua.core.api.idempotency import api_write
from motcua.core.api.params import BadRequest
from motcua.core.api.schemas import EventSchema, LocalDateTime
from motcua.core.codes import normalize_code
from motcua.core.errors import Forbidden, NotFound, ValidationError
from motcua.core.extensions import db_session
from motcua.core.models import Dossier, DossierWorkflow, Procedure
from motcua.core.plugin_manager.dossiers import issue_result as plugin_issue_result
from motcua.core.schemas import first_error
from motcua.core.workflow import actions
from motcua.core.workflow.authorization import may_edit_workflow, require_involved
from motcua.core.workflow.control import control_slip_rows, original_due_at
from motcua.core.workflow.definitions import (
    WORKFLOW_REFUSAL,
    current_workflow,
    default_steps,
    save_workflow,
    workflow_versions,
)
from motcua.core.workflow.lateness import is_overdue, load_workflows
from motcua.core.workflow.queues import my_queue, unit_queue

# action name -> (function, required fields, optional fields)
ACTIONS: dict[str, tuple] = {
    "claim": (actions.claim, (), ()),
    "assign": (actions.assign, ("to_account",), ()),
    "forward": (actions.forward, (), ("note",)),
    "send_back": (actions.send_back, ("to_step", "reason"), ()),
    "transfer": (actions.transfer, ("to_unit",), ("note",)),
    "submit_for_approval": (actions.submit_for_approval, (), ("note",)),
    "approve": (actions.approve, (), ("note",)),
    "request_supplement": (actions.request_supplement, ("missing",), ("note",)),
    "record_supplement": (actions.record_supplement, (), ("note",)),
    "pause_for_payment": (actions.pause_for_payment, ("note",), ("notice_number", "amount")),
    "record_payment": (actions.record_payment, (), ("note",)),
    "apologize": (actions.apologize, ("new_due_at", "reason"), ()),
    "refuse": (actions.refuse, ("reason",), ()),
    "withdraw": (actions.withdraw, ("reason",), ()),
    "issue_result": (actions.issue_result, ("result",), ()),
    "return_result": (actions.return_result, ("collected_by", "method"), ()),
}


class ActionSchema(Schema):
    """The body of an action; which fields an action needs is listed per action."""

    class Meta:
        unknown = RAISE

    expected_version = fields.Integer(allow_none=True, metadata={
        "description": "The dossier version the client last saw; 409 if it changed."})
    note = fields.String(allow_none=True)
    reason = fields.String(metadata={"description": "send_back, refuse, withdraw, apologize"})
    to_step = fields.Integer(metadata={"description": "send_back: index of an earlier step"})
    to_unit = fields.String(metadata={
        "description": "transfer: agency code or selector (parent, function:tax)"})
    to_account = fields.String(metadata={"description": "assign: username"})
    missing = fields.List(fields.String(), metadata={
        "description": "request_supplement: what the applicant must add"})
    notice_number = fields.String(allow_none=True, metadata={
        "description": "pause_for_payment: the tax notice's number"})
    amount = fields.Integer(allow_none=True, strict=True, metadata={
        "description": "pause_for_payment: the amount due, in đồng"})
    new_due_at = fields.AwareDateTime(metadata={
        "description": "apologize: the new appointment, with its offset"})
    result = fields.Dict(metadata={"description": "issue_result: e.g. {\"number\": ...}"})
    collected_by = fields.String(metadata={"description": "return_result"})
    method = fields.String(validate=validate.OneOf(actions.RETURN_METHODS),
                           metadata={"description": "return_result"})


class StepSchema(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(("specialist", "leader")))
    days = fields.Float(required=True)
    unit = fields.String(required=True)


def _step(dossier: Dossier) -> dict | None:
    instance = db_session().get(DossierWorkflow, dossier.id)
    if instance is None:
        return None
    step = instance.current_step
    return {"index": instance.step_index if step else None,
            "name": step["name"] if step else None,
            "role": instance.holder_role, "transferred": instance.transferred,
            "due_at": instance.step_due_at, "workflow_version": instance.workflow_version,
            "steps": len(instance.steps)}


class CurrentStepSchema(Schema):
    index = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    role = fields.String()
    transferred = fields.Boolean()
    due_at = LocalDateTime(allow_none=True)
    workflow_version = fields.Integer(allow_none=True)
    steps = fields.Integer()


class RoutedDossierSchema(Schema):
    """A dossier as routing sees it: where it is, who holds it, its deadlines."""

    code = fields.String()
    procedure_code = fields.Function(lambda d: d.procedure.code)
    procedure_name = fields.Function(lambda d: d.procedure.name)
    applicant_name = fields.String()
    status = fields.String()
    received_at = LocalDateTime()
    due_at = LocalDateTime()
    original_due_at = fields.Function(
        lambda d: LocalDateTime()._serialize(original_due_at(db_session(), d), None, None),
        metadata={"type": "string", "format": "date-time"})
    finished_at = LocalDateTime(allow_none=True)
    overdue = fields.Function(is_overdue, metadata={"type": "boolean"})
    holder_unit = fields.Function(lambda d: d.holder_unit.code if d.holder_unit else None,
                                  metadata={"type": "string", "nullable": True})
    holder_account = fields.Function(
        lambda d: d.holder_account.username if d.holder_account else None,
        metadata={"type": "string", "nullable": True})
    step = fields.Function(lambda d: CurrentStepSchema().dump(_step(d)) if _step(d) else None,
                           metadata={"type": "object", "nullable": True})
    available_actions = fields.Function(
        lambda d: actions.available_actions(db_session(), d, g.api_account),
        metadata={"type": "array", "items": {"type": "string"},
                  "description": "What the calling account may do now."})
    version = fields.Integer()


class ActionResultSchema(Schema):
    dossier = fields.Nested(RoutedDossierSchema)
    event = fields.Nested(EventSchema)


class QueueSchema(Schema):
    scope = fields.String()
    items = fields.List(fields.Nested(RoutedDossierSchema))


class ControlSlipRowSchema(Schema):
    position = fields.Integer()
    step = fields.Integer(allow_none=True)
    step_name = fields.String()
    role = fields.String()
    holder_unit_code = fields.String()
    holder_unit = fields.String()
    holder_person = fields.String(allow_none=True)
    time_in = fields.String()
    time_out = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)
    closed_by = fields.String(allow_none=True)
    on_time = fields.Boolean(allow_none=True)


class ControlSlipSchema(Schema):
    code = fields.String()
    original_due_at = fields.String()
    rows = fields.List(fields.Nested(ControlSlipRowSchema))


class WorkflowOutSchema(Schema):
    procedure_code = fields.String()
    version = fields.Integer(allow_none=True, metadata={
        "description": "null: the procedure has no workflow yet; the default applies"})
    steps = fields.List(fields.Nested(StepSchema))
    note = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = LocalDateTime(allow_none=True)
    versions = fields.List(fields.Integer())


class WorkflowInSchema(Schema):
    class Meta:
        unknown = RAISE

    steps = fields.List(fields.Dict(), required=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=400))


def _load(schema: Schema, body: dict) -> dict:
    try:
        return schema.load(body)
    except SchemaError as error:
        path, message = first_error(error.messages)
        raise ValidationError(f"{path}: {message}", field=path) from None


def _dossier(code: str) -> Dossier:
    dossier = db_session().scalar(select(Dossier).where(Dossier.code == normalize_code(code)))
    if dossier is None:
        raise NotFound(f"No dossier with code {normalize_code(code)}.")
    return dossier


@api_write
def act(code: str, action: str) -> Response:
    """POST /dossiers/<code>/actions/<action>."""
    if action not in ACTIONS:
        raise NotFound(f"No action {action!r}; actions are {', '.join(ACTIONS)}.")
    function, required, optional = ACTIONS[action]
    dossier = _dossier(code)
    # The caller first: an outsider gets 403 whatever the body, never a 409 or 422
    # telling the dossier's version or what its state allows.
    require_involved(g.api_account, dossier)
    values = _load(ActionSchema(), _json_body())
    expected = values.pop("expected_version", None)
    allowed = set(required) | set(optional)
    extra = sorted(set(values) - allowed)
    if extra:
        raise ValidationError(f"{extra[0]}: not used by {action}.", field=extra[0])
    if action == "issue_result":
        # A procedure handled by a plugin gets its certificate number from the plugin,
        # asked only once issue_result has checked the caller and the dossier's state
        # (a body's result is then not needed; without a plugin it is, see _check_result).
        account = g.api_account
        values["plugin_result"] = lambda: plugin_issue_result(dossier, account)
        required = ()
    for name in required:
        if values.get(name) is None:
            raise ValidationError(f"{name}: required for {action}.", field=name)
    args = [values.pop("to_account")] if action == "assign" else []
    event = function(db_session(), dossier, g.api_account, *args, expected_version=expected,
                     **values)
    return jsonify(ActionResultSchema().dump({"dossier": dossier, "event": event}))


@auth_required
def queue() -> Response:
    """GET /queue?scope=mine|unit: the caller's work, overdue first."""
    scope = request.args.get("scope", "mine")
    if scope not in ("mine", "unit"):
        raise BadRequest("scope must be mine or unit.", field="scope")
    finder = my_queue if scope == "mine" else unit_queue
    session = db_session()
    items = finder(session, g.api_account)
    load_workflows(session, items)
    return jsonify(QueueSchema().dump({"scope": scope, "items": items}))


@auth_required
def control_slip(code: str) -> Response:
    """GET /dossiers/<code>/control-slip: every hand-over, for officers in scope."""
    dossier = _visible(code)
    session = db_session()
    return jsonify(ControlSlipSchema().dump({
        "code": dossier.code,
        "original_due_at": LocalDateTime()._serialize(original_due_at(session, dossier),
                                                      None, None),
        "rows": [row.as_dict() for row in control_slip_rows(session, dossier)],
    }))


def _procedure(code: str) -> Procedure:
    procedure = db_session().scalar(select(Procedure).where(Procedure.code == code.strip()))
    if procedure is None:
        raise NotFound(f"Unknown procedure {code!r}.")
    return procedure


def _workflow_body(procedure: Procedure) -> dict:
    session = db_session()
    workflow = current_workflow(session, procedure)
    versions = [w.version for w in workflow_versions(session, procedure)]
    if workflow is None:
        return {"procedure_code": procedure.code, "version": None,
                "steps": default_steps(procedure), "note": None, "created_by": None,
                "created_at": None, "versions": versions}
    return {"procedure_code": procedure.code, "version": workflow.version,
            "steps": workflow.steps, "note": workflow.note,
            "created_by": workflow.created_by.username if workflow.created_by else None,
            "created_at": workflow.created_at, "versions": versions}


@auth_required
def get_workflow(code: str) -> Response:
    """GET /procedures/<code>/workflow: the current version (or the default)."""
    return jsonify(WorkflowOutSchema().dump(_workflow_body(_procedure(code))))


@api_write
def put_workflow(code: str) -> tuple[Response, int]:
    """PUT /procedures/<code>/workflow: save the steps as a new version."""
    procedure = _procedure(code)
    # The caller first: someone who may not edit it gets 403 whatever the body.
    if not may_edit_workflow(g.api_account, procedure):
        raise Forbidden(WORKFLOW_REFUSAL)
    values = _load(WorkflowInSchema(), _json_body())
    save_workflow(db_session(), procedure, values["steps"], g.api_account,
                  note=values.get("note"))
    return jsonify(WorkflowOutSchema().dump(_workflow_body(procedure))), 201


def register(bp) -> None:  # noqa: ANN001
    """Add the routing routes to the API v1 blueprint."""
    bp.add_url_rule("/dossiers/<code>/actions/<action>", view_func=act, methods=["POST"])
    bp.add_url_rule("/dossiers/<code>/control-slip", view_func=control_slip)
    bp.add_url_rule("/queue", view_func=queue)
    bp.add_url_rule("/procedures/<code>/workflow", view_func=get_workflow)
    bp.add_url_rule("/procedures/<code>/workflow", view_func=put_workflow, methods=["PUT"])


def _ref(code: str) -> dict:
    return {"$ref": f"#/components/responses/Error{code}"}


def _ok(schema: str, status: str = "200", description: str = "OK") -> dict:
    return {status: {"description": description,
                     "content": {"application/json": {"schema": schema}}}}


def _path(name: str, description: str, **schema) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string"}}


OPENAPI_PATHS = {
    "/api/v1/dossiers/{code}/actions/{action}": {"post": {
        "summary": "Act on a dossier (routing): claim, forward, approve, ...",
        "description": "Fields per action: " + "; ".join(
            f"{name}: {', '.join(req) or '-'}" + (f" (optional {', '.join(opt)})" if opt else "")
            for name, (_f, req, opt) in ACTIONS.items()),
        "security": [{"bearer": []}],
        "parameters": [_path("code", "Dossier code"),
                       _path("action", "The action", type="string", enum=list(ACTIONS))],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": "DossierAction"}}},
        "responses": {**_ok("ActionResult"),
                      **{c: _ref(c) for c in ("400", "401", "403", "404", "409", "422")}},
    }},
    "/api/v1/dossiers/{code}/control-slip": {"get": {
        "summary": "The processing control slip: every hand-over, on time or late.",
        "security": [{"bearer": []}], "parameters": [_path("code", "Dossier code")],
        "responses": {**_ok("ControlSlip"), **{c: _ref(c) for c in ("401", "404")}},
    }},
    "/api/v1/queue": {"get": {
        "summary": "The caller's queue (mine) or their units' queue (unit), overdue first.",
        "security": [{"bearer": []}],
        "parameters": [{"name": "scope", "in": "query", "schema": {
            "type": "string", "enum": ["mine", "unit"], "default": "mine"}}],
        "responses": {**_ok("Queue"), **{c: _ref(c) for c in ("400", "401")}},
    }},
    "/api/v1/procedures/{code}/workflow": {
        "get": {
            "summary": "The procedure's current workflow (or the default one).",
            "security": [{"bearer": []}], "parameters": [_path("code", "Procedure code")],
            "responses": {**_ok("Workflow"), **{c: _ref(c) for c in ("401", "404")}},
        },
        "put": {
            "summary": "Save a new workflow version (ICT or unit administrators); running "
                       "dossiers keep theirs.",
            "security": [{"bearer": []}], "parameters": [_path("code", "Procedure code")],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": "WorkflowIn"}}},
            "responses": {**_ok("Workflow", "201", "Saved as a new version."),
                          **{c: _ref(c) for c in ("400", "401", "403", "404", "409", "422")}},
        },
    },
}
OPENAPI_COMPONENTS = {  # nested schemas first: apispec names them on first use
    "RoutedDossier": RoutedDossierSchema, "DossierAction": ActionSchema,
    "ActionResult": ActionResultSchema, "Queue": QueueSchema,
    "ControlSlip": ControlSlipSchema, "Workflow": WorkflowOutSchema,
    "WorkflowIn": WorkflowInSchema,
}
