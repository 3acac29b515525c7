"""Run every benchmark: `python -m benchmarks` (what `make bench` does).

`python -m benchmarks load api` runs only the named ones (the module names without `bench_`).
"""

import sys

from benchmarks import (
    bench_answer,
    bench_api,
    bench_cds,
    bench_load,
    bench_pages,
    bench_pharmacology,
    bench_schedule,
    bench_sweep,
    bench_triage,
)

BENCHMARKS = {
    "answer": bench_answer.main,
    "schedule": bench_schedule.main,
    "triage": bench_triage.main,
    "cds": bench_cds.main,
    "api": bench_api.main,
    "load": bench_load.main,
    "pages": bench_pages.main,
    "sweep": bench_sweep.main,
    "pharmacology": bench_pharmacology.main,
}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"Unknown benchmark: {', '.join(unknown)}. Choose from: {', '.join(BENCHMARKS)}.")
    for name in chosen:
        BENCHMARKS[name]()
