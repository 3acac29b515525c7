"""A virtual population on one regimen: percentile bands, depletion shares and recovery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ofacare.knowledge import KnowledgeBase
from ofacare.pharmacology import metrics
from ofacare.pharmacology.doses import DatedDoses
from ofacare.pharmacology.individual import course_horizon
from ofacare.pharmacology.parameters import ModelSpec
from ofacare.pharmacology.population import sample_population
from ofacare.pharmacology.solver import simulate

PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True, slots=True)
class RepletionSummary:
    """Weeks from the last dose to B cells back at the lower limit of normal."""

    median: float | None
    p25: float | None
    p75: float | None
    recovered_percent: float
    """Share of patients back within the follow-up (the rest are censored)."""
    follow_up_weeks: float


@dataclass(frozen=True, slots=True)
class PopulationResult:
    doses: DatedDoses
    n: int
    seed: int
    set_name: str
    days: NDArray[np.float64]
    bcell_bands: dict[str, NDArray[np.float64]]
    conc_bands: dict[str, NDArray[np.float64]]
    pct_below_10: NDArray[np.float64]
    pct_below_40: NDArray[np.float64]
    repletion: RepletionSummary | None


def simulate_population(
    kb: KnowledgeBase,
    spec: ModelSpec,
    doses: DatedDoses,
    *,
    n: int,
    seed: int,
    until_day: int,
    stopped: bool,
    on_progress: Callable[[int, int], None] | None = None,
) -> PopulationResult:
    """Simulate `n` virtual patients (drawn with `seed`) on the dose history, day by day."""
    population = sample_population(kb, spec, n, seed=seed)
    last = doses.history.last_day
    horizon = course_horizon(until_day, doses, stopped=stopped)
    days = np.arange(0.0, horizon + 1.0)
    solution = simulate(
        population.params, doses.history, days, dtype=np.float32, on_progress=on_progress
    )
    shown = days <= until_day
    lln = kb.number(metrics.LLN_FACT, "cells/uL")
    bcells = solution.bcells[:, shown]
    repletion = None
    if stopped and last is not None:
        weeks = metrics.repletion_weeks(days, solution.bcells, last, lln)
        repletion = _summarise(weeks, (horizon - last) / metrics.DAYS_PER_WEEK)
    return PopulationResult(
        doses=doses,
        n=n,
        seed=seed,
        set_name=spec.set_name,
        days=days[shown],
        bcell_bands=metrics.percentile_bands(bcells, PERCENTILES),
        conc_bands=metrics.percentile_bands(solution.total_mg_l[:, shown], PERCENTILES),
        pct_below_10=metrics.percent_below(bcells, kb.number(metrics.LOW_FACT, "cells/uL")),
        pct_below_40=metrics.percent_below(bcells, lln),
        repletion=repletion,
    )


def _summarise(weeks: NDArray[np.float64], follow_up_weeks: float) -> RepletionSummary:
    def finite(value: float) -> float | None:
        return float(value) if np.isfinite(value) else None

    p25, median, p75 = np.percentile(weeks, [25, 50, 75])
    return RepletionSummary(
        median=finite(median),
        p25=finite(p25),
        p75=finite(p75),
        recovered_percent=float(100.0 * np.mean(np.isfinite(weeks))),
        follow_up_weeks=follow_up_weeks,
    )
