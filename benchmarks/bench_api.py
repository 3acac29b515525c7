"""API throughput and latency on loopback: a real uvicorn server, real HTTP, a bounded run.

A clinician's API token reads the schedule of random patients and logs one injection each for
fresh patients (every POST with its own Idempotency-Key); the trivial GET /health of the same app
is the yardstick. Prints requests per second, median and 99th-percentile latency, errors, and
each endpoint's ratio to /health. OFACARE_BENCH_API_REQUESTS sets the requests per endpoint
(default 1,000), OFACARE_BENCH_API_CLIENTS the concurrent clients (default 8).
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from benchmarks.synthetic_panel import build_panel
from ofacare.config import Settings
from ofacare.records.tables import CareTeam, Patient, Prescription, TeamMember, User
from ofacare.services.access import Actor, Role
from ofacare.services.accounts import HASHER, create_token
from ofacare.services.runtime import Runtime, build_runtime
from ofacare.services.setup import prepare_database

PANEL = 2000


@dataclass(frozen=True)
class Result:
    name: str
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def line(self, baseline: Result | None) -> str:
        p50 = statistics.median(self.latencies) * 1000
        p99 = statistics.quantiles(self.latencies, n=100)[98] * 1000
        ratio = f"{baseline.per_second / self.per_second:5.2f}x /health time" if baseline else ""
        return (
            f"    {self.name:<28} {self.per_second:7.0f} req/s  p50 {p50:6.1f} ms  "
            f"p99 {p99:6.1f} ms  errors {self.errors}  {ratio}"
        )


def prepare(runtime: Runtime, fresh: int) -> tuple[str, list[str], list[str]]:
    """A panel, a clinician with a token, and `fresh` patients with no dose logged yet."""
    today = runtime.now().date()
    prepare_database(runtime)
    build_panel(runtime.database, patients=PANEL, as_of=today)
    now = runtime.now()
    with runtime.database.writing() as session:
        team_id = session.scalar(select(CareTeam.id))
        user = User(
            email="bench@example.org",
            display_name="Bench",
            role="clinician",
            password_hash=HASHER.hash("bench password 1"),
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        session.add(TeamMember(team_id=team_id, user_id=user.id))
        panel = list(session.scalars(select(Patient.id)))
        fresh_ids = [_fresh_patient(session, team_id, now, today) for _ in range(fresh)]
        user_id = user.id
    token = create_token(runtime, Actor(user_id=user_id, role=Role.CLINICIAN), name="bench")
    return token.token, panel, fresh_ids


def _fresh_patient(session, team_id, now, today: date) -> str:  # type: ignore[no-untyped-def]
    patient = Patient(
        team_id=team_id,
        given_name="New",
        family_name="Start",
        birth_date=date(1988, 1, 1),
        sex="male",
        country="GB",
        timezone="UTC",
        reminder_time=datetime.min.time(),
        ms_type="RRMS",
        immunosuppressants=[],
        created_at=now,
    )
    session.add(patient)
    session.flush()
    session.add(
        Prescription(
            patient_id=patient.id,
            start_on=today - timedelta(days=3),
            interval_mode="monthly",
            written_on=today,
            created_at=now,
        )
    )
    return patient.id


def run(name: str, requests: list[Callable[[httpx.Client], httpx.Response]], clients: int,
        base: str, token: str) -> Result:  # fmt: skip
    local: dict[int, httpx.Client] = {}

    def one(call: Callable[[httpx.Client], httpx.Response]) -> tuple[float, bool]:
        client = local.get(threading.get_ident())
        if client is None:  # one keep-alive connection per client thread
            auth = {"Authorization": f"Bearer {token}"}
            client = local[threading.get_ident()] = httpx.Client(base_url=base, headers=auth)
        started = time.perf_counter()
        ok = call(client).status_code < 400
        return time.perf_counter() - started, ok

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        outcomes = list(pool.map(one, requests))
    seconds = time.perf_counter() - started
    for client in local.values():
        client.close()
    return Result(name, seconds, [o[0] for o in outcomes], sum(not o[1] for o in outcomes))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main() -> None:
    count = int(os.environ.get("OFACARE_BENCH_API_REQUESTS", "1000"))
    clients = int(os.environ.get("OFACARE_BENCH_API_CLIENTS", "8"))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'api.db'}"
        runtime = build_runtime(Settings(database_url=url))
        token, panel, fresh = prepare(runtime, count)
        runtime.database.dispose()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "OFACARE_DATABASE_URL": url, "OFACARE_SWEEP_HOUR": ""}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "ofacare.api.main:build_app", "--factory",
             "--port", str(port), "--log-level", "warning", "--no-access-log"],
            env=env,
        )  # fmt: skip
        try:
            wait_ready(base)
            report(base, token, panel, fresh, count=count, clients=clients)
        finally:
            server.terminate()
            server.wait(timeout=30)


def report(base: str, token: str, panel: list[str], fresh: list[str], *, count: int,
           clients: int) -> None:  # fmt: skip
    rng = random.Random(3)
    now = datetime.now(UTC).isoformat()

    def schedule(patient_id: str) -> Callable[[httpx.Client], httpx.Response]:
        return lambda c: c.get(f"/api/v1/patients/{patient_id}/schedule")

    def inject(patient_id: str) -> Callable[[httpx.Client], httpx.Response]:
        body = {"given_at": now, "site": "thigh-left", "injected_by": "clinician"}
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        return lambda c: c.post(
            f"/api/v1/patients/{patient_id}/injections", json=body, headers=headers
        )

    print(
        f"API on loopback (uvicorn, 1 worker, SQLite; {clients} clients, {count:,} requests each):"
    )
    warm = [schedule(rng.choice(panel)) for _ in range(50)]
    run("warm-up", warm, clients, base, token)
    health = run("GET /health", [lambda c: c.get("/health")] * count, clients, base, token)
    print(health.line(None))
    reads = [schedule(rng.choice(panel)) for _ in range(count)]
    print(run("GET .../schedule", reads, clients, base, token).line(health))
    writes = [inject(p) for p in fresh]
    print(run("POST .../injections", writes, clients, base, token).line(health))


if __name__ == "__main__":
    main()
