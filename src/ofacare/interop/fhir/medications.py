"""MedicationRequests: which one is ofatumumab (Kesimpta), its planned start, and the
immunosuppressants a patient takes.

A request names its medicine by medicationCodeableConcept or by medicationReference to a Medication
(contained in the request or sent alongside it). Ofatumumab is recognised by RxNorm, NDC product,
SNOMED or name (codes.py); Arzerra, the leukaemia product, is not Kesimpta.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationrequest import MedicationRequest

from ofacare.interop.fhir.codes import (
    NDC,
    NOT_KESIMPTA_NAMES,
    OFATUMUMAB_NAMES,
    OFATUMUMAB_RXNORM,
    OFATUMUMAB_SNOMED,
    RXNORM,
    SNOMED,
    find_immunosuppressant,
    is_ndc_ofatumumab,
)
from ofacare.interop.fhir.record import FhirRecord, to_date

CURRENT_STATUSES = frozenset({"active", "on-hold"})


@dataclass(frozen=True, slots=True)
class MedicineName:
    """What a request says its medicine is: (system, code) pairs and free-text names."""

    codes: tuple[tuple[str | None, str | None], ...]
    names: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.names)


def medicine_of(request: MedicationRequest, record: FhirRecord | None = None) -> MedicineName:
    """The medicine a request is for, following a reference to a contained or sent Medication."""
    concepts: list[CodeableConcept] = []
    if request.medicationCodeableConcept is not None:
        concepts.append(request.medicationCodeableConcept)
    reference = request.medicationReference
    if reference is not None:
        medication = _referenced(request, reference.reference, record)
        if medication is not None and medication.code is not None:
            concepts.append(medication.code)
        if reference.display:
            concepts.append(CodeableConcept(text=reference.display))
    codes = tuple((c.system, c.code) for concept in concepts for c in concept.coding or [])
    names = tuple(
        name
        for concept in concepts
        for name in (concept.text, *(c.display for c in concept.coding or []))
        if name
    )
    return MedicineName(codes=codes, names=names)


def is_ofatumumab(medicine: MedicineName) -> bool:
    """Whether the medicine is ofatumumab for MS (Kesimpta).

    >>> is_ofatumumab(MedicineName(codes=((RXNORM, "712566"),), names=()))
    True
    >>> is_ofatumumab(MedicineName(codes=(), names=("Arzerra (ofatumumab) 1000 mg IV",)))
    False
    """
    text = medicine.text.lower()
    if any(name in text for name in NOT_KESIMPTA_NAMES):
        return False
    for system, code in medicine.codes:
        if code is None:
            continue
        if (system == RXNORM and code in OFATUMUMAB_RXNORM) or (
            system == SNOMED and code in OFATUMUMAB_SNOMED
        ):
            return True
        if system == NDC and is_ndc_ofatumumab(code):
            return True
    return any(name in text for name in OFATUMUMAB_NAMES)


def find_ofatumumab_requests(
    requests: Iterable[MedicationRequest],
    record: FhirRecord | None = None,
    *,
    statuses: frozenset[str] | None = None,
) -> list[MedicationRequest]:
    """The requests for ofatumumab, optionally only those with one of the statuses."""
    return [
        request
        for request in requests
        if (statuses is None or request.status in statuses)
        and is_ofatumumab(medicine_of(request, record))
    ]


def find_immunosuppressants(record: FhirRecord) -> tuple[str, ...]:
    """The generic names of current (active, on-hold) immunosuppressants other than ofatumumab."""
    found: list[str] = []
    for request in record.medication_requests:
        if request.status not in CURRENT_STATUSES:
            continue
        medicine = medicine_of(request, record)
        generic = None if is_ofatumumab(medicine) else find_immunosuppressant(medicine.text)
        if generic is not None and generic not in found:
            found.append(generic)
    return tuple(found)


def compute_start_on(request: MedicationRequest, *, today: date) -> date:
    """When a request means to start: its dosage timing, else its authoredOn date, else today;
    never before today (a first dose cannot be given in the past)."""
    start = _timing_start(request) or to_date(request.authoredOn) or today
    return max(start, today)


def compute_treatment_start(request: MedicationRequest) -> date | None:
    """When an active request began: its dosage timing, else its authoredOn date."""
    return _timing_start(request) or to_date(request.authoredOn)


def _timing_start(request: MedicationRequest) -> date | None:
    for dosage in request.dosageInstruction or []:
        timing = dosage.timing
        if timing is None:
            continue
        events = [d for d in (to_date(e) for e in timing.event or []) if d is not None]
        if events:
            return min(events)
        bounds = timing.repeat.boundsPeriod if timing.repeat else None
        if bounds is not None and (start := to_date(bounds.start)) is not None:
            return start
    return None


def _referenced(
    request: MedicationRequest, reference: str | None, record: FhirRecord | None
) -> Medication | None:
    if not reference:
        return None
    if reference.startswith("#"):
        contained = (r for r in request.contained or [] if isinstance(r, Medication))
        return next((m for m in contained if m.id == reference[1:]), None)
    return record.find_medication(reference) if record is not None else None
