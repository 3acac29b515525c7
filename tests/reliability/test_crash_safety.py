"""Crash safety: kill the server with SIGKILL mid-stream and check that nothing acknowledged is
lost, nothing is stored twice, the database is sound, and retries with the same key make one record.

`ofacare serve` runs as its own process on a fresh migrated database (SQLite and PostgreSQL).
Several client threads, one per patient, each with the patient's API token, send injections and
diary entries in turn, each write with a fresh Idempotency-Key and a unique marker in its content
(the injection's notes, the diary entry's text). Once enough writes have been acknowledged the
server is killed while the threads are still sending, then started again on the same database.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ofacare.config import Settings
from ofacare.records.database import build_engine
from ofacare.records.tables import (
    CareTeam,
    DiaryEntry,
    IdempotentRequest,
    Injection,
    Patient,
    TeamMember,
    User,
)
from ofacare.services.access import Actor, Role
from ofacare.services.accounts import HASHER, create_token
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from ofacare.services.runtime import Runtime, build_runtime
from tests.reliability.server_process import ServerProcess, start_server

WRITERS = 6  # client threads, one patient each
ACKNOWLEDGED_BEFORE_KILL = 36  # the kill comes once this many writes got a 2xx, mid-stream
MAX_WRITES_PER_WRITER = 80  # a bound in case the kill never comes
COURSE_DAYS_AGO = 200  # each injection is one day after the last, all of them in the past
KILL_DEADLINE_SECONDS = 120.0  # hang guard while waiting for enough acknowledged writes
SITES = ("thigh-left", "thigh-right", "abdomen-left", "abdomen-right")


@dataclass(frozen=True)
class SeededPatient:
    patient_id: str
    user_id: str
    token: str
    course_starts_at: datetime


@dataclass
class Write:
    """One create sent to the server, and what came back (if anything did)."""

    kind: str  # "injections" | "diary"
    patient: SeededPatient
    key: str
    body: dict[str, Any]
    status: int | None = None
    record_id: str | None = None

    @property
    def marker(self) -> str:
        return self.key  # carried in the content, so a stored row names the write it came from

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Traffic:
    """Every write the client threads sent, and a count of those acknowledged."""

    writes: list[Write] = field(default_factory=list)
    acknowledged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)

    def count_acknowledged(self) -> None:
        with self.lock:
            self.acknowledged += 1


@pytest.fixture
def seeded(database_url: str) -> Iterator[tuple[Runtime, list[SeededPatient]]]:
    runtime = build_runtime(Settings(database_url=database_url))
    try:
        yield runtime, seed_patients(runtime, WRITERS)
    finally:
        runtime.database.dispose()


def seed_patients(runtime: Runtime, count: int) -> list[SeededPatient]:
    """Patients with accounts in one care team; tokens and courses made through the services."""
    now = runtime.now()
    password_hash = HASHER.hash(uuid.uuid4().hex)
    with runtime.database.writing() as session:
        team = CareTeam(name="Crash Test MS Centre", phone="+44 161 555 0100", created_at=now)
        nurse = _user("nurse@example.org", "clinician", password_hash, now)
        users = [_user(f"p{n}@example.org", "patient", password_hash, now) for n in range(count)]
        session.add_all([team, nurse, *users])
        session.flush()
        session.add(TeamMember(team_id=team.id, user_id=nurse.id))
        patients = [_patient(user.id, team.id, now) for user in users]
        session.add_all(patients)
        session.flush()
        pairs = [(user.id, patient.id) for user, patient in zip(users, patients, strict=True)]
    clinician = Actor(user_id=nurse.id, role=Role.CLINICIAN)
    start_on = now.date() - timedelta(days=COURSE_DAYS_AGO)
    seeded = []
    for user_id, patient_id in pairs:
        form = PrescriptionForm(start_on=start_on)
        create_prescription(runtime, clinician, patient_id, form, idempotency_key=None)
        token = create_token(runtime, Actor(user_id=user_id, role=Role.PATIENT), name="crash")
        starts_at = datetime.combine(start_on, clock_time(10), tzinfo=UTC)
        seeded.append(SeededPatient(patient_id, user_id, token.token, starts_at))
    return seeded


def _user(email: str, role: str, password_hash: str, now: datetime) -> User:
    return User(
        email=email,
        display_name=email.split("@", maxsplit=1)[0],
        role=role,
        password_hash=password_hash,
        active=True,
        created_at=now,
    )


def _patient(user_id: str, team_id: str, now: datetime) -> Patient:
    return Patient(
        user_id=user_id,
        team_id=team_id,
        given_name="Robin",
        family_name="Ellis",
        birth_date=date(1990, 5, 17),
        sex="female",
        country="GB",
        timezone="Europe/London",
        reminder_time=clock_time(9, 0),
        ms_type="RRMS",
        immunosuppressants=[],
        created_at=now,
    )


def next_write(patient: SeededPatient, number: int) -> Write:
    """Injections and diary entries in turn; each injection one day after the one before."""
    key = str(uuid.uuid4())
    if number % 2 == 0:
        given_at = patient.course_starts_at + timedelta(days=number // 2)
        body = {
            "given_at": given_at.isoformat(),
            "site": SITES[(number // 2) % len(SITES)],
            "notes": key,
        }
        return Write("injections", patient, key, body)
    return Write("diary", patient, key, {"text": f"Tired and a little achy today ({key})"})


def send(client: httpx.Client, url: str, write: Write) -> httpx.Response:
    return client.post(
        f"{url}/api/v1/patients/{write.patient.patient_id}/{write.kind}",
        json=write.body,
        headers={
            "Authorization": f"Bearer {write.patient.token}",
            "Idempotency-Key": write.key,
        },
    )


def write_until_refused(url: str, patient: SeededPatient, traffic: Traffic) -> None:
    """Send writes one after another until the server stops answering (or the bound)."""
    with httpx.Client(timeout=60) as client:
        for number in range(MAX_WRITES_PER_WRITER):
            write = next_write(patient, number)
            traffic.add(write)
            try:
                answer = send(client, url, write)
            except httpx.TransportError:
                return  # the server died with this write in flight, or before it was sent
            write.status = answer.status_code
            if not write.acknowledged:
                return  # any refusal is a failure; the test reports it
            write.record_id = record_id_of(write.kind, answer.json())
            traffic.count_acknowledged()


def record_id_of(kind: str, answer: dict[str, Any]) -> str:
    record_id = answer["injection"]["id"] if kind == "injections" else answer["id"]
    assert isinstance(record_id, str)
    return record_id


def send_and_kill(server: ServerProcess, patients: list[SeededPatient]) -> Traffic:
    """Start the writers, SIGKILL the server once enough writes are acknowledged, join them."""
    traffic = Traffic()
    writers = [
        threading.Thread(target=write_until_refused, args=(server.url, patient, traffic))
        for patient in patients
    ]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + KILL_DEADLINE_SECONDS
    while traffic.acknowledged < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
        if not any(writer.is_alive() for writer in writers):
            break
        time.sleep(0.005)
    server.kill()
    for writer in writers:
        writer.join(timeout=KILL_DEADLINE_SECONDS)
    assert not any(writer.is_alive() for writer in writers), "a writer hung after the kill"
    return traffic


def stored_rows(engine: Engine) -> dict[str, list[tuple[str, Any]]]:
    """Stored injections and diary entries by the marker of the write that made them."""
    found: dict[str, list[tuple[str, Any]]] = {}
    with Session(engine) as session:
        for injection in session.scalars(select(Injection)):
            found.setdefault(injection.notes or "", []).append(("injections", injection))
        for entry in session.scalars(select(DiaryEntry)):
            marker = entry.text.rpartition("(")[2].rstrip(")")
            found.setdefault(marker, []).append(("diary", entry))
    return found


def check_stored_once(found: dict[str, list[tuple[str, Any]]], traffic: Traffic) -> None:
    """Every acknowledged write is stored exactly once, as sent; nothing else is stored twice."""
    sent = {write.marker: write for write in traffic.writes}
    assert set(found) <= set(sent), "a stored row matches no write that was sent"
    duplicated = [marker for marker, rows in found.items() if len(rows) != 1]
    assert duplicated == [], f"writes stored more than once: {duplicated}"
    for write in traffic.writes:
        if not write.acknowledged:
            continue
        assert write.marker in found, f"an acknowledged {write.kind} write was lost: {write.key}"
        [(kind, row)] = found[write.marker]
        assert (kind, row.id, row.patient_id) == (
            write.kind, write.record_id, write.patient.patient_id,
        )  # fmt: skip
        if kind == "injections":
            assert row.given_at == datetime.fromisoformat(write.body["given_at"])
            assert row.site == write.body["site"]
        else:
            assert row.text == write.body["text"]


def check_database_sound(engine: Engine) -> None:
    """The engine's own checks, then the invariants the application keeps."""
    if engine.dialect.name == "sqlite":
        path = make_url(str(engine.url)).database
        assert path is not None
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    else:
        check_postgres_indexes(engine)
    with engine.connect() as connection:
        numbers: dict[str, list[int]] = {}
        ordered = select(Injection.prescription_id, Injection.dose_number).order_by(
            Injection.given_at
        )
        for prescription_id, dose_number in connection.execute(ordered):
            numbers.setdefault(prescription_id, []).append(dose_number)
        for course in numbers.values():
            assert course == list(range(1, len(course) + 1)), f"dose numbers broken: {course}"
        records = {row[0] for row in connection.execute(select(Injection.id))}
        records |= {row[0] for row in connection.execute(select(DiaryEntry.id))}
        remembered = [body["id"] for body in connection.scalars(select(IdempotentRequest.body))]
        # Every write here carries a key: one remembered key per record, and no key without one.
        assert sorted(remembered) == sorted(records), "records and remembered keys disagree"


def check_postgres_indexes(engine: Engine) -> None:
    """amcheck: every B-tree index agrees with its table (heapallindexed), and constraints hold."""
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        indexes = connection.execute(
            text(
                "SELECT c.oid::regclass::text FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE a.amname = 'btree' AND n.nspname = 'public'"
            )
        ).scalars()
        checked = 0
        for index in indexes:
            connection.execute(
                text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": index}
            )
            checked += 1
        assert checked > 10
        invalid = connection.execute(
            text("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")
        ).scalar()
        assert invalid == 0


def resend(url: str, writes: list[Write]) -> None:
    """Send writes again with their own keys and record what the server answers now."""
    with httpx.Client(timeout=60) as client:
        for write in writes:
            answer = send(client, url, write)
            assert answer.status_code == 201, answer.text
            record_id = record_id_of(write.kind, answer.json())
            if write.acknowledged:
                assert record_id == write.record_id, "a retry made a second record"
            write.status, write.record_id = answer.status_code, record_id


def listed_ids(url: str, patient: SeededPatient, kind: str) -> list[str]:
    answer = httpx.get(
        f"{url}/api/v1/patients/{patient.patient_id}/{kind}",
        params={"limit": 500} if kind == "diary" else None,
        headers={"Authorization": f"Bearer {patient.token}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return [row["id"] for row in answer.json()]


def test_a_killed_server_keeps_every_acknowledged_write_exactly_once(
    seeded: tuple[Runtime, list[SeededPatient]], database_url: str, tmp_path: Path
) -> None:
    runtime, patients = seeded
    first = start_server(database_url, log_dir=tmp_path)
    try:
        traffic = send_and_kill(first, patients)
    finally:
        first.kill()
    refused = [w.status for w in traffic.writes if w.status is not None and not w.acknowledged]
    assert refused == [], f"the server refused writes before the kill: {refused}"
    acknowledged = [write for write in traffic.writes if write.acknowledged]
    unacknowledged = [write for write in traffic.writes if not write.acknowledged]
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
    assert unacknowledged, "the kill came after every write was answered"
    assert {write.kind for write in acknowledged} == {"injections", "diary"}

    server = start_server(database_url, log_dir=tmp_path)
    try:
        engine = runtime.database.engine
        check_database_sound(engine)
        found = stored_rows(engine)
        check_stored_once(found, traffic)
        committed = sum(write.marker in found for write in unacknowledged)
        print(
            f"{engine.dialect.name}: {len(acknowledged)} writes acknowledged before the kill, "
            f"{len(unacknowledged)} not ({committed} of those committed anyway)"
        )
        resend(server.url, unacknowledged)
        resend(server.url, acknowledged)
        found = stored_rows(engine)
        check_stored_once(found, traffic)
        assert set(found) == {write.marker for write in traffic.writes}
        check_database_sound(engine)
        for patient in patients:
            mine = [w for w in traffic.writes if w.patient == patient]
            for kind in ("injections", "diary"):
                ids = listed_ids(server.url, patient, kind)
                assert Counter(ids) == Counter(w.record_id for w in mine if w.kind == kind)
    finally:
        server.stop()


def test_sqlite_commits_reach_the_disk_before_they_are_acknowledged(tmp_path: Path) -> None:
    """WAL with synchronous=FULL: a commit survives power loss, not only a process crash."""
    engine = build_engine(f"sqlite:///{tmp_path / 'ofacare.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()
