"""The model's right-hand side and a compiled per-patient integrator, run over patients in parallel.

One function, `derivatives`, holds the equations (pharmacology.md section 2.3, with the
mass-conserving exchange terms); the batched solver, the scipy reference and the tests all call it,
so there is one copy of the model. Everything here is compiled by numba (cached on disk), works on
plain float64 arrays and never allocates inside the step loop.

Units: time in days; drug amounts in mg; volumes in L; drug concentrations in mg/L except inside
the quasi-steady-state algebra, which runs in nmol/L like the published target parameters; B cells
in cells/uL.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

# Columns of the parameter matrix (one row per patient). `NM_PER_MG_L` converts drug mg/L to nmol/L
# with the molecular weight.
(KA, F, VC, KINT, CL, Q, VP, R0, KSYN0, KSYNINF, KD, KOFF, KDES,
 B0, EMAX, EC50, GAMMA, KOUT, QB, VB, NM_PER_MG_L) = range(21)  # fmt: skip
N_PARAMS = 21

# Model states. The last three are bookkeeping integrals (mg eliminated by linear clearance, mg
# eliminated through target internalisation, and the area under the total concentration curve) so
# mass balance and AUC come out of the solution exactly rather than by quadrature.
(DEPOT, CENTRAL, PERIPHERAL, TARGET, BCELLS, BCELLS_PERIPHERAL,
 ELIMINATED_LINEAR, ELIMINATED_TARGET, AUC) = range(9)  # fmt: skip
N_STATES = 9

# Output columns written at each output time (AUC is cumulative from time zero, mg*day/L).
OUT_TOTAL, OUT_FREE, OUT_BCELLS, OUT_AUC = range(4)
N_OUTPUTS = 4

DAYS_PER_YEAR = 365.25

# Dormand-Prince 5(4) tableau (Dormand and Prince 1980; Hairer, Norsett and Wanner, Table 5.2).
C2, C3, C4, C5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9
A21 = 1 / 5
A31, A32 = 3 / 40, 9 / 40
A41, A42, A43 = 44 / 45, -56 / 15, 32 / 9
A51, A52, A53, A54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
A61, A62, A63, A64, A65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
A71, A73, A74, A75, A76 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
E1, E3, E4, E5, E6, E7 = (
    71 / 57600,
    -71 / 16695,
    71 / 1920,
    -17253 / 339200,
    22 / 525,
    -1 / 40,
)  # 5th minus 4th order weights

MAX_STEPS_PER_PATIENT = 2_000_000
SAFETY, MIN_FACTOR, MAX_FACTOR = 0.9, 0.2, 5.0
FIRST_STEP = 0.01  # days; also the step after a dose, whose jump makes the old step meaningless


@numba.njit(cache=True, inline="always")
def free_drug_nm(total_nm: float, target_nm: float, ks_nm: float) -> float:
    """Free drug (nmol/L) from total drug and total target under the quasi-steady state.

    The root of the quadratic is taken in the form that avoids cancellation when most drug is
    bound (total < target + Ks), where the textbook form loses every digit.
    """
    total = max(total_nm, 0.0)
    b = total - target_nm - ks_nm
    root = math.sqrt(b * b + 4.0 * ks_nm * total)
    if b >= 0.0:
        return float(0.5 * (b + root))
    if root - b == 0.0:
        return 0.0
    return float(2.0 * ks_nm * total / (root - b))


@numba.njit(cache=True)
def target_synthesis(t: float, p: NDArray[np.float64]) -> float:
    """CD20 synthesis (nmol/L/day), declining from ksyn0 to ksyn_inf with rate kdes per year."""
    return float(p[KSYNINF] + (p[KSYN0] - p[KSYNINF]) * math.exp(-p[KDES] * t / DAYS_PER_YEAR))


@numba.njit(cache=True)
def drug_effect(free_mg_l: float, p: NDArray[np.float64]) -> float:
    """Stimulation of B-cell loss by free drug: Emax * C^g / (EC50^g + C^g).

    Written as a logistic in log concentration, which cannot overflow for the steep Hill
    coefficients a virtual population draws (C^g overflows for g near 100).
    """
    if free_mg_l <= 0.0:
        return 0.0
    x = p[GAMMA] * math.log(free_mg_l / p[EC50])
    if x >= 0.0:
        return float(p[EMAX] / (1.0 + math.exp(-x)))
    ratio = math.exp(x)
    return float(p[EMAX] * ratio / (1.0 + ratio))


@numba.njit(cache=True)
def concentrations(y: NDArray[np.float64], p: NDArray[np.float64]) -> tuple[float, float]:
    """Total and free drug in the central compartment, both in mg/L."""
    total_mg_l = max(y[CENTRAL], 0.0) / p[VC]
    ks_nm = (p[KINT] + p[KOFF]) * p[KD] / p[KOFF]
    free_nm = free_drug_nm(total_mg_l * p[NM_PER_MG_L], y[TARGET], ks_nm)
    return total_mg_l, free_nm / p[NM_PER_MG_L]


@numba.njit(cache=True)
def derivatives(
    t: float, y: NDArray[np.float64], p: NDArray[np.float64], dy: NDArray[np.float64]
) -> None:
    """Write dy/dt for one patient into `dy` (pharmacology.md section 2.3)."""
    nm = p[NM_PER_MG_L]
    total_mg_l, free_mg_l = concentrations(y, p)
    bound_nm = (total_mg_l - free_mg_l) * nm
    peripheral_mg_l = y[PERIPHERAL] / p[VP]
    synthesis = target_synthesis(t, p)
    degradation = synthesis / p[R0]  # keeps the target at R0 before any drug

    absorption = p[KA] * y[DEPOT]
    linear = p[CL] * free_mg_l
    exchange = p[Q] * (free_mg_l - peripheral_mg_l)  # mg/day; conserves mass whatever Vc and Vp
    internalised = p[KINT] * p[VC] * bound_nm / nm  # mg/day of drug leaving with the complex

    dy[DEPOT] = -absorption
    dy[CENTRAL] = absorption - linear - exchange - internalised
    dy[PERIPHERAL] = exchange
    dy[TARGET] = synthesis - degradation * y[TARGET] - (p[KINT] - degradation) * bound_nm

    to_pool = p[QB] / p[VC] * y[BCELLS]
    from_pool = p[QB] / p[VB] * y[BCELLS_PERIPHERAL]
    stimulation = drug_effect(free_mg_l, p)
    dy[BCELLS] = p[KOUT] * p[B0] - p[KOUT] * (1.0 + stimulation) * y[BCELLS] - to_pool + from_pool
    dy[BCELLS_PERIPHERAL] = to_pool - from_pool

    dy[ELIMINATED_LINEAR] = linear
    dy[ELIMINATED_TARGET] = internalised
    dy[AUC] = total_mg_l


@numba.njit(cache=True)
def initial_state(p: NDArray[np.float64], y: NDArray[np.float64]) -> None:
    """No drug; target at R0; B cells at baseline, the peripheral pool in equilibrium with them."""
    y[:] = 0.0
    y[TARGET] = p[R0]
    y[BCELLS] = p[B0]
    y[BCELLS_PERIPHERAL] = p[B0] * p[VB] / p[VC]


@numba.njit(cache=True)
def _error_norm(
    y: NDArray[np.float64],
    y_new: NDArray[np.float64],
    err: NDArray[np.float64],
    rtol: float,
    atol: float,
) -> float:
    total = 0.0
    for i in range(N_STATES):
        scale = atol + rtol * max(abs(y[i]), abs(y_new[i]))
        total += (err[i] / scale) ** 2
    return math.sqrt(total / N_STATES)


@numba.njit(cache=True)
def _advance(
    t: float,
    t_stop: float,
    h: float,
    y: NDArray[np.float64],
    p: NDArray[np.float64],
    work: NDArray[np.float64],
    rtol: float,
    atol: float,
) -> tuple[float, float, int]:
    """Integrate y in place from t to exactly t_stop; return (t_stop, next step, steps taken).

    `work` holds 9 rows of N_STATES: k1..k7, the trial state and the error estimate. Row 0 (k1) must
    hold f(t, y) on entry and holds f(t_stop, y) on return (first same as last).
    """
    k1, k2, k3, k4, k5, k6, k7, y_new, err = (
        work[0], work[1], work[2], work[3], work[4], work[5], work[6], work[7], work[8]
    )  # fmt: skip
    steps = 0
    while t < t_stop:
        if steps > MAX_STEPS_PER_PATIENT:
            return t, h, -1
        last = t + h >= t_stop
        step = t_stop - t if last else h
        for i in range(N_STATES):
            y_new[i] = y[i] + step * A21 * k1[i]
        derivatives(t + C2 * step, y_new, p, k2)
        for i in range(N_STATES):
            y_new[i] = y[i] + step * (A31 * k1[i] + A32 * k2[i])
        derivatives(t + C3 * step, y_new, p, k3)
        for i in range(N_STATES):
            y_new[i] = y[i] + step * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
        derivatives(t + C4 * step, y_new, p, k4)
        for i in range(N_STATES):
            y_new[i] = y[i] + step * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
        derivatives(t + C5 * step, y_new, p, k5)
        for i in range(N_STATES):
            y_new[i] = y[i] + step * (
                A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]
            )
        derivatives(t + step, y_new, p, k6)
        for i in range(N_STATES):
            y_new[i] = y[i] + step * (
                A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]
            )
        derivatives(t + step, y_new, p, k7)
        for i in range(N_STATES):
            err[i] = step * (
                E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]
            )
        norm = _error_norm(y, y_new, err, rtol, atol)
        steps += 1
        if norm <= 1.0:
            t = t_stop if last else t + step
            for i in range(N_STATES):
                y[i] = y_new[i]
                k1[i] = k7[i]
            factor = MAX_FACTOR if norm == 0.0 else min(MAX_FACTOR, SAFETY * norm**-0.2)
            # A step clipped to land on t_stop says nothing about the next one: keep h.
            h = max(h, step * factor) if last else step * factor
        else:
            h = step * max(MIN_FACTOR, SAFETY * norm**-0.2)
    return t, h, steps


@numba.njit(cache=True)
def solve_patient(
    p: NDArray[np.float64],
    dose_days: NDArray[np.float64],
    dose_mg: NDArray[np.float64],
    out_days: NDArray[np.float64],
    rtol: float,
    atol: float,
    out: NDArray[np.float64],
    final_state: NDArray[np.float64],
) -> int:
    """Simulate one patient; write outputs at `out_days` into `out` (n_out x N_OUTPUTS).

    Doses are events: the integration stops exactly at each dose day, adds F x dose to the depot
    and restarts. Output and dose days must be sorted. Returns the steps taken, or -1 on failure.
    """
    y = np.empty(N_STATES)
    work = np.empty((9, N_STATES))
    initial_state(p, y)
    t = min(out_days[0], dose_days[0]) if dose_days.size else out_days[0]
    next_dose = 0
    h = FIRST_STEP
    steps = 0
    derivatives(t, y, p, work[0])
    for j in range(out_days.size):
        target = out_days[j]
        while True:
            while next_dose < dose_days.size and dose_days[next_dose] <= t:
                y[DEPOT] += p[F] * dose_mg[next_dose]
                next_dose += 1
                h = FIRST_STEP
                derivatives(t, y, p, work[0])
            stop = target
            if next_dose < dose_days.size and dose_days[next_dose] < stop:
                stop = dose_days[next_dose]
            if stop > t:
                t, h, taken = _advance(t, stop, h, y, p, work, rtol, atol)
                if taken < 0:
                    return -1
                steps += taken
            if t >= target and not (next_dose < dose_days.size and dose_days[next_dose] <= t):
                break
        total, free = concentrations(y, p)
        out[j, OUT_TOTAL] = total
        out[j, OUT_FREE] = free
        out[j, OUT_BCELLS] = y[BCELLS]
        out[j, OUT_AUC] = y[AUC]
    final_state[:] = y
    return steps


@numba.njit(cache=True, parallel=True)
def solve_batch(
    params: NDArray[np.float64],
    dose_days: NDArray[np.float64],
    dose_mg: NDArray[np.float64],
    out_days: NDArray[np.float64],
    rtol: float,
    atol: float,
    out: NDArray[np.float64],
    final_states: NDArray[np.float64],
    steps: NDArray[np.int64],
) -> None:
    """Solve every patient (row of `params`) in parallel into out[patient, day, column]."""
    for i in numba.prange(params.shape[0]):
        steps[i] = solve_patient(
            params[i], dose_days, dose_mg, out_days, rtol, atol, out[i], final_states[i]
        )
