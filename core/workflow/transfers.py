"""Liên thông hand-backs: who transferred a dossier to where it is, and who gets it back.

A dossier transferred to another agency (the tax office, another department) usually
comes back to where it came from. The work page offers that sender first, and a dossier
transferred back to the unit that sent it goes to the officer who sent it, as a paper
file goes back to the desk of whoever sent it, not only to the unit's queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.models import Account, Dossier, DossierEvent, DossierWorkflow, Unit
from motcua.core.workflow import authorization as auth


@dataclass(frozen=True)
class Sender:
    """The unit a dossier was transferred from, and the officer who held it there."""

    unit: Unit
    account: Account | None


def sender_of(session: Session, dossier: Dossier) -> Sender | None:
    """Who transferred ``dossier`` to the unit holding it now; None unless its last move
    between units was a transfer to that unit."""
    event = session.scalar(
        select(DossierEvent).where(DossierEvent.dossier_id == dossier.id,
                                   DossierEvent.from_unit_id.is_not(None),
                                   DossierEvent.to_unit_id != DossierEvent.from_unit_id)
        .order_by(DossierEvent.sequence.desc()).limit(1))
    if event is None or event.kind != "transferred" or (
            event.to_unit_id != dossier.holder_unit_id):
        return None
    unit = session.get(Unit, event.from_unit_id)
    if unit is None:
        return None
    # Transfers record the officer who held the dossier (a leader may send it for
    # them); older ones only their actor.
    username = (event.data or {}).get("from_account")
    if username:
        account = session.scalar(select(Account).where(Account.username == username))
    else:
        account = session.get(Account, event.actor_id) if event.actor_id else None
    return Sender(unit, account)


def officer_taking_back(sender: Sender | None, dossier: Dossier,
                        instance: DossierWorkflow) -> Account | None:
    """The officer a transfer hands the dossier back to: its sender, when the dossier
    goes (already set as its holder) back to the sender's unit and the sender is still
    active there with the role the holding asks for; else None (the unit's queue)."""
    if sender is None or sender.account is None or not sender.account.active:
        return None
    # The relationship, not holder_unit_id: the caller has just set it, unflushed.
    if dossier.holder_unit is None or dossier.holder_unit.id != sender.unit.id:
        return None
    return sender.account if auth.acts_at_step(sender.account, dossier, instance) else None
