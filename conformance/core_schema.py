"""The schema of the core's tables as the database holds it, so the migrations check can
tell whether a plugin's branch changed it: columns (type, nullability, default),
primary key, indexes, unique, foreign-key and check constraints, and triggers (SQLite's
``sqlite_master``, PostgreSQL's ``pg_trigger``), including a trigger on a plugin's own
table whose body names a core table.
"""

from __future__ import annotations

import re

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from motcua.core.models import Base

Schema = dict[str, str]  # "table: kind name" -> its definition


def core_schema(engine: Engine) -> Schema:
    """Every element of the core's tables in ``engine``'s database, by name."""
    core = sorted(Base.metadata.tables)
    found: Schema = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        present = [name for name in core if name in set(inspector.get_table_names())]
        found |= _elements(inspector, present)
        found |= _triggers(connection, set(core))
    return found


def differences(before: Schema, after: Schema) -> list[str]:
    """What changed from ``before`` to ``after``, one sentence per element."""
    changes = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            changes.append(f"{key} removed")
        elif key not in before:
            changes.append(f"{key} added ({after[key]})")
        elif before[key] != after[key]:
            changes.append(f"{key} changed from {before[key]} to {after[key]}")
    return changes


def _elements(inspector, tables: list[str]) -> Schema:  # noqa: ANN001 - an Inspector
    found: Schema = {}
    if not tables:
        return found
    # One query per kind for all the tables (PostgreSQL reflects them together).
    kinds = (
        ("column", inspector.get_multi_columns, _column),
        ("index", inspector.get_multi_indexes, _index),
        ("unique constraint", inspector.get_multi_unique_constraints, _unique),
        ("foreign key", inspector.get_multi_foreign_keys, _foreign_key),
        ("check constraint", inspector.get_multi_check_constraints, _check),
    )
    for kind, reflect, describe in kinds:
        for (_schema, table), items in reflect(filter_names=tables).items():
            for position, item in enumerate(items):
                name = item.get("name") or f"#{position}"
                found[f"{table}: {kind} {name}"] = describe(item)
    for (_schema, table), key in inspector.get_multi_pk_constraint(
            filter_names=tables).items():
        found[f"{table}: primary key"] = ", ".join(key.get("constrained_columns") or [])
    return found


def _column(item: dict) -> str:
    return (f"{item['type']!s} {'NULL' if item.get('nullable') else 'NOT NULL'} "
            f"default {item.get('default')!s}")


def _index(item: dict) -> str:
    columns = ", ".join(str(column) for column in item.get("column_names") or [])
    expressions = item.get("expressions")
    # Partial indexes' WHERE and PostgreSQL's options, as SQL text (not the objects).
    options = sorted(f"{key}={' '.join(str(value).split())}"
                     for key, value in (item.get("dialect_options") or {}).items())
    return (f"{'unique ' if item.get('unique') else ''}on ({columns})"
            f"{f' {expressions}' if expressions else ''}"
            f"{f' {options}' if options else ''}")


def _unique(item: dict) -> str:
    return f"on ({', '.join(item.get('column_names') or [])})"


def _foreign_key(item: dict) -> str:
    return (f"({', '.join(item.get('constrained_columns') or [])}) -> "
            f"{item.get('referred_table')}({', '.join(item.get('referred_columns') or [])}) "
            f"{sorted((item.get('options') or {}).items())}")


def _check(item: dict) -> str:
    return " ".join(str(item.get("sqltext", "")).split())


def _triggers(connection: Connection, core: set[str]) -> Schema:
    """Triggers on a core table, or whose definition names one (a trigger on a plugin's
    table writing ``dossiers``)."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"))
    elif connection.dialect.name == "postgresql":
        rows = connection.execute(text(
            "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) || ' ' || "
            "coalesce(p.prosrc, '') FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"))
    else:
        return {}
    found: Schema = {}
    for name, table, definition in rows:
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", definition or ""))
        if table in core or words & core:
            found[f"{table}: trigger {name}"] = " ".join((definition or "").split())[:200]
    return found
