"""Sync: the node's dossiers reach a hub over HTTP, the hub's read model equals the node
(digests), re-delivery changes nothing, and the plugin's data arrive with them."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.core.models import Dossier, HubDossier, HubDossierEvent, SyncBatch
from motcua.core.plugin_manager.dossiers import sync_payload
from motcua.core.sync.node import drain, node_from_settings
from motcua.core.sync.reconcile import compare_with_hub

TITLE = "Sync: hub read model equals the node, idempotent re-delivery, plugin data arrive"


def _count(instance, model) -> int:  # noqa: ANN001
    with instance.database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def _plain(value):  # noqa: ANN001, ANN202
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None or ctx.hub is None:
        result.abort(f"no instances could be built: {ctx.instance_error}")
    node = node_from_settings(ctx.node.app.config["MOTCUA"], ctx.node.database, ctx.node.app)
    # As the sync worker does: sealing asks the plugins, through the application.
    context = ctx.node.app.app_context()
    context.push()
    try:
        outcome = drain(node)
        if outcome.error:
            result.abort(f"the node could not deliver to the hub: {outcome.error}")
        result.ok(f"node delivered {outcome.batches} batch(es) to the hub over HTTP")
        report = compare_with_hub(node)
        if report.differences:
            result.fail(f"hub and node digests differ: {report.differences[:5]}; dossiers "
                        f"{dict(report.dossiers)}")
        else:
            result.ok(f"hub read model equals the node: {report.compared} unit-day digests "
                      "compared, 0 differences")
        _redeliver(ctx, node, result)
        _plugin_data(ctx, result)
    finally:
        node.transport.close()
        context.pop()


def _redeliver(ctx: RunContext, node, result: CheckResult) -> None:  # noqa: ANN001
    before = (_count(ctx.hub, HubDossier), _count(ctx.hub, HubDossierEvent))
    with ctx.node.database.session_factory() as session:
        batches = list(session.scalars(select(SyncBatch).order_by(SyncBatch.sequence)))
        session.expunge_all()
    answers = [node.transport.push(batch)["status"] for batch in batches]
    after = (_count(ctx.hub, HubDossier), _count(ctx.hub, HubDossierEvent))
    if any(answer != "duplicate" for answer in answers) or after != before:
        result.fail(f"re-delivering {len(batches)} batch(es) answered {answers} and changed "
                    f"the hub from {before} to {after} (dossiers, events)")
    else:
        result.ok(f"re-delivering all {len(batches)} batch(es): each a duplicate; hub still "
                  f"{before[0]} dossiers, {before[1]} events")


def _plugin_data(ctx: RunContext, result: CheckResult) -> None:
    name = ctx.target.name
    codes = list(ctx.finished.values()) + ctx.in_processing
    app = ctx.node.app
    with app.app_context(), ctx.hub.database.session_factory() as hub_session:
        database = app.extensions["motcua.db"]
        try:
            dossiers = list(database.session.scalars(select(Dossier).where(
                Dossier.code.in_(codes))))
            own = [d for d in dossiers if d.procedure.handler_plugin == name]
            if own:
                _payloads(ctx, own, hub_session, result)
            else:
                _annotations(ctx, dossiers, hub_session, result)
        finally:
            database.remove()


def _keeps_data(ctx: RunContext) -> bool:
    return any(sample.specialist_data for sample in ctx.samples) or any(
        plugin == ctx.target.name for plugin, _metadata in ctx.node.manager.models())


def _payloads(ctx: RunContext, dossiers: list, hub_session, result: CheckResult) -> None:  # noqa: ANN001
    """The dossiers the plugin handles: its sync payload arrives in the hub's read model."""
    name = ctx.target.name
    if not ctx.node.manager.implements(name, "motcua_sync_payload"):
        if _keeps_data(ctx):
            result.fail("the plugin keeps specialist data or tables of its own but "
                        "implements no motcua_sync_payload: none of it reaches the "
                        "province's hub")
        else:
            result.ok("no plugin data to carry (no specialist data, no tables)")
        return
    for dossier in dossiers:
        expected = sync_payload(name, dossier)
        row = hub_session.scalar(select(HubDossier).where(HubDossier.code == dossier.code))
        arrived = (row.plugin_data or {}).get(name) if row is not None else None
        if not expected:
            result.fail(f"{dossier.code}: motcua_sync_payload gave nothing for a dossier of "
                        "its own procedure")
        elif _plain(arrived) != _plain(expected):
            result.fail(f"{dossier.code}: the hub holds {arrived!r} for the plugin, the node "
                        f"sends {expected!r}")
    if not result.failures:
        result.ok(f"the plugin's sync payload arrived at the hub for all {len(dossiers)} "
                  "dossiers")


def _annotations(ctx: RunContext, dossiers: list, hub_session, result: CheckResult) -> None:  # noqa: ANN001
    """A plugin working on other plugins' dossiers: what it attached to them
    (``annotated`` events) is at the hub, identical."""
    name = ctx.target.name
    mine = {(d.code, e.sequence): _plain(e.data) for d in dossiers for e in d.events
            if e.kind == "annotated" and (e.data or {}).get("source") == name}
    if not mine:
        if _keeps_data(ctx):
            result.fail("the plugin keeps tables of its own but attached nothing to the "
                        "dossiers it worked on (no annotation) and handles none itself: "
                        "none of its work reaches the province's hub" + ctx.intake_cause())
        else:
            result.not_applicable("the plugin attached nothing to the dossiers")
        return
    arrived = {(event.dossier.code, event.sequence): _plain(event.data) for event in
               hub_session.scalars(select(HubDossierEvent).where(
                   HubDossierEvent.kind == "annotated"))}
    missing = {key: value for key, value in mine.items() if arrived.get(key) != value}
    if missing:
        result.fail(f"{len(missing)} of the plugin's annotations are not at the hub as sent: "
                    f"{list(missing)[:5]}")
    else:
        result.ok(f"all {len(mine)} annotation(s) the plugin attached arrived at the hub "
                  "unchanged")
