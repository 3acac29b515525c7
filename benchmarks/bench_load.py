"""Load test on loopback: 100 people at once on the schedule, injection and ask endpoints.

A real uvicorn server on a 2,000-patient panel; 80 patients and 20 clinic nurses, each with their
own API token, are simulated by locust (benchmarks/load_users.py, in a process of its own). Each
person thinks between requests (a closed loop with think time) and sends a fixed share of the
request count; the run stops at the time limit whatever happens. Prints throughput, p50/p99/max
latency and errors per endpoint, and the CPU the server and the load generator used: both share
this machine's cores, so the generator's share is time the server did not have.

Runs on SQLite, then on PostgreSQL when the server programs are installed (a throwaway server
started like the tests' one, with fsync off: its figures are not durable-commit figures).

Settings (environment): OFACARE_BENCH_LOAD_REQUESTS total requests (default 2,000),
OFACARE_BENCH_LOAD_USERS people (default 100, a fifth of them nurses),
OFACARE_BENCH_LOAD_SECONDS time limit (default 60), OFACARE_BENCH_LOAD_THINK think time range in
seconds (default "1-3": a person reads the answer before the next tap; "0.5-1.5" is a stress
run), OFACARE_BENCH_LOAD_BACKENDS (default "sqlite,postgresql"), OFACARE_BENCH_LOAD_UVICORN
extra uvicorn options (for example "--workers 2" or "--http h11 --loop asyncio"),
OFACARE_BENCH_LOAD_KEEP a file to keep every request's record in (JSON).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import select, text

from benchmarks.bench_api import _fresh_patient, free_port, wait_ready
from benchmarks.load_report import Run, print_report
from benchmarks.synthetic_panel import build_panel
from ofacare.config import Settings
from ofacare.records.tables import CareTeam, Patient, TeamMember, User
from ofacare.services.access import Actor, Role
from ofacare.services.accounts import HASHER, create_token
from ofacare.services.runtime import Runtime, build_runtime
from ofacare.services.setup import prepare_database

PANEL = 2000
NURSE_SHARE = 5  # one person in five is a nurse
PATIENT_QUESTIONS = (
    "What should I do if I miss a dose?",
    "How should I store the pens?",
    "Can I have the flu vaccine?",
    "What are the common side effects?",
    "Can I take it out of the fridge before injecting?",
    "Where can I inject?",
)
CLINICIAN_QUESTIONS = (
    "Which vaccines should be given before starting?",
    "What screening is needed before the first dose?",
    "How is a missed maintenance dose handled?",
    "What monitoring of immunoglobulins is recommended?",
)


@dataclass(frozen=True, slots=True)
class LoadSettings:
    requests: int
    users: int
    max_seconds: float
    think: tuple[float, float]
    backends: tuple[str, ...]
    uvicorn_options: tuple[str, ...]

    @classmethod
    def from_environment(cls) -> LoadSettings:
        low, _, high = os.environ.get("OFACARE_BENCH_LOAD_THINK", "1-3").partition("-")
        backends = os.environ.get("OFACARE_BENCH_LOAD_BACKENDS", "sqlite,postgresql")
        return cls(
            requests=int(os.environ.get("OFACARE_BENCH_LOAD_REQUESTS", "2000")),
            users=int(os.environ.get("OFACARE_BENCH_LOAD_USERS", "100")),
            max_seconds=float(os.environ.get("OFACARE_BENCH_LOAD_SECONDS", "60")),
            think=(float(low), float(high)),
            backends=tuple(b.strip() for b in backends.split(",") if b.strip()),
            uvicorn_options=tuple(shlex.split(os.environ.get("OFACARE_BENCH_LOAD_UVICORN", ""))),
        )

    @property
    def nurses(self) -> int:
        return self.users // NURSE_SHARE

    @property
    def requests_per_user(self) -> int:
        return -(-self.requests // self.users)


def prepare(runtime: Runtime, load: LoadSettings) -> dict[str, Any]:
    """The panel, the people with their tokens, and the plan the virtual users read."""
    today = runtime.now().date()
    prepare_database(runtime)
    build_panel(runtime.database, patients=PANEL, as_of=today)
    now = runtime.now()
    patients = load.users - load.nurses
    with runtime.database.writing() as session:
        team_id = session.scalar(select(CareTeam.id))
        panel = list(session.scalars(select(Patient).order_by(Patient.family_name)))
        people = [_person(session, f"patient{i}", Role.PATIENT, now) for i in range(patients)]
        nurses = [_person(session, f"nurse{i}", Role.CLINICIAN, now) for i in range(load.nurses)]
        for patient, user_id in zip(panel, people, strict=False):
            patient.user_id = user_id
        for user_id in nurses:
            session.add(TeamMember(team_id=team_id, user_id=user_id))
        # Enough newly started patients for every nurse request to be a first dose.
        first_doses = load.nurses * load.requests_per_user
        starting = [_fresh_patient(session, team_id, now, today) for _ in range(first_doses)]
        panel_ids = [p.id for p in panel]
    patient_tokens = [_token(runtime, user_id, Role.PATIENT) for user_id in people]
    return {
        "patients": patients,
        "nurses": load.nurses,
        "patient_tokens": patient_tokens,
        "own_patient": dict(zip(patient_tokens, panel_ids, strict=False)),
        "nurse_tokens": [_token(runtime, user_id, Role.CLINICIAN) for user_id in nurses],
        "panel": panel_ids,
        "starting_patients": starting,
        "patient_questions": PATIENT_QUESTIONS,
        "clinician_questions": CLINICIAN_QUESTIONS,
        "requests_per_user": load.requests_per_user,
        "think_min": load.think[0],
        "think_max": load.think[1],
        "max_seconds": load.max_seconds,
    }


def _person(session, name: str, role: Role, now) -> str:  # type: ignore[no-untyped-def]
    user = User(
        email=f"{name}@example.org",
        display_name=name,
        role=role.value,
        password_hash=_password_hash(),
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user.id


@cache
def _password_hash() -> str:
    return HASHER.hash("bench password 1")  # the tokens are used, never the password


def _token(runtime: Runtime, user_id: str, role: Role) -> str:
    return create_token(runtime, Actor(user_id=user_id, role=role), name="load").token


@contextmanager
def serving(url: str, options: tuple[str, ...]) -> Iterator[tuple[str, psutil.Process]]:
    """uvicorn on a free loopback port, on the database at `url`; stopped on the way out."""
    port = free_port()
    env = {**os.environ, "OFACARE_DATABASE_URL": url, "OFACARE_SWEEP_HOUR": ""}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "ofacare.api.main:build_app", "--factory",
         "--port", str(port), "--log-level", "warning", "--no-access-log", *options],
        env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        yield base, psutil.Process(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def warm_up(base: str, plan: dict[str, Any]) -> None:
    """One of each request first, so that no first-use cost (answer index, imports) is timed."""
    token = plan["patient_tokens"][0]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=60) as client:
        client.get(f"/patients/{plan['own_patient'][token]}/schedule").raise_for_status()
        for question in (*PATIENT_QUESTIONS, *CLINICIAN_QUESTIONS):
            client.post("/ask", json={"question": question}).raise_for_status()


def cpu_seconds(process: psutil.Process) -> float:
    """CPU time of a process and its children (uvicorn's workers), user and system."""
    total = 0.0
    for each in (process, *process.children(recursive=True)):
        with suppress(psutil.NoSuchProcess):
            times = each.cpu_times()
            total += times.user + times.system
    return total


def run_load(url: str, load: LoadSettings, label: str) -> None:
    """Prepare the database at `url`, serve it, swarm it, print the figures."""
    runtime = build_runtime(Settings(database_url=url))
    plan = prepare(runtime, load)
    synchronous = _sqlite_synchronous(runtime)
    runtime.database.dispose()
    with tempfile.TemporaryDirectory() as folder, serving(url, load.uvicorn_options) as served:
        base, server = served
        plan_path, result_path = Path(folder) / "plan.json", Path(folder) / "result.json"
        plan_path.write_text(json.dumps({**plan, "base": base}))
        warm_up(base, plan)
        server_cpu = cpu_seconds(server)
        load_average = os.getloadavg()[0]
        subprocess.run(
            [sys.executable, "-m", "benchmarks.load_users", str(plan_path), str(result_path)],
            check=True,
            timeout=load.max_seconds + 120,
        )
        server_cpu = cpu_seconds(server) - server_cpu
        result = json.loads(result_path.read_text())
        if os.environ.get("OFACARE_BENCH_LOAD_KEEP"):  # every request's record, for a closer look
            Path(os.environ["OFACARE_BENCH_LOAD_KEEP"]).write_text(result_path.read_text())
    notes = [f"synchronous={synchronous}"] if synchronous else []
    run = Run(
        label=label,
        records=[tuple(r) for r in result["records"]],
        seconds=result["seconds"],
        generator_cpu=result["cpu_seconds"],
        server_cpu=server_cpu,
        timed_out=result["timed_out"],
        load_average=load_average,
        notes=notes,
    )
    print_report(run, load)


def _sqlite_synchronous(runtime: Runtime) -> str | None:
    """The synchronous mode the server's connections use (SQLite only)."""
    if runtime.database.engine.dialect.name != "sqlite":
        return None
    with runtime.database.engine.connect() as connection:
        level = connection.execute(text("PRAGMA synchronous")).scalar()
    return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(int(level or 0), str(level))


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """A database on a throwaway PostgreSQL server, or None when the programs are missing."""
    from tests.postgres_server import (  # noqa: PLC0415 (only for this optional run)
        PostgresUnavailable,
        find_bindir,
        running_postgres,
    )

    try:
        bindir = find_bindir(os.environ)
    except PostgresUnavailable:
        yield None
        return
    with running_postgres(bindir) as server:
        server.create_database("load")
        yield server.url("load")


def _uvicorn_defaults() -> str:
    """What uvicorn picks by itself: the C parser and loop when installed (see pyproject)."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{http}, {loop}"


def main() -> None:
    load = LoadSettings.from_environment()
    options = " ".join(load.uvicorn_options) or f"1 worker, {_uvicorn_defaults()}"
    print(
        f"Load on loopback ({load.users} people: {load.users - load.nurses} patients and "
        f"{load.nurses} nurses; {load.requests:,} requests at most, {load.max_seconds:.0f} s at "
        f"most; think time {load.think[0]}-{load.think[1]} s; uvicorn {options}):"
    )
    if "sqlite" in load.backends:
        with tempfile.TemporaryDirectory() as folder:
            run_load(f"sqlite:///{Path(folder) / 'load.db'}", load, "SQLite")
    if "postgresql" in load.backends:
        with postgres_url() as url:
            if url is None:
                print("  PostgreSQL: skipped (no server programs; see tests/postgres_server.py)")
            else:
                run_load(url, load, "PostgreSQL (fsync off)")


if __name__ == "__main__":
    main()
