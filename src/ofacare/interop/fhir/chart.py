"""One patient's chart as plain data: what the service layer fills from the database and what the
FHIR Bundle export writes and the import reads back.

Ids are canonical lower-case UUID strings; they become the FHIR resource ids and the bundle's
`urn:uuid:` full URLs, so a round trip keeps them. Every record checks its fields when built and
raises InvalidInput naming the record, the field and the value, and accepts only what FHIR R4
carries unchanged: texts need a visible character (FHIR has no empty string), instants a timezone,
sites and finding codes are ids such as 'abdomen-left'. Findings are derived on the server: the
export writes them, the import leaves them out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal, Protocol
from uuid import UUID, uuid5

from ofacare.interop.fhir.chart_checks import (
    check_aware,
    check_bool,
    check_choice,
    check_country,
    check_date,
    check_local_time,
    check_optional_date,
    check_optional_number,
    check_optional_text,
    check_slug,
    check_text,
    check_texts,
    check_timezone,
    check_uuid,
    invalid_field,
)
from ofacare.safety.finding import Finding, Severity
from ofacare.safety.lab_tests import find_lab_test
from ofacare.safety.profile import MsType

Sex = Literal["female", "male", "other", "unknown"]
IntervalModeName = Literal["monthly", "four-weekly"]
InjectedBy = Literal["self", "caregiver", "clinician"]
UrgencyName = Literal["emergency", "urgent", "contact_team", "self_care"]

SEXES: frozenset[str] = frozenset({"female", "male", "other", "unknown"})
MS_TYPES: frozenset[str] = frozenset({"CIS", "RRMS", "active-SPMS", "non-active-SPMS", "PPMS"})
INTERVAL_MODES: frozenset[str] = frozenset({"monthly", "four-weekly"})
INJECTORS: frozenset[str] = frozenset({"self", "caregiver", "clinician"})
URGENCIES: frozenset[str] = frozenset({"emergency", "urgent", "contact_team", "self_care"})
SEVERITIES: frozenset[str] = frozenset(s.value for s in Severity)
LOINC_CODE = re.compile(r"\d{1,7}-\d")
MAX_DOSE_NUMBER = 2**31 - 1  # FHIR positiveInt


@dataclass(frozen=True, slots=True)
class PatientDetails:
    """Who the patient is, where they live, when they like reminders, and the screening flags."""

    id: str
    given_name: str
    family_name: str
    birth_date: date
    sex: Sex
    country: str
    timezone: str
    reminder_time: time
    email: str | None
    phone: str | None
    ms_type: MsType
    can_become_pregnant: bool
    pregnant: bool
    breastfeeding: bool
    active_infection: bool
    severely_immunocompromised: bool
    active_malignancy: bool
    immunosuppressants: tuple[str, ...]
    planned_start_on: date | None

    def __post_init__(self) -> None:
        where = "PatientDetails"
        check_uuid(f"{where}.id", self.id)
        check_text(f"{where}.given_name", self.given_name)
        check_text(f"{where}.family_name", self.family_name)
        check_date(f"{where}.birth_date", self.birth_date)
        check_choice(f"{where}.sex", self.sex, SEXES)
        check_country(f"{where}.country", self.country)
        check_timezone(f"{where}.timezone", self.timezone)
        check_local_time(f"{where}.reminder_time", self.reminder_time)
        check_optional_text(f"{where}.email", self.email)
        check_optional_text(f"{where}.phone", self.phone)
        check_choice(f"{where}.ms_type", self.ms_type, MS_TYPES)
        for name in FLAGS:
            check_bool(f"{where}.{name}", getattr(self, name))
        check_texts(f"{where}.immunosuppressants", self.immunosuppressants)
        check_optional_date(f"{where}.planned_start_on", self.planned_start_on)


FLAGS = (
    "can_become_pregnant",
    "pregnant",
    "breastfeeding",
    "active_infection",
    "severely_immunocompromised",
    "active_malignancy",
)


@dataclass(frozen=True, slots=True)
class Prescription:
    """One ofatumumab prescription: when it starts, how maintenance is spaced, who wrote it."""

    id: str
    start_on: date
    interval_mode: IntervalModeName
    prescriber: str | None
    written_on: date
    stopped_on: date | None

    def __post_init__(self) -> None:
        check_uuid("Prescription.id", self.id)
        check_date("Prescription.start_on", self.start_on)
        check_choice("Prescription.interval_mode", self.interval_mode, INTERVAL_MODES)
        check_optional_text("Prescription.prescriber", self.prescriber)
        check_date("Prescription.written_on", self.written_on)
        check_optional_date("Prescription.stopped_on", self.stopped_on)


@dataclass(frozen=True, slots=True)
class Injection:
    """One pen given: when, which dose, where on the body, which pen, by whom, and what followed."""

    id: str
    prescription_id: str
    given_at: datetime
    dose_number: int
    site: str
    pen_lot: str | None
    pen_serial: str | None
    injected_by: InjectedBy
    out_of_fridge_at: datetime | None
    reactions: tuple[str, ...]
    notes: str | None

    def __post_init__(self) -> None:
        check_uuid("Injection.id", self.id)
        check_uuid("Injection.prescription_id", self.prescription_id)
        check_aware("Injection.given_at", self.given_at)
        if isinstance(self.dose_number, bool) or not isinstance(self.dose_number, int):
            raise invalid_field("Injection.dose_number", self.dose_number, "is not a whole number")
        if not 1 <= self.dose_number <= MAX_DOSE_NUMBER:
            raise invalid_field(
                "Injection.dose_number", self.dose_number, "is below 1 or too large"
            )
        check_slug("Injection.site", self.site)
        check_optional_text("Injection.pen_lot", self.pen_lot)
        check_optional_text("Injection.pen_serial", self.pen_serial)
        check_choice("Injection.injected_by", self.injected_by, INJECTORS)
        if self.out_of_fridge_at is not None:
            check_aware("Injection.out_of_fridge_at", self.out_of_fridge_at)
        check_texts("Injection.reactions", self.reactions)
        check_optional_text("Injection.notes", self.notes)


@dataclass(frozen=True, slots=True)
class LabRecord:
    """One laboratory result: a value with its unit and range, a result word, or both."""

    id: str
    loinc: str
    test: str
    value: float | None
    unit: str | None
    result: str | None
    reference_low: float | None
    reference_high: float | None
    collected_on: date

    def __post_init__(self) -> None:
        check_uuid("LabRecord.id", self.id)
        if not isinstance(self.loinc, str) or not LOINC_CODE.fullmatch(self.loinc):
            raise invalid_field(
                "LabRecord.loinc", self.loinc, "is not a LOINC code such as '2465-3'"
            )
        known = find_lab_test(self.test) if isinstance(self.test, str) else None
        if known is None or known.name != self.test:
            raise invalid_field(
                "LabRecord.test", self.test, "is not an ofacare test name such as 'IgG'"
            )
        for name in ("value", "reference_low", "reference_high"):
            check_optional_number(f"LabRecord.{name}", getattr(self, name))
        check_optional_text("LabRecord.unit", self.unit)
        if self.unit is not None and self.value is None:
            raise invalid_field("LabRecord.unit", self.unit, "is given without a value")
        check_optional_text("LabRecord.result", self.result)
        check_date("LabRecord.collected_on", self.collected_on)


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    """A symptom the patient described, the choices they ticked, and the triage answer they got."""

    id: str
    recorded_at: datetime
    text: str
    choices: tuple[str, ...]
    urgency: UrgencyName
    advice: str
    resolved_at: datetime | None

    def __post_init__(self) -> None:
        check_uuid("DiaryEntry.id", self.id)
        check_aware("DiaryEntry.recorded_at", self.recorded_at)
        check_text("DiaryEntry.text", self.text)
        check_texts("DiaryEntry.choices", self.choices)
        check_choice("DiaryEntry.urgency", self.urgency, URGENCIES)
        check_text("DiaryEntry.advice", self.advice)
        if self.resolved_at is not None:
            check_aware("DiaryEntry.resolved_at", self.resolved_at)
            if self.resolved_at < self.recorded_at:
                raise invalid_field(
                    "DiaryEntry.resolved_at", self.resolved_at, "is before recorded_at"
                )


@dataclass(frozen=True, slots=True)
class VaccinationRecord:
    """A vaccine given, and whether it is live."""

    id: str
    name: str
    live: bool
    given_on: date

    def __post_init__(self) -> None:
        check_uuid("VaccinationRecord.id", self.id)
        check_text("VaccinationRecord.name", self.name)
        check_bool("VaccinationRecord.live", self.live)
        check_date("VaccinationRecord.given_on", self.given_on)


@dataclass(frozen=True, slots=True)
class Allergy:
    """Something the patient reacts to, as they or their team wrote it down."""

    id: str
    substance: str
    recorded_on: date
    note: str | None

    def __post_init__(self) -> None:
        check_uuid("Allergy.id", self.id)
        check_text("Allergy.substance", self.substance)
        check_date("Allergy.recorded_on", self.recorded_on)
        check_optional_text("Allergy.note", self.note)


@dataclass(frozen=True, slots=True)
class ActiveFinding:
    """A safety finding that holds now; derived on the server, so exported but never imported."""

    id: str
    code: str
    severity: Severity
    title: str
    detail: str

    def __post_init__(self) -> None:
        check_uuid("ActiveFinding.id", self.id)
        check_slug("ActiveFinding.code", self.code)
        check_choice("ActiveFinding.severity", self.severity, SEVERITIES)
        check_text("ActiveFinding.title", self.title)
        check_text("ActiveFinding.detail", self.detail)

    @classmethod
    def from_finding(cls, finding: Finding, *, patient_id: str) -> ActiveFinding:
        """The chart's record of a finding, with an id that stays the same for the same code."""
        return cls(
            id=finding_id(patient_id, finding.code),
            code=finding.code,
            severity=finding.severity,
            title=finding.title,
            detail=finding.clinician_message,
        )


@dataclass(frozen=True, slots=True)
class PatientChart:
    """Everything ofacare holds about one patient; ids are unique and injections name a
    prescription of the chart."""

    patient: PatientDetails
    prescriptions: tuple[Prescription, ...] = ()
    injections: tuple[Injection, ...] = ()
    labs: tuple[LabRecord, ...] = ()
    diary: tuple[DiaryEntry, ...] = ()
    vaccinations: tuple[VaccinationRecord, ...] = ()
    allergies: tuple[Allergy, ...] = ()
    findings: tuple[ActiveFinding, ...] = ()

    def __post_init__(self) -> None:
        for name, kind in RECORD_KINDS.items():
            group = getattr(self, name)
            if not isinstance(group, tuple) or not all(isinstance(r, kind) for r in group):
                raise invalid_field(
                    f"PatientChart.{name}", group, f"is not a tuple of {kind.__name__}"
                )
        repeated = [ident for ident, seen in Counter(self.ids()).items() if seen > 1]
        if repeated:
            raise invalid_field("PatientChart", repeated[0], "is the id of more than one record")
        prescribed = {p.id for p in self.prescriptions}
        for injection in self.injections:
            if injection.prescription_id not in prescribed:
                raise invalid_field(
                    f"Injection {injection.id}.prescription_id",
                    injection.prescription_id,
                    "names no prescription in the chart",
                )

    def ids(self) -> list[str]:
        """Every record's id, the patient's first."""
        groups: tuple[Iterable[Identified], ...] = (
            self.prescriptions,
            self.injections,
            self.labs,
            self.diary,
            self.vaccinations,
            self.allergies,
            self.findings,
        )
        return [self.patient.id, *(record.id for group in groups for record in group)]


RECORD_KINDS: dict[str, type] = {
    "prescriptions": Prescription,
    "injections": Injection,
    "labs": LabRecord,
    "diary": DiaryEntry,
    "vaccinations": VaccinationRecord,
    "allergies": Allergy,
    "findings": ActiveFinding,
}


class Identified(Protocol):
    @property
    def id(self) -> str: ...


def finding_id(patient_id: str, code: str) -> str:
    """A stable UUID for a patient's finding with this code.

    >>> finding_id("6f1c1c8e-6a36-4c5f-9d61-1a0f6f9a8a11", "screening.hbv-missing")[:8]
    'f1d5b30c'
    """
    return str(uuid5(UUID(patient_id), code))
