"""Prescriptions: a clinician records a course (start date, spacing), stops or corrects it."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import computed_field

from ofacare.api.auth import CurrentActor, IdempotencyKey, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.services import prescriptions
from ofacare.services.prescriptions import PrescriptionChanges, PrescriptionForm

router = APIRouter(tags=["prescriptions"], responses=ERROR_RESPONSES)


class PrescriptionOut(Out):
    id: str
    start_on: date
    interval_mode: str
    prescriber: str | None
    written_on: date
    stopped_on: date | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def active(self) -> bool:
        """Whether this is the course the schedule follows (the one not stopped)."""
        return self.stopped_on is None


@router.get("/patients/{patient_id}/prescriptions", response_model=list[PrescriptionOut])
def list_prescriptions(
    patient_id: str, runtime: RuntimeDep, actor: CurrentActor
) -> list[PrescriptionOut]:
    """The patient's prescriptions, newest first; the active one has `active: true`."""
    found = prescriptions.list_prescriptions(runtime, actor, patient_id)
    return [PrescriptionOut.model_validate(p) for p in found]


@router.post(
    "/patients/{patient_id}/prescriptions", response_model=PrescriptionOut, status_code=201
)
def create_prescription(
    patient_id: str,
    body: PrescriptionForm,
    runtime: RuntimeDep,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> PrescriptionOut:
    """Record a prescription (clinicians): start_on is dose 1; interval_mode 'monthly' (label)
    or '4-weekly' ('four-weekly' is read the same). It stops the active one: doses count from 1
    again in the new course."""
    made = prescriptions.create_prescription(
        runtime, actor, patient_id, body, idempotency_key=idempotency_key
    )
    return PrescriptionOut.model_validate(made)


@router.patch(
    "/patients/{patient_id}/prescriptions/{prescription_id}", response_model=PrescriptionOut
)
def change_prescription(
    patient_id: str,
    prescription_id: str,
    body: PrescriptionChanges,
    runtime: RuntimeDep,
    actor: CurrentActor,
) -> PrescriptionOut:
    """Stop the course (stopped_on), or move its start or spacing before dose 1 is recorded
    (clinicians)."""
    changed = prescriptions.change_prescription(runtime, actor, patient_id, prescription_id, body)
    return PrescriptionOut.model_validate(changed)
