"""The safety engine's screening profile, read from a patient's records."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.records.tables import Allergy, LabResult, Patient, Vaccination
from ofacare.safety.profile import LabResult as ProfileLab
from ofacare.safety.profile import ScreeningProfile
from ofacare.safety.profile import Vaccination as ProfileVaccination

OFATUMUMAB_WORDS = ("ofatumumab", "kesimpta")


def load_screening_profile(session: Session, patient: Patient) -> ScreeningProfile | None:
    """The profile for the patient's planned start, or None when no start is planned."""
    if patient.planned_start_on is None:
        return None
    labs = session.scalars(select(LabResult).where(LabResult.patient_id == patient.id))
    vaccinations = session.scalars(select(Vaccination).where(Vaccination.patient_id == patient.id))
    allergies = session.scalars(select(Allergy.substance).where(Allergy.patient_id == patient.id))
    return ScreeningProfile(
        birth_date=patient.birth_date,
        sex=patient.sex,
        can_become_pregnant=patient.can_become_pregnant,
        pregnant=patient.pregnant,
        breastfeeding=patient.breastfeeding,
        country=patient.country,
        ms_type=patient.ms_type,
        planned_start_on=patient.planned_start_on,
        labs=tuple(to_profile_lab(lab) for lab in labs),
        vaccinations=tuple(
            ProfileVaccination(name=v.name, live=v.live, on=v.given_on) for v in vaccinations
        ),
        active_infection=patient.active_infection,
        severely_immunocompromised=patient.severely_immunocompromised,
        active_malignancy=patient.active_malignancy,
        hypersensitivity_to_ofatumumab=any(
            word in substance.lower() for substance in allergies for word in OFATUMUMAB_WORDS
        ),
        immunosuppressants=tuple(patient.immunosuppressants),
    )


def to_profile_lab(lab: LabResult) -> ProfileLab:
    """A stored lab result in the form the safety rules read."""
    return ProfileLab(
        test=lab.test,
        value=lab.value,
        unit=lab.unit,
        result=lab.result,
        on=lab.collected_on,
        reference_low=lab.reference_low,
        reference_high=lab.reference_high,
    )
