"""Run every benchmark: `python -m benchmarks` (what `make bench` does)."""

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

if __name__ == "__main__":
    bench_answer.main()
    bench_schedule.main()
    bench_triage.main()
    bench_cds.main()
    bench_api.main()
    bench_load.main()
    bench_pages.main()
    bench_sweep.main()
    bench_pharmacology.main()
