"""Conformance certificates: is this installed plugin exactly the code the ICT department
certified?

A certificate (issued by ``motcua conformance run --key``, see :mod:`motcua.conformance`)
is a JSON file signed with the ICT department's Ed25519 key. It binds the plugin's name,
distribution, version, the plugin API version it was tested against, and the SHA-256 of
every file the distribution ships and of every file of the plugin's package folder
(:func:`installed_files`); a certified plugin is then imported from that source only,
never from cached bytecode (:func:`run_from_source`). Each server keeps the certificates and the ICT
department's *public* key in its certificates folder (``MOTCUA_CERTIFICATES_DIR``); with
``MOTCUA_REQUIRE_CERTIFIED`` (on by default in production) a plugin whose certificate is
missing, forged, revoked or for other files is refused before any of its code runs.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import json
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from motcua.core.messages import N_, Message
from motcua.core.plugin_manager import purity
from motcua.core.sync.signing import canonical_json, unb64, verify
from motcua_sdk.versioning import MOTCUA_API_VERSION

FORMAT = "motcua-plugin-certificate/1"
PUBLIC_KEY_FILE = "ict-conformance.pub"
REVOKED_FILE = "revoked.json"
METADATA_FOLDERS = (".dist-info", ".egg-info")


# ---------------------------------------------------------------------------- fingerprints


@functools.lru_cache(maxsize=8192)
def _file_sha256(path: Path, _mtime_ns: int, _size: int) -> str:
    # Every application start checks every installed plugin: hash a file again only
    # when its modification time or size changed.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hash(path: Path) -> str:
    stat = path.stat()
    return _file_sha256(path, stat.st_mtime_ns, stat.st_size)


def _is_bytecode_cache(parts: tuple[str, ...]) -> bool:
    return "__pycache__" in parts


def package_files(root: Path) -> dict[str, str]:
    """``{path: sha256}`` of every file of the plugin package at ``root`` (a folder or a
    single module), named from the folder holding it (``motcua_x/views.py``). Python's
    bytecode cache (``__pycache__``) is left out: it differs per machine, and a certified
    plugin never runs it (:func:`run_from_source`). A compiled file elsewhere (a
    ``.pyc`` beside the sources, which Python would import) is hashed like any other."""
    root = Path(root)
    if root.is_file():
        return {root.name: _hash(root)}
    return {path.relative_to(root.parent).as_posix(): _hash(path)
            for path in sorted(root.rglob("*"))
            if path.is_file() and not _is_bytecode_cache(path.relative_to(root).parts)}


def shipped_files(distribution: str | None) -> dict[str, str]:
    """``{path: sha256}`` of the files the installed ``distribution`` lists (its
    ``RECORD``, or an egg's ``SOURCES.txt``), named as listed; its own metadata folder,
    bytecode caches and files outside its installation folder (scripts) left out. An
    editable install lists only its path hook, which is hashed (the package folder is,
    by :func:`package_files`)."""
    if not distribution:
        return {}
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return {}
    found = {}
    for entry in dist.files or ():
        parts = PurePosixPath(entry.as_posix()).parts
        if (not parts or ".." in parts or _is_bytecode_cache(parts)
                or parts[0].endswith(METADATA_FOLDERS)):
            continue
        path = Path(dist.locate_file(entry))
        if path.is_file():
            found[PurePosixPath(*parts).as_posix()] = _hash(path)
    return found


def installed_files(distribution: str | None, module_name: str) -> dict[str, str]:
    """What a certificate binds: the files the distribution ships, and every file of
    the plugin's package folder (wherever it is: an editable install's source folder;
    a file added since installing)."""
    files = shipped_files(distribution)
    root = purity.module_source_root(module_name)
    if root is not None:
        files.update(package_files(root))
    return dict(sorted(files.items()))


def files_digest(files: dict[str, str]) -> str:
    """One SHA-256 over the file list (names and contents)."""
    return hashlib.sha256(canonical_json(files)).hexdigest()


# ---------------------------------------------------------------------------- bytecode


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles the module from its (certified) source; reads and writes no bytecode."""

    def get_code(self, fullname: str):  # noqa: ANN201 - a code object
        return self.source_to_code(self.get_data(self.path), self.path)


class _SourceOnlyFinder(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path``: the modules of the packages in ``packages`` are found
    by the other finders as usual, then loaded by :class:`_SourceOnlyLoader`."""

    def __init__(self) -> None:
        self.packages: set[str] = set()

    def find_spec(self, fullname: str, path, target=None):  # noqa: ANN001, ANN201
        if fullname.partition(".")[0] not in self.packages:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if type(spec.loader) is importlib.machinery.SourceFileLoader:
                    spec.loader = _SourceOnlyLoader(spec.loader.name, spec.loader.path)
                    spec.cached = None
                return spec
        return None


_source_only = _SourceOnlyFinder()


def run_from_source(module_name: str) -> None:
    """From now on, import the package of ``module_name`` from its source files only.

    A certificate binds the source; Python would otherwise run a ``__pycache__/*.pyc``
    whose header matches the source's time and size, whatever code it holds (an edited
    cached file would run under a valid certificate). Compiling the few files of a
    plugin at start-up costs milliseconds."""
    _source_only.packages.add(module_name.partition(".")[0])
    if _source_only not in sys.meta_path:
        sys.meta_path.insert(0, _source_only)


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
# What the pages and commands call each state (the state itself is data: JSON, attributes).
STATE_LABELS = {VALID: N_("valid"), MISSING: N_("missing"), INVALID: N_("invalid"),
                REVOKED: N_("revoked"), NOT_APPLICABLE: N_("not applicable")}


@dataclass(frozen=True)
class CertificateState:
    """What a server can say of one plugin's certificate: ``state`` (valid, missing,
    invalid, revoked, not applicable), why, and the certificate's serial when read."""

    state: str
    reason: Message | str = ""
    serial: str | None = None

    @property
    def valid(self) -> bool:
        return self.state == VALID

    def summary(self) -> Message:
        """The state and why, translated where it is shown."""
        state = Message(STATE_LABELS.get(self.state, self.state))
        if self.serial and self.valid:
            return Message("%(state)s (%(serial)s)", state=state, serial=self.serial[:12])
        if self.reason:
            return Message("%(state)s: %(reason)s", state=state, reason=self.reason)
        return state


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
            return CertificateState(MISSING, Message(
                "no certificate at %(file)s in the certificates folder", file=path.name))
        try:
            certificate = json.loads(path.read_text(encoding="utf-8"))
            key = self._key()
        except (OSError, ValueError) as error:
            return CertificateState(INVALID, Message(
                "the certificate or the ICT public key cannot be read (%(error)s)",
                error=error))
        if key is None:
            return CertificateState(INVALID, Message(
                "the ICT department's public key (%(file)s) is not in the certificates "
                "folder", file=PUBLIC_KEY_FILE))
        return self._verify(certificate, key, name=name, module_name=module_name,
                            distribution=distribution, version=version)

    def _verify(self, certificate: dict, key: str, *, name: str,
                module_name: str | None, distribution: str | None,
                version: str | None) -> CertificateState:
        serial = str(certificate.get("serial") or "")
        if not verify(key, signed_part(certificate), str(certificate.get("signature", ""))):
            return CertificateState(INVALID, Message(
                "its signature does not match the ICT department's key (forged or edited)"),
                serial)
        revoked = read_revocations(self.folder).get(serial)
        if revoked:
            return CertificateState(REVOKED, Message(
                "revoked on %(date)s: %(reason)s", date=revoked.get("at", "?"),
                reason=revoked.get("reason", "")), serial)
        expected = {"format": FORMAT, "plugin": name, "distribution": distribution,
                    "version": version, "api_version": MOTCUA_API_VERSION}
        for field, value in expected.items():
            if certificate.get(field) != value:
                return CertificateState(INVALID, Message(
                    "it certifies %(field)s %(certified)s, installed is %(installed)s",
                    field=field, certified=repr(certificate.get(field)),
                    installed=repr(value)), serial)
        installed = installed_files(distribution, module_name or name)
        if files_digest(installed) != certificate.get("files_sha256"):
            changes = _file_changes(certificate.get("files") or {}, installed)
            return CertificateState(INVALID, Message(
                "its files differ from the certified ones (%(changes)s)",
                changes=changes or Message("contents differ")), serial)
        # What runs is what was certified: its source, never a cached compiled file.
        run_from_source(module_name or name)
        return CertificateState(VALID, "", serial)
