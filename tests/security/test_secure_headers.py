"""Security headers on every answer: every route the app serves (read from the app), the
mounted CDS Hooks service and static files, the documentation, and every kind of error (the HTML
404, the API's 404, 405, 413, 422, 429 and an unexpected 500). HSTS when served over TLS.

Signed-in answers of every page and API route are checked by the two authorisation matrices,
which pass each answer through the same check.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.services.runtime import Runtime, build_runtime
from tests.database_fixtures import Clock
from tests.security.access_world import MISSING_ID, build_access_world
from tests.security.app_routes import served_routes
from tests.security.headers import check_security_headers

EXTRA_REQUESTS = [
    ("GET", "/static/ofacare.css", 200),
    ("GET", "/static/no-such-file.css", 404),
    ("GET", "/cds-services", 307),
    ("GET", "/cds-services/", 200),
    ("POST", "/cds-services/no-such-service", 404),
    ("GET", "/no-such-page", 404),
    ("GET", "/api/v1/no-such-endpoint", 404),
    ("DELETE", "/health", 405),
    ("GET", "/boom", 500),
]


@pytest.fixture(params=[False, True], ids=["http", "https"])
def served(request, sqlite_template, tmp_path) -> Iterator[tuple[TestClient, Runtime, bool]]:  # type: ignore[no-untyped-def]
    secure = request.param
    target = tmp_path / "ofacare.db"
    target.write_bytes(sqlite_template.read_bytes())
    settings = Settings(database_url=f"sqlite:///{target}", secure_cookies=secure)
    runtime = build_runtime(settings, clock=Clock())
    base = "https://testserver" if secure else "http://testserver"
    with TestClient(
        with_a_failing_route(create_app(runtime=runtime)),
        base_url=base,
        follow_redirects=False,
        raise_server_exceptions=False,
    ) as client:
        yield client, runtime, secure
    runtime.database.dispose()


def with_a_failing_route(app: FastAPI) -> FastAPI:
    """The app with one route that fails unexpectedly, for the 500 answer."""

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("an unexpected failure")

    return app


def anonymous(client: TestClient, method: str, path: str) -> httpx.Response:
    client.cookies.clear()
    url = path.replace("{token}", "no-such-feed").format_map(_Missing())
    return client.request(method, url, headers={"accept": "text/html"})


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return MISSING_ID


def test_every_route_answers_with_the_security_headers(served):
    client, _, secure = served
    answered = 0
    for route in served_routes(client.app):  # type: ignore[arg-type]
        if route.method == "MOUNT":
            continue  # below, with real paths inside the mounts
        check_security_headers(anonymous(client, route.method, route.path), secure=secure)
        answered += 1
    assert answered > 120  # every API endpoint and page, not an empty list
    for method, path, status in EXTRA_REQUESTS:
        answer = anonymous(client, method, path)
        assert answer.status_code == status, (path, answer.text[:300])
        check_security_headers(answer, secure=secure)
    assert "text/html" in anonymous(client, "GET", "/no-such-page").headers["content-type"]


def test_refusals_of_the_body_the_rate_and_the_input_carry_them_too(served):
    client, runtime, secure = served
    too_large = b"[" + b"0," * runtime.settings.max_body_bytes + b"0]"
    answers = {
        413: client.post("/api/v1/session", content=too_large, headers=JSON),
        422: client.post("/api/v1/session", content=b'{"email": 1}', headers=JSON),
    }
    world = build_access_world(runtime)
    wrong = {"email": world.emails["patient"], "password": "not the password"}
    for _ in range(runtime.settings.login_max_failures):
        client.post("/api/v1/session", json=wrong)
    answers[429] = client.post("/api/v1/session", json=wrong)
    answers[401] = client.get("/api/v1/me")
    page = client.post("/sign-in", data=wrong, headers={"accept": "text/html"})
    for status, answer in [*answers.items(), (429, page)]:
        assert answer.status_code == status, answer.text[:300]
        check_security_headers(answer, secure=secure)


JSON = {"content-type": "application/json"}
