"""Who may do what to whose record, and the audit entry every access to patient data leaves.

Refusal is uniform: a patient a person may not see answers exactly like a patient that does not
exist, so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ofacare.errors import NotAllowed, NotFound
from ofacare.records.tables import AuditEntry, CaregiverLink, Patient, TeamMember
from ofacare.records.unit_of_work import Database


class Role(StrEnum):
    PATIENT = "patient"
    CAREGIVER = "caregiver"
    CLINICIAN = "clinician"
    ADMIN = "admin"


class Permission(StrEnum):
    READ = "read"
    LOG = "log"
    """Log injections, symptoms and pen storage events."""
    CLINICAL = "clinical"
    """Record labs, screening, prescriptions and vaccinations; acknowledge alerts."""
    OWN = "own"
    """Manage one's own record: settings, caregivers, calendar feed, who looked."""


ALLOWED: dict[Role, frozenset[Permission]] = {
    Role.PATIENT: frozenset({Permission.READ, Permission.LOG, Permission.OWN}),
    Role.CAREGIVER: frozenset({Permission.READ, Permission.LOG}),
    Role.CLINICIAN: frozenset({Permission.READ, Permission.LOG, Permission.CLINICAL}),
    Role.ADMIN: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a request, and where it came from."""

    user_id: str
    role: Role
    address: str | None = None

    def may(self, permission: Permission) -> bool:
        return permission in ALLOWED[self.role]


def open_patient(
    session: Session,
    actor: Actor,
    patient_id: str,
    *,
    permission: Permission,
    action: str,
    now: datetime,
) -> Patient:
    """The patient record, if the actor is linked to it and their role allows `permission`.

    Writes the audit entry for `action` in the same transaction.
    """
    patient = check_patient(session, actor, patient_id, permission=permission, action=action)
    record_access(session, actor, action=action, patient_id=patient.id, now=now)
    return patient


def check_patient(
    session: Session, actor: Actor, patient_id: str, *, permission: Permission, action: str
) -> Patient:
    """The patient record, if the actor may see it, without an audit entry.

    Only for a read whose audit entry is saved afterwards, before the answer leaves (see
    save_access): the caller must not show anything until that has returned.
    """
    # One query: the patient among those the actor can see (the lists' own rule).
    visible = visible_patients_query(actor).where(Patient.id == patient_id)
    patient: Patient | None = session.scalar(visible) if _is_id(patient_id) else None
    if patient is None:
        raise NotFound(
            "access.no-such-patient",
            f"patient id: '{patient_id}' is not a patient you can see.",
            "Check the id; patients appear to their care team, their caregivers and themselves.",
        )
    if not actor.may(permission):
        raise NotAllowed(
            "access.not-allowed",
            f"A {actor.role} account may not {action.replace('.', ' ')} for this patient.",
            "Ask the patient's MS team.",
        )
    return patient


def record_access(
    session: Session,
    actor: Actor,
    *,
    action: str,
    now: datetime,
    patient_id: str | None = None,
    detail: str | None = None,
) -> None:
    row = _audit_row(actor, action=action, now=now, patient_id=patient_id, detail=detail)
    session.add(AuditEntry(**row))


def _audit_row(
    actor: Actor, *, action: str, now: datetime, patient_id: str | None, detail: str | None
) -> dict[str, object]:
    return {
        "at": now,
        "user_id": actor.user_id,
        "role": actor.role.value,
        "action": action,
        "patient_id": patient_id,
        "address": actor.address,
        "detail": detail,
    }


def save_access(
    database: Database, actor: Actor, *, action: str, patient_id: str, now: datetime
) -> None:
    """Commit one audit entry outside the read's own transaction, and return once it is stored.

    A read that checked access with check_patient in a reading transaction calls this before it
    answers: the entry is durable before anything is shown, and the write lock (SQLite has one
    writer at a time) is held for the INSERT rather than for the whole read.
    """
    row = _audit_row(actor, action=action, now=now, patient_id=patient_id, detail=None)
    # Entries of reads that finish together share one commit (group commit): one wait for the
    # disk instead of one each, and each caller still returns only once its entry is stored.
    database.insert_together(AuditEntry, row)


def visible_patients_query(actor: Actor):  # type: ignore[no-untyped-def]
    """A SELECT of the patients the actor can see (none for an admin)."""
    query = select(Patient)
    if actor.role is Role.PATIENT:
        return query.where(Patient.user_id == actor.user_id)
    if actor.role is Role.CAREGIVER:
        return query.where(
            exists().where(
                CaregiverLink.patient_id == Patient.id,
                CaregiverLink.user_id == actor.user_id,
                CaregiverLink.revoked_at.is_(None),
            )
        )
    if actor.role is Role.CLINICIAN:
        return query.where(
            exists().where(
                TeamMember.team_id == Patient.team_id, TeamMember.user_id == actor.user_id
            )
        )
    return query.where(Patient.id.is_(None))


def _is_id(text: str) -> bool:
    return 0 < len(text) <= 36
