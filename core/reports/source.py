"""Which dossier rows the reports count: this server's own (``dossiers``) or, on a hub,
the nodes' dossiers as the hub's read model holds them (``hub_dossiers``).

Both tables have the columns a figure needs under the same names (receiving unit and
procedure ids, channel, status, received, due and finished times; events with kind,
time and sequence); they differ in where the original deadline of an apologised dossier
is kept. Every report query is written once against a :class:`Source`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from motcua.core.models import Dossier, DossierEvent, DossierWorkflow, HubDossier, HubDossierEvent
from motcua.core.sync.read_model import uses_hub_read_model


class Source:
    """The dossiers a report reads; see the module docstring."""

    name: str
    dossier: Any  # the mapped class: Dossier or HubDossier
    event: Any  # its events: DossierEvent or HubDossierEvent

    def deadline(self) -> ColumnElement:
        """The original appointment or the due time (needs :meth:`with_deadline`)."""
        raise NotImplementedError

    def with_deadline(self, query: Select) -> Select:
        """``query`` (over the dossiers) joined to what :meth:`deadline` reads."""
        raise NotImplementedError

    def live_deadline(self, query: Select) -> tuple[Select, ColumnElement]:
        """``query`` and the deadline, for a query over the open dossiers that must stay
        on their small index."""
        return self.with_deadline(query), self.deadline()

    def __repr__(self) -> str:
        return f"<report source {self.name}>"


class _Local(Source):
    name, dossier, event = "local", Dossier, DossierEvent

    def deadline(self) -> ColumnElement:
        return func.coalesce(DossierWorkflow.original_due_at, Dossier.due_at)

    def with_deadline(self, query: Select) -> Select:
        return query.outerjoin(DossierWorkflow, DossierWorkflow.dossier_id == Dossier.id)

    def live_deadline(self, query: Select) -> tuple[Select, ColumnElement]:
        # Only apologised dossiers have an original deadline: join those few workflow rows.
        apologised = (select(DossierWorkflow.dossier_id, DossierWorkflow.original_due_at)
                      .where(DossierWorkflow.original_due_at.is_not(None)).subquery())
        return (query.outerjoin(apologised, apologised.c.dossier_id == Dossier.id),
                func.coalesce(apologised.c.original_due_at, Dossier.due_at))


class _Hub(Source):
    name, dossier, event = "hub", HubDossier, HubDossierEvent

    def deadline(self) -> ColumnElement:
        return func.coalesce(HubDossier.original_due_at, HubDossier.due_at)

    def with_deadline(self, query: Select) -> Select:
        return query


LOCAL: Source = _Local()
HUB: Source = _Hub()


def current_source() -> Source:
    """:data:`HUB` when the running application is a hub, else :data:`LOCAL`."""
    return HUB if uses_hub_read_model() else LOCAL
