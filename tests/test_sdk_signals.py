"""Lifecycle signals: sent after the matching event, with the documented payloads; a
failing receiver never undoes or aborts the core's change."""

from __future__ import annotations

import types
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from motcua.core.models import Dossier, DossierEvent
from motcua.core.workflow.overdue import check_overdue
from motcua_sdk import DossierView, EventView, IssuedResult, ProcedureSpec, hookimpl, services
from motcua_sdk import signals as sdk_signals
from tests.test_plugin_manager import plugin_app, receive, with_world


class Recorder:
    """Connects to every lifecycle signal and keeps what it hears."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, DossierView, EventView]] = []

    def __enter__(self) -> Recorder:
        for signal in sdk_signals.LIFECYCLE:
            signal.connect(self._receiver(signal.name), weak=False)
        return self

    def _receiver(self, name: str):
        def receive_signal(dossier, event):
            self.heard.append((name, dossier, event))

        receive_signal.__name__ = f"record_{name}"
        self._receivers = getattr(self, "_receivers", []) + [(name, receive_signal)]
        return receive_signal

    def __exit__(self, *exc) -> None:
        for name, receiver in self._receivers:
            sdk_signals.LIFECYCLE[[s.name for s in sdk_signals.LIFECYCLE].index(name)
                                  ].disconnect(receiver)

    def names(self, code: str) -> list[str]:
        return [name for name, dossier, _event in self.heard if dossier.code == code]

    def event(self, code: str, name: str) -> tuple[DossierView, EventView]:
        return next((d, e) for n, d, e in self.heard if d.code == code and n == name)


@pytest.fixture
def world_app(templates, backend, tmp_path):
    app = plugin_app(templates, backend, tmp_path)
    yield app, with_world(app)
    app.extensions["motcua.db"].dispose()


def test_received_signal_carries_the_documented_payload(world_app):
    app, world = world_app
    with Recorder() as recorder:
        code = receive(app, world)
    assert recorder.names(code) == ["received"]
    dossier, event = recorder.event(code, "received")
    assert isinstance(dossier, DossierView) and isinstance(event, EventView)
    assert (dossier.status, dossier.procedure_code, dossier.unit_code) == (
        "received", world.household_business.code, world.district_desk.code)
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert (event.kind, event.sequence, event.to_status) == ("received", 1, "received")
    assert event.actor == world.accounts["reception"].username
    assert dict(event.data) == {}
    with pytest.raises(TypeError):
        dossier.specialist_data["x"] = 1  # read-only views
    with pytest.raises(AttributeError):
        dossier.status = "refused"


def test_a_failing_receiver_does_not_abort_intake(world_app):
    """Even one whose SQL fails: on PostgreSQL that would abort the whole transaction
    without the savepoint the core puts around each receiver."""
    app, world = world_app

    def bad_sql(dossier, event):
        services.session().execute(text("SELECT * FROM no_such_table"))

    def raises(dossier, event):
        raise RuntimeError("receiver bug")

    later = []

    def still_called(dossier, event):
        later.append(dossier)

    for receiver in (bad_sql, raises, still_called):
        sdk_signals.received.connect(receiver)
    try:
        code = receive(app, world)
    finally:
        for receiver in (bad_sql, raises, still_called):
            sdk_signals.received.disconnect(receiver)
    database = app.extensions["motcua.db"]
    with app.app_context():
        dossier = database.session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.status == "received"
        assert database.session.scalars(select(DossierEvent.kind).where(
            DossierEvent.dossier_id == dossier.id)).all() == ["received"]
    assert [d.code for d in later] == [code]
    failures = [f.message for f in app.extensions["motcua.plugins"].failures]
    assert any("no_such_table" in message for message in failures)
    assert any("receiver bug" in message for message in failures)


def test_receivers_of_a_refused_plugin_are_skipped(templates, tmp_path):
    plugin = types.ModuleType("fakeplug_signals")
    plugin.MOTCUA_API = ">=9"
    heard = []

    def on_received(dossier, event):
        heard.append(dossier.code)

    on_received.__module__ = "fakeplug_signals.receivers"
    sdk_signals.received.connect(on_received)
    try:
        app = plugin_app(templates, "sqlite", tmp_path, ("fakeplug", plugin))
        assert app.extensions["motcua.plugins"].records["fakeplug"].state == "refused"
        receive(app, with_world(app))
        assert heard == []
        app.extensions["motcua.db"].dispose()
    finally:
        sdk_signals.received.disconnect(on_received)


def test_every_contract_kind_has_a_documented_signal():
    contract = {"received", "transferred", "supplement_requested", "supplemented",
                "paused_for_payment", "payment_recorded", "result_issued", "returned",
                "refused", "withdrawn", "overdue",
                "claimed", "assigned", "forwarded", "sent_back", "submitted_for_approval",
                "approved", "apologized"}
    assert {signal.name for signal in sdk_signals.LIFECYCLE} == contract
    assert set(sdk_signals.ROUTING) <= set(sdk_signals.LIFECYCLE)
    for signal in sdk_signals.LIFECYCLE:
        assert signal.__doc__ and len(signal.__doc__.strip()) > 40, signal.name
    assert [signal.name for signal in sdk_signals.COOPERATION] == ["annotated"]
    assert "source" in sdk_signals.signal_for("annotated").__doc__
    for kind, documented in [("transferred", "to_unit"), ("supplement_requested", "missing"),
                             ("supplemented", "paused_working_minutes"),
                             ("result_issued", "number"), ("returned", "collected_by"),
                             ("assigned", "to_account"), ("forwarded", "to_step"),
                             ("sent_back", "reason"), ("submitted_for_approval", "from_step"),
                             ("approved", "to_step"), ("apology", "original_due_at")]:
        assert documented in sdk_signals.signal_for(kind).__doc__


# ------------------------------------------------------------- lifecycle with the test kit

SPEC = ProcedureSpec(
    code="9.000009", name="Cấp giấy phép thử", field="Thử nghiệm", level="district",
    processing_days=5, result_type="Giấy phép thử",
    workflow=[{"name": "Thẩm định", "role": "specialist", "days": 3,
               "unit": "function:finance"},
              {"name": "Phê duyệt", "role": "leader", "days": 2, "unit": "function:finance"}])


class LicencePlugin:
    MOTCUA_API = ">=0.1,<0.2"
    issued = 0

    @hookimpl
    def motcua_procedures(self):
        return [SPEC]

    @hookimpl
    def motcua_issue_result(self, dossier, actor):
        LicencePlugin.issued += 1
        return IssuedResult(number=f"{LicencePlugin.issued:03d}/GP", title="Giấy phép thử",
                            data={"issued_by": actor.username})


@pytest.fixture
def motcua_extra_plugins():
    return [("licence", LicencePlugin())]


def test_lifecycle_signals_with_the_test_kit(motcua_flow, motcua_app):
    with Recorder() as recorder:
        first = motcua_flow.take_in(SPEC.code)
        finished = motcua_flow.finish(first.code)
        second = motcua_flow.take_in(SPEC.code)
        motcua_flow.act(second.code, "claim", "specialist")
        motcua_flow.act(second.code, "request_supplement", "specialist",
                        missing=["Bản sao sổ hộ khẩu"])
        motcua_flow.act(second.code, "record_supplement", "reception")
        motcua_flow.act(second.code, "transfer", "specialist", to_unit="function:justice")
        motcua_flow.act(second.code, "withdraw", "reception", reason="Người nộp rút hồ sơ")
        third = motcua_flow.take_in(SPEC.code)
        motcua_flow.act(third.code, "claim", "specialist")
        motcua_flow.act(third.code, "refuse", "specialist", reason="Không đủ điều kiện")
        fourth = motcua_flow.take_in(SPEC.code)
        with motcua_app.app_context():
            session = motcua_app.extensions["motcua.db"].session
            dossier = session.scalar(select(Dossier).where(Dossier.code == fourth.code))
            check_overdue(session, dossier.due_at + timedelta(hours=1))
            session.commit()

    assert finished.status == "returned" and finished.result["number"] == "001/GP"
    assert recorder.names(first.code) == ["received", "submitted_for_approval",
                                          "result_issued", "returned"]
    view, event = recorder.event(first.code, "result_issued")
    assert view.status == "result_ready" and view.result["number"] == "001/GP"
    assert event.data["number"] == "001/GP" and event.data["issued_by"] == "kit.lanhdao"
    _view, event = recorder.event(first.code, "returned")
    assert dict(event.data) == {"collected_by": "Nguyễn Văn An", "method": "in_person"}

    assert recorder.names(second.code) == ["received", "claimed", "supplement_requested",
                                           "supplemented", "transferred", "withdrawn"]
    view, event = recorder.event(second.code, "supplement_requested")
    assert view.status == "waiting_supplement" and list(event.data["missing"]) == [
        "Bản sao sổ hộ khẩu"]
    _view, event = recorder.event(second.code, "supplemented")
    assert {"paused_working_minutes", "old_due_at", "new_due_at"} <= set(event.data)
    view, event = recorder.event(second.code, "transferred")
    assert event.data["to_unit"] == "H99.01.03" and view.holder_unit_code == "H99.01.03"
    view, event = recorder.event(second.code, "withdrawn")
    assert view.status == "withdrawn" and event.note == "Người nộp rút hồ sơ"

    assert recorder.names(third.code) == ["received", "claimed", "refused"]
    assert recorder.event(third.code, "refused")[1].note == "Không đủ điều kiện"
    assert recorder.names(fourth.code) == ["received", "overdue"]
    assert recorder.event(fourth.code, "overdue")[1].actor is None
