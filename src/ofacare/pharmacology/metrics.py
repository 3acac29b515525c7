"""What a simulated course means in numbers: exposure per dosing interval, depletion, recovery.

Pure functions over solver output (daily rows). Thresholds and the like come from the caller,
who reads them from the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DAYS_PER_WEEK = 7.0

# The B-cell thresholds the outputs report, as facts (cells/uL): the model's depletion target,
# the deep-depletion line and the lower limit of normal. JSON keys name them by value.
TARGET_FACT = "efficacy.b-cell-model-target"
LOW_FACT = "efficacy.b-cell-threshold-10"
LLN_FACT = "efficacy.b-cell-lln"
THRESHOLD_FACTS = {"8": TARGET_FACT, "10": LOW_FACT, "40": LLN_FACT}


@dataclass(frozen=True, slots=True)
class IntervalMetrics:
    """Exposure between one dose and the next (or the end of the simulation)."""

    start_day: int
    end_day: int
    auc_mg_day_per_l: float
    cmax_mg_per_l: float
    ctrough_mg_per_l: float


def interval_metrics(
    days: NDArray[np.float64],
    total: NDArray[np.floating],
    auc: NDArray[np.floating],
    dose_days: NDArray[np.float64],
    end_day: float,
) -> list[IntervalMetrics]:
    """AUC (exact, from the solver's running integral), Cmax and trough for each dose interval.

    Dose and output days are whole days, so each interval starts and ends on an output day. The
    trough is the concentration at the interval's end, just before the next dose.
    """
    result = []
    bounds = [d for d in dose_days if d <= end_day]
    for k, start in enumerate(bounds):
        end = bounds[k + 1] if k + 1 < len(bounds) else end_day
        if end <= start:
            continue
        first, last = _index(days, start), _index(days, end)
        result.append(
            IntervalMetrics(
                start_day=int(start),
                end_day=int(end),
                auc_mg_day_per_l=float(auc[last] - auc[first]),
                cmax_mg_per_l=float(np.max(total[first : last + 1])),
                ctrough_mg_per_l=float(total[last]),
            )
        )
    return result


def _index(days: NDArray[np.float64], day: float) -> int:
    index = int(np.searchsorted(days, day))
    if index >= days.size or days[index] != day:
        raise ValueError(f"day {day} is not an output day")
    return index


def first_day_below(
    days: NDArray[np.float64], bcells: NDArray[np.floating], threshold: float
) -> NDArray[np.float64]:
    """Per patient (rows), the first output day with B cells below `threshold`; NaN if never."""
    below = np.atleast_2d(bcells) < threshold
    found = below.any(axis=1)
    first = np.argmax(below, axis=1)
    return np.where(found, days[first], np.nan)


def repletion_weeks(
    days: NDArray[np.float64],
    bcells: NDArray[np.floating],
    last_dose_day: float,
    threshold: float,
) -> NDArray[np.float64]:
    """Per patient, weeks from the last dose until B cells are back at `threshold` or above.

    Zero for someone never below it at the last dose; infinity for someone not back by the end of
    the simulation (censored, so medians stay honest).
    """
    after = days >= last_dose_day
    window = np.atleast_2d(bcells)[:, after]
    back = window >= threshold
    found = back.any(axis=1)
    first = np.argmax(back, axis=1)
    weeks = (days[after][first] - last_dose_day) / DAYS_PER_WEEK
    return np.where(found, weeks, np.inf)


def percentile_bands(
    values: NDArray[np.floating], percentiles: tuple[int, ...]
) -> dict[str, NDArray[np.float64]]:
    """Per column (day), the given percentiles across rows (patients), keyed 'p5', 'p25'..."""
    table = np.percentile(values, percentiles, axis=0)
    return {f"p{p}": table[i].astype(np.float64) for i, p in enumerate(percentiles)}


def percent_below(values: NDArray[np.floating], threshold: float) -> NDArray[np.float64]:
    """Per column (day), the percent of rows (patients) below `threshold`."""
    return np.asarray(100.0 * np.mean(values < threshold, axis=0), dtype=np.float64)


def half_life_days(
    days: NDArray[np.float64], total: NDArray[np.floating], first_day: float, last_day: float
) -> float:
    """Apparent half-life from the log-linear fall of concentration between two days."""
    a, b = _index(days, first_day), _index(days, last_day)
    slope = np.polyfit(days[a : b + 1], np.log(total[a : b + 1]), 1)[0]
    return float(np.log(2.0) / -slope)
