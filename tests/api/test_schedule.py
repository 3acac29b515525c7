"""The schedule over HTTP: the plan's shape, the overdue dose, who to call, refusals."""

from __future__ import annotations

from tests.people import build_world, signed_in


def prescribe(client, world, start_on: str) -> None:
    headers = signed_in(client, world.emails["clinician"])
    made = client.post(
        f"/api/v1/patients/{world.patient_id}/prescriptions",
        json={"start_on": start_on},
        headers=headers,
    )
    assert made.status_code == 201, made.text


def inject(client, world, given_at: str, site: str) -> None:
    headers = signed_in(client, world.emails["patient"])
    logged = client.post(
        f"/api/v1/patients/{world.patient_id}/injections",
        json={"given_at": given_at, "site": site},
        headers=headers,
    )
    assert logged.status_code == 201, logged.text


def test_the_schedule_lists_each_dose_the_next_one_sources_and_who_to_call(client, runtime):
    world = build_world(runtime)
    prescribe(client, world, "2026-03-02")
    signed_in(client, world.emails["caregiver"])
    answer = client.get(f"/api/v1/patients/{world.patient_id}/schedule?count=5")
    assert answer.status_code == 200
    body = answer.json()
    assert len(body["doses"]) == 5
    assert body["doses"][0] == {
        "number": 1, "phase": "loading", "due_on": "2026-03-02", "taken_on": None,
        "status": "due", "weekday": "Monday", "days_from_today": 0, "days_late": None,
    }  # fmt: skip
    assert body["next_dose"]["number"] == 1 and body["overdue"] is None
    assert body["call"] == {
        "phone": "+44 161 555 0100",
        "text": "Call your MS team on +44 161 555 0100.",
    }
    assert body["citations"] and body["knowledge_version"]
    assert body["prescription"]["active"] is True


def test_an_overdue_dose_comes_with_guidance_and_the_moved_dates(client, runtime):
    world = build_world(runtime)
    prescribe(client, world, "2026-02-02")
    inject(client, world, "2026-02-02T08:00:00+00:00", "thigh-left")
    inject(client, world, "2026-02-09T08:00:00+00:00", "thigh-right")
    body = client.get(f"/api/v1/patients/{world.patient_id}/schedule").json()
    overdue = body["overdue"]
    assert (overdue["number"], overdue["due_on"], overdue["days_overdue"]) == (3, "2026-02-16", 14)
    assert overdue["guidance"].startswith("Dose 3 was due on 2026-02-16")
    assert overdue["following"][0] == {
        "number": 4, "due_on_if_on_time": "2026-03-02", "due_on": "2026-03-16", "days_later": 14,
    }  # fmt: skip
    assert body["doses"][2]["status"] == "overdue" and body["doses"][2]["days_from_today"] == -14
    assert any(f["code"] == "regimen.dose-overdue" for f in body["flags"])


def test_without_a_prescription_the_answer_is_409_saying_what_to_do(client, runtime):
    world = build_world(runtime)
    signed_in(client, world.emails["patient"])
    answer = client.get(f"/api/v1/patients/{world.patient_id}/schedule")
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "schedule.no-prescription" and "prescriptions" in error["hint"]


def test_a_count_outside_the_range_is_422_naming_count(client, runtime):
    world = build_world(runtime)
    prescribe(client, world, "2026-03-02")
    for wrong in (0, 61):
        answer = client.get(f"/api/v1/patients/{world.patient_id}/schedule?count={wrong}")
        assert answer.status_code == 422
        assert answer.json()["error"]["message"].startswith("count:")
    assert client.get(f"/api/v1/patients/{world.patient_id}/schedule?count=60").status_code == 200


def test_another_patients_schedule_answers_like_no_patient(client, runtime):
    world = build_world(runtime)
    signed_in(client, world.emails["caregiver"])
    other = client.get(f"/api/v1/patients/{world.other_patient_id}/schedule")
    missing = client.get("/api/v1/patients/nobody/schedule")
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["code"] == missing.json()["error"]["code"]
