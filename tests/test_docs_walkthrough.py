"""docs/plugins.md's walkthrough, every command run as written.

The blocks after a ``<!-- walkthrough -->`` marker are joined into one shell script and
run in a fresh virtual environment with a copy of this checkout, the way a vendor reads
them: from ``cd motcua`` to a certified plugin. Only ``motcua serve`` is changed: it is
started in the background on a free port, asked for ``/login`` and stopped.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "plugins.md"
MARKER = "<!-- walkthrough -->"
LEFT_OUT_OF_THE_COPY = shutil.ignore_patterns(
    ".git", ".venv", "instance", "__pycache__", "*.egg-info", "build", "dist",
    ".pytest_cache", ".hypothesis", "conformance-report", "*.sqlite3")


def walkthrough_blocks(text: str) -> list[str]:
    """The fenced ``sh`` blocks that directly follow a walkthrough marker, in order."""
    return re.findall(re.escape(MARKER) + r"\s*```sh\n(.*?)```", text, flags=re.S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_in_background(script: str, port: int) -> str:
    """``motcua serve`` as written, but in the background, checked and stopped."""
    check = (
        f"motcua serve --port {port} > serve.log 2>&1 &\n"
        "SERVER=$!\n"
        "for attempt in $(seq 1 120); do\n"
        f"  curl -fsS -o /dev/null http://127.0.0.1:{port}/login && break\n"
        "  sleep 0.5\n"
        "done\n"
        f"curl -fsS http://127.0.0.1:{port}/login | grep -q '<form'\n"
        "kill $SERVER\n"
    )
    return re.sub(r"^motcua serve\b.*$", check, script, flags=re.M)


def test_the_blocks_are_found():
    blocks = walkthrough_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "docs/plugins.md lost its walkthrough markers"
    assert any("motcua plugin new" in block for block in blocks)
    assert any("motcua conformance run" in block for block in blocks)


def test_the_walkthrough_runs_as_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ROOT, home / "motcua", ignore=LEFT_OUT_OF_THE_COPY)
    environment = tmp_path / "venv"
    # The machine's packages (Flask, pytest ...) are seen; motcua itself is installed
    # into this environment by the walkthrough's own first command.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(environment)
    (environment / "bin" / "pip").write_text(
        f"#!/bin/sh\nexec {environment / 'bin' / 'python'} -m pip \"$@\"\n")
    (environment / "bin" / "pip").chmod(0o755)

    script = "\n".join(walkthrough_blocks(DOC.read_text(encoding="utf-8")))
    script = served_in_background(script, free_port())
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_", "MOTCUA_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(HOME=str(home), VIRTUAL_ENV=str(environment),
               PATH=os.pathsep.join([str(environment / "bin"), env.get("PATH", "")]),
               PIP_DISABLE_PIP_VERSION_CHECK="1",
               MOTCUA_LANGUAGE="en")  # the listings are read in English below
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-x", "-c", script], cwd=home, env=env,
        capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, (
        f"the walkthrough stopped (exit {result.returncode}):\n"
        f"{result.stderr[-6000:]}\n--- stdout ---\n{result.stdout[-4000:]}")
    # What the comments promise: the scaffold's tests pass, the plugin is enabled and,
    # at the end, certified for exactly its files.
    assert re.search(r"\b\d+ passed\b", result.stdout, flags=re.M), result.stdout[-3000:]
    listings = [line for line in result.stdout.splitlines()
                if line.startswith("land_use ") and "motcua-plugin-land-use" in line]
    assert len(listings) == 2 and all(" enabled " in line for line in listings), listings
    assert " valid " in listings[-1] and " missing " in listings[0], listings
