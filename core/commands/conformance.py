"""``motcua conformance run|keygen|revoke``: the ICT department's plugin approval
(004 Art. 6 and 10.4; docs/conformance.md)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from motcua.core.errors import ValidationError

MARKS = {"pass": "PASS", "fail": "FAIL", "not applicable": "N/A ", "not run": "SKIP"}


@click.group("conformance")
def conformance_group() -> None:
    """Prove a plugin integrates and syncs; certify it (docs/conformance.md)."""


def _postgres(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValidationError(f"--database: not a database URL: {url!r}") from None
    if parsed.get_backend_name() != "postgresql":
        raise ValidationError("--database takes a PostgreSQL server URL (e.g. "
                              "postgresql+psycopg://postgres@127.0.0.1/postgres); SQLite "
                              "is always used.")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@conformance_group.command("run")
@click.argument("plugin")
@click.option("--database", "database_url", metavar="URL",
              help="A PostgreSQL server: throw-away databases are made there as well.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report.json, report.html and run.log (default: "
                   "conformance-report/<plugin>).")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The ICT department's private key: sign a certificate if it passes.")
@click.option("--certificates", "certificates_dir",
              type=click.Path(file_okay=False, path_type=Path),
              help="Also put the certificate into this certificates folder.")
@click.option("--issuer", default="ICT department", show_default=True,
              help="Who signs, as written in the certificate.")
def run_command(plugin: str, database_url: str | None, report_dir: Path | None,
                key_file: Path | None, certificates_dir: Path | None, issuer: str) -> None:
    """Run the conformance suite on the installed PLUGIN; exit 1 if a check fails."""
    from motcua.conformance import certificates
    from motcua.conformance.report import write_report
    from motcua.conformance.runner import run_conformance

    admin_url = _postgres(database_url)
    folder = report_dir or Path("conformance-report") / plugin
    folder.mkdir(parents=True, exist_ok=True)
    # The instances' logs (the suite makes hooks fail on purpose) go to a file beside
    # the report, not over the summary.
    logging.basicConfig(filename=folder / "run.log", level=logging.INFO, force=True)
    report = run_conformance(plugin, postgres_admin_url=admin_url)
    json_path, html_path = write_report(report, folder)
    for check in report.checks:
        click.echo(f"{MARKS.get(check.status, check.status)}  {check.name:<11} "
                   f"{check.seconds:6.1f} s  {check.title}")
        for line in check.failures:
            click.echo(f"        - {line}")
    click.echo(f"Report: {json_path} and {html_path} (logs: {folder / 'run.log'})")
    if not report.passed:
        click.echo(f"{plugin} {report.target.version}: FAILED.", err=True)
        sys.exit(1)
    click.echo(f"{plugin} {report.target.version}: PASSED in {report.seconds:.0f} s.")
    if key_file is not None:
        certificate = certificates.issue(report, key_file, issuer=issuer)
        paths = [certificates.save(certificate, folder)]
        if certificates_dir is not None:
            paths.append(certificates.save(certificate, certificates_dir))
        click.echo(f"Certificate {certificate['serial']} written to "
                   f"{', '.join(str(path) for path in paths)}.")
        click.echo("It states what the run does not prove ('motcua conformance show' "
                   "prints it; report.html lists it per check).")


@conformance_group.command("keygen")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder for the two key files.")
@click.option("--force", is_flag=True, help="Replace an existing key.")
def keygen_command(folder: Path, force: bool) -> None:
    """Make the ICT department's Ed25519 signing key pair."""
    from motcua.conformance.certificates import keygen

    private, public = keygen(folder, force=force)
    click.echo(f"Private key: {private} (keep it at the ICT department; never on a server)")
    click.echo(f"Public key: {public} (copy it into every server's certificates folder)")


@conformance_group.command("show")
@click.argument("certificate_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def show_command(certificate_file: Path) -> None:
    """Print what CERTIFICATE_FILE attests and what it does not prove."""
    import json

    try:
        certificate = json.loads(certificate_file.read_text(encoding="utf-8"))
        plugin, version = certificate["plugin"], certificate["version"]
    except (ValueError, KeyError, TypeError):
        raise ValidationError(f"{certificate_file} is not a plugin certificate.") from None
    click.echo(f"{plugin} {version} ({certificate.get('distribution')}), certificate "
               f"{certificate.get('serial')}, issued {certificate.get('issued_at')} by "
               f"{certificate.get('issuer')}")
    click.echo(f"Tested on: {', '.join(certificate.get('databases') or ['?'])}; plugin API "
               f"{certificate.get('api_version')}; {len(certificate.get('files') or {})} files")
    for name, status in (certificate.get("checks") or {}).items():
        click.echo(f"  {MARKS.get(status, status)}  {name}")
    limits = certificate.get("limits")
    if not limits:
        click.echo("This certificate states no limits (issued before they were recorded): "
                   "read docs/conformance.md, 'What testing cannot prove'.")
        return
    click.echo(f"\n{limits['notice']}")
    for line in limits.get("general", []):
        click.echo(f"  - {line}")
    for name, lines in limits.get("checks", {}).items():
        for line in lines:
            click.echo(f"  - {name}: {line}")
    click.echo("The signature is checked by each server ('motcua plugins list'), not here.")


@conformance_group.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True, help="Why the certificate is withdrawn.")
@click.option("--certificates", "certificates_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The certificates folder whose revocation list gets the serial.")
def revoke_command(serial: str, reason: str, certificates_dir: Path) -> None:
    """Revoke certificate SERIAL: servers refuse the plugin from their next start."""
    from motcua.conformance.certificates import revoke

    revoke(certificates_dir, serial, reason)
    click.echo(f"Certificate {serial} revoked in {certificates_dir / 'revoked.json'}.")


COMMANDS = [conformance_group]
