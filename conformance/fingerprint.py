"""What a request changed in an instance's database: a fingerprint of every table (the
core's and the plugins'), compared before and after.

A per-table fingerprint (row count and a hash of every row) rather than SQLite's
``total_changes()``/``PRAGMA data_version`` (per connection, blind to the pool's other
connections) or triggers (one dialect each, and they would have to be put on the
plugin's tables too): the same query on SQLite and PostgreSQL, and it sees a write
whoever made it, the ORM, raw SQL or the core on the plugin's behalf.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import inspect, text

from motcua.conformance.instance import Instance

# What the core itself legitimately writes while answering a GET; the only exclusions.
READ_BOOKKEEPING = {
    # Views of personal data are audited (motcua.core.audit): each read appends a row
    # and moves the chain's head, so reading is meant to write here.
    "audit_log": "reads of personal data are audited",
    "audit_head": "the head of the audit chain moves with each audited read",
    # A plugin hook that raised is recorded by the core, whatever the request (its
    # containment is the isolation check's subject, not a write of the page's).
    "plugin_failures": "the core's record of plugin hooks that raised",
}


def fingerprint(instance: Instance) -> dict[str, tuple[int, str]]:
    """``{table: (rows, sha256 of the rows)}`` for every table of ``instance``'s database
    but the :data:`READ_BOOKKEEPING` ones."""
    engine = instance.database.engine
    quote = engine.dialect.identifier_preparer.quote
    found = {}
    with engine.connect() as connection:
        for name in inspect(connection).get_table_names():
            if name in READ_BOOKKEEPING:
                continue
            rows = sorted(repr(tuple(row)) for row in
                          connection.execute(text(f"SELECT * FROM {quote(name)}")))
            digest = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()
            found[name] = (len(rows), digest)
    return found


def written(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]
            ) -> list[str]:
    """The tables whose rows differ between two fingerprints, each with its row counts."""
    return [f"{name} ({before.get(name, (0, ''))[0]} -> {after.get(name, (0, ''))[0]} rows)"
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]
