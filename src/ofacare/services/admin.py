"""Administration: users, roles, care teams and who is on them. No clinical data here."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ofacare.errors import Conflict, InvalidInput, NotAllowed, NotFound
from ofacare.records.tables import CareTeam, LoginAttempt, Patient, TeamMember, User
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
