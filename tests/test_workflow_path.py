"""The routing engine end to end: desk → department → leader → result → returned,
liên thông, refusal, withdrawal, workflow versions, queues, control slip, overdue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from motcua.core.errors import ValidationError
from motcua.core.models import Dossier, DossierWorkflow, StepHolding
from motcua.core.workflow import actions
from motcua.core.workflow.control import control_slip_rows
from motcua.core.workflow.definitions import save_workflow
from motcua.core.workflow.overdue import check_overdue
from motcua.core.workflow.queues import my_queue, unit_queue
from tests.test_workflow_support import (
    TWO_STEPS,
    Clock,
    add_routing,
    assert_history_consistent,
    event_kinds,
    receive,
    vn,
)


def test_whole_path_desk_department_leader_result_returned(app, db, routing, monkeypatch):
    clock = Clock(monkeypatch, vn(2026, 12, 7, 9, 0))  # Monday
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        assert dossier.status == "received"
        assert dossier.holder_unit_id == routing.world.finance_office.id  # function:finance
        assert dossier.holder_account_id is None
        specialist = routing.account(session, "specialist")
        assert dossier in unit_queue(session, specialist)
        assert my_queue(session, specialist) == []

        clock.set(vn(2026, 12, 7, 10, 0))
        actions.claim(session, dossier, specialist)
        session.commit()
        assert (dossier.status, dossier.holder_account_id) == ("in_processing", specialist.id)
        assert my_queue(session, specialist) == [dossier]

        clock.set(vn(2026, 12, 8, 15, 0))
        actions.submit_for_approval(session, dossier, specialist, note="Đủ điều kiện")
        session.commit()
        assert dossier.status == "waiting_approval"
        assert dossier.holder_unit_id == routing.world.district.id  # "parent" of the desk
        leader = routing.account(session, "leader")
        assert dossier in unit_queue(session, leader)

        clock.set(vn(2026, 12, 9, 9, 0))
        actions.approve(session, dossier, leader)
        session.commit()
        assert dossier.status == "result_ready"
        assert dossier.finished_at == vn(2026, 12, 9, 9, 0)
        assert dossier.holder_unit_id == routing.world.district_desk.id
        reception = routing.account(session, "reception")
        assert dossier in unit_queue(session, reception)

        actions.issue_result(session, dossier, reception, result={"number": "HKD-0001"})
        session.commit()
        with pytest.raises(ValidationError):
            actions.issue_result(session, dossier, reception, result={"number": "HKD-0002"})
        session.rollback()

        clock.set(vn(2026, 12, 10, 14, 0))
        actions.return_result(session, dossier, reception, collected_by="Nguyễn Văn An",
                              method="in_person")
        session.commit()
        assert dossier.status == "returned"
        assert dossier.returned_at == vn(2026, 12, 10, 14, 0)
        assert event_kinds(session, dossier) == [
            "received", "claimed", "submitted_for_approval", "approved", "result_issued",
            "returned"]
        assert_history_consistent(session, dossier)
        returned = dossier.events[-1]
        assert returned.data == {"collected_by": "Nguyễn Văn An", "method": "in_person"}

        rows = control_slip_rows(session, dossier)
        assert [(r.step, r.holder_unit_code, r.holder_person) for r in rows] == [
            (None, "H72.01.01", "Nguyễn Thị Lễ Tân"),
            (0, "H72.01.02", "Phạm Chuyên Viên"),
            (1, "H72.01", "Võ Lãnh Đạo"),
            (None, "H72.01.01", "Nguyễn Thị Lễ Tân"),
        ]
        assert rows[1].time_in == vn(2026, 12, 7, 9, 0)
        assert rows[1].time_out == rows[2].time_in == vn(2026, 12, 8, 15, 0)
        # 1.5 working days of 570 minutes from Monday 09:00: Tuesday 13:45.
        assert rows[1].due_at == vn(2026, 12, 8, 13, 45)
        assert rows[1].on_time is False and rows[2].on_time is True
        assert rows[3].time_out == vn(2026, 12, 10, 14, 0)


def test_an_approved_dossier_is_returned_only_once_its_result_is_issued(app, db, routing):
    """After the last approval the desk is offered "issue result", not "return": a
    return before the result would hand the applicant nothing, with no result_issued
    event and no result SMS. The action itself refuses it (web, API, CLI, plugins)."""
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        actions.submit_for_approval(session, dossier, specialist)
        actions.approve(session, dossier, routing.account(session, "leader"))
        session.commit()
        reception = routing.account(session, "reception")
        assert dossier.status == "result_ready" and not dossier.result
        offered = actions.available_actions(session, dossier, reception)
        assert "issue_result" in offered and "return_result" not in offered
        version = dossier.version
        with pytest.raises(ValidationError, match="not been issued"):
            actions.return_result(session, dossier, reception, collected_by="An",
                                  method="in_person")
        session.rollback()
        assert (dossier.status, dossier.version) == ("result_ready", version)

        actions.issue_result(session, dossier, reception, result={"number": "HKD-0009"})
        session.commit()
        assert "return_result" in actions.available_actions(session, dossier, reception)
        actions.return_result(session, dossier, reception, collected_by="An",
                              method="in_person")
        session.commit()
        assert event_kinds(session, dossier)[-2:] == ["result_issued", "returned"]


def test_default_workflow_is_one_step_at_the_receiving_unit(app, db, world):
    with app.app_context():
        session = db.session
        routing = add_routing(session, world, steps=None)
        dossier = receive(session, app, routing)
        instance = session.get(DossierWorkflow, dossier.id)
        assert instance.workflow_id is None
        assert instance.steps == [{"name": "Xử lý hồ sơ", "role": "specialist", "days": 3,
                                   "unit": "receiving"}]
        assert dossier.holder_unit_id == world.district_desk.id
        # Nobody holds the specialist role at the desk itself, so the ICT admin does it.
        admin = routing.account(session, "ict_admin")
        actions.issue_result(session, dossier, admin, result={"number": "1"})
        session.commit()
        assert dossier.status == "result_ready"


def test_lien_thong_to_another_agency_and_sideways_to_the_tax_office(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        # Within the district: still in processing.
        actions.transfer(session, dossier, specialist, to_unit="function:justice",
                         note="Xác minh hộ tịch")
        session.commit()
        assert (dossier.status, dossier.holder_unit.code) == ("in_processing", "H72.01.03")
        justice = routing.account(session, "justice_specialist")
        actions.claim(session, dossier, justice)
        # Sideways to the tax office (outside the district): waiting for another agency.
        actions.transfer(session, dossier, justice, to_unit="function:tax")
        session.commit()
        assert (dossier.status, dossier.holder_unit.code) == ("waiting_other_agency",
                                                              "H72.T01")
        assert dossier.events[-1].data["to_unit"] == "H72.T01"
        tax = routing.account(session, "tax_specialist")
        assert dossier in unit_queue(session, tax)
        actions.claim(session, dossier, tax)
        assert dossier.status == "waiting_other_agency"
        # Up to the province, then back to the finance office that owns the step.
        actions.transfer(session, dossier, tax, to_unit="H72.03")
        planning = routing.account(session, "planning_specialist")
        actions.transfer(session, dossier, planning, to_unit="H72.01.02")
        session.commit()
        assert (dossier.status, dossier.holder_unit.code) == ("in_processing", "H72.01.02")
        assert session.get(DossierWorkflow, dossier.id).transferred is False
        actions.claim(session, dossier, specialist)
        actions.submit_for_approval(session, dossier, specialist)
        session.commit()
        assert dossier.status == "waiting_approval"
        units = [row.holder_unit_code for row in control_slip_rows(session, dossier)]
        assert units == ["H72.01.01", "H72.01.02", "H72.01.03", "H72.T01", "H72.03",
                         "H72.01.02", "H72.01"]
        assert_history_consistent(session, dossier)


def test_send_back_returns_to_the_last_holder_of_the_step(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        leader = routing.account(session, "leader")
        actions.claim(session, dossier, specialist)
        actions.submit_for_approval(session, dossier, specialist)
        with pytest.raises(ValidationError, match="(?i)reason"):
            actions.send_back(session, dossier, leader, to_step=0, reason="  ")
        with pytest.raises(ValidationError):
            actions.send_back(session, dossier, leader, to_step=1, reason="x")
        actions.send_back(session, dossier, leader, to_step=0, reason="Thiếu xác minh")
        session.commit()
        assert dossier.status == "in_processing"
        assert dossier.holder_account_id == specialist.id
        assert dossier.events[-1].data == {"from_step": 1, "to_step": 0}
        assert dossier.events[-1].note == "Thiếu xác minh"


def test_assign_by_a_leader_and_claim_refused_when_held(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        specialist, other = (routing.account(session, "specialist"),
                             routing.account(session, "specialist2"))
        actions.claim(session, dossier, specialist)
        with pytest.raises(ValidationError, match="already holds"):
            actions.claim(session, dossier, other)
        head = routing.account(session, "finance_leader")
        actions.assign(session, dossier, head, "chuyenvien2")
        session.commit()
        assert dossier.holder_account_id == other.id
        assert dossier.events[-1].data == {"to_account": "chuyenvien2"}
        with pytest.raises(ValidationError, match="role"):
            actions.assign(session, dossier, head, "thue")
        rows = control_slip_rows(session, dossier)
        assert [r.holder_person for r in rows[1:]] == ["Phạm Chuyên Viên",
                                                      "Lý Chuyên Viên Hai"]
        assert rows[1].due_at == rows[2].due_at  # a hand-over inside the unit


def test_refusal_during_processing(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        with pytest.raises(ValidationError, match="(?i)reason"):
            actions.refuse(session, dossier, specialist, reason="")
        actions.refuse(session, dossier, specialist, reason="Ngành nghề cấm kinh doanh")
        session.commit()
        assert dossier.status == "refused" and dossier.finished_at is not None
        assert dossier.refusal_reason == "Ngành nghề cấm kinh doanh"
        assert dossier.holder_unit_id == routing.world.district_desk.id
        with pytest.raises(actions.Forbidden):  # back at the desk: not theirs any more
            actions.claim(session, dossier, specialist)
        with pytest.raises(ValidationError, match="refused"):
            actions.withdraw(session, dossier, routing.account(session, "reception"),
                             reason="x")
        assert event_kinds(session, dossier) == ["received", "claimed", "refused"]


def test_withdrawal_during_a_supplement_pause(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        reception = routing.account(session, "reception")
        specialist = routing.account(session, "specialist")
        actions.request_supplement(session, dossier, specialist, missing=["Bản sao CCCD"])
        session.commit()
        with pytest.raises(actions.Forbidden):
            actions.withdraw(session, dossier, specialist, reason="x")
        actions.withdraw(session, dossier, reception, reason="Người nộp xin rút hồ sơ")
        session.commit()
        assert dossier.status == "withdrawn" and dossier.finished_at is not None
        assert session.get(DossierWorkflow, dossier.id).paused_at is None
        assert event_kinds(session, dossier) == ["received", "supplement_requested",
                                                 "withdrawn"]


def test_forward_moves_between_specialist_steps_and_checks_the_next_step(app, db, world):
    steps = [
        {"name": "Tiếp nhận chuyên môn", "role": "specialist", "days": 0.5,
         "unit": "function:finance"},
        {"name": "Xác minh tư pháp", "role": "specialist", "days": 1,
         "unit": "function:justice"},
        {"name": "Ký duyệt", "role": "leader", "days": 1, "unit": "parent"},
    ]
    with app.app_context():
        session = db.session
        routing = add_routing(session, world, steps=steps)
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        with pytest.raises(ValidationError, match="not a leader"):
            actions.submit_for_approval(session, dossier, specialist)
        actions.forward(session, dossier, specialist)
        session.commit()
        assert (dossier.holder_unit.code, dossier.status) == ("H72.01.03", "in_processing")
        assert dossier.events[-1].data == {"from_step": 0, "to_step": 1}
        justice = routing.account(session, "justice_specialist")
        with pytest.raises(ValidationError, match="approval"):
            actions.forward(session, dossier, justice)
        with pytest.raises(ValidationError, match="last step"):
            actions.issue_result(session, dossier, justice, result={"number": "1"})
        actions.submit_for_approval(session, dossier, justice)
        leader = routing.account(session, "leader")
        actions.issue_result(session, dossier, leader, result={"number": "HKD-9"})
        session.commit()
        assert dossier.status == "result_ready" and dossier.result == {"number": "HKD-9"}


def test_a_workflow_change_applies_only_to_new_dossiers(app, db, routing):
    with app.app_context():
        session = db.session
        first = receive(session, app, routing)
        new_steps = [dict(TWO_STEPS[0], unit="function:justice", days=2), TWO_STEPS[1]]
        admin = routing.account(session, "ict_admin")
        workflow = save_workflow(session, routing.world.household_business, new_steps, admin,
                                 note="justice checks first")
        session.commit()
        assert workflow.version == 2
        second = receive(session, app, routing)
        one, two = (session.get(DossierWorkflow, first.id),
                    session.get(DossierWorkflow, second.id))
        assert (one.workflow_version, two.workflow_version) == (1, 2)
        assert first.holder_unit.code == "H72.01.02"
        assert second.holder_unit.code == "H72.01.03"
        # The running dossier keeps version 1 all the way.
        specialist = routing.account(session, "specialist")
        actions.claim(session, first, specialist)
        actions.submit_for_approval(session, first, specialist)
        session.commit()
        assert first.status == "waiting_approval"


def test_workflow_validation_and_who_may_edit(app, db, routing):
    with app.app_context():
        session = db.session
        procedure = routing.world.household_business
        admin = routing.account(session, "ict_admin")
        bad = [
            ([], "non-empty"),
            ([{"name": "x", "role": "boss", "days": 1, "unit": "receiving"}], "role"),
            ([{"name": "x", "role": "specialist", "days": 0, "unit": "receiving"}], "days"),
            ([{"name": "x", "role": "specialist", "days": True, "unit": "receiving"}], "days"),
            ([{"name": "x", "role": "leader", "days": 1, "unit": "receiving"}], "first step"),
            ([{"name": "x", "role": "specialist", "days": 1, "unit": "function:Tax!"}],
             "function"),
            ([{"name": "x", "role": "specialist", "days": 1, "unit": "H99.99"}], "H99.99"),
            ([{"name": "x", "role": "specialist", "days": 1, "unit": "function:none"}],
             "none"),
            ([{"name": "x", "role": "specialist", "days": 5, "unit": "receiving"}], "more"),
            ([{"name": "x", "role": "specialist", "days": 1, "unit": "receiving",
               "extra": 1}], "unknown"),
        ]
        for steps, message in bad:
            with pytest.raises(ValidationError, match=message):
                save_workflow(session, procedure, steps, admin)
        with pytest.raises(actions.Forbidden):
            save_workflow(session, procedure, TWO_STEPS, routing.account(session, "leader"))
        session.rollback()


def test_overdue_is_recorded_once_per_dossier(app, db, routing, monkeypatch):
    clock = Clock(monkeypatch, vn(2026, 11, 23, 9, 0))
    with app.app_context():
        session = db.session
        late = receive(session, app, routing)
        waiting = receive(session, app, routing)
        actions.request_supplement(session, waiting, routing.account(session, "specialist"),
                                   missing=["Giấy tờ"])
        session.commit()
        late_id, waiting_id = late.id, waiting.id
        clock.set(vn(2026, 11, 23, 10, 0))
    checker = db.session_factory()
    assert check_overdue(checker) == 0
    clock.set(vn(2026, 12, 1, 9, 0))
    assert check_overdue(checker) == 1  # the paused dossier's clock stands still
    assert check_overdue(checker) == 0
    checker.close()
    with app.app_context():
        session = db.session
        late = session.get(Dossier, late_id)
        assert event_kinds(session, late).count("overdue") == 1
        assert "overdue" not in event_kinds(session, session.get(Dossier, waiting_id))
        assert_history_consistent(session, late)
        late.status  # noqa: B018 - loaded, unchanged
        assert late.status == "received"


def test_every_open_holding_is_unique(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        actions.transfer(session, dossier, specialist, to_unit="function:tax")
        session.commit()
        open_rows = session.scalars(select(StepHolding).where(
            StepHolding.dossier_id == dossier.id, StepHolding.time_out.is_(None))).all()
        assert len(open_rows) == 1 and open_rows[0].unit_id == routing.tax_office.id


def test_plugin_default_workflows_and_a_failing_provider(app, db, world):
    from motcua.core.workflow import definitions

    def broken(procedure):  # noqa: ANN001, ANN202
        raise RuntimeError("plugin bug")

    def household(procedure):  # noqa: ANN001, ANN202
        return TWO_STEPS if procedure.code == "1.001612" else None

    definitions.register_default_provider(broken)
    definitions.register_default_provider(household)
    try:
        with app.app_context():
            session = db.session
            routing = add_routing(session, world, steps=None)
            dossier = receive(session, app, routing)
            instance = session.get(DossierWorkflow, dossier.id)
            assert instance.steps == TWO_STEPS and instance.workflow_id is None
            assert dossier.holder_unit.code == "H72.01.02"
    finally:
        definitions.unregister_default_provider(broken)
        definitions.unregister_default_provider(household)


def test_available_actions_follow_the_state(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        assert actions.available_actions(session, dossier, specialist) == [
            "claim", "submit_for_approval", "transfer", "request_supplement",
            "pause_for_payment", "apologize", "refuse"]
        assert actions.available_actions(
            session, dossier, routing.account(session, "other_specialist")) == []
        reception = routing.account(session, "reception")
        assert actions.available_actions(session, dossier, reception) == [
            "request_supplement", "apologize", "withdraw"]
        actions.claim(session, dossier, specialist)
        actions.submit_for_approval(session, dossier, specialist)
        session.commit()
        leader = routing.account(session, "leader")
        assert actions.available_actions(session, dossier, leader) == [
            "approve", "send_back", "issue_result", "apologize", "refuse"]


def test_a_dossier_arriving_without_a_workflow_is_adopted_where_it_stands(app, db, routing):
    """As a dossier handed over from another server arrives: no workflow rows here."""
    from sqlalchemy import delete

    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        session.execute(delete(StepHolding).where(StepHolding.dossier_id == dossier.id))
        session.execute(delete(DossierWorkflow).where(DossierWorkflow.dossier_id == dossier.id))
        dossier.holder_unit_id = routing.tax_office.id
        dossier.status = "waiting_other_agency"
        session.commit()
        session.expire_all()
        tax = routing.account(session, "tax_specialist")
        assert actions.ensure_workflow(session, dossier).transferred is True
        session.commit()
        assert dossier in unit_queue(session, tax)
        actions.claim(session, dossier, tax)
        actions.transfer(session, dossier, tax, to_unit="H72.01.02")
        session.commit()
        instance = session.get(DossierWorkflow, dossier.id)
        assert (instance.transferred, instance.step_index) == (False, 0)
        assert dossier.status == "in_processing"
        assert [r.holder_unit_code for r in control_slip_rows(session, dossier)] == [
            "H72.T01", "H72.01.02"]
        assert_history_consistent(session, dossier)
