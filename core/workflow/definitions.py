"""Workflow definitions: validating step lists, versions per procedure, unit selectors.

A workflow is an ordered list of steps, each ``{"name", "role", "days", "unit"}`` (see
the routing contract). ``unit`` is a selector resolved against the dossier's receiving
unit: ``"receiving"``, ``"parent"``, ``"function:<name>"`` or an agency code.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.core.codes import AGENCY_CODE_PATTERN
from motcua.core.db import begin_write
from motcua.core.errors import Conflict, Forbidden, ValidationError
from motcua.core.models import Account, Procedure, Unit, Workflow
from motcua.core.models.workflow import STEP_ROLES
from motcua.core.workflow.authorization import may_edit_workflow

MAX_STEPS = 30
MAX_STEP_DAYS = 365
STEP_KEYS = {"name", "role", "days", "unit"}
FUNCTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")


def validate_steps(steps: object) -> list[dict]:
    """Check a step list and return it normalized; raise :class:`ValidationError`.

    Rules: 1 to 30 steps; each has exactly the keys name, role, days, unit; the role is
    specialist or leader; days is a number above 0 (at most 365); the first step is a
    specialist's (a leader approves work someone has done); the unit is a valid selector.
    """
    if not isinstance(steps, list) or not steps:
        raise ValidationError("A workflow needs a non-empty list of steps.", field="steps")
    if len(steps) > MAX_STEPS:
        raise ValidationError(f"A workflow has at most {MAX_STEPS} steps.", field="steps")
    normalized = []
    for index, step in enumerate(steps):
        where = f"steps.{index}"
        if not isinstance(step, dict):
            raise ValidationError(f"{where}: each step must be an object.", field=where)
        unknown = set(step) - STEP_KEYS
        missing = STEP_KEYS - set(step)
        if unknown:
            raise ValidationError(f"{where}: unknown keys {', '.join(sorted(unknown))}; "
                                  "a step has name, role, days and unit.", field=where)
        if missing:
            raise ValidationError(f"{where}: missing {', '.join(sorted(missing))}.",
                                  field=where)
        name = step["name"]
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
            raise ValidationError(f"{where}.name: a step name of 1 to 200 characters.",
                                  field=f"{where}.name")
        role = step["role"]
        if role not in STEP_ROLES:
            raise ValidationError(f"{where}.role: must be one of {', '.join(STEP_ROLES)}.",
                                  field=f"{where}.role")
        days = step["days"]
        if (isinstance(days, bool) or not isinstance(days, int | float)
                or not math.isfinite(days) or days <= 0 or days > MAX_STEP_DAYS):
            raise ValidationError(
                f"{where}.days: a number of working days above 0 and at most {MAX_STEP_DAYS}.",
                field=f"{where}.days")
        normalized.append({"name": name.strip(), "role": role, "days": days,
                           "unit": validate_selector(step["unit"], field=f"{where}.unit")})
    if normalized[0]["role"] != "specialist":
        raise ValidationError("steps.0.role: the first step must be a specialist's.",
                              field="steps.0.role")
    return normalized


def validate_selector(selector: object, *, field: str = "unit") -> str:
    """A unit selector, normalized (agency codes upper-cased); raise on a bad one."""
    if not isinstance(selector, str) or not selector.strip():
        raise ValidationError(f"{field}: a unit selector (receiving, parent, "
                              "function:<name> or an agency code).", field=field)
    selector = selector.strip()
    if selector in ("receiving", "parent"):
        return selector
    if selector.startswith("function:"):
        name = selector.removeprefix("function:")
        if not FUNCTION_PATTERN.match(name):
            raise ValidationError(f"{field}: function names are lower-case letters, digits "
                                  "and underscores (e.g. function:finance).", field=field)
        return selector
    code = selector.upper()
    if not AGENCY_CODE_PATTERN.match(code):
        raise ValidationError(f"{field}: {selector!r} is neither receiving, parent, "
                              "function:<name> nor an agency code.", field=field)
    return code


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    """``unit``'s ancestors, closest first (from its materialized path)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    if not ids:
        return []
    by_id = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [by_id[i] for i in reversed(ids) if i in by_id]


def units_by_function(session: Session, name: str, near: Unit) -> Iterator[Unit]:
    """The active units with function ``name`` a ``function:<name>`` step could name
    for a dossier received at ``near``, closest first: the children of ``near``, then
    of its parent, and so on up; by agency code within one level. The first one is the
    step's unit (:func:`resolve_selector`)."""
    for level in [near, *ancestors(session, near)]:
        yield from session.scalars(
            select(Unit).where(Unit.parent_id == level.id, Unit.function == name,
                               Unit.active.is_(True)).order_by(Unit.code))


def resolve_selector(session: Session, selector: str, receiving: Unit) -> Unit:
    """The unit ``selector`` names for a dossier received at ``receiving``.

    ``function:<name>`` looks for an active unit with that function among the children
    of the receiving unit, then of its parent, and so on up (closest first); several at
    one level: the lowest agency code wins, so the answer never depends on row order.
    """
    selector = validate_selector(selector)
    if selector == "receiving":
        return receiving
    if selector == "parent":
        parent = receiving.parent
        if parent is None:
            raise ValidationError(f"{receiving.name} has no parent unit for a 'parent' step.",
                                  field="unit")
        return parent
    if selector.startswith("function:"):
        name = selector.removeprefix("function:")
        for found in units_by_function(session, name, receiving):
            return found
        raise ValidationError(
            f"No unit with function {name!r} near {receiving.name}: an administrator "
            f"gives a unit that function (motcua workflow unit-function UNIT_CODE {name}); "
            f"a plugin whose workflow names function:{name} declares it in "
            f"MOTCUA_UNIT_FUNCTIONS (e.g. {{{name!r}: 'Phòng ...'}}), so the test kit and "
            "the conformance suite build such a unit.", field="unit")
    unit = session.scalar(select(Unit).where(Unit.code == selector))
    if unit is None or not unit.active:
        raise ValidationError(f"No active unit with agency code {selector}.", field="unit")
    return unit


def signing_unit(session: Session, steps: list[dict], receiving: Unit) -> Unit:
    """The unit whose leader signs the result of a dossier received at ``receiving``
    that follows ``steps``: the unit of the last approval (``leader``) step, else of the
    last step (whose specialist issues the result); raises ValidationError when that
    step names a unit that does not exist."""
    approvals = [step for step in steps if step["role"] == "leader"]
    step = (approvals or steps)[-1]
    return resolve_selector(session, step["unit"], receiving)


# Callables ``(procedure) -> steps | None`` asked, in order, for the default workflow of a
# procedure with no saved version: the plugin manager registers the handling plugins'
# defaults here (the SDK's hook), so the core never imports a plugin.
_default_providers: list[Callable[[Procedure], list[dict] | None]] = []
log = logging.getLogger(__name__)


def register_default_provider(provider: Callable[[Procedure], list[dict] | None]) -> None:
    """Let ``provider`` propose default workflows (first valid answer wins)."""
    if provider not in _default_providers:
        _default_providers.append(provider)


def unregister_default_provider(provider: Callable[[Procedure], list[dict] | None]) -> None:
    if provider in _default_providers:
        _default_providers.remove(provider)


def default_steps(procedure: Procedure) -> list[dict]:
    """The workflow of a procedure nobody configured: a registered provider's (a plugin's
    default), else one specialist step at the receiving unit for the whole processing
    time, after which the result goes back to the desk.

    A provider that fails or answers an invalid list is logged and skipped: a faulty
    plugin must not stop the desk from receiving dossiers.
    """
    for provider in list(_default_providers):
        try:
            steps = provider(procedure)
            if steps is not None:
                steps = validate_steps(steps)
                check_total_days(steps, procedure)
                return steps
        except Exception:  # noqa: BLE001 - isolate plugin failures, see the docstring
            log.exception("default workflow provider %r failed for procedure %s",
                          provider, procedure.code)
    return [{"name": "Xử lý hồ sơ", "role": "specialist",
             "days": max(procedure.processing_days, 1), "unit": "receiving"}]


def current_workflow(session: Session, procedure: Procedure) -> Workflow | None:
    """The procedure's newest workflow version, or None if it has none."""
    return session.scalar(
        select(Workflow).where(Workflow.procedure_id == procedure.id)
        .order_by(Workflow.version.desc()).limit(1))


def workflow_versions(session: Session, procedure: Procedure) -> list[Workflow]:
    """Every version of the procedure's workflow, oldest first."""
    return list(session.scalars(
        select(Workflow).where(Workflow.procedure_id == procedure.id)
        .order_by(Workflow.version)))


def check_total_days(steps: Iterable[dict], procedure: Procedure) -> None:
    """The steps share the procedure's processing time; they may not add up to more."""
    total = sum(step["days"] for step in steps)
    if total > procedure.processing_days + 1e-9:
        raise ValidationError(
            f"The steps add up to {total:g} working days, more than the procedure's "
            f"{procedure.processing_days}.", field="steps")


WORKFLOW_REFUSAL = ("Only an administrator of every unit receiving this procedure (of the "
                    "province, for a province procedure) may change its workflow.")


def save_workflow(session: Session, procedure: Procedure, steps: object, actor: Account,
                  *, note: str | None = None) -> Workflow:
    """Store ``steps`` as the procedure's next workflow version; running dossiers keep
    the version they started with. Raises Forbidden, ValidationError or Conflict."""
    if not may_edit_workflow(actor, procedure):
        raise Forbidden(WORKFLOW_REFUSAL)
    normalized = validate_steps(steps)
    check_total_days(normalized, procedure)
    for index, step in enumerate(normalized):
        for unit in procedure.receiving_units:
            try:
                resolve_selector(session, step["unit"], unit)
            except ValidationError as error:
                raise ValidationError(f"steps.{index}.unit: {error.message}",
                                      field=f"steps.{index}.unit") from None
    if note is not None and len(note) > 400:
        raise ValidationError("note: at most 400 characters.", field="note")
    begin_write(session)
    latest = session.scalar(
        select(func.max(Workflow.version)).where(Workflow.procedure_id == procedure.id)) or 0
    workflow = Workflow(procedure_id=procedure.id, version=latest + 1, steps=normalized,
                        note=note, created_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(workflow)
            session.flush()
    except IntegrityError:
        raise Conflict("Someone saved another version of this workflow at the same "
                       "time; reload and try again.") from None
    return workflow
