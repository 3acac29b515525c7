"""The chart export: a FHIR R4 collection Bundle whose resources validate, whose numbers come from
the knowledge base, and whose example matches the golden file byte for byte.

OFACARE_UPDATE_GOLDEN=1 rewrites golden/patient-bundle.json instead of comparing with it.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

import ofacare
from ofacare.errors import InvalidInput
from ofacare.interop.fhir import build_screening_profile, read_fhir_record
from ofacare.interop.fhir import exchange_extensions as ext
from ofacare.interop.fhir.bundle_export import build_patient_bundle
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
from ofacare.interop.fhir.codes import (
    DETECTED_ISSUE_SEVERITY,
    KNOWLEDGE_VERSION_SYSTEM,
    SNOMED,
    UNVERIFIED_CODES,
)
from ofacare.interop.fhir.medications import compute_treatment_start, find_ofatumumab_requests
from ofacare.knowledge import KnowledgeBase, default_knowledge, load_knowledge
from ofacare.safety.finding import Severity
from ofacare.safety.monitoring import monitor
from ofacare.safety.profile import LabResult, TreatmentStatus
from ofacare.safety.triage import triage

GOLDEN = Path(__file__).parent / "golden" / "patient-bundle.json"
DOCS = Path(__file__).parents[3] / "docs" / "fhir.md"
KB_PLACEHOLDER = "<knowledge-base-version>"

PATIENT_ID = "6f1c1c8e-6a36-4c5f-9d61-1a0f6f9a8a11"
PRESCRIPTION_ID = "0b7e8f51-3c1d-4d7a-9a55-2f3c1b6e9d01"
FIRST_DOSE_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e01"
LATE_DOSE_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e02"
AS_OF = date(2026, 3, 15)


def example_chart(kb: KnowledgeBase | None = None) -> PatientChart:
    """A patient in the loading weeks: dose 1 on time, dose 2 three days late, dose 3 not yet due;
    baseline IgG, IgM (low) and HBsAg; a diary entry after dose 2, a vaccine, an allergy, and the
    finding the monitoring rules raise for the low IgM."""
    kb = kb or default_knowledge()
    labs = (
        LabRecord(
            id="2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c01", loinc="2465-3", test="IgG", value=8.9,
            unit="g/L", result=None, reference_low=7.0, reference_high=16.0,
            collected_on=date(2026, 2, 10),
        ),
        LabRecord(
            id="2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c02", loinc="2472-9", test="IgM", value=0.35,
            unit="g/L", result="abnormal", reference_low=0.4, reference_high=2.3,
            collected_on=date(2026, 2, 10),
        ),
        LabRecord(
            id="2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c03", loinc="5196-1", test="HBsAg", value=None,
            unit=None, result="negative", reference_low=None, reference_high=None,
            collected_on=date(2026, 2, 10),
        ),
    )  # fmt: skip
    answer = triage("headache and chills", days_since_injection=0, dose_number=2, kb=kb)
    status = TreatmentStatus(
        country="GB", as_of=AS_OF, labs=tuple(_lab_result(lab) for lab in labs)
    )
    findings = tuple(
        ActiveFinding.from_finding(finding, patient_id=PATIENT_ID)
        for finding in monitor(status, kb=kb)
    )
    return PatientChart(
        patient=example_patient(),
        prescriptions=(
            Prescription(
                id=PRESCRIPTION_ID, start_on=date(2026, 3, 2), interval_mode="monthly",
                prescriber="Dr Priya Nair", written_on=date(2026, 2, 16), stopped_on=None,
            ),
        ),
        injections=(
            Injection(
                id=FIRST_DOSE_ID, prescription_id=PRESCRIPTION_ID,
                given_at=datetime(2026, 3, 2, 9, 40, tzinfo=UTC), dose_number=1, site="thigh-left",
                pen_lot="KX1234", pen_serial="SN-000187", injected_by="clinician",
                out_of_fridge_at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC), reactions=(),
                notes="First dose with the MS nurse.",
            ),
            Injection(
                id=LATE_DOSE_ID, prescription_id=PRESCRIPTION_ID,
                given_at=datetime(2026, 3, 12, 18, 20, tzinfo=UTC), dose_number=2,
                site="abdomen-right", pen_lot="KX1234", pen_serial=None, injected_by="self",
                out_of_fridge_at=datetime(2026, 3, 12, 17, 50, tzinfo=UTC),
                reactions=("headache", "chills"), notes=None,
            ),
        ),
        labs=labs,
        diary=(
            DiaryEntry(
                id="3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d01",
                recorded_at=datetime(2026, 3, 12, 21, 5, tzinfo=UTC),
                text="Headache and chills a few hours after my injection", choices=("headache", "chills"),
                urgency=answer.urgency.value, advice=answer.advice,
                resolved_at=datetime(2026, 3, 13, 10, 0, tzinfo=UTC),
            ),
        ),
        vaccinations=(
            VaccinationRecord(
                id="4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e01", name="Shingrix (zoster, recombinant)",
                live=False, given_on=date(2026, 1, 19),
            ),
        ),
        allergies=(
            Allergy(
                id="5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f01", substance="Penicillin",
                recorded_on=date(2019, 5, 2), note="Rash as a child.",
            ),
        ),
        findings=findings,
    )  # fmt: skip


def example_patient() -> PatientDetails:
    return PatientDetails(
        id=PATIENT_ID, given_name="Maya", family_name="Okafor", birth_date=date(1991, 6, 14),
        sex="female", country="GB", timezone="Europe/London", reminder_time=time(8, 30),
        email="maya.okafor@example.org", phone="+44 7700 900123", ms_type="RRMS",
        can_become_pregnant=True, pregnant=False, breastfeeding=False, active_infection=False,
        severely_immunocompromised=False, active_malignancy=False, immunosuppressants=(),
        planned_start_on=date(2026, 3, 2),
    )  # fmt: skip


def golden_text(bundle: dict[str, Any], version: str) -> str:
    """The bundle as the golden file holds it: sorted keys, indent 2, the version replaced."""
    text = json.dumps(bundle, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    return text.replace(version, KB_PLACEHOLDER)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def one(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    found = resources(bundle, kind)
    assert len(found) == 1, f"{len(found)} {kind} resources"
    return found[0]


def extension_values(resource: dict[str, Any], url: str) -> list[Any]:
    return [
        next(v for k, v in e.items() if k.startswith("value"))
        for e in resource.get("extension", [])
        if e["url"] == url
    ]


def _lab_result(lab: LabRecord) -> LabResult:
    return LabResult(
        test=lab.test, result=lab.result, value=lab.value, unit=lab.unit, on=lab.collected_on,
        reference_low=lab.reference_low, reference_high=lab.reference_high,
    )  # fmt: skip


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return default_knowledge()


@pytest.fixture(scope="module")
def bundle(kb: KnowledgeBase) -> dict[str, Any]:
    return build_patient_bundle(example_chart(kb), kb=kb)


# --- The golden file ----------------------------------------------------------------------------


def test_the_example_chart_exports_byte_for_byte_as_the_golden_bundle(
    bundle: dict[str, Any], kb: KnowledgeBase
) -> None:
    actual = golden_text(bundle, kb.version)
    if os.environ.get("OFACARE_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(actual, "utf-8")
    assert GOLDEN.read_text("utf-8") == actual


def test_the_example_has_a_late_loading_dose_the_three_labs_and_one_finding(
    bundle: dict[str, Any],
) -> None:
    chart = example_chart()
    first, late = chart.injections
    assert late.given_at - first.given_at > timedelta(days=7)  # dose 2 was due a week after dose 1
    assert [lab.test for lab in chart.labs] == ["IgG", "IgM", "HBsAg"]
    assert [f.code for f in chart.findings] == ["finding.ig-low-on-treatment"]
    assert len(resources(bundle, "DetectedIssue")) == 1


# --- Shape and validity ---------------------------------------------------------------------------


def test_every_exported_resource_validates_with_fhir_resources_r4b(bundle: dict[str, Any]) -> None:
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert model.id == resource["id"]


def test_the_bundle_is_a_collection_with_urn_uuid_full_urls_of_the_chart_ids(
    bundle: dict[str, Any],
) -> None:
    assert bundle["type"] == "collection"
    chart = example_chart()
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(e["fullUrl"] == "urn:uuid:" + e["resource"]["id"] for e in bundle["entry"])
    assert {"urn:uuid:" + ident for ident in chart.ids()} <= set(urls)


def test_the_resources_come_in_a_fixed_order_one_per_record(bundle: dict[str, Any]) -> None:
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds == [
        "Patient", "Condition", "MedicationRequest", "MedicationAdministration",
        "MedicationAdministration", "Observation", "Observation", "Observation", "Observation",
        "Immunization", "AllergyIntolerance", "DetectedIssue",
    ]  # fmt: skip


def test_bundle_and_patient_meta_carry_the_knowledge_base_version(
    bundle: dict[str, Any], kb: KnowledgeBase
) -> None:
    tag = {"system": KNOWLEDGE_VERSION_SYSTEM, "code": kb.version}
    for meta in (bundle["meta"], one(bundle, "Patient")["meta"]):
        assert [{k: t[k] for k in ("system", "code")} for t in meta["tag"]] == [tag]


def test_every_reference_points_at_a_resource_of_the_bundle_or_a_contained_one(
    bundle: dict[str, Any],
) -> None:
    urls = {entry["fullUrl"] for entry in bundle["entry"]}

    def references(value: Any, resource: dict[str, Any]) -> list[str]:
        if isinstance(value, dict):
            own = [value["reference"]] if isinstance(value.get("reference"), str) else []
            return own + [r for v in value.values() for r in references(v, resource)]
        if isinstance(value, list):
            return [r for v in value for r in references(v, resource)]
        return []

    for entry in bundle["entry"]:
        resource = entry["resource"]
        contained = {"#" + c["id"] for c in resource.get("contained", [])}
        for reference in references(resource, resource):
            assert reference in urls | contained, f"{resource['id']}: {reference}"


def test_the_export_writes_no_empty_strings_lists_or_objects(bundle: dict[str, Any]) -> None:
    def empties(value: Any, where: str) -> list[str]:
        if value is None or (isinstance(value, str | list | dict) and not value):
            return [where]
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in empties(v, f"{where}.{k}")]
        if isinstance(value, list):
            return [p for i, v in enumerate(value) for p in empties(v, f"{where}[{i}]")]
        return []

    assert empties(bundle, "$") == []


def test_the_same_chart_exports_the_same_json_twice(kb: KnowledgeBase) -> None:
    first = json.dumps(build_patient_bundle(example_chart(kb), kb=kb), sort_keys=True)
    assert json.dumps(build_patient_bundle(example_chart(kb), kb=kb), sort_keys=True) == first


# --- Patient and Condition ------------------------------------------------------------------------


def test_patient_carries_name_sex_birth_date_contacts_and_country(bundle: dict[str, Any]) -> None:
    patient = one(bundle, "Patient")
    assert patient["name"] == [{"use": "official", "family": "Okafor", "given": ["Maya"]}]
    assert (patient["gender"], patient["birthDate"]) == ("female", "1991-06-14")
    assert patient["telecom"] == [
        {"system": "email", "value": "maya.okafor@example.org"},
        {"system": "phone", "value": "+44 7700 900123"},
    ]
    assert patient["address"] == [{"country": "GB"}]


def test_patient_carries_timezone_reminder_time_and_screening_flags_as_extensions(
    bundle: dict[str, Any],
) -> None:
    patient = one(bundle, "Patient")
    assert extension_values(patient, "http://hl7.org/fhir/StructureDefinition/timezone") == [
        "Europe/London"
    ]
    assert extension_values(patient, ext.REMINDER_TIME) == ["08:30:00"]
    flags = {name: extension_values(patient, url) for name, url in ext.FLAG_EXTENSIONS.items()}
    assert flags["can_become_pregnant"] == [True]
    assert all(values == [False] for name, values in flags.items() if name != "can_become_pregnant")
    assert extension_values(patient, ext.PLANNED_START) == ["2026-03-02"]
    assert extension_values(patient, ext.IMMUNOSUPPRESSANT) == []


def test_a_patient_without_contacts_or_planned_start_writes_neither(kb: KnowledgeBase) -> None:
    details = replace(
        example_patient(), email=None, phone=None, planned_start_on=None,
        immunosuppressants=("teriflunomide", "fingolimod"),
    )  # fmt: skip
    patient = one(build_patient_bundle(PatientChart(patient=details), kb=kb), "Patient")
    assert "telecom" not in patient
    assert extension_values(patient, ext.PLANNED_START) == []
    assert extension_values(patient, ext.IMMUNOSUPPRESSANT) == ["teriflunomide", "fingolimod"]


@pytest.mark.parametrize(
    ("ms_type", "snomed"),
    [
        ("RRMS", "426373005"),
        ("active-SPMS", "425500002"),
        ("non-active-SPMS", "425500002"),
        ("PPMS", "428700003"),
        ("CIS", None),
    ],
)
def test_the_ms_condition_is_coded_in_snomed_where_a_code_exists_beside_the_ofacare_type(
    ms_type: str, snomed: str | None, kb: KnowledgeBase
) -> None:
    details = replace(example_patient(), ms_type=ms_type)
    condition = one(build_patient_bundle(PatientChart(patient=details), kb=kb), "Condition")
    codes = {c["system"]: c["code"] for c in condition["code"]["coding"]}
    assert codes.get(SNOMED) == snomed
    assert codes["urn:ofacare:ms-type"] == ms_type
    assert condition["subject"] == {"reference": "urn:uuid:" + PATIENT_ID}


def test_the_rrms_code_is_the_one_the_knowledge_base_conflict_resolves_to(
    bundle: dict[str, Any], kb: KnowledgeBase
) -> None:
    condition = one(bundle, "Condition")
    snomed = next(c["code"] for c in condition["code"]["coding"] if c["system"] == SNOMED)
    conflict = kb.conflicts["conflict.snomed-rrms-code"]
    assert snomed in conflict.resolution
    assert "relapsing-remitting" in conflict.resolution.lower()


# --- Prescriptions ------------------------------------------------------------------------------


def test_the_prescription_is_ofatumumab_at_the_knowledge_base_dose(
    bundle: dict[str, Any], kb: KnowledgeBase
) -> None:
    request = one(bundle, "MedicationRequest")
    codes = {c["system"]: c["code"] for c in request["medicationCodeableConcept"]["coding"]}
    assert codes["http://hl7.org/fhir/sid/ndc"] == "0078-1007"
    assert codes["http://www.whocc.no/atc"] == "L04AG12"
    dose = kb.number("dosing.dose-amount", "mg")
    for dosage in request["dosageInstruction"]:
        assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == dose
        assert dosage["route"]["coding"][0]["code"] == "34206005"
    assert (request["status"], request["intent"], request["authoredOn"]) == (
        "active", "order", "2026-02-16",
    )  # fmt: skip
    assert request["requester"] == {"display": "Dr Priya Nair"}


def test_the_loading_timing_is_three_doses_a_week_apart_from_the_start(
    bundle: dict[str, Any], kb: KnowledgeBase
) -> None:
    loading = one(bundle, "MedicationRequest")["dosageInstruction"][0]
    assert loading["sequence"] == 1
    assert loading["timing"]["repeat"] == {
        "boundsPeriod": {"start": "2026-03-02"},
        "count": kb.whole_number("dosing.loading-dose-count", "count"),
        "frequency": 1,
        "period": kb.whole_number("dosing.loading-interval", "day"),
        "periodUnit": "d",
    }
    assert loading["text"] == kb.statement("dosing.loading-dose-count")


@pytest.mark.parametrize(
    ("mode", "period", "unit", "fact"),
    [
        ("monthly", 1, "mo", "dosing.maintenance-interval"),
        ("four-weekly", 28, "d", "dosing.four-weekly-interval"),
    ],
)
def test_the_maintenance_timing_starts_in_week_4_and_repeats_by_the_interval_mode(
    mode: str, period: int, unit: str, fact: str, kb: KnowledgeBase
) -> None:
    chart = replace(
        example_chart(kb), injections=(), prescriptions=(
            Prescription(
                id=PRESCRIPTION_ID, start_on=date(2026, 3, 2), interval_mode=mode,
                prescriber=None, written_on=date(2026, 3, 1), stopped_on=None,
            ),
        ),
    )  # fmt: skip
    request = one(build_patient_bundle(chart, kb=kb), "MedicationRequest")
    maintenance = request["dosageInstruction"][1]
    assert maintenance["sequence"] == 2
    assert maintenance["timing"]["repeat"] == {
        "boundsPeriod": {"start": "2026-03-30"},  # week 4: start + 2 x 7 + 14 days
        "frequency": 1,
        "period": period,
        "periodUnit": unit,
    }
    assert maintenance["text"] == kb.statement(fact)
    assert "requester" not in request
    assert kb.cite([fact])[0] in request["note"][0]["text"]


def test_the_schedule_numbers_follow_the_knowledge_base_not_the_code(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(Path(ofacare.__file__).parent / "knowledge" / "data", folder)
    dosing = folder / "dosing.yaml"
    text = dosing.read_text("utf-8")
    assert "    value: 3\n    unit: count" in text
    dosing.write_text(
        text.replace("    value: 3\n    unit: count", "    value: 4\n    unit: count")
    )
    changed = load_knowledge(folder)
    request = one(build_patient_bundle(example_chart(kb), kb=changed), "MedicationRequest")
    loading, maintenance = request["dosageInstruction"]
    assert loading["timing"]["repeat"]["count"] == 4
    assert maintenance["timing"]["repeat"]["boundsPeriod"] == {"start": "2026-04-06"}


@pytest.mark.parametrize(
    ("stopped_on", "status"),
    [(None, "active"), (date(2026, 3, 1), "stopped"), (date(2027, 1, 5), "stopped")],
)
def test_a_stopped_prescription_has_status_stopped_and_the_date_in_status_changed(
    stopped_on: date | None, status: str, kb: KnowledgeBase
) -> None:
    chart = example_chart(kb)
    stopped = replace(chart.prescriptions[0], stopped_on=stopped_on)
    request = one(
        build_patient_bundle(replace(chart, prescriptions=(stopped,)), kb=kb), "MedicationRequest"
    )
    assert request["status"] == status
    expected = [] if stopped_on is None else [stopped_on.isoformat()]
    assert extension_values(request, ext.STATUS_CHANGED) == expected


# --- Injections ---------------------------------------------------------------------------------


def test_an_injection_records_time_request_dose_number_lot_serial_and_notes(
    bundle: dict[str, Any],
) -> None:
    first = resources(bundle, "MedicationAdministration")[0]
    assert first["effectiveDateTime"] == "2026-03-02T09:40:00Z"
    assert first["request"] == {"reference": "urn:uuid:" + PRESCRIPTION_ID}
    assert extension_values(first, ext.DOSE_NUMBER) == [1]
    assert extension_values(first, ext.OUT_OF_FRIDGE_AT) == ["2026-03-02T09:05:00Z"]
    medication, device = first["contained"]
    assert first["medicationReference"] == {"reference": "#" + medication["id"]}
    assert medication["batch"] == {"lotNumber": "KX1234"}
    assert first["device"] == [{"reference": "#" + device["id"]}]
    assert device["serialNumber"] == "SN-000187"
    assert first["note"] == [{"text": "First dose with the MS nurse."}]


def test_an_injection_without_serial_or_notes_writes_no_device_or_note(
    bundle: dict[str, Any],
) -> None:
    late = resources(bundle, "MedicationAdministration")[1]
    assert [c["resourceType"] for c in late["contained"]] == ["Medication"]
    assert "device" not in late and "note" not in late
    assert extension_values(late, ext.INJECTION_REACTION) == ["headache", "chills"]


@pytest.mark.parametrize(
    ("site", "snomed"),
    [
        ("thigh-left", "61396006"),
        ("thigh-right", "11207009"),
        ("upper-arm-left", "368208006"),
        ("upper-arm-right", "368209003"),
        ("abdomen-left", "68505006"),
        ("abdomen-right", "48544008"),
        ("buttock-left", None),
    ],
)
def test_the_injection_site_is_coded_in_snomed_where_known_beside_the_ofacare_site(
    site: str, snomed: str | None, kb: KnowledgeBase
) -> None:
    chart = example_chart(kb)
    injection = replace(chart.injections[0], site=site)
    bundle = build_patient_bundle(replace(chart, injections=(injection,)), kb=kb)
    coding = one(bundle, "MedicationAdministration")["dosage"]["site"]["coding"]
    codes = {c["system"]: c["code"] for c in coding}
    assert codes.get(SNOMED) == snomed
    assert codes["urn:ofacare:injection-site"] == site


@pytest.mark.parametrize(
    ("injected_by", "actor_type", "references_patient"),
    [
        ("self", "Patient", True),
        ("caregiver", "RelatedPerson", False),
        ("clinician", "Practitioner", False),
    ],
)
def test_the_performer_names_who_injected(
    injected_by: str, actor_type: str, references_patient: bool, kb: KnowledgeBase
) -> None:
    chart = example_chart(kb)
    injection = replace(chart.injections[0], injected_by=injected_by)
    bundle = build_patient_bundle(replace(chart, injections=(injection,)), kb=kb)
    actor = one(bundle, "MedicationAdministration")["performer"][0]["actor"]
    assert actor["type"] == actor_type
    assert ("reference" in actor) is references_patient


def test_every_unverified_code_is_named_in_the_docs() -> None:
    docs = DOCS.read_text("utf-8")
    for system, code in UNVERIFIED_CODES:
        assert code in docs, f"{system} {code} is not listed in docs/fhir.md"
    assert "UNVERIFIED" in docs.upper()


# --- Observations, vaccinations, allergies, findings ----------------------------------------------


def test_a_lab_value_is_a_quantity_with_its_range_and_its_word_as_interpretation(
    bundle: dict[str, Any],
) -> None:
    igm = resources(bundle, "Observation")[1]
    assert igm["code"]["coding"][0] == {"system": "http://loinc.org", "code": "2472-9"}
    assert igm["valueQuantity"] == {
        "value": 0.35, "unit": "g/L", "system": "http://unitsofmeasure.org", "code": "g/L",
    }  # fmt: skip
    assert igm["referenceRange"] == [
        {
            "low": {
                "value": 0.4,
                "unit": "g/L",
                "system": "http://unitsofmeasure.org",
                "code": "g/L",
            },
            "high": {
                "value": 2.3,
                "unit": "g/L",
                "system": "http://unitsofmeasure.org",
                "code": "g/L",
            },
        }
    ]
    assert igm["interpretation"][0]["coding"][0]["code"] == "A"
    assert igm["interpretation"][0]["text"] == "abnormal"
    assert igm["effectiveDateTime"] == "2026-02-10"


def test_a_lab_word_alone_is_a_coded_concept_and_no_result_is_a_data_absent_reason(
    kb: KnowledgeBase,
) -> None:
    chart = example_chart(kb)
    hbsag = chart.labs[2]
    nothing = replace(hbsag, id="2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c09", result=None)
    odd_unit = replace(
        chart.labs[0], id="2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c08", unit="g per litre", result="low"
    )
    labs = resources(
        build_patient_bundle(replace(chart, labs=(hbsag, nothing, odd_unit)), kb=kb), "Observation"
    )
    assert labs[0]["valueCodeableConcept"] == {
        "coding": [{"system": SNOMED, "code": "260385009"}], "text": "negative",
    }  # fmt: skip
    assert labs[1]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert "valueCodeableConcept" not in labs[1] and "valueQuantity" not in labs[1]
    assert labs[2]["valueQuantity"] == {"value": 8.9, "unit": "g per litre"}
    assert labs[2]["interpretation"] == [{"text": "low"}]


def test_the_exported_chart_reads_through_the_cds_hooks_readers(
    bundle: dict[str, Any],
) -> None:
    record = read_fhir_record({"chart": bundle})
    profile = build_screening_profile(record, planned_start_on=date(2026, 3, 2))
    assert (profile.ms_type, profile.country, profile.sex) == ("RRMS", "GB", "female")
    assert [(lab.test, lab.value, lab.result) for lab in profile.labs] == [
        ("IgG", 8.9, "normal"), ("IgM", 0.35, "abnormal"), ("HBsAg", None, "negative"),
    ]  # fmt: skip
    assert [(v.name, v.live) for v in profile.vaccinations] == [
        ("Shingrix (zoster, recombinant)", False)
    ]
    requests = find_ofatumumab_requests(record.medication_requests, record)
    assert [compute_treatment_start(r) for r in requests] == [date(2026, 3, 2)]


def test_a_diary_entry_carries_the_words_the_choices_the_urgency_and_the_advice(
    bundle: dict[str, Any],
) -> None:
    entry = resources(bundle, "Observation")[3]
    chart = example_chart()
    assert entry["category"][0]["coding"][0]["code"] == "survey"
    assert entry["valueString"] == "Headache and chills a few hours after my injection"
    assert entry["effectivePeriod"] == {
        "start": "2026-03-12T21:05:00Z",
        "end": "2026-03-13T10:00:00Z",
    }
    parts = [(c["code"]["coding"][0]["code"], c.get("valueString")) for c in entry["component"]]
    assert parts == [
        ("urgency", None), ("advice", chart.diary[0].advice), ("choice", "headache"), ("choice", "chills"),
    ]  # fmt: skip
    urgency = entry["component"][0]["valueCodeableConcept"]["coding"][0]
    assert urgency == {"system": "urn:ofacare:triage-urgency", "code": "self_care"}


def test_an_unresolved_diary_entry_has_an_effective_date_time(kb: KnowledgeBase) -> None:
    chart = example_chart(kb)
    entry = replace(chart.diary[0], resolved_at=None)
    observation = resources(
        build_patient_bundle(replace(chart, diary=(entry,)), kb=kb), "Observation"
    )[-1]
    assert observation["effectiveDateTime"] == "2026-03-12T21:05:00Z"
    assert "effectivePeriod" not in observation


def test_a_vaccination_and_an_allergy_carry_their_names_dates_and_live_flag(
    bundle: dict[str, Any],
) -> None:
    immunization = one(bundle, "Immunization")
    assert immunization["vaccineCode"] == {"text": "Shingrix (zoster, recombinant)"}
    assert immunization["occurrenceDateTime"] == "2026-01-19"
    assert extension_values(immunization, ext.LIVE_VACCINE) == [False]
    allergy = one(bundle, "AllergyIntolerance")
    assert (allergy["code"], allergy["recordedDate"]) == ({"text": "Penicillin"}, "2019-05-02")
    assert allergy["note"] == [{"text": "Rash as a child."}]


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (Severity.DO_NOT_START, "high"),
        (Severity.REFER, "high"),
        (Severity.WAIT, "moderate"),
        (Severity.CAUTION, "moderate"),
        (Severity.INFO, "low"),
    ],
)
def test_a_finding_severity_maps_onto_detected_issue_severity(
    severity: Severity, expected: str, kb: KnowledgeBase
) -> None:
    chart = example_chart(kb)
    finding = replace(chart.findings[0], severity=severity)
    issue = one(build_patient_bundle(replace(chart, findings=(finding,)), kb=kb), "DetectedIssue")
    assert issue["severity"] == expected
    assert set(DETECTED_ISSUE_SEVERITY) == {s.value for s in Severity}


def test_a_detected_issue_names_the_finding_code_title_and_detail(bundle: dict[str, Any]) -> None:
    issue = one(bundle, "DetectedIssue")
    finding = example_chart().findings[0]
    assert issue["code"]["coding"] == [
        {"system": "urn:ofacare:finding", "code": finding.code, "display": finding.title}
    ]
    assert (issue["detail"], issue["status"]) == (finding.detail, "final")
    assert issue["patient"] == {"reference": "urn:uuid:" + PATIENT_ID}


# --- What the chart refuses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "not-a-uuid"}, "PatientDetails.id"),
        ({"id": PATIENT_ID.upper()}, "PatientDetails.id"),
        ({"given_name": "  "}, "PatientDetails.given_name"),
        ({"sex": "f"}, "PatientDetails.sex"),
        ({"country": "gb"}, "PatientDetails.country"),
        ({"timezone": "Mars/Olympus"}, "PatientDetails.timezone"),
        ({"reminder_time": time(8, 30, tzinfo=UTC)}, "PatientDetails.reminder_time"),
        ({"email": ""}, "PatientDetails.email"),
        ({"ms_type": "SPMS"}, "PatientDetails.ms_type"),
        ({"pregnant": "no"}, "PatientDetails.pregnant"),
        ({"immunosuppressants": ["fingolimod"]}, "PatientDetails.immunosuppressants"),
        ({"birth_date": datetime(1991, 6, 14, tzinfo=UTC)}, "PatientDetails.birth_date"),
    ],
)
def test_patient_details_refuse_a_bad_field_naming_it_and_quoting_the_value(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        replace(example_patient(), **change)
    assert caught.value.code == "chart.invalid-field"
    assert caught.value.message.startswith(field + ": ")
    assert repr(next(iter(change.values()))) in caught.value.message


@pytest.mark.parametrize(
    ("record", "change", "field"),
    [
        (0, {"given_at": datetime(2026, 3, 2, 9, 40)}, "Injection.given_at"),
        (0, {"dose_number": 0}, "Injection.dose_number"),
        (0, {"dose_number": True}, "Injection.dose_number"),
        (0, {"site": "Left Thigh"}, "Injection.site"),
        (0, {"injected_by": "nurse"}, "Injection.injected_by"),
        (1, {"loinc": "IgG"}, "LabRecord.loinc"),
        (1, {"test": "igg"}, "LabRecord.test"),
        (1, {"value": float("nan")}, "LabRecord.value"),
        (1, {"value": None}, "LabRecord.unit"),
        (2, {"urgency": "soon"}, "DiaryEntry.urgency"),
        (2, {"resolved_at": datetime(2026, 3, 12, 21, 4, tzinfo=UTC)}, "DiaryEntry.resolved_at"),
    ],
)
def test_records_refuse_a_bad_field_naming_it(
    record: int, change: dict[str, Any], field: str
) -> None:
    chart = example_chart()
    originals = (chart.injections[0], chart.labs[0], chart.diary[0])
    with pytest.raises(InvalidInput) as caught:
        replace(originals[record], **change)
    assert caught.value.message.startswith(field + ": ")


def test_a_dose_number_of_one_and_a_diary_resolved_when_recorded_are_accepted() -> None:
    chart = example_chart()
    assert replace(chart.injections[1], dose_number=1).dose_number == 1
    entry = replace(chart.diary[0], resolved_at=chart.diary[0].recorded_at)
    assert entry.resolved_at == entry.recorded_at


def test_a_chart_refuses_a_repeated_id_and_an_injection_of_an_unknown_prescription() -> None:
    chart = example_chart()
    with pytest.raises(InvalidInput, match="is the id of more than one record"):
        replace(chart, allergies=(replace(chart.allergies[0], id=chart.labs[0].id),))
    with pytest.raises(InvalidInput, match="names no prescription in the chart"):
        replace(chart, prescriptions=())


def test_a_chart_refuses_a_list_where_a_tuple_of_records_belongs() -> None:
    chart = example_chart()
    with pytest.raises(InvalidInput, match=r"PatientChart.labs: .* is not a tuple of LabRecord"):
        replace(chart, labs=list(chart.labs))
    with pytest.raises(InvalidInput, match="is not a tuple of Allergy"):
        replace(chart, allergies=(chart.labs[0],))
