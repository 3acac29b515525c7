"""Settings read from the environment (prefix OFACARE_); nothing runs at import."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Deployment settings. Clinical numbers never live here: they live in the knowledge base."""

    model_config = SettingsConfigDict(env_prefix="OFACARE_", frozen=True)

    knowledge_dir: Path | None = None
    """Read the knowledge base from this folder instead of the packaged one (for review drafts)."""
