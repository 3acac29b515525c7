"""Bring a database to the newest schema and, when it is empty, seed the demo accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ofacare.records.database import migrate
from ofacare.records.tables import (
    CaregiverLink,
    CareTeam,
    Injection,
    Patient,
    Prescription,
    TeamMember,
    User,
)
from ofacare.services.accounts import HASHER
from ofacare.services.runtime import Runtime

DEMO_DOMAIN = "demo.ofacare.test"


@dataclass(frozen=True, slots=True)
class DemoAccount:
    role: str
    email: str
    password: str


def prepare_database(runtime: Runtime) -> None:
    """Create or upgrade the schema (Alembic); safe to run on every start."""
    migrate(runtime.database.engine)


def seed_demo(runtime: Runtime) -> list[DemoAccount]:
    """Demo users with fresh random passwords if the database has no users; else nothing.

    A patient mid-loading whose third dose is overdue, the caregiver they invited, a nurse with a
    small panel, and an administrator.
    """
    now = runtime.now()
    with runtime.database.writing() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return []
        accounts = [
            _user(session, now, role, name)
            for role, name in (
                ("patient", "Alex Morgan"),
                ("caregiver", "Sam Morgan"),
                ("clinician", "Nurse Priya Shah"),
                ("admin", "Operator"),
            )
        ]
        users = {
            a.role: session.scalar(select(User).where(User.email == a.email)) for a in accounts
        }
        team = CareTeam(name="Demo MS Centre", phone="+44 20 7946 0000", created_at=now)
        session.add(team)
        session.flush()
        session.add(TeamMember(team_id=team.id, user_id=users["clinician"].id))  # type: ignore[union-attr]
        _demo_patients(session, runtime, team_id=team.id, users=users, now=now)
        return accounts


def _user(session: Session, now: datetime, role: str, name: str) -> DemoAccount:
    email = f"{role}@{DEMO_DOMAIN}"
    password = secrets.token_urlsafe(12)
    session.add(
        User(
            email=email,
            display_name=name,
            role=role,
            password_hash=HASHER.hash(password),
            active=True,
            created_at=now,
        )
    )
    session.flush()
    return DemoAccount(role=role, email=email, password=password)


def _demo_patients(
    session: Session,
    runtime: Runtime,
    *,
    team_id: str,
    users: dict[str, User | None],
    now: datetime,
) -> None:
    today = now.date()
    days = runtime.kb.whole_number("dosing.loading-interval", "day")
    # Doses 1 and 2 taken a loading interval apart; dose 3 four days overdue (the firmer reminder).
    start = today - timedelta(days=2 * days + 4)
    patient = _patient(
        session, now, team_id, ("Alex", "Morgan"), start=start, user=users["patient"]
    )
    prescription = _prescription(session, now, patient, start)
    for number, site in ((1, "abdomen-left"), (2, "abdomen-right")):
        given = datetime.combine(
            start + timedelta(days=days * (number - 1)), time(10, 0), now.tzinfo
        )
        session.add(
            Injection(
                patient_id=patient.id,
                prescription_id=prescription.id,
                given_at=given,
                given_on=given.date(),
                dose_number=number,
                site=site,
                injected_by="self",
                reactions=[],
                created_at=now,
            )
        )
    caregiver = users["caregiver"]
    assert caregiver is not None
    session.add(
        CaregiverLink(
            patient_id=patient.id,
            user_id=caregiver.id,
            email=caregiver.email,
            created_at=now,
            invite_expires_at=now,
            accepted_at=now,
        )
    )
    for given_name, family, weeks in (("Jordan", "Lee", 30), ("Casey", "Brown", 70)):
        started = today - timedelta(weeks=weeks)
        other = _patient(session, now, team_id, (given_name, family), start=started, user=None)
        _prescription(session, now, other, today - timedelta(weeks=weeks))


def _patient(
    session: Session,
    now: datetime,
    team_id: str,
    name: tuple[str, str],
    *,
    start: date,
    user: User | None,
) -> Patient:
    given, family = name
    patient = Patient(
        user_id=user.id if user else None,
        team_id=team_id,
        given_name=given,
        family_name=family,
        birth_date=now.date().replace(year=now.year - 34),
        sex="female",
        country="GB",
        timezone="Europe/London",
        reminder_time=time(9, 0),
        email=user.email if user else None,
        ms_type="RRMS",
        can_become_pregnant=True,
        immunosuppressants=[],
        planned_start_on=start,
        created_at=now,
    )
    session.add(patient)
    session.flush()
    return patient


def _prescription(session: Session, now: datetime, patient: Patient, start: date) -> Prescription:
    prescription = Prescription(
        patient_id=patient.id,
        start_on=start,
        interval_mode="monthly",
        prescriber="Dr R. Okafor",
        written_on=start - timedelta(days=14),
        created_at=now,
    )
    session.add(prescription)
    session.flush()
    return prescription
