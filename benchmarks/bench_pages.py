"""Page rendering: the MS team's panel of 200 patients, a team patient page and a patient's home.

In-process (the app's test client, no network), on SQLite with a synthetic panel, so the figures
are the server's own work per page: database reads, the plan of every patient, audit writes and
the template. Printed with the ratio to /health (the trivial endpoint).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from benchmarks.synthetic_panel import build_panel
from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.records.tables import CareTeam, Patient, TeamMember, User
from ofacare.services.accounts import HASHER
from ofacare.services.runtime import build_runtime
from ofacare.services.setup import prepare_database

PATIENTS = int(os.environ.get("OFACARE_BENCH_PANEL_PATIENTS", "200"))
ROUNDS = int(os.environ.get("OFACARE_BENCH_PAGE_ROUNDS", "30"))
PASSWORD = "bench password for pages"
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'pages.db'}")
        runtime = build_runtime(settings, clock=lambda: NOW)
        prepare_database(runtime)
        build_panel(runtime.database, patients=PATIENTS, as_of=NOW.date())
        email = _add_nurse(runtime)
        with TestClient(create_app(runtime=runtime)) as client:
            signed = client.post(
                "/sign-in", data={"email": email, "password": PASSWORD}, follow_redirects=False
            )
            assert signed.status_code == 303, signed.text
            with runtime.database.reading() as session:
                patient_id = session.scalar(select(Patient.id).order_by(Patient.id).limit(1))
            health = _time(client, "/health")
            print(f"pages: {PATIENTS}-patient panel on SQLite, {ROUNDS} rounds each, in process")
            print(f"  /health                      median {health:7.1f} ms")
            for label, path in (
                ("panel /team", "/team"),
                ("team patient page", f"/team/patients/{patient_id}"),
                ("patient home", f"/p/{patient_id}"),
                ("schedule page", f"/p/{patient_id}/schedule"),
            ):
                median = _time(client, path)
                print(f"  {label:<28} median {median:7.1f} ms  ({median / health:5.1f}x /health)")
        runtime.database.dispose()


def _add_nurse(runtime) -> str:  # type: ignore[no-untyped-def]
    email = "bench.nurse@example.org"
    with runtime.database.writing() as session:
        team_id = session.scalar(select(CareTeam.id))
        nurse = User(
            email=email, display_name="Bench Nurse", role="clinician",
            password_hash=HASHER.hash(PASSWORD), active=True, created_at=NOW,
        )  # fmt: skip
        session.add(nurse)
        session.flush()
        session.add(TeamMember(team_id=team_id, user_id=nurse.id))
    return email


def _time(client: TestClient, path: str) -> float:
    """Median milliseconds of ROUNDS GETs of `path` (after one warm-up), each answered 200."""
    assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        answer = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
