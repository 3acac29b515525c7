"""Plan 1,000,000 patients' schedules (about 20 doses each) and print patients per second.

Histories are realistic: each patient started on a random day, took some doses on time and some
late or early, and is planned as of today's position in their course. Set OFACARE_BENCH_PATIENTS
to change the count (default 1,000,000).
"""

from __future__ import annotations

import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

from ofacare.regimen import IntervalMode, compute_plan

DOSES = 20
CHUNK = 20_000


def make_history(rng: random.Random) -> tuple[date, list[date], date]:
    """A start date, the dates taken so far (mostly on time, some late or early), and as-of."""
    start = date(2024, 1, 1) + timedelta(days=rng.randrange(730))
    gaps = [7, 7, 14] + [30] * DOSES  # close to the real spacing; the engine accepts any order
    taken: list[date] = []
    day = start
    for gap in gaps[: rng.randrange(DOSES - 1)]:
        taken.append(day)
        day += timedelta(days=gap + rng.choice((0, 0, 0, 0, 1, 2, 3, -1, -2, 5, 9)))
    as_of = (taken[-1] if taken else start) + timedelta(days=rng.randrange(35))
    return start, taken, as_of


def plan_chunk(seed: int, size: int) -> int:
    rng = random.Random(seed)
    histories = [make_history(rng) for _ in range(min(size, 1_000))]
    planned = 0
    for index in range(size):
        start, taken, as_of = histories[index % len(histories)]
        mode = IntervalMode.FOUR_WEEKLY if index % 10 == 0 else IntervalMode.MONTHLY
        planned += len(compute_plan(start, taken, as_of, count=DOSES, interval=mode).doses)
    return planned


def main() -> None:
    patients = int(os.environ.get("OFACARE_BENCH_PATIENTS", "1000000"))
    workers = os.cpu_count() or 1
    print(f"regimen schedule: planning {patients:,} patients x {DOSES} doses")

    began = time.perf_counter()
    sample = min(patients, 50_000)
    plan_chunk(1, sample)
    single = sample / (time.perf_counter() - began)
    print(f"  one process : {single:,.0f} patients/s ({sample:,} patients)")

    began = time.perf_counter()
    chunks = [(seed, min(CHUNK, patients - start)) for seed, start in
              enumerate(range(0, patients, CHUNK))]  # fmt: skip
    with ProcessPoolExecutor(workers) as pool:
        doses = sum(pool.map(plan_chunk, *zip(*chunks, strict=True)))
    elapsed = time.perf_counter() - began
    print(
        f"  {workers} processes: {patients / elapsed:,.0f} patients/s, "
        f"{doses / elapsed:,.0f} doses/s ({patients:,} patients, {doses:,} doses in "
        f"{elapsed:.1f} s; {patients / elapsed / single:.2f}x one process)"
    )
