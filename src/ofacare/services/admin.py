"""Administration: users, roles, care teams and who is on them. No clinical data here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ofacare.errors import Conflict, InvalidInput, NotAllowed, NotFound
from ofacare.records.tables import (
    CaregiverLink,
    CareTeam,
    LoginAttempt,
    Patient,
    TeamMember,
    User,
)
from ofacare.services.access import Actor, Role, record_access
from ofacare.services.accounts import hash_password, normalise_email, revoke_all_sessions
from ofacare.services.forms import Form, Phone, ShortText
from ofacare.services.runtime import Runtime


class UserForm(Form):
    email: str
    display_name: ShortText
    role: Role
    password: str


class UserChanges(Form):
    display_name: ShortText | None = None
    active: bool | None = None
    password: str | None = None
    unlock: bool = False


class TeamForm(Form):
    name: ShortText
    phone: Phone | None = None


def require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise NotAllowed(
            "access.admin-only",
            f"A {actor.role} account may not manage users or care teams.",
            "Ask an ofacare administrator.",
        )


def create_user(runtime: Runtime, actor: Actor, form: UserForm) -> User:
    require_admin(actor)
    now = runtime.now()
    email = normalise_email(form.email)
    password_hash = hash_password(form.password)
    with runtime.database.writing() as session:
        _check_email_free(session, email)
        user = User(
            email=email,
            display_name=form.display_name,
            role=form.role.value,
            password_hash=password_hash,
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        record_access(session, actor, action="admin.user-create", now=now, detail=user.id)
        return user


def change_user(runtime: Runtime, actor: Actor, user_id: str, changes: UserChanges) -> User:
    """Rename, deactivate (ends every session), reset a password, or clear a sign-in lock."""
    require_admin(actor)
    now = runtime.now()
    with runtime.database.writing() as session:
        user = _get_user(session, user_id)
        if changes.display_name is not None:
            user.display_name = changes.display_name
        if changes.password is not None:
            user.password_hash = hash_password(changes.password)
            revoke_all_sessions(session, user.id, now)
        if changes.active is not None:
            user.active = changes.active
            if not changes.active:
                revoke_all_sessions(session, user.id, now)
        if changes.unlock:
            session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
        record_access(session, actor, action="admin.user-change", now=now, detail=user.id)
        return user


def list_users(runtime: Runtime, actor: Actor) -> list[User]:
    require_admin(actor)
    with runtime.database.reading() as session:
        return list(session.scalars(select(User).order_by(User.role, User.email)))


def create_team(runtime: Runtime, actor: Actor, form: TeamForm) -> CareTeam:
    require_admin(actor)
    now = runtime.now()
    with runtime.database.writing() as session:
        if session.scalar(select(CareTeam).where(CareTeam.name == form.name)) is not None:
            raise Conflict(
                "admin.team-exists", f"name: a care team called {form.name!r} exists already.", ""
            )
        team = CareTeam(name=form.name, phone=form.phone, created_at=now)
        session.add(team)
        session.flush()
        record_access(session, actor, action="admin.team-create", now=now, detail=team.id)
        return team


def list_teams(runtime: Runtime, actor: Actor) -> list[CareTeam]:
    require_admin(actor)
    with runtime.database.reading() as session:
        return list(session.scalars(select(CareTeam).order_by(CareTeam.name)))


def add_team_member(runtime: Runtime, actor: Actor, team_id: str, user_id: str) -> None:
    """Put a clinician on a care team: they see the team's patients from now on."""
    require_admin(actor)
    now = runtime.now()
    with runtime.database.writing() as session:
        _get_team(session, team_id)
        user = _get_user(session, user_id)
        if user.role != Role.CLINICIAN:
            raise InvalidInput(
                "input.not-a-clinician",
                f"user_id: {user_id!r} is a {user.role} account; only clinicians join care teams.",
                "",
            )
        if session.get(TeamMember, (team_id, user_id)) is None:
            session.add(TeamMember(team_id=team_id, user_id=user_id))
        record_access(session, actor, action="admin.team-member-add", now=now, detail=user_id)


def remove_team_member(runtime: Runtime, actor: Actor, team_id: str, user_id: str) -> None:
    require_admin(actor)
    now = runtime.now()
    with runtime.database.writing() as session:
        member = session.get(TeamMember, (team_id, user_id))
        if member is None:
            raise NotFound(
                "admin.no-such-member", f"user_id: {user_id!r} is not on team {team_id!r}.", ""
            )
        session.delete(member)
        record_access(session, actor, action="admin.team-member-remove", now=now, detail=user_id)


def link_patient_account(runtime: Runtime, actor: Actor, patient_id: str, user_id: str) -> None:
    """Give a patient record its sign-in account (a user with the patient role)."""
    require_admin(actor)
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = session.get(Patient, patient_id)
        user = _get_user(session, user_id)
        if patient is None:
            raise NotFound("admin.no-such-patient", f"patient_id: {patient_id!r} is unknown.", "")
        if user.role != Role.PATIENT:
            raise InvalidInput(
                "input.not-a-patient-account",
                f"user_id: {user_id!r} is a {user.role} account, not a patient account.",
                "",
            )
        linked = session.scalar(select(Patient.id).where(Patient.user_id == user.id))
        if linked not in {None, patient.id}:  # one account per record (a unique column)
            raise Conflict(
                "admin.account-linked",
                f"user_id: {user_id!r} is the account of another patient record already.",
                "A sign-in account belongs to one patient; create a new account for this one.",
            )
        patient.user_id = user.id
        record_access(session, actor, action="admin.patient-link", now=now, detail=user_id)


def _check_email_free(session: Session, email: str) -> None:
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("admin.email-taken", f"email: {email!r} has an account already.", "")


def _get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("admin.no-such-user", f"user_id: {user_id!r} is not a user.", "")
    return user


def _get_team(session: Session, team_id: str) -> CareTeam:
    team = session.get(CareTeam, team_id)
    if team is None:
        raise NotFound("admin.no-such-team", f"team_id: {team_id!r} is not a care team.", "")
    return team


def team_phone(session: Session, patient: Patient) -> str | None:
    """The care team's phone number, for every screen that says who to call."""
    if patient.team_id is None:
        return None
    team = session.get(CareTeam, patient.team_id)
    return team.phone if team else None


# --- Added for the admin pages (web/routes/admin.py) -------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamWithMembers:
    team: CareTeam
    members: tuple[User, ...]


@dataclass(frozen=True, slots=True)
class PendingInvitation:
    """A caregiver invitation as an admin sees it: no patient, nothing clinical."""

    id: str
    email: str
    created_at: datetime
    expires_at: datetime
    status: str
    """'pending' (can still be accepted) or 'expired'."""


def change_role(runtime: Runtime, actor: Actor, user_id: str, role: Role) -> User:
    """Give an account another role; only an unlinked account, and never one's own."""
    require_admin(actor)
    now = runtime.now()
    with runtime.database.writing() as session:
        user = _get_user(session, user_id)
        if user.id == actor.user_id:
            raise InvalidInput(
                "admin.own-role", "role: you cannot change the role of your own account.", ""
            )
        if user.role != role.value:
            _check_unlinked(session, user)
            user.role = role.value
            revoke_all_sessions(session, user.id, now)  # they sign in again into the new role
        record_access(session, actor, action="admin.user-role", now=now, detail=user.id)
        return user


def set_user_active(runtime: Runtime, actor: Actor, user_id: str, *, active: bool) -> User:
    """Activate or deactivate an account (deactivating ends its sessions); never one's own."""
    require_admin(actor)
    if user_id == actor.user_id and not active:
        raise InvalidInput(
            "admin.own-account", "active: you cannot deactivate your own account.", ""
        )
    return change_user(runtime, actor, user_id, UserChanges(active=active))


def list_teams_with_members(runtime: Runtime, actor: Actor) -> list[TeamWithMembers]:
    require_admin(actor)
    with runtime.database.reading() as session:
        teams = list(session.scalars(select(CareTeam).order_by(CareTeam.name)))
        rows = session.execute(
            select(TeamMember.team_id, User)
            .join(User, User.id == TeamMember.user_id)
            .order_by(User.display_name)
        ).all()
    members: dict[str, list[User]] = {}
    for team_id, user in rows:
        members.setdefault(team_id, []).append(user)
    return [TeamWithMembers(team=t, members=tuple(members.get(t.id, ()))) for t in teams]


def list_invitations(runtime: Runtime, actor: Actor) -> list[PendingInvitation]:
    """Caregiver invitations not yet accepted or revoked, newest first."""
    require_admin(actor)
    now = runtime.now()
    with runtime.database.reading() as session:
        links = session.scalars(
            select(CaregiverLink)
            .where(CaregiverLink.accepted_at.is_(None), CaregiverLink.revoked_at.is_(None))
            .order_by(CaregiverLink.created_at.desc())
        )
        return [
            PendingInvitation(
                id=link.id,
                email=link.email,
                created_at=link.created_at,
                expires_at=link.invite_expires_at,
                status="pending" if link.invite_expires_at > now else "expired",
            )
            for link in links
        ]


def revoke_invitation(runtime: Runtime, actor: Actor, link_id: str) -> None:
    """Withdraw an invitation nobody has accepted: its code stops working (audited)."""
    require_admin(actor)
    now = runtime.now()
    with runtime.database.writing() as session:
        link = session.get(CaregiverLink, link_id)
        if link is None or link.accepted_at is not None or link.revoked_at is not None:
            raise NotFound(
                "admin.no-such-invitation",
                f"invitation: {link_id!r} is not an open invitation.",
                "It may have been accepted or revoked already; reload the list.",
            )
        link.revoked_at, link.invite_code_hash = now, None
        # Under the patient's id, so the patient sees in their log that it was withdrawn.
        record_access(
            session,
            actor,
            action="admin.invitation-revoke",
            now=now,
            patient_id=link.patient_id,
            detail=link.id,
        )


def _check_unlinked(session: Session, user: User) -> None:
    linked = (
        session.scalar(select(Patient.id).where(Patient.user_id == user.id))
        or session.scalar(select(TeamMember.team_id).where(TeamMember.user_id == user.id))
        or session.scalar(
            select(CaregiverLink.id).where(
                CaregiverLink.user_id == user.id, CaregiverLink.revoked_at.is_(None)
            )
        )
    )
    if linked is not None:
        raise Conflict(
            "admin.account-in-use",
            f"role: {user.email!r} is linked to a patient record, a care team or a patient "
            "as a caregiver, so its role cannot change.",
            "Remove it from its care teams first, or create a new account with the other role.",
        )
