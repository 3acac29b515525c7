"""Build one patient's chart as a FHIR R4 Bundle of type "collection" (docs/fhir.md).

The bundle holds, in this order: the Patient, the Condition recording the MS type, a
MedicationRequest per prescription, a MedicationAdministration per injection, an Observation per
laboratory result and per diary entry, an Immunization per vaccination, an AllergyIntolerance per
allergy and a DetectedIssue per active finding. Each full URL is `urn:uuid:<id>` and references
between resources use it. The Bundle's and the Patient's meta carry the knowledge-base version.

Every resource is validated by building its fhir.resources R4B model (fhir.resources 8 ships R5 at
the top level, R4B in `fhir.resources.R4B`, and no R4; R4B reads and writes R4 JSON for every
resource here). Nothing reads the clock: the same chart and knowledge base give the same JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from ofacare.errors import InvalidInput
from ofacare.interop.fhir.chart import PatientChart
from ofacare.interop.fhir.exchange_fields import full_url, knowledge_meta
from ofacare.interop.fhir.exchange_history import to_fhir_allergy, to_fhir_immunization
from ofacare.interop.fhir.exchange_issue import to_fhir_detected_issue
from ofacare.interop.fhir.exchange_medication import (
    to_fhir_medication_administration,
    to_fhir_medication_request,
)
from ofacare.interop.fhir.exchange_observation import (
    to_fhir_diary_observation,
    to_fhir_lab_observation,
)
from ofacare.interop.fhir.exchange_patient import to_fhir_ms_condition, to_fhir_patient
from ofacare.knowledge import KnowledgeBase
from ofacare.regimen.rules import RegimenRules


def build_patient_bundle(chart: PatientChart, *, kb: KnowledgeBase) -> dict[str, Any]:
    """Build the chart as a FHIR R4 collection Bundle (JSON), every resource validated."""
    meta = knowledge_meta(kb.version)
    entries = []
    for resource in _resources(chart, kb=kb, meta=meta):
        validate_resource(resource)
        entries.append({"fullUrl": full_url(resource["id"]), "resource": resource})
    return {"resourceType": "Bundle", "meta": meta, "type": "collection", "entry": entries}


def validate_resource(resource: dict[str, Any]) -> None:
    """Build the resource's fhir.resources R4B model; InvalidInput naming the field if it fails."""
    kind = resource["resourceType"]
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except ValidationError as exc:
        problem = exc.errors()[0]
        path = ".".join(str(part) for part in problem["loc"])
        raise InvalidInput(
            "fhir.invalid-export",
            f"{kind}/{resource.get('id')}: field '{path}' {problem['msg']} "
            f"(got {problem.get('input')!r}).",
            "The chart holds a value FHIR R4 cannot carry; correct the record.",
        ) from exc


def _resources(
    chart: PatientChart, *, kb: KnowledgeBase, meta: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    rules = RegimenRules.from_knowledge(kb)
    patient_id = chart.patient.id
    yield to_fhir_patient(chart.patient, meta=meta)
    yield to_fhir_ms_condition(chart.patient)
    for prescription in chart.prescriptions:
        yield to_fhir_medication_request(prescription, patient_id=patient_id, kb=kb, rules=rules)
    for injection in chart.injections:
        yield to_fhir_medication_administration(injection, patient_id=patient_id, rules=rules)
    for lab in chart.labs:
        yield to_fhir_lab_observation(lab, patient_id=patient_id)
    for entry in chart.diary:
        yield to_fhir_diary_observation(entry, patient_id=patient_id)
    for vaccination in chart.vaccinations:
        yield to_fhir_immunization(vaccination, patient_id=patient_id)
    for allergy in chart.allergies:
        yield to_fhir_allergy(allergy, patient_id=patient_id)
    for finding in chart.findings:
        yield to_fhir_detected_issue(finding, patient_id=patient_id)
