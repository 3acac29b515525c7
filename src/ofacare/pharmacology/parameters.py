"""Model parameters from the knowledge base: typical values, covariates and the parameter matrix.

Numbers come from knowledge/data/pk-model.yaml by symbol; nothing numeric is written here except
unit conversions. A row of the parameter matrix is one patient, with columns as in `kernel`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from ofacare.errors import InvalidInput, KnowledgeDataError
from ofacare.knowledge import KnowledgeBase
from ofacare.knowledge.schema import Covariate, ModelParameter, Variability
from ofacare.pharmacology import kernel

# Symbol in the knowledge base -> column of the parameter matrix.
COLUMNS: Mapping[str, int] = {
    "ka": kernel.KA, "F": kernel.F, "Vc": kernel.VC, "kint": kernel.KINT, "CL": kernel.CL,
    "Q": kernel.Q, "Vp": kernel.VP, "R0": kernel.R0, "ksyn0": kernel.KSYN0,
    "ksyninf": kernel.KSYNINF, "KD": kernel.KD, "koff": kernel.KOFF, "kdes": kernel.KDES,
    "B0": kernel.B0, "Emax": kernel.EMAX, "EC50": kernel.EC50, "gamma": kernel.GAMMA,
    "kout": kernel.KOUT, "QB": kernel.QB, "Vb": kernel.VB,
}  # fmt: skip

# The unit each column is read in; a parameter stated in another unit fails loudly.
UNITS: Mapping[str, str] = {
    "ka": "1/day", "F": "fraction", "Vc": "L", "kint": "1/day", "CL": "L/day", "Q": "L/day",
    "Vp": "L", "R0": "nmol/L", "ksyn0": "nmol/L/day", "ksyninf": "nmol/L/day", "KD": "nmol/L",
    "koff": "1/day", "kdes": "1/year", "B0": "cells/uL", "Emax": "dimensionless",
    "EC50": "mg/L", "gamma": "dimensionless", "kout": "1/day", "QB": "L/day", "Vb": "L",
}  # fmt: skip

MOLECULAR_WEIGHT_FACT = "pharmacology.molecular-weight"
DOSE_FACT = "dosing.dose-amount"
PUBLISHED = "published"

ArrayOrFloat = float | NDArray[np.float64]
ArrayOrBool = bool | NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Covariates:
    """What the covariate model needs to know about one person."""

    weight_kg: float | None = None
    age_years: float | None = None
    baseline_bcells: float | None = None
    """Their own CD19+ count before treatment (cells/uL), when known."""
    autoinjector: bool = True
    """Sensoready pen (the marketed device) rather than the prefilled syringe."""

    def __post_init__(self) -> None:
        _check_range("weight", self.weight_kg, 30, 250, "kg")
        _check_range("age", self.age_years, 12, 100, "years")
        _check_range("baseline-bcells", self.baseline_bcells, 1, 3000, "cells/uL")


def _check_range(name: str, value: float | None, low: float, high: float, unit: str) -> None:
    if value is None:
        return
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidInput(
            f"input.{name}-out-of-range",
            f"{name}: {value:g} {unit} is outside what the model can describe.",
            f"Give a value from {low:g} to {high:g} {unit}.",
        )


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Everything the solver needs that does not vary between patients."""

    typical: Mapping[str, float]
    """Typical value of every parameter, by symbol, after the chosen set's overrides."""
    definitions: Mapping[str, ModelParameter]
    variability: Mapping[str, Variability]
    """Random-effect SD and scale of every parameter that varies, after the set's overrides."""
    set_name: str
    nm_per_mg_l: float
    dose_mg: float
    references: Mapping[Covariate, float] = field(default_factory=dict)


def model_spec(kb: KnowledgeBase, set_name: str = PUBLISHED) -> ModelSpec:
    """Read the model from the knowledge base, applying a named parameter set's overrides."""
    chosen = kb.model.parameter_set(set_name)
    definitions = {symbol: kb.model.parameter(symbol) for symbol in COLUMNS}
    for symbol, definition in definitions.items():
        if definition.unit != UNITS[symbol]:
            raise KnowledgeDataError(
                "knowledge.wrong-unit",
                f"Parameter '{symbol}' is in {definition.unit}; the model reads it in "
                f"{UNITS[symbol]}.",
            )
    typical = {symbol: d.value for symbol, d in definitions.items()} | dict(chosen.overrides)
    variability = {
        symbol: d.variability.model_copy(
            update={"sd": chosen.variability_overrides.get(symbol, d.variability.sd)}
        )
        for symbol, d in definitions.items()
        if d.variability is not None
    }
    kda = kb.number(MOLECULAR_WEIGHT_FACT, "kDa")
    return ModelSpec(
        typical=typical,
        definitions=definitions,
        variability=variability,
        set_name=set_name,
        nm_per_mg_l=1e6 / (kda * 1000.0),
        dose_mg=kb.number(DOSE_FACT, "mg"),
        references={c: d.reference for c, d in kb.model.covariates.items()},
    )


def with_overrides(
    spec: ModelSpec,
    name: str,
    typical: Mapping[str, float],
    sd: Mapping[str, float] | None = None,
) -> ModelSpec:
    """A copy of `spec` with some typical values and random-effect SDs replaced (for fitting)."""
    variability = dict(spec.variability)
    for symbol, value in (sd or {}).items():
        variability[symbol] = variability[symbol].model_copy(update={"sd": value})
    return replace(
        spec, typical={**spec.typical, **typical}, variability=variability, set_name=name
    )


def covariate_factor(
    definition: ModelParameter,
    spec: ModelSpec,
    *,
    weight_kg: ArrayOrFloat | None = None,
    age_years: ArrayOrFloat | None = None,
    baseline_bcells: ArrayOrFloat | None = None,
    autoinjector: ArrayOrBool = True,
) -> ArrayOrFloat:
    """The multiplier covariates put on a typical value (element-wise over arrays)."""
    values = {
        Covariate.WEIGHT: weight_kg,
        Covariate.AGE: age_years,
        Covariate.BASELINE_BCELLS: baseline_bcells,
    }
    factor: ArrayOrFloat = 1.0
    for effect in definition.covariates:
        if effect.covariate in values:
            value = values[effect.covariate]
            if value is not None:
                factor = factor * np.power(
                    np.divide(value, spec.references[effect.covariate]), effect.effect
                )
        elif effect.covariate is Covariate.AUTOINJECTOR:
            factor = factor * np.where(autoinjector, math.exp(effect.effect), 1.0)
        # IV route and study indicators describe the trials, not a patient: see `study_factor`.
    return factor


def study_factor(definition: ModelParameter, study: Covariate) -> float:
    """The multiplier a trial's indicator puts on a parameter (used to reproduce that trial)."""
    return math.exp(sum(e.effect for e in definition.covariates if e.covariate is study))


def typical_row(spec: ModelSpec, covariates: Covariates | None = None) -> NDArray[np.float64]:
    """The parameter row of a typical patient with these covariates (no random effects)."""
    person = covariates or Covariates()
    row = np.empty(kernel.N_PARAMS)
    for symbol, column in COLUMNS.items():
        row[column] = spec.typical[symbol] * float(
            covariate_factor(
                spec.definitions[symbol],
                spec,
                weight_kg=person.weight_kg,
                age_years=person.age_years,
                baseline_bcells=person.baseline_bcells,
                autoinjector=person.autoinjector,
            )
        )
    if person.baseline_bcells is not None:
        row[kernel.B0] = person.baseline_bcells  # their own count replaces the predicted one
    row[kernel.NM_PER_MG_L] = spec.nm_per_mg_l
    return row
