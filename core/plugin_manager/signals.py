"""Sending the SDK's lifecycle signals after events are recorded (see motcua_sdk.signals).

Receivers run inside the transaction that recorded the event. Each is called on its
own: one that raises is logged and reported, the others still run, and the core's
change stands. Receivers of plugins installed but not enabled in this application, or
not used at the dossier's receiving unit (``MOTCUA_PLUGIN_UNITS``), are skipped, as the
dossier hooks are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy.orm import Session, object_session

from motcua.core.models import Account, Dossier, DossierEvent
from motcua.core.plugin_manager.dossiers import current_manager
from motcua.core.plugin_manager.views import dossier_view, event_view
from motcua_sdk.signals import signal_for

log = logging.getLogger(__name__)


def send_event_signal(dossier: Dossier, event: DossierEvent, actor: Account | None) -> None:
    """Send the signal of ``event.kind`` (if it has one and anyone listens)."""
    signal = signal_for(event.kind)
    if signal is None or not signal.receivers:
        return
    manager = current_manager()
    session = object_session(dossier)
    try:
        sender, payload = dossier_view(dossier), event_view(event, actor)
    except Exception:  # noqa: BLE001 - a view that cannot be built must not stop the core
        log.exception("could not build the %s signal for dossier %s", event.kind, dossier.code)
        return
    for receiver in list(signal.receivers_for(sender)):
        owner = manager.owner_of_module(getattr(receiver, "__module__", None)) if manager else None
        if owner is not None and not manager.works_at(owner.name, dossier.unit):
            continue
        try:
            # A savepoint: a receiver's failed statement must not abort the transaction
            # that carries the core's change (PostgreSQL refuses anything after an error).
            with _savepoint(session):
                receiver(sender, event=payload)
        except Exception as error:  # noqa: BLE001 - isolate receivers, see module doc
            name = owner.name if owner else getattr(receiver, "__module__", "?")
            if manager is not None:
                manager.report_failure(name, f"signal {signal.name}", error)
            else:
                log.exception("receiver %r of signal %s failed", receiver, signal.name)


@contextmanager
def _savepoint(session: Session | None) -> Iterator[None]:
    if session is None:
        with nullcontext():
            yield
        return
    with session.begin_nested():
        yield
