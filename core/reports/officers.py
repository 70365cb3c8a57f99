"""The officer evaluation report: per officer, the steps they held and closed in the
period, how many within the step's deadline, their late steps and the apologies they
signed."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from motcua.core.models import Account, DossierEvent, StepHolding, Unit
from motcua.core.reports.periods import Period


def _steps(session: Session, root: Unit, period: Period) -> dict[int, tuple[int, int, int]]:
    """Per officer of ``root``'s subtree: steps closed in the period, their dossiers, and
    how many of those steps closed after the step's deadline."""
    closed = and_(StepHolding.time_out >= period.start, StepHolding.time_out < period.end,
                  StepHolding.account_id.is_not(None))
    late = and_(StepHolding.due_at.is_not(None), StepHolding.time_out > StepHolding.due_at)
    rows = session.execute(
        select(StepHolding.account_id, func.count(StepHolding.id),
               func.count(func.distinct(StepHolding.dossier_id)),
               func.sum(case((late, 1), else_=0)))
        .join(Account, Account.id == StepHolding.account_id)
        .join(Unit, Unit.id == Account.unit_id)
        .where(closed, Unit.path.startswith(root.path))
        .group_by(StepHolding.account_id))
    return {account_id: (steps, dossiers, int(late_steps or 0))
            for account_id, steps, dossiers, late_steps in rows}


def _apologies(session: Session, root: Unit, period: Period) -> dict[int, int]:
    """Per officer of ``root``'s subtree: the apologies they signed in the period."""
    return dict(session.execute(
        select(DossierEvent.actor_id, func.count())
        .join(Account, Account.id == DossierEvent.actor_id)
        .join(Unit, Unit.id == Account.unit_id)
        .where(DossierEvent.kind == "apology", DossierEvent.at >= period.start,
               DossierEvent.at < period.end, Unit.path.startswith(root.path))
        .group_by(DossierEvent.actor_id)).all())


def officer_rows(session: Session, root: Unit, period: Period) -> list[dict]:
    """One dict per officer of ``root``'s subtree who closed a step or signed an apology
    in the period; ``on_time_share`` is None for one who closed no step."""
    steps, apologies = _steps(session, root, period), _apologies(session, root, period)
    ids = steps.keys() | apologies.keys()
    if not ids:
        return []
    people = session.execute(
        select(Account.id, Account.username, Account.full_name, Unit.name)
        .join(Unit, Unit.id == Account.unit_id).where(Account.id.in_(ids))
        .order_by(Unit.name, Account.full_name, Account.id))
    result = []
    for account_id, username, name, unit in people:
        closed, dossiers, late_steps = steps.get(account_id, (0, 0, 0))
        result.append({"account_id": account_id, "username": username, "name": name,
                       "unit": unit, "steps": closed, "dossiers": dossiers,
                       "late_steps": late_steps,
                       "on_time_share": (closed - late_steps) / closed if closed else None,
                       "apologies": apologies.get(account_id, 0)})
    return result
