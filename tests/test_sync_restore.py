"""A node restored from an older backup, with real processes (issue #23): the hub is
gunicorn, the node's backup, restore, sync and recovery are ``motcua`` commands. No code
is reused, nothing is deleted at the hub, and node and hub agree after the recovery."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from motcua.core.errors import Conflict
from motcua.core.models import Dossier, HubDossier
from motcua.core.sync.reconcile import compare_with_hub, reconcile
from tests.test_sync_helpers import receive
from tests.test_sync_processes import MOTCUA, node_env, north_with
from tests.test_sync_transfer import record


def motcua(p, *args: str) -> subprocess.CompletedProcess:  # noqa: ANN001
    """A ``motcua`` command of node north, run to its end."""
    return subprocess.run([*MOTCUA, *args], env=node_env(p, "north"), capture_output=True,
                          text=True, timeout=120)


def codes(app, model) -> set[str]:  # noqa: ANN001
    with app.extensions["motcua.db"].session_factory() as session:
        return set(session.scalars(select(model.code)))


def delivered(p) -> None:  # noqa: ANN001
    done = motcua(p, "sync", "run", "--once", "--timeout", "30")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_restored_node_reuses_no_code_deletes_nothing_and_recovers(templates, backend,
                                                                      tmp_path):
    with north_with(templates, backend, tmp_path, 2) as p:
        node, world = p.nodes["north"], p.worlds["north"]
        delivered(p)
        made = motcua(p, "backup", "--dir", str(tmp_path / "backups"))
        assert made.returncode == 0, made.stderr
        archive = made.stdout.split("Backup written: ", 1)[1].split(" (", 1)[0]
        after_backup = [receive(node, world) for _ in range(3)]
        changed = sorted(codes(node, Dossier) - set(after_backup))[0]
        record(node, changed, "claimed", username="letan")  # newer at the hub, too
        delivered(p)
        at_hub = codes(p.hub, HubDossier)
        assert set(after_backup) <= at_hub and len(at_hub) == 5

        node.extensions["motcua.db"].dispose()
        restored = motcua(p, "restore", archive, "--yes")
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert codes(node, Dossier) == at_hub - set(after_backup)

        # Until the hub has been asked: no intake (no code), no reconciliation.
        with pytest.raises(Conflict):
            receive(node, world)
        with pytest.raises(Conflict):
            reconcile(p.node("north"))
        assert "restored from a backup" in motcua(p, "sync", "status").stdout
        # The worker asks the hub: it holds newer data, so the node keeps waiting.
        waiting = motcua(p, "sync", "run", "--once", "--timeout", "10")
        assert waiting.returncode != 0 and "sync recover" in waiting.stdout + waiting.stderr
        with pytest.raises(Conflict):
            receive(node, world)

        recovered = motcua(p, "sync", "recover")
        assert recovered.returncode == 0, recovered.stdout + recovered.stderr
        assert "Imported 4 dossiers" in recovered.stdout
        assert codes(node, Dossier) == at_hub
        assert "restored from a backup" not in motcua(p, "sync", "status").stdout
        with node.extensions["motcua.db"].session_factory() as session:
            mine = session.scalar(select(Dossier).where(Dossier.code == changed))
            # The hub's newer state, the restored database's private data.
            assert mine.status == "in_processing" and mine.applicant_citizen_id

        new = receive(node, world)
        assert new not in at_hub  # the counter moved past every code the hub holds
        delivered(p)
        assert codes(p.hub, HubDossier) == at_hub | {new}  # nothing deleted, nothing merged
        reconciled = motcua(p, "sync", "reconcile")
        assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
        assert codes(p.hub, HubDossier) == at_hub | {new}
        assert compare_with_hub(p.node("north")).differences == []


def test_a_restore_the_hub_has_nothing_newer_than_is_lifted_by_the_first_hello(
        templates, backend, tmp_path):
    with north_with(templates, backend, tmp_path, 2) as p:
        node, world = p.nodes["north"], p.worlds["north"]
        delivered(p)
        made = motcua(p, "backup", "--dir", str(tmp_path / "backups"))
        archive = made.stdout.split("Backup written: ", 1)[1].split(" (", 1)[0]
        node.extensions["motcua.db"].dispose()
        assert motcua(p, "restore", archive, "--yes").returncode == 0
        with pytest.raises(Conflict):
            receive(node, world)
        delivered(p)  # hello: the hub holds nothing this database lacks
        receive(node, world)
        delivered(p)
        assert compare_with_hub(p.node("north")).differences == []
