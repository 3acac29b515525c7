"""Pens over HTTP: recording events with idempotency, the stock's shape, refusals."""

from __future__ import annotations

from sqlalchemy import func, select

from ofacare.records.tables import AuditEntry, PenEvent
from tests.people import build_world, signed_in

OUT = {"pen": "SN-1", "kind": "out-of-fridge", "occurred_at": "2026-03-01T09:00:00+00:00"}


def events_path(patient_id: str) -> str:
    return f"/api/v1/patients/{patient_id}/pens/events"


def test_recording_an_event_answers_with_the_pens_state(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["caregiver"])
    answer = client.post(events_path(world.patient_id), json=OUT, headers=headers)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["event"]["kind"] == "out-of-fridge" and body["event"]["pen"] == "SN-1"
    pen = body["pen"]
    assert (pen["location"], pen["must_discard"], pen["time_out_minutes"]) == (
        "room-temperature", False, 24 * 60,
    )  # fmt: skip
    assert pen["use_by"] == "2026-03-08T09:00:00Z"  # London is on UTC in early March
    assert pen["advice"] and pen["citations"] and body["call"]["phone"] == "+44 161 555 0100"


def test_the_stock_lists_each_pen_with_its_events(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    client.post(events_path(world.patient_id), json=OUT, headers=headers)
    frozen = {"pen": "SN-2", "kind": "frozen", "occurred_at": "2026-03-02T08:00:00+00:00"}
    client.post(events_path(world.patient_id), json=frozen, headers=headers)
    stock = client.get(f"/api/v1/patients/{world.patient_id}/pens")
    assert stock.status_code == 200
    pens = {p["pen"]: p for p in stock.json()["pens"]}
    assert set(pens) == {"SN-1", "SN-2"}
    assert pens["SN-2"]["must_discard"] and pens["SN-2"]["discard_reasons"] == ["frozen"]
    assert len(pens["SN-1"]["events"]) == 1


def test_the_same_key_records_one_event_and_another_body_conflicts(client, runtime):
    world = build_world(runtime)
    headers = {**signed_in(client, world.emails["patient"]), "Idempotency-Key": "pen-1"}
    first = client.post(events_path(world.patient_id), json=OUT, headers=headers)
    again = client.post(events_path(world.patient_id), json=OUT, headers=headers)
    assert again.json()["event"]["id"] == first.json()["event"]["id"]
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(PenEvent)) == 1
    other = client.post(events_path(world.patient_id), json={**OUT, "pen": "SN-9"}, headers=headers)
    assert other.status_code == 409


def test_bad_events_are_422_naming_the_field(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    for body, field in (
        ({**OUT, "kind": "dropped"}, "kind"),
        ({**OUT, "occurred_at": "2026-03-01T09:00:00"}, "occurred_at"),
        ({**OUT, "pen": ""}, "pen"),
        ({**OUT, "kind": "back-in-fridge"}, "kind"),
    ):
        refused = client.post(events_path(world.patient_id), json=body, headers=headers)
        assert refused.status_code == 422, body
        assert refused.json()["error"]["message"].startswith(f"{field}:")


def test_other_patients_pens_answer_like_no_patient_and_reads_are_audited(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    other = client.get(f"/api/v1/patients/{world.other_patient_id}/pens")
    missing = client.get("/api/v1/patients/unknown/pens")
    assert other.status_code == missing.status_code == 404
    assert client.post(events_path(world.patient_id), json=OUT, headers=headers).status_code == 201
    client.get(f"/api/v1/patients/{world.patient_id}/pens")
    with runtime.database.reading() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"pen.event-create", "pen.list"} <= actions
