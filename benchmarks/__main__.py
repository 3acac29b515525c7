"""Run every benchmark: `python -m benchmarks` (what `make bench` does)."""

from benchmarks import bench_answer, bench_cds, bench_pharmacology, bench_schedule, bench_triage

if __name__ == "__main__":
    bench_answer.main()
    bench_schedule.main()
    bench_triage.main()
    bench_cds.main()
    bench_pharmacology.main()
