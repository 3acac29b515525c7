"""Patients: the list a person can see, one record, changes, and who looked at it."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.api.auth import CurrentActor, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, AccessOut, PatientOut
from ofacare.services import patients
from ofacare.services.forms import PatientChanges, PatientForm

router = APIRouter(tags=["patients"], responses=ERROR_RESPONSES)


@router.get("/patients", response_model=list[PatientOut])
def list_patients(runtime: RuntimeDep, actor: CurrentActor) -> list[PatientOut]:
    """Your own record (patient), those who invited you (caregiver), or your panel (clinician)."""
    return [PatientOut.model_validate(p) for p in patients.list_patients(runtime, actor)]


@router.post("/patients", response_model=PatientOut, status_code=201)
def create_patient(body: PatientForm, runtime: RuntimeDep, actor: CurrentActor) -> PatientOut:
    """Add a patient to your care team (clinicians)."""
    return PatientOut.model_validate(patients.create_patient(runtime, actor, body))


@router.get("/patients/{patient_id}", response_model=PatientOut)
def get_patient(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> PatientOut:
    return PatientOut.model_validate(patients.get_patient(runtime, actor, patient_id))


@router.patch("/patients/{patient_id}", response_model=PatientOut)
def change_patient(
    patient_id: str, body: PatientChanges, runtime: RuntimeDep, actor: CurrentActor
) -> PatientOut:
    """Patients change their settings (timezone, reminder time, contact); clinicians the profile."""
    return PatientOut.model_validate(patients.change_patient(runtime, actor, patient_id, body))


@router.get("/patients/{patient_id}/access-log", response_model=list[AccessOut])
def who_looked(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> list[AccessOut]:
    """Who read or changed this record, newest first (the patient's own view)."""
    return [
        AccessOut.model_validate(a) for a in patients.list_record_access(runtime, actor, patient_id)
    ]
