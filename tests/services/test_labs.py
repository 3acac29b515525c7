"""Labs: recording results (clinicians only; impossible values refused naming the field) and each
test's results over time with changes from the previous result and the baseline, and range flags."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ofacare.errors import InvalidInput, NotAllowed, NotFound
from ofacare.records.tables import AuditEntry
from ofacare.services.labs import LabForm, list_lab_series, record_lab
from tests.people import build_world
from tests.services.test_planning import TODAY, prescribe


def lab(**fields: object) -> LabForm:
    return LabForm.model_validate({"collected_on": date(2026, 2, 1), **fields})


def record(runtime, world, **fields: object):  # type: ignore[no-untyped-def]
    return record_lab(
        runtime, world.clinician, world.patient_id, lab(**fields), idempotency_key=None
    )


def test_a_named_test_is_stored_with_its_ofacare_name_and_loinc(runtime):
    world = build_world(runtime)
    stored = record(
        runtime, world, test="igg", value=9.5, unit="G/L", reference_low=7, reference_high=16
    )
    assert (stored.test, stored.loinc, stored.unit, stored.value) == ("IgG", "2465-3", "g/L", 9.5)
    assert stored.recorded_by == world.clinician.user_id


def test_a_loinc_code_is_kept_as_sent_beside_the_ofacare_name(runtime):
    world = build_world(runtime)
    stored = record(runtime, world, test="5196-1", result="Negative")
    assert (stored.test, stored.loinc, stored.result, stored.value) == (
        "HBsAg",
        "5196-1",
        "negative",
        None,
    )


def test_a_test_without_a_loinc_code_is_stored_with_an_empty_code(runtime):
    world = build_world(runtime)
    assert record(runtime, world, test="liver-panel", result="normal").loinc == ""


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"test": "IgG", "value": -0.1, "unit": "g/L"}, "value", "lab.negative"),
        (
            {"test": "IgG", "value": 9, "unit": "g/L", "reference_low": -1},
            "reference_low",
            "lab.negative",
        ),
        (
            {"test": "IgG", "value": 9, "unit": "g/L", "reference_low": 16, "reference_high": 7},
            "reference_low",
            "lab.bad-range",
        ),
        ({"test": "IgG", "value": 9, "unit": "U/L"}, "unit", "lab.unknown-unit"),
        ({"test": "IgG", "value": 9}, "unit", "lab.unknown-unit"),
        ({"test": "HBsAg", "value": 1.2, "unit": "g/L"}, "value", "lab.value-not-used"),
        ({"test": "HBsAg", "result": "maybe"}, "result", "lab.unknown-result"),
        ({"test": "HBsAg", "result": "negative", "unit": "g/L"}, "unit", "lab.range-without-value"),
        (
            {"test": "IgG", "value": 9, "unit": "g/L", "result": "normal"},
            "value and result",
            "lab.value-or-result",
        ),
        ({"test": "IgX", "value": 9, "unit": "g/L"}, "test", "input.unknown-test"),
    ],
    ids=[
        "negative",
        "negative-range",
        "low-above-high",
        "foreign-unit",
        "no-unit",
        "value-for-word",
        "unknown-word",
        "unit-with-word",
        "both",
        "unknown-test",
    ],
)
def test_impossible_results_are_refused_naming_the_field(runtime, fields, field, code):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as raised:
        record(runtime, world, **fields)
    assert raised.value.code == code
    assert raised.value.message.startswith(f"{field}:")


def test_zero_and_an_equal_range_are_possible(runtime):
    world = build_world(runtime)
    stored = record(
        runtime, world, test="CD19", value=0, unit="cells/uL", reference_low=40, reference_high=40
    )
    assert stored.value == 0


def test_a_result_collected_today_is_accepted_and_tomorrow_is_refused(runtime):
    world = build_world(runtime)
    assert record(runtime, world, test="IgM", value=1, unit="g/L", collected_on=TODAY)
    with pytest.raises(InvalidInput) as raised:
        record(
            runtime, world, test="IgM", value=1, unit="g/L", collected_on=TODAY + timedelta(days=1)
        )
    assert raised.value.message.startswith("collected_on: '2026-03-03'")


def test_a_result_collected_before_birth_is_refused(runtime):
    world = build_world(runtime)  # born 1990-05-17
    assert record(runtime, world, test="IgM", value=1, unit="g/L", collected_on=date(1990, 5, 17))
    with pytest.raises(InvalidInput) as raised:
        record(runtime, world, test="IgM", value=1, unit="g/L", collected_on=date(1990, 5, 16))
    assert raised.value.message.startswith("collected_on: '1990-05-16'")


def test_only_clinicians_record_results_and_only_for_their_own_team(runtime):
    world = build_world(runtime)
    for actor in (world.patient, world.caregiver):
        with pytest.raises(NotAllowed):
            record_lab(
                runtime,
                actor,
                world.patient_id,
                lab(test="IgG", value=9, unit="g/L"),
                idempotency_key=None,
            )
    with pytest.raises(NotFound):
        record_lab(
            runtime,
            world.outsider_clinician,
            world.patient_id,
            lab(test="IgG", value=9, unit="g/L"),
            idempotency_key=None,
        )


# --- Results over time ----------------------------------------------------------------------------


def test_igg_over_time_shows_changes_from_the_previous_result_and_the_baseline(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=date(2026, 1, 5), taken_on=(date(2026, 1, 5),))
    for on, value, unit in (
        (date(2025, 12, 1), 11.0, "g/L"),
        (date(2026, 1, 2), 10.0, "g/L"),
        (date(2026, 2, 2), 900, "mg/dL"),
        (date(2026, 3, 1), 6.5, "g/L"),
    ):
        record(
            runtime,
            world,
            test="IgG",
            value=value,
            unit=unit,
            collected_on=on,
            reference_low=7 if unit == "g/L" else 700,
            reference_high=16 if unit == "g/L" else 1600,
        )
    [series] = list_lab_series(runtime, world.patient, world.patient_id, test="IgG")
    points = series.points
    assert series.baseline_on == date(2026, 1, 2)  # the last result before the first dose
    assert [p.is_baseline for p in points] == [False, True, False, False]
    assert [p.change_from_previous for p in points] == [None, -1.0, -1.0, -2.5]
    assert [p.change_from_baseline for p in points] == [None, None, -1.0, -3.5]
    assert {p.change_unit for p in points} == {"g/L"}
    assert [p.flag for p in points] == ["within", "within", "within", "below"]


def test_a_result_on_the_lower_limit_is_within_and_just_below_it_is_below(runtime):
    world = build_world(runtime)
    for on, value in (
        (date(2026, 1, 1), 40.0),
        (date(2026, 2, 1), 39.9),
        (date(2026, 2, 2), 1601.0),
    ):
        record(
            runtime,
            world,
            test="CD19",
            value=value,
            unit="cells/uL",
            collected_on=on,
            reference_low=40,
            reference_high=1600,
        )
    [series] = list_lab_series(runtime, world.clinician, world.patient_id, test="8116-6")
    assert [p.flag for p in series.points] == ["within", "below", "above"]


def test_without_a_dose_the_baseline_is_the_first_measured_result(runtime):
    world = build_world(runtime)
    record(runtime, world, test="IgM", result="normal", collected_on=date(2025, 11, 1))
    record(runtime, world, test="IgM", value=1.2, unit="g/L", collected_on=date(2025, 12, 1))
    record(runtime, world, test="IgM", value=1.0, unit="g/L", collected_on=date(2026, 1, 1))
    [series] = list_lab_series(runtime, world.clinician, world.patient_id)
    assert series.baseline_on == date(2025, 12, 1)
    assert [p.flag for p in series.points] == [None, None, None]  # no range given
    assert series.points[2].change_from_baseline == pytest.approx(-0.2)


def test_units_that_do_not_convert_show_no_change_between_them(runtime):
    world = build_world(runtime)
    for on, value, unit in (
        (date(2026, 1, 1), 0.8, "mg/dL"),
        (date(2026, 2, 1), 15.0, "umol/L"),
        (date(2026, 2, 15), 18.0, "umol/L"),
    ):
        record(runtime, world, test="bilirubin", value=value, unit=unit, collected_on=on)
    [series] = list_lab_series(runtime, world.clinician, world.patient_id, test="bilirubin")
    assert [p.change_from_previous for p in series.points] == [None, None, 3.0]
    assert series.points[2].change_unit == "umol/L"


def test_every_test_gets_its_own_series_in_ofacares_order(runtime):
    world = build_world(runtime)
    record(runtime, world, test="CD19", value=120, unit="cells/uL")
    record(runtime, world, test="IgG", value=9, unit="g/L")
    record(runtime, world, test="HBsAg", result="negative")
    names = [s.test.name for s in list_lab_series(runtime, world.caregiver, world.patient_id)]
    assert names == ["HBsAg", "IgG", "CD19"]


def test_asking_for_an_unknown_test_is_refused_naming_the_field(runtime):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as raised:
        list_lab_series(runtime, world.clinician, world.patient_id, test="IgQ")
    assert raised.value.message.startswith("test: 'IgQ'")


def test_recording_and_reading_labs_leave_audit_entries(runtime):
    world = build_world(runtime)
    record(runtime, world, test="IgG", value=9, unit="g/L")
    list_lab_series(runtime, world.patient, world.patient_id)
    with runtime.database.reading() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.user_id).where(
                AuditEntry.patient_id == world.patient_id
            )
        ).all()
    assert ("lab.record", world.clinician.user_id) in rows
    assert ("lab.read", world.patient.user_id) in rows
