"""Simulation over HTTP: the document's shape (the model runs once per backend), and errors."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from ofacare.records.tables import AuditEntry
from tests.people import build_world, signed_in
from tests.services.test_planning import prescribe


def path(patient_id: str) -> str:
    return f"/api/v1/patients/{patient_id}/simulation"


def test_the_patients_course_comes_back_as_a_document_with_the_disclaimer(client, runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=date(2026, 1, 5), taken_on=(date(2026, 1, 5),))
    headers = signed_in(client, world.emails["patient"])
    answer = client.post(path(world.patient_id), json={"until_week": 12}, headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["start"] == "2026-01-05" and body["until_week"] == 12 and body["days"][-1] == 84
    assert len(body["days"]) == len(body["b_cells"]) == len(body["conc_total_mg_per_l"]) == 13
    assert body["doses"][0] == {"number": 1, "date": "2026-01-05", "day": 0, "taken": True}
    assert {line["cells_per_ul"] for line in body["lines"]} == {40, 10}
    assert body["disclaimer"] and body["sources"] and body["call"]["phone"] == "+44 161 555 0100"
    with runtime.database.reading() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.user_id == world.patient.user_id)
            )
        )
    assert "simulation.run" in actions


def test_a_window_past_260_weeks_is_422_naming_until_week(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    answer = client.post(path(world.patient_id), json={"until_week": 261}, headers=headers)
    assert answer.status_code == 422 and answer.json()["error"]["message"].startswith(
        "until_week: 261"
    )


def test_without_doses_the_answer_says_what_to_record_first(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["caregiver"])
    answer = client.post(path(world.patient_id), headers=headers)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "simulation.no-doses"


def test_another_teams_patient_answers_like_a_patient_that_does_not_exist(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    other = client.post(path(world.other_patient_id), headers=headers)
    missing = client.post(path(str(uuid.uuid4())), headers=headers)
    assert other.status_code == missing.status_code == 404
    assert (
        other.json()["error"]["code"] == missing.json()["error"]["code"] == "access.no-such-patient"
    )
