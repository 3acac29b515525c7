"""Predicted against published: the model's checks (pk-model.yaml `model_checks`).

Each published number is reproduced the way it was measured: the bioequivalence study's exposure
and early depletion in an APLIOS-like population (half prefilled syringe, half pen), long-term
depletion and recovery in an ASCLEPIOS-like one (prefilled syringe, 28-day dosing to week 120),
the model's week 104-108 exposure for 70 kg patients, and the half-life for the typical patient.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ofacare.knowledge import KnowledgeBase
from ofacare.knowledge.schema import Covariate, ModelCheck
from ofacare.pharmacology import metrics
from ofacare.pharmacology.doses import ANCHOR, dose_history
from ofacare.pharmacology.parameters import Covariates, ModelSpec, model_spec, typical_row
from ofacare.pharmacology.population import sample_population
from ofacare.pharmacology.solver import Trajectories, simulate
from ofacare.regimen import IntervalMode

UG_H_PER_ML_IN_MG_DAY_PER_L = 1.0 / 24.0  # 1 ug/mL = 1 mg/L; 24 h in a day
DEFAULT_PATIENTS = 2000
DEFAULT_SEED = 20220301

# Study windows, in days from the first dose (trial regimen: days 0, 7, 14, then every 28).
BE_INTERVAL = (56, 84)  # weeks 8-12 of the bioequivalence study
LONG_TERM = (84, 840)  # weeks 12-120, the window the ASCLEPIOS depletion figures describe
LATE_INTERVAL = (728, 756)  # weeks 104-108
HALF_LIFE_WINDOW = (14, 42)  # days after the last steady-state dose
FOLLOW_UP_DAYS = 3 * 365


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: ModelCheck
    published_low: float
    published_high: float
    """The published value, or the range when the check names several (two trials)."""
    unit: str
    predicted: float
    low: float
    high: float

    @property
    def passed(self) -> bool:
        return self.low <= self.predicted <= self.high

    @property
    def error(self) -> float:
        """Distance outside the published value or range, in tolerances (1 = at the edge)."""
        width = max(self.published_low - self.low, self.high - self.published_high, 1e-12)
        if self.published_low <= self.predicted <= self.published_high:
            return 0.0
        nearest = min(
            abs(self.predicted - self.published_low), abs(self.predicted - self.published_high)
        )
        return nearest / width


@dataclass(frozen=True, slots=True)
class Studies:
    """The simulated studies every check reads from."""

    be_study: Trajectories
    long_term: Trajectories
    late_70kg: Trajectories
    typical: Trajectories
    long_term_last_dose: float
    typical_last_dose: float


def run_studies(
    kb: KnowledgeBase, spec: ModelSpec, *, n: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED
) -> Studies:
    """Simulate the populations the checks need (the same seed gives the same patients)."""
    trial = IntervalMode.FOUR_WEEKLY
    be_doses = dose_history(ANCHOR, [], until_day=BE_INTERVAL[1], interval=trial)
    be_population = sample_population(
        kb, spec, n, seed=seed, autoinjector_share=0.5, study=Covariate.STUDY_APLIOS
    )
    be_days = np.arange(0.0, BE_INTERVAL[1] + 1.0)
    long_doses = dose_history(ANCHOR, [], until_day=LONG_TERM[1], interval=trial)
    long_population = sample_population(kb, spec, n, seed=seed + 1, autoinjector_share=0.0)
    last = float(long_doses.history.days[-1])
    long_days = np.arange(0.0, last + FOLLOW_UP_DAYS + 1.0)
    late_doses = dose_history(ANCHOR, [], until_day=LATE_INTERVAL[1], interval=trial)
    reference_weight = kb.model.covariates[Covariate.WEIGHT].reference  # the model's 70 kg
    late_population = sample_population(
        kb, spec, n, seed=seed + 2, autoinjector_share=0.0, fixed_weight_kg=reference_weight
    )
    late_days = np.arange(0.0, LATE_INTERVAL[1] + 1.0)
    typical_doses = dose_history(ANCHOR, [], until_day=LATE_INTERVAL[0], interval=trial)
    typical_last = float(typical_doses.history.days[-1])
    typical_days = np.arange(0.0, typical_last + HALF_LIFE_WINDOW[1] + 1.0)
    return Studies(
        be_study=simulate(be_population.params, be_doses.history, be_days),
        long_term=simulate(long_population.params, long_doses.history, long_days, dtype=np.float32),
        late_70kg=simulate(late_population.params, late_doses.history, late_days),
        typical=simulate(
            typical_row(spec, Covariates(autoinjector=False)), typical_doses.history, typical_days
        ),
        long_term_last_dose=last,
        typical_last_dose=typical_last,
    )


def _interval_auc(trajectories: Trajectories, window: tuple[int, int]) -> NDArray[np.float64]:
    first, last = window
    return np.asarray(
        trajectories.auc_mg_day_l[:, last] - trajectories.auc_mg_day_l[:, first], np.float64
    )


def predictions(kb: KnowledgeBase, studies: Studies) -> Mapping[str, float]:
    """Every metric a check may name, predicted from the studies."""
    lln = kb.number(metrics.LLN_FACT, "cells/uL")
    low = kb.number(metrics.LOW_FACT, "cells/uL")
    target = kb.number(metrics.TARGET_FACT, "cells/uL")
    be, long_term, typical = studies.be_study, studies.long_term, studies.typical
    median_curve = np.median(long_term.bcells, axis=0)
    window = (long_term.days >= LONG_TERM[0]) & (long_term.days <= LONG_TERM[1])
    recovery = metrics.repletion_weeks(
        long_term.days, long_term.bcells, studies.long_term_last_dose, lln
    )
    start = studies.typical_last_dose
    metric_values: dict[str, Callable[[], float]] = {
        "auc_tau_weeks_8_12": lambda: float(np.mean(_interval_auc(be, BE_INTERVAL))),
        "cmax_weeks_8_12": lambda: float(
            np.mean(np.max(be.total_mg_l[:, BE_INTERVAL[0] : BE_INTERVAL[1] + 1], axis=1))
        ),
        "half_life_days": lambda: metrics.half_life_days(
            typical.days,
            typical.total_mg_l[0],
            start + HALF_LIFE_WINDOW[0],
            start + HALF_LIFE_WINDOW[1],
        ),
        "median_days_to_8": lambda: float(
            metrics.first_day_below(long_term.days, median_curve, target)[0]
        ),
        "pct_below_10_week_4": lambda: float(metrics.percent_below(be.bcells[:, 28], low)),
        "pct_below_10_week_12": lambda: float(metrics.percent_below(be.bcells[:, 84], low)),
        "pct_below_40_weeks_12_120": lambda: float(
            np.mean(metrics.percent_below(long_term.bcells[:, window], lln))
        ),
        "median_repletion_weeks": lambda: float(np.median(recovery)),
        "auc_tau_weeks_104_108": lambda: float(
            np.median(_interval_auc(studies.late_70kg, LATE_INTERVAL))
        ),
    }
    return {name: compute() for name, compute in metric_values.items()}


def published_values(kb: KnowledgeBase, check: ModelCheck) -> tuple[list[float], str]:
    """The published numbers in the unit the metric is computed in."""
    values, units = [], set()
    for fact_id in check.facts:
        fact = kb.get_fact(fact_id)
        if fact.value is None or fact.unit is None:
            raise ValueError(f"check {check.id}: fact {fact_id} has no single value")
        if fact.unit == "ug*h/mL":
            values.append(fact.value * UG_H_PER_ML_IN_MG_DAY_PER_L)
            units.add("mg*day/L")
        else:
            values.append(fact.value)
            units.add(fact.unit)
    if len(units) != 1:
        raise ValueError(f"check {check.id}: facts in different units {sorted(units)}")
    return values, units.pop()


def evaluate(
    kb: KnowledgeBase, set_name: str, *, n: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED
) -> list[CheckResult]:
    """Run every check for a named parameter set."""
    return evaluate_spec(kb, model_spec(kb, set_name), n=n, seed=seed)


def evaluate_spec(
    kb: KnowledgeBase, spec: ModelSpec, *, n: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED
) -> list[CheckResult]:
    """Run every check for a model (a named set, or a candidate during fitting)."""
    values = predictions(kb, run_studies(kb, spec, n=n, seed=seed))
    return [_result(kb, check, values[check.metric]) for check in kb.model.checks]


def _result(kb: KnowledgeBase, check: ModelCheck, predicted: float) -> CheckResult:
    values, unit = published_values(kb, check)
    low, high = min(values), max(values)
    width = check.tolerance * (low + high) / 2 if check.relative else check.tolerance
    ceiling = 100.0 if unit == "percent" else np.inf
    return CheckResult(check, low, high, unit, predicted, low - width, min(high + width, ceiling))


def score(results: list[CheckResult]) -> tuple[int, float]:
    """How well a set reproduces the published data: checks passed, then mean error (lower wins)."""
    return sum(r.passed for r in results), float(np.mean([r.error for r in results]))
