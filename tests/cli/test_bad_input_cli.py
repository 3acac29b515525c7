"""Bad values on the command line: one `Error:` line naming the option and quoting the value,
exit status 2, no traceback, nothing printed on stdout. The cases that crashed (exit 1, an
unexpected problem) before the fixes are marked."""

from __future__ import annotations

import pytest

from ofacare.cli.main import main

PLAN = ["plan", "--start", "2026-01-05", "--as-of", "2026-02-01"]
CASES = [
    (["plan", "--start", "2026-02-30"], "start: '2026-02-30' is not a valid date"),
    (["plan", "--start", "10000-01-01"], "start: '10000-01-01' is not a valid date"),
    (["plan", "--start", "1900-01-01"], "start: 1900-01-01 is outside the dates"),
    ([*PLAN, "--taken", "2026-03-01"], "taken: 2026-03-01 (dose 1) is after the as-of date"),
    ([*PLAN, "--taken", "2025-12-01"], "taken: 2025-12-01 (dose 1) is before the start"),
    ([*PLAN, "--count", "-1"], "count: -1 is not a number of doses"),
    ([*PLAN, "--count", "99999999999999999999"], "count: 99999999999999999999"),
    (["calendar", "--start", "2026-01-05", "-o", "-", "--tz", "Mars/Olympus"], "tz: 'Mars/Olympus'"),
    (["calendar", "--start", "2026-01-05", "-o", "-", "--time", "25:00"], "time: '25:00'"),
    (["calendar", "--start", "9999-12-01", "-o", "-", "--tz", "UTC"], "start: 9999-12-01 is outside"),
    (["vaccine", "--name", "flu", "--live", "--on", "9999-12-31", "--last-dose", "2026-01-05"],
     "--on: 9999-12-31 is outside the dates"),
    (["vaccine", "--name", "flu", "--non-live", "--on", "2026-03-01", "--start", "0001-01-01"],
     "--start: 0001-01-01 is outside the dates"),
    (["pregnancy", "--last-dose", "9999-12-31", "--as-of", "9999-12-31"],  # crashed: exit 1
     "--as-of: 9999-12-31 is outside the dates"),
    (["pregnancy", "--last-dose", "2027-01-01", "--as-of", "2026-01-01"],  # a dose not yet taken
     "--last-dose: 2027-01-01 is after 2026-01-01"),
    (["ask", "What is ofatumumab?", "--country", "ZZ"], "country: 'ZZ' is not an ISO country"),
    (["ask", "What is ofatumumab?", "--country", "Germany"], "country: 'Germany' is not a two-letter"),
    (["ask", "What is ofatumumab?", "--audience", "robot"], "audience: 'robot'"),
    (["triage", "x" * 5000], "text: 5000 characters is longer than 1000"),
    (["simulate", "population", "--seed", "-1", "--n", "10"], "'--seed'"),  # crashed: exit 1
    (["simulate", "individual", "--start", "2026-01-05", "--weight", "nan"], "weight: nan kg"),
    (["simulate", "individual", "--start", "2026-01-05", "--until-week", "0"], "until-week: 0"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_a_bad_value_is_one_error_line_naming_the_option_with_exit_2(args, message, capsys):  # type: ignore[no-untyped-def]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("Error: "), captured.err
    assert message in " ".join(captured.err.split()), captured.err
    assert "Traceback" not in captured.err and captured.out == ""
