"""Labs over HTTP: the record and trend shapes, idempotency, refusals and errors."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from ofacare.records.tables import AuditEntry, LabResult
from tests.people import build_world, signed_in

IGG = {
    "test": "2465-3",
    "value": 9.5,
    "unit": "g/L",
    "reference_low": 7,
    "reference_high": 16,
    "collected_on": "2026-02-01",
}


def labs_path(patient_id: str) -> str:
    return f"/api/v1/patients/{patient_id}/labs"


def test_a_clinician_records_a_result_and_a_retry_with_the_same_key_returns_it(client, runtime):
    world = build_world(runtime)
    headers = {**signed_in(client, world.emails["clinician"]), "Idempotency-Key": "lab-1"}
    first = client.post(labs_path(world.patient_id), json=IGG, headers=headers)
    again = client.post(labs_path(world.patient_id), json=IGG, headers=headers)
    assert first.status_code == again.status_code == 201
    body = first.json()
    assert body["id"] == again.json()["id"]
    assert (body["test"], body["loinc"], body["unit"], body["value"]) == (
        "IgG",
        "2465-3",
        "g/L",
        9.5,
    )
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(LabResult)) == 1


def test_the_same_key_with_another_result_is_a_conflict(client, runtime):
    world = build_world(runtime)
    headers = {**signed_in(client, world.emails["clinician"]), "Idempotency-Key": "lab-1"}
    client.post(labs_path(world.patient_id), json=IGG, headers=headers)
    clash = client.post(labs_path(world.patient_id), json={**IGG, "value": 9.6}, headers=headers)
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "input.idempotency-key-reused"


def test_impossible_values_are_422_naming_the_field(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    negative = client.post(labs_path(world.patient_id), json={**IGG, "value": -1}, headers=headers)
    foreign = client.post(labs_path(world.patient_id), json={**IGG, "unit": "U/L"}, headers=headers)
    no_date = client.post(
        labs_path(world.patient_id),
        json={k: v for k, v in IGG.items() if k != "collected_on"},
        headers=headers,
    )
    assert negative.status_code == foreign.status_code == no_date.status_code == 422
    assert negative.json() == {
        "ok": False,
        "error": {
            "code": "lab.negative",
            "message": "value: -1.0 is negative; IgG results are never below zero.",
            "hint": "Check the number and its sign.",
        },
    }
    assert foreign.json()["error"]["message"].startswith("unit: 'U/L'")
    assert no_date.json()["error"]["message"] == "collected_on: is required but missing."


def test_the_trend_for_one_test_shows_flags_changes_and_the_baseline(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    client.post(labs_path(world.patient_id), json=IGG, headers=headers)
    client.post(
        labs_path(world.patient_id),
        headers=headers,
        json={
            **IGG,
            "value": 650,
            "unit": "mg/dL",
            "reference_low": 700,
            "reference_high": 1600,
            "collected_on": "2026-03-01",
        },
    )
    client.post(
        labs_path(world.patient_id),
        json={"test": "HBsAg", "result": "negative", "collected_on": "2026-02-01"},
        headers=headers,
    )
    signed_in(client, world.emails["patient"])
    answer = client.get(labs_path(world.patient_id), params={"test": "IgG"})
    assert answer.status_code == 200
    [series] = answer.json()
    assert (series["test"], series["loinc"], series["baseline_on"]) == (
        "IgG",
        ["2465-3"],
        "2026-02-01",
    )
    latest = series["results"][1]
    assert (latest["flag"], latest["change_from_previous"], latest["change_unit"]) == (
        "below",
        -3.0,
        "g/L",
    )
    assert series["results"][0]["is_baseline"] is True


def test_an_unknown_test_in_the_filter_is_422_naming_it(client, runtime):
    world = build_world(runtime)
    signed_in(client, world.emails["clinician"])
    answer = client.get(labs_path(world.patient_id), params={"test": "IgQ"})
    assert answer.status_code == 422
    assert answer.json()["error"]["message"].startswith("test: 'IgQ'")


def test_a_patient_outside_the_team_answers_exactly_like_one_that_does_not_exist(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    other = client.post(labs_path(world.other_patient_id), json=IGG, headers=headers)
    missing = client.post(labs_path(str(uuid.uuid4())), json=IGG, headers=headers)
    assert other.status_code == missing.status_code == 404
    assert (
        other.json()["error"]["code"] == missing.json()["error"]["code"] == "access.no-such-patient"
    )
    assert client.get(labs_path(world.other_patient_id)).status_code == 404


def test_caregivers_may_read_labs_but_not_record_them(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["caregiver"])
    refused = client.post(labs_path(world.patient_id), json=IGG, headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "access.not-allowed"
    assert client.get(labs_path(world.patient_id)).status_code == 200
    with runtime.database.reading() as session:
        actions = set(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.user_id == world.caregiver.user_id)
            )
        )
    assert "lab.read" in actions
