"""The VALID_MONTHS setting: it sets how long an issued permit stays valid, and a value
outside 1-36 months refuses the plugin (the rest of motcua runs) with a reason naming
the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import take_in_at_desk, today_in_vietnam
from motcua_construction_permit.models import add_months

KEY = "MOTCUA_CONSTRUCTION_PERMIT_VALID_MONTHS"


class TestSixMonths:
    @pytest.fixture
    def motcua_settings(self):
        return {KEY: "6"}

    def test_the_permit_is_valid_for_the_configured_months(self, motcua_clients, motcua_flow,
                                                           motcua_cli):
        code = take_in_at_desk(motcua_clients.reception)
        motcua_flow.route(code)
        issued = motcua_flow.issue(code)
        expected = add_months(today_in_vietnam(), 6)
        assert issued.result["valid_until"] == expected.isoformat()
        page = motcua_clients.leader.get(f"/construction_permit/permit/{code}").get_data(
            as_text=True)
        assert f'data-valid-until="{expected.isoformat()}"' in page
        shown = motcua_cli("plugins", "show", "construction_permit")
        assert shown.exit_code == 0, shown.output
        assert KEY in shown.output and "6" in shown.output


def _plugins_list(tmp_path: Path, value: str) -> subprocess.CompletedProcess:
    """``motcua plugins list`` in a process of its own with the setting at ``value``."""
    env = {key: item for key, item in os.environ.items() if not key.startswith("MOTCUA_")}
    env.update({KEY: value, "MOTCUA_PLUGINS": "construction_permit",
                "MOTCUA_INSTANCE_PATH": str(tmp_path / "instance")})
    command = Path(sys.executable).with_name("motcua")
    return subprocess.run([str(command), "plugins", "list"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("value", "problem"), [
    ("48", "must be from 1 to 36"), ("a year", "must be a whole number, not 'a year'")])
def test_a_bad_value_refuses_the_plugin(tmp_path, value, problem):
    done = _plugins_list(tmp_path, value)
    line = next(row for row in done.stdout.splitlines()
                if row.startswith("construction_permit"))
    assert "refused" in line, done.stdout
    assert KEY in done.stdout and problem in done.stdout, done.stdout


def test_a_good_value_leaves_it_enabled(tmp_path):
    done = _plugins_list(tmp_path, "24")
    line = next(row for row in done.stdout.splitlines()
                if row.startswith("construction_permit"))
    assert "enabled" in line and "refused" not in line, done.stdout + done.stderr
