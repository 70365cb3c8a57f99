"""Keeping a hub's report figures as it applies the nodes' batches.

A batch may do anything to a dossier's copy: add events, replace it whole (a resync),
retract it, deliver again what the hub holds. Rather than reason about each, the hub
reads what the batch's copies add to the figures before it writes them and after, with
the statements that keep a unit's figures (:mod:`.tally`, over the hub's source), and
adds the difference: one UPSERT per table, in key order (so two nodes' batches cannot
deadlock on the rows), and nothing at all for a batch that changed no figure (a
duplicate delivery).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from motcua.core.models import HubDossier, HubDossierEvent, ReportFigures, ReportSupplements
from motcua.core.models.reports import REPORT_COUNTS
from motcua.core.reports.source import HUB
from motcua.core.reports.tally import (
    KEY,
    SUPPLEMENT_KEY,
    add_rows,
    figure_sums,
    finished_parts,
    received_part,
    requests_part,
    supplement_sums,
)


@dataclass
class Contribution:
    """What some copies add: counts by figure key and by supplement key."""

    figures: dict[tuple, tuple[int, ...]]
    supplements: dict[tuple, int]


def _day(value: date | str) -> date:
    # SQLite answers a computed date as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def contribution(session: Session, hub_ids: list[int]) -> Contribution:
    """What the hub's copies ``hub_ids`` add to the figures, as their rows stand now."""
    if not hub_ids:
        return Contribution({}, {})
    where = [HubDossier.id.in_(hub_ids)]
    figures = {
        (row[0], _day(row[1]), row[2], row[3]): tuple(int(v or 0) for v in row[4:])
        for row in session.execute(figure_sums(
            [*received_part(where, HUB), *finished_parts(where, HUB)]))}
    supplements = {
        (row[0], _day(row[1]), _day(row[2]), row[3], row[4]): int(row[5])
        for row in session.execute(supplement_sums(
            [requests_part([HubDossierEvent.dossier_id.in_(hub_ids)], 1, HUB)]))}
    return Contribution(figures, supplements)


def add_difference(session: Session, before: Contribution, after: Contribution) -> None:
    """Add ``after`` minus ``before`` to the kept figures."""
    zero = (0,) * len(REPORT_COUNTS)
    figure_rows = []
    for key in sorted(before.figures.keys() | after.figures.keys()):
        change = [new - old for new, old in zip(after.figures.get(key, zero),
                                                before.figures.get(key, zero), strict=True)]
        if any(change):
            figure_rows.append({**dict(zip(KEY, key, strict=True)),
                                **dict(zip(REPORT_COUNTS, change, strict=True))})
    supplement_rows = []
    for key in sorted(before.supplements.keys() | after.supplements.keys()):
        change = after.supplements.get(key, 0) - before.supplements.get(key, 0)
        if change:
            supplement_rows.append({**dict(zip(SUPPLEMENT_KEY, key, strict=True)),
                                    "requests": change})
    add_rows(session, ReportFigures.__table__, KEY, figure_rows)
    add_rows(session, ReportSupplements.__table__, SUPPLEMENT_KEY, supplement_rows)
