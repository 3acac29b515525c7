"""Sign-in, sessions with CSRF, API tokens, throttling, security headers and the error shape."""

from __future__ import annotations

from sqlalchemy import select

from ofacare.records.tables import ApiToken
from tests.people import PASSWORD, build_world, signed_in


def test_a_patient_signs_in_and_sees_only_their_own_record(client, runtime):
    world = build_world(runtime)
    signed_in(client, world.emails["patient"])
    answer = client.get("/api/v1/patients")
    assert answer.status_code == 200
    assert [p["id"] for p in answer.json()] == [world.patient_id]


def test_the_session_cookie_is_httponly_and_samesite(client, runtime):
    world = build_world(runtime)
    answer = client.post(
        "/api/v1/session", json={"email": world.emails["patient"], "password": PASSWORD}
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_change_through_a_cookie_without_the_csrf_token_is_refused(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    path = f"/api/v1/patients/{world.patient_id}"
    refused = client.patch(path, json={"timezone": "Europe/Paris"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.csrf"
    assert client.patch(path, json={"timezone": "Europe/Paris"}, headers=headers).status_code == 200


def test_wrong_passwords_are_throttled_after_the_limit(client, runtime):
    world = build_world(runtime)
    email = world.emails["patient"]
    limit = runtime.settings.login_max_failures
    for _ in range(limit):
        wrong = client.post("/api/v1/session", json={"email": email, "password": "nope" * 4})
        assert wrong.status_code == 401
    throttled = client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "auth.throttled"
    assert int(throttled.headers["retry-after"]) > 0


def test_one_failure_less_than_the_limit_still_lets_the_right_password_in(client, runtime):
    world = build_world(runtime)
    email = world.emails["patient"]
    for _ in range(runtime.settings.login_max_failures - 1):
        client.post("/api/v1/session", json={"email": email, "password": "nope" * 4})
    assert (
        client.post("/api/v1/session", json={"email": email, "password": PASSWORD}).status_code
        == 200
    )


def test_an_api_token_works_until_it_is_revoked(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    made = client.post("/api/v1/tokens", json={"name": "panel export"}, headers=headers).json()
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/patients", headers=bearer).status_code == 200
    headers = signed_in(client, world.emails["clinician"])
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=headers).status_code == 204
    client.cookies.clear()
    refused = client.get("/api/v1/patients", headers=bearer)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "auth.bad-token"


def test_tokens_are_stored_only_as_hashes(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    made = client.post("/api/v1/tokens", json={"name": "script"}, headers=headers).json()
    with runtime.database.reading() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert made["token"] not in stored and len(stored) == 1


def test_signing_out_ends_the_session(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    assert client.delete("/api/v1/session", headers=headers).status_code == 204
    assert client.get("/api/v1/patients").status_code == 401


def test_every_answer_carries_the_security_headers(client):
    answer = client.get("/health")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_unknown_addresses_answer_in_the_one_error_shape(client):
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert set(answer.json()) == {"ok", "error"}
    assert set(answer.json()["error"]) == {"code", "message", "hint"}
