"""Sync between unit servers (nodes) and the provincial hub (004 Art. 4.3m, 5.2, 8.4-8.6).

A node drains its outbox into signed, numbered batches (:mod:`.node`), pushes them to the
hub over HTTP (:mod:`.transport`); the hub verifies and applies each batch atomically and
idempotently into its read model (:mod:`.hub`, :mod:`.apply`). Digests per unit and day
(:mod:`.digests`) let both sides find and repair divergences (:mod:`.reconcile`); dossiers
transferred to a unit of another node move through the hub (:mod:`.transfers`).
See ``docs/sync.md``.
"""
