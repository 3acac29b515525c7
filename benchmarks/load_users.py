"""The virtual users of the load test (locust, headless), run in a process of their own.

`python -m benchmarks.load_users PLAN.json RESULT.json`. bench_load writes the plan (address,
tokens, patient ids, questions, limits) and reads back every request's latency and outcome.
Locust patches the standard library for gevent on import, so it never runs inside the process
that runs the other benchmarks.

Patients read their own schedule and ask questions; clinic nurses read the schedules of their
team's patients, log the first dose of newly started patients given in clinic (each POST with its
own Idempotency-Key) and ask in the clinician wording. Every user thinks between requests and
stops after its share of the fixed request count; the whole run stops at the time limit.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

SCHEDULE = "GET /patients/{id}/schedule"
INJECTION = "POST /patients/{id}/injections"
ASK = "POST /ask"
PLAN: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text()) if __name__ == "__main__" else {}
RECORDS: list[tuple[str, float, float, int, str]] = []
"""(endpoint, started, milliseconds, status, error or '') per request, in completion order."""


class Visitor(FastHttpUser):
    """A signed-in person who sends at most `quota` requests, thinking in between."""

    abstract = True
    wait_time = between(PLAN.get("think_min", 1.0), PLAN.get("think_max", 3.0))
    tokens: ClassVar[list[str]] = []

    def on_start(self) -> None:
        self.sent = 0
        self.rng = random.Random(len(self.tokens))
        self.token = self.tokens.pop()
        self.client.auth_header = f"Bearer {self.token}"
        # Arrive at a random moment of a think time, as people do, not all in the same instant.
        gevent.sleep(self.rng.uniform(0, PLAN.get("think_max", 3.0)))

    def send(self, method: str, path: str, name: str, **options: Any) -> None:
        if self.sent >= PLAN["requests_per_user"]:
            raise StopUser()
        self.sent += 1
        self.client.request(method, f"/api/v1{path}", name=name, **options)

    def ask(self, questions: list[str]) -> None:
        self.send("POST", "/ask", ASK, json={"question": self.rng.choice(questions)})


class PatientVisitor(Visitor):
    """A patient: when is my next pen due, and a question now and then."""

    fixed_count = PLAN.get("patients", 0)
    tokens: ClassVar[list[str]] = list(PLAN.get("patient_tokens", []))

    @task(7)
    def read_schedule(self) -> None:
        patient_id = PLAN["own_patient"][self.token]
        self.send("GET", f"/patients/{patient_id}/schedule", SCHEDULE)

    @task(3)
    def ask_question(self) -> None:
        self.ask(PLAN["patient_questions"])


class NurseVisitor(Visitor):
    """An MS nurse: the team's schedules, first doses given in clinic, clinician questions."""

    fixed_count = PLAN.get("nurses", 0)
    tokens: ClassVar[list[str]] = list(PLAN.get("nurse_tokens", []))
    starting: ClassVar[list[str]] = list(PLAN.get("starting_patients", []))

    @task(5)
    def read_schedule(self) -> None:
        patient_id = self.rng.choice(PLAN["panel"])
        self.send("GET", f"/patients/{patient_id}/schedule", SCHEDULE)

    @task(4)
    def log_first_dose(self) -> None:
        if not self.starting:
            self.read_schedule()
            return
        patient_id = self.starting.pop()
        body = {
            "given_at": datetime.now(UTC).isoformat(),
            "site": self.rng.choice(
                ["thigh-left", "thigh-right", "abdomen-left", "upper-arm-left"]
            ),
            "injected_by": "clinician",
        }
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        self.send(
            "POST", f"/patients/{patient_id}/injections", INJECTION, json=body, headers=headers
        )

    @task(1)
    def ask_question(self) -> None:
        self.ask(PLAN["clinician_questions"])


@events.request.add_listener
def _record(name: str, start_time: float, response_time: float, response: Any,
            exception: BaseException | None, **_: Any) -> None:  # fmt: skip
    status = getattr(response, "status_code", 0) or 0
    error = "" if exception is None else f"{status} {str(exception)[:120]}"
    RECORDS.append((name, start_time, response_time, status, error))


def swarm() -> dict[str, Any]:
    """Run the users until each has sent its share or the time limit; the raw records back."""
    environment = Environment(
        user_classes=[PatientVisitor, NurseVisitor], host=PLAN["base"], events=events
    )
    runner = environment.create_local_runner()
    users = PLAN["patients"] + PLAN["nurses"]
    cpu_started, started = time.process_time(), time.monotonic()
    runner.start(users, spawn_rate=users)
    deadline = started + PLAN["max_seconds"]
    gevent.sleep(1)
    while runner.user_count and time.monotonic() < deadline:
        gevent.sleep(0.1)
    timed_out = runner.user_count > 0
    runner.quit()
    return {
        "records": RECORDS,
        "seconds": time.monotonic() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "timed_out": timed_out,
    }


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(swarm()))
