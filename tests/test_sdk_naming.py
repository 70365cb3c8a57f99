"""motcua_sdk.naming: constraint names PostgreSQL accepts, whatever the plugin's name,
the same in the models and in the migrations."""

from __future__ import annotations

import contextlib
import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import ForeignKey, Integer, MetaData, String, create_engine, inspect
from sqlalchemy.exc import IdentifierError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from motcua.core.testing import postgres_database, require_postgres_or_skip
from motcua_sdk.naming import MAX_LENGTH, constraint_name, naming_convention, shorten

LONG = "construction_permit_and_planning_registry"[:40]  # the longest plugin name allowed
APPLICATIONS = f"{LONG}_applications"
DRAWINGS = f"{LONG}_drawing_sheets"


def long_models(convention: dict) -> MetaData:
    """A long-named plugin's tables: indexes, uniques, a foreign key between them."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=convention)

    class Application(Base):
        __tablename__ = APPLICATIONS
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        dossier_code: Mapped[str] = mapped_column(String(60), unique=True)
        construction_site_address: Mapped[str] = mapped_column(String(300), index=True)

    class Drawing(Base):
        __tablename__ = DRAWINGS
        __table_args__ = (sa.UniqueConstraint("application_id", "sheet_number"),
                          sa.CheckConstraint("sheet_number > 0", name="positive_sheet"))
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        application_id: Mapped[int] = mapped_column(ForeignKey(f"{APPLICATIONS}.id"),
                                                    index=True)
        sheet_number: Mapped[int] = mapped_column(Integer)

    return Base.metadata


def migrate(connection) -> None:  # noqa: ANN001
    """What the plugin's migration writes: every name through constraint_name."""
    op = Operations(MigrationContext.configure(connection))
    op.create_table(
        APPLICATIONS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(60), nullable=False),
        sa.Column("construction_site_address", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=constraint_name("pk", APPLICATIONS)),
        sa.UniqueConstraint("dossier_code",
                            name=constraint_name("uq", APPLICATIONS, "dossier_code")))
    op.create_index(constraint_name("ix", APPLICATIONS, "construction_site_address"),
                    APPLICATIONS, ["construction_site_address"])
    op.create_table(
        DRAWINGS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("sheet_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=constraint_name("pk", DRAWINGS)),
        sa.ForeignKeyConstraint(["application_id"], [f"{APPLICATIONS}.id"],
                                name=constraint_name("fk", DRAWINGS, "application_id",
                                                     referred_table=APPLICATIONS)),
        sa.UniqueConstraint("application_id", "sheet_number", name=constraint_name(
            "uq", DRAWINGS, "application_id", "sheet_number")),
        sa.CheckConstraint("sheet_number > 0",
                           name=constraint_name("ck", DRAWINGS, name="positive_sheet")))
    op.create_index(constraint_name("ix", DRAWINGS, "application_id"), DRAWINGS,
                    ["application_id"])


@contextlib.contextmanager
def empty_database(backend: str, tmp_path):  # noqa: ANN001
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'naming.sqlite3'}"
        return
    require_postgres_or_skip()
    with postgres_database("motcua_naming") as url:
        yield url


def _names(inspector, table: str) -> list[str]:  # noqa: ANN001
    return ([inspector.get_pk_constraint(table)["name"]]
            + [c["name"] for c in inspector.get_foreign_keys(table)]
            + [c["name"] for c in inspector.get_unique_constraints(table)]
            + [c["name"] for c in inspector.get_indexes(table)])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_long_plugin_name_creates_its_tables_with_the_models_names(backend, tmp_path):
    metadata = long_models(naming_convention(LONG))
    with empty_database(backend, tmp_path) as url:
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                migrate(connection)
            with engine.connect() as connection:
                inspector = inspect(connection)
                names = [name for table in (APPLICATIONS, DRAWINGS)
                         for name in _names(inspector, table) if name]
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, metadata)
            # The migration made exactly the models' names, and none is cut.
            assert differences == []
            assert all(len(name) <= MAX_LENGTH for name in names)
            expected = {constraint.name for table in metadata.tables.values()
                        for constraint in (*table.constraints, *table.indexes)
                        if not isinstance(constraint, sa.CheckConstraint)}
            if backend == "postgresql":  # SQLite does not name primary keys
                assert expected == set(names)
            with engine.begin() as connection:
                metadata.drop_all(connection)
                metadata.create_all(connection)  # the models alone create them as well
        finally:
            engine.dispose()


def test_the_old_pattern_written_into_a_migration_is_too_long_for_postgresql():
    # The example plugin's pattern, spelled out in a migration as its migrations do.
    old_name = f"fk_{DRAWINGS}_application_id_{APPLICATIONS}"

    def drawings(name: str) -> MetaData:
        metadata = MetaData()
        sa.Table(APPLICATIONS, metadata, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table(DRAWINGS, metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("application_id", sa.Integer),
                 sa.ForeignKeyConstraint(["application_id"], [f"{APPLICATIONS}.id"],
                                         name=name))
        return metadata

    def compile_(statement, *args, **kwargs):  # noqa: ANN001, ANN202
        return str(statement.compile(dialect=engine.dialect))

    # Compiling the DDL for PostgreSQL is enough to see the refusal: no server needed.
    engine = sa.create_mock_engine("postgresql+psycopg://", compile_)
    with pytest.raises(IdentifierError, match="exceeds maximum length of 63"):
        drawings(old_name).create_all(engine, checkfirst=False)
    drawings(constraint_name("fk", DRAWINGS, "application_id", referred_table=APPLICATIONS)
             ).create_all(engine, checkfirst=False)


def test_short_names_read_as_the_example_plugins_always_had_them():
    table = "business_registration_households"
    assert constraint_name("pk", table) == f"pk_{table}"
    assert constraint_name("ix", table, "area_code") == f"ix_{table}_area_code"
    assert constraint_name("uq", table, "registration_number") == \
        f"uq_{table}_registration_number"
    assert constraint_name("fk", "a_b", "c_id", referred_table="a_c") == "fk_a_b_c_id_a_c"


def test_long_names_are_cut_with_a_hash_unique_and_stable():
    first = constraint_name("fk", DRAWINGS, "application_id", referred_table=APPLICATIONS)
    second = constraint_name("fk", DRAWINGS, "application_ix", referred_table=APPLICATIONS)
    assert len(first) == len(second) == MAX_LENGTH
    assert first != second and first[:54] == second[:54]
    assert re.fullmatch(r"[a-z_]{54}_[0-9a-f]{8}", first)
    assert first == constraint_name("fk", DRAWINGS, "application_id",
                                    referred_table=APPLICATIONS)
    assert shorten("x" * 63) == "x" * 63


def test_a_table_not_named_after_the_plugin_gets_the_plugin_in_its_names():
    # Index names are shared by the whole schema: "certificates" alone could clash.
    assert constraint_name("ix", "certificates", "year", plugin="land_use") == \
        "ix_land_use_certificates_year"
    assert constraint_name("ix", "land_use_certificates", "year", plugin="land_use") == \
        "ix_land_use_certificates_year"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: naming_convention("Land Use"), "not a plugin name"),
    (lambda: constraint_name("zz", "t"), "unknown constraint kind"),
    (lambda: constraint_name("ix", "t"), "needs the column"),
    (lambda: constraint_name("fk", "t", "c"), "referred table"),
    (lambda: constraint_name("ck", "t"), "short name"),
])
def test_mistakes_get_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
