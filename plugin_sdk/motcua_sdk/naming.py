"""Names of a plugin's constraints and indexes that PostgreSQL accepts.

PostgreSQL refuses (or, for names it makes itself, silently cuts) identifiers longer
than 63 characters, and index names must be unique in the whole schema. A plugin's
``MetaData`` therefore uses :func:`naming_convention`::

    from motcua_sdk.naming import naming_convention

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=naming_convention("land_use"))

and its migrations name what they create with :func:`constraint_name`, so the database
holds exactly the names the models expect::

    sa.UniqueConstraint("number", name=constraint_name("uq", "land_use_certificates",
                                                       "number", plugin="land_use"))

Short names read as usual (``ix_<table>_<column>``, ``uq_<table>_<column>``,
``fk_<table>_<column>_<referred table>``, ``pk_<table>``, ``ck_<table>_<name>``); a name
that would be longer than 63 characters keeps its first 54 characters and ends with
``_`` and 8 hexadecimal digits of a hash of the whole name, so it stays unique and is
the same on every run.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

MAX_LENGTH = 63
"""PostgreSQL's limit on identifiers (``NAMEDATALEN`` - 1)."""

KINDS = ("ix", "uq", "ck", "fk", "pk")
_PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}\Z")
_HASH_DIGITS = 8


def constraint_name(kind: str, table: str, *columns: str, referred_table: str | None = None,
                    plugin: str | None = None, name: str | None = None) -> str:
    """The name :func:`naming_convention` gives a constraint or index of ``kind``
    (``"ix"``, ``"uq"``, ``"ck"``, ``"fk"``, ``"pk"``) on ``table`` over ``columns``;
    ``referred_table`` for a foreign key, ``name`` for a check constraint (its short
    name), ``plugin`` the plugin's name when ``table`` does not start with it (the name is
    then prefixed with it, index names being shared by the whole schema). At most 63
    characters. Raises ``ValueError`` for an unknown kind or a missing part."""
    if kind not in KINDS:
        raise ValueError(f"unknown constraint kind {kind!r}: one of {', '.join(KINDS)}")
    if kind in ("ix", "uq", "fk") and not columns:
        raise ValueError(f"a {kind} name needs the column(s) it covers")
    if kind == "fk" and not referred_table:
        raise ValueError("a foreign key name needs the referred table")
    if kind == "ck" and not name:
        raise ValueError("a check constraint needs a short name of its own")
    owner = table if plugin is None or table.startswith(f"{plugin}_") else f"{plugin}_{table}"
    parts = [kind, owner]
    if kind in ("ix", "uq", "fk"):
        parts.extend(columns)
    if kind == "fk":
        parts.append(str(referred_table))
    if kind == "ck":
        parts.append(str(name))
    return shorten("_".join(parts))


def shorten(name: str) -> str:
    """``name`` if it has at most 63 characters, else its first 54 characters, ``_`` and
    8 hexadecimal digits of its SHA-256 (the same name every time)."""
    if len(name) <= MAX_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_DIGITS]
    return f"{name[:MAX_LENGTH - _HASH_DIGITS - 1]}_{digest}"


def naming_convention(plugin_name: str) -> dict[str, Any]:
    """A SQLAlchemy ``naming_convention`` for the ``MetaData`` of plugin
    ``plugin_name``: every constraint and index the models leave unnamed gets the name
    :func:`constraint_name` gives it (at most 63 characters). A name given explicitly in
    the models is kept as written. Raises ``ValueError`` for a malformed plugin name."""
    if not isinstance(plugin_name, str) or not _PLUGIN_NAME.match(plugin_name):
        raise ValueError(f"{plugin_name!r} is not a plugin name (2-40 lowercase letters, "
                         "digits and underscores, starting with a letter)")

    def columns(constraint: Any) -> list[str]:
        return [column.name for column in constraint.columns]

    def index(constraint: Any, table: Any) -> str:
        expressions = [getattr(e, "name", None) or str(e) for e in constraint.expressions]
        return constraint_name("ix", table.name, *expressions, plugin=plugin_name)

    def unique(constraint: Any, table: Any) -> str:
        return constraint_name("uq", table.name, *columns(constraint), plugin=plugin_name)

    def check(constraint: Any, table: Any) -> str:
        return constraint_name("ck", table.name, plugin=plugin_name, name=constraint.name)

    def foreign_key(constraint: Any, table: Any) -> str:
        return constraint_name("fk", table.name, *[element.parent.name for element in
                                                   constraint.elements],
                               # "table.column" as written: the referred table may
                               # not be in the metadata yet when the name is made
                               referred_table=constraint.elements[0].target_fullname
                               .split(".")[-2],
                               plugin=plugin_name)

    def primary_key(constraint: Any, table: Any) -> str:
        return constraint_name("pk", table.name, plugin=plugin_name)

    return {
        "motcua_ix": index, "motcua_uq": unique, "motcua_ck": check,
        "motcua_fk": foreign_key, "motcua_pk": primary_key,
        "ix": "%(motcua_ix)s", "uq": "%(motcua_uq)s", "ck": "%(motcua_ck)s",
        "fk": "%(motcua_fk)s", "pk": "%(motcua_pk)s",
    }
