"""Throw-away databases for tests: a migrated SQLite file or PostgreSQL database.

Used by the platform's own tests and (through the SDK test kit) by plugin authors, so
both test against the real schema built by the real migrations.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, profiles
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from motcua.core import accounts, migrate
from motcua.core.accounts import create_account
from motcua.core.db import make_engine
from motcua.core.units import create_unit

POSTGRES_ENV = "MOTCUA_TEST_POSTGRES_URL"
# Set to 1 where PostgreSQL must be tested (CI): its tests then fail instead of skipping.
REQUIRE_POSTGRES_ENV = "MOTCUA_REQUIRE_POSTGRES"


def use_fast_password_hashing() -> None:
    """Hash passwords with argon2id at its cheapest cost: still real argon2id hashes,
    but building a test world no longer spends most of its time hashing. Tests only."""
    accounts.configure_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))


def postgres_admin_url() -> str | None:
    """The PostgreSQL server tests may use, from ``MOTCUA_TEST_POSTGRES_URL``."""
    return os.environ.get(POSTGRES_ENV) or None


def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None if they can."""
    url = postgres_admin_url()
    if not url:
        return f"{POSTGRES_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1/postgres)"
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "cannot use it", say why
        return f"PostgreSQL at {make_url(url).render_as_string()} is not reachable: {error}"
    return None


def postgres_required() -> bool:
    """Whether ``MOTCUA_REQUIRE_POSTGRES`` asks for the PostgreSQL tests to run."""
    return os.environ.get(REQUIRE_POSTGRES_ENV, "").strip().lower() in ("1", "true", "yes")


def require_postgres_or_skip() -> None:
    """Skip the calling test, saying why, when PostgreSQL cannot be used; when
    ``MOTCUA_REQUIRE_POSTGRES=1`` fail it instead, so CI cannot pass without PostgreSQL."""
    import pytest  # only ever called from tests; the app itself does not need pytest

    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if postgres_required():
        pytest.fail(f"PostgreSQL is required ({REQUIRE_POSTGRES_ENV}=1) but cannot be "
                    f"used: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@contextmanager
def postgres_database(prefix: str = "motcua_test", admin_url: str | None = None
                      ) -> Iterator[str]:
    """Create an empty PostgreSQL database on the server of ``admin_url`` (default: the
    tests' server), yield its URL, drop it afterwards."""
    admin_url = make_url(admin_url or postgres_admin_url())
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # Thrown away after the test: its commits need not wait for the disk (a server
        # crash would lose the last ones, which nobody keeps anyway).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
            ), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


# Rows the migrations put in place, which a fresh database must have: reset, not deleted.
RESET_ROWS = {"audit_head": "UPDATE audit_head SET seq = 0, hash = repeat('0', 64)"}


class MigratedTemplate:
    """A migrated database that each test gets a fresh copy of, cheaply.

    SQLite: the migrated file is copied. PostgreSQL: one migrated database per test
    process, emptied between tests (far faster than migrating again): ``DELETE`` child
    tables first, with user triggers (the append-only guard) briefly disabled, then the
    id sequences restarted. ``DELETE`` on a few rows takes milliseconds where ``TRUNCATE``
    of every table takes a tenth of a second.
    """

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        self._pg_context = None
        if backend == "sqlite":
            self.template = workdir / "template.sqlite3"
            engine = make_engine(f"sqlite:///{self.template}")
            migrate.upgrade(engine)
            engine.dispose()
        else:
            self._pg_context = postgres_database()
            self.url = self._pg_context.__enter__()
            engine = make_engine(self.url)
            migrate.upgrade(engine)
            inspector = inspect(engine)
            ordered = [name for name, _fks in inspector.get_sorted_table_and_fkc_names()
                       if name and name != "alembic_version" and name not in RESET_ROWS]
            self._tables = list(reversed(ordered))  # children before parents
            with engine.connect() as connection:
                self._guarded = list(connection.scalars(text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
                )))
                self._sequences = list(connection.scalars(text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
                )))
            engine.dispose()

    def fresh_url(self, tmp_path: Path) -> str:
        if self.backend == "sqlite":
            target = tmp_path / "motcua.sqlite3"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        engine = create_engine(self.url)
        with engine.begin() as connection:
            for table in self._guarded:
                connection.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
            for table in self._tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
            for table in self._guarded:
                connection.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER USER'))
            for statement in RESET_ROWS.values():
                connection.execute(text(statement))
            for sequence in self._sequences:
                connection.execute(text("SELECT setval(:name, 1, false)"), {"name": sequence})
        engine.dispose()
        return self.url

    def close(self) -> None:
        if self._pg_context is not None:
            self._pg_context.__exit__(None, None, None)


# ---------------------------------------------------------------------------- test province
# The province of the SDK test kit and of the conformance suite's throw-away instances.

PASSWORD = "Plugin-kit-2024!"
ROLES = ("reception", "specialist", "leader", "unit_admin", "ict_admin")


@dataclass
class World:
    """The test province: a province, a city with its one-stop desk, its finance
    department (``function="finance"``), justice department (``"justice"``) and a ward,
    and the district tax office (``"tax"``, an agency under the province);
    ``accounts`` holds one account per role (usernames as in :data:`USERNAMES`)."""

    units: dict[str, Any]
    accounts: dict[str, Any]
    password: str = PASSWORD

    @property
    def desk(self):  # noqa: ANN201
        return self.units["desk"]


# The test province's units, parents first: key -> (code, name, kind, parent key,
# function, receives dossiers). The tables in docs/plugins.md are generated from these
# (world_tables; tests/test_sdk_testkit.py keeps them equal).
UNITS = {
    "province": ("H99", "UBND tỉnh Thử Nghiệm", "province", None, None, False),
    "city": ("H99.01", "UBND thành phố Thử Nghiệm", "district", "province", None, False),
    "desk": ("H99.01.01", "Bộ phận một cửa thành phố", "office", "city", None, True),
    "finance": ("H99.01.02", "Phòng Tài chính - Kế hoạch", "department", "city", "finance",
                False),
    "justice": ("H99.01.03", "Phòng Tư pháp", "department", "city", "justice", False),
    "ward": ("X99.00001", "UBND phường Một", "commune", "city", None, True),
    "tax": ("T99.01", "Chi cục Thuế khu vực Thử Nghiệm", "agency", "province", "tax", False),
}

# The unit functions the test province has without any plugin declaring them.
WORLD_FUNCTIONS = frozenset(unit[4] for unit in UNITS.values() if unit[4])

USERNAMES = {"reception": "kit.letan", "specialist": "kit.chuyenvien",
             "leader": "kit.lanhdao", "unit_admin": "kit.quantri", "ict_admin": "kit.cntt",
             # A specialist of the district tax office, an agency outside the People's
             # Committee that dossiers are exchanged with (liên thông).
             "tax_officer": "kit.thue"}

# key (as in USERNAMES) -> (full name, home unit key, [(role, unit key)]); a role covers
# its unit and every unit beneath it.
PEOPLE = {
    "reception": ("Nguyễn Thị Tiếp Nhận", "desk", [("reception", "desk"), ("reception", "ward")]),
    "specialist": ("Trần Văn Chuyên Viên", "finance",
                   [("specialist", "finance"), ("specialist", "justice")]),
    "leader": ("Lê Thị Lãnh Đạo", "city", [("leader", "city")]),
    "unit_admin": ("Phạm Văn Quản Trị", "city", [("unit_admin", "city")]),
    "ict_admin": ("Đỗ Thị Công Nghệ", "province", [("ict_admin", "province")]),
    "tax_officer": ("Vũ Thị Thuế", "tax", [("specialist", "tax")]),
}


def build_world(session, unit_functions: dict[str, str] | None = None  # noqa: ANN001
                ) -> World:
    """Create the test province in ``session`` and commit it.

    ``unit_functions`` (``{function: unit name}``, what plugins declare in
    ``MOTCUA_UNIT_FUNCTIONS``) adds, for each function the province lacks, a department
    of the city doing it (agency codes ``H99.01.10``, ``H99.01.11`` ... in the order
    given, ``units["function:<name>"]``) where the test specialist holds the specialist
    role; the city's leader leads it as every city department.
    """
    units: dict[str, Any] = {}
    for key, (code, name, kind, parent, function, receives) in UNITS.items():
        units[key] = create_unit(session, code=code, name=name, kind=kind,
                                 parent=units[parent] if parent else None,
                                 function=function, receives_dossiers=receives)
    extra = [(function, name) for function, name in (unit_functions or {}).items()
             if function not in WORLD_FUNCTIONS]
    people = {key: (name, home, list(roles)) for key, (name, home, roles) in PEOPLE.items()}
    for number, (function, name) in enumerate(extra, start=10):
        key = f"function:{function}"
        units[key] = create_unit(session, code=f"H99.01.{number:02d}", name=name,
                                 kind="department", parent=units["city"], function=function)
        people["specialist"][2].append(("specialist", key))
    accounts = {
        role: create_account(session, username=USERNAMES[role], password=PASSWORD,
                             full_name=name, unit=units[home],
                             roles=[(held, units[where]) for held, where in roles])
        for role, (name, home, roles) in people.items()
    }
    session.commit()
    return World(units=units, accounts=accounts)


def world_tables() -> str:
    """The test province as Markdown tables (its units, then its accounts: which user
    holds which role at which unit), as ``docs/plugins.md`` shows them."""
    lines = ["| `motcua_world.units[...]` | Agency code | Name | Kind | Parent | Function "
             "| Receives dossiers |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for key, (code, name, kind, parent, function, receives) in UNITS.items():
        lines.append(f"| `{key}` | `{code}` | {name} | {kind} | "
                     f"{'`' + UNITS[parent][0] + '`' if parent else '-'} | "
                     f"{function or '-'} | {'yes' if receives else 'no'} |")
    lines += ["", f"Every account's password is `{PASSWORD}`.", "",
              "| `motcua_clients.` | Username | Full name | Home unit | Roles (role at unit, "
              "covering the units beneath it) |", "| --- | --- | --- | --- | --- |"]
    for key, (name, home, roles) in PEOPLE.items():
        held = "; ".join(f"{role} at `{UNITS[where][0]}` {UNITS[where][1]}"
                         for role, where in roles)
        lines.append(f"| `{key}` | `{USERNAMES[key]}` | {name} | `{UNITS[home][0]}` | "
                     f"{held} |")
    return "\n".join(lines) + "\n"
