"""Alerts over HTTP: the clinician's panel, a patient's alerts, acknowledging with a reason."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ofacare.records.tables import AuditEntry
from tests.people import build_world, signed_in
from tests.services.test_alerts import raise_one


def ack_path(patient_id: str, alert_id: str) -> str:
    return f"/api/v1/patients/{patient_id}/alerts/{alert_id}/acknowledge"


def test_the_panel_lists_open_alerts_most_severe_first_with_the_patients_name(client, runtime):
    world = build_world(runtime)
    raise_one(runtime, world.patient_id, "caution", severity="caution")
    raise_one(runtime, world.patient_id, "refer", severity="refer")
    raise_one(runtime, world.other_patient_id, "other-team", severity="do_not_start")
    signed_in(client, world.emails["clinician"])
    answer = client.get("/api/v1/alerts")
    assert answer.status_code == 200
    body = answer.json()
    assert [a["severity"] for a in body] == ["refer", "caution"]
    assert body[0]["patient_name"] == "Robin Ellis" and body[0]["facts"] == [
        "dosing.late-care-team-alert"
    ]
    assert body[0]["acknowledged_at"] is None


def test_an_unknown_status_filter_is_422_naming_it(client, runtime):
    world = build_world(runtime)
    signed_in(client, world.emails["clinician"])
    answer = client.get("/api/v1/alerts", params={"status": "closed"})
    assert answer.status_code == 422 and answer.json()["error"]["message"].startswith(
        "status: 'closed'"
    )


def test_patients_have_no_panel_but_see_their_own_alerts(client, runtime):
    world = build_world(runtime)
    raise_one(runtime, world.patient_id, "a")
    signed_in(client, world.emails["patient"])
    assert client.get("/api/v1/alerts").status_code == 403
    own = client.get(f"/api/v1/patients/{world.patient_id}/alerts")
    assert own.status_code == 200 and [a["title"] for a in own.json()] == ["Alert a"]


def test_a_clinician_acknowledges_once_and_the_same_acknowledgement_again_is_harmless(
    client, runtime
):
    world = build_world(runtime)
    alert = raise_one(runtime, world.patient_id, "a")
    headers = signed_in(client, world.emails["clinician"])
    body = {"reason": "Phoned the patient: dose given yesterday"}
    first = client.post(ack_path(world.patient_id, alert.id), json=body, headers=headers)
    again = client.post(ack_path(world.patient_id, alert.id), json=body, headers=headers)
    other = client.post(
        ack_path(world.patient_id, alert.id), json={"reason": "no"}, headers=headers
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["acknowledged_by"] == world.clinician.user_id
    assert (
        other.status_code == 409 and other.json()["error"]["code"] == "alert.already-acknowledged"
    )
    assert client.get("/api/v1/alerts").json() == []
    done = client.get("/api/v1/alerts", params={"status": "acknowledged"}).json()
    assert [a["acknowledgement_reason"] for a in done] == [body["reason"]]


def test_the_reason_is_required_and_at_most_500_characters(client, runtime):
    world = build_world(runtime)
    alert = raise_one(runtime, world.patient_id, "a")
    headers = signed_in(client, world.emails["clinician"])
    missing = client.post(ack_path(world.patient_id, alert.id), json={}, headers=headers)
    blank = client.post(
        ack_path(world.patient_id, alert.id), json={"reason": "  "}, headers=headers
    )
    long = client.post(
        ack_path(world.patient_id, alert.id), json={"reason": "x" * 501}, headers=headers
    )
    assert missing.json()["error"]["message"] == "reason: is required but missing."
    assert blank.status_code == long.status_code == 422
    assert blank.json()["error"]["message"].startswith("reason:")
    assert long.json()["error"]["message"].startswith("reason:")
    exact = client.post(
        ack_path(world.patient_id, alert.id), json={"reason": "x" * 500}, headers=headers
    )
    assert exact.status_code == 200


def test_caregivers_may_not_acknowledge(client, runtime):
    world = build_world(runtime)
    alert = raise_one(runtime, world.patient_id, "a")
    headers = signed_in(client, world.emails["caregiver"])
    answer = client.post(
        ack_path(world.patient_id, alert.id), json={"reason": "ok"}, headers=headers
    )
    assert answer.status_code == 403


def test_another_teams_patient_and_its_alerts_answer_like_ones_that_do_not_exist(client, runtime):
    world = build_world(runtime)
    alert = raise_one(runtime, world.other_patient_id, "a")
    headers = signed_in(client, world.emails["clinician"])
    other = client.post(
        ack_path(world.other_patient_id, alert.id), json={"reason": "x"}, headers=headers
    )
    missing = client.post(
        ack_path(str(uuid.uuid4()), alert.id), json={"reason": "x"}, headers=headers
    )
    assert other.status_code == missing.status_code == 404
    assert (
        other.json()["error"]["code"] == missing.json()["error"]["code"] == "access.no-such-patient"
    )
    wrong_alert = client.post(
        ack_path(world.patient_id, alert.id), json={"reason": "x"}, headers=headers
    )
    assert (
        wrong_alert.status_code == 404
        and wrong_alert.json()["error"]["code"] == "alert.no-such-alert"
    )


def test_acknowledging_is_audited(client, runtime):
    world = build_world(runtime)
    alert = raise_one(runtime, world.patient_id, "a")
    headers = signed_in(client, world.emails["clinician"])
    client.post(ack_path(world.patient_id, alert.id), json={"reason": "seen"}, headers=headers)
    with runtime.database.reading() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.patient_id == world.patient_id)
            )
        )
    assert "alert.acknowledge" in actions
