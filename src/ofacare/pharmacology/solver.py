"""Simulate many patients at once: the batched solver's Python face.

`simulate` takes a parameter matrix (one row per patient), one dose history and the days to report,
and returns total and free concentration, B cells and cumulative AUC per patient and day. Patients
are solved in parallel by the compiled kernel, in chunks so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ofacare.errors import OfacareError
from ofacare.pharmacology import kernel

# Solver tolerances: daily outputs stay within 1e-4 relative of a reference solution at rtol
# 1e-10 (measured ~5e-6, a 20-fold margin; tests/pharmacology/test_accuracy.py checks it).
DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-12
CHUNK = (
    2048  # patients per call into the kernel; bounds the float64 scratch to ~ CHUNK x days x 32 B
)


@dataclass(frozen=True, slots=True)
class DoseHistory:
    """When doses are given (days from the first dose) and how much (mg, before bioavailability)."""

    days: NDArray[np.float64]
    mg: NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.days.shape != self.mg.shape or self.days.ndim != 1:
            raise ValueError("dose days and amounts must be one-dimensional and the same length")
        if self.days.size and (np.any(np.diff(self.days) < 0) or self.days[0] < 0):
            raise ValueError("dose days must be sorted and not negative")

    @classmethod
    def of(cls, days: list[float] | NDArray[np.float64], mg: float) -> DoseHistory:
        array = np.asarray(days, dtype=np.float64)
        return cls(array, np.full(array.shape, mg))

    @property
    def last_day(self) -> float | None:
        return float(self.days[-1]) if self.days.size else None


@dataclass(frozen=True, slots=True)
class Trajectories:
    """Solver output: arrays are [patient, day]."""

    days: NDArray[np.float64]
    total_mg_l: NDArray[np.floating]
    free_mg_l: NDArray[np.floating]
    bcells: NDArray[np.floating]
    auc_mg_day_l: NDArray[np.floating]
    """Cumulative area under the total concentration curve from day 0."""
    final_states: NDArray[np.float64]
    """The full state of each patient at the last output day (columns as kernel states)."""
    steps: NDArray[np.int64]

    @property
    def patients(self) -> int:
        return int(self.total_mg_l.shape[0])


def simulate(
    params: NDArray[np.float64],
    doses: DoseHistory,
    days: NDArray[np.float64],
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    dtype: DTypeLike = np.float64,
    on_progress: Callable[[int, int], None] | None = None,
) -> Trajectories:
    """Solve the model for every row of `params`; report at each of `days` (sorted, >= 0).

    `on_progress(done, total)` is called after each chunk of patients, for progress bars.
    """
    matrix = np.ascontiguousarray(np.atleast_2d(params), dtype=np.float64)
    out_days = np.ascontiguousarray(days, dtype=np.float64)
    if matrix.shape[1] != kernel.N_PARAMS:
        raise ValueError(f"a parameter row has {kernel.N_PARAMS} columns, not {matrix.shape[1]}")
    if out_days.ndim != 1 or out_days.size == 0 or np.any(np.diff(out_days) <= 0):
        raise ValueError("output days must be a non-empty increasing sequence")
    n, n_days = matrix.shape[0], out_days.size
    series = np.empty((kernel.N_OUTPUTS, n, n_days), dtype=dtype)
    final_states = np.empty((n, kernel.N_STATES))
    steps = np.empty(n, dtype=np.int64)
    scratch = np.empty((min(n, CHUNK), n_days, kernel.N_OUTPUTS))
    for first in range(0, n, CHUNK):
        last = min(n, first + CHUNK)
        block = scratch[: last - first]
        kernel.solve_batch(
            matrix[first:last],
            np.ascontiguousarray(doses.days),
            np.ascontiguousarray(doses.mg),
            out_days,
            rtol,
            atol,
            block,
            final_states[first:last],
            steps[first:last],
        )
        series[:, first:last, :] = np.moveaxis(block, 2, 0)
        if on_progress is not None:
            on_progress(last, n)
    if np.any(steps < 0):
        failed = int(np.count_nonzero(steps < 0))
        raise OfacareError(
            "simulation.solver-failed",
            f"The solver could not integrate {failed} of {n} patients.",
            "Check the parameters for impossible values.",
        )
    return Trajectories(
        days=out_days,
        total_mg_l=series[kernel.OUT_TOTAL],
        free_mg_l=series[kernel.OUT_FREE],
        bcells=series[kernel.OUT_BCELLS],
        auc_mg_day_l=series[kernel.OUT_AUC],
        final_states=final_states,
        steps=steps,
    )
