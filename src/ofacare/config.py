"""Settings read from the environment (prefix OFACARE_); nothing runs at import.

Every setting is documented in docs/settings.md. Clinical numbers never live here: they live in the
knowledge base.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE = Path("var") / "ofacare.db"


class Settings(BaseSettings):
    """Deployment settings."""

    model_config = SettingsConfigDict(env_prefix="OFACARE_", frozen=True, env_parse_none_str="")

    knowledge_dir: Path | None = None
    """Read the knowledge base from this folder instead of the packaged one (for review drafts)."""

    database_url: str = f"sqlite:///{DEFAULT_DATABASE}"
    """SQLite file (default) or postgresql+psycopg://user:password@host/dbname."""

    base_url: str = "http://127.0.0.1:8000"
    """Where people reach the service; used in calendar feed links and emails."""

    secure_cookies: bool = False
    """Send cookies only over HTTPS (turn on behind TLS) and add Strict-Transport-Security."""

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    """Largest request body read (bytes); a larger one is refused with 413 before any route."""

    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    login_max_failures: int = Field(default=5, ge=1)
    """Failed sign-ins per account or per address within the window before sign-in pauses."""
    login_window_minutes: int = Field(default=15, ge=1)

    smtp_host: str | None = None
    """No host: reminders are recorded with status no-channel instead of being emailed."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "reminders@ofacare.localhost"

    sweep_hour: int | None = Field(default=6, ge=0, le=23)
    """Hour (UTC) of the daily sweep run by `ofacare serve`; empty to use cron instead."""

    seed_demo: bool = False
    """Seed demo accounts into an empty database (`make run` turns this on)."""
