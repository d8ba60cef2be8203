"""troth's settings: one pydantic-settings class, read from `TROTH_*` environment variables.

Built once at the entry point (`troth serve`, a CLI command, a test) and passed
down; nothing reads the environment at import time.

    settings = Settings.for_declaration(Path("troth.yaml"))

`for_declaration` fills the embedded defaults: troth's state lives in `.troth/`
beside the declaration (a SQLite database, the secret key, the mail outbox).
On `development` a missing secret key is generated there (mode 0600) and the
operator is told; outside development a missing or well-known secret is a
`ConfigurationError`, so production never runs on a guessable key.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from troth._errors import ConfigurationError

__all__ = ["DEFAULT_SECRETS", "Settings"]

log = logging.getLogger("troth")

#: Secrets found in examples and tutorials; refused outside development.
DEFAULT_SECRETS = frozenset({"", "changeme", "change-me", "secret", "troth", "development", "insecure"})
_MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Every setting troth reads; each is `TROTH_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="TROTH_", extra="ignore", validate_default=True)

    database_url: str = Field("", description="troth's own store; default SQLite in state_dir")
    secret_key: str = Field("", description="signs sessions, keys hashes and encryption", repr=False)
    base_url: str = Field("http://127.0.0.1:8000", description="public URL of this troth")
    environment: Literal["development", "production"] = "development"
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = Field("", repr=False)
    smtp_starttls: bool = Field(True, description="upgrade SMTP with STARTTLS when the server offers it")
    smtp_timeout: float = Field(10.0, gt=0)
    mail_from: str = ""
    broker_url: str = ""
    state_dir: Path | None = Field(None, description="default: .troth beside the declaration")
    declaration_path: Path | None = None
    login_attempts: int = Field(5, ge=1, description="failed logins allowed per window")
    login_window_seconds: int = Field(900, ge=1)
    session_hours: int = Field(12, ge=1, le=24 * 30)

    # ------------------------------------------------------------------ derived

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def outbox_dir(self) -> Path:
        return self.require_state_dir() / "outbox"

    @property
    def delivers_by_smtp(self) -> bool:
        return bool(self.smtp_host)

    def require_state_dir(self) -> Path:
        if self.state_dir is None:
            raise ConfigurationError("no state directory: set TROTH_STATE_DIR or give a declaration")
        return self.state_dir

    # ------------------------------------------------------------------ construction

    @classmethod
    def for_declaration(cls, path: Path, **overrides: Any) -> Settings:
        """Settings for the declaration at `path`, with the embedded defaults filled in."""
        path = Path(path)
        try:
            settings = cls(**overrides)
        except ValidationError as exc:
            wrong = "; ".join(
                f"TROTH_{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
                for error in exc.errors()
            )
            raise ConfigurationError(f"invalid settings: {wrong}") from None
        if "declaration_path" not in overrides:
            settings.declaration_path = path  # the file given wins over the environment
        if settings.state_dir is None:
            base = path if path.is_dir() else path.parent
            settings.state_dir = (base / ".troth").resolve()
        if not settings.database_url:
            settings.database_url = f"sqlite:///{settings.state_dir / 'state.db'}"
        settings.secret_key = _secret(settings)
        if not settings.mail_from:
            settings.mail_from = "troth@localhost"
        return settings

    def check(self) -> None:
        """Refuse settings that are unsafe outside development."""
        if self.environment == "development":
            return
        if self.secret_key.strip().lower() in DEFAULT_SECRETS or len(self.secret_key) < _MIN_SECRET_LENGTH:
            raise ConfigurationError(
                "TROTH_SECRET_KEY is missing, a well-known value or shorter than "
                f"{_MIN_SECRET_LENGTH} characters; generate one with "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"`'
            )
        if self.is_sqlite:
            log.warning("production on SQLite: fine for one process, use PostgreSQL for replicas")
        if not self.smtp_host:
            log.warning("no TROTH_SMTP_HOST: emails are written as .eml files to the state folder, not sent")


def _secret(settings: Settings) -> str:
    if settings.secret_key or settings.environment != "development":
        settings.check()
        return settings.secret_key
    state = settings.require_state_dir()
    key_file = state / "secret_key"
    if key_file.is_file():
        return key_file.read_text().strip()
    state.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once agree on one key instead of overwriting.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    log.warning("no TROTH_SECRET_KEY set: generated one in %s (keep it; it protects stored data)", key_file)
    return value
