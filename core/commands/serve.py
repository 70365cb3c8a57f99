"""``motcua serve``: the development server (production runs gunicorn, see README)."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, pass_script_info
from werkzeug.serving import run_simple

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
# Listening on every interface names no address a citizen could use.
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def served_url(host: str, port: int) -> str | None:
    """The address ``motcua serve --host --port`` answers on, or None for a wildcard host."""
    if host in WILDCARD_HOSTS:
        return None
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
@pass_script_info
def serve_command(info: ScriptInfo, host: str, port: int, debug: bool) -> None:
    """Run the development web server."""
    app = info.load_app()
    settings = app.config["MOTCUA"]
    # Without MOTCUA_PUBLIC_BASE_URL, the QR codes and SMS links use the address served
    # here (pages fall back to the request's address for a wildcard host).
    settings.public_base_url = settings.public_base_url or served_url(host, port) or ""
    click.echo(f"motcua is running at http://{host}:{port}/  (Ctrl+C to stop)")
    # Not app.run(): inside the flask CLI it returns at once without serving
    # (Flask guards against a second server when FLASK_RUN_FROM_CLI is set).
    run_simple(host, port, app, use_debugger=debug, use_reloader=False, threaded=True)


COMMANDS = [serve_command]
