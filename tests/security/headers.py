"""What every answer of the service carries, whatever its route, status or content."""

from __future__ import annotations

import httpx

from ofacare.api.security import HEADERS, HSTS

CACHEABLE = "/static/"


def check_security_headers(answer: httpx.Response, *, secure: bool = False) -> None:
    """The security headers, no-store on anything personal, and HSTS when served over TLS."""
    where = f"{answer.request.method} {answer.request.url.path} -> {answer.status_code}"
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, f"{where}: {name} is {answer.headers.get(name)!r}"
    if not answer.request.url.path.startswith(CACHEABLE):
        assert answer.headers.get("cache-control") == "no-store", where
    assert (answer.headers.get("strict-transport-security") == HSTS) == secure, where
