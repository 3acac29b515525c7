"""Login throttling, through the sign-in page and the API, on SQLite and PostgreSQL.

After `login_max_failures` wrong passwords for an account (or from one address) within the window,
sign-in answers 429 with Retry-After, even with the right password; every failure and every
refusal is in the audit log; the pause lifts when Retry-After says, or at once when an admin
unlocks the email or the address (pages and API).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.services.accounts import ANONYMOUS
from ofacare.services.runtime import Runtime, build_runtime
from ofacare.web.session import CSRF_FIELD, SESSION_COOKIE
from tests.database_fixtures import Clock
from tests.people import PASSWORD
from tests.security.access_world import AccessWorld, audit_entries, build_access_world

WRONG = "not the password at all"


@pytest.fixture
def runtime(database_url: str, clock: Clock) -> Iterator[Runtime]:
    """The service with a pause after three failures (the default is five; the rule is the same
    and each failure costs an argon2 check)."""
    built = build_runtime(Settings(database_url=database_url, login_max_failures=3), clock=clock)
    yield built
    built.database.dispose()


@pytest.fixture
def app(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), follow_redirects=False) as client:
        yield client


def page_sign_in(client: TestClient, email: str, password: str) -> httpx.Response:
    client.cookies.clear()
    return client.post("/sign-in", data={"email": email, "password": password, "next": "/"})


def api_sign_in(client: TestClient, email: str, password: str) -> httpx.Response:
    client.cookies.clear()
    return client.post("/api/v1/session", json={"email": email, "password": password})


SIGN_INS = {"page": page_sign_in, "api": api_sign_in}


def refused(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text[:1000]
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def fail_until_locked(client: TestClient, runtime: Runtime, door: str, email: str) -> None:
    for _ in range(runtime.settings.login_max_failures):
        refused(SIGN_INS[door](client, email, WRONG), 401)


@pytest.mark.parametrize("door", sorted(SIGN_INS))
def test_repeated_failures_pause_sign_in_even_with_the_right_password(app, runtime, clock, door):
    world = build_access_world(runtime)
    email = world.emails["patient"]
    fail_until_locked(app, runtime, door, email)
    paused = SIGN_INS[door](app, email, PASSWORD)
    refused(paused, 429)
    wait = int(paused.headers["retry-after"])
    assert wait == runtime.settings.login_window_minutes * 60 + 1
    if door == "api":
        assert paused.json()["error"]["code"] == "auth.throttled"
    else:
        assert "Too many failed sign-ins" in paused.text
    clock.advance(seconds=wait - 1)
    refused(SIGN_INS[door](app, email, PASSWORD), 429)
    clock.advance(seconds=1)
    assert SIGN_INS[door](app, email, PASSWORD).status_code in {200, 303}


@pytest.mark.parametrize("door", sorted(SIGN_INS))
def test_every_failure_and_every_paused_attempt_is_audited(app, runtime, door):
    world = build_access_world(runtime)
    email, user = world.emails["patient"], world.actors["patient"]
    fail_until_locked(app, runtime, door, email)
    refused(SIGN_INS[door](app, email, PASSWORD), 429)
    refused(SIGN_INS[door](app, "nobody@example.org", WRONG), 429)  # the address is paused too
    entries = [(e.action, e.user_id, e.role, e.address, e.detail) for e in audit_entries(runtime)]
    limit = runtime.settings.login_max_failures
    assert entries == [
        *[("auth.sign-in-failed", user.user_id, "patient", "testclient", email)] * limit,
        ("auth.sign-in-throttled", user.user_id, "patient", "testclient", email),
        ("auth.sign-in-throttled", None, ANONYMOUS, "testclient", "nobody@example.org"),
    ]


@pytest.mark.parametrize("door", sorted(SIGN_INS))
def test_failures_from_one_address_pause_every_account_from_it(app, runtime, door):
    world = build_access_world(runtime)
    for n in range(runtime.settings.login_max_failures):
        refused(SIGN_INS[door](app, f"guess-{n}@example.org", WRONG), 401)
    refused(SIGN_INS[door](app, world.emails["clinician"], PASSWORD), 429)
    answer = unlock_on_page(app, world, kind="address", key="testclient")
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin/locked?done=true")
    assert SIGN_INS[door](app, world.emails["clinician"], PASSWORD).status_code in {200, 303}


def unlock_on_page(
    client: TestClient, world: AccessWorld, *, kind: str, key: str
) -> httpx.Response:
    cookie, csrf = world.sessions["admin"]
    client.cookies.clear()
    return client.post(
        "/admin/locked/unlock",
        data={"kind": kind, "key": key, CSRF_FIELD: csrf},
        headers={"cookie": f"{SESSION_COOKIE}={cookie}"},
    )


def unlock_through_the_api(client: TestClient, world: AccessWorld, *, email: str) -> httpx.Response:
    client.cookies.clear()
    return client.patch(
        f"/api/v1/admin/users/{world.actors['patient'].user_id}",
        json={"unlock": True},
        headers=world.bearer("admin"),
    )


UNLOCKS = {
    "page": lambda client, world, email: unlock_on_page(client, world, kind="email", key=email),
    "api": lambda client, world, email: unlock_through_the_api(client, world, email=email),
}


@pytest.mark.parametrize("unlock", sorted(UNLOCKS))
def test_an_admin_unlock_lifts_the_pause_at_once_and_is_audited(app, runtime, unlock):
    world = build_access_world(runtime)
    email = world.emails["patient"]
    fail_until_locked(app, runtime, "api", email)
    refused(api_sign_in(app, email, PASSWORD), 429)
    answer = UNLOCKS[unlock](app, world, email)
    assert answer.status_code in {200, 303}, answer.text
    assert api_sign_in(app, email, PASSWORD).status_code == 200
    admin = world.actors["admin"].user_id
    actions = {e.action for e in audit_entries(runtime) if e.user_id == admin}
    assert actions & {"admin.unlock", "admin.user-change"}, actions


def test_an_email_longer_than_any_account_is_a_failed_sign_in_not_an_error(app, runtime):
    answer = page_sign_in(app, "x" * 300 + "@example.org", WRONG)
    refused(answer, 401)
    assert "The email or password is not right" in answer.text
