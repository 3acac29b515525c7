"""The chart import: the golden bundle reads back as the example chart, unknown types are skipped,
and bad data raises InvalidInput or UnreadableFhirData naming the entry, the resource and the field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ofacare.errors import InvalidInput
from ofacare.interop.fhir import UnreadableFhirData
from ofacare.interop.fhir import exchange_extensions as ext
from ofacare.interop.fhir.bundle_import import read_patient_bundle
from ofacare.interop.fhir.chart import PatientChart
from tests.interop.fhir.test_bundle_export import GOLDEN, PATIENT_ID, example_chart

Bundle = dict[str, Any]


def golden() -> Bundle:
    bundle: Bundle = json.loads(GOLDEN.read_text("utf-8"))
    return bundle


def entry_of(bundle: Bundle, kind: str, index: int = 0) -> dict[str, Any]:
    resources = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    found: dict[str, Any] = resources[index]
    return found


def read_error(bundle: Any, kind: type[Exception] = Exception) -> Exception:
    with pytest.raises((InvalidInput, UnreadableFhirData)) as caught:
        read_patient_bundle(bundle)
    assert isinstance(caught.value, kind)
    return caught.value


# --- What comes back ------------------------------------------------------------------------------


def test_the_golden_bundle_reads_back_as_the_example_chart_without_findings() -> None:
    assert read_patient_bundle(golden()) == replace(example_chart(), findings=())


def test_detected_issues_and_resource_types_a_chart_does_not_hold_are_skipped() -> None:
    bundle = golden()
    bundle["entry"] += [
        {"resource": {"resourceType": "Basic", "id": "x", "code": {"text": "note"}}},
        {"resource": {"resourceType": "SomethingFromR6", "id": "y", "anything": [1, 2]}},
        {"resource": {"resourceType": "DetectedIssue", "status": "not-a-status"}},
    ]
    chart = read_patient_bundle(bundle)
    assert chart.findings == ()
    assert len(chart.labs) == 3


def test_the_entries_may_come_in_any_order_and_records_keep_the_bundle_order() -> None:
    bundle = golden()
    bundle["entry"].reverse()
    chart = read_patient_bundle(bundle)
    expected = example_chart()
    assert chart.labs == tuple(reversed(expected.labs))
    assert chart.injections == tuple(reversed(expected.injections))
    assert chart.patient == expected.patient


def test_a_bundle_with_only_a_patient_and_condition_reads_as_an_empty_chart() -> None:
    bundle = golden()
    bundle["entry"] = bundle["entry"][:2]
    assert read_patient_bundle(bundle) == PatientChart(patient=example_chart().patient)


def test_the_ms_type_falls_back_to_the_snomed_code_without_the_ofacare_coding() -> None:
    bundle = golden()
    condition = entry_of(bundle, "Condition")
    condition["code"]["coding"] = [{"system": "http://snomed.info/sct", "code": "428700003"}]
    assert read_patient_bundle(bundle).patient.ms_type == "PPMS"


def test_the_injection_site_falls_back_to_the_snomed_code_without_the_ofacare_coding() -> None:
    bundle = golden()
    site = entry_of(bundle, "MedicationAdministration")["dosage"]["site"]
    site["coding"] = [c for c in site["coding"] if c["system"] == "http://snomed.info/sct"]
    assert read_patient_bundle(bundle).injections[0].site == "thigh-left"


def test_the_lab_test_name_falls_back_to_the_loinc_code_without_the_ofacare_coding() -> None:
    bundle = golden()
    code = entry_of(bundle, "Observation")["code"]
    code["coding"] = [c for c in code["coding"] if c["system"] == "http://loinc.org"]
    assert read_patient_bundle(bundle).labs[0].test == "IgG"


def test_a_performer_without_a_type_who_is_the_patient_injected_themselves() -> None:
    bundle = golden()
    actor = entry_of(bundle, "MedicationAdministration", 1)["performer"][0]["actor"]
    assert actor.pop("type") == "Patient"
    assert read_patient_bundle(bundle).injections[1].injected_by == "self"


def test_a_stopped_prescription_reads_its_stop_date_from_status_changed() -> None:
    bundle = golden()
    request = entry_of(bundle, "MedicationRequest")
    request["status"] = "stopped"
    request["extension"] = [ext.extension(ext.STATUS_CHANGED, "DateTime", "2026-04-01")]
    assert read_patient_bundle(bundle).prescriptions[0].stopped_on == date(2026, 4, 1)


# --- Bad data: not a bundle, not FHIR -------------------------------------------------------------


@pytest.mark.parametrize(
    ("bundle", "where"),
    [
        ([], "Bundle: expected a FHIR Bundle"),
        ({"resourceType": "Patient"}, "Bundle: expected a FHIR Bundle"),
        ({"resourceType": "Bundle", "entry": {}}, "Bundle.entry: expected a list"),
        ({"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}, "Bundle.entry[0]: expected"),
        ({"resourceType": "Bundle", "entry": ["x"]}, "Bundle.entry[0]: expected"),
        ({"resourceType": "Bundle", "entry": [{"resource": {"id": "a"}}]}, "Bundle.entry[0]: "),
    ],
)
def test_something_that_is_not_a_bundle_of_resources_is_invalid_input(
    bundle: Any, where: str
) -> None:
    error = read_error(bundle, InvalidInput)
    assert error.code == "fhir.invalid-bundle"  # type: ignore[attr-defined]
    assert error.message.startswith(where)  # type: ignore[attr-defined]


def test_a_resource_that_is_not_valid_fhir_names_the_entry_the_resource_and_the_field() -> None:
    bundle = golden()
    entry_of(bundle, "Observation", 1)["valueQuantity"]["value"] = "low"
    error = read_error(bundle, InvalidInput)
    assert error.code == "fhir.invalid-bundle"  # type: ignore[attr-defined]
    message = error.message  # type: ignore[attr-defined]
    assert message.startswith("Bundle.entry[6] (Observation/2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c02)")
    assert "field 'valueQuantity.value'" in message and "'low'" in message


# --- Bad data: valid FHIR, not a chart ---------------------------------------------------------


def drop_patient(bundle: Bundle) -> None:
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]


def add_second_patient(bundle: Bundle) -> None:
    bundle["entry"].append(copy.deepcopy(bundle["entry"][0]))


def drop_condition(bundle: Bundle) -> None:
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Condition"]


def drop_dose_number(bundle: Bundle) -> None:
    administration = entry_of(bundle, "MedicationAdministration")
    administration["extension"] = administration["extension"][1:]


def repeat_timezone(bundle: Bundle) -> None:
    patient = entry_of(bundle, "Patient")
    patient["extension"].append(patient["extension"][0])


def partial_birth_date(bundle: Bundle) -> None:
    entry_of(bundle, "Patient")["birthDate"] = "1991-06"


def date_only_injection(bundle: Bundle) -> None:
    entry_of(bundle, "MedicationAdministration")["effectiveDateTime"] = "2026-03-02"


def another_medicine(bundle: Bundle) -> None:
    entry_of(bundle, "MedicationRequest")["medicationCodeableConcept"] = {"text": "Aubagio 14 mg"}


def unknown_loinc(bundle: Bundle) -> None:
    entry_of(bundle, "Observation")["code"] = {
        "coding": [{"system": "http://loinc.org", "code": "1989-3"}]
    }


def bad_urgency(bundle: Bundle) -> None:
    diary = entry_of(bundle, "Observation", 3)
    diary["component"][0]["valueCodeableConcept"]["coding"][0]["code"] = "whenever"


def remote_request(bundle: Bundle) -> None:
    entry_of(bundle, "MedicationAdministration")["request"] = {
        "reference": "https://ehr.example.org/fhir/MedicationRequest/9"
    }


def no_maintenance_timing(bundle: Bundle) -> None:
    request = entry_of(bundle, "MedicationRequest")
    request["dosageInstruction"] = request["dosageInstruction"][:1]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (drop_patient, "Bundle: Patient appears 0 times"),
        (add_second_patient, "Bundle: Patient appears 2 times"),
        (drop_condition, "Bundle: Condition with a multiple sclerosis type is missing"),
        (drop_dose_number, "(MedicationAdministration/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e01): extension https://ofacare.org/fhir/StructureDefinition/dose-number is missing"),
        (repeat_timezone, "(Patient/6f1c1c8e-6a36-4c5f-9d61-1a0f6f9a8a11): extension http://hl7.org/fhir/StructureDefinition/timezone appears 2 times"),
        (partial_birth_date, "birthDate '1991-06' is not a full date"),
        (date_only_injection, "effectiveDateTime datetime.date(2026, 3, 2) is not a date and time"),
        (another_medicine, "(MedicationRequest/0b7e8f51-3c1d-4d7a-9a55-2f3c1b6e9d01): medication[x] is not ofatumumab"),
        (unknown_loinc, "code LOINC '1989-3' is not a test ofacare knows"),
        (bad_urgency, "urgency component 'whenever' is not a triage urgency"),
        (remote_request, "request.reference 'https://ehr.example.org/fhir/MedicationRequest/9' points outside"),
        (no_maintenance_timing, "dosageInstruction with sequence 2 is missing"),
    ],
)  # fmt: skip
def test_valid_fhir_without_what_a_chart_needs_is_unreadable_naming_resource_and_field(
    damage: Callable[[Bundle], None], expected: str
) -> None:
    bundle = golden()
    damage(bundle)
    error = read_error(bundle, UnreadableFhirData)
    assert error.code == "fhir.unreadable-chart"  # type: ignore[attr-defined]
    assert expected in error.message  # type: ignore[attr-defined]


def test_values_that_break_a_chart_rule_are_invalid_input_naming_the_resource() -> None:
    bundle = golden()
    entry_of(bundle, "Immunization")["id"] = "vaccine-1"
    error = read_error(bundle, InvalidInput)
    assert error.code == "fhir.invalid-chart-data"  # type: ignore[attr-defined]
    assert error.message.startswith(
        "Bundle.entry[9] (Immunization/vaccine-1): VaccinationRecord.id"
    )  # type: ignore[attr-defined]


def test_an_injection_of_a_prescription_the_bundle_lacks_is_invalid_input() -> None:
    bundle = golden()
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "MedicationRequest"
    ]
    error = read_error(bundle, InvalidInput)
    assert error.message.startswith("Bundle: Injection")  # type: ignore[attr-defined]
    assert "names no prescription in the chart" in error.message  # type: ignore[attr-defined]


def test_the_patient_id_in_the_golden_bundle_is_the_example_patient() -> None:
    assert entry_of(golden(), "Patient")["id"] == PATIENT_ID


# --- Damage at random: an error that names where, never a traceback ---------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, as a path of keys and indexes."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        return found + [p for k, v in value.items() for p in paths(v, (*prefix, k))]
    if isinstance(value, list):
        return found + [p for i, v in enumerate(value) for p in paths(v, (*prefix, i))]
    return found


GOLDEN_PATHS = paths(golden())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    where=st.sampled_from(GOLDEN_PATHS),
    action=st.sampled_from(["delete", "replace"]),
    value=JSON_VALUES,
)
def test_damage_anywhere_in_the_bundle_raises_a_named_error_or_still_reads(
    where: tuple[Any, ...], action: str, value: Any
) -> None:
    bundle = golden()
    parent = bundle
    for key in where[:-1]:
        parent = parent[key]
    if action == "delete":
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    try:
        chart = read_patient_bundle(bundle)
    except (InvalidInput, UnreadableFhirData) as error:
        assert error.message.startswith("Bundle")
    else:
        assert isinstance(chart, PatientChart)
