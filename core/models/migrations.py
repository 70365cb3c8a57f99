"""The checksum of each applied migration file, to notice one changed afterwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models.base import Base, UTCDateTime


class MigrationChecksum(Base):
    """An applied revision (core or plugin branch) and the SHA-256 of its file then."""

    __tablename__ = "migration_checksums"

    revision: Mapped[str] = mapped_column(String(120), primary_key=True)
    checksum: Mapped[str] = mapped_column(String(64))
    # The file's name, to say which file changed (the path differs between machines).
    filename: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
