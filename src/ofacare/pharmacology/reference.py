"""A reference solution with scipy's `solve_ivp`, one patient at a time (the ordinary way).

Used to check the batched solver's accuracy (tests) and as the baseline it is timed against
(benchmarks). It calls the same compiled right-hand side, so any difference is the integrator's.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from ofacare.pharmacology import kernel
from ofacare.pharmacology.solver import DoseHistory


def reference_solution(
    p: NDArray[np.float64],
    doses: DoseHistory,
    days: NDArray[np.float64],
    *,
    method: str = "Radau",
    rtol: float = 1e-10,
    atol: float = 1e-14,
) -> NDArray[np.float64]:
    """States of one patient at `days` (rows: days, columns: kernel states).

    Integrates from event to event, adding each dose to the depot at its day, as the kernel does.
    """
    scratch = np.empty(kernel.N_STATES)

    def rhs(t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        kernel.derivatives(t, y, p, scratch)
        return scratch.copy()

    y = np.empty(kernel.N_STATES)
    kernel.initial_state(p, y)
    result = np.empty((days.size, kernel.N_STATES))
    stops = np.unique(np.concatenate([doses.days, days]))
    t = float(stops[0])
    for stop in stops:
        if stop > t:
            solution = solve_ivp(rhs, (t, stop), y, method=method, rtol=rtol, atol=atol)
            if not solution.success:
                raise RuntimeError(f"reference solver failed: {solution.message}")
            y = solution.y[:, -1].copy()
            t = float(stop)
        given = doses.days == stop
        y[kernel.DEPOT] += p[kernel.F] * float(doses.mg[given].sum())
        result[days == stop] = y
    return result


def observed(p: NDArray[np.float64], states: NDArray[np.float64]) -> NDArray[np.float64]:
    """Total and free concentration (mg/L) and B cells for each row of states."""
    out = np.empty((states.shape[0], 3))
    for i, y in enumerate(states):
        out[i, 0], out[i, 1] = kernel.concentrations(y, p)
        out[i, 2] = y[kernel.BCELLS]
    return out
