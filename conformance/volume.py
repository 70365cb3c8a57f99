"""Seeding a node at production volume: its dossiers and the plugin's tables copied in
bulk, in the database itself, so the hooks can be timed on as many rows as a province
holds (the volume check).

Each copy ``i`` of a row keeps every value but those that must stay unique (primary keys
are left to the database; unique string columns get the suffix ``~v<i>``, unique
integer columns an offset) and its link to a dossier: a column holding a dossier's code
(the same suffix, so it names the copy of its dossier) or a foreign key to
``dossiers.id`` (looked up by the copy's code). Other links between the plugin's own
tables keep pointing at the original rows: the copies add volume, not new structure.
"""

from __future__ import annotations

import math

from sqlalchemy import (
    Column,
    Integer,
    String,
    Table,
    UniqueConstraint,
    cast,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.engine import Connection

from motcua.core.models import Base

SUFFIX = "~v"
SHORT = 30  # string columns shorter than this get a token, not a suffix
DOSSIERS = "dossiers"


def copies_needed(existing: int, target: int) -> int:
    """How many copies of ``existing`` rows give at least ``target`` rows in all."""
    if existing <= 0:
        return 0
    return max(0, math.ceil(target / existing) - 1)


class Seeder:
    """Copies of the rows a node holds now (its originals) of ``dossiers`` and of the
    plugin's tables; :meth:`grow` adds more copies, never copying a copy."""

    def __init__(self, connection: Connection, plugin_tables: list[Table]) -> None:
        self.tables = [Base.metadata.tables[DOSSIERS], *plugin_tables]
        self.originals = {table.name: _originals(connection, table) for table in self.tables}
        self.copies = 0

    def grow(self, connection: Connection, copies: int) -> dict[str, int]:
        """Add copies until each original has ``copies`` of them; the number of rows
        each table holds afterwards."""
        if copies > self.copies:
            numbers = _numbers(self.copies + 1, copies)
            for table in self.tables:
                _copy(connection, table, numbers, self.originals[table.name])
            self.copies = copies
        return {table.name: connection.scalar(select(func.count()).select_from(table))
                for table in self.tables}


def _numbers(first: int, last: int):  # noqa: ANN202 - a recursive CTE of integers
    numbers = select(literal(first, Integer).label("i")).cte("copy_numbers", recursive=True)
    return numbers.union_all(select(numbers.c.i + 1).where(numbers.c.i < last))


def _originals(connection: Connection, table: Table):  # noqa: ANN202
    """The WHERE clause of the rows there are now (by an integer primary key, else by
    the copies' suffix); None: every row (a table with neither)."""
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, Integer):
        highest = connection.scalar(select(func.max(keys[0])))
        return keys[0] <= (highest or 0)
    strings = [column for group in _unique_groups(table) for column in group
               if isinstance(column.type, String)]
    return ~strings[0].contains(SUFFIX) if strings else None


def _unique_groups(table: Table) -> list[list[Column]]:
    """The column lists that must be unique together (the primary key too, unless the
    database numbers it)."""
    keys = list(table.primary_key.columns)
    groups = [] if _numbered(keys) else [keys]
    groups += [[column] for column in table.columns if column.unique]
    groups += [list(constraint.columns) for constraint in table.constraints
               if isinstance(constraint, UniqueConstraint)]
    groups += [list(index.columns) for index in table.indexes if index.unique]
    return groups


def _varied(table: Table, codes: list[Column], ids: list[Column]) -> tuple[set, set]:
    """(string columns to suffix, integer columns to offset) so that every unique group
    differs in each copy: a group already holding a dossier link or a string varies by
    it; otherwise its last integer column is offset."""
    suffixed, offset = set(codes), set()
    for group in _unique_groups(table):
        strings = [column for column in group if isinstance(column.type, String)]
        suffixed.update(strings)
        if strings or any(column in ids for column in group):
            continue
        integers = [column for column in group if isinstance(column.type, Integer)]
        if integers:
            offset.add(integers[-1])
    return suffixed, offset


def _dossier_links(table: Table) -> tuple[list[Column], list[Column]]:
    """(columns holding a dossier's code, columns referring to ``dossiers.id``)."""
    codes = [column for column in table.columns if column.name == "dossier_code"
             or (table.name == DOSSIERS and column.name == "code")]
    ids = [column for column in table.columns
           if any(key.column.table.name == DOSSIERS and key.column.name == "id"
                  for key in column.foreign_keys)]
    return codes, ids


def _numbered(keys: list[Column]) -> bool:
    """True if the database numbers the primary key ``keys`` itself."""
    return (len(keys) == 1 and isinstance(keys[0].type, Integer)
            and keys[0].autoincrement in (True, "auto"))


def _suffixed(value, number, length: int | None, token=None):  # noqa: ANN001, ANN202
    """``value~v<number>``; in a short column (a registration number of 12 characters)
    where that may not fit, ``token`` (unique per row and copy) instead."""
    if length and length < SHORT and token is not None:
        return literal("v", String) + cast(token, String)
    if length:  # room for the suffix; codes are far shorter, so a code still matches
        value = func.substr(value, 1, max(1, length - 8))
    return value + literal(SUFFIX, String) + cast(number, String)


def _copy(connection: Connection, table: Table, numbers, originals) -> None:  # noqa: ANN001
    codes, ids = _dossier_links(table)
    suffixed, offset = _varied(table, codes, ids)
    spans = {column.name: _span(connection, column) for column in offset}
    keys = list(table.primary_key.columns)
    token = None
    if _numbered(keys):  # copy i of row k: i * (largest k + 1) + k, unique per row and copy
        token = numbers.c.i * (_span(connection, keys[0]) + _lowest(connection, keys[0])) \
            + keys[0]
    dossiers = Base.metadata.tables[DOSSIERS]
    chosen, values = [], []
    for column in table.columns:
        if column.primary_key and isinstance(column.type, Integer) \
                and column.autoincrement in (True, "auto"):
            continue  # the database numbers the copies
        if column in suffixed:
            value = _suffixed(column, numbers.c.i, getattr(column.type, "length", None),
                              None if column in codes else token)
        elif column in ids:
            code = select(dossiers.c.code).where(dossiers.c.id == column).scalar_subquery()
            value = (select(dossiers.c.id)
                     .where(dossiers.c.code == _suffixed(code, numbers.c.i, None))
                     .scalar_subquery())
        elif column in offset:
            value = column + numbers.c.i * spans[column.name]
        else:
            value = column
        chosen.append(column.name)
        values.append(value.label(column.name))
    rows = select(*values).select_from(table).join(numbers, true())
    if originals is not None:
        rows = rows.where(originals)
    connection.execute(insert(table).from_select(chosen, rows))


def _lowest(connection: Connection, column: Column) -> int:
    return int(connection.scalar(select(func.min(column))) or 0)


def _span(connection: Connection, column: Column) -> int:
    low, high = connection.execute(select(func.min(column), func.max(column))).one()
    return int((high or 0) - (low or 0) + 1)
