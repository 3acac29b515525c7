"""The round trip is lossless: any valid chart exported and read back is the same chart without its
findings, and exporting it again gives the same JSON, also after the bundle has been JSON text.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ofacare.interop.fhir.bundle_export import build_patient_bundle
from ofacare.interop.fhir.bundle_import import read_patient_bundle
from ofacare.interop.fhir.chart import (
    ActiveFinding,
    Allergy,
    DiaryEntry,
    Injection,
    LabRecord,
    PatientChart,
    PatientDetails,
    Prescription,
    VaccinationRecord,
)
from ofacare.interop.fhir.codes import SNOMED_BY_INJECTION_SITE
from ofacare.knowledge import default_knowledge
from ofacare.safety.finding import Severity
from ofacare.safety.lab_tests import LAB_TESTS
from tests.interop.fhir.test_bundle_export import example_chart

KB = default_knowledge()
ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- Strategies: every value a valid chart can hold ---------------------------------------------

uuids = st.uuids().map(str)
# Any text with a visible character: control characters, accents, emoji and surrounding spaces too.
texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12).filter(
    str.strip
)
optional_texts = st.none() | texts
dates = st.dates(date(1900, 1, 1), date(2100, 12, 31))
offsets = st.sampled_from([timedelta(0), timedelta(hours=2), timedelta(hours=-5, minutes=-30)])
instants = st.builds(
    lambda moment, offset: moment.replace(tzinfo=UTC).astimezone(timezone(offset)),
    st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1)),
    offsets,
)
numbers = st.floats(allow_nan=False, allow_infinity=False, width=64)
slugs = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
sites = st.sampled_from(sorted(SNOMED_BY_INJECTION_SITE)) | slugs


@st.composite
def patients(draw: st.DrawFn, ident: str) -> PatientDetails:
    return PatientDetails(
        id=ident,
        given_name=draw(texts),
        family_name=draw(texts),
        birth_date=draw(dates),
        sex=draw(st.sampled_from(["female", "male", "other", "unknown"])),
        country=draw(st.sampled_from(["US", "GB", "DE", "CH", "AU"])),
        timezone=draw(
            st.sampled_from(["Europe/London", "America/New_York", "UTC", "Asia/Kolkata"])
        ),
        reminder_time=draw(st.times()),
        email=draw(optional_texts),
        phone=draw(optional_texts),
        ms_type=draw(st.sampled_from(["CIS", "RRMS", "active-SPMS", "non-active-SPMS", "PPMS"])),
        can_become_pregnant=draw(st.booleans()),
        pregnant=draw(st.booleans()),
        breastfeeding=draw(st.booleans()),
        active_infection=draw(st.booleans()),
        severely_immunocompromised=draw(st.booleans()),
        active_malignancy=draw(st.booleans()),
        immunosuppressants=tuple(draw(st.lists(texts, max_size=3))),
        planned_start_on=draw(st.none() | dates),
    )


@st.composite
def prescriptions(draw: st.DrawFn, ident: str) -> Prescription:
    return Prescription(
        id=ident,
        start_on=draw(dates),
        interval_mode=draw(st.sampled_from(["monthly", "four-weekly"])),
        prescriber=draw(optional_texts),
        written_on=draw(dates),
        stopped_on=draw(st.none() | dates),
    )


@st.composite
def injections(draw: st.DrawFn, ident: str, prescription_ids: list[str]) -> Injection:
    return Injection(
        id=ident,
        prescription_id=draw(st.sampled_from(prescription_ids)),
        given_at=draw(instants),
        dose_number=draw(st.integers(1, 2**31 - 1)),
        site=draw(sites),
        pen_lot=draw(optional_texts),
        pen_serial=draw(optional_texts),
        injected_by=draw(st.sampled_from(["self", "caregiver", "clinician"])),
        out_of_fridge_at=draw(st.none() | instants),
        reactions=tuple(draw(st.lists(texts, max_size=3))),
        notes=draw(optional_texts),
    )


@st.composite
def labs(draw: st.DrawFn, ident: str) -> LabRecord:
    test = draw(st.sampled_from(LAB_TESTS))
    value = draw(st.none() | numbers)
    return LabRecord(
        id=ident,
        loinc=draw(st.sampled_from(test.loinc or ("11111-1",))),
        test=test.name,
        value=value,
        unit=None if value is None else draw(st.none() | st.sampled_from(["g/L", "mg/dL"]) | texts),
        result=draw(st.none() | st.sampled_from(["negative", "Positive", "normal"]) | texts),
        reference_low=draw(st.none() | numbers),
        reference_high=draw(st.none() | numbers),
        collected_on=draw(dates),
    )


@st.composite
def diary_entries(draw: st.DrawFn, ident: str) -> DiaryEntry:
    recorded = draw(instants)
    later = draw(st.none() | st.timedeltas(timedelta(0), timedelta(days=30)))
    return DiaryEntry(
        id=ident,
        recorded_at=recorded,
        text=draw(texts),
        choices=tuple(draw(st.lists(texts, max_size=3))),
        urgency=draw(st.sampled_from(["emergency", "urgent", "contact_team", "self_care"])),
        advice=draw(texts),
        resolved_at=None if later is None else recorded + later,
    )


@st.composite
def charts(draw: st.DrawFn) -> PatientChart:
    sizes = draw(st.lists(st.integers(0, 2), min_size=7, max_size=7))
    ids = iter(draw(st.lists(uuids, min_size=1 + sum(sizes), max_size=1 + sum(sizes), unique=True)))
    patient_id = next(ids)
    scripts = [draw(prescriptions(next(ids))) for _ in range(sizes[0])]
    if sizes[1] and not scripts:  # an injection names a prescription of the chart
        scripts = [draw(prescriptions(str(UUID(int=1))))]
    return PatientChart(
        patient=draw(patients(patient_id)),
        prescriptions=tuple(scripts),
        injections=tuple(draw(injections(next(ids), [p.id for p in scripts])) for _ in range(sizes[1])),
        labs=tuple(draw(labs(next(ids))) for _ in range(sizes[2])),
        diary=tuple(draw(diary_entries(next(ids))) for _ in range(sizes[3])),
        vaccinations=tuple(
            VaccinationRecord(id=next(ids), name=draw(texts), live=draw(st.booleans()), given_on=draw(dates))
            for _ in range(sizes[4])
        ),
        allergies=tuple(
            Allergy(id=next(ids), substance=draw(texts), recorded_on=draw(dates), note=draw(optional_texts))
            for _ in range(sizes[5])
        ),
        findings=tuple(
            ActiveFinding(
                id=next(ids), code=draw(slugs), severity=draw(st.sampled_from(list(Severity))),
                title=draw(texts), detail=draw(texts),
            )
            for _ in range(sizes[6])
        ),
    )  # fmt: skip


def through_json(bundle: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(json.dumps(bundle))
    return parsed


# --- Properties ---------------------------------------------------------------------------------


@ROUND_TRIP
@given(chart=charts())
def test_random_charts_round_trip_losslessly_without_their_findings(chart: PatientChart) -> None:
    assert read_patient_bundle(build_patient_bundle(chart, kb=KB)) == replace(chart, findings=())


@ROUND_TRIP
@given(chart=charts())
def test_export_import_export_gives_identical_json_even_through_json_text(
    chart: PatientChart,
) -> None:
    first = build_patient_bundle(chart, kb=KB)
    again = replace(read_patient_bundle(through_json(first)), findings=chart.findings)
    second = build_patient_bundle(again, kb=KB)
    assert json.dumps(second, sort_keys=True) == json.dumps(first, sort_keys=True)


# --- Examples at the edges --------------------------------------------------------------------------


def test_the_example_chart_survives_two_round_trips() -> None:
    chart = example_chart(KB)
    once = read_patient_bundle(build_patient_bundle(chart, kb=KB))
    twice = read_patient_bundle(build_patient_bundle(once, kb=KB))
    assert once == twice == replace(chart, findings=())


def test_an_instant_with_another_offset_comes_back_as_the_same_instant_in_utc() -> None:
    chart = example_chart(KB)
    berlin = timezone(timedelta(hours=1))
    given_at = datetime(2026, 3, 2, 10, 40, 0, 250_000, tzinfo=berlin)
    injection = replace(chart.injections[0], given_at=given_at)
    back = read_patient_bundle(build_patient_bundle(replace(chart, injections=(injection,)), kb=KB))
    assert back.injections[0].given_at == given_at
    assert back.injections[0].given_at.utcoffset() == timedelta(0)
    assert back.injections[0].given_at.isoformat() == "2026-03-02T09:40:00.250000+00:00"


def test_a_reminder_with_seconds_and_text_with_spaces_and_control_characters_survive() -> None:
    chart = example_chart(KB)
    patient = replace(chart.patient, reminder_time=time(7, 5, 9, 120), given_name=" Zoë\tAnn ")
    note = replace(chart.allergies[0], note="line one\nline two\x07")
    back = read_patient_bundle(
        build_patient_bundle(replace(chart, patient=patient, allergies=(note,)), kb=KB)
    )
    assert back.patient.reminder_time == time(7, 5, 9, 120)
    assert back.patient.given_name == " Zoë\tAnn "
    assert back.allergies[0].note == "line one\nline two\x07"


def test_extreme_and_whole_lab_numbers_survive() -> None:
    chart = example_chart(KB)
    values = (5e-324, 1.7976931348623157e308, -0.0, 7.0, 0.1 + 0.2)
    records = tuple(
        replace(chart.labs[0], id=str(UUID(int=i + 100)), value=v, reference_low=v)
        for i, v in enumerate(values)
    )
    back = read_patient_bundle(build_patient_bundle(replace(chart, labs=records), kb=KB))
    assert [lab.value for lab in back.labs] == list(values)
    assert [lab.reference_low for lab in back.labs] == list(values)
