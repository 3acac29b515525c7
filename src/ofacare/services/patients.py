"""Patients: create, read, change, the panel a person can see, and who looked at a record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import InvalidInput, NotAllowed
from ofacare.records.tables import AuditEntry, Patient, TeamMember, User
from ofacare.regimen.schedule import EARLIEST_DATE
from ofacare.services.access import (
    Actor,
    Permission,
    Role,
    open_patient,
    record_access,
    visible_patients_query,
)
from ofacare.services.forms import SETTINGS_FIELDS, PatientChanges, PatientForm
from ofacare.services.runtime import Runtime

MAX_AUDIT_ROWS = 500
MAX_START_AHEAD = timedelta(days=366)  # a start further ahead than a year is a typo, not a plan
MAX_AGE_YEARS = 120  # no one living is older: an earlier birth date is a typo
CLEARABLE_FIELDS = frozenset({"email", "phone", "planned_start_on"})
"""The fields a change may empty with null; null for any other (a yes/no, a name) is refused."""


def local_today(patient: Patient, now: datetime) -> date:
    """The date it is where the patient lives: doses are counted in their days."""
    return now.astimezone(ZoneInfo(patient.timezone)).date()


def create_patient(runtime: Runtime, actor: Actor, form: PatientForm) -> Patient:
    """A clinician adds a patient to their care team."""
    if actor.role is not Role.CLINICIAN:
        raise NotAllowed(
            "access.not-allowed",
            f"A {actor.role} account may not add patients.",
            "Patients are added by their MS team.",
        )
    now = runtime.now()
    _check_birth_date(form.birth_date, now)
    if form.planned_start_on is not None:
        today = now.astimezone(ZoneInfo(form.timezone)).date()
        check_planned_start(form.birth_date, form.planned_start_on, today=today)
    with runtime.database.writing() as session:
        team_id = session.scalar(
            select(TeamMember.team_id).where(TeamMember.user_id == actor.user_id)
        )
        if team_id is None:
            raise NotAllowed(
                "access.no-team",
                "Your account is not in a care team yet, so there is no panel to add to.",
                "Ask an administrator to add you to your MS team.",
            )
        fields = form.model_dump()
        fields["immunosuppressants"] = list(form.immunosuppressants)
        patient = Patient(team_id=team_id, created_at=now, **fields)
        session.add(patient)
        session.flush()
        record_access(session, actor, action="patient.create", patient_id=patient.id, now=now)
        return patient


def get_patient(runtime: Runtime, actor: Actor, patient_id: str) -> Patient:
    with runtime.database.writing() as session:
        return open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="patient.read",
            now=runtime.now(),
        )


def change_patient(
    runtime: Runtime, actor: Actor, patient_id: str, changes: PatientChanges
) -> Patient:
    """Settings (timezone, reminder time, contact) are the patient's; the rest the team's."""
    given = changes.model_dump(exclude_unset=True)
    if not given:
        raise InvalidInput("input.nothing-to-change", "No field to change was given.", "")
    permission = Permission.OWN if set(given) <= SETTINGS_FIELDS else Permission.CLINICAL
    if actor.role is Role.CLINICIAN and set(given) <= SETTINGS_FIELDS:
        permission = Permission.CLINICAL  # the team may correct contact details too
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session, actor, patient_id, permission=permission, action="patient.change", now=now
        )
        if changes.planned_start_on is not None:
            today = local_today(patient, now)
            check_planned_start(patient.birth_date, changes.planned_start_on, today=today)
        for name, value in given.items():
            if value is None and name not in CLEARABLE_FIELDS:
                raise InvalidInput(
                    "input.bad-patient",
                    f"{name}: null cannot be stored; this field always has a value.",
                    "Leave the field out to keep it as it is.",
                )
            setattr(patient, name, list(value) if name == "immunosuppressants" else value)
        return patient


def list_patients(runtime: Runtime, actor: Actor) -> list[Patient]:
    """The patients the actor can see: their own record, those who invited them, their panel."""
    with runtime.database.writing() as session:
        query = visible_patients_query(actor).order_by(Patient.family_name, Patient.given_name)
        patients = list(session.scalars(query))
        for patient in patients:
            record_access(
                session, actor, action="patient.list", patient_id=patient.id, now=runtime.now()
            )
        return patients


@dataclass(frozen=True, slots=True)
class Access:
    """One line of 'who looked at my record'."""

    at: datetime
    who: str
    role: str
    action: str
    address: str | None


def list_record_access(runtime: Runtime, actor: Actor, patient_id: str) -> list[Access]:
    """Who read or changed the patient's record, newest first (the patient's own view)."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.OWN,
            action="audit.read",
            now=runtime.now(),
        )
        rows = session.execute(
            select(AuditEntry, User.display_name)
            .outerjoin(User, User.id == AuditEntry.user_id)
            .where(AuditEntry.patient_id == patient_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(MAX_AUDIT_ROWS)
        ).all()
        return [
            Access(
                at=e.at,
                who=name or "a removed account",
                role=e.role,
                action=e.action,
                address=e.address,
            )
            for e, name in rows
        ]


def find_patient_of_user(session: Session, user_id: str) -> Patient | None:
    return session.scalar(select(Patient).where(Patient.user_id == user_id))


def check_start(start_on: date, *, today: date, field: str = "start_on") -> None:
    """Refuse a start date before the dates ofacare plans for, or absurdly far ahead."""
    latest = today + MAX_START_AHEAD
    if not EARLIEST_DATE <= start_on <= latest:
        raise InvalidInput(
            "prescriptions.bad-start",
            f"{field}: '{start_on.isoformat()}' is outside the dates a course can start on.",
            f"Give the date of dose 1, from {EARLIEST_DATE.isoformat()} to {latest.isoformat()}.",
        )


def check_planned_start(born: date, planned: date, *, today: date) -> None:
    """A planned first dose on a day a course can start on, and not before the patient's birth."""
    if planned < born:
        raise InvalidInput(
            "input.before-birth",
            f"planned_start_on: '{planned}' is before the patient's date of birth ({born}).",
            "Check the date (YYYY-MM-DD).",
        )
    check_start(planned, today=today, field="planned_start_on")


def _check_birth_date(born: date, now: datetime) -> None:
    if born > now.date():
        raise InvalidInput(
            "input.bad-patient",
            f"birth_date: '{born}' is in the future.",
            "Enter the date of birth as YYYY-MM-DD.",
        )
    oldest = date(now.year - MAX_AGE_YEARS, now.month, min(now.day, 28))  # 29 Feb: not every year
    if born < oldest:
        raise InvalidInput(
            "input.bad-patient",
            f"birth_date: '{born}' would make the patient older than {MAX_AGE_YEARS}.",
            "Enter the date of birth as YYYY-MM-DD; check the year.",
        )
