"""FHIR Observations (laboratory results, by LOINC code) as the safety engine's LabResult.

Only results that can be read safely are used: status final, amended or corrected; a date; and
for presence tests (HBsAg, anti-HBc, hCG) a result word the rules understand (positive/negative,
reactive, detected, normal/abnormal), taken from valueCodeableConcept, valueString or the
interpretation. An unreadable result (pending, indeterminate, a bare number) is left out, so the
rules ask for the test instead of reading it as negative. Immunoglobulins are converted to g/L
with their reference range; an immunoglobulin unit ofacare cannot convert raises
UnreadableFhirData rather than being guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.observation import Observation, ObservationReferenceRange
from fhir.resources.R4B.quantity import Quantity
from pydantic import ValidationError

from ofacare.errors import InvalidInput, quote_value
from ofacare.interop.fhir.codes import LOINC, SNOMED
from ofacare.interop.fhir.record import UnreadableFhirData, to_date, unreadable_value
from ofacare.safety.lab_tests import LabTest, find_lab_test, is_positive, to_grams_per_litre
from ofacare.safety.profile import LabResult

USABLE_STATUSES = frozenset({"final", "amended", "corrected"})
IMMUNOGLOBULINS = frozenset({"IgG", "IgM"})
QUANTITATIVE = IMMUNOGLOBULINS | {"ALT", "AST", "ALP", "bilirubin", "CD19"}
INTERPRETATION_WORDS = {
    "POS": "positive", "NEG": "negative", "DET": "detected", "ND": "not detected",
    "N": "normal", "A": "abnormal", "AA": "abnormal", "H": "abnormal", "HH": "abnormal",
    "HU": "abnormal", "L": "abnormal", "LL": "abnormal", "LU": "abnormal",
}  # fmt: skip
RESULT_BY_SNOMED = {
    "10828004": "positive", "260385009": "negative", "11214006": "reactive",
    "131194007": "non-reactive", "260373001": "detected", "260415000": "not detected",
}  # fmt: skip
UNIT_ALIASES = {"g/dl": ("mg/dl", 1000.0)}  # g/dL is not in the core's table: go via mg/dL
LAB_ELEMENTS = {
    "on": "effective[x]", "value": "valueQuantity.value", "reference_low": "referenceRange.low",
    "reference_high": "referenceRange.high",
}  # fmt: skip


def read_lab_results(observations: Iterable[Observation]) -> tuple[LabResult, ...]:
    """Every observation that is a known laboratory test with a readable result."""
    results = (read_lab_result(observation) for observation in observations)
    return tuple(result for result in results if result is not None)


def read_lab_result(observation: Observation) -> LabResult | None:
    """One observation as a LabResult; None when it is not a test ofacare reads or not usable.

    A value the rules refuse (negative, beyond a float, a date outside 1900-2199) raises
    UnreadableFhirData naming the observation and the element.
    """
    try:
        return _read_lab_result(observation)
    except ValidationError as exc:
        raise unreadable_value(f"Observation/{observation.id}", exc, LAB_ELEMENTS) from exc


def _read_lab_result(observation: Observation) -> LabResult | None:
    test = find_loinc_test(observation.code)
    on = effective_date(observation)
    if test is None or observation.status not in USABLE_STATUSES or on is None:
        return None
    word = result_word(observation)
    if test.name in QUANTITATIVE:
        return _quantity_result(observation, test, on, word)
    if word is None or is_positive(word) is None:
        return None
    return LabResult(test=test.name, result=word, on=on)


def find_loinc_test(code: CodeableConcept | None) -> LabTest | None:
    """The laboratory test a LOINC coding names, or None."""
    for coding in (code.coding or []) if code else []:
        if coding.system == LOINC and coding.code and (test := find_lab_test(coding.code)):
            return test
    return None


def effective_date(observation: Observation) -> date | None:
    """When the sample was taken: effective[x], else the time the result was issued."""
    period = observation.effectivePeriod
    when = (
        observation.effectiveDateTime
        or observation.effectiveInstant
        or (period.start if period else None)
        or observation.issued
    )
    return to_date(when)


def result_word(observation: Observation) -> str | None:
    """The result as a word: the coded or written value, else the interpretation."""
    concept = observation.valueCodeableConcept
    for coding in (concept.coding or []) if concept else []:
        if coding.system == SNOMED and coding.code in RESULT_BY_SNOMED:
            return RESULT_BY_SNOMED[coding.code]
        if coding.display and is_positive(coding.display) is not None:
            return coding.display.strip().lower()
    texts = [concept.text if concept else None, observation.valueString]
    for text in texts:
        if text and is_positive(text) is not None:
            return text.strip().lower()
    for interpretation in observation.interpretation or []:
        for coding in interpretation.coding or []:
            if coding.code in INTERPRETATION_WORDS:
                return INTERPRETATION_WORDS[coding.code]
    return None


def _quantity_result(
    observation: Observation, test: LabTest, on: date, word: str | None
) -> LabResult | None:
    quantity = observation.valueQuantity
    if quantity is None or quantity.value is None:
        return LabResult(test=test.name, result=word, on=on) if word else None
    value, unit = float(quantity.value), _unit(quantity)
    low, high = _reference_limits(observation.referenceRange, unit)
    if test.name in IMMUNOGLOBULINS:
        factor = _factor_to_grams_per_litre(
            unit, where=f"Observation/{observation.id} ({test.name})"
        )
        value, low, high, unit = value * factor, _scale(low, factor), _scale(high, factor), "g/L"
    if word is None and (low is not None or high is not None):
        outside = (low is not None and value < low) or (high is not None and value > high)
        word = "abnormal" if outside else "normal"
    return LabResult(
        test=test.name,
        result=word,
        value=value,
        unit=unit,
        on=on,
        reference_low=low,
        reference_high=high,
    )


def _factor_to_grams_per_litre(unit: str | None, *, where: str) -> float:
    """What to multiply an immunoglobulin value in this unit by to get g/L."""
    key = (unit or "").strip().lower()
    key, extra = UNIT_ALIASES.get(key, (key, 1.0))
    try:
        return to_grams_per_litre(extra, key, field=where)
    except InvalidInput as exc:
        raise UnreadableFhirData(
            "fhir.unknown-unit",
            f"{where}: valueQuantity unit {quote_value(unit)} is not one ofacare converts.",
            "Send immunoglobulins in g/L, g/dL, mg/dL or mg/L (UCUM codes).",
        ) from exc


def _scale(limit: float | None, factor: float) -> float | None:
    return None if limit is None else limit * factor


def _unit(quantity: Quantity) -> str | None:
    return quantity.code or quantity.unit


def _reference_limits(
    ranges: list[ObservationReferenceRange] | None, unit: str | None
) -> tuple[float | None, float | None]:
    """The first reference range's limits, when they are in the result's unit."""
    for reference in ranges or []:
        limits = [_in_unit(reference.low, unit), _in_unit(reference.high, unit)]
        if any(limit is not None for limit in limits):
            return limits[0], limits[1]
    return None, None


def _in_unit(limit: Quantity | None, unit: str | None) -> float | None:
    if limit is None or limit.value is None:
        return None
    own = _unit(limit)
    if own is not None and unit is not None and own.strip().lower() != unit.strip().lower():
        return None
    return float(Decimal(limit.value))
