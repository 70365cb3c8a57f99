"""Fee receipts (biên lai thu phí, lệ phí): the fees paid for a dossier."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.core.models.accounts import Account
from motcua.core.models.base import Base, UTCDateTime, utcnow


class FeeReceipt(Base):
    """One fee payment, recorded with the receipt handed to the payer. A receipt's number
    is unique within its series (ký hiệu): the database refuses a second one."""

    __tablename__ = "fee_receipts"
    __table_args__ = (UniqueConstraint("series", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)  # đồng
    payer: Mapped[str] = mapped_column(String(160))
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(20))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    officer_name: Mapped[str | None] = mapped_column(String(160))
    plugin: Mapped[str | None] = mapped_column(String(80))  # recorded by a plugin
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    officer: Mapped[Account | None] = relationship()
