"""Conformance certificates: is this installed plugin exactly the code the ICT department
certified?

A certificate (issued by ``motcua conformance run --key``, see :mod:`motcua.conformance`)
is a JSON file signed with the ICT department's Ed25519 key. It binds the plugin's name,
distribution, version, the plugin API version it was tested against, and the SHA-256 of
every file of the plugin's package. Each server keeps the certificates and the ICT
department's *public* key in its certificates folder (``MOTCUA_CERTIFICATES_DIR``); with
``MOTCUA_REQUIRE_CERTIFIED`` (on by default in production) a plugin whose certificate is
missing, forged, revoked or for other files is refused before any of its code runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from motcua.core.plugin_manager import purity
from motcua.core.sync.signing import canonical_json, unb64, verify
from motcua_sdk.versioning import MOTCUA_API_VERSION

FORMAT = "motcua-plugin-certificate/1"
PUBLIC_KEY_FILE = "ict-conformance.pub"
REVOKED_FILE = "revoked.json"
SKIPPED_SUFFIXES = (".pyc", ".pyo")


# ---------------------------------------------------------------------------- fingerprints


@functools.lru_cache(maxsize=8192)
def _file_sha256(path: Path, _mtime_ns: int, _size: int) -> str:
    # Every application start checks every installed plugin: hash a file again only
    # when its modification time or size changed.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_files(root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file of the plugin package at ``root`` (a
    folder or a single module), compiled bytecode left out (Python rewrites it)."""
    root = Path(root)
    paths = [root] if root.is_file() else sorted(
        path for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.relative_to(root).parts
        and not path.name.endswith(SKIPPED_SUFFIXES))
    found = {}
    for path in paths:
        stat = path.stat()
        name = path.name if root.is_file() else path.relative_to(root).as_posix()
        found[name] = _file_sha256(path, stat.st_mtime_ns, stat.st_size)
    return found


def files_digest(files: dict[str, str]) -> str:
    """One SHA-256 over the file list (names and contents)."""
    return hashlib.sha256(canonical_json(files)).hexdigest()


def module_files(module_name: str) -> dict[str, str]:
    """The files of the installed package holding ``module_name`` (empty if not found)."""
    root = purity.module_source_root(module_name)
    return package_files(root) if root is not None else {}


# ---------------------------------------------------------------------------- keys and files


def load_public_key(text: str) -> Ed25519PublicKey:
    """The ICT department's public key from its text form (URL-safe base64, 32 bytes)."""
    raw = unb64(text.strip())
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def signed_part(certificate: dict[str, Any]) -> bytes:
    """The bytes the signature covers: every field but the signature, canonical JSON."""
    return canonical_json({k: v for k, v in certificate.items() if k != "signature"})


def certificate_path(folder: Path, plugin: str) -> Path:
    """Where the certificate of ``plugin`` lives in a certificates folder."""
    return Path(folder) / f"{plugin}.json"


def read_revocations(folder: Path) -> dict[str, dict]:
    """``{serial: {"reason", "at"}}`` of the revoked certificates in ``folder``."""
    path = Path(folder) / REVOKED_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- checking


VALID, MISSING, INVALID, REVOKED, NOT_APPLICABLE = (
    "valid", "missing", "invalid", "revoked", "not applicable")


@dataclass(frozen=True)
class CertificateState:
    """What a server can say of one plugin's certificate: ``state`` (valid, missing,
    invalid, revoked, not applicable), why, and the certificate's serial when read."""

    state: str
    reason: str = ""
    serial: str | None = None

    @property
    def valid(self) -> bool:
        return self.state == VALID

    def summary(self) -> str:
        text = self.state + (f" ({self.serial[:12]})" if self.serial and self.valid else "")
        return text + (f": {self.reason}" if self.reason else "")


def _file_changes(certified: dict[str, str], installed: dict[str, str]) -> str:
    changed = sorted(p for p in certified if p in installed and certified[p] != installed[p])
    added = sorted(set(installed) - set(certified))
    removed = sorted(set(certified) - set(installed))
    parts = []
    for label, names in (("changed", changed), ("added", added), ("removed", removed)):
        if names:
            parts.append(f"{label} {', '.join(names[:5])}" + (" ..." if len(names) > 5 else ""))
    return "; ".join(parts)


@dataclass
class Certification:
    """A server's certificates folder and the ICT department's public key in it (or
    given as ``public_key`` text)."""

    folder: Path
    public_key: str = ""

    def _key(self) -> str | None:
        text = self.public_key
        if not text:
            path = Path(self.folder) / PUBLIC_KEY_FILE
            if not path.exists():
                return None
            text = path.read_text(encoding="utf-8").strip()
        load_public_key(text)  # a malformed key is a ValueError here, with its reason
        return text

    def check(self, *, name: str, module_name: str | None, distribution: str | None,
              version: str | None) -> CertificateState:
        """The certificate state of the installed plugin ``name`` (never raises)."""
        path = certificate_path(self.folder, name)
        if not path.exists():
            return CertificateState(MISSING, f"no certificate at {path.name} in the "
                                    "certificates folder")
        try:
            certificate = json.loads(path.read_text(encoding="utf-8"))
            key = self._key()
        except (OSError, ValueError) as error:
            return CertificateState(INVALID, f"the certificate or the ICT public key cannot "
                                    f"be read ({error})")
        if key is None:
            return CertificateState(INVALID, f"the ICT department's public key "
                                    f"({PUBLIC_KEY_FILE}) is not in the certificates folder")
        return self._verify(certificate, key, name=name, module_name=module_name,
                            distribution=distribution, version=version)

    def _verify(self, certificate: dict, key: str, *, name: str,
                module_name: str | None, distribution: str | None,
                version: str | None) -> CertificateState:
        serial = str(certificate.get("serial") or "")
        if not verify(key, signed_part(certificate), str(certificate.get("signature", ""))):
            return CertificateState(INVALID, "its signature does not match the ICT "
                                    "department's key (forged or edited)", serial)
        revoked = read_revocations(self.folder).get(serial)
        if revoked:
            return CertificateState(REVOKED, f"revoked on {revoked.get('at', '?')}: "
                                    f"{revoked.get('reason', '')}", serial)
        expected = {"format": FORMAT, "plugin": name, "distribution": distribution,
                    "version": version, "api_version": MOTCUA_API_VERSION}
        for field, value in expected.items():
            if certificate.get(field) != value:
                return CertificateState(INVALID, f"it certifies {field} "
                                        f"{certificate.get(field)!r}, installed is {value!r}",
                                        serial)
        installed = module_files(module_name or name)
        if files_digest(installed) != certificate.get("files_sha256"):
            changes = _file_changes(certificate.get("files") or {}, installed)
            return CertificateState(INVALID, "its files differ from the certified ones ("
                                    f"{changes or 'contents differ'})", serial)
        return CertificateState(VALID, "", serial)
