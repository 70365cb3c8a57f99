"""The lookup over the hub read model (role ``hub``): same answers, other tables.

On a hub the dossiers live in ``hub_dossiers`` / ``hub_dossier_events`` as the nodes
pushed them; names of units and procedures come from the hub's own catalogue (the
province's, which every node shares), falling back to the codes. A plugin's public fields
are the ones the node computed and pushed in the entry's ``details.public_fields``: the hub
runs no specialty plugins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.models import HubDossier, HubDossierEvent, Procedure, Unit

# Another vendor's system may push anything: what the public page shows of it is bounded.
MAX_PUBLIC_FIELDS = 20
MAX_LABEL_LENGTH = 100
MAX_VALUE_LENGTH = 500


def uses_hub_read_model() -> bool:
    """True when the running app is a hub (its dossiers table holds no citizens' dossiers)."""
    from flask import current_app, has_app_context

    return has_app_context() and current_app.config["MOTCUA"].role == "hub"


def pushed_public_fields(details: Any) -> dict[str, str]:
    """The plugin public fields in a dossier's pushed ``details``, fit to show: only
    labels with a scalar value, as text, at most :data:`MAX_PUBLIC_FIELDS` of them, each
    cut to length. Anything else (not pairs or an object, nested values) is left out.

    ``[[label, value], ...]`` keeps the plugin's order (what a node sends); an object,
    which another system may send, is shown in label order, since JSON objects lose
    theirs on the way."""
    fields = details.get("public_fields") if isinstance(details, dict) else None
    if isinstance(fields, dict):
        pairs = sorted(fields.items(), key=lambda item: str(item[0]))
    elif isinstance(fields, list):
        pairs = [item for item in fields if isinstance(item, list) and len(item) == 2]
    else:
        return {}
    shown: dict[str, str] = {}
    for label, value in pairs:
        if len(shown) == MAX_PUBLIC_FIELDS:
            break
        if value is None or not isinstance(value, str | int | float | bool) \
                or not isinstance(label, str | int | float):
            continue
        label = str(label).strip()[:MAX_LABEL_LENGTH]
        if label:
            shown.setdefault(label, str(value)[:MAX_VALUE_LENGTH])
    return shown


def lookup_hub(session: Session, code: str, phone4: str | None):  # noqa: ANN201
    """:func:`motcua.lookup.service.lookup` for an already parsed ``code`` on a hub."""
    from motcua.core.workflow.lateness import is_late, pause_started
    from motcua.lookup import service
    from motcua.lookup.labels import event_label, status_label
    from motcua.lookup.policy import is_sensitive

    dossier = session.scalar(select(HubDossier).where(HubDossier.code == code))
    if dossier is None:
        raise service.UnknownCode(
            service._("No dossier has the code %(code)s. Check it against your receipt; a "
                      "dossier received today may take a few minutes to appear.", code=code),
            field="code")
    events = session.scalars(select(HubDossierEvent).where(
        HubDossierEvent.dossier_id == dossier.id).order_by(HubDossierEvent.sequence)).all()
    codes = {dossier.unit_code, dossier.holder_unit_code, *(e.unit_code for e in events)}
    units = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes - {None})))}

    def info(unit_code: str | None) -> service.UnitInfo | None:
        if unit_code is None:
            return None
        unit = units.get(unit_code)
        return service.UnitInfo(code=unit_code, name=unit.name if unit else unit_code)

    procedure = session.scalar(select(Procedure).where(Procedure.code == dossier.procedure_code))
    holder = units.get(dossier.holder_unit_code)
    agency = service.responsible_agency(holder) if holder else None
    details = dossier.details or {}
    receiving = info(dossier.unit_code)
    result = service.LookupResult(
        code=dossier.code, procedure_code=dossier.procedure_code or "",
        procedure_name=procedure.name if procedure else (dossier.procedure_code or ""),
        receiving_unit=receiving,
        applicant=service.mask_name(dossier.applicant_name),
        received_at=dossier.received_at, due_at=dossier.due_at,
        finished_at=dossier.finished_at, returned_at=dossier.returned_at,
        status=dossier.status, status_label=status_label(dossier.status),
        late=is_late(due_at=dossier.due_at, original_due_at=dossier.original_due_at,
                     finished_at=dossier.finished_at, status=dossier.status,
                     paused_at=pause_started(dossier.status, ((e.kind, e.at) for e in events))),
        agency=service.UnitInfo(code=agency.code, name=agency.name) if agency else (
            info(dossier.holder_unit_code)),
        department=info(dossier.holder_unit_code), officer=dossier.holder_account,
        timeline=[service.TimelineEntry(at=e.at, kind=e.kind,
                                        label=event_label(e.kind, e.to_status),
                                        status=e.to_status,
                                        unit=service.timeline_unit(e.kind, info(e.unit_code),
                                                                   receiving))
                  for e in events],
        sensitive=is_sensitive(procedure.field if procedure else None),
    )
    # Not hub_dossiers.plugin_data: that is each plugin's sync payload, neither labelled
    # nor vetted as public.
    result.public_fields = pushed_public_fields(details)
    if phone4 is not None:
        # The core lookup's constant-time compare, safe for any text in either value.
        if service.last4_matches(str(details.get("phone_last4") or ""), phone4):
            result.verified = True
            result.applicant = dossier.applicant_name
            result.documents = [service.DocumentLine(
                name=d["name"], copy_kind=d.get("copy_kind") or "original",
                quantity=d.get("quantity") or 1, submitted=bool(d.get("submitted")))
                for d in details.get("documents") or []]
            result.result = details.get("result")
            result.refusal_reason = details.get("refusal_reason")
        else:
            result.extra["phone4"] = "wrong"
    return result
