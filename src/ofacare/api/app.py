"""The ofacare service: create_app(settings) builds the whole HTTP app on one database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from fastapi import APIRouter, FastAPI

from ofacare.api.errors import install_error_handlers
from ofacare.api.limits import install_body_limits
from ofacare.api.routes import (
    admin,
    alerts,
    ask,
    calendar_feed,
    caregivers,
    diary,
    fhir,
    injections,
    labs,
    patients,
    pens,
    planning,
    prescriptions,
    schedule,
    screening,
    session,
    simulations,
)
from ofacare.api.security import install_security_headers
from ofacare.config import Settings
from ofacare.interop.cds_hooks.service import create_cds_app
from ofacare.services.runtime import Runtime, build_runtime
from ofacare.web.pages import install_pages

API_PREFIX = "/api/v1"
ROUTERS = (
    session.router,
    patients.router,
    prescriptions.router,
    schedule.router,
    injections.router,
    pens.router,
    diary.router,
    labs.router,
    screening.router,
    alerts.router,
    planning.router,
    ask.router,
    simulations.router,
    fhir.router,
    calendar_feed.router,
    caregivers.router,
    admin.router,
)


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The service app. The database must already be migrated (see services.setup)."""
    runtime = runtime or build_runtime(settings, clock=clock)
    app = FastAPI(
        title="ofacare",
        version=runtime.kb.version,
        summary="Treatment companion and decision support for ofatumumab (Kesimpta)",
        description=(
            "ofacare supports, and never replaces, the MS care team. Sign in with "
            "POST /api/v1/session (cookie + X-CSRF-Token) or send an API token as a Bearer token."
        ),
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    api = APIRouter(prefix=API_PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    app.include_router(calendar_feed.feed_router)  # /calendar/{token}.ics: no prefix, no sign-in

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: answers without touching the database (the trivial endpoint of the bench)."""
        return {"status": "ok"}

    app.mount("/cds-services", _cds_app(runtime, clock))
    install_pages(app)
    install_error_handlers(app)
    install_body_limits(app, max_body_bytes=runtime.settings.max_body_bytes)
    install_security_headers(app, secure=runtime.settings.secure_cookies)
    return app


def _cds_app(runtime: Runtime, clock: Callable[[], datetime] | None) -> FastAPI:
    today: Callable[[], date] | None = (lambda: runtime.now().date()) if clock else None
    return create_cds_app(runtime.settings, clock=today, root="")
