"""Concurrency: requests that arrive at the same moment, on real threads, against the API app on
SQLite and PostgreSQL.

A barrier releases the threads together; each round repeats the race so that more than one
interleaving is tried. The app's route handlers run in its thread pool, so two requests do run
their transactions at the same time.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ofacare.records.tables import CaregiverLink, DiaryEntry, IdempotentRequest, Injection, User
from ofacare.services.access import Actor, Role
from ofacare.services.accounts import HASHER, create_token
from ofacare.services.injections import InjectionForm, log_injection
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import Schedule, get_schedule
from tests.database_fixtures import START, Clock
from tests.people import World, build_world

ROUNDS = 6
SITES = ("thigh-left", "thigh-right", "abdomen-left", "abdomen-right")
Answer = TypeVar("Answer")


@dataclass(frozen=True)
class Household:
    """The world of tests.people with a second caregiver, API tokens and an active course."""

    world: World
    second_caregiver: Actor
    tokens: dict[str, str]

    def headers(self, who: str, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return headers | ({"Idempotency-Key": key} if key else {})


def build_household(runtime: Runtime) -> Household:
    world = build_world(runtime)
    now = runtime.now()
    with runtime.database.writing() as session:
        user = User(
            email="second-caregiver@example.org",
            display_name="Second Caregiver",
            role="caregiver",
            password_hash=HASHER.hash(uuid.uuid4().hex),
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        session.add(
            CaregiverLink(
                patient_id=world.patient_id,
                user_id=user.id,
                email=user.email,
                created_at=now,
                invite_expires_at=now,
                accepted_at=now,
            )
        )
    second = Actor(user_id=user.id, role=Role.CAREGIVER)
    prescribe(runtime, world)
    actors = {"patient": world.patient, "caregiver": world.caregiver, "second": second}
    tokens = {name: create_token(runtime, actor, name=name).token for name, actor in actors.items()}
    return Household(world, second, tokens)


def prescribe(runtime: Runtime, world: World) -> None:
    form = PrescriptionForm(start_on=START.date())
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)


def at_once(*calls: Callable[[], Answer]) -> list[Answer]:
    """Run the calls on their own threads, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], Answer]) -> Answer:
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(released, calls))


def count(runtime: Runtime, table: Any) -> int:
    with runtime.database.reading() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def injection_body(given_at: datetime, number: int) -> dict[str, Any]:
    return {"given_at": given_at.isoformat(), "site": SITES[number % len(SITES)]}


def test_the_same_injection_sent_twice_at_once_with_one_key_is_one_record_and_one_answer(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    home = build_household(runtime)
    url = f"/api/v1/patients/{home.world.patient_id}/injections"
    for number in range(ROUNDS):
        clock.advance(days=7)
        body = injection_body(clock.now - timedelta(hours=1), number)
        headers = home.headers("patient", key=str(uuid.uuid4()))
        first, second = at_once(*[partial(client.post, url, json=body, headers=headers)] * 2)
        assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
        assert first.json() == second.json()
        assert first.json()["injection"]["dose_number"] == number + 1
        assert count(runtime, Injection) == number + 1
    assert count(runtime, IdempotentRequest) == ROUNDS


def test_the_same_diary_entry_sent_twice_at_once_with_one_key_is_one_record_and_one_answer(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    home = build_household(runtime)
    url = f"/api/v1/patients/{home.world.patient_id}/diary"
    for number in range(ROUNDS):
        clock.advance(hours=5)
        body = {"text": f"Tired after the walk, day {number}", "choices": ["headache"]}
        headers = home.headers("caregiver", key=str(uuid.uuid4()))
        first, second = at_once(*[partial(client.post, url, json=body, headers=headers)] * 2)
        assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
        assert first.json() == second.json()
        assert count(runtime, DiaryEntry) == number + 1


def test_one_key_sent_at_once_for_an_injection_and_a_diary_entry_makes_one_record(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    """A key reused for a different request is a 409 even when both arrive together."""
    home = build_household(runtime)
    patient = f"/api/v1/patients/{home.world.patient_id}"
    for number in range(ROUNDS):
        clock.advance(days=7)
        headers = home.headers("patient", key=str(uuid.uuid4()))
        injection = injection_body(clock.now - timedelta(hours=1), number)
        answers = at_once(
            partial(client.post, f"{patient}/injections", json=injection, headers=headers),
            partial(client.post, f"{patient}/diary", json={"text": "sore arm"}, headers=headers),
        )
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 409).json()
        assert refused["error"]["code"] == "input.idempotency-key-reused"
        assert count(runtime, Injection) + count(runtime, DiaryEntry) == number + 1


def test_two_caregivers_logging_the_next_dose_at_once_leave_the_plan_of_one_after_the_other(
    client: TestClient, runtime: Runtime, empty_runtime: Runtime, clock: Clock
) -> None:
    """The same day twice: one is recorded and the other refused as a possible duplicate.
    Yesterday and today: both recorded in turn, or today's first and yesterday's refused as out
    of order. Either way the dose numbers run 1, 2, 3... and the plan is the one logging the
    accepted doses one after another gives."""
    home = build_household(runtime)
    url = f"/api/v1/patients/{home.world.patient_id}/injections"
    accepted: list[dict[str, Any]] = []
    for number in range(ROUNDS):
        clock.advance(days=10)
        same_day = number % 2 == 0
        first_at = clock.now - (timedelta(hours=2) if same_day else timedelta(days=1))
        bodies = [injection_body(first_at, number), injection_body(clock.now, number + 1)]
        answers = at_once(
            partial(client.post, url, json=bodies[0], headers=home.headers("caregiver")),
            partial(client.post, url, json=bodies[1], headers=home.headers("second")),
        )
        made = [a.json()["injection"] for a in answers if a.status_code == 201]
        refused = [a.json()["error"]["code"] for a in answers if a.status_code != 201]
        assert len(made) + len(refused) == 2 and made, [a.text for a in answers]
        if same_day:
            assert refused == ["injections.possible-duplicate"]
        else:
            assert refused in ([], ["injections.out-of-order"])
        accepted.extend(made)
    numbers = sorted(injection["dose_number"] for injection in accepted)
    assert numbers == list(range(1, len(accepted) + 1))
    assert count(runtime, Injection) == len(accepted)
    in_turn = log_one_after_another(empty_runtime, accepted)
    assert plan_of(get_schedule(runtime, home.world.patient, home.world.patient_id)) == in_turn


def log_one_after_another(runtime: Runtime, injections: list[dict[str, Any]]) -> tuple[Any, ...]:
    """Log the same injections one by one, in dose order, in an empty database: the plan then."""
    world = build_world(runtime)
    prescribe(runtime, world)
    for injection in sorted(injections, key=lambda i: i["dose_number"]):
        form = InjectionForm(
            given_at=datetime.fromisoformat(injection["given_at"]).astimezone(UTC),
            site=injection["site"],
        )
        log_injection(runtime, world.caregiver, world.patient_id, form, idempotency_key=None)
    return plan_of(get_schedule(runtime, world.patient, world.patient_id))


def plan_of(schedule: Schedule) -> tuple[Any, ...]:
    """What the person sees of a schedule, without the ids of this database."""
    return (schedule.plan, schedule.guidance, schedule.moves, schedule.notes)
