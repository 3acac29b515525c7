"""A world for the access-control tests that many tests can share one database with.

Each call of `build_access_world` adds a fresh, uniquely named world (two care teams, a patient
with an account and a caregiver, another patient on the other team, a clinician on each team, an
admin, a spare account) with the records the routes act on, for both patients: a prescription,
three injections, a diary entry, an open alert and a pending caregiver invitation. Every role gets
a signed-in session (cookie and CSRF token) and an API token, made the way the app makes them
(only the hashes are stored).

Worlds do not see each other (different teams, links and accounts), so a module can share one
migrated database across its tests, which keeps the matrices fast on PostgreSQL too.
`world_rows` reads back every row that belongs to one world, to check that a refused request
stored nothing.
"""

from __future__ import annotations

import secrets
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Table, func, or_, select
from sqlalchemy.orm import Session

from ofacare.config import Settings
from ofacare.records.tables import (
    Alert,
    ApiToken,
    AuditEntry,
    Base,
    CaregiverLink,
    CareTeam,
    DiaryEntry,
    Injection,
    LoginAttempt,
    Patient,
    Prescription,
    TeamMember,
    User,
)
from ofacare.records.tables import Session as SessionRow
from ofacare.services.access import Actor, Role
from ofacare.services.accounts import HASHER, TOKEN_PREFIX, hash_secret
from ofacare.services.runtime import Runtime, build_runtime
from tests.database_fixtures import Clock
from tests.people import PASSWORD

ROLES = ("patient", "caregiver", "clinician", "admin")
SIDES = ("own", "other")
MISSING_ID = str(uuid.UUID(int=0))
"""An id no record has (a well-formed UUID, so it is looked up rather than refused on sight)."""
LOCKED_ADDRESS = "192.0.2.7"
"""Where the world's locked-out email failed from (TEST-NET-1: never the test client)."""
FIRST_DOSE_ON = date(2026, 2, 2)
INITIAL_DOSES = (FIRST_DOSE_ON, date(2026, 2, 9), date(2026, 2, 16))
_HASH = HASHER.hash(PASSWORD)


@dataclass(frozen=True)
class AccessWorld:
    tag: str
    actors: dict[str, Actor]
    """patient, caregiver, clinician, admin, outsider (a clinician of the other team), spare."""
    emails: dict[str, str]
    patient_id: str
    other_patient_id: str
    team_id: str
    other_team_id: str
    ids: dict[str, str]
    """Records by "kind:side" (prescription, injection, entry, alert, link) and a few others."""
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Cookie secret and CSRF token of a signed-in session, by role."""
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def user_ids(self) -> set[str]:
        return {actor.user_id for actor in self.actors.values()}

    @property
    def patient_ids(self) -> tuple[str, str]:
        return (self.patient_id, self.other_patient_id)

    def cookie(self, role: str) -> str:
        return self.sessions[role][0]

    def csrf(self, role: str) -> str:
        return self.sessions[role][1]

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def build_access_world(runtime: Runtime) -> AccessWorld:
    """Insert a new world with its records, sessions and tokens; see the module docstring."""
    tag = uuid.uuid4().hex[:10]
    now = runtime.now()
    with runtime.database.writing() as session:
        users = _users(session, tag, now)
        own_team, other_team = _teams(session, tag, now, users)
        own = _patient(session, users["patient"].id, own_team.id, now, tag)
        other = _patient(session, None, other_team.id, now, tag)
        session.add(
            CaregiverLink(
                patient_id=own.id,
                user_id=users["caregiver"].id,
                email=users["caregiver"].email,
                created_at=now,
                invite_expires_at=now,
                accepted_at=now,
            )
        )
        ids: dict[str, str] = {}
        for patient, side in ((own, "own"), (other, "other")):
            ids |= _records(session, patient, side, now, tag)
        ids |= {
            "locked_email": f"locked-{tag}@example.org",
            "team_id:own": own_team.id,
        }
        _lock_out(session, ids["locked_email"], now)
        actors = {
            name: Actor(user_id=user.id, role=Role(user.role), address="testclient")
            for name, user in users.items()
        }
        sessions = {role: _open_session(session, users[role].id, now) for role in ROLES}
        tokens = {role: _api_token(session, users[role].id, now) for role in ROLES}
        return AccessWorld(
            tag=tag,
            actors=actors,
            emails={name: user.email for name, user in users.items()},
            patient_id=own.id,
            other_patient_id=other.id,
            team_id=own_team.id,
            other_team_id=other_team.id,
            ids=ids,
            sessions=sessions,
            tokens=tokens,
        )


def _users(session: Session, tag: str, now: datetime) -> dict[str, User]:
    roles = {**{role: role for role in ROLES}, "outsider": "clinician", "spare": "patient"}
    users = {
        name: User(
            email=f"{name}-{tag}@example.org",
            display_name=f"{name.title()} {tag}",
            role=role,
            password_hash=_HASH,
            active=True,
            created_at=now,
        )
        for name, role in roles.items()
    }
    session.add_all(users.values())
    session.flush()
    return users


def _teams(
    session: Session, tag: str, now: datetime, users: dict[str, User]
) -> tuple[CareTeam, CareTeam]:
    own = CareTeam(name=f"North MS Centre {tag}", phone="+44 161 555 0100", created_at=now)
    other = CareTeam(name=f"South MS Centre {tag}", phone="+44 20 555 0199", created_at=now)
    session.add_all([own, other])
    session.flush()
    session.add(TeamMember(team_id=own.id, user_id=users["clinician"].id))
    session.add(TeamMember(team_id=other.id, user_id=users["outsider"].id))
    return own, other


def _patient(
    session: Session, user_id: str | None, team_id: str, now: datetime, tag: str
) -> Patient:
    patient = Patient(
        user_id=user_id,
        team_id=team_id,
        given_name="Robin",
        family_name=f"Ellis {tag}",
        birth_date=date(1990, 5, 17),
        sex="female",
        country="GB",
        timezone="Europe/London",
        reminder_time=time(9, 0),
        email="robin@example.org",
        ms_type="RRMS",
        can_become_pregnant=True,
        immunosuppressants=[],
        planned_start_on=FIRST_DOSE_ON,
        created_at=now,
    )
    session.add(patient)
    session.flush()
    return patient


def _records(
    session: Session, patient: Patient, side: str, now: datetime, tag: str
) -> dict[str, str]:
    """A course three doses in, a diary entry, an open alert and a pending invitation."""
    rx = Prescription(
        patient_id=patient.id,
        start_on=FIRST_DOSE_ON,
        interval_mode="monthly",
        written_on=FIRST_DOSE_ON - timedelta(days=1),
        created_at=now,
    )
    session.add(rx)
    session.flush()
    injections = [
        Injection(
            patient_id=patient.id,
            prescription_id=rx.id,
            given_at=datetime.combine(day, time(9, 0), tzinfo=UTC),
            given_on=day,
            dose_number=number,
            site="thigh-left" if number % 2 else "thigh-right",
            injected_by="self",
            recorded_by=patient.user_id,
            reactions=[],
            created_at=now,
        )
        for number, day in enumerate(INITIAL_DOSES, start=1)
    ]
    entry = DiaryEntry(
        patient_id=patient.id,
        recorded_at=now - timedelta(days=1),
        text="fever",
        choices=[],
        urgency="urgent",
        advice="Call today.",
        call="team",
        triage={},
    )
    alert = Alert(
        patient_id=patient.id,
        key=f"k-{side}",
        code="alert.test",
        severity="refer",
        title="Test",
        message="Test alert",
        facts=[],
        raised_on=now.date(),
        created_at=now,
    )
    link = CaregiverLink(
        patient_id=patient.id,
        email=f"friend-{side}-{tag}@example.org",
        invite_code_hash=hash_secret(f"code-{side}-{tag}"),
        created_at=now,
        invite_expires_at=now + timedelta(days=7),
    )
    session.add_all([*injections, entry, alert, link])
    session.flush()
    return {
        f"prescription_id:{side}": rx.id,
        f"injection_id:{side}": injections[-1].id,
        f"entry_id:{side}": entry.id,
        f"alert_id:{side}": alert.id,
        f"link_id:{side}": link.id,
        f"invite_code:{side}": f"code-{side}-{tag}",
    }


def _lock_out(session: Session, email: str, now: datetime) -> None:
    session.add_all(
        LoginAttempt(email=email, address=LOCKED_ADDRESS, attempted_at=now - timedelta(minutes=1))
        for _ in range(5)
    )


def _open_session(session: Session, user_id: str, now: datetime) -> tuple[str, str]:
    """A signed-in session as accounts.sign_in makes it, without paying for argon2 each time."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        SessionRow(
            token_hash=hash_secret(cookie),
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=12),
        )
    )
    return cookie, csrf


def open_second_session(runtime: Runtime, world: AccessWorld, role: str) -> tuple[str, str]:
    """Another signed-in session of the same account (another browser): cookie and CSRF token."""
    with runtime.database.writing() as session:
        return _open_session(session, world.actors[role].user_id, runtime.now())


def _api_token(session: Session, user_id: str, now: datetime) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(user_id=user_id, name="matrix", token_hash=hash_secret(token), created_at=now)
    )
    return token


# Columns that tie a row to a world, and which of the world's ids they hold.
_OWNERS = {
    "patient_id": "patients",
    "user_id": "users",
    "author_id": "users",
    "recorded_by": "users",
    "acknowledged_by": "users",
    "team_id": "teams",
}


def world_rows(runtime: Runtime, world: AccessWorld) -> dict[str, Any]:
    """Every row of every table that belongs to the world, and the row count of each table.

    Two readings are equal when a request stored, changed and deleted nothing; the counts catch a
    row the request added that belongs to no world (a new patient, user or team).
    """
    owned = {
        "patients": set(world.patient_ids),
        "users": world.user_ids,
        "teams": {world.team_id, world.other_team_id},
    }
    tables = Base.metadata.sorted_tables
    counts = select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    locked = select(func.count()).where(LoginAttempt.email == world.ids["locked_email"])
    with runtime.database.engine.connect() as connection:
        found: dict[str, Any] = {"counts": tuple(connection.execute(counts).one())}
        found |= {table.name: _owned_rows(connection, table, owned) for table in tables}
        found["login_attempts:locked"] = connection.scalar(locked)
    return found


def except_audit(rows: dict[str, Any]) -> dict[str, Any]:
    """A `world_rows` reading without the audit log (for requests that read, which is audited)."""
    audit = [t.name for t in Base.metadata.sorted_tables].index(AuditEntry.__tablename__)
    counts = rows["counts"][:audit] + rows["counts"][audit + 1 :]
    return {k: v for k, v in rows.items() if k != AuditEntry.__tablename__} | {"counts": counts}


def _owned_rows(
    connection: Connection, table: Table, owned: dict[str, set[str]]
) -> list[tuple[Any, ...]]:
    conditions = [
        table.c[column].in_(owned[kind]) for column, kind in _OWNERS.items() if column in table.c
    ]
    if table.name in {"patients", "users", "care_teams"}:
        kind = {"patients": "patients", "users": "users", "care_teams": "teams"}[table.name]
        conditions.append(table.c.id.in_(owned[kind]))
    if not conditions:
        return []
    order = list(table.primary_key.columns)
    rows = connection.execute(select(table).where(or_(*conditions)).order_by(*order)).all()
    return [tuple(row) for row in rows]


def audit_entries(runtime: Runtime, *, after_id: int = 0) -> list[AuditEntry]:
    """Audit entries with an id above `after_id`, oldest first."""
    with runtime.database.reading() as session:
        query = select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id)
        return list(session.scalars(query))


def audit_rows(runtime: Runtime) -> list[tuple[Any, ...]]:
    """The whole audit table, oldest first: a later reading must start with an earlier one."""
    with runtime.database.engine.connect() as connection:
        table = AuditEntry.__table__
        return [tuple(row) for row in connection.execute(select(table).order_by(table.c.id))]


def last_audit_id(runtime: Runtime) -> int:
    with runtime.database.reading() as session:
        return int(session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0)


def backend_runtime(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A migrated database of its own on `request.param`'s backend, for a module-scoped fixture
    whose tests each add their own world."""
    if request.param == "sqlite":
        yield from sqlite_runtime(request, tmp_path_factory)
        return
    server = request.getfixturevalue("postgres_server")
    name = f"s_{uuid.uuid4().hex[:16]}"
    server.create_database(name, template=request.getfixturevalue("postgres_template"))
    built = build_runtime(Settings(database_url=server.url(name)), clock=Clock())
    yield built
    built.database.dispose()
    server.drop_database(name)


def sqlite_runtime(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    target = tmp_path_factory.mktemp("shared") / "ofacare.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
    built = build_runtime(Settings(database_url=f"sqlite:///{target}"), clock=Clock())
    yield built
    built.database.dispose()
