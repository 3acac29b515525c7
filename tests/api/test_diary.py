"""The diary over HTTP: the answer leads with urgency, advice and who to call; filters; resolve."""

from __future__ import annotations

from sqlalchemy import func, select

from ofacare.records.tables import AuditEntry, DiaryEntry
from tests.people import build_world, signed_in


def path(patient_id: str, tail: str = "") -> str:
    return f"/api/v1/patients/{patient_id}/diary{tail}"


def test_the_answer_leads_with_urgency_advice_and_who_to_call(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    answer = client.post(
        path(world.patient_id), json={"text": "headache and chills"}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert list(body)[:3] == ["urgency", "advice", "call"]
    assert body["urgency"] == "urgent" and "+44 161 555 0100" in body["call"]
    assert body["team_phone"] == "+44 161 555 0100"
    assert body["reasons"] and body["citations"] and body["knowledge_version"]


def test_an_emergency_names_the_emergency_number(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["caregiver"])
    body = client.post(
        path(world.patient_id), json={"text": "my throat is swelling"}, headers=headers
    ).json()
    assert (body["urgency"], body["call"]) == ("emergency", "the emergency number 999 now")


def test_the_same_key_records_one_entry_and_another_body_conflicts(client, runtime):
    world = build_world(runtime)
    headers = {**signed_in(client, world.emails["patient"]), "Idempotency-Key": "d-1"}
    first = client.post(path(world.patient_id), json={"text": "tired"}, headers=headers)
    again = client.post(path(world.patient_id), json={"text": "tired"}, headers=headers)
    assert again.json()["id"] == first.json()["id"]
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 1
    other = client.post(path(world.patient_id), json={"text": "dizzy"}, headers=headers)
    assert other.status_code == 409


def test_bad_input_is_422_naming_the_field(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    for body, field in (
        ({"text": ""}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"text": "tired", "recorded_at": "2026-03-02T08:00:00"}, "recorded_at"),
        ({"choices": ["fever"] * 21}, "choices"),
    ):
        refused = client.post(path(world.patient_id), json=body, headers=headers)
        assert refused.status_code == 422, body
        assert refused.json()["error"]["message"].startswith(f"{field}:")


def test_the_list_filters_by_urgency_and_days(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    client.post(path(world.patient_id), json={"text": "my throat is swelling"}, headers=headers)
    client.post(
        path(world.patient_id),
        json={"text": "tired", "recorded_at": "2026-02-27T10:00:00+00:00"},
        headers=headers,
    )
    everything = client.get(path(world.patient_id)).json()
    assert [e["urgency"] for e in everything] == ["emergency", "urgent"]
    urgent = client.get(path(world.patient_id, "?urgency=emergency")).json()
    assert len(urgent) == 1
    window = client.get(path(world.patient_id, "?since=2026-02-27&until=2026-02-28")).json()
    assert [e["text"] for e in window] == ["tired"]
    backwards = client.get(path(world.patient_id, "?since=2026-03-02&until=2026-03-01"))
    assert backwards.status_code == 422
    assert client.get(path(world.patient_id, "?urgency=soon")).status_code == 422


def test_resolving_is_for_the_patient_or_a_clinician(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["caregiver"])
    entry = client.post(path(world.patient_id), json={"text": "tired"}, headers=headers).json()
    refused = client.patch(
        path(world.patient_id, f"/{entry['id']}"), json={"resolved": True}, headers=headers
    )
    assert refused.status_code == 403
    headers = signed_in(client, world.emails["clinician"])
    resolved = client.patch(
        path(world.patient_id, f"/{entry['id']}"), json={"resolved": True}, headers=headers
    )
    assert resolved.status_code == 200 and resolved.json()["resolved_at"] is not None
    unknown = client.patch(
        path(world.patient_id, "/nope"), json={"resolved": True}, headers=headers
    )
    assert unknown.status_code == 404
    with runtime.database.reading() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"diary.create", "diary.resolve"} <= actions


def test_another_patients_diary_answers_like_no_patient(client, runtime):
    world = build_world(runtime)
    signed_in(client, world.emails["patient"])
    other = client.get(path(world.other_patient_id))
    missing = client.get(path("nobody-at-all"))
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["code"] == missing.json()["error"]["code"]
