"""Vaccinations and allergies to and from FHIR Immunization and AllergyIntolerance.

An Immunization carries the vaccine's name as text and whether it is live in an ofacare extension
(the name alone cannot always tell; codes.py reads codes and names for data from elsewhere). An
AllergyIntolerance carries the substance as text, the date it was recorded and the note.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.immunization import Immunization

from ofacare.interop.fhir import exchange_extensions as ext
from ofacare.interop.fhir.chart import Allergy, VaccinationRecord
from ofacare.interop.fhir.codes import ALLERGY_CLINICAL
from ofacare.interop.fhir.exchange_fields import (
    coding,
    concept,
    read_date,
    reference_to,
    required,
    to_fhir_date,
)


def to_fhir_immunization(vaccination: VaccinationRecord, *, patient_id: str) -> dict[str, Any]:
    """The Immunization for one vaccination."""
    return {
        "resourceType": "Immunization",
        "id": vaccination.id,
        "extension": [ext.extension(ext.LIVE_VACCINE, "Boolean", vaccination.live)],
        "status": "completed",
        "vaccineCode": concept(text=vaccination.name),
        "patient": reference_to(patient_id),
        "occurrenceDateTime": to_fhir_date(vaccination.given_on),
    }


def to_fhir_allergy(allergy: Allergy, *, patient_id: str) -> dict[str, Any]:
    """The AllergyIntolerance for one allergy."""
    resource: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": allergy.id,
        "clinicalStatus": concept(coding(ALLERGY_CLINICAL, "active", "Active")),
        "code": concept(text=allergy.substance),
        "patient": reference_to(patient_id),
        "recordedDate": to_fhir_date(allergy.recorded_on),
    }
    if allergy.note is not None:
        resource["note"] = [{"text": allergy.note}]
    return resource


def from_fhir_immunization(immunization: Immunization, *, where: str) -> VaccinationRecord:
    """A VaccinationRecord from an Immunization written as above."""
    name = immunization.vaccineCode.text if immunization.vaccineCode else None
    return VaccinationRecord(
        id=required(immunization.id, where=where, field="id"),
        name=required(name, where=where, field="vaccineCode.text"),
        live=ext.get_extension_value(
            immunization.extension, ext.LIVE_VACCINE, "Boolean", where=where
        ),
        given_on=read_date(
            immunization.occurrenceDateTime, where=where, field="occurrenceDateTime"
        ),
    )


def from_fhir_allergy(allergy: AllergyIntolerance, *, where: str) -> Allergy:
    """An Allergy from an AllergyIntolerance written as above."""
    substance = allergy.code.text if allergy.code else None
    notes = [n.text for n in allergy.note or [] if n.text]
    return Allergy(
        id=required(allergy.id, where=where, field="id"),
        substance=required(substance, where=where, field="code.text"),
        recorded_on=read_date(allergy.recordedDate, where=where, field="recordedDate"),
        note="\n\n".join(notes) if notes else None,
    )
