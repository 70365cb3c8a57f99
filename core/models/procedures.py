"""The administrative procedure catalogue (thủ tục hành chính)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.core.models.base import Base
from motcua.core.models.units import Unit

procedure_units = Table(
    "procedure_units",
    Base.metadata,
    Column("procedure_id", ForeignKey("procedures.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class Procedure(Base):
    """One procedure as published in the national database of administrative procedures."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(400))
    search_text: Mapped[str] = mapped_column(String(800), index=True)
    field: Mapped[str] = mapped_column(String(160))
    level: Mapped[str] = mapped_column(String(20), default="commune")
    processing_days: Mapped[int] = mapped_column(Integer)
    fee: Mapped[int] = mapped_column(Integer, default=0)
    fee_note: Mapped[str | None] = mapped_column(String(400))
    result_type: Mapped[str] = mapped_column(String(255))
    handler_plugin: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    documents: Mapped[list[ProcedureDocument]] = relationship(
        back_populates="procedure",
        order_by="ProcedureDocument.position",
        cascade="all, delete-orphan",
    )
    receiving_units: Mapped[list[Unit]] = relationship(secondary=procedure_units)


class ProcedureDocument(Base):
    """A document the applicant must (or may) hand in, with an optional form template."""

    __tablename__ = "procedure_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(400))
    copy_kind: Mapped[str] = mapped_column(String(40), default="original")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    form_filename: Mapped[str | None] = mapped_column(String(200))

    procedure: Mapped[Procedure] = relationship(back_populates="documents")
