"""Setting the start date of a course: the checklist for that date first, then the prescription.

The screening rules judge a first dose on the date the clinician proposes. The decision stays
the prescriber's: ofacare shows what the checklist found (and the pages ask the clinician to
confirm they have read it) but adds no rule of its own about when a course may start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ofacare.records.tables import Prescription
from ofacare.safety.screening import Readiness, ScreeningResult, screen
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import PatientChanges
from ofacare.services.patients import change_patient, check_start, local_today
from ofacare.services.planning import load_treatment
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from ofacare.services.runtime import Runtime
from ofacare.services.screening import build_profile


@dataclass(frozen=True, slots=True)
class StartCheck:
    """The checklist's verdict for a first dose on `start_on`."""

    start_on: date
    result: ScreeningResult
    on_treatment: bool
    """A dose is on record already: a new prescription starts a new course."""

    @property
    def has_findings(self) -> bool:
        """Something stands in the way (a wait, a referral, a contraindication, a missing test)."""
        return self.result.readiness is not Readiness.READY or bool(self.result.missing)


def check_course_start(
    runtime: Runtime, actor: Actor, patient_id: str, start_on: date
) -> StartCheck:
    """Run the pre-treatment checklist for a first dose on `start_on`; nothing is stored.

    A date no prescription could start on is refused first, as `create_prescription` would.
    """
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="checklist.read",
            now=now,
        )
        check_start(start_on, today=local_today(patient, now))
        result = screen(build_profile(session, patient, start_on=start_on), kb=runtime.kb)
        on_treatment = load_treatment(session, patient.id).first_dose_on is not None
        return StartCheck(start_on=start_on, result=result, on_treatment=on_treatment)


def start_course(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    form: PrescriptionForm,
    *,
    idempotency_key: str | None,
) -> Prescription:
    """Record the prescription and make its start the planned start the checklist reads."""
    prescription = create_prescription(
        runtime, actor, patient_id, form, idempotency_key=idempotency_key
    )
    change_patient(runtime, actor, patient_id, PatientChanges(planned_start_on=form.start_on))
    return prescription
