"""The pharmacology model as SBML, and libroadrunner as a second, independent simulator.

`build_sbml` writes one patient's parameter row and dose history as an SBML Level 3 Version 2
model with the same equations as `pharmacology.kernel.derivatives` (mass-conserving exchange,
cancellation-free quasi-steady-state root, logistic drug effect), so other tools (COPASI, tellurium,
libroadrunner) can run it. `RoadRunnerModel` loads such a document once and re-runs it for many
parameter rows; `compare_with_solver` checks our own solver against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libsbml
import numpy as np
from numpy.typing import NDArray

from ofacare.errors import OfacareError
from ofacare.pharmacology import kernel
from ofacare.pharmacology.parameters import COLUMNS
from ofacare.pharmacology.solver import DoseHistory, simulate

# Below these, a relative difference measures only the solvers' absolute tolerances.
CONCENTRATION_FLOOR_MG_L = 1e-6
BCELL_FLOOR_PER_UL = 0.1

SOURCE_DOI = "10.1007/s40263-021-00895-w"
SOURCE = (
    "Yu H, Graham G, David OJ, et al. Population pharmacokinetic-B cell modeling for ofatumumab "
    "in patients with relapsing multiple sclerosis. CNS Drugs 2022;36(3):283-300."
)

# SBML id of every parameter column (the knowledge base's symbols, plus the unit conversion).
PARAMETER_IDS: Mapping[int, str] = {column: symbol for symbol, column in COLUMNS.items()} | {
    kernel.NM_PER_MG_L: "nm_per_mg_l"
}

# Unit definitions: id -> ((kind, exponent, scale, multiplier), ...), SBML's own decomposition.
_S, _G, _L, _MOL, _ITEM = (
    libsbml.UNIT_KIND_SECOND,
    libsbml.UNIT_KIND_GRAM,
    libsbml.UNIT_KIND_LITRE,
    libsbml.UNIT_KIND_MOLE,
    libsbml.UNIT_KIND_ITEM,
)
SECONDS_PER_DAY = 86400.0
UNIT_DEFINITIONS: Mapping[str, tuple[tuple[int, float, int, float], ...]] = {
    "day": ((_S, 1, 0, SECONDS_PER_DAY),),
    "per_day": ((_S, -1, 0, SECONDS_PER_DAY),),
    "per_year": ((_S, -1, 0, SECONDS_PER_DAY * kernel.DAYS_PER_YEAR),),
    "day_per_year": (
        (_S, 1, 0, SECONDS_PER_DAY),
        (_S, -1, 0, SECONDS_PER_DAY * kernel.DAYS_PER_YEAR),
    ),
    "mg": ((_G, 1, -3, 1.0),),
    "mg_per_day": ((_G, 1, -3, 1.0), (_S, -1, 0, SECONDS_PER_DAY)),
    "litre_per_day": ((_L, 1, 0, 1.0), (_S, -1, 0, SECONDS_PER_DAY)),
    "mg_per_litre": ((_G, 1, -3, 1.0), (_L, -1, 0, 1.0)),
    "nM": ((_MOL, 1, -9, 1.0), (_L, -1, 0, 1.0)),
    "nM_per_day": ((_MOL, 1, -9, 1.0), (_L, -1, 0, 1.0), (_S, -1, 0, SECONDS_PER_DAY)),
    "nM_per_mg_per_litre": ((_MOL, 1, -9, 1.0), (_G, -1, -3, 1.0)),
    "cells_per_uL": ((_ITEM, 1, 0, 1.0), (_L, -1, -6, 1.0)),
}
PARAMETER_UNITS: Mapping[str, str] = {
    "ka": "per_day", "F": "dimensionless", "Vc": "litre", "kint": "per_day", "CL": "litre_per_day",
    "Q": "litre_per_day", "Vp": "litre", "R0": "nM", "ksyn0": "nM_per_day",
    "ksyninf": "nM_per_day", "KD": "nM", "koff": "per_day", "kdes": "per_year",
    "B0": "cells_per_uL", "Emax": "dimensionless", "EC50": "mg_per_litre",
    "gamma": "dimensionless", "kout": "per_day", "QB": "litre_per_day", "Vb": "litre",
    "nm_per_mg_l": "nM_per_mg_per_litre",
}  # fmt: skip

# States: id, unit, initial value or initial assignment (a formula), rate of change.
STATES: tuple[tuple[str, str, str, str], ...] = (
    ("depot", "mg", "0 mg", "-ka * depot"),
    (
        "central",
        "mg",
        "0 mg",
        "ka * depot - CL * free_mg_l - exchange - kint * Vc * bound_nm / nm_per_mg_l",
    ),
    ("peripheral", "mg", "0 mg", "exchange"),
    ("target", "nM", "R0", "synthesis - degradation * target - (kint - degradation) * bound_nm"),
    (
        "bcells",
        "cells_per_uL",
        "B0",
        "kout * B0 - kout * (1 dimensionless + stimulation) * bcells - QB / Vc * bcells"
        " + QB / Vb * bcells_peripheral",
    ),
    (
        "bcells_peripheral",
        "cells_per_uL",
        "B0 * Vb / Vc",
        "QB / Vc * bcells - QB / Vb * bcells_peripheral",
    ),
)

# Derived quantities in evaluation order (kernel.concentrations, free_drug_nm, drug_effect,
# target_synthesis). The free-drug root takes the cancellation-free branch when most drug is bound.
ASSIGNMENTS: tuple[tuple[str, str, str], ...] = (
    ("total_mg_l", "mg_per_litre", "piecewise(central / Vc, central > 0 mg, 0 mg_per_litre)"),
    ("ks_nm", "nM", "(kint + koff) * KD / koff"),
    ("total_nm", "nM", "total_mg_l * nm_per_mg_l"),
    ("qss_b_nm", "nM", "total_nm - target - ks_nm"),
    ("qss_root_nm", "nM", "sqrt(qss_b_nm * qss_b_nm + 4 dimensionless * ks_nm * total_nm)"),
    (
        "free_nm",
        "nM",
        "piecewise(0.5 dimensionless * (qss_b_nm + qss_root_nm), qss_b_nm >= 0 nM,"
        " 2 dimensionless * ks_nm * total_nm / (qss_root_nm - qss_b_nm))",
    ),
    ("free_mg_l", "mg_per_litre", "free_nm / nm_per_mg_l"),
    ("bound_nm", "nM", "total_nm - free_nm"),
    ("peripheral_mg_l", "mg_per_litre", "peripheral / Vp"),
    ("exchange", "mg_per_day", "Q * (free_mg_l - peripheral_mg_l)"),
    ("synthesis", "nM_per_day", "ksyninf + (ksyn0 - ksyninf) * exp(-kdes * time / days_per_year)"),
    ("degradation", "per_day", "synthesis / R0"),
    (
        "effect_log",
        "dimensionless",
        "piecewise(gamma * ln(free_mg_l / EC50), free_mg_l > 0 mg_per_litre, 0 dimensionless)",
    ),
    (
        "stimulation",
        "dimensionless",
        "piecewise(0 dimensionless, free_mg_l <= 0 mg_per_litre,"
        " Emax / (1 dimensionless + exp(-effect_log)), effect_log >= 0 dimensionless,"
        " Emax * exp(effect_log) / (1 dimensionless + exp(effect_log)))",
    ),
)


def build_sbml(
    row: NDArray[np.float64], doses: DoseHistory, *, model_id: str = "ofatumumab_yu2022"
) -> str:
    """Write one patient's model and dose history as an SBML Level 3 Version 2 document.

    Parameters keep the knowledge base's symbols, so the file can be re-run with other values;
    doses on the same day merge into one event, since simultaneous events that each read the
    depot at trigger time would otherwise overwrite each other's dose.

    >>> from ofacare.knowledge import default_knowledge
    >>> from ofacare.pharmacology.parameters import model_spec, typical_row
    >>> row = typical_row(model_spec(default_knowledge()))
    >>> build_sbml(row, DoseHistory.of([0, 7, 14, 14], 20.0)).count("<event ")
    3
    """
    values = np.asarray(row, dtype=np.float64)
    if values.shape != (kernel.N_PARAMS,) or not np.all(np.isfinite(values)):
        raise ValueError(f"a parameter row is {kernel.N_PARAMS} finite numbers")
    if not libsbml.SyntaxChecker.isValidSBMLSId(model_id):
        raise ValueError(
            f"model_id {model_id!r} is not an SBML id (a letter or _, then word characters)"
        )
    document = libsbml.SBMLDocument(3, 2)
    model = document.createModel()
    model.setId(model_id)
    model.setName("Ofatumumab PK and B cells (Yu et al., CNS Drugs 2022), one patient")
    _describe(model)
    _add_units(model)
    for column, symbol in PARAMETER_IDS.items():
        _parameter(model, symbol, float(values[column]), PARAMETER_UNITS[symbol], constant=True)
    _parameter(model, "days_per_year", kernel.DAYS_PER_YEAR, "day_per_year", constant=True)
    for symbol, unit, initial, rate in STATES:
        _add_state(model, symbol, unit, initial, rate)
    for symbol, unit, formula in ASSIGNMENTS:
        _parameter(model, symbol, 0.0, unit, constant=False)
        rule = model.createAssignmentRule()
        rule.setVariable(symbol)
        rule.setMath(_math(formula))
    _add_doses(model, doses)
    _check(document)
    return str(libsbml.writeSBMLToString(document))


def _describe(model: Any) -> None:
    model.setMetaId(f"meta_{model.getId()}")
    model.setNotes(
        '<body xmlns="http://www.w3.org/1999/xhtml">'
        f"<p>Source: {SOURCE} doi:{SOURCE_DOI}. Equations as in ofacare's pharmacology kernel "
        "(two-compartment quasi-steady-state TMDD with first-order absorption, time-varying CD20 "
        "synthesis, indirect-response B cells with a peripheral pool).</p>"
        "<p>Units: time in days, drug in mg and mg/L, target in nmol/L, B cells in cells/uL.</p>"
        "<p>Educational model for exploring exposure and B-cell depletion. It is not a dosing "
        "tool and does not replace the care team.</p></body>"
    )
    term = libsbml.CVTerm(libsbml.MODEL_QUALIFIER)
    term.setModelQualifierType(libsbml.BQM_IS_DESCRIBED_BY)
    term.addResource(f"http://identifiers.org/doi/{SOURCE_DOI}")
    model.addCVTerm(term)


def _add_units(model: Any) -> None:
    for unit_id, parts in UNIT_DEFINITIONS.items():
        definition = model.createUnitDefinition()
        definition.setId(unit_id)
        for kind, exponent, scale, multiplier in parts:
            unit = definition.createUnit()
            unit.setKind(kind)
            unit.setExponent(exponent)
            unit.setScale(scale)
            unit.setMultiplier(multiplier)
    model.setTimeUnits("day")
    model.setSubstanceUnits("mg")
    model.setVolumeUnits("litre")
    model.setExtentUnits("mg")


def _parameter(model: Any, symbol: str, value: float, unit: str, *, constant: bool) -> None:
    parameter = model.createParameter()
    parameter.setId(symbol)
    parameter.setValue(value)
    parameter.setUnits(unit)
    parameter.setConstant(constant)


def _add_state(model: Any, symbol: str, unit: str, initial: str, rate: str) -> None:
    """A state is a non-constant parameter with a rate rule; its start follows the parameters."""
    _parameter(model, symbol, 0.0, unit, constant=False)
    assignment = model.createInitialAssignment()
    assignment.setSymbol(symbol)
    assignment.setMath(_math(initial))
    rule = model.createRateRule()
    rule.setVariable(symbol)
    rule.setMath(_math(rate))


def _add_doses(model: Any, doses: DoseHistory) -> None:
    days, first = np.unique(doses.days, return_index=True)
    amounts = np.add.reduceat(doses.mg, first) if doses.mg.size else doses.mg
    for number, (day, mg) in enumerate(zip(days, amounts, strict=True), start=1):
        _parameter(model, f"dose_{number}_day", float(day), "day", constant=True)
        _parameter(model, f"dose_{number}_mg", float(mg), "mg", constant=True)
        event = model.createEvent()
        event.setId(f"dose_{number}")
        event.setUseValuesFromTriggerTime(True)
        trigger = event.createTrigger()
        trigger.setPersistent(True)
        trigger.setInitialValue(False)
        trigger.setMath(_math(f"time >= dose_{number}_day"))
        assignment = event.createEventAssignment()
        assignment.setVariable("depot")
        assignment.setMath(_math(f"depot + F * dose_{number}_mg"))


def _math(formula: str) -> Any:
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise ValueError(f"cannot parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return ast


def _check(document: Any) -> None:
    """Raise if libsbml finds an error; warnings pass (there are none: every unit is declared)."""
    document.checkConsistency()
    errors = [
        document.getError(i).getMessage().strip()
        for i in range(document.getNumErrors())
        if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    if errors:
        raise OfacareError(
            "interop.sbml-invalid",
            f"The SBML document has {len(errors)} error(s); the first: {errors[0]}",
            "This is a bug in ofacare's SBML export; please report it.",
        )


class RoadRunnerModel:
    """An SBML model loaded (compiled) once by libroadrunner and re-run for many parameter rows.

    Loading compiles the model, which costs far more than a run, so a loop over patients keeps one
    instance. roadrunner's `reset` keeps changed parameter values and re-evaluates the initial
    assignments with them (`resetAll` would restore the loaded values), so each run sets the
    row first and resets after: the starting target and B cells follow R0, B0, Vb and Vc, and a
    day-0 dose fires again.
    """

    OUTPUTS = ("total_mg_l", "free_mg_l", "bcells")
    RTOL = 1e-10
    ATOL = 1e-14
    MAX_STEPS = 1_000_000

    def __init__(self, sbml: str, *, rtol: float = RTOL, atol: float = ATOL) -> None:
        import roadrunner  # noqa: PLC0415  (optional peer simulator; only this class needs it)

        self._rr = roadrunner.RoadRunner(sbml)
        integrator = self._rr.getIntegrator()
        integrator.setValue("relative_tolerance", rtol)
        integrator.setValue("absolute_tolerance", atol)
        integrator.setValue("maximum_num_steps", self.MAX_STEPS)
        self._rr.timeCourseSelections = list(self.OUTPUTS)
        ids = list(self._rr.model.getGlobalParameterIds())
        self._indices = np.array(
            [ids.index(PARAMETER_IDS[c]) for c in range(kernel.N_PARAMS)], dtype=np.int32
        )

    def run(self, row: NDArray[np.float64], days: NDArray[np.float64]) -> NDArray[np.float64]:
        """Simulate one parameter row from day 0; rows are `days`, columns are `OUTPUTS`."""
        values = np.asarray(row, dtype=np.float64)
        times = np.asarray(days, dtype=np.float64)
        if values.shape != (kernel.N_PARAMS,):
            raise ValueError(f"a parameter row has {kernel.N_PARAMS} columns")
        if times.ndim != 1 or times.size == 0 or times[0] < 0 or np.any(np.diff(times) <= 0):
            raise ValueError("output days must be a non-empty increasing sequence from day 0 on")
        self._rr.model.setGlobalParameterValues(self._indices, values)
        self._rr.reset()
        starts_later = times[0] > 0.0
        if starts_later:
            times = np.concatenate(([0.0], times))
        result = np.array(self._rr.simulate(times=times), dtype=np.float64)
        return result[1:] if starts_later else result


def compare_with_solver(
    row: NDArray[np.float64], doses: DoseHistory, days: NDArray[np.float64]
) -> float:
    """The worst relative difference between roadrunner and our solver over `days`.

    Compares total and free concentration where above 1e-6 mg/L and B cells where above
    0.1 cells/uL (in our solver's answer).
    """
    ours = simulate(np.asarray(row, dtype=np.float64), doses, days)
    theirs = RoadRunnerModel(build_sbml(row, doses)).run(row, days)
    worst = 0.0
    pairs = (
        (ours.total_mg_l[0], theirs[:, 0], CONCENTRATION_FLOOR_MG_L),
        (ours.free_mg_l[0], theirs[:, 1], CONCENTRATION_FLOOR_MG_L),
        (ours.bcells[0], theirs[:, 2], BCELL_FLOOR_PER_UL),
    )
    for reference, other, floor in pairs:
        shown = np.abs(reference) > floor
        if np.any(shown):
            difference = np.abs(other[shown] - reference[shown]) / np.abs(reference[shown])
            worst = max(worst, float(np.max(difference)))
    return worst
