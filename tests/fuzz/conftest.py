"""The API fuzzing runs report their case counts at the end of the pytest run."""

from __future__ import annotations

import pytest

from tests.fuzz.api_fuzzer import Tally, status_table

TALLIES = pytest.StashKey[list[Tally]]()


@pytest.fixture
def fuzz_tallies(request: pytest.FixtureRequest) -> list[Tally]:
    """Where each fuzzing run leaves its tally for the terminal summary."""
    return request.config.stash.setdefault(TALLIES, [])


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    tallies = config.stash.get(TALLIES, [])
    if not tallies:
        return
    terminalreporter.write_sep("-", "API fuzzing (schemathesis)")
    for line in status_table(tallies):
        terminalreporter.write_line(line)
    total = sum(t.total for t in tallies)
    terminalreporter.write_line(f"{'all':>10}: {total:5d} cases")
