"""The officer evaluation report: per officer, the steps they held and closed in the
period, how many within the step's deadline, their late steps and the apologies they
signed."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from motcua.core.models import Account, DossierEvent, StepHolding, Unit
from motcua.core.reports.periods import Period


def officer_rows(session: Session, root: Unit, period: Period) -> list[dict]:
    """One dict per officer of ``root``'s subtree who closed a step in the period."""
    closed = and_(StepHolding.time_out >= period.start, StepHolding.time_out < period.end,
                  StepHolding.account_id.is_not(None))
    late = and_(StepHolding.due_at.is_not(None), StepHolding.time_out > StepHolding.due_at)
    rows = session.execute(
        select(Account.id, Account.username, Account.full_name, Unit.name,
               func.count(StepHolding.id), func.count(func.distinct(StepHolding.dossier_id)),
               func.sum(case((late, 1), else_=0)))
        .join(StepHolding, StepHolding.account_id == Account.id)
        .join(Unit, Unit.id == Account.unit_id)
        .where(closed, Unit.path.startswith(root.path))
        .group_by(Account.id, Account.username, Account.full_name, Unit.name)
        .order_by(Unit.name, Account.full_name)).all()
    apologies = dict(session.execute(
        select(DossierEvent.actor_id, func.count())
        .where(DossierEvent.kind == "apology", DossierEvent.at >= period.start,
               DossierEvent.at < period.end)
        .group_by(DossierEvent.actor_id)).all())
    result = []
    for account_id, username, name, unit, steps, dossiers, late_steps in rows:
        late_steps = int(late_steps or 0)
        result.append({"account_id": account_id, "username": username, "name": name,
                       "unit": unit, "steps": steps, "dossiers": dossiers,
                       "late_steps": late_steps, "on_time_share": (steps - late_steps) / steps,
                       "apologies": apologies.get(account_id, 0)})
    return result
