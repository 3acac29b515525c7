"""Fuzzing the FHIR readers: the chart import (bundle_import.py and the exchange_* readers) and the
CDS Hooks prefetch (record.py, prefetch.py) into the safety engine.

A Bundle or prefetch either reads, and what it reads is well-formed (a chart that exports and reads
back the same; a profile the rules screen), or is refused with InvalidInput, UnreadableFhirData or
MissingFhirData naming where in the input the problem is. Damage is aimed at valid documents: any
place at random, and dates, numbers and codes in particular.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from ofacare.errors import InvalidInput
from ofacare.interop.fhir import (
    MissingFhirData,
    UnreadableFhirData,
    build_screening_profile,
    build_treatment_status,
    read_fhir_record,
)
from ofacare.interop.fhir.bundle_export import build_patient_bundle
from ofacare.interop.fhir.bundle_import import CHART_TYPES, read_patient_bundle
from ofacare.interop.fhir.chart import PatientChart
from ofacare.knowledge import default_knowledge
from ofacare.safety.monitoring import monitor
from ofacare.safety.screening import Readiness, screen
from tests.fuzz.parser_strategies import (
    BAD_DATES,
    DELETE,
    EDGE_NUMBERS,
    JSON_VALUES,
    NASTY,
    assert_names_a_field,
    changed,
    is_date_text,
    is_number,
    mutated,
    parser_settings,
)
from tests.interop.cds_hooks.support import screened_prefetch
from tests.interop.fhir.test_bundle_export import GOLDEN

BUNDLE: dict[str, Any] = json.loads(GOLDEN.read_text("utf-8"))
PREFETCH = screened_prefetch()
START = date(2026, 12, 1)
CODE_TEXT = st.sampled_from(["", " ", "xyz", "5195-3", "1742-6", "16933-4", "unknown", "24700007"])
AIMED = {
    "dates": (is_date_text, BAD_DATES | st.dates().map(date.isoformat)),
    "numbers": (is_number, EDGE_NUMBERS),
    "texts": (lambda value: isinstance(value, str), CODE_TEXT | NASTY),
}
CHART_ERRORS = (InvalidInput, UnreadableFhirData)
COURSE_START = ("entry", 2, "resource", "dosageInstruction", 0, "timing", "repeat")
PREFETCH_ERRORS = (InvalidInput, UnreadableFhirData, MissingFhirData)


def check_bundle(raw: Any) -> None:
    try:
        chart = read_patient_bundle(raw)
    except CHART_ERRORS as error:
        assert_names_a_field(error, "Bundle")
        return
    assert isinstance(chart, PatientChart)
    # What reads is a chart: it exports as valid FHIR and reads back the same.
    again = read_patient_bundle(build_patient_bundle(chart, kb=default_knowledge()))
    assert again == chart


def check_prefetch(raw: Any) -> None:
    try:
        record = read_fhir_record(raw)
        profile = build_screening_profile(record, planned_start_on=START)
        status = build_treatment_status(record, as_of=START)
    except PREFETCH_ERRORS as error:
        assert_names_a_field(error, "prefetch", "Patient/", "Observation", "Immunization")
        return
    result = screen(profile)
    assert result.readiness in set(Readiness)
    for finding in [*result.findings, *monitor(status)]:
        assert finding.code and finding.citations, finding


@parser_settings(ci=150)
@given(mutated(BUNDLE, most=4))
@example(changed(BUNDLE, ("entry", 2, "resource", "id"), "0" * 1_000))  # a 2,000-character message
# A course starting in 9999 read, then overflowed the plan's date arithmetic on export.
@example(changed(BUNDLE, (*COURSE_START, "boundsPeriod", "start"), "9999-12-31"))
def test_a_damaged_bundle_reads_as_a_chart_or_is_refused_naming_the_entry(raw: Any) -> None:
    check_bundle(raw)


@parser_settings(ci=120)
@given(aim=st.sampled_from(sorted(AIMED)), data=st.data())
def test_bad_dates_numbers_and_codes_in_a_bundle_are_read_or_refused(
    aim: str, data: st.DataObject
) -> None:
    where, values = AIMED[aim]
    check_bundle(data.draw(mutated(BUNDLE, most=3, values=values, at=where)))


@parser_settings(ci=60)
@given(kind=st.sampled_from(sorted(CHART_TYPES)), body=st.dictionaries(st.text(), JSON_VALUES))
def test_any_json_as_a_chart_resource_is_refused_naming_the_entry(
    kind: str, body: dict[str, Any]
) -> None:
    bundle = json.loads(json.dumps(BUNDLE))
    bundle["entry"].append({"resource": {**body, "resourceType": kind}})
    check_bundle(bundle)


@parser_settings(ci=40)
@given(JSON_VALUES)
def test_any_json_as_a_bundle_is_refused_or_read(raw: Any) -> None:
    check_bundle(raw)


IMMUNIZATION = ("immunizations", "entry", 0, "resource")


@parser_settings(ci=100)
@given(mutated(PREFETCH, most=4))
# Found by fuzzing: a year-9999 partial date overflowed; dates outside 1900-2199 and a missing
# vaccineCode escaped as pydantic and attribute errors (HTTP 500 in the CDS service).
@example(changed(PREFETCH, ("patient", "birthDate"), "9999"))
@example(changed(PREFETCH, ("patient", "birthDate"), "1850-01-01"))
@example(changed(PREFETCH, (*IMMUNIZATION, "occurrenceDateTime"), "0001-01-01"))
@example(changed(PREFETCH, (*IMMUNIZATION, "vaccineCode"), DELETE))
def test_a_damaged_prefetch_screens_or_is_refused_naming_the_resource(raw: Any) -> None:
    check_prefetch(raw)


@parser_settings(ci=80)
@given(aim=st.sampled_from(sorted(AIMED)), data=st.data())
def test_bad_dates_numbers_and_codes_in_a_prefetch_screen_or_are_refused(
    aim: str, data: st.DataObject
) -> None:
    where, values = AIMED[aim]
    check_prefetch(data.draw(mutated(PREFETCH, most=3, values=values, at=where)))


@parser_settings(ci=40)
@given(st.dictionaries(st.sampled_from(sorted(PREFETCH)), JSON_VALUES))
def test_any_json_as_prefetch_values_is_refused_or_read(raw: dict[str, Any]) -> None:
    check_prefetch(raw)
