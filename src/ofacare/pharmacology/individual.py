"""One person's course: concentration and B cells for their own dose dates, and what they mean."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ofacare.knowledge import KnowledgeBase
from ofacare.pharmacology import metrics
from ofacare.pharmacology.doses import DatedDoses
from ofacare.pharmacology.parameters import Covariates, ModelSpec, typical_row
from ofacare.pharmacology.solver import simulate

# How long after the last dose we keep simulating to see B cells come back (beyond the window
# shown): three years, well past the slowest recovery the trials describe.
RECOVERY_FOLLOW_UP_DAYS = 3 * 365


@dataclass(frozen=True, slots=True)
class IndividualResult:
    doses: DatedDoses
    covariates: Covariates
    set_name: str
    stopped: bool
    """True when the course ends after a given dose (so recovery is computed)."""
    days: NDArray[np.float64]
    total_mg_l: NDArray[np.float64]
    free_mg_l: NDArray[np.float64]
    bcells: NDArray[np.float64]
    intervals: list[metrics.IntervalMetrics]
    days_below: dict[str, int | None]
    repletion_weeks: float | None


def course_horizon(until_day: int, doses: DatedDoses, *, stopped: bool) -> int:
    """The last day to simulate: the window shown, or long enough to see recovery after stopping."""
    last = doses.history.last_day
    if stopped and last is not None:
        return max(until_day, int(last) + RECOVERY_FOLLOW_UP_DAYS)
    return until_day


def simulate_individual(
    kb: KnowledgeBase,
    spec: ModelSpec,
    doses: DatedDoses,
    *,
    until_day: int,
    covariates: Covariates,
    stopped: bool,
) -> IndividualResult:
    """Simulate a typical patient with these covariates on these dose dates, day by day."""
    last = doses.history.last_day
    days = np.arange(0.0, course_horizon(until_day, doses, stopped=stopped) + 1.0)
    solution = simulate(typical_row(spec, covariates), doses.history, days)
    shown = days <= until_day
    below = {
        name: metrics.first_day_below(days, solution.bcells[0], kb.number(fact, "cells/uL"))[0]
        for name, fact in metrics.THRESHOLD_FACTS.items()
    }
    repletion = None
    if stopped and last is not None:
        weeks = metrics.repletion_weeks(
            days, solution.bcells[0], last, kb.number(metrics.LLN_FACT, "cells/uL")
        )[0]
        repletion = float(weeks) if np.isfinite(weeks) else None
    return IndividualResult(
        doses=doses,
        covariates=covariates,
        set_name=spec.set_name,
        stopped=stopped,
        days=days[shown],
        total_mg_l=solution.total_mg_l[0][shown],
        free_mg_l=solution.free_mg_l[0][shown],
        bcells=solution.bcells[0][shown],
        intervals=metrics.interval_metrics(
            days, solution.total_mg_l[0], solution.auc_mg_day_l[0], doses.history.days, until_day
        ),
        days_below={k: None if np.isnan(v) else int(v) for k, v in below.items()},
        repletion_weeks=repletion,
    )
