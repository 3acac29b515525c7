"""`ofacare plan`: the JSON contract, the table, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ofacare.cli.main import main

CONTRACT = [
    "plan", "--start", "2026-01-05", "--taken", "2026-01-05", "--taken", "2026-01-15",
    "--as-of", "2026-01-16",
]  # fmt: skip


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_output_matches_the_documented_contract_example(capsys):
    plan = run_json([*CONTRACT, "--count", "4"], capsys)
    assert plan["start"] == "2026-01-05"
    assert plan["as_of"] == "2026-01-16"
    assert plan["interval"] == "monthly"
    core = [{k: d[k] for k in ("number", "phase", "due", "taken", "status")} for d in plan["doses"]]
    assert core == [
        {"number": 1, "phase": "loading", "due": "2026-01-05", "taken": "2026-01-05", "status": "taken"},
        {"number": 2, "phase": "loading", "due": "2026-01-12", "taken": "2026-01-15", "status": "taken"},
        {"number": 3, "phase": "loading", "due": "2026-01-22", "taken": None, "status": "planned"},
        {"number": 4, "phase": "maintenance", "due": "2026-02-05", "taken": None, "status": "planned"},
    ]  # fmt: skip
    assert plan["flags"] == []


def test_json_output_is_exactly_one_object_with_citations_and_knowledge_version(capsys):
    plan = run_json(CONTRACT, capsys)
    assert len(plan["doses"]) == 12  # --count defaults to 12
    assert any("Prescribing Information" in s for s in plan["sources"])
    assert plan["knowledge_version"]
    assert "MS nurse or neurologist" in plan["care_team"]


def test_listing_grows_to_show_every_taken_dose_and_the_next_one(capsys):
    plan = run_json([*CONTRACT, "--count", "1"], capsys)
    assert [d["status"] for d in plan["doses"]] == ["taken", "taken", "planned"]


def test_overdue_dose_carries_guidance_and_a_flag(capsys):
    plan = run_json(
        ["plan", "--start", "2026-01-05", "--taken", "2026-01-05", "--as-of", "2026-01-23"], capsys
    )
    overdue = plan["doses"][1]
    assert overdue["status"] == "overdue"
    assert overdue["days_from_as_of"] == -11
    assert "as soon as you can" in overdue["guidance"]
    assert plan["flags"][0]["code"] == "regimen.dose-overdue"
    assert plan["flags"][0]["level"] == "refer"


def test_four_weekly_interval_spaces_maintenance_doses_28_days_apart(capsys):
    plan = run_json([*CONTRACT, "--interval", "4-weekly", "--count", "6"], capsys)
    assert [d["due"] for d in plan["doses"][3:]] == ["2026-02-05", "2026-03-05", "2026-04-02"]


def test_table_shows_weekday_status_days_and_guidance(capsys):
    args = ["plan", "--start", "2026-01-05", "--taken", "2026-01-05", "--as-of", "2026-01-23"]
    assert main([*args, "--count", "4"]) == 0
    out = capsys.readouterr().out
    assert "Mon 2026-01-12" in out
    assert "overdue" in out
    assert "11 d overdue" in out
    assert "What to do now:" in out
    assert "MS nurse or neurologist" in out


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--start", "2026-02-30"], "start: '2026-02-30'"),
        (["--start", "2026-01-05", "--as-of", "yesterday"], "as-of: 'yesterday'"),
        (["--start", "2026-01-05", "--taken", "2026-01-04"], "taken: 2026-01-04"),
        (["--start", "2026-01-05", "--taken", "2026-01-09", "--taken", "2026-01-08"], "2026-01-08"),
        (["--start", "2026-01-05", "--taken", "2026-02-01", "--as-of", "2026-01-20"], "2026-02-01"),
        (["--start", "2026-01-05", "--interval", "weekly"], "interval: 'weekly'"),
        (["--start", "2026-01-05", "--count", "0"], "count: 0"),
        (["--start", "2026-01-05", "--count", "many"], "count: 'many'"),
        (["--start", "2026-01-05", "--no-such-option"], "--no-such-option"),
    ],
)
def test_bad_input_prints_one_error_line_naming_field_and_value_and_exits_2(args, named, capsys):
    assert main(["plan", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: ")
    assert named in lines[0]
    assert "Traceback" not in captured.err


def test_installed_executable_prints_a_plan_and_exits_2_without_traceback_on_bad_input():
    exe = Path(sys.executable).parent / "ofacare"
    good = subprocess.run([exe, *CONTRACT, "--json"], capture_output=True, text=True, check=False)
    assert good.returncode == 0
    assert json.loads(good.stdout)["doses"][2]["due"] == "2026-01-22"
    bad = subprocess.run(
        [exe, "plan", "--start", "2026-01-05", "--taken", "not-a-date"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "Error: taken: 'not-a-date' is not a valid date. "
        "Write dates as YYYY-MM-DD, for example 2026-01-05."
    )


def test_before_the_first_dose_the_plan_says_it_is_given_with_a_professional(capsys):
    plan = run_json(["plan", "--start", "2026-03-02", "--as-of", "2026-03-01"], capsys)
    assert any("trained healthcare professional" in note for note in plan["notes"])
    later = run_json([*CONTRACT], capsys)
    assert later["notes"] == []
