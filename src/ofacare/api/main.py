"""The app factory uvicorn workers call: settings from the environment, nothing else kept."""

from __future__ import annotations

from fastapi import FastAPI

from ofacare.api.app import create_app


def build_app() -> FastAPI:
    """One app per worker process; all state lives in the database."""
    return create_app()
