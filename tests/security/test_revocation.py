"""Revocation takes effect at once: the very next request is refused.

API tokens, caregiver links and pending invitations, calendar feed addresses, deactivated
accounts, closed accounts and a clinician taken off the team, each revoked through the pages and
through the API where both offer it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from ofacare.api.app import create_app
from ofacare.services.runtime import Runtime
from ofacare.web.session import CSRF_FIELD, SESSION_COOKIE
from tests.people import PASSWORD
from tests.security.access_world import (
    AccessWorld,
    build_access_world,
    sqlite_runtime,
    world_rows,
)


@pytest.fixture(scope="module")
def shared(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    yield from sqlite_runtime(request, tmp_path_factory)


@pytest.fixture(scope="module")
def app(shared: Runtime):  # type: ignore[no-untyped-def]
    with TestClient(create_app(runtime=shared), follow_redirects=False) as client:
        yield client


def api(client: TestClient, world: AccessWorld, role: str, method: str, path: str, **kw):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    return client.request(method, "/api/v1" + path, headers=world.bearer(role), **kw)


def page(client: TestClient, world: AccessWorld, role: str, method: str, path: str, **form: str):  # type: ignore[no-untyped-def]
    cookie, csrf = world.sessions[role]
    client.cookies.clear()
    data = {**form, CSRF_FIELD: csrf} if method == "POST" else None
    headers = {"cookie": f"{SESSION_COOKIE}={cookie}", "accept": "text/html"}
    return client.request(method, path, headers=headers, data=data)


def signed_out(answer: httpx.Response) -> bool:
    return answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")


def caregiver_link_id(client: TestClient, world: AccessWorld) -> str:
    links = api(client, world, "patient", "GET", f"/patients/{world.patient_id}/caregivers").json()
    caregiver = world.actors["caregiver"].user_id
    return next(link["id"] for link in links if link["user_id"] == caregiver)


def test_a_revoked_api_token_is_refused_at_once(app, shared):
    world = build_access_world(shared)
    record = f"/patients/{world.patient_id}"
    assert api(app, world, "patient", "GET", record).status_code == 200
    tokens = api(app, world, "patient", "GET", "/tokens").json()
    assert api(app, world, "patient", "DELETE", f"/tokens/{tokens[0]['id']}").status_code == 204
    refused = api(app, world, "patient", "GET", record)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "auth.bad-token"
    assert api(app, world, "patient", "GET", "/me").status_code == 401


def revoke_caregiver_by_api(client: TestClient, world: AccessWorld, link_id: str) -> int:
    path = f"/patients/{world.patient_id}/caregivers/{link_id}"
    return int(api(client, world, "patient", "DELETE", path).status_code)


def revoke_caregiver_on_page(client: TestClient, world: AccessWorld, link_id: str) -> int:
    path = f"/p/{world.patient_id}/settings/caregivers/{link_id}/revoke"
    return int(page(client, world, "patient", "POST", path).status_code)


REVOKE_CAREGIVER = {"api": revoke_caregiver_by_api, "page": revoke_caregiver_on_page}


@pytest.mark.parametrize("door", sorted(REVOKE_CAREGIVER))
def test_a_revoked_caregiver_loses_the_record_at_once(app, shared, door):
    world = build_access_world(shared)
    home, record = f"/p/{world.patient_id}", f"/patients/{world.patient_id}"
    assert page(app, world, "caregiver", "GET", home).status_code == 200
    assert api(app, world, "caregiver", "GET", record).status_code == 200
    assert REVOKE_CAREGIVER[door](app, world, caregiver_link_id(app, world)) in {200, 303}
    assert page(app, world, "caregiver", "GET", home).status_code == 404
    answer = api(app, world, "caregiver", "GET", record)
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "access.no-such-patient")
    assert api(app, world, "caregiver", "GET", "/patients").json() == []
    stored = world_rows(shared, world)
    injection = {"given_at": "2026-03-02T09:00:00+00:00", "site": "thigh-left"}
    logged = api(app, world, "caregiver", "POST", f"{record}/injections", json=injection)
    assert logged.status_code == 404
    assert world_rows(shared, world) == stored


WITHDRAW = {
    "patient-api": lambda c, w: revoke_caregiver_by_api(c, w, w.ids["link_id:own"]),
    "patient-page": lambda c, w: revoke_caregiver_on_page(c, w, w.ids["link_id:own"]),
    "admin-page": lambda c, w: (
        page(c, w, "admin", "POST", f"/admin/invitations/{w.ids['link_id:own']}/revoke").status_code
    ),
}


@pytest.mark.parametrize("who", sorted(WITHDRAW))
def test_a_withdrawn_invitation_code_no_longer_sets_up_an_account(app, shared, who):
    world = build_access_world(shared)
    assert WITHDRAW[who](app, world) in {200, 204, 303}
    code = world.ids["invite_code:own"]
    app.cookies.clear()
    body = {"code": code, "display_name": "Aunt Sam", "password": "a long enough password"}
    answer = app.post("/api/v1/invitations/accept", json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "caregiver.bad-code")
    form = app.post("/invitation", data=body)
    assert form.status_code == 422 and "invitation code is not valid" in form.text


def test_a_replaced_or_revoked_calendar_feed_answers_404_at_once(app, shared):
    world = build_access_world(shared)
    feed = f"/patients/{world.patient_id}/calendar-feed"
    first = urlsplit(api(app, world, "patient", "POST", feed).json()["url"]).path
    assert app.get(first).status_code == 200
    second = urlsplit(api(app, world, "patient", "POST", feed).json()["url"]).path
    assert (app.get(first).status_code, app.get(second).status_code) == (404, 200)
    assert api(app, world, "patient", "DELETE", feed).status_code == 204
    assert app.get(second).status_code == 404
    third = page(app, world, "patient", "POST", f"/p/{world.patient_id}/schedule/feed")
    address = urlsplit(next(w for w in third.text.split('"') if "/calendar/" in w)).path
    assert app.get(address).status_code == 200
    revoked = page(app, world, "patient", "POST", f"/p/{world.patient_id}/schedule/feed/revoke")
    assert revoked.status_code == 303
    assert app.get(address).status_code == 404


def deactivate_by_api(client: TestClient, world: AccessWorld, user_id: str, active: bool) -> int:
    answer = api(
        client, world, "admin", "PATCH", f"/admin/users/{user_id}", json={"active": active}
    )
    return int(answer.status_code)


def deactivate_on_page(client: TestClient, world: AccessWorld, user_id: str, active: bool) -> int:
    path = f"/admin/users/{user_id}/active"
    return int(page(client, world, "admin", "POST", path, active=str(active).lower()).status_code)


DEACTIVATE = {"api": deactivate_by_api, "page": deactivate_on_page}


@pytest.mark.parametrize("door", sorted(DEACTIVATE))
def test_a_deactivated_account_is_refused_at_once(app, shared, door):
    world = build_access_world(shared)
    clinician = world.actors["clinician"].user_id
    assert page(app, world, "clinician", "GET", "/team").status_code == 200
    assert DEACTIVATE[door](app, world, clinician, False) in {200, 303}
    assert signed_out(page(app, world, "clinician", "GET", "/team"))
    assert api(app, world, "clinician", "GET", "/patients").status_code == 401
    app.cookies.clear()
    credentials = {"email": world.emails["clinician"], "password": PASSWORD}
    assert app.post("/api/v1/session", json=credentials).status_code == 401
    assert DEACTIVATE[door](app, world, clinician, True) in {200, 303}
    assert signed_out(page(app, world, "clinician", "GET", "/team"))  # sessions stay ended


def test_a_closed_account_is_refused_at_once_and_takes_its_ways_in_with_it(app, shared):
    world = build_access_world(shared)
    feed = api(app, world, "patient", "POST", f"/patients/{world.patient_id}/calendar-feed")
    address = urlsplit(feed.json()["url"]).path
    closed = page(
        app,
        world,
        "patient",
        "POST",
        f"/p/{world.patient_id}/settings/delete",
        confirmation="delete my account",
        password=PASSWORD,
    )
    assert (closed.status_code, closed.headers["location"]) == (303, "/goodbye")
    assert signed_out(page(app, world, "patient", "GET", f"/p/{world.patient_id}"))
    assert api(app, world, "patient", "GET", "/me").status_code == 401
    assert app.get(address).status_code == 404
    assert page(app, world, "caregiver", "GET", f"/p/{world.patient_id}").status_code == 404
    app.cookies.clear()
    credentials = {"email": world.emails["patient"], "password": PASSWORD}
    assert app.post("/api/v1/session", json=credentials).status_code == 401


def test_a_clinician_taken_off_the_team_loses_its_patients_at_once(app, shared):
    world = build_access_world(shared)
    clinician = world.actors["clinician"].user_id
    team_page = f"/team/patients/{world.patient_id}"
    assert page(app, world, "clinician", "GET", team_page).status_code == 200
    removed = page(
        app, world, "admin", "POST", f"/admin/teams/{world.team_id}/members/{clinician}/remove"
    )
    assert removed.status_code == 303
    assert page(app, world, "clinician", "GET", team_page).status_code == 404
    assert api(app, world, "clinician", "GET", f"/patients/{world.patient_id}").status_code == 404
    assert api(app, world, "clinician", "GET", "/patients").json() == []
