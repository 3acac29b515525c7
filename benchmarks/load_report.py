"""The figures of one load run: throughput, latency percentiles and errors per endpoint, CPU."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

SCHEDULE_AIM_MS = 100.0  # issue 8: p99 of schedule reads under 100 ms on SQLite
Record = tuple[str, float, float, int, str]
"""(endpoint, started at (epoch seconds), milliseconds, HTTP status, error or '')."""


class Limits(Protocol):
    requests: int
    users: int


@dataclass(frozen=True)
class Run:
    label: str
    records: list[Record]
    seconds: float
    generator_cpu: float
    server_cpu: float
    timed_out: bool
    load_average: float
    notes: list[str] = field(default_factory=list)

    @property
    def span_seconds(self) -> float:
        """From the first request sent to the last answer received."""
        if not self.records:
            return self.seconds
        first = min(r[1] for r in self.records)
        last = max(r[1] + r[2] / 1000 for r in self.records)
        return max(last - first, 1e-9)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0-1) of a non-empty list."""
    ordered = sorted(values)
    rank = math.ceil(round(share * len(ordered), 9))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def endpoint_line(name: str, records: list[Record], seconds: float) -> str:
    times = [r[2] for r in records]
    errors = sum(1 for r in records if r[4])
    return (
        f"    {name:<32} {len(records):6,} req {len(records) / seconds:6.1f} req/s  "
        f"p50 {statistics.median(times):6.1f} ms  p99 {percentile(times, 0.99):6.1f} ms  "
        f"max {max(times):7.1f} ms  errors {errors}"
    )


def print_report(run: Run, limits: Limits) -> None:
    seconds = run.span_seconds
    by_name: dict[str, list[Record]] = {}
    for record in run.records:
        by_name.setdefault(record[0], []).append(record)
    extra = f", {', '.join(run.notes)}" if run.notes else ""
    print(f"  {run.label}{extra}:")
    for name in sorted(by_name):
        print(endpoint_line(name, by_name[name], seconds))
    if run.records:
        print(endpoint_line("all", run.records, seconds))
    errors = Counter(r[4] for r in run.records if r[4])
    for message, count in errors.most_common(5):
        print(f"      {count} x {message}")
    if run.timed_out or len(run.records) < limits.requests:
        print(f"    stopped at the time limit: {len(run.records):,} of {limits.requests:,} sent")
    print(
        f"    CPU over {seconds:.1f} s (2 cores shared, load average {run.load_average:.1f} "
        f"before): server {run.server_cpu / seconds:.0%} of a core, load generator "
        f"{run.generator_cpu / seconds:.0%} of a core"
    )
    schedule = [r[2] for r in by_name.get("GET /patients/{id}/schedule", [])]
    if schedule:
        p99 = percentile(schedule, 0.99)
        verdict = "met" if p99 < SCHEDULE_AIM_MS and not errors else "NOT met"
        print(
            f"    aim (no errors, schedule p99 < {SCHEDULE_AIM_MS:.0f} ms): {verdict} "
            f"(p99 {p99:.1f} ms, {sum(errors.values())} errors)"
        )
