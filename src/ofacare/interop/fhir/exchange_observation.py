"""Laboratory results and symptom-diary entries to and from FHIR Observations.

A laboratory result is coded in LOINC beside ofacare's test name; a value is a valueQuantity (UCUM
code where the unit is one) with the result word, if any, as the interpretation; a result word
alone is a valueCodeableConcept (SNOMED CT where ofacare knows the word); neither is a
dataAbsentReason. The reference range is in the result's unit. These are the shapes the CDS Hooks
readers (observations.py) already read.

A diary entry is a survey Observation coded with ofacare's symptom-diary code: the person's words
in valueString, and components for the triage urgency, the advice given and each choice ticked. An
entry that has resolved has an effectivePeriod from recording to resolution.
"""

from __future__ import annotations

from typing import Any, cast

from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.quantity import Quantity

from ofacare.errors import quote_value
from ofacare.interop.fhir.chart import URGENCIES, DiaryEntry, LabRecord, UrgencyName
from ofacare.interop.fhir.codes import (
    DATA_ABSENT_REASON,
    DIARY_SYSTEM,
    INTERPRETATION,
    INTERPRETATION_BY_RESULT,
    LAB_TEST_SYSTEM,
    LOINC,
    OBSERVATION_CATEGORY,
    SNOMED,
    UCUM,
    UCUM_UNITS,
    URGENCY_SYSTEM,
)
from ofacare.interop.fhir.exchange_fields import (
    coding,
    concept,
    find_code,
    read_date,
    read_instant,
    read_optional_instant,
    reference_to,
    required,
    to_fhir_date,
    to_fhir_instant,
    unreadable,
)
from ofacare.interop.fhir.observations import RESULT_BY_SNOMED, result_word
from ofacare.safety.lab_tests import find_lab_test

DIARY_ENTRY = "symptom-diary-entry"
DIARY_PARTS = {
    DIARY_ENTRY: "Symptom diary entry",
    "urgency": "Triage urgency",
    "advice": "Advice given",
    "choice": "Symptom chosen",
}
SNOMED_BY_RESULT = {word: code for code, word in RESULT_BY_SNOMED.items()}


def is_diary_observation(observation: Observation) -> bool:
    """Whether an Observation is a symptom-diary entry (else it is read as a laboratory result)."""
    return find_code(observation.code, DIARY_SYSTEM) == DIARY_ENTRY


def to_fhir_lab_observation(lab: LabRecord, *, patient_id: str) -> dict[str, Any]:
    """The Observation for one laboratory result."""
    test = find_lab_test(lab.test)
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": lab.id,
        "status": "final",
        "category": [concept(coding(OBSERVATION_CATEGORY, "laboratory", "Laboratory"))],
        "code": concept(
            coding(LOINC, lab.loinc),
            coding(LAB_TEST_SYSTEM, lab.test),
            text=test.display if test else lab.test,
        ),
        "subject": reference_to(patient_id),
        "effectiveDateTime": to_fhir_date(lab.collected_on),
    }
    resource |= _lab_value(lab)
    limits = {
        name: _quantity(limit, lab.unit)
        for name, limit in (("low", lab.reference_low), ("high", lab.reference_high))
        if limit is not None
    }
    if limits:
        resource["referenceRange"] = [limits]
    return resource


def to_fhir_diary_observation(entry: DiaryEntry, *, patient_id: str) -> dict[str, Any]:
    """The Observation for one symptom-diary entry."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": entry.id,
        "status": "final",
        "category": [concept(coding(OBSERVATION_CATEGORY, "survey", "Survey"))],
        "code": concept(_diary_coding(DIARY_ENTRY), text=DIARY_PARTS[DIARY_ENTRY]),
        "subject": reference_to(patient_id),
    }
    recorded = to_fhir_instant(entry.recorded_at)
    if entry.resolved_at is None:
        resource["effectiveDateTime"] = recorded
    else:
        resource["effectivePeriod"] = {"start": recorded, "end": to_fhir_instant(entry.resolved_at)}
    resource["valueString"] = entry.text
    urgency = concept(coding(URGENCY_SYSTEM, entry.urgency))
    resource["component"] = [
        {"code": concept(_diary_coding("urgency")), "valueCodeableConcept": urgency},
        {"code": concept(_diary_coding("advice")), "valueString": entry.advice},
        *({"code": concept(_diary_coding("choice")), "valueString": c} for c in entry.choices),
    ]
    return resource


def from_fhir_lab_observation(observation: Observation, *, where: str) -> LabRecord:
    """A LabRecord from a laboratory Observation (LOINC-coded)."""
    loinc = required(find_code(observation.code, LOINC), where=where, field="code (LOINC coding)")
    known = find_lab_test(loinc)
    test = find_code(observation.code, LAB_TEST_SYSTEM) or (known.name if known else None)
    if test is None:
        raise unreadable(where, "code", f"LOINC {quote_value(loinc)} is not a test ofacare knows")
    quantity = observation.valueQuantity
    unit = None if quantity is None else quantity.unit or quantity.code
    low, high = _reference_limits(observation)
    return LabRecord(
        id=required(observation.id, where=where, field="id"),
        loinc=loinc,
        test=test,
        value=_float(quantity),
        unit=unit,
        result=_result(observation),
        reference_low=low,
        reference_high=high,
        collected_on=read_date(
            observation.effectiveDateTime, where=where, field="effectiveDateTime"
        ),
    )


def from_fhir_diary_observation(observation: Observation, *, where: str) -> DiaryEntry:
    """A DiaryEntry from a symptom-diary Observation."""
    period = observation.effectivePeriod
    recorded = observation.effectiveDateTime or (period.start if period else None)
    advice = _component_strings(observation, "advice")
    urgency = _urgency(observation, where=where)
    return DiaryEntry(
        id=required(observation.id, where=where, field="id"),
        recorded_at=read_instant(recorded, where=where, field="effective[x]"),
        text=required(observation.valueString, where=where, field="valueString"),
        choices=tuple(_component_strings(observation, "choice")),
        urgency=urgency,
        advice=required(advice[0] if advice else None, where=where, field="advice component"),
        resolved_at=read_optional_instant(
            period.end if period else None, where=where, field="effectivePeriod.end"
        ),
    )


def _lab_value(lab: LabRecord) -> dict[str, Any]:
    if lab.value is not None:
        found: dict[str, Any] = {"valueQuantity": _quantity(lab.value, lab.unit)}
        if lab.result is not None:
            code = INTERPRETATION_BY_RESULT.get(lab.result.strip().lower())
            codings = [coding(INTERPRETATION, code)] if code else []
            found["interpretation"] = [concept(*codings, text=lab.result)]
        return found
    if lab.result is not None:
        code = SNOMED_BY_RESULT.get(lab.result.strip().lower())
        codings = [coding(SNOMED, code)] if code else []
        return {"valueCodeableConcept": concept(*codings, text=lab.result)}
    return {"dataAbsentReason": concept(coding(DATA_ABSENT_REASON, "unknown", "Unknown"))}


def _quantity(value: float, unit: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"value": float(value)}
    if unit is not None:
        found["unit"] = unit
        if unit in UCUM_UNITS:
            found |= {"system": UCUM, "code": unit}
    return found


def _float(quantity: Quantity | None) -> float | None:
    return None if quantity is None or quantity.value is None else float(quantity.value)


def _result(observation: Observation) -> str | None:
    if observation.valueQuantity is not None:
        texts = [c.text for c in observation.interpretation or [] if c.text]
        return texts[0] if texts else result_word(observation)
    value = observation.valueCodeableConcept
    if value is not None and value.text:
        return str(value.text)
    return result_word(observation)


def _reference_limits(observation: Observation) -> tuple[float | None, float | None]:
    ranges = observation.referenceRange or []
    if not ranges:
        return None, None
    return _float(ranges[0].low), _float(ranges[0].high)


def _diary_coding(part: str) -> dict[str, str]:
    return coding(DIARY_SYSTEM, part, DIARY_PARTS[part])


def _components(observation: Observation, part: str) -> list[ObservationComponent]:
    return [c for c in observation.component or [] if find_code(c.code, DIARY_SYSTEM) == part]


def _component_strings(observation: Observation, part: str) -> list[str]:
    return [str(c.valueString) for c in _components(observation, part) if c.valueString]


def _urgency(observation: Observation, *, where: str) -> UrgencyName:
    found = _components(observation, "urgency")
    value = find_code(found[0].valueCodeableConcept, URGENCY_SYSTEM) if found else None
    if value not in URGENCIES:
        raise unreadable(
            where, "urgency component", f"{quote_value(value)} is not a triage urgency"
        )
    return cast(UrgencyName, value)
