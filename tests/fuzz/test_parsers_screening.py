"""Fuzzing the screening profile and treatment status readers, and `ofacare screen` / `monitor`.

Every input either reads into a profile the rules can run on, with a well-formed verdict, or is
refused with InvalidInput naming the field; the CLI answers exit 0 or one `Error:` line and exit 2,
never a traceback or the "unexpected problem" exit 1.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from ofacare.cli.main import main
from ofacare.errors import InvalidInput
from ofacare.safety.monitoring import monitor
from ofacare.safety.profile import parse_profile, parse_status
from ofacare.safety.screening import Readiness, screen
from tests.fuzz.parser_strategies import (
    BAD_DATES,
    DEEP_JSON_TEXT,
    EDGE_NUMBERS,
    JSON_VALUES,
    SHALLOW_NASTY,
    assert_names_a_field,
    changed,
    mutated,
    parser_settings,
)

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "screening-profile.json"
PROFILE: dict[str, Any] = json.loads(EXAMPLE.read_text("utf-8"))
STATUS: dict[str, Any] = {
    "country": "GB",
    "as_of": "2026-11-02",
    "last_dose_on": "2026-10-05",
    "next_dose_on": "2026-11-02",
    "active_infection": False,
    "labs": [
        {"test": "IgG", "value": 6.1, "unit": "g/L", "on": "2026-10-01", "reference_low": 7.0},
        {"test": "1742-6", "value": 50, "unit": "U/L", "on": "2026-10-01", "reference_high": 40},
        {"test": "HBsAg", "result": "negative", "on": "2026-10-01"},
    ],
    "signs": ["jaundice"],
}
LAB_FIELDS = ("value", "reference_low", "reference_high")


def check_profile(raw: Any) -> None:
    try:
        profile = parse_profile(raw)
    except InvalidInput as error:
        assert_names_a_field(error, "profile field '", "profile: expected a JSON object")
        return
    try:
        result = screen(profile)
    except InvalidInput as error:  # a rule that cannot read a value: an immunoglobulin unit
        assert_names_a_field(error, "labs (")
        return
    assert result.readiness in set(Readiness)
    assert result.knowledge_version
    if result.earliest_start_on is not None:
        assert result.earliest_start_on >= profile.planned_start_on
    for finding in result.findings:
        assert finding.code and finding.title and finding.citations, finding


def check_status(raw: Any) -> None:
    try:
        status = parse_status(raw)
    except InvalidInput as error:
        assert_names_a_field(error, "status field '", "status: expected a JSON object")
        return
    try:
        findings = monitor(status)
    except InvalidInput as error:  # a rule that cannot read a value: an immunoglobulin unit
        assert_names_a_field(error, "labs (")
        return
    for finding in findings:
        assert finding.code and finding.title and finding.citations, finding


@parser_settings(ci=150)
@given(mutated(PROFILE, most=4))
@example(changed(PROFILE, ("can_become_pregnant",), "0" * 3_000))  # quoted whole in the message
@example(changed(PROFILE, ("labs", 2, "unit"), "0"))  # a unit the IgG rule cannot convert
def test_a_damaged_profile_screens_or_is_refused_naming_the_field(raw: Any) -> None:
    check_profile(raw)


@parser_settings(ci=60)
@given(JSON_VALUES)
def test_any_json_as_a_profile_screens_or_is_refused(raw: Any) -> None:
    check_profile(raw)


@parser_settings(ci=80)
@given(
    field=st.sampled_from(["birth_date", "planned_start_on", "labs.0.on", "vaccinations.0.on"]),
    when=BAD_DATES | st.dates().map(date.isoformat),
)
@example(field="planned_start_on", when="0001-01-01")  # the rules' date arithmetic overflowed
@example(field="vaccinations.0.on", when="9999-12-31")
def test_any_date_in_a_profile_screens_or_is_refused(field: str, when: str) -> None:
    raw = json.loads(json.dumps(PROFILE))
    place = raw
    *parents, last = field.split(".")
    for key in parents:
        place = place[int(key)] if key.isdigit() else place[key]
    place[last] = when
    check_profile(raw)


@parser_settings(ci=60)
@given(field=st.sampled_from(LAB_FIELDS), value=EDGE_NUMBERS, index=st.integers(0, 2))
@example(field="value", value=float("nan"), index=2)  # a NaN IgG read as low on treatment
def test_non_finite_negative_or_huge_lab_numbers_are_refused_or_read(
    field: str, value: float, index: int
) -> None:
    raw = json.loads(json.dumps(PROFILE))
    raw["labs"][index][field] = value
    check_profile(raw)
    status = json.loads(json.dumps(STATUS))
    status["labs"][index][field] = value
    check_status(status)


@parser_settings(ci=120)
@given(mutated(STATUS, most=4))
def test_a_damaged_treatment_status_is_monitored_or_refused_naming_the_field(raw: Any) -> None:
    check_status(raw)


CLI_INPUTS = {"screen": PROFILE, "monitor": STATUS}


def cli_files(command: str) -> st.SearchStrategy[tuple[str, bytes]]:
    """A command and the file it is given: its input damaged, deep JSON, or any bytes."""
    content = st.one_of(
        mutated(CLI_INPUTS[command], most=3, values=SHALLOW_NASTY).map(
            lambda raw: json.dumps(raw).encode()
        ),
        DEEP_JSON_TEXT.map(str.encode),
        st.binary(max_size=200),
        st.text(max_size=200).map(str.encode),
    )
    return st.tuples(st.just(command), content)


@parser_settings(ci=40)
@given(st.sampled_from(sorted(CLI_INPUTS)).flatmap(cli_files))
@example(("screen", b"[" * 100_000 + b"]" * 100_000))  # json's RecursionError: "unexpected"
def test_the_cli_answers_a_file_with_a_verdict_or_one_error_line(case: tuple[str, bytes]) -> None:
    command, content = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.json"
        path.write_bytes(content)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([command, str(path), "--json"])
    assert "Traceback" not in err.getvalue()
    if code == 0:
        assert err.getvalue() == ""
        json.loads(out.getvalue())
    else:
        assert code == 2, err.getvalue()
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), err.getvalue()
