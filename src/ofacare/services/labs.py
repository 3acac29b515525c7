"""Laboratory results: record one (clinicians), and read each test's results over time.

A trend compares results in one unit: immunoglobulins are converted to g/L, units that name the
same quantity (U/L and IU/L; cells/uL and cells/mm3) count as one, and results in units that do
not convert (bilirubin in mg/dL against umol/L) are shown without a change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import InvalidInput
from ofacare.knowledge import KnowledgeBase
from ofacare.records.tables import LabResult, Patient
from ofacare.safety.lab_tests import (
    LAB_TESTS,
    NEGATIVE,
    POSITIVE,
    LabTest,
    get_lab_test,
    to_grams_per_litre,
)
from ofacare.services import idempotency
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import Form
from ofacare.services.patients import local_today
from ofacare.services.planning import check_not_before_birth, check_not_future, load_treatment
from ofacare.services.runtime import Runtime

_IG_UNITS: dict[str, float | None] = {
    unit: to_grams_per_litre(1.0, unit, field="unit") for unit in ("g/L", "mg/dL", "mg/L")
}
UNITS: dict[str, dict[str, float | None]] = {
    "IgG": _IG_UNITS,
    "IgM": _IG_UNITS,
    "ALT": {"U/L": 1.0, "IU/L": 1.0},
    "AST": {"U/L": 1.0, "IU/L": 1.0},
    "ALP": {"U/L": 1.0, "IU/L": 1.0},
    "bilirubin": {"mg/dL": None, "umol/L": None},
    "CD19": {"cells/uL": 1.0, "cells/mm3": 1.0, "/uL": 1.0},
}
"""The units each measured test is reported in, with the factor to the first (None: no factor).

Tests not listed (HBsAg, anti-HBc, pregnancy, liver-panel) are reported as a result word.
"""
BILIRUBIN_UMOL_PER_MG_DL = 17.1  # 10 mg/L over 584.7 g/mol: chemistry, not a clinical rule
PLAUSIBLE: dict[str, tuple[str, dict[str, float]]] = {
    "IgG": ("labs.plausible-igg", {"g/L": 1.0, "mg/dL": 0.01, "mg/L": 0.001}),
    "IgM": ("labs.plausible-igm", {"g/L": 1.0, "mg/dL": 0.01, "mg/L": 0.001}),
    "ALT": ("labs.plausible-alt", {"U/L": 1.0, "IU/L": 1.0}),
    "AST": ("labs.plausible-ast", {"U/L": 1.0, "IU/L": 1.0}),
    "ALP": ("labs.plausible-alp", {"U/L": 1.0, "IU/L": 1.0}),
    "bilirubin": ("labs.plausible-bilirubin", {"umol/L": 1.0, "mg/dL": BILIRUBIN_UMOL_PER_MG_DL}),
    "CD19": ("labs.plausible-cd19", {"cells/uL": 1.0, "cells/mm3": 1.0, "/uL": 1.0}),
}
"""Per measured test: the knowledge-base fact holding the plausible range, and each unit's
factor to the fact's unit (the first one)."""
UNFINISHED = frozenset({"pending", "indeterminate", "equivocal"})
RESULT_WORDS = POSITIVE | NEGATIVE | UNFINISHED
NoSurrounding = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class LabForm(Form):
    """One result: a value with its unit (and the laboratory's range), or a result word."""

    test: Annotated[NoSurrounding, StringConstraints(max_length=40)]
    value: float | None = Field(default=None, allow_inf_nan=False)
    unit: Annotated[NoSurrounding, StringConstraints(max_length=20)] | None = None
    result: Annotated[NoSurrounding, StringConstraints(max_length=40)] | None = None
    reference_low: float | None = Field(default=None, allow_inf_nan=False)
    reference_high: float | None = Field(default=None, allow_inf_nan=False)
    collected_on: date


def record_lab(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    form: LabForm,
    *,
    idempotency_key: str | None,
) -> LabResult:
    """A clinician records a result; a retry with the same key returns the first record."""
    now = runtime.now()
    with runtime.database.writing() as session:
        request = idempotency.open_create(
            session,
            runtime,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="lab.record",
            form=form,
            key=idempotency_key,
        )
        patient, digest = request.patient, request.digest
        if request.replayed is not None:
            found = session.get(LabResult, request.replayed)
            assert found is not None  # stored in the same transaction as the key
            return found
        test = get_lab_test(form.test, field="test")
        check_not_before_birth(patient, "collected_on", form.collected_on)
        check_not_future("collected_on", form.collected_on, local_today(patient, now))
        lab = LabResult(
            patient_id=patient.id,
            loinc=_loinc(form.test, test),
            test=test.name,
            collected_on=form.collected_on,
            recorded_by=actor.user_id,
            created_at=now,
            **_checked_reading(form, test, kb=runtime.kb),
        )
        session.add(lab)
        session.flush()
        idempotency.remember(
            session, runtime, actor, idempotency_key, digest=digest, record_id=lab.id
        )
        return lab


def _loinc(given: str, test: LabTest) -> str:
    """The code as sent when it was a LOINC code, else the test's first code ('' for none)."""
    code = given.strip()
    if code in test.loinc:
        return code
    return test.loinc[0] if test.loinc else ""


def _checked_reading(form: LabForm, test: LabTest, *, kb: KnowledgeBase) -> dict[str, object]:
    """The value, unit, word and range as stored; InvalidInput names the impossible field."""
    units = UNITS.get(test.name, {})
    if (form.value is None) == (form.result is None):
        raise InvalidInput(
            "lab.value-or-result",
            f"value and result: give exactly one for {test.name} "
            f"(value {form.value!r}, result {form.result!r}).",
            "Send a number with its unit, or a result word such as negative or positive.",
        )
    if form.result is not None:
        return _checked_word(form, test)
    assert form.value is not None
    if not units:
        raise InvalidInput(
            "lab.value-not-used",
            f"value: {form.value!r} cannot be given for {test.name}, which is a presence test.",
            "Send the result word instead (negative, positive, normal, abnormal).",
        )
    unit = _known_unit(form.unit, test, units)
    for name, number in (
        ("value", form.value),
        ("reference_low", form.reference_low),
        ("reference_high", form.reference_high),
    ):
        if number is not None and number < 0:
            raise InvalidInput(
                "lab.negative",
                f"{name}: {number!r} is negative; {test.name} results are never below zero.",
                "Check the number and its sign.",
            )
    _check_plausible(form, test, unit, kb=kb)
    low, high = form.reference_low, form.reference_high
    if low is not None and high is not None and low > high:
        raise InvalidInput(
            "lab.bad-range",
            f"reference_low: {low!r} is above reference_high {high!r}.",
            "Give the laboratory's range as printed: the lower limit first.",
        )
    return {"value": form.value, "unit": unit, "reference_low": low, "reference_high": high}


def _check_plausible(form: LabForm, test: LabTest, unit: str, *, kb: KnowledgeBase) -> None:
    """Refuse a number no human serum result can be (a typo or a wrong unit), by the fact's range.

    The value must lie within it; a reference limit may be 0 (many laboratories print 0-40).
    """
    fact_id, factors = PLAUSIBLE[test.name]
    fact_unit = next(iter(factors))
    lowest, highest = kb.bounds(fact_id, fact_unit)
    factor = factors[unit]
    for name, number in (
        ("value", form.value),
        ("reference_low", form.reference_low),
        ("reference_high", form.reference_high),
    ):
        if number is None:
            continue
        floor = lowest if name == "value" else 0.0
        if not floor <= number * factor <= highest:
            raise InvalidInput(
                "lab.implausible",
                f"{name}: {number!r} {unit} is not a possible {test.name} result "
                f"(ofacare accepts {_amount(floor, factor)} to {_amount(highest, factor)} {unit}).",
                "Check the number, its decimal point and its unit; a result below the "
                "laboratory's detection limit is entered as that limit.",
            )


def _amount(number: float, factor: float) -> str:
    """A limit in the fact's unit, written in the unit the result was sent in."""
    return f"{round(number / factor, 6):g}"


def _checked_word(form: LabForm, test: LabTest) -> dict[str, object]:
    assert form.result is not None
    word = form.result.lower()
    if word not in RESULT_WORDS:
        raise InvalidInput(
            "lab.unknown-result",
            f"result: {form.result!r} is not a result word ofacare reads.",
            "Use one of: " + ", ".join(sorted(RESULT_WORDS)) + ".",
        )
    for name in ("unit", "reference_low", "reference_high"):
        if getattr(form, name) is not None:
            raise InvalidInput(
                "lab.range-without-value",
                f"{name}: {getattr(form, name)!r} belongs to a value, and no value was given.",
                f"Leave {name} out when you send a result word.",
            )
    return {"result": word}


def _known_unit(unit: str | None, test: LabTest, units: dict[str, float | None]) -> str:
    spelled = {name.lower(): name for name in units}
    if unit is None or unit.lower() not in spelled:
        raise InvalidInput(
            "lab.unknown-unit",
            f"unit: {unit!r} is not a unit {test.name} is reported in.",
            "Use one of: " + ", ".join(units) + ".",
        )
    return spelled[unit.lower()]


# --- Results over time ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabPoint:
    """One result and how it compares with the previous one and the baseline."""

    lab: LabResult
    flag: str | None
    """'below' or 'above' the laboratory's range, 'within' it, or None without a range."""
    change_from_previous: float | None
    change_from_baseline: float | None
    """Both None when there is nothing comparable (no value, or units that do not convert)."""
    change_unit: str | None
    """The unit of both changes: the test's first unit when the result's unit converts to it."""
    is_baseline: bool


@dataclass(frozen=True, slots=True)
class LabSeries:
    """One test's results, oldest first."""

    test: LabTest
    baseline_on: date | None
    """The last result before the first dose (or the first result when none precedes it)."""
    points: tuple[LabPoint, ...]


def list_lab_series(
    runtime: Runtime, actor: Actor, patient_id: str, *, test: str | None = None
) -> list[LabSeries]:
    """Each test's results over time, in the order ofacare lists tests; one test if asked."""
    wanted = get_lab_test(test, field="test") if test is not None else None
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="lab.read",
            now=runtime.now(),
        )
        rows = load_labs(session, patient)
        first_dose = load_treatment(session, patient.id).first_dose_on
    series = []
    for known in LAB_TESTS:
        results = [row for row in rows if row.test == known.name]
        if results and (wanted is None or wanted.name == known.name):
            series.append(build_series(known, results, first_dose_on=first_dose))
    return series


def load_labs(session: Session, patient: Patient) -> list[LabResult]:
    """Every result on record, oldest first."""
    query = select(LabResult).where(LabResult.patient_id == patient.id)
    return list(session.scalars(query.order_by(LabResult.collected_on, LabResult.created_at)))


def build_series(
    test: LabTest, results: Sequence[LabResult], *, first_dose_on: date | None
) -> LabSeries:
    """Flags and changes for one test's results (oldest first)."""
    units = UNITS.get(test.name, {})
    baseline_at = _baseline_index(results, first_dose_on)
    points = []
    previous: LabResult | None = None
    for index, row in enumerate(results):
        baseline = results[baseline_at] if baseline_at is not None else None
        after_baseline = baseline_at is not None and index > baseline_at
        points.append(
            LabPoint(
                lab=row,
                flag=_flag(row),
                change_from_previous=_change(previous, row, units),
                change_from_baseline=_change(baseline, row, units) if after_baseline else None,
                change_unit=_change_unit(row, units),
                is_baseline=index == baseline_at,
            )
        )
        if row.value is not None:
            previous = row
    return LabSeries(
        test=test,
        baseline_on=results[baseline_at].collected_on if baseline_at is not None else None,
        points=tuple(points),
    )


def _baseline_index(results: Sequence[LabResult], first_dose_on: date | None) -> int | None:
    measured = [i for i, row in enumerate(results) if row.value is not None]
    before = [i for i in measured if first_dose_on and results[i].collected_on <= first_dose_on]
    if before:
        return before[-1]
    return measured[0] if measured else None


def _flag(row: LabResult) -> str | None:
    if row.value is None or (row.reference_low is None and row.reference_high is None):
        return None
    if row.reference_low is not None and row.value < row.reference_low:
        return "below"
    if row.reference_high is not None and row.value > row.reference_high:
        return "above"
    return "within"


def _change_unit(row: LabResult, units: dict[str, float | None]) -> str | None:
    if row.value is None:
        return None
    if units.get(row.unit or "") is not None:
        return next(iter(units))
    return row.unit


def _change(
    earlier: LabResult | None, later: LabResult, units: dict[str, float | None]
) -> float | None:
    """later - earlier in the change unit; None without two values in units that compare."""
    if earlier is None or earlier.value is None or later.value is None:
        return None
    before, after = units.get(earlier.unit or ""), units.get(later.unit or "")
    if before is None or after is None:
        if earlier.unit != later.unit:
            return None
        before = after = 1.0
    change = later.value * after - earlier.value * before
    return round(change, 6) if math.isfinite(change) else None
