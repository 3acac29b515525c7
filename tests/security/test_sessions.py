"""Sessions: a session id present before sign-in is never the signed-in one (session fixation),
signing out ends the session on the server (the old cookie stops working everywhere), sessions
expire, and the cookie carries HttpOnly, SameSite and, when configured, Secure.

Each test runs on SQLite and on PostgreSQL, through the pages and through the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.records.tables import Session as SessionRow
from ofacare.services.accounts import hash_secret
from ofacare.services.runtime import Runtime, build_runtime
from ofacare.web.session import CSRF_FIELD, SESSION_COOKIE
from tests.database_fixtures import Clock
from tests.people import PASSWORD, World, build_world


@pytest.fixture
def app(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), follow_redirects=False) as client:
        yield client


def page_sign_in(client: TestClient, email: str, cookie: str | None = None) -> httpx.Response:
    headers = {"cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {}
    client.cookies.clear()
    return client.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "next": "/"}, headers=headers
    )


def api_sign_in(client: TestClient, email: str, cookie: str | None = None) -> httpx.Response:
    headers = {"cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {}
    client.cookies.clear()
    return client.post(
        "/api/v1/session", json={"email": email, "password": PASSWORD}, headers=headers
    )


SIGN_INS = {"page": page_sign_in, "api": api_sign_in}


def new_cookie(answer: httpx.Response) -> str:
    assert answer.status_code in {200, 303}, answer.text
    return str(answer.cookies[SESSION_COOKIE])


def who(client: TestClient, cookie: str) -> str | None:
    """The account a cookie is signed in as, asked of the API and of the pages (they agree)."""
    client.cookies.clear()
    me = client.get("/api/v1/me", headers={"cookie": f"{SESSION_COOKIE}={cookie}"})
    page = client.get("/choose", headers={"cookie": f"{SESSION_COOKIE}={cookie}"})
    signed_out = page.status_code == 303 and page.headers["location"].startswith("/sign-in")
    assert (me.status_code == 401) == signed_out, (me.text, page.headers.get("location"))
    return None if me.status_code == 401 else str(me.json()["user_id"])


def live_sessions(runtime: Runtime, user_id: str) -> int:
    with runtime.database.reading() as session:
        rows = session.scalars(
            select(SessionRow).where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
        )
        return len(list(rows))


@pytest.mark.parametrize("door", sorted(SIGN_INS))
def test_a_session_id_planted_before_sign_in_is_not_the_signed_in_one(app, runtime, door):
    world = build_world(runtime)
    sign_in = SIGN_INS[door]
    planted = "attacker-chosen-value-" + "x" * 20
    cookie = new_cookie(sign_in(app, world.emails["patient"], planted))
    assert cookie != planted
    assert who(app, planted) is None
    assert who(app, cookie) == world.patient.user_id


@pytest.mark.parametrize("door", sorted(SIGN_INS))
def test_signing_in_over_a_live_session_ends_it_and_issues_a_new_id(app, runtime, door):
    """Someone else's live session in the browser (or an attacker's, planted) ends at sign-in."""
    world = build_world(runtime)
    sign_in = SIGN_INS[door]
    attacker = new_cookie(sign_in(app, world.emails["caregiver"]))
    assert who(app, attacker) == world.caregiver.user_id
    victim = new_cookie(sign_in(app, world.emails["patient"], attacker))
    assert victim != attacker
    assert who(app, victim) == world.patient.user_id
    assert who(app, attacker) is None
    assert live_sessions(runtime, world.caregiver.user_id) == 0


def test_signing_out_of_the_pages_ends_the_session_on_the_server(app, runtime):
    world = build_world(runtime)
    answer = api_sign_in(app, world.emails["patient"])
    cookie, csrf = new_cookie(answer), answer.json()["csrf_token"]
    app.cookies.clear()
    out = app.post(
        "/sign-out", data={CSRF_FIELD: csrf}, headers={"cookie": f"{SESSION_COOKIE}={cookie}"}
    )
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in")
    assert (
        'ofacare_session=""' in out.headers["set-cookie"]
        or "Max-Age=0" in out.headers["set-cookie"]
    )
    assert_ended(app, runtime, world, cookie, csrf)


def test_signing_out_of_the_api_ends_the_session_on_the_server(app, runtime):
    world = build_world(runtime)
    answer = page_sign_in(app, world.emails["patient"])
    cookie = new_cookie(answer)
    with runtime.database.reading() as session:
        csrf = session.get(SessionRow, hash_secret(cookie)).csrf_token  # type: ignore[union-attr]
    app.cookies.clear()
    out = app.delete(
        "/api/v1/session", headers={"cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": csrf}
    )
    assert out.status_code == 204, out.text
    assert_ended(app, runtime, world, cookie, csrf)


def assert_ended(app: TestClient, runtime: Runtime, world: World, cookie: str, csrf: str) -> None:
    """The old cookie (kept by an attacker, say) opens nothing and changes nothing any more."""
    assert who(app, cookie) is None
    with runtime.database.reading() as session:
        row = session.get(SessionRow, hash_secret(cookie))
        assert row is not None and row.revoked_at is not None
    headers = {"cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": csrf}
    app.cookies.clear()
    change = app.patch(
        f"/api/v1/patients/{world.patient_id}", json={"timezone": "Europe/Paris"}, headers=headers
    )
    assert change.status_code == 401
    page = app.get(f"/p/{world.patient_id}/settings", headers=headers)
    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")


def test_a_session_ends_when_it_expires(app, runtime, clock):
    world = build_world(runtime)
    cookie = new_cookie(api_sign_in(app, world.emails["clinician"]))
    clock.advance(hours=runtime.settings.session_hours, seconds=-1)
    assert who(app, cookie) == world.clinician.user_id
    clock.advance(seconds=1)
    assert who(app, cookie) is None


@pytest.mark.parametrize("door", sorted(SIGN_INS))
def test_the_session_cookie_is_httponly_samesite_and_lives_no_longer_than_the_session(
    app, runtime, door
):
    world = build_world(runtime)
    cookie = SIGN_INS[door](app, world.emails["patient"]).headers["set-cookie"]
    flags = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert {"httponly", "samesite", "path", "max-age"} <= set(flags)
    assert flags["samesite"].strip().lower() == "samesite=lax"
    assert int(flags["max-age"].split("=")[1]) == runtime.settings.session_hours * 3600
    assert "secure" not in flags  # plain http on loopback unless configured


@pytest.mark.parametrize("door", sorted(SIGN_INS))
def test_the_session_cookie_is_secure_when_configured(sqlite_template, tmp_path, door):
    target = tmp_path / "secure.db"
    target.write_bytes(sqlite_template.read_bytes())
    settings = Settings(database_url=f"sqlite:///{target}", secure_cookies=True)
    runtime = build_runtime(settings, clock=Clock())
    world = build_world(runtime)
    with TestClient(
        create_app(runtime=runtime), base_url="https://testserver", follow_redirects=False
    ) as client:
        answer = SIGN_INS[door](client, world.emails["patient"])
    assert "secure" in [p.strip().lower() for p in answer.headers["set-cookie"].split(";")]
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    runtime.database.dispose()


def test_a_session_lives_for_the_configured_hours(app, runtime):
    world = build_world(runtime)
    body = api_sign_in(app, world.emails["admin"]).json()
    expires = body["expires_at"]
    assert expires.startswith(
        (runtime.now() + timedelta(hours=runtime.settings.session_hours)).date().isoformat()
    )
