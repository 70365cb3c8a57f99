"""What plugins cost the core: plugin discovery per application, and intake with a
receiver on the lifecycle signals.

    python bench/plugin_overhead.py [--dossiers 300] [--rounds 3]

Prints a Markdown table of figures and ratios against baselines measured in the same run:
application start with the installed plugins against ``MOTCUA_PLUGINS=none`` (discovery,
source check, version check, blueprints), intake with a receiver on every lifecycle
signal against intake with none (view building and a savepoint per event). SQLite in a
temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from motcua.core import create_app  # noqa: E402
from motcua.core.intake import DeskContext, take_in  # noqa: E402
from motcua.core.plugin_manager import PluginManager  # noqa: E402
from motcua.core.testing import MigratedTemplate, use_fast_password_hashing  # noqa: E402
from motcua_sdk import signals  # noqa: E402
from tests.factories import build_world, intake_data  # noqa: E402


def app_creation(root: Path, repeat: int, plugins: tuple[str, ...] | None) -> float:
    """Milliseconds per create_app() with ``plugins`` (None: every installed plugin)."""
    create_app(instance_path=root, database_url=f"sqlite:///{root / 'x.sqlite3'}",
               secret_key="bench", plugins=plugins)  # warm imports and caches
    started = time.perf_counter()
    for _ in range(repeat):
        create_app(instance_path=root, database_url=f"sqlite:///{root / 'x.sqlite3'}",
                   secret_key="bench", plugins=plugins)
    return (time.perf_counter() - started) / repeat * 1000


def intake_rate(template: MigratedTemplate, workdir: Path, dossiers: int) -> float:
    """Dossiers taken in per second on a fresh database (one commit each)."""
    workdir.mkdir(parents=True)
    app = create_app(instance_path=workdir / "instance", database_url=template.fresh_url(
        workdir), secret_key="bench", TESTING=True)
    database = app.extensions["motcua.db"]
    with app.app_context():
        world = build_world(database.session)
        session = database.session
        actor = session.merge(world.accounts["reception"])
        ctx = DeskContext(session=session, actor=actor, settings=app.config["MOTCUA"])
        started = time.perf_counter()
        for _ in range(dossiers):
            take_in(ctx, intake_data(world))
            session.commit()
        elapsed = time.perf_counter() - started
    database.dispose()
    return dossiers / elapsed


def _installed():
    manager = PluginManager(None)
    manager.load_installed()
    return manager.enabled()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    use_fast_password_hashing()
    installed = [r.name for r in _installed()]

    heard = []

    def receiver(dossier, event):
        heard.append(event.kind)

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with_plugins = app_creation(root / "apps", 50, None)
        without = app_creation(root / "apps", 50, ())
        (root / "template").mkdir()
        template = MigratedTemplate("sqlite", root / "template")
        plain, listened = [], []
        for round_number in range(args.rounds):  # alternate, so load changes hit both
            plain.append(intake_rate(template, root / f"plain{round_number}", args.dossiers))
            for signal in signals.LIFECYCLE:
                signal.connect(receiver)
            try:
                listened.append(intake_rate(template, root / f"listened{round_number}",
                                            args.dossiers))
            finally:
                for signal in signals.LIFECYCLE:
                    signal.disconnect(receiver)
        template.close()
    assert heard.count("received") == args.dossiers * args.rounds
    best_plain, best_listened = max(plain), max(listened)
    print("| measure | value | baseline | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| create_app with the installed plugins {installed}, ms (baseline: "
          f"MOTCUA_PLUGINS=none) | {with_plugins:.1f} | {without:.1f} | "
          f"{with_plugins / without:.2f}x |")
    print(f"| intake with a receiver on every lifecycle signal, dossiers/s (baseline: no "
          f"receiver), best of {args.rounds} | {best_listened:.0f} | {best_plain:.0f} | "
          f"{best_listened / best_plain:.2f}x |")
    print(f"\nall rounds: plain {[round(x) for x in plain]}, "
          f"with receiver {[round(x) for x in listened]}; median ratio "
          f"{statistics.median(listened) / statistics.median(plain):.2f}x")


if __name__ == "__main__":
    main()
