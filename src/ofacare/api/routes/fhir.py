"""FHIR R4 exchange: a patient's chart as a Bundle, and importing one into a care team."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from ofacare.api.auth import CurrentActor, IdempotencyKey, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, PatientOut
from ofacare.services import fhir_exchange

router = APIRouter(tags=["fhir"], responses=ERROR_RESPONSES)
FHIR_JSON = "application/fhir+json"


@router.get(
    "/patients/{patient_id}/fhir",
    response_class=JSONResponse,
    responses={200: {"content": {FHIR_JSON: {}}, "description": "A FHIR R4 Bundle (collection)"}},
)
def export_patient(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> JSONResponse:
    """The patient's chart as a FHIR R4 Bundle: Patient, Condition, MedicationRequest,
    MedicationAdministration, Observation (labs, symptoms), Immunization, AllergyIntolerance and
    DetectedIssue for today's active findings. Importing it elsewhere loses nothing."""
    bundle = fhir_exchange.export_bundle(runtime, actor, patient_id)
    return JSONResponse(bundle, media_type=FHIR_JSON)


@router.post("/fhir/import", response_model=PatientOut, status_code=201)
def import_patient(
    runtime: RuntimeDep,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
    bundle: dict[str, Any] = Body(description="A FHIR R4 Bundle exported by ofacare or an EHR"),  # noqa: B008
) -> PatientOut:
    """Import a patient from a FHIR R4 Bundle into your care team (clinicians), keeping every
    resource id. Ids that exist already are refused with 409; nothing is overwritten."""
    patient = fhir_exchange.import_bundle(runtime, actor, bundle, idempotency_key=idempotency_key)
    return PatientOut.model_validate(patient)
