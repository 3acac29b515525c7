"""Virtual patients: covariates drawn from the trial population and correlated random effects.

Random effects are log-normal (logit-normal for bioavailability) with the published SDs and the
three correlation blocks; covariates follow the distributions in pk-model.yaml. The same seed gives
the same patients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ofacare.errors import InvalidInput
from ofacare.knowledge import KnowledgeBase
from ofacare.knowledge.schema import Covariate, CovariateDistribution, RandomEffectScale
from ofacare.pharmacology import kernel
from ofacare.pharmacology.parameters import COLUMNS, ModelSpec, covariate_factor, study_factor

MAX_PATIENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class Population:
    """A virtual population: the parameter matrix and each patient's covariates."""

    params: NDArray[np.float64]
    weight_kg: NDArray[np.float64]
    age_years: NDArray[np.float64]
    baseline_bcells: NDArray[np.float64]
    autoinjector: NDArray[np.bool_]
    seed: int

    @property
    def size(self) -> int:
        return int(self.params.shape[0])


def covariance(kb: KnowledgeBase, spec: ModelSpec, symbols: list[str]) -> NDArray[np.float64]:
    """Covariance of the random effects of `symbols`, from SDs and the correlation blocks."""
    index = {symbol: i for i, symbol in enumerate(symbols)}
    sd = np.array([spec.variability[s].sd for s in symbols])
    corr = np.eye(len(symbols))
    for entry in kb.model.correlations:
        i, j = index[entry.first], index[entry.second]
        corr[i, j] = corr[j, i] = entry.rho
    return corr * np.outer(sd, sd)


def sample_population(
    kb: KnowledgeBase,
    spec: ModelSpec,
    n: int,
    *,
    seed: int = 0,
    autoinjector_share: float = 1.0,
    fixed_weight_kg: float | None = None,
    study: Covariate | None = None,
) -> Population:
    """Draw `n` virtual patients; `study` applies a trial's indicator (to reproduce that trial)."""
    if not 1 <= n <= MAX_PATIENTS:
        raise InvalidInput(
            "input.population-size",
            f"n: {n} is not a population size ofacare simulates.",
            f"Give a number from 1 to {MAX_PATIENTS:,}.",
        )
    rng = np.random.default_rng(seed)
    weight = _draw(rng, kb.model.covariates[Covariate.WEIGHT], n)
    if fixed_weight_kg is not None:
        weight[:] = fixed_weight_kg  # drawn anyway, so the other draws match a free-weight run
    age = _draw(rng, kb.model.covariates[Covariate.AGE], n)
    device = rng.random(n) < autoinjector_share

    variable = [s for s in COLUMNS if s in spec.variability]
    etas = rng.multivariate_normal(np.zeros(len(variable)), covariance(kb, spec, variable), size=n)

    params = np.empty((n, kernel.N_PARAMS))
    params[:, kernel.NM_PER_MG_L] = spec.nm_per_mg_l
    for symbol, column in COLUMNS.items():
        definition = spec.definitions[symbol]
        params[:, column] = spec.typical[symbol] * covariate_factor(
            definition, spec, weight_kg=weight, age_years=age, autoinjector=device
        )
        if study is not None:
            params[:, column] *= study_factor(definition, study)
    for k, symbol in enumerate(variable):
        column = COLUMNS[symbol]
        if spec.variability[symbol].scale is RandomEffectScale.LOGIT:
            logit = np.log(params[:, column] / (1 - params[:, column])) + etas[:, k]
            params[:, column] = 1 / (1 + np.exp(-logit))
        else:
            params[:, column] *= np.exp(etas[:, k])
    # A virtual patient's baseline count is their own B0; it scales Emax as the measured baseline
    # does in the published covariate model.
    baseline = params[:, kernel.B0].copy()
    params[:, kernel.EMAX] *= covariate_factor(
        spec.definitions["Emax"], spec, baseline_bcells=baseline
    )
    return Population(params, weight, age, baseline, device, seed)


def _draw(
    rng: np.random.Generator, distribution: CovariateDistribution, n: int
) -> NDArray[np.float64]:
    if distribution.shape == "log-normal":
        values = distribution.median * np.exp(rng.normal(0.0, distribution.spread, n))
    else:
        values = rng.normal(distribution.median, distribution.spread, n)
    return np.clip(values, distribution.low, distribution.high)
