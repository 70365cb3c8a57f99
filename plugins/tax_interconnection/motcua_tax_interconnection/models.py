"""The exchanges with the tax office (hồ sơ liên thông thuế), the plugin's own table.

One row per message sent to the tax office about a dossier: the business information of
a household business just registered, or the cadastral information slip of a land
transaction. It carries the tax office's answer and, when the tax office is an external
system, the delivery state of the message (the plugin's outbox: attempts, next attempt,
last error). No foreign key reaches into the core: a row names its dossier by code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from motcua_sdk.naming import naming_convention

KINDS = ("business", "land")
# waiting: at the tax office; query: the tax office asked back (replied: the sending office
# answered, in a new exchange); answered: tax code or tax notice received; settled: (land)
# the citizen's payment was confirmed.
STATUSES = ("waiting", "query", "replied", "answered", "settled")
CHANNELS = ("internal", "external")


class Base(DeclarativeBase):
    # Names of at most 63 characters (PostgreSQL's limit), the same as the migrations'.
    metadata = MetaData(naming_convention=naming_convention("tax_interconnection"))


class Exchange(Base):
    """One message to the tax office and its answer."""

    __tablename__ = "tax_interconnection_exchanges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    dossier_code: Mapped[str] = mapped_column(String(60), index=True)
    procedure_code: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str] = mapped_column(String(40))
    tax_office_code: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(160))
    answer: Mapped[dict | None] = mapped_column(JSON)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Delivery to an external tax system (channel "external"): the outbox state.
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                             index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
