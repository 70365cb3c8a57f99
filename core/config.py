"""Configuration from the environment, with documented defaults.

Every setting is read from an environment variable ``MOTCUA_<NAME>``; the table in
``docs/configuration.md`` lists them. Defaults suit a single desk machine on SQLite.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from motcua.core.errors import ConfigurationError

ROLES = ("standalone", "node", "hub")
LANGUAGES = ("vi", "en")
DATABASE_BACKENDS = ("sqlite", "postgresql")
# The most entries the hub accepts in one sync batch (the protocol's MAX_ENTRIES).
SYNC_BATCH_SIZE_MAX = 5000


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    """Resolved settings of one deployment."""

    instance_path: Path
    database_url: str
    secret_key: str
    role: str = "standalone"
    language: str = "vi"
    production: bool = False
    timezone: str = "Asia/Ho_Chi_Minh"
    # Empty when not configured: pages then use the address the request came in on
    # (core.extensions.public_base_url), so a slip never names a port nobody serves.
    public_base_url: str = ""
    province_code: str = "72"
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_types: tuple[str, ...] = (
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/msword",
    )
    # Reverse proxies in front of the app (nginx...) whose X-Forwarded-For/-Proto/-Host to
    # believe: without it every citizen behind the proxy shares one rate limit.
    trusted_proxies: int = 0
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # Argon2 checks one process runs at once; past it a login gets 503 (core/hashing_gate).
    login_concurrent_hashes: int = 2
    # An officer's login ends after this long without a request, and this long after it
    # began whatever happens (docs/security.md).
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # Sync (docs/sync.md): a node's identity at the hub, the hub's URL and the node's
    # Ed25519 private key; standalone deployments feed their read model in-process.
    sync_node_id: str = ""
    sync_hub_url: str = ""
    sync_key: str = ""
    sync_batch_size: int = 1000
    sync_in_process: bool = True
    # How far a node's clock may run ahead of the hub's (seconds): signed queries older or
    # newer than this, and batches holding instants further ahead, are refused.
    sync_clock_tolerance: int = 300
    # Plugins (docs/plugins.md): the names to run (None: every installed plugin), and
    # plugin objects registered directly as (name, object) pairs (tests, embedded use).
    plugins: tuple[str, ...] | None = None
    extra_plugins: tuple = ()
    # Where a plugin is used: {plugin name: agency codes of the subtrees}; absent = everywhere.
    plugin_units: dict = field(default_factory=dict)
    # Conformance certificates (docs/conformance.md): refuse plugins without a valid one
    # (default: on in production), and where the certificates and the ICT key live.
    require_certified: bool = False
    certificates_dir: Path | None = None
    conformance_public_key: str = ""
    extra: dict = field(default_factory=dict)
    # The ``MOTCUA_*`` environment variables read, where plugins' settings come from
    # (motcua_sdk.settings; ``extra`` keys set in code win over them).
    environment: dict = field(default_factory=dict)

    @property
    def attachments_path(self) -> Path:
        return self.instance_path / "attachments"

    @property
    def forms_path(self) -> Path:
        return self.instance_path / "forms"

    @property
    def certificates_path(self) -> Path:
        return self.certificates_dir or self.instance_path / "certificates"

    def as_flask_config(self) -> dict:
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": self.attachment_max_bytes * 5,
            "BABEL_DEFAULT_LOCALE": self.language,
            "BABEL_DEFAULT_TIMEZONE": self.timezone,
            "WTF_CSRF_TIME_LIMIT": None,
            # Production runs behind HTTPS: the cookies must never travel in clear text.
            "SESSION_COOKIE_SECURE": self.production,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            # The signature's own age limit (Flask's default is 31 days); the absolute
            # timeout itself is checked in core/web/sessions.py.
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=self.session_max_hours),
            "MOTCUA": self,
            **self.extra,
        }


def plugin_names(value: str | None) -> tuple[str, ...] | None:
    """``MOTCUA_PLUGINS``: unset, empty or ``all`` runs every installed plugin (None),
    ``none`` runs none, else the comma-separated names."""
    value = (value or "").strip()
    if value.lower() in ("", "all"):
        return None
    if value.lower() == "none":
        return ()
    return tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))


def plugin_units(value: str | None) -> dict[str, tuple[str, ...]]:
    """``MOTCUA_PLUGIN_UNITS``: ``name=CODE,CODE;name2=CODE`` limits each named plugin
    to the subtrees of those units; a plugin not named works in every unit."""
    scopes: dict[str, tuple[str, ...]] = {}
    for part in (value or "").split(";"):
        if not part.strip():
            continue
        name, _sep, codes = part.partition("=")
        units = tuple(code.strip().upper() for code in codes.split(",") if code.strip())
        if not name.strip() or not units:
            raise ConfigurationError(
                "MOTCUA_PLUGIN_UNITS must look like name=H72.01,H72.02;other=H72.03, "
                f"not {part.strip()!r}.")
        scopes[name.strip()] = units
    return scopes


def _database_url(value: str) -> str:
    """Check ``MOTCUA_DATABASE_URL``: an SQLAlchemy URL of SQLite or PostgreSQL."""
    try:
        url = make_url(value)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several kinds here
        raise ConfigurationError(
            f"MOTCUA_DATABASE_URL is not a database URL: {value!r} ({exc}). Use e.g. "
            "postgresql+psycopg://user:password@host:5432/motcua or sqlite:////path/file.sqlite3."
        ) from None
    if url.get_backend_name() not in DATABASE_BACKENDS:
        raise ConfigurationError(
            f"MOTCUA_DATABASE_URL must use one of {', '.join(DATABASE_BACKENDS)}, "
            f"not {url.get_backend_name()!r}."
        )
    return value


def _positive_int(env: dict[str, str], name: str) -> int | None:
    """``MOTCUA_<name>`` as a whole number above zero, or None when unset."""
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) <= 0:
        raise ConfigurationError(f"{name} must be a whole number above 0, not {value!r}.")
    return int(value)


def _secret_key(instance_path: Path, production: bool, given: str | None,
                create: bool = True) -> str:
    """Return the configured key; in development generate one once and keep it (with
    ``create=False`` a key that is not kept, and nothing is written)."""
    if given:
        return given
    if production:
        raise ConfigurationError(
            "MOTCUA_SECRET_KEY must be set in production (MOTCUA_PRODUCTION=true)."
        )
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if not create:
        return secrets.token_hex(32)
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def plugin_source_folder(folder: Path) -> bool:
    """True if ``folder`` holds a plugin's source: a ``pyproject.toml`` declaring a
    ``motcua.plugins`` entry point (where no instance belongs)."""
    pyproject = folder / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    entry_points = project.get("entry-points", {}) if isinstance(project, dict) else {}
    return isinstance(entry_points, dict) and bool(entry_points.get("motcua.plugins"))


def _instance_path(given: str | None) -> Path:
    """The instance folder: ``given`` (``MOTCUA_INSTANCE_PATH`` or an override), else
    ``./instance``, except in a plugin's source folder, which must not get one."""
    if given:
        return Path(given).resolve()
    path = Path("instance").resolve()
    if not path.exists() and plugin_source_folder(Path.cwd()):
        raise ConfigurationError(
            f"{Path.cwd()} is a plugin's source folder (its pyproject.toml declares a "
            "motcua.plugins entry point), not a motcua instance: set MOTCUA_INSTANCE_PATH "
            "to the instance's folder (motcua init creates one there), so that no "
            "instance is written into the plugin.")
    return path


def load_settings(env: dict[str, str] | None = None, *, create: bool = True,
                  **overrides) -> Settings:
    """Build :class:`Settings` from ``env`` (default: ``os.environ``) and ``overrides``.

    With ``create=False`` nothing is written (no development secret key is kept): for
    callers that only read settings, such as listing the plugins' commands.
    """
    env = dict(os.environ if env is None else env)
    instance_path = _instance_path(overrides.pop("instance_path", None)
                                   or env.get("MOTCUA_INSTANCE_PATH"))
    production = _flag(env.get("MOTCUA_PRODUCTION"), False)
    database_url = overrides.pop("database_url", None) or env.get("MOTCUA_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'motcua.sqlite3'}"
    )
    database_url = _database_url(database_url)
    role = (overrides.pop("role", None) or env.get("MOTCUA_ROLE") or "standalone").lower()
    if role not in ROLES:
        raise ConfigurationError(f"MOTCUA_ROLE must be one of {', '.join(ROLES)}, not {role!r}.")
    language = (overrides.pop("language", None) or env.get("MOTCUA_LANGUAGE") or "vi").lower()
    if language not in LANGUAGES:
        raise ConfigurationError(
            f"MOTCUA_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {language!r}."
        )
    secret_key = _secret_key(
        instance_path, production,
        overrides.pop("secret_key", None) or env.get("MOTCUA_SECRET_KEY"), create=create,
    )
    settings = Settings(
        instance_path=instance_path,
        database_url=database_url,
        secret_key=secret_key,
        role=role,
        language=language,
        production=production,
        public_base_url=env.get("MOTCUA_PUBLIC_BASE_URL", "").strip().rstrip("/"),
        province_code=env.get("MOTCUA_PROVINCE_CODE", "72"),
    )
    settings.sync_node_id = env.get("MOTCUA_SYNC_NODE_ID", "").strip()
    settings.sync_hub_url = env.get("MOTCUA_SYNC_HUB_URL", "").strip().rstrip("/")
    settings.sync_key = env.get("MOTCUA_SYNC_KEY", "").strip()
    settings.sync_batch_size = (
        _positive_int(env, "MOTCUA_SYNC_BATCH_SIZE") or settings.sync_batch_size
    )
    settings.sync_in_process = _flag(env.get("MOTCUA_SYNC_IN_PROCESS"), True)
    settings.sync_clock_tolerance = (
        _positive_int(env, "MOTCUA_SYNC_CLOCK_TOLERANCE") or settings.sync_clock_tolerance
    )
    proxies = env.get("MOTCUA_TRUSTED_PROXIES", "").strip()
    if proxies and not proxies.isdigit():
        raise ConfigurationError(
            f"MOTCUA_TRUSTED_PROXIES must be a whole number (0 or more), not {proxies!r}.")
    settings.trusted_proxies = int(proxies or 0)
    settings.plugins = plugin_names(env.get("MOTCUA_PLUGINS"))
    settings.plugin_units = plugin_units(env.get("MOTCUA_PLUGIN_UNITS"))
    settings.require_certified = _flag(env.get("MOTCUA_REQUIRE_CERTIFIED"), production)
    if env.get("MOTCUA_CERTIFICATES_DIR"):
        settings.certificates_dir = Path(env["MOTCUA_CERTIFICATES_DIR"]).resolve()
    settings.conformance_public_key = env.get("MOTCUA_CONFORMANCE_PUBLIC_KEY", "").strip()
    settings.session_idle_minutes = (
        _positive_int(env, "MOTCUA_SESSION_IDLE_MINUTES") or settings.session_idle_minutes
    )
    settings.session_max_hours = (
        _positive_int(env, "MOTCUA_SESSION_MAX_HOURS") or settings.session_max_hours
    )
    settings.login_concurrent_hashes = (
        _positive_int(env, "MOTCUA_LOGIN_CONCURRENT_HASHES") or settings.login_concurrent_hashes
    )
    settings.attachment_max_bytes = (
        _positive_int(env, "MOTCUA_ATTACHMENT_MAX_BYTES") or settings.attachment_max_bytes
    )
    settings.environment = {key: value for key, value in env.items()
                            if key.startswith("MOTCUA_")}
    for key, value in overrides.items():
        if hasattr(settings, key):
            setattr(settings, key, value)
        else:
            settings.extra[key] = value
    if not 1 <= settings.sync_batch_size <= SYNC_BATCH_SIZE_MAX:
        # A larger batch would be refused by the hub every time: the node would never sync.
        raise ConfigurationError(
            f"MOTCUA_SYNC_BATCH_SIZE must be between 1 and {SYNC_BATCH_SIZE_MAX} (the most "
            f"entries the hub accepts in one batch), not {settings.sync_batch_size}.")
    return settings
