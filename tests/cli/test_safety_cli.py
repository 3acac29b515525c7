"""`ofacare screen`, `vaccine`, `pregnancy` and `monitor`: JSON shapes, the table, and errors.

DESIGN.md, "Errors that reach people": one `Error:` line on stderr, exit 2 for bad input, no
traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ofacare.cli.main import main

# The example profile of issue 4, as documented in docs/screening.md.
PROFILE: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "docs" / "examples" / "screening-profile.json").read_text("utf-8")
)
FINDING_KEYS = {
    "code", "severity", "title", "patient_message", "clinician_message", "citations", "until",
    "actions", "label", "rule",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def write(tmp_path: Path, data: Any, name: str = "profile.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return str(path)


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main([*args, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return json.loads(captured.out)


def run_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in captured.err
    return lines[0]


# --- screen -----------------------------------------------------------------------------------------


def test_screen_json_has_exactly_the_documented_shape(tmp_path: Path, capsys) -> None:
    document = run_json(["screen", write(tmp_path, PROFILE)], capsys)
    assert set(document) == {
        "readiness", "earliest_start_on", "findings", "missing", "knowledge_version",
    }  # fmt: skip
    assert document["readiness"] == "wait"
    assert document["earliest_start_on"] == "2026-12-08"
    assert document["missing"] == ["pregnancy"]
    assert document["knowledge_version"]
    assert [f["code"] for f in document["findings"]] == [
        "finding.live-vaccine-too-recent",
        "finding.pregnancy-test-needed",
        "finding.hbv-clear",
        "finding.ig-normal",
    ]
    for finding in document["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["citations"]
        assert set(finding["citations"][0]) == {"source", "title", "section"}
    assert document["findings"][0]["until"] == "2026-12-08"
    assert document["findings"][1]["actions"] == [
        {"kind": "order-test", "target": "pregnancy", "text": "Pregnancy test near the start"}
    ]


def test_screen_json_gives_null_earliest_start_when_a_test_is_missing(
    tmp_path: Path, capsys
) -> None:
    profile = {**PROFILE, "labs": PROFILE["labs"][1:]}  # no HBsAg
    document = run_json(["screen", write(tmp_path, profile)], capsys)
    assert document["readiness"] == "wait"
    assert document["earliest_start_on"] is None
    assert "HBsAg" in document["missing"]


def test_screen_json_ready_profile(tmp_path: Path, capsys) -> None:
    profile = {**PROFILE, "vaccinations": [], "can_become_pregnant": False}
    document = run_json(["screen", write(tmp_path, profile)], capsys)
    assert document["readiness"] == "ready"
    assert document["earliest_start_on"] == "2026-12-01"
    assert document["missing"] == []


def test_screen_table_shows_readiness_earliest_start_missing_and_the_care_team(
    tmp_path: Path, capsys
) -> None:
    assert main(["screen", write(tmp_path, PROFILE)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Wait earliest start 2026-12-08" in out
    assert "still needed: pregnancy" in out
    assert "Live vaccine on 2026-11-10" in out
    assert "Sources:" in out
    assert "your MS nurse or neurologist" in out
    assert "never replaces it" in out


def test_screen_table_for_a_patient_shows_the_patient_message(tmp_path: Path, capsys) -> None:
    assert main(["screen", write(tmp_path, PROFILE), "--audience", "patient"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Your MS nurse will confirm the date" in out


def test_screen_table_says_do_not_start(tmp_path: Path, capsys) -> None:
    assert main(["screen", write(tmp_path, {**PROFILE, "ms_type": "PPMS"})]) == 0
    assert "Do not start" in capsys.readouterr().out


# --- vaccine and pregnancy --------------------------------------------------------------------------


def test_vaccine_json_before_the_start(capsys) -> None:
    args = ["vaccine", "--name", "MMR", "--live", "--on", "2026-11-10", "--start", "2026-12-01"]
    document = run_json(args, capsys)
    assert set(document) == {"findings", "knowledge_version"}
    (finding,) = document["findings"]
    assert finding["code"] == "finding.live-vaccine-too-recent"
    assert finding["severity"] == "wait"
    assert finding["until"] == "2026-12-08"


def test_vaccine_json_live_on_treatment(capsys) -> None:
    args = ["vaccine", "--name", "MMR", "--live", "--on", "2027-03-01", "--last-dose", "2027-02-01"]
    (finding,) = run_json(args, capsys)["findings"]
    assert finding["code"] == "finding.live-vaccine-on-treatment"
    assert finding["severity"] == "refer"
    assert "24.6" in finding["patient_message"]


def test_vaccine_json_non_live_on_treatment(capsys) -> None:
    args = [
        "vaccine",
        "--name",
        "flu",
        "--non-live",
        "--on",
        "2027-03-01",
        "--last-dose",
        "2027-02-01",
    ]
    (finding,) = run_json(args, capsys)["findings"]
    assert finding["code"] == "finding.non-live-vaccine-on-treatment"
    assert finding["severity"] == "info"


def test_vaccine_table_ends_with_the_care_team_line(capsys) -> None:
    args = [
        "vaccine",
        "--name",
        "flu",
        "--non-live",
        "--on",
        "2027-03-01",
        "--last-dose",
        "2027-02-01",
    ]
    assert main(args) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Non-live vaccine allowed" in out
    assert "your MS nurse or neurologist" in out


def test_pregnancy_json_gives_the_contraception_date(capsys) -> None:
    args = ["pregnancy", "--last-dose", "2027-08-31", "--as-of", "2027-09-01"]
    document = run_json(args, capsys)
    (finding,) = document["findings"]
    assert finding["code"] == "finding.contraception-until"
    assert finding["until"] == "2028-02-29"


def test_pregnancy_json_pregnant_in_the_window(capsys) -> None:
    args = ["pregnancy", "--last-dose", "2027-08-31", "--as-of", "2027-10-01", "--pregnant"]
    document = run_json(args, capsys)
    assert [f["code"] for f in document["findings"]] == [
        "finding.pregnant-on-treatment",
        "finding.infant-live-vaccines",
        "finding.contraception-until",
    ]


# --- monitor ----------------------------------------------------------------------------------------


def test_monitor_json(tmp_path: Path, capsys) -> None:
    status = {
        "as_of": "2027-03-01",
        "last_dose_on": "2027-02-01",
        "next_dose_on": "2027-03-01",
        "active_infection": True,
        "signs": ["new-weakness"],
        "labs": [{"test": "IgG", "value": 500, "unit": "mg/dL", "on": "2027-02-20"}],
    }
    document = run_json(["monitor", write(tmp_path, status, "status.json")], capsys)
    assert set(document) == {"findings", "knowledge_version"}
    assert [(f["code"], f["severity"]) for f in document["findings"]] == [
        ("finding.ig-low-on-treatment", "refer"),
        ("finding.pml-signs", "refer"),
        ("finding.hold-dose-infection", "wait"),
    ]


def test_monitor_json_with_nothing_to_report(tmp_path: Path, capsys) -> None:
    document = run_json(
        ["monitor", write(tmp_path, {"as_of": "2027-03-01"}, "status.json")], capsys
    )
    assert document["findings"] == []


# --- errors -----------------------------------------------------------------------------------------


def test_a_missing_profile_file_is_one_error_line_and_exit_2(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.json"
    line = run_error(["screen", str(missing), "--json"], capsys)
    assert "PROFILE" in line
    assert f"'{missing}'" in line
    assert "does not exist" in line


def test_bad_json_names_the_line_and_column(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "birth_date": "1990-04-02",\n  "ms_type": RRMS\n}\n', "utf-8")
    line = run_error(["screen", str(path)], capsys)
    assert "is not valid JSON" in line
    assert "line 3, column 14" in line


def test_a_bad_profile_field_names_the_field_and_the_value(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, {**PROFILE, "planned_start_on": "2026-12-32"})
    line = run_error(["screen", path, "--json"], capsys)
    assert "planned_start_on" in line
    assert "'2026-12-32'" in line


def test_a_profile_that_is_not_an_object_is_one_error_line(tmp_path: Path, capsys) -> None:
    line = run_error(["screen", write(tmp_path, [PROFILE])], capsys)
    assert "expected a JSON object, got list" in line


def test_a_bad_status_field_is_one_error_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, {"as_of": "yesterday"}, "status.json")
    line = run_error(["monitor", path], capsys)
    assert "as_of" in line
    assert "'yesterday'" in line


def test_a_missing_status_file_is_one_error_line(tmp_path: Path, capsys) -> None:
    line = run_error(["monitor", str(tmp_path / "status.json")], capsys)
    assert "STATUS" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["vaccine", "--name", "MMR", "--live", "--on", "2026-13-01", "--start", "2026-12-01"],
            "--on: '2026-13-01'",
        ),
        (
            ["vaccine", "--name", "MMR", "--on", "2026-11-01", "--start", "2026-12-01"],
            "--live/--non-live",
        ),
        (["vaccine", "--name", "MMR", "--live", "--on", "2026-11-01"], "--last-dose and --start"),
        (
            [
                "vaccine",
                "--name",
                "MMR",
                "--live",
                "--on",
                "2027-01-01",
                "--last-dose",
                "2027-02-01",
            ],
            "--last-dose: '2027-02-01'",
        ),
        (
            ["pregnancy", "--last-dose", "31/08/2027", "--as-of", "2027-09-01"],
            "--last-dose: '31/08/2027'",
        ),
        (["pregnancy", "--last-dose", "2027-08-31", "--as-of", "soon"], "--as-of: 'soon'"),
    ],
)
def test_bad_vaccine_and_pregnancy_options_are_one_error_line(
    args: list[str], expected: str, capsys
) -> None:
    assert expected in run_error(args, capsys)
