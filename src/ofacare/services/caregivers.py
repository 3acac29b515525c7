"""Caregivers: a patient invites someone by email with a one-time code, and can revoke them.

The code is shown once to the patient, who passes it on; ofacare keeps only its hash. Accepting
creates the caregiver's account (or links an existing caregiver account).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ofacare.errors import Conflict, InvalidInput, NotFound
from ofacare.records.tables import CaregiverLink, User
from ofacare.services.access import Actor, Permission, Role, open_patient, record_access
from ofacare.services.accounts import HASHER, check_password, hash_secret, normalise_email
from ofacare.services.forms import Form, ShortText
from ofacare.services.runtime import Runtime

INVITATION_DAYS = 14  # an account-security choice, not a clinical one


class InvitationForm(Form):
    email: str


class AcceptForm(Form):
    code: str
    display_name: ShortText
    password: str


@dataclass(frozen=True, slots=True)
class Invitation:
    link: CaregiverLink
    code: str
    """Shown once: the patient passes it to the caregiver."""


def invite_caregiver(
    runtime: Runtime, actor: Actor, patient_id: str, form: InvitationForm
) -> Invitation:
    now = runtime.now()
    email = normalise_email(form.email)
    code = secrets.token_urlsafe(16)
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.OWN,
            action="caregiver.invite",
            now=now,
        )
        link = CaregiverLink(
            patient_id=patient_id,
            email=email,
            invite_code_hash=hash_secret(code),
            created_at=now,
            invite_expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        session.add(link)
        session.flush()
        return Invitation(link=link, code=code)


def list_caregivers(runtime: Runtime, actor: Actor, patient_id: str) -> list[CaregiverLink]:
    """The patient's caregiver links and invitations, oldest first."""
    return [entry.link for entry in list_caregiver_entries(runtime, actor, patient_id)]


def revoke_caregiver(
    runtime: Runtime, actor: Actor, patient_id: str, link_id: str
) -> CaregiverLink:
    """The caregiver loses access at once; the link stays for the audit trail."""
    now = runtime.now()
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.OWN,
            action="caregiver.revoke",
            now=now,
        )
        link = session.get(CaregiverLink, link_id)
        if link is None or link.patient_id != patient_id:
            raise NotFound(
                "caregiver.no-such-link",
                f"caregiver id: '{link_id}' is not a caregiver of this patient.",
                "List caregivers to see their ids.",
            )
        if link.revoked_at is None:
            link.revoked_at = now
            link.invite_code_hash = None
        return link


def accept_invitation(runtime: Runtime, form: AcceptForm, *, address: str) -> User:
    """Create (or reuse) the caregiver account the invitation names and link it to the patient."""
    now = runtime.now()
    with runtime.database.writing() as session:
        link = session.scalar(
            select(CaregiverLink).where(CaregiverLink.invite_code_hash == hash_secret(form.code))
        )
        if link is None or link.revoked_at is not None or link.invite_expires_at <= now:
            raise InvalidInput(
                "caregiver.bad-code",
                "code: this invitation code is not valid (mistyped, used, revoked or expired).",
                "Ask the person who invited you for a new invitation.",
            )
        user = session.scalar(select(User).where(User.email == link.email))
        if user is None:
            check_password(form.password)
            user = User(
                email=link.email,
                display_name=form.display_name,
                role=Role.CAREGIVER.value,
                password_hash=HASHER.hash(form.password),
                active=True,
                created_at=now,
            )
            session.add(user)
            session.flush()
        elif user.role != Role.CAREGIVER:
            raise Conflict(
                "caregiver.email-in-use",
                f"email: {link.email!r} is a {user.role} account and cannot be a caregiver.",
                "Ask the patient to invite another email address.",
            )
        link.user_id, link.accepted_at, link.invite_code_hash = user.id, now, None
        actor = Actor(user_id=user.id, role=Role.CAREGIVER, address=address)
        record_access(
            session, actor, action="caregiver.accept", patient_id=link.patient_id, now=now
        )
        return user


@dataclass(frozen=True, slots=True)
class CaregiverEntry:
    """A caregiver link with the caregiver's own name once they accepted (for the settings page)."""

    link: CaregiverLink
    name: str | None


def list_caregiver_entries(runtime: Runtime, actor: Actor, patient_id: str) -> list[CaregiverEntry]:
    """The patient's caregivers and invitations, oldest first, with each caregiver's name."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.OWN,
            action="caregiver.list",
            now=runtime.now(),
        )
        rows = session.execute(
            select(CaregiverLink, User.display_name)
            .outerjoin(User, User.id == CaregiverLink.user_id)
            .where(CaregiverLink.patient_id == patient_id)
            .order_by(CaregiverLink.created_at, CaregiverLink.id)
        ).all()
        return [CaregiverEntry(link=link, name=name) for link, name in rows]
