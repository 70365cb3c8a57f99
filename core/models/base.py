"""Declarative base, naming convention and column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from motcua.core import timeutil

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Stores instants as naive UTC and returns timezone-aware UTC datetimes.

    SQLite keeps no offset, so the column always holds UTC and the offset is restored on
    read; pages convert to Vietnam time (UTC+7) for display.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Column default for "when": the application's clock (replayable, see timeutil)."""
    return timeutil.now()


def column_length(attribute) -> int:  # noqa: ANN001
    """The length of a ``String`` column (``Dossier.applicant_name`` -> 160): the one source
    of the limits the desk form, the API and the command line check, so a value they
    accept always fits the database (PostgreSQL refuses a longer one)."""
    return attribute.property.columns[0].type.length
