"""Every endpoint, called as every role, for the caller's own patient and for another patient:
exactly the allowed calls succeed; another patient's record answers like a missing one.

The table below is the specification (issue 6 §2): patients own their record, caregivers read and
log injections and symptoms, clinicians read their panel and record clinical data, admins manage
accounts and see no clinical data. A route missing from the table fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.records.tables import Alert, CaregiverLink, DiaryEntry, Patient, Prescription, User
from ofacare.services.access import Actor
from ofacare.services.accounts import create_token
from ofacare.services.fhir_exchange import export_bundle
from tests.people import World, build_world

P, C, CL, A = "patient", "caregiver", "clinician", "admin"
READ, LOG, OWN, CLINICAL = {P, C, CL}, {P, C, CL}, {P}, {CL}
ROLES = (P, C, CL, A)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Call:
    allowed: set[str]
    body: Callable[[dict[str, str]], Any] | None = None
    query: str = ""


def _injection(_: dict[str, str]) -> dict[str, Any]:
    return {"given_at": NOW.isoformat(), "site": "thigh-left", "injected_by": "self"}


PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/patients/{patient_id}"): Call(READ),
    ("PATCH", "/patients/{patient_id}"): Call({P, CL}, lambda _: {"timezone": "Europe/Paris"}),
    ("GET", "/patients/{patient_id}/access-log"): Call(OWN),
    ("GET", "/patients/{patient_id}/prescriptions"): Call(READ),
    ("POST", "/patients/{patient_id}/prescriptions"): Call(
        CLINICAL, lambda _: {"start_on": "2026-03-02", "interval_mode": "monthly"}
    ),
    ("PATCH", "/patients/{patient_id}/prescriptions/{prescription_id}"): Call(
        CLINICAL, lambda _: {"stopped_on": "2026-03-02"}
    ),
    ("GET", "/patients/{patient_id}/schedule"): Call(READ),
    ("GET", "/patients/{patient_id}/injections"): Call(READ),
    ("POST", "/patients/{patient_id}/injections"): Call(LOG, _injection),
    ("GET", "/patients/{patient_id}/injections/site-suggestion"): Call(
        READ, query="?injector=self"
    ),
    ("POST", "/patients/{patient_id}/pens/events"): Call(
        LOG, lambda _: {"pen": "SN-9", "kind": "out-of-fridge", "occurred_at": NOW.isoformat()}
    ),
    ("GET", "/patients/{patient_id}/pens"): Call(READ),
    ("POST", "/patients/{patient_id}/diary"): Call(LOG, lambda _: {"text": "mild headache"}),
    ("GET", "/patients/{patient_id}/diary"): Call(READ),
    ("PATCH", "/patients/{patient_id}/diary/{entry_id}"): Call(
        {P, CL}, lambda _: {"resolved": True}
    ),
    ("POST", "/patients/{patient_id}/labs"): Call(
        CLINICAL,
        lambda _: {
            "test": "IgG",
            "value": 9.0,
            "unit": "g/L",
            "reference_low": 7.0,
            "reference_high": 16.0,
            "collected_on": "2026-02-20",
        },
    ),
    ("GET", "/patients/{patient_id}/labs"): Call(READ),
    ("GET", "/patients/{patient_id}/screening"): Call(READ),
    ("PUT", "/patients/{patient_id}/screening"): Call(
        CLINICAL,
        lambda _: {
            "ms_type": "RRMS",
            "planned_start_on": None,
            "can_become_pregnant": True,
            "pregnant": False,
            "breastfeeding": False,
            "active_infection": False,
            "severely_immunocompromised": False,
            "active_malignancy": False,
            "immunosuppressants": [],
        },
    ),
    ("GET", "/patients/{patient_id}/monitoring"): Call(READ),
    ("GET", "/patients/{patient_id}/alerts"): Call(READ),
    ("POST", "/patients/{patient_id}/alerts/{alert_id}/acknowledge"): Call(
        CLINICAL, lambda _: {"reason": "Called the patient; dose booked for tomorrow."}
    ),
    ("POST", "/patients/{patient_id}/vaccines/check"): Call(
        READ, lambda _: {"name": "influenza", "live": False, "planned_on": "2026-04-01"}
    ),
    ("GET", "/patients/{patient_id}/vaccinations"): Call(READ),
    ("POST", "/patients/{patient_id}/vaccinations"): Call(
        CLINICAL, lambda _: {"name": "influenza", "live": False, "given_on": "2026-01-10"}
    ),
    ("GET", "/patients/{patient_id}/pregnancy"): Call(READ),
    ("POST", "/patients/{patient_id}/simulation"): Call(READ, lambda _: {"until_week": 8}),
    ("GET", "/patients/{patient_id}/fhir"): Call(READ),
    ("POST", "/patients/{patient_id}/calendar-feed"): Call(OWN),
    ("DELETE", "/patients/{patient_id}/calendar-feed"): Call(OWN),
    ("GET", "/patients/{patient_id}/caregivers"): Call(OWN),
    ("POST", "/patients/{patient_id}/caregivers"): Call(
        OWN, lambda _: {"email": "aunt@example.org"}
    ),
    ("DELETE", "/patients/{patient_id}/caregivers/{link_id}"): Call(OWN),
}

OTHER_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/patients"): Call({P, C, CL, A}),
    ("POST", "/patients"): Call(
        {CL}, lambda _: {"given_name": "Sam", "family_name": "New", "birth_date": "1990-01-01"}
    ),
    ("GET", "/alerts"): Call({CL}),
    ("POST", "/fhir/import"): Call({CL}, lambda ids: ids["bundle"]),
    ("POST", "/ask"): Call({P, C, CL, A}, lambda _: {"question": "How should I store the pens?"}),
    ("GET", "/admin/users"): Call({A}),
    ("POST", "/admin/users"): Call(
        {A},
        lambda _: {
            "email": "new@example.org",
            "display_name": "New",
            "role": "caregiver",
            "password": "a long enough password",
        },
    ),
    ("PATCH", "/admin/users/{user_id}"): Call({A}, lambda _: {"display_name": "Renamed"}),
    ("GET", "/admin/teams"): Call({A}),
    ("POST", "/admin/teams"): Call({A}, lambda _: {"name": "East MS Centre"}),
    ("PUT", "/admin/teams/{team_id}/members/{user_id}"): Call({A}),
    ("DELETE", "/admin/teams/{team_id}/members/{user_id}"): Call({A}),
    ("PUT", "/admin/patients/{patient_id}/account/{user_id}"): Call({A}),
}
# Not role-gated: signing in and out, who am I, one's own tokens, accepting an invitation.
UNGATED = {
    ("POST", "/session"), ("DELETE", "/session"), ("GET", "/me"), ("POST", "/tokens"),
    ("GET", "/tokens"), ("DELETE", "/tokens/{token_id}"), ("POST", "/invitations/accept"),
}  # fmt: skip


def test_the_table_covers_every_route_of_the_api():
    app = create_app(Settings(database_url="sqlite://"))
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in item
    }
    assert routes == set(PATIENT_ROUTES) | set(OTHER_ROUTES) | UNGATED


def prepare(runtime, world: World) -> dict[str, str]:
    """Records the sub-resource routes act on, for both patients, and each role's token."""
    now = runtime.now()
    ids: dict[str, str] = {}
    with runtime.database.writing() as session:
        for owner, suffix in ((world.patient_id, "own"), (world.other_patient_id, "other")):
            rx = Prescription(
                patient_id=owner,
                start_on=date(2026, 2, 2),
                interval_mode="monthly",
                written_on=date(2026, 2, 1),
                created_at=now,
            )
            entry = DiaryEntry(
                patient_id=owner,
                recorded_at=now,
                text="fever",
                choices=[],
                urgency="urgent",
                advice="Call today.",
                call="team",
                triage={},
            )
            alert = Alert(
                patient_id=owner,
                key=f"k-{suffix}",
                code="alert.test",
                severity="refer",
                title="Test",
                message="Test alert",
                facts=[],
                raised_on=now.date(),
                created_at=now,
            )
            link = CaregiverLink(
                patient_id=owner,
                email=f"friend-{suffix}@example.org",
                created_at=now,
                invite_expires_at=now,
            )
            session.add_all([rx, entry, alert, link])
            session.flush()
            ids |= {
                f"prescription_id:{suffix}": rx.id,
                f"entry_id:{suffix}": entry.id,
                f"alert_id:{suffix}": alert.id,
                f"link_id:{suffix}": link.id,
            }
        spare = User(
            email="spare@example.org",
            display_name="Spare",
            role="patient",
            password_hash="x",
            active=True,
            created_at=now,
        )
        session.add(spare)
        session.flush()
        ids["spare_patient_user"] = spare.id
    for role in ROLES:
        actor: Actor = getattr(world, role)
        ids[f"token:{role}"] = create_token(runtime, actor, name="matrix").token
    ids["user_id"] = world.caregiver.user_id
    ids["clinician_id"] = world.clinician.user_id
    return ids


def fill(path: str, ids: dict[str, str], patient_id: str, side: str, world: World) -> str:
    values = {
        "patient_id": patient_id,
        "prescription_id": ids[f"prescription_id:{side}"],
        "entry_id": ids[f"entry_id:{side}"],
        "alert_id": ids[f"alert_id:{side}"],
        "link_id": ids[f"link_id:{side}"],
        "user_id": ids["clinician_id"]
        if "/teams/" in path
        else ids["spare_patient_user"]
        if "/account/" in path
        else ids["user_id"],
        "team_id": world.team_id,
    }
    return "/api/v1" + path.format(**values)


def send(client, method: str, url: str, token: str, body: Any):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"}
    return client.request(method, url, headers=headers, json=body)


@pytest.mark.parametrize("route", sorted(PATIENT_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("role", ROLES)
def test_patient_routes_allow_exactly_the_roles_in_the_table(client, runtime, route, role):
    world = build_world(runtime)
    ids = prepare(runtime, world)
    call = PATIENT_ROUTES[route]
    method, path = route
    body = call.body(ids) if call.body else None
    token = ids[f"token:{role}"]
    other = send(
        client,
        method,
        fill(path, ids, world.other_patient_id, "other", world) + call.query,
        token,
        body,
    )
    assert other.status_code == 404, other.text
    assert other.json()["error"]["code"] == "access.no-such-patient"
    missing = send(
        client, method, fill(path, ids, "0" * 36, "other", world) + call.query, token, body
    )
    assert missing.json() == other.json() | {
        "error": {**other.json()["error"], "message": missing.json()["error"]["message"]}
    }
    own = send(
        client, method, fill(path, ids, world.patient_id, "own", world) + call.query, token, body
    )
    if role in call.allowed:
        assert own.status_code < 300, own.text
    else:
        assert own.status_code in {403, 404}, own.text
        assert own.json()["error"]["code"] in {"access.not-allowed", "access.no-such-patient"}


@pytest.mark.parametrize("route", sorted(OTHER_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("role", ROLES)
def test_account_and_panel_routes_allow_exactly_the_roles_in_the_table(
    client, runtime, route, role
):
    world = build_world(runtime)
    ids = prepare(runtime, world)
    if route == ("POST", "/fhir/import"):
        bundle = export_bundle(runtime, world.clinician, world.patient_id)
        with runtime.database.writing() as session:  # free the ids again: import into an empty slot
            session.delete(session.get(Patient, world.patient_id))
        ids["bundle"] = bundle  # type: ignore[assignment]
    call = OTHER_ROUTES[route]
    method, path = route
    body = call.body(ids) if call.body else None
    answer = send(
        client,
        method,
        fill(path, ids, world.other_patient_id, "other", world),
        ids[f"token:{role}"],
        body,
    )
    if role in call.allowed:
        assert answer.status_code < 300, answer.text
    else:
        assert answer.status_code in {403, 404}, answer.text
        assert answer.json()["error"]["code"].startswith("access.")


@pytest.mark.parametrize("role", ROLES)
def test_the_patient_list_holds_only_the_patients_a_role_may_see(client, runtime, role):
    world = build_world(runtime)
    ids = prepare(runtime, world)
    listed = send(client, "GET", "/api/v1/patients", ids[f"token:{role}"], None).json()
    expected = {A: [], P: [world.patient_id], C: [world.patient_id], CL: [world.patient_id]}[role]
    assert [p["id"] for p in listed] == expected
