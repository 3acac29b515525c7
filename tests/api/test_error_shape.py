"""Every failure answers in the one error shape of DESIGN.md, with the status that fits it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ofacare.api.app import create_app
from tests.people import PASSWORD, build_world, signed_in

SHAPE = {"ok", "error"}
PROBLEM = {"code", "message", "hint"}


def assert_shape(answer, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == SHAPE and body["ok"] is False
    assert set(body["error"]) == PROBLEM
    assert body["error"]["code"] == code


def test_each_error_status_uses_the_one_shape(client, runtime):
    world = build_world(runtime)
    assert_shape(client.get("/api/v1/patients"), 401, "auth.not-signed-in")
    headers = signed_in(client, world.emails["caregiver"])
    assert_shape(
        client.post(
            f"/api/v1/patients/{world.patient_id}/labs",
            headers=headers,
            json={"test": "IgG", "value": 8, "unit": "g/L", "collected_on": "2026-02-01"},
        ),
        403,
        "access.not-allowed",
    )
    assert_shape(
        client.get(f"/api/v1/patients/{world.other_patient_id}"), 404, "access.no-such-patient"
    )
    headers = signed_in(client, world.emails["patient"])
    bad = client.patch(
        f"/api/v1/patients/{world.patient_id}", headers=headers, json={"timezone": "Nowhere/Land"}
    )
    assert_shape(bad, 422, "input.invalid")
    assert (
        "timezone" in bad.json()["error"]["message"]
        and "Nowhere/Land" in bad.json()["error"]["message"]
    )
    assert_shape(
        client.post(
            "/api/v1/patients",
            headers=headers,
            content=b"{",
        ),
        422,
        "input.invalid",
    )
    key = {"Idempotency-Key": "same-key", **headers}
    first = {"pen": "SN-1", "kind": "out-of-fridge", "occurred_at": "2026-03-02T08:00:00+00:00"}
    path = f"/api/v1/patients/{world.patient_id}/pens/events"
    assert client.post(path, headers=key, json=first).status_code == 201
    assert_shape(
        client.post(path, headers=key, json=first | {"pen": "SN-2"}),
        409,
        "input.idempotency-key-reused",
    )
    assert_shape(client.delete("/api/v1/nowhere"), 404, "http.not-found")


def test_throttled_sign_in_uses_the_one_shape(client, runtime):
    world = build_world(runtime)
    for _ in range(runtime.settings.login_max_failures):
        client.post("/api/v1/session", json={"email": world.emails["admin"], "password": "x" * 12})
    throttled = client.post(
        "/api/v1/session", json={"email": world.emails["admin"], "password": PASSWORD}
    )
    assert_shape(throttled, 429, "auth.throttled")


def test_an_unexpected_failure_gives_a_request_id_and_never_the_exception_text(runtime):
    app = create_app(runtime=runtime)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert_shape(answer, 500, "server.unexpected")
    assert "secret" not in answer.text and "request id" in answer.json()["error"]["message"]
