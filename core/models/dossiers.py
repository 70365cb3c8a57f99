"""Dossiers (hồ sơ), their document checklist, attachments and append-only events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from motcua.core.models.accounts import Account
from motcua.core.models.base import Base, JSONType, UTCDateTime, utcnow
from motcua.core.models.procedures import Procedure
from motcua.core.models.units import Unit
from motcua.core.text import name_words, phone_digits

# Decree 61 states; "late" is derived from the deadline, never stored as a status.
STATUSES = (
    "received",
    "in_processing",
    "waiting_supplement",
    "waiting_payment",
    "waiting_other_agency",
    "waiting_approval",
    "result_ready",
    "returned",
    "refused",
    "withdrawn",
)
FINAL_STATUSES = ("returned", "refused", "withdrawn")
# The clock is stopped: waiting for the applicant's supplement, or for the applicant to
# pay a financial obligation (a tax notice). Decree 61 leaves both times out of the
# deadline; the dossier is neither overdue nor counting down while in them.
PAUSED_STATUSES = ("waiting_supplement", "waiting_payment")
CHANNELS = ("in_person", "online", "post", "back_entry")
# The form of a document handed in (bản chính / bản sao / bản sao chứng thực) and how many
# of it: the checklist records both per document, the receipt prints them.
COPY_KINDS = ("original", "copy", "certified_copy")
DOCUMENT_QUANTITY_MAX = 99


class DossierCodeCounter(Base):
    """Last sequence number handed out per receiving unit and day."""

    __tablename__ = "dossier_code_counters"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)


class Dossier(Base):
    """A dossier handed in for one procedure at one receiving unit."""

    __tablename__ = "dossiers"
    __table_args__ = (
        # The reports read the open dossiers live (who is overdue now): a small index
        # over them alone, holding every column that query needs.
        Index("ix_dossiers_open", "unit_id", "procedure_id", "due_at", "received_at",
              "status", "id", postgresql_where=text("finished_at IS NULL"),
              sqlite_where=text("finished_at IS NULL")),
        # The words of the folded name, for PostgreSQL's full-text prefix match (GIN, no
        # extension needed); SQLite scans (see motcua.core.web.dossier_search.NameWords).
        Index("ix_dossiers_search_words", text("to_tsvector('simple', search_name)"),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="in_person")
    status: Mapped[str] = mapped_column(String(30), index=True)

    applicant_name: Mapped[str] = mapped_column(String(160))
    applicant_citizen_id: Mapped[str | None] = mapped_column(String(12), index=True)
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    applicant_email: Mapped[str | None] = mapped_column(String(160))
    applicant_address: Mapped[str | None] = mapped_column(String(400))
    applicant_organization: Mapped[str | None] = mapped_column(String(255))
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the search box compares with (see search_columns): kept here on every write so
    # a search never folds a row; lower() alone does not fold "Đ" on SQLite.
    search_name: Mapped[str] = mapped_column(String(160), default="", server_default="",
                                             index=True)
    search_phone: Mapped[str | None] = mapped_column(String(20), index=True)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    back_entered: Mapped[bool] = mapped_column(Boolean, default=False)
    back_entry_reason: Mapped[str | None] = mapped_column(String(400))

    holder_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    holder_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    note: Mapped[str | None] = mapped_column(Text)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    specialist_data: Mapped[dict] = mapped_column(JSONType, default=dict)
    result: Mapped[dict | None] = mapped_column(JSONType)
    fee: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    procedure: Mapped[Procedure] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    holder_unit: Mapped[Unit | None] = relationship(foreign_keys=[holder_unit_id])
    holder_account: Mapped[Account | None] = relationship(foreign_keys=[holder_account_id])
    received_by: Mapped[Account | None] = relationship(foreign_keys=[received_by_id])
    documents: Mapped[list[DossierDocument]] = relationship(
        back_populates="dossier", order_by="DossierDocument.position",
        cascade="all, delete-orphan",
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="dossier", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", order_by="DossierEvent.sequence"
    )

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @validates("applicant_name", "applicant_phone")
    def _keep_search_columns(self, key: str, value: str | None) -> str | None:
        name = value if key == "applicant_name" else self.applicant_name
        phone = value if key == "applicant_phone" else self.applicant_phone
        for column, searched in search_columns(name, phone).items():
            setattr(self, column, searched)
        return value


def search_columns(name: str | None, phone: str | None) -> dict:
    """The search columns of a dossier with this applicant name and phone: the name
    lower-case without diacritics, its words of letters and digits only ("Đỗ Thị Ánh" ->
    "do thi anh", in any Unicode form), the phone as national digits. Writes that bypass
    the ORM (sync) set them from here."""
    return {"search_name": " ".join(name_words(name))[:160],
            "search_phone": phone_digits(phone) or None}


class DossierDocument(Base):
    """One line of the dossier's checklist: which document was handed in, and how."""

    __tablename__ = "dossier_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    procedure_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_documents.id")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(400))
    copy_kind: Mapped[str] = mapped_column(String(40), default="original")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)

    dossier: Mapped[Dossier] = relationship(back_populates="documents")


class Attachment(Base):
    """A scanned or uploaded file, stored on disk under its SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    dossier_document_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_documents.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A file a plugin attached (its drawing, its generated result): the plugin and what
    # the file is ("drawing", "result" ...). Both are None for the applicant's scans.
    plugin: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str | None] = mapped_column(String(40))

    dossier: Mapped[Dossier] = relationship(back_populates="attachments")
    document: Mapped[DossierDocument | None] = relationship()
    uploaded_by: Mapped[Account | None] = relationship()


class DossierEvent(Base):
    """An append-only record of one change to a dossier: who, when, from, to, note.

    Database triggers (see the initial migration) refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "dossier_events"
    __table_args__ = (UniqueConstraint("dossier_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    actor_name: Mapped[str | None] = mapped_column(String(160))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)

    dossier: Mapped[Dossier] = relationship(back_populates="events")


class DeskGuidance(Base):
    """A guidance slip given to an applicant whose dossier was incomplete (not received)."""

    __tablename__ = "desk_guidance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    applicant_name: Mapped[str] = mapped_column(String(160))
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    missing: Mapped[list] = mapped_column(JSONType, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    procedure: Mapped[Procedure] = relationship()
    unit: Mapped[Unit] = relationship()
    given_by: Mapped[Account | None] = relationship()
