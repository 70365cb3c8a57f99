"""The core migration on an empty database: up, down to nothing, up again; and the models
agree with the migrated schema (what ``alembic check`` would report), on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from motcua.core import migrate
from motcua.core.db import make_engine
from motcua.core.models import Base
from motcua.core.testing import postgres_database


@pytest.fixture
def empty_engine(backend, tmp_path) -> Iterator[Engine]:
    """An engine on a brand-new, empty database of ``backend``."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    with postgres_database("motcua_migrations") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def triggers(engine: Engine) -> set[str]:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if engine.dialect.name == "sqlite"
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    )
    with engine.connect() as connection:
        return set(connection.scalars(text(query)))


def schema_differences(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_upgrade_creates_every_model_table_and_the_triggers(empty_engine):
    assert tables(empty_engine) == set()
    migrate.upgrade(empty_engine)
    assert tables(empty_engine) == set(Base.metadata.tables)
    # Every feature branch (workflow, sync, sms ...) grows from the core and is at its head.
    assert migrate.current_heads(empty_engine) == migrate.script_heads()
    assert triggers(empty_engine)


def test_downgrade_to_base_removes_everything(empty_engine):
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert tables(empty_engine) == set()
    assert triggers(empty_engine) == set()
    assert migrate.current_heads(empty_engine) == set()


def test_upgrade_again_after_downgrade_gives_the_same_schema(empty_engine):
    migrate.upgrade(empty_engine)
    first = {name: sorted(c["name"] for c in inspect(empty_engine).get_columns(name))
             for name in tables(empty_engine)}
    migrate.downgrade(empty_engine, "base")
    migrate.upgrade(empty_engine)
    again = {name: sorted(c["name"] for c in inspect(empty_engine).get_columns(name))
             for name in tables(empty_engine)}
    assert again == first
    assert schema_differences(empty_engine) == []


def test_models_and_migrated_schema_agree(empty_engine):
    migrate.upgrade(empty_engine)
    assert schema_differences(empty_engine) == []


def test_a_model_change_without_migration_is_detected(empty_engine):
    """The agreement check can fail: a column only the model has shows up as a difference."""
    from sqlalchemy import Column, MetaData, String

    migrate.upgrade(empty_engine)
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["units"].append_column(Column("motto", String(40)))
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert [d[0] for d in differences] == ["add_column"]
