"""Screening and monitoring over HTTP: the checklist in the reader's wording, setting the profile
items (clinicians), the on-treatment checks, refusals and errors."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from ofacare.records.tables import AuditEntry
from tests.people import build_world, signed_in
from tests.services.test_planning import TODAY, prescribe

START = TODAY + timedelta(days=10)
ITEMS = {
    "ms_type": "RRMS",
    "planned_start_on": START.isoformat(),
    "can_become_pregnant": True,
    "pregnant": False,
    "breastfeeding": False,
    "active_infection": False,
    "severely_immunocompromised": False,
    "active_malignancy": False,
    "immunosuppressants": [],
}


def path(patient_id: str, area: str = "screening") -> str:
    return f"/api/v1/patients/{patient_id}/{area}"


def test_the_checklist_gives_the_patient_wording_to_the_patient_and_says_who_to_call(
    client, runtime
):
    world = build_world(runtime, start_on=START)
    signed_in(client, world.emails["patient"])
    answer = client.get(path(world.patient_id))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["readiness"], body["planned_start_on"], body["start_from"]) == (
        "wait",
        START.isoformat(),
        "patient",
    )
    assert body["audience"] == "patient" and body["call"]["phone"] == "+44 161 555 0100"
    assert set(body["missing"]) == {"HBsAg", "anti-HBc", "IgG", "IgM", "pregnancy"}
    first = body["findings"][0]
    assert {"code", "severity", "title", "message", "actions", "citations", "until"} <= set(first)
    assert first["citations"] and "clinician_message" not in first


def test_a_clinician_sets_the_profile_items_and_gets_the_new_checklist(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    answer = client.put(path(world.patient_id), json={**ITEMS, "pregnant": True}, headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["readiness"] == "refer" and body["audience"] == "clinician"
    assert "finding.pregnant" in [f["code"] for f in body["findings"]]
    assert client.get(f"/api/v1/patients/{world.patient_id}").json()["pregnant"] is True


def test_every_profile_item_is_required_so_none_is_cleared_by_leaving_it_out(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"])
    partial = {k: v for k, v in ITEMS.items() if k != "active_infection"}
    answer = client.put(path(world.patient_id), json=partial, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == "active_infection: is required but missing."
    unknown = client.put(path(world.patient_id), json={**ITEMS, "ms_type": "SPMS"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["error"]["message"].startswith(
        "ms_type: 'SPMS'"
    )


def test_patients_may_not_set_the_profile_items(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    answer = client.put(path(world.patient_id), json=ITEMS, headers=headers)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "access.not-allowed"


def test_another_teams_patient_answers_like_a_patient_that_does_not_exist(client, runtime):
    world = build_world(runtime)
    signed_in(client, world.emails["clinician"])
    other = client.get(path(world.other_patient_id))
    missing = client.get(path(str(uuid.uuid4())))
    assert other.status_code == missing.status_code == 404
    assert (
        other.json()["error"]["code"] == missing.json()["error"]["code"] == "access.no-such-patient"
    )
    assert client.get(path(world.other_patient_id, "monitoring")).status_code == 404


def test_monitoring_gives_the_dose_dates_and_findings_and_is_audited(client, runtime):
    world = build_world(runtime)
    prescribe(
        runtime,
        world.patient_id,
        start=date(2026, 2, 16),
        taken_on=(date(2026, 2, 16), date(2026, 2, 23)),
    )
    signed_in(client, world.emails["caregiver"])
    answer = client.get(path(world.patient_id, "monitoring"))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["as_of"], body["last_dose_on"], body["next_dose_on"]) == (
        "2026-03-02",
        "2026-02-23",
        "2026-03-02",
    )
    assert body["findings"] == [] and body["call"]["text"]
    with runtime.database.reading() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.user_id == world.caregiver.user_id)
            )
        )
    assert "monitor.read" in actions
