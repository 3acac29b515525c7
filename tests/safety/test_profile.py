"""Reading a screening profile and a treatment status: bad input names the field and the value.

DESIGN.md, "Errors that reach people": a message names the field, quotes the bad value and says
what to do; extra fields are allowed (issue 4, section 2).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ofacare.errors import InvalidInput
from ofacare.safety.profile import parse_profile, parse_status

BASE: dict[str, Any] = {
    "birth_date": "1990-04-02",
    "ms_type": "RRMS",
    "planned_start_on": "2026-12-01",
    "country": "US",
    "labs": [{"test": "HBsAg", "result": "negative", "on": "2026-11-02"}],
    "vaccinations": [{"name": "MMR", "live": True, "on": "2026-11-10"}],
}


def profile_error(**changes: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        parse_profile({**BASE, **changes})
    return raised.value


def test_the_base_profile_is_valid_and_fills_the_defaults() -> None:
    profile = parse_profile(BASE)
    assert profile.planned_start_on == date(2026, 12, 1)
    assert profile.sex == "unknown"
    assert profile.can_become_pregnant is False
    assert profile.immunosuppressants == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("planned_start_on", "2026-13-01"),
        ("birth_date", "02/04/1990"),
        ("planned_start_on", "tomorrow"),
    ],
)
def test_a_wrong_date_names_the_field_and_quotes_the_value(field: str, value: str) -> None:
    error = profile_error(**{field: value})
    assert error.code == "input.bad-profile"
    assert f"'{field}'" in error.message
    assert f"'{value}'" in error.message
    assert "docs/screening.md" in error.hint


def test_a_wrong_date_inside_a_lab_result_names_the_nested_field() -> None:
    error = profile_error(labs=[{"test": "HBsAg", "result": "negative", "on": "2026-02-30"}])
    assert "labs.0.on" in error.message
    assert "'2026-02-30'" in error.message


def test_a_wrong_vaccination_date_names_the_nested_field() -> None:
    error = profile_error(vaccinations=[{"name": "MMR", "live": True, "on": "soon"}])
    assert "vaccinations.0.on" in error.message
    assert "'soon'" in error.message


def test_an_unknown_test_names_the_field_quotes_the_value_and_says_what_to_use() -> None:
    error = profile_error(labs=[{"test": "Vitamin D", "result": "normal", "on": "2026-11-02"}])
    assert "labs.0.test" in error.message
    assert "'Vitamin D'" in error.message
    assert "LOINC" in error.message


@pytest.mark.parametrize("ms_type", ["SPMS", "rrms", "relapsing"])
def test_an_unknown_ms_type_names_the_field_and_lists_the_known_types(ms_type: str) -> None:
    error = profile_error(ms_type=ms_type)
    assert "'ms_type'" in error.message
    assert f"'{ms_type}'" in error.message
    assert "'non-active-SPMS'" in error.message


@pytest.mark.parametrize(
    ("raw", "kind"), [([BASE], "list"), ("profile", "str"), (42, "int"), (None, "NoneType")]
)
def test_a_profile_that_is_not_a_json_object_says_what_it_got(raw: Any, kind: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_profile(raw)
    assert raised.value.code == "input.bad-profile"
    assert "expected a JSON object" in raised.value.message
    assert kind in raised.value.message


@pytest.mark.parametrize("country", ["USA", "U", "1A", "U$"])
def test_a_bad_country_names_the_field_and_quotes_the_value(country: str) -> None:
    error = profile_error(country=country)
    assert "'country'" in error.message
    assert f"'{country}'" in error.message


def test_a_lower_case_country_is_read_as_upper_case() -> None:
    assert parse_profile({**BASE, "country": "de"}).country == "DE"


def test_a_non_boolean_flag_names_the_field() -> None:
    error = profile_error(pregnant="maybe")
    assert "'pregnant'" in error.message
    assert "'maybe'" in error.message


def test_a_missing_required_field_names_it() -> None:
    raw = {key: value for key, value in BASE.items() if key != "ms_type"}
    with pytest.raises(InvalidInput) as raised:
        parse_profile(raw)
    assert "'ms_type'" in raised.value.message


def test_a_missing_required_field_does_not_quote_the_whole_profile() -> None:
    raw = {key: value for key, value in BASE.items() if key != "ms_type"}
    with pytest.raises(InvalidInput) as raised:
        parse_profile(raw)
    assert "planned_start_on" not in raised.value.message


def test_extra_fields_are_allowed_at_every_level() -> None:
    profile = parse_profile(
        {
            **BASE,
            "nickname": "Sam",
            "notes": {"free": "text"},
            "labs": [{"test": "IgG", "value": 9, "unit": "g/L", "on": "2026-11-02", "lab": "X"}],
            "vaccinations": [{"name": "flu", "live": False, "on": "2026-10-01", "lot": "A1"}],
        }
    )
    assert profile.ms_type == "RRMS"
    assert profile.labs[0].lab_test.name == "IgG"


def test_a_bad_treatment_status_names_the_field_and_the_value() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_status({"as_of": "2027-03-01", "signs": ["headache"]})
    assert raised.value.code == "input.bad-status"
    assert "signs.0" in raised.value.message
    assert "'headache'" in raised.value.message


def test_a_treatment_status_that_is_not_an_object_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_status(["as_of"])
    assert "expected a JSON object, got list" in raised.value.message
