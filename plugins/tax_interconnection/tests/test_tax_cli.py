"""``motcua tax_interconnection deliver`` without the external tax system's settings: a
clear message naming what to set, and nothing touched."""

from __future__ import annotations

from click.testing import CliRunner
from motcua_tax_interconnection.cli import deliver_command


def test_deliver_without_settings_names_what_to_set(motcua_app):
    with motcua_app.app_context():
        try:
            result = CliRunner().invoke(deliver_command, [])
        finally:
            motcua_app.extensions["motcua.db"].remove()
    assert result.exit_code == 1
    assert "Set MOTCUA_TAX_INTERCONNECTION_SYSTEM_URL, MOTCUA_TAX_INTERCONNECTION_SENDER_ID, " \
           "MOTCUA_TAX_INTERCONNECTION_KEY, MOTCUA_TAX_INTERCONNECTION_PUBLIC_KEY (see the " \
           "plugin's README)." in result.output
    assert "Traceback" not in result.output
