"""The provincial dashboards on a hub count the dossiers the nodes push (the hub's read
model), equal to what the units' servers count themselves, on SQLite and PostgreSQL.

The report fixture of tests/test_reports_summary.py (dossiers made by the real intake
and routing actions: supplements, apologies, payment pauses, refusals, withdrawals,
back-entry, two receiving units) is made on a unit's server; its outbox goes to a hub as
signed batches through the hub's ingest; the hub's figures must equal the server's own,
for every period, "now", scope and grouping, and stay equal through duplicated batches,
whole-dossier resyncs and a retraction. Then a province of real servers over HTTP: a
node's dossiers reach the hub's dashboard, drill-down and periodic report.
"""

from __future__ import annotations

import json
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from motcua.core.models import Dossier, OutboxEntry, Procedure, ReportFigures, Unit
from motcua.core.reports.check import differences
from motcua.core.reports.commands import reports_group
from motcua.core.reports.figures import Scope, dossiers_in, figure_tables, resolved_by_month
from motcua.core.reports.periods import current_month, parse_period
from motcua.core.reports.source import HUB, LOCAL
from motcua.core.sync import hub, signing
from motcua.core.sync.entries import build_entries, resync_payload
from motcua.core.sync.node import drain
from motcua.core.sync.protocol import PROTOCOL_VERSION, TOPIC_RESYNC, TOPIC_RETRACT
from motcua.core.timeutil import local_date, now
from motcua.core.workflow import actions
from tests.conftest import login
from tests.factories import make_procedure
from tests.test_reports_figures import september  # noqa: F401 - a fixture
from tests.test_reports_summary import NOWS, PERIODS, ROOTS, stories  # noqa: F401
from tests.test_sync_helpers import _database_url, _world, make_app, province, receive

NODE = "tayninh-unit"
GROUPS = (None, "unit", "procedure", "field")


class HubOf:
    """A hub (its own database, the same catalogue) that one unit's server pushes to."""

    def __init__(self, hub_app, world, key: str) -> None:  # noqa: ANN001
        self.app, self.world = hub_app, world
        self.key, self.sequence = signing.load_private_key(key), 0

    @property
    def database(self):  # noqa: ANN201
        return self.app.extensions["motcua.db"]

    def push(self, entries: list[dict]) -> dict:
        """One signed batch through the hub's ingest, as the HTTP API applies it."""
        self.sequence += 1
        raw = json.dumps({"protocol": PROTOCOL_VERSION, "node": NODE,
                          "sequence": self.sequence, "entries": entries}).encode()
        with self.app.app_context():
            session = self.database.session
            answer = hub.ingest(session, NODE, signing.sign(self.key, raw), raw,
                                keep_figures=True)
            session.commit()
            self.database.remove()
        return answer


@pytest.fixture
def pushed(app, db, stories, templates, backend, tmp_path):  # noqa: F811
    """The report fixture made on ``app`` and its whole outbox pushed to a new hub."""
    with ExitStack() as stack:
        folder = tmp_path / "hub"
        hub_app = make_app(_database_url(stack, templates, backend, folder, False), folder,
                           role="hub")
        stack.callback(hub_app.extensions["motcua.db"].dispose)
        world = _world(hub_app)
        with hub_app.app_context():
            session = hub_app.extensions["motcua.db"].session
            key = hub.register_node(session, NODE, list(session.scalars(select(Unit.code))))
            session.commit()
        target = HubOf(hub_app, world, key)
        with app.app_context():
            rows = db.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
            entries = build_entries(db.session, rows)
            db.remove()
        assert len(entries) > 50
        for start in range(0, len(entries), 40):
            answer = target.push(entries[start:start + 40])
            assert answer["status"] == "applied" and "ignored" not in answer
        yield target, entries


def _roots(session, source) -> list[Scope]:  # noqa: ANN001
    return [Scope(unit, source=source) for unit in session.scalars(
        select(Unit).where(Unit.code.in_(ROOTS)).order_by(Unit.code))]


def _figures(session, source) -> dict:  # noqa: ANN001
    """Every table of every period, "now" and root, as the dashboard reads them."""
    found = {}
    for scope in _roots(session, source):
        for code in PERIODS:
            for moment in NOWS:
                found[scope.root.code, code, moment] = (
                    figure_tables(session, scope, parse_period(code), moment, GROUPS),
                    resolved_by_month(session, scope, parse_period(code), moment))
    return found


def _on(app, read):  # noqa: ANN001, ANN202
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            return read(database.session)
        finally:
            database.remove()


def test_the_hub_counts_what_the_units_server_counts(app, pushed):
    target, _entries = pushed
    server = _on(app, lambda s: _figures(s, LOCAL))
    at_hub = _on(target.app, lambda s: _figures(s, HUB))
    assert at_hub == server
    october = server["H72", "2026-10", NOWS[-1]][0][None][0]
    assert october["supplement_requested"] == 2 and october["refused"] == 2  # not vacuous
    assert october["withdrawn"] == 1 and october["in_processing_overdue"] >= 2

    def hub_reads(session):  # noqa: ANN001, ANN202
        # The kept figures against the row-by-row count over the hub's copies, and the
        # dossiers behind figures: the same codes as on the server.
        roots = [scope.root for scope in _roots(session, HUB)]
        for moment in NOWS:
            assert differences(session, roots, [parse_period(c) for c in PERIODS],
                               moment) == []
        return {category: [d.code for d in dossiers_in(
            session, Scope(roots[0], source=HUB), parse_period("2026-Q4"), NOWS[-1],
            category)[0]] for category in ("late", "in_processing_overdue", "refused")}

    def server_reads(session):  # noqa: ANN001, ANN202
        root = session.scalar(select(Unit).where(Unit.code == ROOTS[0]))
        return {category: [d.code for d in dossiers_in(
            session, Scope(root, source=LOCAL), parse_period("2026-Q4"), NOWS[-1],
            category)[0]] for category in ("late", "in_processing_overdue", "refused")}

    lists = _on(target.app, hub_reads)
    assert lists == _on(app, server_reads) and all(lists.values())


def test_the_apology_reaches_the_hub_as_the_original_deadline(app, pushed, stories):  # noqa: F811
    target, _entries = pushed

    def original(session):  # noqa: ANN001, ANN202
        from motcua.core.models import HubDossier

        return session.scalar(select(HubDossier.original_due_at).where(
            HubDossier.code == stories["E4"]))

    assert _on(target.app, original) is not None


def test_duplicates_resyncs_and_a_retraction_keep_the_hub_figures_exact(app, db, pushed):
    target, entries = pushed
    before = _on(target.app, lambda s: _figures(s, HUB))
    # Every change delivered again (a node restored from a backup re-sends its outbox).
    for start in range(0, len(entries), 200):
        target.push(entries[start:start + 200])
    with app.app_context():
        dossiers = db.session.scalars(select(Dossier).order_by(Dossier.id)).all()
        resyncs = [{"id": 0, "topic": TOPIC_RESYNC, **resync_payload(db.session, dossier)}
                   for dossier in dossiers]
        db.remove()
    target.push(resyncs)  # reconciliation's repair of every dossier
    assert _on(target.app, lambda s: _figures(s, HUB)) == before

    # A dossier retracted (it should never have reached the hub) leaves the figures.
    gone = resyncs[0]["dossier"]
    target.push([{"id": 0, "topic": TOPIC_RETRACT, "dossier": gone}])

    def total_received(session):  # noqa: ANN001, ANN202
        return sum(row.received_online + row.received_in_person for row in session.scalars(
            select(ReportFigures).where(ReportFigures.grain == "m")))

    server_total = _on(app, total_received)
    assert _on(target.app, total_received) == server_total - 1


def test_a_dossier_received_on_the_hub_itself_adds_nothing(pushed):
    target, _entries = pushed

    def totals(session):  # noqa: ANN001, ANN202
        return sorted((row.unit_id, row.procedure_id, row.grain, row.day, row.closed,
                       row.received_in_person) for row in session.scalars(select(ReportFigures)))

    before = _on(target.app, totals)
    # The hub is not a desk; what is received there anyway must not mix into the
    # figures of the nodes' copies (its dashboards count those only).
    assert receive(target.app, target.world) and _on(target.app, totals) == before


# --- a province over HTTP -------------------------------------------------------------


@pytest.fixture
def live_province(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01", "H72.01.01",
                                                                 "H72.01.02", "X72.25747"]}) as p:
        yield p


def _withdraw(app, code: str) -> None:  # noqa: ANN001
    """The applicant withdraws ``code`` at the node's desk (it is finished)."""
    from motcua.core.models import Account

    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        desk = session.scalar(select(Account).where(Account.username == "letan"))
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        actions.withdraw(session, dossier, desk, reason="Người nộp xin rút hồ sơ")
        session.commit()
        database.remove()


def test_a_nodes_dossiers_reach_the_hub_dashboard(live_province):
    p = live_province
    north, world = p.nodes["north"], p.worlds["north"]
    codes = [receive(north, world, name=f"Người nộp {i}") for i in range(3)]
    _withdraw(north, codes[0])
    # A procedure the hub's catalogue lacks: the hub keeps the copy but cannot count it.
    with north.app_context():
        session = north.extensions["motcua.db"].session
        district = session.scalar(select(Unit).where(Unit.code == "H72.01.01"))
        make_procedure(session, code="9.999999", name="Thủ tục riêng của huyện",
                       field="Khác", days=3, fee=0, result="Giấy xác nhận", units=[district],
                       documents=[("Đơn", True)])
        session.commit()
        north.extensions["motcua.db"].remove()
    from tests.factories import intake_data

    with north.app_context():
        from motcua.core.intake import DeskContext, take_in
        from motcua.core.models import Account

        session = north.extensions["motcua.db"].session
        procedure = session.scalar(select(Procedure).where(Procedure.code == "9.999999"))
        desk = session.scalar(select(Account).where(Account.username == "letan"))
        odd = take_in(DeskContext(session, desk, north.config["MOTCUA"]), intake_data(
            world, procedure_code="9.999999",
            submitted_documents=[d.id for d in procedure.documents])).code
        session.commit()
        north.extensions["motcua.db"].remove()
    assert drain(p.node("north")).error is None

    client = p.hub.test_client()
    login(client, "cntt")
    month = current_month(local_date(now())).code
    page = client.get("/reports/", query_string={"unit": "H72", "period": month})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-hub-notice' in html and 'data-hub-unplaced="1"' in html
    assert 'data-figure="to_handle">3<' in html
    assert 'data-figure="withdrawn">1<' in html
    assert 'data-figure="in_processing">2<' in html

    listed = client.get("/reports/dossiers", query_string={
        "unit": "H72", "period": month, "category": "to_handle"}).get_data(as_text=True)
    assert all(code in listed for code in codes) and odd not in listed
    assert f"/tra-cuu/{codes[0]}" in listed

    periodic = client.get("/reports/periodic", query_string={"unit": "H72", "period": month})
    assert periodic.status_code == 200
    # An ad-hoc report by channel counts the hub's copies row by row.
    for channel, expected in (("in_person", 3), ("online", 0)):
        narrowed = client.get("/reports/", query_string={
            "unit": "H72", "period": month, "channel": channel}).get_data(as_text=True)
        assert f'data-figure="to_handle">{expected}<' in narrowed, channel

    # What the hub cannot answer says so, and is not a server error.
    for path, args in (("/reports/", {"unit": "H72", "department": "H72.01.02"}),
                       ("/reports/", {"unit": "H72", "officer": 1}),
                       ("/reports/officers", {"unit": "H72"})):
        answer = client.get(path, query_string=args)
        assert answer.status_code in (400, 404), (path, args)

    # The catalogue gains the procedure; the rebuild counts the copy that named it.
    with p.hub.app_context():
        session = p.hub.extensions["motcua.db"].session
        district = session.scalar(select(Unit).where(Unit.code == "H72.01.01"))
        make_procedure(session, code="9.999999", name="Thủ tục riêng của huyện",
                       field="Khác", days=3, fee=0, result="Giấy xác nhận", units=[district],
                       documents=[("Đơn", True)])
        session.commit()
        p.hub.extensions["motcua.db"].remove()
    result = p.hub.test_cli_runner().invoke(reports_group, ["rebuild-summary"])
    assert result.exit_code == 0, result.output
    html = client.get("/reports/", query_string={"unit": "H72", "period": month}
                      ).get_data(as_text=True)
    assert 'data-figure="to_handle">4<' in html and "data-hub-unplaced" not in html
