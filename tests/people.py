"""A small world for service and API tests: a care team, its clinician, a patient with an account,
a caregiver the patient invited, another patient on another team, and an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from fastapi.testclient import TestClient

from ofacare.records.tables import CaregiverLink, CareTeam, Patient, TeamMember, User
from ofacare.services.access import Actor, Role
from ofacare.services.accounts import HASHER
from ofacare.services.runtime import Runtime

PASSWORD = "correct horse battery staple"
_HASH = HASHER.hash(PASSWORD)


@dataclass(frozen=True)
class World:
    patient: Actor
    caregiver: Actor
    clinician: Actor
    admin: Actor
    outsider_clinician: Actor
    patient_id: str
    other_patient_id: str
    team_id: str
    emails: dict[str, str]


def build_world(runtime: Runtime, *, start_on: date | None = None) -> World:
    """Insert the world directly (the services that make each part are tested on their own)."""
    now = runtime.now()
    with runtime.database.writing() as session:
        users = {}
        for name in ("patient", "caregiver", "clinician", "admin", "outsider"):
            role = "clinician" if name == "outsider" else name
            user = User(
                email=f"{name}@example.org",
                display_name=name.title(),
                role=role,
                password_hash=_HASH,
                active=True,
                created_at=now,
            )
            session.add(user)
            users[name] = user
        team = CareTeam(name="North MS Centre", phone="+44 161 555 0100", created_at=now)
        other_team = CareTeam(name="South MS Centre", phone="+44 20 555 0199", created_at=now)
        session.add_all([team, other_team])
        session.flush()
        session.add(TeamMember(team_id=team.id, user_id=users["clinician"].id))
        session.add(TeamMember(team_id=other_team.id, user_id=users["outsider"].id))
        patient = _patient(users["patient"].id, team.id, now, start_on)
        other = _patient(None, other_team.id, now, start_on)
        session.add_all([patient, other])
        session.flush()
        session.add(
            CaregiverLink(
                patient_id=patient.id,
                user_id=users["caregiver"].id,
                email="caregiver@example.org",
                created_at=now,
                invite_expires_at=now,
                accepted_at=now,
            )
        )

        def actor(name: str) -> Actor:
            return Actor(user_id=users[name].id, role=Role(users[name].role), address="127.0.0.1")

        return World(
            patient=actor("patient"),
            caregiver=actor("caregiver"),
            clinician=actor("clinician"),
            admin=actor("admin"),
            outsider_clinician=actor("outsider"),
            patient_id=patient.id,
            other_patient_id=other.id,
            team_id=team.id,
            emails={name: user.email for name, user in users.items()},
        )


def _patient(user_id: str | None, team_id: str, now, start_on: date | None) -> Patient:  # type: ignore[no-untyped-def]
    return Patient(
        user_id=user_id,
        team_id=team_id,
        given_name="Robin",
        family_name="Ellis",
        birth_date=date(1990, 5, 17),
        sex="female",
        country="GB",
        timezone="Europe/London",
        reminder_time=time(9, 0),
        email="robin@example.org",
        ms_type="RRMS",
        can_become_pregnant=True,
        immunosuppressants=[],
        planned_start_on=start_on,
        created_at=now,
    )


def signed_in(client: TestClient, email: str) -> dict[str, str]:
    """Sign in through the API; returns the CSRF header to send with changes."""
    answer = client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf_token"]}
