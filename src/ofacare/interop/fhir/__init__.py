"""FHIR R4: prefetch bundles read into the safety engine's profiles, and a patient's chart
exported as a Bundle and imported back."""

from ofacare.interop.fhir.bundle_export import build_patient_bundle
from ofacare.interop.fhir.bundle_import import read_patient_bundle
from ofacare.interop.fhir.chart import PatientChart
from ofacare.interop.fhir.medications import (
    compute_start_on,
    compute_treatment_start,
    find_ofatumumab_requests,
    is_ofatumumab,
    medicine_of,
)
from ofacare.interop.fhir.prefetch import build_screening_profile, build_treatment_status
from ofacare.interop.fhir.record import (
    FhirRecord,
    MissingFhirData,
    UnreadableFhirData,
    read_bundle_resources,
    read_fhir_record,
)

__all__ = [
    "FhirRecord",
    "MissingFhirData",
    "PatientChart",
    "UnreadableFhirData",
    "build_patient_bundle",
    "build_screening_profile",
    "build_treatment_status",
    "compute_start_on",
    "compute_treatment_start",
    "find_ofatumumab_requests",
    "is_ofatumumab",
    "medicine_of",
    "read_bundle_resources",
    "read_fhir_record",
    "read_patient_bundle",
]
