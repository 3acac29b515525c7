"""FHIR R4 in: prefetch bundles and resources read into the safety engine's profiles."""

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
    "UnreadableFhirData",
    "build_screening_profile",
    "build_treatment_status",
    "compute_start_on",
    "compute_treatment_start",
    "find_ofatumumab_requests",
    "is_ofatumumab",
    "medicine_of",
    "read_bundle_resources",
    "read_fhir_record",
]
