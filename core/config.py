"""Configuration from the environment, with documented defaults.

Every setting is read from an environment variable ``MOTCUA_<NAME>``; the table in
``docs/configuration.md`` lists them. Defaults suit a single desk machine on SQLite.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from motcua.core.errors import ConfigurationError

ROLES = ("standalone", "node", "hub")
LANGUAGES = ("vi", "en")


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
    public_base_url: str = "http://127.0.0.1:5000"
    province_code: str = "72"
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_types: tuple[str, ...] = (
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/msword",
    )
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    extra: dict = field(default_factory=dict)

    @property
    def attachments_path(self) -> Path:
        return self.instance_path / "attachments"

    @property
    def forms_path(self) -> Path:
        return self.instance_path / "forms"

    def as_flask_config(self) -> dict:
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": self.attachment_max_bytes * 5,
            "BABEL_DEFAULT_LOCALE": self.language,
            "BABEL_DEFAULT_TIMEZONE": self.timezone,
            "WTF_CSRF_TIME_LIMIT": None,
            "MOTCUA": self,
            **self.extra,
        }


def _secret_key(instance_path: Path, production: bool, given: str | None) -> str:
    """Return the configured key; in development generate one once and keep it."""
    if given:
        return given
    if production:
        raise ConfigurationError(
            "MOTCUA_SECRET_KEY must be set in production (MOTCUA_PRODUCTION=true)."
        )
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings(env: dict[str, str] | None = None, **overrides) -> Settings:
    """Build :class:`Settings` from ``env`` (default: ``os.environ``) and ``overrides``."""
    env = dict(os.environ if env is None else env)
    instance_path = Path(
        overrides.pop("instance_path", None) or env.get("MOTCUA_INSTANCE_PATH") or "instance"
    ).resolve()
    production = _flag(env.get("MOTCUA_PRODUCTION"), False)
    database_url = overrides.pop("database_url", None) or env.get("MOTCUA_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'motcua.sqlite3'}"
    )
    role = (overrides.pop("role", None) or env.get("MOTCUA_ROLE") or "standalone").lower()
    if role not in ROLES:
        raise ConfigurationError(f"MOTCUA_ROLE must be one of {', '.join(ROLES)}, not {role!r}.")
    language = (overrides.pop("language", None) or env.get("MOTCUA_LANGUAGE") or "vi").lower()
    if language not in LANGUAGES:
        raise ConfigurationError(
            f"MOTCUA_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {language!r}."
        )
    secret_key = _secret_key(
        instance_path, production, overrides.pop("secret_key", None) or env.get("MOTCUA_SECRET_KEY")
    )
    settings = Settings(
        instance_path=instance_path,
        database_url=database_url,
        secret_key=secret_key,
        role=role,
        language=language,
        production=production,
        public_base_url=env.get("MOTCUA_PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        province_code=env.get("MOTCUA_PROVINCE_CODE", "72"),
    )
    if env.get("MOTCUA_ATTACHMENT_MAX_BYTES"):
        settings.attachment_max_bytes = int(env["MOTCUA_ATTACHMENT_MAX_BYTES"])
    for key, value in overrides.items():
        if hasattr(settings, key):
            setattr(settings, key, value)
        else:
            settings.extra[key] = value
    return settings
