"""FHIR R4 data (a CDS Hooks prefetch) as the safety engine's ScreeningProfile and TreatmentStatus.

What is read, and what is assumed where FHIR says nothing (docs/cds-hooks.md, "From FHIR to the
rules"):

- Patient: birthDate (partial dates take the latest possible day, so age errs young), gender,
  address country (ISO alpha-2, or a known name/alpha-3; otherwise the profile default, US).
  Women count as able to become pregnant: FHIR has no standard element for it, and the rule only
  asks for a pregnancy test.
- Condition (active, not refuted): MS type by SNOMED or ICD-10-CM; the most specific wins. No MS
  condition, or MS of unrecorded type, reads as RRMS: the indication check then stays silent.
- Observation: laboratory tests by LOINC (observations.py); pregnancy status (LOINC 82810-3),
  newest first, pregnant when coded SNOMED 77386006 and no later negative hCG test.
- Immunization (completed): vaccine name, date, and live or not (codes.py).
- MedicationRequest (active, on-hold): other immunosuppressants (medications.py).

Not read from FHIR (the rules see False): breastfeeding, active infection, severe
immunocompromise, active malignancy, hypersensitivity to ofatumumab.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import cast

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from ofacare.interop.fhir.codes import (
    ICD10CM,
    LOINC,
    MS_TYPE_BY_ICD10CM,
    MS_TYPE_BY_SNOMED,
    PREGNANCY_STATUS_LOINC,
    PREGNANT_SNOMED,
    SNOMED,
    SPECIFIC_MS_CODES,
    is_live_vaccine,
    to_country_code,
)
from ofacare.interop.fhir.medications import find_immunosuppressants
from ofacare.interop.fhir.observations import effective_date, read_lab_results
from ofacare.interop.fhir.record import (
    FhirRecord,
    MissingFhirData,
    UnreadableFhirData,
    has_code,
    to_date,
    unreadable_value,
)
from ofacare.safety.lab_tests import is_positive
from ofacare.safety.profile import LabResult, MsType, ScreeningProfile, TreatmentStatus, Vaccination

INACTIVE_CONDITION = frozenset({"inactive", "remission", "resolved"})
NOT_A_DIAGNOSIS = frozenset({"refuted", "entered-in-error"})
DEFAULT_MS_TYPE: MsType = "RRMS"
PROFILE_ELEMENTS = {
    "birth_date": "birthDate",
    "planned_start_on": "the order's start (dosageInstruction timing or authoredOn)",
}


def build_screening_profile(record: FhirRecord, *, planned_start_on: date) -> ScreeningProfile:
    """The screening profile of the record's patient for a first dose on a date."""
    patient = get_patient(record)
    labs = read_lab_results(record.observations)
    sex = patient.gender if patient.gender in {"female", "male", "other"} else "unknown"
    profile = {
        "birth_date": read_birth_date(patient),
        "sex": sex,
        "can_become_pregnant": sex == "female",
        "pregnant": read_pregnant(record.observations, labs),
        "ms_type": read_ms_type(record.conditions),
        "planned_start_on": planned_start_on,
        "labs": labs,
        "vaccinations": read_vaccinations(record.immunizations),
        "immunosuppressants": find_immunosuppressants(record),
    }
    country = read_country(patient)
    if country is not None:
        profile["country"] = country
    try:
        return ScreeningProfile.model_validate(profile)
    except ValidationError as exc:
        raise unreadable_value(f"Patient/{patient.id}", exc, PROFILE_ELEMENTS) from exc


def build_treatment_status(record: FhirRecord, *, as_of: date) -> TreatmentStatus:
    """What the monitoring rules read during treatment: the country and the laboratory results."""
    country = read_country(get_patient(record)) or "US"
    return TreatmentStatus(country=country, as_of=as_of, labs=read_lab_results(record.observations))


def get_patient(record: FhirRecord) -> Patient:
    """The record's Patient; MissingFhirData when none was sent."""
    if record.patient is None:
        raise MissingFhirData(
            "cds.missing-patient",
            "prefetch.patient: no Patient resource was sent or found.",
            "Send the 'patient' prefetch, or a fhirServer ofacare can read it from.",
        )
    return record.patient


def read_birth_date(patient: Patient) -> date:
    """The birth date; MissingFhirData when the Patient has none (the age rule needs it)."""
    born = to_date(cast(date | str | None, patient.birthDate), latest=True)
    if born is None:
        raise MissingFhirData(
            "cds.missing-birth-date",
            f"Patient/{patient.id}: birthDate is missing.",
            "Record the patient's date of birth; the age check needs it.",
        )
    return born


def read_country(patient: Patient) -> str | None:
    """The country of the current home address (or any address), as ISO alpha-2."""
    addresses = [a for a in patient.address or [] if not (a.period and a.period.end)]
    addresses.sort(key=lambda a: a.use != "home")
    for address in addresses:
        if (code := to_country_code(address.country)) is not None:
            return code
    return None


def read_ms_type(conditions: Iterable[Condition]) -> MsType:
    """The MS type of the active MS diagnosis; the most specific, then the newest, wins."""
    found: list[tuple[bool, date, MsType]] = []
    for condition in conditions:
        if not _is_current(condition):
            continue
        for code, ms_type in _ms_codes(condition.code):
            recorded = to_date(condition.recordedDate) or to_date(condition.onsetDateTime)
            found.append((code in SPECIFIC_MS_CODES, recorded or date.min, ms_type))
    return max(found)[2] if found else DEFAULT_MS_TYPE


def read_pregnant(observations: Iterable[Observation], labs: Iterable[LabResult]) -> bool:
    """Whether the newest pregnancy status says pregnant, with no negative hCG test since."""
    statuses = [
        (on, obs)
        for obs in observations
        if has_code(obs.code, LOINC, PREGNANCY_STATUS_LOINC)
        and obs.status in {"final", "amended", "corrected"}
        and (on := effective_date(obs)) is not None
    ]
    if not statuses:
        return False
    on, newest = max(statuses, key=lambda item: item[0])
    if not has_code(newest.valueCodeableConcept, SNOMED, PREGNANT_SNOMED):
        return False
    return not any(
        lab.lab_test.name == "pregnancy" and lab.on > on and is_positive(lab.result or "") is False
        for lab in labs
    )


def read_vaccinations(immunizations: Iterable[Immunization]) -> tuple[Vaccination, ...]:
    """Completed immunizations with a date, as vaccinations marked live or not."""
    found = []
    for immunization in immunizations:
        given_on = to_date(immunization.occurrenceDateTime, latest=True)
        if immunization.status != "completed" or given_on is None:
            continue
        concept = immunization.vaccineCode
        if concept is None:  # required in FHIR; without it a live vaccine would pass unseen
            raise UnreadableFhirData(
                "fhir.unreadable-value",
                f"Immunization/{immunization.id}: vaccineCode is missing.",
                "Record which vaccine was given; ofacare checks live vaccines before a dose.",
            )
        codes = [(c.system, c.code) for c in concept.coding or []]
        names = [n for n in (concept.text, *(c.display for c in concept.coding or [])) if n]
        name = names[0] if names else (codes[0][1] if codes and codes[0][1] else "vaccine")
        try:
            found.append(Vaccination(name=name, live=is_live_vaccine(codes, names), on=given_on))
        except ValidationError as exc:
            where = f"Immunization/{immunization.id}"
            raise unreadable_value(where, exc, {"on": "occurrenceDateTime"}) from exc
    return tuple(found)


def _ms_codes(concept: CodeableConcept | None) -> list[tuple[str, MsType]]:
    found: list[tuple[str, MsType]] = []
    for coding in (concept.coding or []) if concept else []:
        code = (coding.code or "").strip()
        if coding.system == SNOMED and code in MS_TYPE_BY_SNOMED:
            found.append((code, MS_TYPE_BY_SNOMED[code]))
        normal = code.replace(".", "").upper()
        if coding.system == ICD10CM and normal in MS_TYPE_BY_ICD10CM:
            found.append((normal, MS_TYPE_BY_ICD10CM[normal]))
    return found


def _is_current(condition: Condition) -> bool:
    clinical = _first_code(condition.clinicalStatus)
    verification = _first_code(condition.verificationStatus)
    return clinical not in INACTIVE_CONDITION and verification not in NOT_A_DIAGNOSIS


def _first_code(concept: CodeableConcept | None) -> str | None:
    codings = (concept.coding or []) if concept else []
    return codings[0].code if codings else None
