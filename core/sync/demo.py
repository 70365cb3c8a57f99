"""``motcua sync demo``: a hub and two nodes on loopback, each with its own SQLite database.

Each server is a real app instance served over HTTP on its own port; each node runs its
sync worker. The demo receives dossiers at both nodes, shows them appear in the hub's
public lookup, transfers one dossier from the northern node to a unit of the southern
node, and ends with a reconciliation of both nodes against the hub.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from motcua.core import migrate
from motcua.core.accounts import create_account
from motcua.core.db import make_engine
from motcua.core.events import record_event
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Dossier, Procedure, ProcedureDocument, Unit
from motcua.core.sync.hub import register_node
from motcua.core.sync.node import node_from_settings, run_forever
from motcua.core.sync.reconcile import reconcile
from motcua.core.sync.transfers import take_over
from motcua.core.text import fold
from motcua.core.units import create_unit

NODES = {"bac": ["H72.01", "H72.01.01", "X72.25747"], "nam": ["H72.02"]}
APPLICANTS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung",
              "Võ Minh Em"]


def _seed(session, password: str) -> None:  # noqa: ANN001
    """The same small province on every server (units and catalogue are province-wide)."""
    province = create_unit(session, code="H72", name="UBND tỉnh Tây Ninh", kind="province")
    district = create_unit(session, code="H72.01", name="UBND thành phố Tây Ninh",
                           kind="district", parent=province)
    desk = create_unit(session, code="H72.01.01", name="Bộ phận một cửa thành phố Tây Ninh",
                       kind="office", parent=district, receives_dossiers=True)
    create_unit(session, code="X72.25747", name="UBND phường Tân Ninh", kind="commune",
                parent=district, receives_dossiers=True)
    south = create_unit(session, code="H72.02", name="UBND huyện Hòa Thành", kind="district",
                        parent=province, receives_dossiers=True)
    for code, name, unit in (("1.001612", "Đăng ký thành lập hộ kinh doanh", desk),
                             ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", south)):
        procedure = Procedure(code=code, name=name, search_text=fold(f"{code} {name}"),
                              field="Demo", level="district", processing_days=3, fee=0,
                              result_type="Giấy chứng nhận")
        procedure.documents.append(ProcedureDocument(position=0, name="Đơn đề nghị",
                                                     required=True))
        procedure.receiving_units.append(unit)
        session.add(procedure)
    create_account(session, username="letan", password=password, full_name="Lễ Tân Bắc",
                   unit=desk, roles=[("reception", desk)])
    create_account(session, username="letan.nam", password=password, full_name="Lễ Tân Nam",
                   unit=south, roles=[("reception", south)])
    create_account(session, username="cntt", password=password, full_name="Quản Trị CNTT",
                   unit=province, roles=[("ict_admin", province)])
    session.commit()


def _server(app: Flask, stops: list[Callable]) -> str:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stops.append(server.shutdown)
    return f"http://127.0.0.1:{server.server_port}"


def _app(folder: Path, **settings) -> Flask:  # noqa: ANN003
    from motcua.core import create_app

    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'motcua.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return create_app(instance_path=folder / "instance", database_url=url,
                      secret_key=secrets.token_hex(16), **settings)


def _receive(app: Flask, username: str, procedure_code: str, unit_code: str,
             name: str) -> str:
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        actor = session.scalar(select(Account).where(Account.username == username))
        procedure = session.scalar(select(Procedure).where(Procedure.code == procedure_code))
        code = take_in(DeskContext(session, actor, app.config["MOTCUA"]), {
            "procedure_code": procedure_code, "unit_code": unit_code,
            "applicant": {"name": name, "phone": "0912345678",
                          "address": "Tây Ninh", "citizen_id": "072090001234"},
            "submitted_documents": [d.id for d in procedure.documents]}).code
        session.commit()
        database.remove()
    return code


def _transfer(app: Flask, code: str, to_unit: str) -> None:
    """Send a dossier to another agency as the routing engine does (liên thông)."""
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        before = dossier.status
        dossier.holder_unit = session.scalar(select(Unit).where(Unit.code == to_unit))
        dossier.holder_account = None
        dossier.status = "waiting_other_agency"
        actor = session.scalar(select(Account).where(Account.username == "letan"))
        record_event(session, dossier, "transferred", actor=actor, from_status=before,
                     data={"to_unit": to_unit})
        session.commit()
        database.remove()


def _wait_for(url: str, timeout: float = 30.0) -> tuple[dict, float]:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        response = requests.get(url, timeout=5)
        if response.status_code == 200:
            return response.json(), time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s")


def _wait_until_delivered(app: Flask, node_id: str, timeout: float = 30.0) -> None:
    from motcua.core.sync.status import local_sync

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.extensions["motcua.db"].session_factory() as session:
            if local_sync(session, node_id).backlog == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"node {node_id} still has changes to send after {timeout:.0f} s")


def run_demo(workdir: str | None, *, keep_running: bool = False,
             echo: Callable[[str], None] = print) -> dict:
    """Run the demo; returns what it showed (codes and where they were found)."""
    root = Path(workdir or tempfile.mkdtemp(prefix="motcua-sync-demo-"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log in the output
    # Ends in letters: the policy ignores trailing digits when it compares with common
    # passwords, so "demo-" and a token of digits only would read as "demo" (refused).
    password = f"demo-{secrets.token_hex(4)}-hub"
    stops: list[Callable] = []
    stop_workers = threading.Event()
    try:
        hub = _app(root / "hub", role="hub")
        with hub.app_context():
            session = hub.extensions["motcua.db"].session
            _seed(session, password)
            keys = {name: register_node(session, name, units) for name, units in NODES.items()}
            session.commit()
        hub_url = _server(hub, stops)
        echo(f"Hub        {hub_url}  (database {root / 'hub'})")
        nodes: dict[str, Flask] = {}
        for name in NODES:
            app = _app(root / name, role="node", sync_node_id=name, sync_hub_url=hub_url,
                       sync_key=keys[name], sync_in_process=False)
            with app.app_context():
                _seed(app.extensions["motcua.db"].session, password)
            nodes[name] = app
            echo(f"Node {name:<5} {_server(app, stops)}  units {', '.join(NODES[name])}")
            worker = node_from_settings(app.config["MOTCUA"], app.extensions["motcua.db"], app)
            threading.Thread(target=run_forever, args=(worker, stop_workers),
                             kwargs={"idle": 0.2}, daemon=True).start()
        echo(f"Accounts on every server: letan, letan.nam, cntt; password {password}")

        codes = {"bac": [_receive(nodes["bac"], "letan", "1.001612", "H72.01.01", name)
                         for name in APPLICANTS[:3]],
                 "nam": [_receive(nodes["nam"], "letan.nam", "1.009994", "H72.02", name)
                         for name in APPLICANTS[3:]]}
        found = {}
        for name, node_codes in codes.items():
            for code in node_codes:
                answer, waited = _wait_for(f"{hub_url}/api/lookup/{code}")
                found[code] = answer
                echo(f"  {name} -> hub lookup: {code}  {answer['applicant']:<16} "
                     f"{answer['status_label']}  after {waited:.2f} s")

        moved = codes["bac"][0]
        _transfer(nodes["bac"], moved, "H72.02")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if _wait_for(f"{hub_url}/api/lookup/{moved}")[0]["status"] == "waiting_other_agency":
                break
            time.sleep(0.1)
        nam = node_from_settings(nodes["nam"].config["MOTCUA"],
                                 nodes["nam"].extensions["motcua.db"], nodes["nam"])
        taken = take_over(nam)
        echo(f"  transfer: {moved} sent from bac to H72.02; node nam took over {taken}")

        for name in NODES:  # let the workers deliver everything (the take-over's re-send)
            _wait_until_delivered(nodes[name], name)
        for name in NODES:
            worker = node_from_settings(nodes[name].config["MOTCUA"],
                                        nodes[name].extensions["motcua.db"], nodes[name])
            report = reconcile(worker)
            echo(f"  reconcile {name}: {report.compared} unit-days compared, "
                 f"{len(report.differences)} differ")
        echo(f"Look a dossier up at the hub: {hub_url}/tra-cuu/{codes['nam'][0]}")
        echo(f"ICT sync page at the hub:    {hub_url}/ict/sync/  (log in as cntt)")
        if keep_running:
            echo("Servers keep running; Ctrl+C to stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return {"hub_url": hub_url, "codes": codes, "found": found, "transferred": taken}
    finally:
        stop_workers.set()
        for stop in stops:
            stop()
