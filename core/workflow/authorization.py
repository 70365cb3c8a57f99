"""Who may act on a dossier where it is now, and who may administer what.

Officers act only on dossiers held in their unit subtree, with the role the current
step asks for (:func:`motcua.core.accounts.has_role`, whose scopes cover subtrees);
reception officers act at the desk of the receiving unit; leaders approve and reassign.
Administrators (unit or ICT) administer only the subtree of the unit their role is held
in (:func:`may_administer`); what concerns the whole province (province procedures'
workflows, the audit log, sync, plugins) is for an ICT administrator of the root unit
(:func:`is_province_admin`).
"""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext

from motcua.core.accounts import has_role
from motcua.core.errors import Forbidden
from motcua.core.models import Account, Dossier, DossierWorkflow, Procedure, Unit


def _(message: str, **values) -> str:
    """``message`` translated for the request's language; outside a request (CLI, worker,
    tests) in English, as written."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


# The roles an agency that received a dossier by liên thông works it with.
TRANSFER_ROLES = ("specialist", "leader")


def is_reception(actor: Account, dossier: Dossier) -> bool:
    """A reception officer of the dossier's receiving unit."""
    return has_role(actor, "reception", dossier.unit)


def is_leader_over(actor: Account, unit: Unit | None) -> bool:
    return unit is not None and has_role(actor, "leader", unit)


def acts_at_step(actor: Account, dossier: Dossier, instance: DossierWorkflow) -> bool:
    """True if ``actor`` has the role the dossier's current holding asks for, over the
    unit holding it."""
    holder = dossier.holder_unit
    if holder is None:
        return False
    if instance.holder_role == "reception":
        return is_reception(actor, dossier)
    if instance.transferred:
        return any(has_role(actor, role, holder) for role in TRANSFER_ROLES)
    return has_role(actor, instance.holder_role, holder)


def is_involved(actor: Account, dossier: Dossier) -> bool:
    """Any working role over the unit holding the dossier, or reception at its desk."""
    holder = dossier.holder_unit
    if is_reception(actor, dossier):
        return True
    return holder is not None and any(
        has_role(actor, role, holder) for role in ("specialist", "leader", "reception"))


def require_involved(actor: Account, dossier: Dossier) -> None:
    """Refuse anyone whose scope covers neither the holder unit nor the receiving desk."""
    if not is_involved(actor, dossier):
        raise Forbidden(str(_("This dossier is not held in your unit; you cannot act on "
                               "it.")))


def require_step(actor: Account, dossier: Dossier, instance: DossierWorkflow) -> None:
    """Refuse unless ``actor`` works the current step and nobody else holds it; a leader
    over the holding unit supervises it and may act for its officers."""
    leader = is_leader_over(actor, dossier.holder_unit)
    if not (acts_at_step(actor, dossier, instance) or leader):
        raise Forbidden(_("Your role does not allow this at the dossier's current step."))
    held_by = dossier.holder_account
    if held_by is not None and held_by.id != actor.id and not leader:
        raise Forbidden(str(_("%(name)s holds this dossier; ask a leader to reassign it.",
                               name=held_by.full_name)))


def require_reception(actor: Account, dossier: Dossier) -> None:
    if not is_reception(actor, dossier):
        raise Forbidden(str(_("Only the reception desk of %(unit)s can do this.",
                               unit=dossier.unit.name)))


def require_leader(actor: Account, unit: Unit | None) -> None:
    if not is_leader_over(actor, unit):
        raise Forbidden(str(_("Only a leader of %(unit)s can do this.",
                               unit=unit.name if unit else "?")))


def may_administer(account: Account, unit: Unit | None) -> bool:
    """An administrator whose role is held in ``unit`` or above it: a unit administrator's
    or ICT administrator's powers stop at the subtree of the unit the role is held in."""
    return unit is not None and has_role(account, "unit_admin", unit)


def is_province_admin(account: Account) -> bool:
    """An ICT administrator whose role is held in a root unit (the province): the only
    one who sees the whole province's audit log, the sync pages and the plugins."""
    return any(assignment.role == "ict_admin" and assignment.unit.parent_id is None
               for assignment in account.roles)


def may_edit_workflow(account: Account, procedure: Procedure) -> bool:
    """A province procedure's workflow (or one received nowhere in particular) only by a
    province administrator; any other by an administrator of every unit receiving it, so
    nobody reroutes dossiers that reach desks outside their subtree."""
    units = procedure.receiving_units
    if procedure.level == "province" or not units:
        return is_province_admin(account)
    return all(may_administer(account, unit) for unit in units)


def require_province_admin(account: Account) -> None:
    if not is_province_admin(account):
        raise Forbidden(str(_("Only an ICT administrator of the province can do this.")))
