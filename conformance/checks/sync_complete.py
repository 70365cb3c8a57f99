"""Complete sync: the plugin's sync payload, as the hub received it, reflects every
specialist-data field of each of its dossiers and every row of its own tables that
belongs to the dossier (the rule: :mod:`motcua.conformance.reflection`), and it follows
the data when they change.

The change is simulated in the node's database, as an officer's edit on the desk or on
the plugin's own page would leave it: one specialist field and one text column of one of
the dossier's rows get a new value of the same length. The node then runs its
reconciliation (the platform's way a change made outside the dossier's events reaches
the hub: it compares the plugins' current payloads with the hub's and re-sends what
differs) and delivers; the hub's payload must now hold both new values. The old values
are put back the same way, so the checks that follow see the dossier as it was.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from motcua.conformance.context import RunContext
from motcua.conformance.reflection import OwnedRow, Payload, missing, owned_rows, personal
from motcua.conformance.results import CheckResult
from motcua.core.models import Dossier, HubDossier
from motcua.core.sync.node import node_from_settings
from motcua.core.sync.reconcile import reconcile

TITLE = "Complete sync: every specialist field and the plugin's own rows reach the hub, " \
        "and follow their changes"
SHOWN = 6  # missing values named per dossier
SETTLE_SECONDS = 20.0  # at most, for reconciliation's re-sends to reach the hub


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None or ctx.hub is None:
        result.abort(f"no instances could be built: {ctx.instance_error}")
    name = ctx.target.name
    if not ctx.node.manager.implements(name, "motcua_sync_payload"):
        result.not_applicable("the plugin sends no sync payload (whether it must is the "
                              "sync check's finding)")
        return
    dossiers = _own_dossiers(ctx)
    if not dossiers:
        result.not_applicable("no dossier of the plugin's own procedures was synced (a "
                              "plugin working on other plugins' dossiers: its annotations "
                              "are the sync check's)" + ctx.intake_cause())
        return
    rows = {code: _rows(ctx, dossier_id, code) for code, (dossier_id, _data) in dossiers.items()}
    for code, (_dossier_id, data) in dossiers.items():
        payload = Payload(_arrived(ctx, code))
        lacking = [f"specialist field {found}" for found in missing(data, payload)]
        for row in rows[code]:
            lacking += [f"{row.table} ({row.key}) column {found}"
                        for found in missing(row.values, payload)]
        if lacking:
            more = f" and {len(lacking) - SHOWN} more" if len(lacking) > SHOWN else ""
            result.fail(f"{code}: the hub's copy of the plugin's payload lacks "
                        f"{'; '.join(lacking[:SHOWN])}{more}")
    if result.failures:
        return
    counted = sum(len(found) for found in rows.values())
    result.ok(f"the hub's payload of all {len(dossiers)} dossier(s) reflects every "
              f"specialist field and all {counted} row(s) of the plugin's tables that "
              "belong to them")
    _follows_changes(ctx, dossiers, rows, result)


def _own_dossiers(ctx: RunContext) -> dict[str, tuple[int, dict]]:
    """``{code: (id, specialist data)}`` of the run's dossiers of the plugin's procedures."""
    codes = list(ctx.finished.values()) + ctx.in_processing
    with ctx.node.app.app_context():
        database = ctx.node.database
        try:
            return {d.code: (d.id, dict(d.specialist_data or {})) for d in
                    database.session.scalars(select(Dossier).where(Dossier.code.in_(codes)))
                    if d.procedure.handler_plugin == ctx.target.name}
        finally:
            database.remove()


def _rows(ctx: RunContext, dossier_id: int, code: str) -> list[OwnedRow]:
    found = []
    with ctx.node.database.engine.connect() as connection:
        for plugin, metadata in ctx.node.manager.models():
            if plugin == ctx.target.name:
                found += owned_rows(connection, metadata, dossier_id, code)
    return found


def _arrived(ctx: RunContext, code: str) -> Any:
    with ctx.hub.database.session_factory() as session:
        row = session.scalar(select(HubDossier).where(HubDossier.code == code))
        return (row.plugin_data or {}).get(ctx.target.name) if row is not None else None


def _changed(value: str) -> str:
    """A different text of the same length (so no column's size limit is exceeded)."""
    return value[:-1] + ("Y" if value[-1:] != "Y" else "Z")


def _follows_changes(ctx: RunContext, dossiers: dict, rows: dict, result: CheckResult) -> None:
    """Change a specialist field and a row of one dossier, reconcile, and look at the hub."""
    chosen = _pick(dossiers, rows)
    if chosen is None:
        result.ok("no text value to change (no text specialist field): the payload's "
                  "following of changes was not tried")
        return
    code, field, row, column = chosen
    dossier_id, data = dossiers[code]
    old_field = data[field]
    old_column = row.values[column] if row is not None else None
    # (what changed, its new value)
    changes = [(f"specialist field {field} {old_field!r} → {_changed(old_field)!r}",
                _changed(old_field))]
    if row is not None:
        changes.append((f"{row.table}.{column} {old_column!r} → {_changed(old_column)!r}",
                        _changed(old_column)))
    _write(ctx, dossier_id, data, field, _changed(old_field), row, column,
           _changed(old_column) if row is not None else None)
    try:
        _deliver(ctx, result)
        payload = Payload(_arrived(ctx, code))
        stale = [change for change, new in changes if not payload.reflects(new)]
        changes = [change for change, _new in changes]
        if stale:
            result.fail(f"{code}: after {' and '.join(changes)} and the node's "
                        "reconciliation, the hub's payload does not show "
                        f"{'; '.join(stale)}: the payload does not follow the data "
                        "(computed once and kept?)")
        else:
            result.ok(f"{code}: after {' and '.join(changes)}, the node's reconciliation "
                      "re-sent the dossier and the hub's payload shows the new values")
    finally:
        _write(ctx, dossier_id, data, field, old_field, row, column, old_column)
        _deliver(ctx, result)
    if not result.failures:
        back = Payload(_arrived(ctx, code))
        if back.reflects(old_field) and (row is None or back.reflects(old_column)):
            result.ok(f"{code}: the old values put back reached the hub the same way")
        else:
            result.fail(f"{code}: the old values, put back, did not reach the hub's payload")


def _pick(dossiers: dict, rows: dict) -> tuple[str, str, OwnedRow | None, str | None] | None:
    """A dossier with a non-empty text specialist field and, preferably, a row of its own
    with a text column (the first of each)."""
    best = None
    for code, (_dossier_id, data) in dossiers.items():
        field = next((key for key, value in data.items() if not personal(key)
                      and isinstance(value, str) and value.strip()), None)
        if field is None:
            continue
        for row in rows[code]:
            column = next((key for key, value in row.values.items() if not personal(key)
                           and isinstance(value, str) and value.strip()), None)
            if column is not None:
                return code, field, row, column
        best = best or (code, field, None, None)
    return best


def _write(ctx: RunContext, dossier_id: int, data: dict, field: str, value: str,
           row: OwnedRow | None, column: str | None, column_value: str | None) -> None:
    """Set the specialist field (and the row's column) in the node's database."""
    with ctx.node.database.session_factory() as session:
        dossier = session.get(Dossier, dossier_id)
        dossier.specialist_data = {**data, field: value}
        if row is not None:
            table = next(metadata.tables[row.table] for plugin, metadata
                         in ctx.node.manager.models()
                         if plugin == ctx.target.name and row.table in metadata.tables)
            where = [table.c[name] == row.primary[name] for name in row.primary]
            session.execute(update(table).where(*where).values({column: column_value}))
        session.commit()


def _deliver(ctx: RunContext, result: CheckResult) -> None:
    """The node's reconciliation with repair, as ``motcua sync reconcile`` runs it."""
    node = node_from_settings(ctx.node.app.config["MOTCUA"], ctx.node.database)
    # As the sync worker does: the payloads are asked of the plugins through the app.
    with ctx.node.app.app_context():
        try:
            report = reconcile(node, wait=SETTLE_SECONDS)
        finally:
            node.transport.close()
    if report.remaining:
        result.fail(f"the node's reconciliation left differences with the hub: "
                    f"{report.remaining[:3]}")
