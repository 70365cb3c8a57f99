"""The reception desk service: ``take_in``, ``refuse_at_desk`` and ``give_guidance``.

Every refusal must leave the database and the attachment store exactly as they were: each
failing case commits whatever the service left in the session, then counts every table
and every stored file.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from motcua.core.attachments import IncomingFile, path_for, store_file
from motcua.core.errors import Forbidden, NotFound, ValidationError
from motcua.core.intake import (
    DeskContext,
    find_dossier,
    give_guidance,
    load_calendar,
    refuse_at_desk,
    take_in,
)
from motcua.core.models import (
    Account,
    Attachment,
    Base,
    DeskGuidance,
    Dossier,
    DossierDocument,
    DossierEvent,
    OutboxEntry,
)
from motcua.core.timeutil import VIETNAM, local, now
from motcua.core.workflow.lateness import dossier_is_late
from tests.factories import applicant, intake_data

PDF = b"%PDF-1.4\n% don de nghi\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 60


def desk(app, db, world, who: str = "reception", files=()) -> DeskContext:
    actor = db.session.get(Account, world.accounts[who].id)
    return DeskContext(db.session, actor, app.config["MOTCUA"], files=list(files))


def counts(app, db) -> dict[str, int]:
    """Rows in every table, and files in the attachment store."""
    session = db.session
    result = {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }
    store = app.config["MOTCUA"].attachments_path
    result["files on disk"] = sum(1 for p in store.rglob("*") if p.is_file()) if (
        store.exists()) else 0
    return result


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- success ------------------------------------------------------------------------------


def test_take_in_writes_dossier_checklist_event_and_outbox(app, db, world):
    with app.app_context():
        dossier = take_in(desk(app, db, world), intake_data(world))
        db.session.commit()
        db.session.expire_all()
        dossier = find_dossier(db.session, dossier.code)
        assert dossier.code.startswith("H72.01.01-")
        assert dossier.status == "received"
        assert dossier.channel == "in_person"
        assert dossier.applicant_citizen_id == "072090001234"
        assert dossier.received_by_id == world.accounts["reception"].id
        # Unclaimed, in its first workflow step's queue (the default step: this unit).
        assert dossier.holder_account_id is None
        assert dossier.holder_unit_id == world.district_desk.id
        assert dossier.fee == 100000
        assert dossier.due_at == load_calendar(db.session).due_at(dossier.received_at, 3)
        assert [(d.name, d.submitted) for d in dossier.documents] == [
            ("Giấy đề nghị đăng ký hộ kinh doanh", True),
            ("Bản sao giấy tờ pháp lý của cá nhân", True),
            ("Văn bản ủy quyền (nếu có)", False),
        ]
        assert count(db.session, Dossier) == count(db.session, DossierEvent) == 1
        assert count(db.session, OutboxEntry) == 1


def test_take_in_records_the_form_and_quantity_of_each_document(app, db, world):
    first, second, third = world.household_business.documents
    with app.app_context():
        data = intake_data(world, document_forms=[
            {"document_id": second.id, "copy_kind": "certified_copy", "quantity": 2}])
        code = take_in(desk(app, db, world), data).code
        db.session.commit()
        db.session.expire_all()
        lines = find_dossier(db.session, code).documents
        # The officer's choice for the second; the procedure's list for the others.
        assert [(line.copy_kind, line.quantity) for line in lines] == [
            (first.copy_kind, first.quantity), ("certified_copy", 2),
            (third.copy_kind, third.quantity)]


def test_take_in_records_one_received_event_with_its_outbox_payload(app, db, world):
    with app.app_context():
        dossier = take_in(desk(app, db, world), intake_data(world))
        db.session.commit()
        event = db.session.scalars(select(DossierEvent)).one()
        outbox = db.session.scalars(select(OutboxEntry)).one()
        assert (event.kind, event.sequence, event.to_status) == ("received", 1, "received")
        assert event.actor_id == world.accounts["reception"].id
        assert outbox.event_id == event.id
        assert outbox.dossier_id == dossier.id
        assert outbox.unit_id == world.district_desk.id
        assert outbox.payload["event"]["kind"] == "received"
        assert outbox.payload["event"]["sequence"] == 1
        assert outbox.payload["dossier"]["code"] == dossier.code
        assert outbox.payload["dossier"]["status"] == "received"
        assert outbox.payload["dossier"]["due_at"] == dossier.due_at.isoformat()
        assert "citizen_id" not in str(outbox.payload)


def test_take_in_stores_attachments_linked_to_their_documents(app, db, world):
    document = world.household_business.documents[0]
    files = [IncomingFile("don.pdf", "application/pdf", PDF, document_id=document.id)]
    with app.app_context():
        dossier = take_in(desk(app, db, world, files=files), intake_data(world))
        db.session.commit()
        attachment = db.session.scalars(select(Attachment)).one()
        assert attachment.dossier_id == dossier.id
        assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
        assert attachment.size == len(PDF)
        line = db.session.get(DossierDocument, attachment.dossier_document_id)
        assert line.procedure_document_id == document.id
        store = app.config["MOTCUA"].attachments_path
        assert path_for(store, attachment.sha256).read_bytes() == PDF


@pytest.mark.parametrize("raw", ["+84 912 345 678", "84912345678", "0912.345.678",
                                 "+84 (0) 912345678", "(091) 234-5678"])
def test_phone_numbers_are_normalised(app, db, world, raw):
    with app.app_context():
        dossier = take_in(desk(app, db, world), intake_data(world, applicant=applicant(
            phone=raw)))
        assert dossier.applicant_phone == "0912345678"


def test_back_entry_counts_the_deadline_from_the_original_time(app, db, world):
    received = datetime.combine(local(now()).date() - timedelta(days=20),
                                datetime.min.time(), tzinfo=VIETNAM).replace(hour=10)
    data = intake_data(world, received_at=received.isoformat(),
                       back_entry_reason="Mất điện, tiếp nhận trên giấy")
    with app.app_context():
        dossier = take_in(desk(app, db, world), data)
        db.session.commit()
        calendar = load_calendar(db.session)
        assert dossier.received_at == received
        assert dossier.due_at == calendar.due_at(received, 3)
        assert dossier.due_at != calendar.due_at(dossier.entered_at, 3)
        assert dossier.channel == "back_entry"
        assert dossier.back_entered
        assert dossier.code.split("-")[1] == f"{received:%y%m%d}"
        event = db.session.scalars(select(DossierEvent)).one()
        assert event.kind == "back_entered"
        assert event.at == received
        assert event.recorded_at > received
        assert event.note == "Mất điện, tiếp nhận trên giấy"
        assert dossier_is_late(dossier)  # 20 days ago with 3 working days: already late


# --- refusals that must write nothing -----------------------------------------------------


def _back_entry(world, delta: timedelta, reason: str | None = "Mất điện"):
    return intake_data(world, received_at=(now() + delta).isoformat(),
                       back_entry_reason=reason)


INVALID = {
    "citizen id of 11 digits": (lambda w: intake_data(w, applicant=applicant(
        citizen_id="07209000123")), ValidationError, "applicant.citizen_id"),
    "citizen id with unknown province": (lambda w: intake_data(w, applicant=applicant(
        citizen_id="099090001234")), ValidationError, "province code"),
    "bad phone": (lambda w: intake_data(w, applicant=applicant(phone="12345")),
                  ValidationError, "applicant.phone"),
    "missing name": (lambda w: intake_data(w, applicant={
        k: v for k, v in applicant().items() if k != "name"}), ValidationError,
        "applicant.name"),
    "blank name": (lambda w: intake_data(w, applicant=applicant(name="   ")),
                   ValidationError, "applicant.name"),
    "missing address": (lambda w: intake_data(w, applicant={
        k: v for k, v in applicant().items() if k != "address"}), ValidationError,
        "applicant.address"),
    "unknown field": (lambda w: intake_data(w, priority="vip"), ValidationError, "priority"),
    "SMS consent without a phone": (lambda w: intake_data(
        w, applicant=applicant(phone=None), sms_consent=True), ValidationError,
        "SMS updates need the applicant's phone number"),
    "SMS consent with a blank phone": (lambda w: intake_data(
        w, applicant=applicant(phone="  "), sms_consent=True), ValidationError,
        "sms_consent"),
    "unknown procedure": (lambda w: intake_data(w, procedure_code="9.999999"), NotFound,
                          "Unknown procedure"),
    "unknown unit": (lambda w: intake_data(w, unit_code="H99"), NotFound,
                     "Unknown receiving unit"),
    "unit that does not receive the procedure": (lambda w: intake_data(
        w, unit_code=w.commune.code), ValidationError, "does not receive"),
    "missing required document": (lambda w: intake_data(
        w, submitted_documents=[w.household_business.documents[0].id]), ValidationError,
        "Bản sao giấy tờ pháp lý"),
    "document of another procedure": (lambda w: intake_data(
        w, submitted_documents=[d.id for d in w.household_business.documents]
        + [w.birth_registration.documents[0].id]), ValidationError, "does not have"),
    "copy kind not offered": (lambda w: intake_data(w, document_forms=[
        {"document_id": w.household_business.documents[0].id, "copy_kind": "photo",
         "quantity": 1}]), ValidationError, "document_forms.0.copy_kind"),
    "no copies": (lambda w: intake_data(w, document_forms=[
        {"document_id": w.household_business.documents[0].id, "copy_kind": "copy",
         "quantity": 0}]), ValidationError, "from 1 to 99"),
    "form of another procedure's document": (lambda w: intake_data(w, document_forms=[
        {"document_id": w.birth_registration.documents[0].id, "copy_kind": "copy",
         "quantity": 1}]), ValidationError, "at most once"),
    "form of one document twice": (lambda w: intake_data(w, document_forms=[
        {"document_id": w.household_business.documents[0].id, "copy_kind": "copy",
         "quantity": 1}] * 2), ValidationError, "at most once"),
    "back-entry in the future": (lambda w: _back_entry(w, timedelta(hours=1)),
                                 ValidationError, "future"),
    "back-entry too old": (lambda w: _back_entry(w, -timedelta(days=91)), ValidationError,
                           "last 90 days"),
    "back-entry without reason": (lambda w: _back_entry(w, -timedelta(days=1), "  "),
                                  ValidationError, "late"),
    "naive back-entry time": (lambda w: intake_data(
        w, received_at="2026-01-05T10:00:00", back_entry_reason="Mất điện"),
        ValidationError, "received_at"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_intake_is_refused_and_writes_nothing(app, db, world, case):
    make, error, message = INVALID[case]
    with app.app_context():
        before = counts(app, db)
        with pytest.raises(error, match=message):
            take_in(desk(app, db, world), make(world))
        db.session.commit()  # whatever the service left behind would be written now
        assert counts(app, db) == before


def test_officer_without_reception_role_on_the_unit_is_forbidden(app, db, world):
    with app.app_context():
        before = counts(app, db)
        for who in ("other_reception", "specialist", "commune_reception"):
            with pytest.raises(Forbidden, match="not a reception officer"):
                take_in(desk(app, db, world, who=who), intake_data(world))
        db.session.commit()
        assert counts(app, db) == before


@pytest.mark.parametrize("incoming", [
    IncomingFile("hoa-don.pdf", "application/pdf", EXE),
    IncomingFile("setup.exe", "application/x-msdownload", EXE),
    IncomingFile("rong.pdf", "application/pdf", b""),
    IncomingFile("don.pdf", "application/pdf", PDF, document_id=999_999),
], ids=["executable as pdf", "forbidden type", "empty", "unknown document"])
def test_bad_attachment_refuses_the_whole_intake(app, db, world, incoming):
    good = IncomingFile("don.pdf", "application/pdf", PDF)
    with app.app_context():
        before = counts(app, db)
        with pytest.raises(ValidationError, match="File"):
            take_in(desk(app, db, world, files=[good, incoming]), intake_data(world))
        db.session.commit()
        assert counts(app, db) == before
        assert before["files on disk"] == 0


def test_attachment_over_the_size_limit_is_refused(app, db, world):
    settings = app.config["MOTCUA"]
    big = IncomingFile("lon.pdf", "application/pdf", PDF + b"\x00" * settings.attachment_max_bytes)
    with app.app_context():
        before = counts(app, db)
        with pytest.raises(ValidationError, match="limit"):
            take_in(desk(app, db, world, files=[big]), intake_data(world))
        db.session.commit()
        assert counts(app, db) == before


def stored_files(app) -> set[str]:
    """Names (SHA-256 digests) of the files in the attachment store."""
    store = app.config["MOTCUA"].attachments_path
    return {p.name for p in store.rglob("*") if p.is_file()} if store.exists() else set()


def test_files_of_an_intake_rolled_back_after_storing_them_are_removed(app, db, world):
    files = [IncomingFile("don.pdf", "application/pdf", PDF),
             IncomingFile("anh.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"1" * 40)]
    with app.app_context():
        take_in(desk(app, db, world, files=files), intake_data(world))
        assert len(stored_files(app)) == 2  # written before the commit
        db.session.rollback()
        assert stored_files(app) == set()
        assert count(db.session, Attachment) == 0


def test_files_of_a_failed_commit_are_removed(app, db, world):
    def refuse_commit(_session) -> None:  # noqa: ANN001
        raise RuntimeError("the database went away during the commit")

    with app.app_context():
        take_in(desk(app, db, world, files=[IncomingFile("don.pdf", "application/pdf", PDF)]),
                intake_data(world))
        session = db.session
        event.listen(session, "before_commit", refuse_commit)
        try:
            with pytest.raises(RuntimeError, match="went away"):
                session.commit()
        finally:
            event.remove(session, "before_commit", refuse_commit)
        db.session.rollback()
        assert stored_files(app) == set()
        assert count(db.session, Dossier) == 0


def test_files_of_a_committed_intake_stay(app, db, world):
    with app.app_context():
        take_in(desk(app, db, world, files=[IncomingFile("don.pdf", "application/pdf", PDF)]),
                intake_data(world))
        db.session.commit()
        db.session.rollback()  # a later rollback of the same session changes nothing
        assert stored_files(app) == {hashlib.sha256(PDF).hexdigest()}


def test_a_file_another_dossier_uses_survives_a_rolled_back_intake(app, db, world):
    """Files are stored once by content: the rolled-back intake did not create it."""
    shared = [IncomingFile("don.pdf", "application/pdf", PDF)]
    with app.app_context():
        take_in(desk(app, db, world, files=shared), intake_data(world))
        db.session.commit()
        take_in(desk(app, db, world, files=shared), intake_data(world))
        db.session.rollback()
        digest = hashlib.sha256(PDF).hexdigest()
        assert stored_files(app) == {digest}
        assert path_for(app.config["MOTCUA"].attachments_path, digest).read_bytes() == PDF


def test_a_committed_file_removed_by_a_concurrent_failed_intake_is_written_back(
        app, db, world):
    """Two intakes store the same new bytes at once: the first creates the file, the second
    finds it there. The first fails and removes it; the second commits: its row must not
    name a missing file, so the file is written back."""
    store = app.config["MOTCUA"].attachments_path
    digest = hashlib.sha256(PDF).hexdigest()
    with app.app_context():
        store_file(store, PDF)  # the first intake's file
        take_in(desk(app, db, world, files=[IncomingFile("don.pdf", "application/pdf", PDF)]),
                intake_data(world))
        path_for(store, digest).unlink()  # the first intake rolls back and removes it
        db.session.commit()
        assert path_for(store, digest).read_bytes() == PDF


# --- refusal at the desk ------------------------------------------------------------------


def test_refuse_at_desk_records_a_refused_dossier_with_its_event(app, db, world):
    data = {"procedure_code": world.household_business.code, "unit_code": world.district_desk.code,
            "applicant": applicant(), "reason": "Không thuộc thẩm quyền giải quyết"}
    with app.app_context():
        dossier = refuse_at_desk(desk(app, db, world), data)
        db.session.commit()
        assert dossier.status == "refused"
        assert dossier.refusal_reason == "Không thuộc thẩm quyền giải quyết"
        assert dossier.finished_at is not None
        event = db.session.scalars(select(DossierEvent)).one()
        assert (event.kind, event.to_status) == ("refused_at_desk", "refused")
        assert db.session.scalars(select(OutboxEntry)).one().payload["dossier"]["status"] == (
            "refused")


def test_refusal_without_a_reason_writes_nothing(app, db, world):
    data = {"procedure_code": world.household_business.code, "unit_code": world.district_desk.code,
            "applicant": applicant(), "reason": "x"}
    with app.app_context():
        before = counts(app, db)
        with pytest.raises(ValidationError, match="(?i)reason"):
            refuse_at_desk(desk(app, db, world), data)
        db.session.commit()
        assert counts(app, db) == before


# --- guidance slips -----------------------------------------------------------------------


def guidance(app, db, world, **overrides):
    values = {
        "procedure_code": world.household_business.code,
        "unit_code": world.district_desk.code,
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "+84912345678",
        "submitted_documents": {world.household_business.documents[0].id},
    }
    values.update(overrides)
    return give_guidance(desk(app, db, world), **values)


def test_guidance_lists_the_missing_documents(app, db, world):
    with app.app_context():
        slip = guidance(app, db, world)
        db.session.commit()
        assert slip.missing == ["Bản sao giấy tờ pháp lý của cá nhân"]
        assert slip.applicant_phone == "0912345678"
        assert count(db.session, DeskGuidance) == 1
        assert count(db.session, Dossier) == 0


@pytest.mark.parametrize("overrides,message", [
    ({"submitted_documents": set()} , None),
    ({"applicant_name": " "}, "name"),
    ({"applicant_phone": "12"}, "Phone"),
    ({"procedure_code": "9.999999"}, "Unknown procedure"),
], ids=["nothing missing is not this case", "blank name", "bad phone", "unknown procedure"])
def test_invalid_guidance_writes_nothing(app, db, world, overrides, message):
    if message is None:  # a complete dossier is received, not given a slip
        overrides = {"submitted_documents": {
            d.id for d in world.household_business.documents if d.required}}
        message = "receive the dossier instead"
    with app.app_context():
        before = counts(app, db)
        with pytest.raises((ValidationError, NotFound), match=message):
            guidance(app, db, world, **overrides)
        db.session.commit()
        assert counts(app, db) == before


# --- reading back -------------------------------------------------------------------------


def test_find_dossier_of_an_unknown_code_is_not_found(app, db, world):
    with app.app_context(), pytest.raises(NotFound):
        find_dossier(db.session, "H72.01.01-260101-0001")


def test_lateness_is_derived_from_the_deadline(app, db, world):
    with app.app_context():
        dossier = take_in(desk(app, db, world), intake_data(world))
        assert not dossier_is_late(dossier, dossier.due_at)
        assert dossier_is_late(dossier, dossier.due_at + timedelta(minutes=1))
        dossier.finished_at = dossier.due_at - timedelta(hours=1)
        assert not dossier_is_late(dossier, dossier.due_at + timedelta(days=30))
