"""``motcua init`` on a fresh instance (the schema, the enabled plugins' procedures),
and ``motcua serve`` on it."""

from __future__ import annotations

import importlib.metadata
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest


def motcua(instance, *args: str, plugins: str) -> subprocess.CompletedProcess:  # noqa: ANN001
    env = {**os.environ, "MOTCUA_INSTANCE_PATH": str(instance), "MOTCUA_PLUGINS": plugins}
    env.pop("MOTCUA_DATABASE_URL", None)
    command = [sys.executable, "-c", "from motcua.core.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def procedure_codes(instance) -> set[str]:  # noqa: ANN001
    with sqlite3.connect(instance / "motcua.sqlite3") as connection:
        return {row[0] for row in connection.execute("SELECT code FROM procedures")}


def test_init_without_plugins_gives_an_empty_catalogue(tmp_path):
    result = motcua(tmp_path, "init", plugins="none")
    assert result.returncode == 0, result.stderr
    assert "database schema up to date" in result.stdout
    assert procedure_codes(tmp_path) == set()


def test_an_installed_plugin_brings_its_procedures_at_init(tmp_path):
    names = {ep.name for ep in importlib.metadata.entry_points(group="motcua.plugins")}
    if "business_registration" not in names:
        pytest.skip("motcua-plugin-business-registration is not installed")
    result = motcua(tmp_path, "init", plugins="business_registration")
    assert result.returncode == 0, result.stderr
    assert "Plugin procedures: 4 added" in result.stdout
    assert "1.001612" in procedure_codes(tmp_path)
    again = motcua(tmp_path, "db", "upgrade", plugins="business_registration")
    assert again.returncode == 0, again.stderr
    assert "added" not in again.stdout  # nothing new the second time


def test_serve_answers_http_until_stopped(tmp_path):
    assert motcua(tmp_path, "init", plugins="none").returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "MOTCUA_INSTANCE_PATH": str(tmp_path), "MOTCUA_PLUGINS": "none"}
    env.pop("MOTCUA_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-c", "from motcua.core.cli import main; main()",
         "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read()  # it must keep running
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "motcua serve never answered"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
