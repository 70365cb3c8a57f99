"""The one lookup service every citizen channel calls (004 Art. 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from motcua.core.events import record_event
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Dossier, Unit
from motcua.core.timeutil import now
from motcua.lookup.service import (
    MalformedCode,
    MalformedPhone4,
    UnknownCode,
    lookup,
    mask_name,
)
from tests.factories import applicant, intake_data


@pytest.fixture
def english(app):
    """Labels in English (the msgids), whatever the deployment's default language."""
    with app.test_request_context("/?lang=en"):
        yield


def receive(app, db, world, **overrides) -> str:
    """Take a dossier in at the district desk; returns its code."""
    actor = db.session.get(Account, world.accounts["reception"].id)
    dossier = take_in(DeskContext(db.session, actor, app.config["MOTCUA"]),
                      intake_data(world, **overrides))
    db.session.commit()
    return dossier.code


def move(db, code: str, kind: str, status: str, unit: Unit, officer: Account | None,
         **fields) -> None:
    """Put the dossier in ``status`` at ``unit``/``officer`` and record the event, as the
    workflow does."""
    session = db.session
    dossier = session.query(Dossier).filter_by(code=code).one()
    before, before_unit = dossier.status, dossier.holder_unit_id
    dossier.status = status
    dossier.holder_unit = session.get(Unit, unit.id)
    dossier.holder_account = session.get(Account, officer.id) if officer else None
    for name, value in fields.items():
        setattr(dossier, name, value)
    record_event(session, dossier, kind, actor=None, from_status=before,
                 from_unit_id=before_unit, note="Gọi 0912345678, CCCD 072090001234")
    session.commit()


def test_received_dossier_shows_status_desk_officer_and_district_agency(app, db, world, english):
    code = receive(app, db, world)
    result = lookup(db.session, code)
    assert result.code == code
    assert (result.status, result.status_label) == ("received", "Received")
    assert result.procedure_code == world.household_business.code
    assert result.procedure_name == world.household_business.name
    assert result.receiving_unit.code == world.district_desk.code
    assert result.department.name == world.district_desk.name
    assert result.agency.name == world.district.name  # the desk answers to its committee
    assert result.officer is None  # unclaimed, in its first workflow step's queue
    assert result.due_at > result.received_at
    assert result.late is False and result.on_time is True
    assert [entry.kind for entry in result.timeline] == ["received"]
    assert result.timeline[0].label == "Dossier received"
    assert result.timeline[0].unit.code == world.district_desk.code


STATUS_CASES = [
    ("transferred", "in_processing", "In processing", "finance_office", "specialist"),
    ("supplement_requested", "waiting_supplement", "Waiting for supplement", "district_desk",
     "reception"),
    ("sent_to_other_agency", "waiting_other_agency", "Waiting for another agency",
     "finance_office", "specialist"),
    ("submitted_for_approval", "waiting_approval", "Waiting for approval", "district",
     "leader"),
    ("result_issued", "result_ready", "Result ready", "district_desk", "reception"),
    ("withdrawn", "withdrawn", "Withdrawn", "district_desk", None),
    ("refused", "refused", "Refused", "finance_office", "specialist"),
]


@pytest.mark.parametrize(("kind", "status", "label", "unit_name", "officer"), STATUS_CASES)
def test_each_status_shows_its_label_and_who_holds_it(app, db, world, english, kind, status,
                                                      label, unit_name, officer):
    code = receive(app, db, world)
    unit = getattr(world, unit_name)
    account = world.accounts[officer] if officer else None
    move(db, code, kind, status, unit, account)
    result = lookup(db.session, code)
    assert (result.status, result.status_label) == (status, label)
    assert result.department.name == unit.name
    assert result.agency.name == world.district.name
    assert result.officer == (account.full_name if account else None)
    assert [entry.kind for entry in result.timeline] == ["received", kind]
    assert result.timeline[-1].unit.name == unit.name


def test_returned_dossier_has_finished_and_returned_dates(app, db, world, english):
    code = receive(app, db, world)
    finished = now()
    move(db, code, "result_issued", "result_ready", world.district_desk,
         world.accounts["reception"], finished_at=finished)
    move(db, code, "returned", "returned", world.district_desk, world.accounts["reception"],
         returned_at=finished + timedelta(hours=1))
    result = lookup(db.session, code)
    assert result.status_label == "Returned to applicant"
    assert result.finished_at == finished
    assert result.returned_at == finished + timedelta(hours=1)
    assert result.timeline[-1].label == "Result returned to applicant"


def test_unknown_event_kind_is_labelled_by_the_status_it_led_to(app, db, world, english):
    code = receive(app, db, world)
    move(db, code, "cadastre_measured", "in_processing", world.finance_office, None)
    assert lookup(db.session, code).timeline[-1].label == "In processing"


def test_overdue_dossier_is_reported_late(app, db, world, english):
    code = receive(app, db, world)
    dossier = db.session.query(Dossier).filter_by(code=code).one()
    dossier.due_at = now() - timedelta(hours=1)
    db.session.commit()
    result = lookup(db.session, code)
    assert result.late is True and result.on_time is False
    assert result.to_dict()["on_time"] is False


def test_public_result_masks_the_applicant_and_leaks_no_id_phone_or_notes(app, db, world):
    code = receive(app, db, world)
    move(db, code, "transferred", "in_processing", world.finance_office,
         world.accounts["specialist"])
    result = lookup(db.session, code)
    assert result.applicant == "N*** V*** An"
    assert result.verified is False
    assert result.documents is None
    text = repr(result.to_dict())
    for secret in ("072090001234", "0912345678", "5678", "Nguyễn Văn An", "an@example.vn",
                   "Tân Ninh, Tây Ninh", "CCCD"):
        assert secret not in text


@pytest.mark.parametrize(("name", "masked"), [
    ("Nguyễn Văn An", "N*** V*** An"),
    ("  Trần   Thị  Bích  Ngọc ", "T*** T*** B*** Ngọc"),
    ("Đức", "Đ***"),
    ("", ""),
])
def test_mask_name_keeps_initials_and_the_given_name(name, masked):
    assert mask_name(name) == masked


def test_right_phone_digits_unlock_name_checklist_and_result(app, db, world):
    code = receive(app, db, world)
    move(db, code, "result_issued", "result_ready", world.district_desk,
         world.accounts["reception"], result={"number": "45A8012345"})
    result = lookup(db.session, code, "5678")
    assert result.verified is True
    assert result.applicant == "Nguyễn Văn An"
    assert [line.name for line in result.documents] == [
        d.name for d in world.household_business.documents]
    assert [line.submitted for line in result.documents] == [True, True, False]
    assert result.result == {"number": "45A8012345"}
    assert "072090001234" not in repr(result.to_dict())


def test_wrong_phone_digits_give_only_the_public_view(app, db, world):
    code = receive(app, db, world)
    result = lookup(db.session, code, "1234")
    assert result.verified is False
    assert result.applicant == "N*** V*** An"
    assert result.documents is None
    assert result.extra["phone4"] == "wrong"


def test_dossier_without_phone_cannot_be_unlocked(app, db, world):
    code = receive(app, db, world, applicant=applicant(phone=None))
    assert lookup(db.session, code, "0000").verified is False


@pytest.mark.parametrize("phone4", ["123", "12345", "abcd", "12 4", "١٢٣٤", "１２３４"])
def test_phone_digits_must_be_exactly_four(app, db, world, phone4):
    code = receive(app, db, world)
    with pytest.raises(MalformedPhone4) as caught:
        lookup(db.session, code, phone4)
    assert caught.value.status_code == 400
    assert "4 digits" in caught.value.message


def test_code_typed_or_scanned_carelessly_still_finds_the_dossier(app, db, world):
    code = receive(app, db, world)
    sloppy = f"  {code.lower()} \n"
    assert lookup(db.session, sloppy).code == code
    assert lookup(db.session, code.replace("-", " - ")).code == code
    assert lookup(db.session, code.replace("-", "–")).code == code  # Vietnamese keyboard dash


def test_qr_link_typed_by_a_2d_scanner_finds_the_dossier(app, db, world):
    code = receive(app, db, world)
    assert lookup(db.session, f"https://motcua.example.vn/tra-cuu/{code}\n").code == code
    assert lookup(db.session, f"HTTP://10.0.0.5:5000/TRA-CUU/{code}?x=1").code == code


def test_code_from_the_brief_normalises(app, db, world):
    with pytest.raises(UnknownCode) as caught:
        lookup(db.session, " h72.01.01-261122-0001 \n")
    assert "H72.01.01-261122-0001" in caught.value.message


def test_unknown_code_is_not_found_with_a_message(app, db, world):
    receive(app, db, world)
    with pytest.raises(UnknownCode) as caught:
        lookup(db.session, "H72.01.01-991231-9999")
    assert caught.value.status_code == 404
    assert "H72.01.01-991231-9999" in caught.value.message


@pytest.mark.parametrize("raw", [None, "", "   ", "hello", "H72.01.01-2611-0001",
                                 "'; DROP TABLE dossiers; --", "H72/01/01-261122-0001"])
def test_malformed_input_is_refused_with_a_message(app, db, raw):
    with pytest.raises(MalformedCode) as caught:
        lookup(db.session, raw)
    assert caught.value.status_code == 400
    assert caught.value.message


@pytest.mark.parametrize("raw", ["H" * 101, "A" * 55 + "-261122-0001", "1" * 10_000])
def test_overlong_input_is_refused_as_too_long(app, db, raw):
    with pytest.raises(MalformedCode) as caught:
        lookup(db.session, raw)
    assert "too long" in caught.value.message


@pytest.mark.parametrize("raw", ["https://motcua.example.vn/tra-cuu/", "/tra-cuu/?x=1", "\x01\x02"])
def test_input_without_any_code_says_no_code_was_found(app, db, raw):
    with pytest.raises(MalformedCode) as caught:
        lookup(db.session, raw)
    assert "No dossier code was found" in caught.value.message
    assert not caught.value.message.startswith(" ")
