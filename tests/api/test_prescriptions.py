"""Prescriptions over HTTP: shapes, status codes, idempotency, refusals, audit."""

from __future__ import annotations

from sqlalchemy import func, select

from ofacare.records.tables import AuditEntry, Prescription
from tests.people import build_world, signed_in

BODY = {"start_on": "2026-03-02", "interval_mode": "monthly", "prescriber": "Dr Okafor"}


def path(patient_id: str) -> str:
    return f"/api/v1/patients/{patient_id}/prescriptions"


def count(runtime, model) -> int:
    with runtime.database.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_clinician_records_and_lists_a_prescription(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    made = client.post(path(world.patient_id), json=BODY, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["start_on"] == "2026-03-02" and body["interval_mode"] == "monthly"
    assert body["active"] is True and body["stopped_on"] is None
    listed = client.get(path(world.patient_id)).json()
    assert [p["id"] for p in listed] == [body["id"]]


def test_the_same_key_returns_the_same_prescription_and_another_body_conflicts(client, runtime):
    world = build_world(runtime)
    headers = {**signed_in(client, world.emails["clinician"]), "Idempotency-Key": "rx-42"}
    first = client.post(path(world.patient_id), json=BODY, headers=headers)
    again = client.post(path(world.patient_id), json=BODY, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert count(runtime, Prescription) == 1
    other = client.post(
        path(world.patient_id), json={**BODY, "start_on": "2026-03-09"}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "input.idempotency-key-reused"


def test_a_start_before_1990_is_a_422_naming_start_on(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    refused = client.post(
        path(world.patient_id), json={**BODY, "start_on": "1989-12-31"}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json() == {
        "ok": False,
        "error": {
            "code": "prescriptions.bad-start",
            "message": "start_on: '1989-12-31' is outside the dates a course can start on.",
            "hint": "Give the date of dose 1, from 1990-01-01 to 2027-03-03.",
        },
    }


def test_malformed_fields_are_422_naming_the_field(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    for body, field in (
        ({**BODY, "interval_mode": "weekly"}, "interval_mode"),
        ({**BODY, "start_on": "someday"}, "start_on"),
        ({**BODY, "dose_mg": 40}, "dose_mg"),
    ):
        refused = client.post(path(world.patient_id), json=body, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["error"]["message"].startswith(f"{field}:")


def test_a_patient_may_read_but_not_prescribe(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    refused = client.post(path(world.patient_id), json=BODY, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "access.not-allowed"
    assert client.get(path(world.patient_id)).status_code == 200


def test_another_teams_patient_answers_exactly_like_no_patient(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    other = client.post(path(world.other_patient_id), json=BODY, headers=headers)
    missing = client.post(path("00000000-0000-0000-0000-000000000000"), json=BODY, headers=headers)
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["code"] == missing.json()["error"]["code"]
    assert client.get(path(world.other_patient_id)).status_code == 404


def test_stopping_a_prescription_through_patch_and_the_audit_trail(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    made = client.post(path(world.patient_id), json=BODY, headers=headers).json()
    stopped = client.patch(
        f"{path(world.patient_id)}/{made['id']}", json={"stopped_on": "2026-03-02"}, headers=headers
    )
    assert stopped.status_code == 200
    assert stopped.json()["active"] is False and stopped.json()["stopped_on"] == "2026-03-02"
    again = client.patch(
        f"{path(world.patient_id)}/{made['id']}", json={"stopped_on": "2026-03-02"}, headers=headers
    )
    assert again.status_code == 409
    with runtime.database.reading() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"prescription.create", "prescription.change"} <= actions
