"""Security headers on every answer (errors included), and no caching of anything personal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# /docs loads Swagger UI from jsDelivr; everything else is served by ofacare itself.
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}
HSTS = "max-age=31536000; includeSubDomains"
CACHEABLE = "/static/"
"""The one place with nothing personal; every other answer may hold health data: no-store."""


def install_security_headers(app: FastAPI, *, secure: bool) -> None:
    @app.middleware("http")
    async def add_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        try:
            response = await call_next(request)
        except Exception as exc:
            # Starlette answers an unhandled exception outside every middleware, so that answer
            # would miss these headers: give it here, with the app's own handler (which logs it).
            handler = request.app.exception_handlers.get(Exception)
            if handler is None:
                raise
            response = await handler(request, exc)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if not request.url.path.startswith(CACHEABLE):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
