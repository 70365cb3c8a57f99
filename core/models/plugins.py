"""Failures of plugins' hooks and signal receivers, kept for the ICT department.

One row per distinct failure (plugin, hook, message) with how often and when it happened,
so every worker process writes to the same list, the list survives restarts, and a hook
failing on every request adds to a count instead of a row per request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models.base import Base, UTCDateTime


class PluginFailure(Base):
    """A failure of a plugin, counted each time it happens again."""

    __tablename__ = "plugin_failures"

    # sha256 of plugin, hook and message: the identity of "the same failure".
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(80), index=True)
    hook: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(String(1000))
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
