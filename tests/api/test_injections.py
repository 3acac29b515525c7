"""Injections over HTTP: the answer's shape, idempotency, site suggestion, refusals, audit."""

from __future__ import annotations

from sqlalchemy import func, select

from ofacare.records.tables import AuditEntry, Injection
from tests.people import build_world, signed_in

BODY = {
    "given_at": "2026-03-02T08:30:00+00:00",
    "site": "thigh-left",
    "pen_lot": "L123",
    "pen_serial": "SN-1",
    "out_of_fridge_at": "2026-03-02T08:00:00+00:00",
    "reactions": ["redness"],
    "notes": "went fine",
}


def path(patient_id: str, tail: str = "") -> str:
    return f"/api/v1/patients/{patient_id}/injections{tail}"


def prescribe(client, world) -> None:
    headers = signed_in(client, world.emails["clinician"])
    made = client.post(
        f"/api/v1/patients/{world.patient_id}/prescriptions",
        json={"start_on": "2026-03-02"},
        headers=headers,
    )
    assert made.status_code == 201, made.text


def test_logging_answers_with_the_injection_the_next_dose_and_site(client, runtime):
    world = build_world(runtime)
    prescribe(client, world)
    headers = signed_in(client, world.emails["caregiver"])
    answer = client.post(path(world.patient_id), json=BODY, headers=headers)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    injection = body["injection"]
    assert (injection["dose_number"], injection["given_on"], injection["site"]) == (
        1, "2026-03-02", "thigh-left",
    )  # fmt: skip
    assert injection["reactions"] == ["redness"] and injection["injected_by"] == "self"
    assert body["next_dose"] == body["schedule"]["next_dose"]
    assert (body["next_dose"]["number"], body["next_dose"]["due_on"]) == (2, "2026-03-09")
    assert (
        body["next_site"]["site"] == "thigh-right"
        and body["next_site"]["last_site"] == "thigh-left"
    )
    assert body["next_site"]["call"]["phone"] == "+44 161 555 0100"
    assert body["warnings"] == []
    listed = client.get(path(world.patient_id)).json()
    assert [i["id"] for i in listed] == [injection["id"]]


def test_the_dose_number_is_not_taken_from_the_client(client, runtime):
    world = build_world(runtime)
    prescribe(client, world)
    headers = signed_in(client, world.emails["patient"])
    refused = client.post(path(world.patient_id), json={**BODY, "dose_number": 4}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["message"].startswith("dose_number:")


def test_the_same_key_logs_one_injection_and_another_body_conflicts(client, runtime):
    world = build_world(runtime)
    prescribe(client, world)
    headers = {**signed_in(client, world.emails["patient"]), "Idempotency-Key": "inj-1"}
    first = client.post(path(world.patient_id), json=BODY, headers=headers)
    again = client.post(path(world.patient_id), json=BODY, headers=headers)
    assert again.status_code == 201
    assert again.json()["injection"]["id"] == first.json()["injection"]["id"]
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Injection)) == 1
    other = client.post(
        path(world.patient_id), json={**BODY, "site": "thigh-right"}, headers=headers
    )
    assert other.status_code == 409


def test_a_naive_or_future_time_is_422_naming_given_at(client, runtime):
    world = build_world(runtime)
    prescribe(client, world)
    headers = signed_in(client, world.emails["patient"])
    for given_at in ("2026-03-02T08:30:00", "2026-03-02T10:00:00+00:00"):
        refused = client.post(
            path(world.patient_id), json={**BODY, "given_at": given_at}, headers=headers
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["message"].startswith(f"given_at: '{given_at}")


def test_a_second_injection_the_same_day_is_422_as_a_possible_duplicate(client, runtime):
    world = build_world(runtime)
    prescribe(client, world)
    headers = signed_in(client, world.emails["patient"])
    client.post(path(world.patient_id), json=BODY, headers=headers)
    twice = client.post(
        path(world.patient_id),
        json={**BODY, "given_at": "2026-03-02T08:45:00+00:00", "pen_serial": "SN-2"},
        headers=headers,
    )
    assert twice.status_code == 422
    assert twice.json()["error"]["code"] == "injections.possible-duplicate"


def test_a_self_injection_in_the_arm_is_422_naming_the_site(client, runtime):
    world = build_world(runtime)
    prescribe(client, world)
    headers = signed_in(client, world.emails["patient"])
    refused = client.post(
        path(world.patient_id), json={**BODY, "site": "upper-arm-right"}, headers=headers
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "handling.arm-self-injection"
    assert error["message"].startswith("site: 'upper-arm-right'")
    by_nurse = client.post(
        path(world.patient_id),
        json={**BODY, "site": "upper-arm-right", "injected_by": "clinician"},
        headers=headers,
    )
    assert by_nurse.status_code == 201


def test_the_site_suggestion_depends_on_who_injects(client, runtime):
    world = build_world(runtime)
    signed_in(client, world.emails["patient"])
    alone = client.get(path(world.patient_id, "/site-suggestion")).json()
    assert alone["site"] == "thigh-left" and "upper-arm-left" not in alone["allowed"]
    assert alone["where"] == "the front of your left thigh"
    assert alone["citations"] and alone["call"]["phone"] == "+44 161 555 0100"
    helped = client.get(path(world.patient_id, "/site-suggestion?injector=caregiver")).json()
    assert "upper-arm-left" in helped["allowed"]
    wrong = client.get(path(world.patient_id, "/site-suggestion?injector=robot"))
    assert wrong.status_code == 422 and wrong.json()["error"]["message"].startswith("injector:")


def test_refusals_for_other_patients_and_the_audit_trail(client, runtime):
    world = build_world(runtime)
    prescribe(client, world)
    headers = signed_in(client, world.emails["caregiver"])
    other = client.post(path(world.other_patient_id), json=BODY, headers=headers)
    missing = client.post(path("no-such-patient"), json=BODY, headers=headers)
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["code"] == missing.json()["error"]["code"]
    client.post(path(world.patient_id), json=BODY, headers=headers)
    client.get(path(world.patient_id, "/site-suggestion"))
    with runtime.database.reading() as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.role)).all()
    assert ("injections.log", "caregiver") in rows
    assert ("injections.site-suggestion", "caregiver") in rows
