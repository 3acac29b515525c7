"""Closing a patient's own account: what ends, and what the MS team keeps.

What ends: the sign-in account itself (the users row is deleted, so the email can sign up again
later), every session and API token, the calendar feed address, the caregivers' access (their
links are revoked, kept for the audit trail), pending invitations, and email reminders.
What stays: the clinical record (injections, diary, labs, vaccinations, prescriptions, alerts)
belongs to the care record the MS team holds under its record-keeping rules; it stays with the
team, unlinked from any account. The person can ask the team to erase it. The audit log stays
too, showing the account as removed.
"""

from __future__ import annotations

from datetime import datetime

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ofacare.errors import InvalidInput, NotAllowed
from ofacare.records.tables import (
    ApiToken,
    CaregiverLink,
    IdempotentRequest,
    LoginAttempt,
    Patient,
    User,
)
from ofacare.records.tables import Session as SessionRow
from ofacare.services.access import Actor, Permission, Role, open_patient
from ofacare.services.accounts import HASHER
from ofacare.services.forms import Form
from ofacare.services.runtime import Runtime

CONFIRMATION_PHRASE = "delete my account"
"""What the person types to show they mean it (compared without case or surrounding spaces)."""


class ClosureForm(Form):
    confirmation: str
    password: str


def close_account(runtime: Runtime, actor: Actor, patient_id: str, form: ClosureForm) -> None:
    """Delete the patient's sign-in account and end every way into the record (audited)."""
    if actor.role is not Role.PATIENT:
        raise NotAllowed(
            "access.not-allowed",
            f"A {actor.role} account may not close a patient's account.",
            "Only the patient can close their own account.",
        )
    _check_phrase(form.confirmation)
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session, actor, patient_id, permission=Permission.OWN, action="account.close", now=now
        )
        user = session.get(User, actor.user_id)
        if user is None:  # pragma: no cover - open_patient found the link to this user
            raise NotAllowed("access.not-allowed", "This account no longer exists.", "")
        _check_password(user, form.password)
        patient.user_id = None
        patient.feed_token_hash = None
        patient.reminder_channel = "none"
        _end_caregiver_links(session, patient, now=now)
        _forget_account(session, user)


def _check_phrase(typed: str) -> None:
    if typed.strip().lower() != CONFIRMATION_PHRASE:
        raise InvalidInput(
            "account.not-confirmed",
            f"confirmation: {typed!r} is not the phrase {CONFIRMATION_PHRASE!r}.",
            "Type the phrase exactly to close your account; nothing has been deleted.",
        )


def _check_password(user: User, password: str) -> None:
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise InvalidInput(
            "account.wrong-password",
            "password: this is not your current password.",
            "Enter the password you sign in with; nothing has been deleted.",
        ) from None


def _end_caregiver_links(session: Session, patient: Patient, *, now: datetime) -> None:
    links = session.scalars(
        select(CaregiverLink).where(
            CaregiverLink.patient_id == patient.id, CaregiverLink.revoked_at.is_(None)
        )
    )
    for link in links:
        link.revoked_at = now
        link.invite_code_hash = None


def _forget_account(session: Session, user: User) -> None:
    """Sessions, tokens, stored replies and failed sign-ins go with the account row."""
    session.execute(delete(SessionRow).where(SessionRow.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(IdempotentRequest).where(IdempotentRequest.user_id == user.id))
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    session.flush()
    session.delete(user)
