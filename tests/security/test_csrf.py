"""CSRF: every form and every cookie-authenticated change needs the session's own token.

The routes come from the app, so a new form or endpoint cannot escape: each page form is posted
without its token, with the token of another session of the same account, and with the right
token from another site (Sec-Fetch-Site: cross-site); each API change is sent with the session
cookie but without X-CSRF-Token, or with another session's. Every one is refused with 403 and
stores nothing; the same request with the right token succeeds (so the refusal is the token's).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ofacare.api.app import create_app
from ofacare.api.auth import CSRF_HEADER
from ofacare.config import Settings
from ofacare.services.runtime import Runtime
from ofacare.web.session import CSRF_FIELD, SESSION_COOKIE
from tests.api import test_authorisation_matrix as api_matrix
from tests.people import PASSWORD
from tests.security.access_world import (
    AccessWorld,
    build_access_world,
    open_second_session,
    sqlite_runtime,
    world_rows,
)
from tests.security.app_routes import UNSAFE, served_routes
from tests.web import test_page_access_matrix as page_matrix

SIGNED_IN = ("patient", "caregiver", "clinician", "admin")
ANONYMOUS_FORMS = {("POST", "/sign-in"), ("POST", "/invitation")}
"""Forms for people not signed in: no session, so no token; cross-site posts are refused."""
ANONYMOUS_API = {("POST", "/session"), ("POST", "/invitations/accept")}
APP = create_app(Settings(database_url="sqlite://"))
PAGE_FORMS = sorted(
    (r.method, r.path) for r in served_routes(APP) if r.is_page and r.method in UNSAFE
)
API_CHANGES = sorted(
    (r.method, r.path.removeprefix("/api/v1"))
    for r in served_routes(APP)
    if r.path.startswith("/api/v1/") and r.method in UNSAFE
)


@pytest.fixture(scope="module")
def shared(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    yield from sqlite_runtime(request, tmp_path_factory)


@pytest.fixture(scope="module")
def app_client(shared: Runtime):  # type: ignore[no-untyped-def]
    with TestClient(create_app(runtime=shared), follow_redirects=False) as client:
        yield client


def test_every_form_and_change_is_in_a_table():
    assert set(PAGE_FORMS) <= set(page_matrix.PAGES)
    assert set(API_CHANGES) <= set(api_matrix.PATIENT_ROUTES | api_matrix.OTHER_ROUTES).union(
        api_matrix.UNGATED
    )
    assert len(PAGE_FORMS) > 30 and len(API_CHANGES) > 30  # the app was read, not an empty list


def post_form(
    client: TestClient,
    world: AccessWorld,
    route: tuple[str, str],
    role: str,
    *,
    cookie: str,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    ids = page_matrix.path_ids(world, "own", route[1])
    entry = page_matrix.PAGES[route]
    form = entry.form(world, ids) if entry.form else {}
    if token is not None:
        form[CSRF_FIELD] = token
    client.cookies.clear()
    return client.post(
        route[1].format(**ids),
        data=form,
        headers={"cookie": f"{SESSION_COOKIE}={cookie}", "accept": "text/html"} | (headers or {}),
    )


@pytest.mark.parametrize(
    "route", [r for r in PAGE_FORMS if r not in ANONYMOUS_FORMS], ids=lambda r: r[1]
)
def test_a_form_without_the_sessions_own_token_is_refused_and_stores_nothing(
    app_client, shared, route
):
    world = build_access_world(shared)
    role = next(r for r in SIGNED_IN if r in page_matrix.PAGES[route].allowed)
    cookie, token = world.sessions[role]
    _, other_token = open_second_session(shared, world, role)
    stored = world_rows(shared, world)
    attempts: dict[str, dict[str, Any]] = {
        "no token": {"token": None},
        "an empty token": {"token": ""},
        "another session's token": {"token": other_token},
        "a post from another site": {"token": token, "headers": {"sec-fetch-site": "cross-site"}},
    }
    for name, attempt in attempts.items():
        answer = post_form(app_client, world, route, role, cookie=cookie, **attempt)
        assert answer.status_code == 403, (name, answer.status_code, answer.text[:1500])
        assert "did not come from ofacare" in answer.text, name
        assert world_rows(shared, world) == stored, f"{name}: refused, yet stored"
    answer = post_form(app_client, world, route, role, cookie=cookie, token=token)
    assert page_matrix.succeeded(answer, route), answer.text[:1500]


@pytest.mark.parametrize("route", sorted(ANONYMOUS_FORMS), ids=lambda r: r[1])
def test_a_sign_in_or_invitation_posted_from_another_site_is_refused(app_client, shared, route):
    world = build_access_world(shared)
    form = page_matrix.PAGES[route].form(world, {})  # type: ignore[misc]
    stored = world_rows(shared, world)
    app_client.cookies.clear()
    answer = app_client.post(route[1], data=form, headers={"sec-fetch-site": "cross-site"})
    assert answer.status_code == 403, answer.text[:1500]
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert world_rows(shared, world) == stored
    same_site = app_client.post(route[1], data=form, headers={"sec-fetch-site": "same-origin"})
    assert same_site.status_code in {200, 303}, same_site.text[:1500]


def send_change(
    client: TestClient, world: AccessWorld, route: tuple[str, str], role: str, token: str | None
) -> httpx.Response:
    method, path = route
    call = (api_matrix.PATIENT_ROUTES | api_matrix.OTHER_ROUTES).get(route)
    headers = {"cookie": f"{SESSION_COOKIE}={world.cookie(role)}"}
    if token is not None:
        headers[CSRF_HEADER] = token
    url = "/api/v1" + path.format(**api_matrix.path_ids(world, "own", path))
    body = call.body(world) if call and call.body else None
    if route == ("POST", "/tokens"):
        body = {"name": "script"}
    client.cookies.clear()
    return client.request(method, url, headers=headers, json=body)


@pytest.mark.parametrize(
    "route", [r for r in API_CHANGES if r not in ANONYMOUS_API], ids=lambda r: f"{r[0]} {r[1]}"
)
def test_an_api_change_through_the_cookie_needs_the_sessions_own_csrf_header(
    app_client, shared, route
):
    world = build_access_world(shared)
    call = (api_matrix.PATIENT_ROUTES | api_matrix.OTHER_ROUTES).get(route)
    role = next(r for r in SIGNED_IN if call is None or r in call.allowed)
    _, other_token = open_second_session(shared, world, role)
    stored = world_rows(shared, world)
    for token in (None, "", other_token):
        answer = send_change(app_client, world, route, role, token)
        assert answer.status_code == 403, (token, answer.text)
        assert answer.json()["error"]["code"] == "auth.csrf"
        assert world_rows(shared, world) == stored, f"refused ({token!r}), yet stored"


def test_signing_in_through_the_api_takes_json_only(app_client, shared):
    """A page on another site can post a form (text/plain) without asking, never JSON."""
    world = build_access_world(shared)
    body = f'{{"email": "{world.emails["patient"]}", "password": "{PASSWORD}"}}'
    app_client.cookies.clear()
    answer = app_client.post(
        "/api/v1/session", content=body, headers={"content-type": "text/plain"}
    )
    assert answer.status_code in {415, 422}, answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
