"""``motcua serve``: the development server (production runs gunicorn, see README)."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, pass_script_info
from werkzeug.serving import run_simple


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
@pass_script_info
def serve_command(info: ScriptInfo, host: str, port: int, debug: bool) -> None:
    """Run the development web server."""
    app = info.load_app()
    click.echo(f"motcua is running at http://{host}:{port}/  (Ctrl+C to stop)")
    # Not app.run(): inside the flask CLI it returns at once without serving
    # (Flask guards against a second server when FLASK_RUN_FROM_CLI is set).
    run_simple(host, port, app, use_debugger=debug, use_reloader=False, threaded=True)


COMMANDS = [serve_command]
