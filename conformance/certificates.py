"""The ICT department's side of certification: its key pair, signing a certificate for a
plugin that passed, and revoking one. Servers check certificates with
:mod:`motcua.core.plugin_manager.certification`."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from motcua.conformance.limits import limits
from motcua.conformance.runner import Report
from motcua.core.errors import ConfigurationError, ValidationError
from motcua.core.plugin_manager.certification import (
    FORMAT,
    PUBLIC_KEY_FILE,
    REVOKED_FILE,
    certificate_path,
    files_digest,
    installed_files,
    read_revocations,
    signed_part,
)
from motcua.core.sync.signing import canonical_json, generate_keypair, load_private_key, sign

PRIVATE_KEY_FILE = "ict-conformance.key"


def keygen(folder: Path, *, force: bool = False) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair into ``folder``: the private key (readable by its
    owner only; it stays with the ICT department) and the public key every server gets."""
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    if private_path.exists() and not force:
        raise ValidationError(f"{private_path} exists; a new key would invalidate every "
                              "certificate signed with it (use --force if that is meant).")
    private, public = generate_keypair()
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(private + "\n")
    public_path.write_text(public + "\n", encoding="utf-8")
    return private_path, public_path


def issue(report: Report, private_key_file: Path, *, issuer: str) -> dict:
    """A signed certificate for the plugin of a passed ``report``."""
    if not report.passed:
        raise ValidationError("The plugin did not pass; no certificate is issued.")
    target = report.target
    try:
        private = load_private_key(private_key_file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationError(f"The ICT key cannot be read: {error}") from None
    except ConfigurationError:
        raise ValidationError(f"{private_key_file} is not a key written by "
                              "'motcua conformance keygen'.") from None
    files = installed_files(target.distribution, target.module_name)
    certificate = {
        "format": FORMAT,
        "serial": uuid.uuid4().hex,
        "plugin": target.name,
        "distribution": target.distribution,
        "version": target.version,
        "api_version": report.as_json()["api_version"],
        "api_range": report.api_range,
        "files_sha256": files_digest(files),
        "files": files,
        "report_sha256": hashlib.sha256(canonical_json(report.as_json())).hexdigest(),
        "databases": report.databases,
        "checks": {check.name: check.status for check in report.checks},
        # Signed with the rest: what the certificate does not attest travels with it.
        "limits": limits(),
        "issued_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "issuer": issuer,
    }
    certificate["signature"] = sign(private, signed_part(certificate))
    return certificate


def save(certificate: dict, folder: Path) -> Path:
    """Write ``certificate`` into a certificates folder (replacing the plugin's older one)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = certificate_path(folder, certificate["plugin"])
    path.write_text(json.dumps(certificate, ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path


def revoke(folder: Path, serial: str, reason: str) -> None:
    """Add ``serial`` to the folder's revocation list: servers refuse it from their next
    start (copy ``revoked.json`` to every server, like the certificates)."""
    if not reason.strip():
        raise ValidationError("Say why the certificate is revoked (--reason).")
    revoked = read_revocations(folder)
    revoked[serial] = {"reason": reason.strip(),
                       "at": datetime.now(UTC).isoformat(timespec="seconds")}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REVOKED_FILE).write_text(json.dumps(revoked, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
