"""The daily sweep over a large synthetic panel, on SQLite and on a real PostgreSQL server.

Prints the time of a plain read of the rows the sweep reads (the same batched queries, no rules),
of the first sweep (which writes the day's reminders and alerts), and of a second sweep the same
day (which finds everything already sent), with their ratios to the plain read (aim: under 3x).
OFACARE_BENCH_SWEEP_PATIENTS sets the panel size (default 100,000).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import func, select
from tests.postgres_server import find_bindir, running_postgres

from benchmarks.synthetic_panel import build_panel
from ofacare.config import Settings
from ofacare.records.tables import Alert, Patient, Reminder
from ofacare.services.runtime import Runtime, build_runtime
from ofacare.services.setup import prepare_database
from ofacare.services.sweep import BATCH_SIZE, run_sweep
from ofacare.services.sweep_inputs import load_batch

AS_OF = date(2026, 11, 23)


def plain_read(runtime: Runtime) -> int:
    """Read every row the sweep reads, batch by batch, and compute nothing."""
    after, seen = "", 0
    while True:
        with runtime.database.reading() as session:
            patients = list(
                session.scalars(
                    select(Patient).where(Patient.id > after).order_by(Patient.id).limit(BATCH_SIZE)
                )
            )
            if not patients:
                return seen
            load_batch(session, patients, AS_OF)
        seen += len(patients)
        after = patients[-1].id


def timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def bench_backend(name: str, url: str, patients: int) -> None:
    now = datetime.combine(AS_OF, clock_time(6), UTC)
    runtime = build_runtime(Settings(database_url=url), clock=lambda: now)
    prepare_database(runtime)
    build_seconds, injections = timed(
        lambda: build_panel(runtime.database, patients=patients, as_of=AS_OF)
    )
    read_seconds, _ = timed(lambda: plain_read(runtime))
    first_seconds, first = timed(lambda: run_sweep(runtime, as_of=AS_OF))
    second_seconds, second = timed(lambda: run_sweep(runtime, as_of=AS_OF))
    with runtime.database.reading() as session:
        reminders = session.scalar(select(func.count()).select_from(Reminder))
        alerts = session.scalar(select(func.count()).select_from(Alert))
    runtime.database.dispose()
    print(
        f"  {name}: {patients:,} patients, {injections:,} injections "
        f"(built in {build_seconds:.0f} s)"
    )
    print(f"    plain read of the rows      {read_seconds:6.2f} s")
    for label, seconds, summary in (
        ("first sweep (writes)   ", first_seconds, first),
        ("second sweep (same day)", second_seconds, second),
    ):
        print(f"    {label}     {seconds:6.2f} s   {seconds / read_seconds:4.2f}x read   {summary}")
    print(
        f"    stored: {reminders:,} reminders, {alerts:,} alerts; "
        f"{patients / first_seconds:,.0f} patients/s in the first sweep"
    )


def main() -> None:
    patients = int(os.environ.get("OFACARE_BENCH_SWEEP_PATIENTS", "100000"))
    print(f"Sweep over a synthetic panel on {AS_OF} (batches of {BATCH_SIZE:,}):")
    with tempfile.TemporaryDirectory() as folder:
        bench_backend("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", patients)
    with running_postgres(find_bindir(os.environ)) as server:
        server.create_database("bench")
        bench_backend("PostgreSQL", server.url("bench"), patients)


if __name__ == "__main__":
    main()
