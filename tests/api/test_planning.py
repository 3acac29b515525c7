"""Planning over HTTP: vaccine checks, vaccination records (idempotent), the pregnancy plan."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from ofacare.records.tables import Vaccination
from tests.people import build_world, signed_in
from tests.services.test_planning import TODAY, prescribe

MMR = {"name": "MMR", "live": True, "given_on": "2026-02-01"}


def path(patient_id: str, area: str) -> str:
    return f"/api/v1/patients/{patient_id}/{area}"


def test_a_vaccine_check_answers_findings_in_the_readers_wording_with_who_to_call(client, runtime):
    start = TODAY + timedelta(weeks=3)
    world = build_world(runtime, start_on=start)
    headers = signed_in(client, world.emails["patient"])
    answer = client.post(
        path(world.patient_id, "vaccines/check"),
        headers=headers,
        json={"name": "MMR", "live": True, "planned_on": TODAY.isoformat()},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert [(f["code"], f["until"]) for f in body["findings"]] == [
        ("finding.live-vaccine-too-recent", (TODAY + timedelta(weeks=4)).isoformat())
    ]
    assert body["audience"] == "patient" and body["call"]["phone"] == "+44 161 555 0100"
    assert body["knowledge_version"] == runtime.kb.version


def test_a_vaccine_check_without_treatment_dates_is_a_conflict_and_bad_input_is_422(
    client, runtime
):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    none = client.post(
        path(world.patient_id, "vaccines/check"),
        headers=headers,
        json={"name": "flu", "live": False, "planned_on": "2026-04-01"},
    )
    bad = client.post(
        path(world.patient_id, "vaccines/check"),
        headers=headers,
        json={"name": "flu", "live": "sometimes", "planned_on": "2026-04-01"},
    )
    assert (
        none.status_code == 409 and none.json()["error"]["code"] == "vaccination.no-treatment-dates"
    )
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("live: 'sometimes'")


def test_recording_a_vaccination_is_idempotent_per_key(client, runtime):
    world = build_world(runtime)
    headers = {**signed_in(client, world.emails["clinician"]), "Idempotency-Key": "vax-1"}
    first = client.post(path(world.patient_id, "vaccinations"), json=MMR, headers=headers)
    again = client.post(path(world.patient_id, "vaccinations"), json=MMR, headers=headers)
    clash = client.post(
        path(world.patient_id, "vaccinations"), json={**MMR, "live": False}, headers=headers
    )
    assert (
        first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    )
    assert clash.status_code == 409
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Vaccination)) == 1
    listed = client.get(path(world.patient_id, "vaccinations")).json()
    assert [(v["name"], v["live"], v["given_on"]) for v in listed] == [("MMR", True, "2026-02-01")]


def test_a_vaccination_in_the_future_is_422_naming_given_on(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    answer = client.post(
        path(world.patient_id, "vaccinations"),
        headers=headers,
        json={**MMR, "given_on": "2026-03-03"},
    )
    assert answer.status_code == 422 and answer.json()["error"]["message"].startswith("given_on:")


def test_patients_may_read_but_not_record_vaccinations(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    assert (
        client.post(path(world.patient_id, "vaccinations"), json=MMR, headers=headers).status_code
        == 403
    )
    assert client.get(path(world.patient_id, "vaccinations")).status_code == 200


def test_the_pregnancy_plan_gives_the_window_from_the_last_dose_and_who_to_call(client, runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=date(2026, 1, 5), taken_on=(date(2026, 1, 5),))
    signed_in(client, world.emails["patient"])
    answer = client.get(path(world.patient_id, "pregnancy"))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["applies"], body["last_dose_on"], body["contraception_until"]) == (
        True,
        "2026-01-05",
        "2026-07-05",
    )
    assert [f["code"] for f in body["findings"]] == ["finding.contraception-until"]
    assert body["guidance"] and body["citations"] and body["call"]["phone"] == "+44 161 555 0100"


def test_another_teams_patient_answers_like_a_patient_that_does_not_exist(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    for area in ("pregnancy", "vaccinations"):
        other = client.get(path(world.other_patient_id, area))
        missing = client.get(path(str(uuid.uuid4()), area))
        assert other.status_code == missing.status_code == 404
        assert other.json()["error"]["code"] == missing.json()["error"]["code"]
    refused = client.post(path(world.other_patient_id, "vaccinations"), json=MMR, headers=headers)
    assert refused.status_code == 404
