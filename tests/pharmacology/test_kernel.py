"""The right-hand side against values worked out by hand from pharmacology.md section 2.3."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ofacare.pharmacology import kernel
from ofacare.pharmacology.parameters import Covariates, typical_row


@pytest.fixture
def p(spec):
    return typical_row(spec, Covariates(autoinjector=False))


def hand_derivatives(t, y, p):
    """The equations written out once more, plainly, with no shared code."""
    ka, _f, vc, kint, cl, q, vp, r0, ksyn0, ksyninf, kd, koff, kdes = p[:13]
    b0, emax, ec50, gamma, kout, qb, vb, nm = p[13:21]
    depot, central, peripheral, target, b, bp = y[:6]
    l_tot = central / vc * nm
    ks = (kint + koff) / (koff / kd)
    disc = (l_tot - target - ks) ** 2 + 4 * ks * l_tot
    l_c = 0.5 * ((l_tot - target - ks) + math.sqrt(disc))
    ksyn = ksyninf + (ksyn0 - ksyninf) * math.exp(-kdes * t / 365.25)
    kdeg = ksyn / r0
    free = l_c / nm
    exchange = q * (free - peripheral / vp)
    bound_mg = central / vc - free
    s = emax * free**gamma / (ec50**gamma + free**gamma)
    return [
        -ka * depot,
        ka * depot - cl * free - exchange - kint * vc * bound_mg,
        exchange,
        ksyn - kdeg * target - (kint - kdeg) * (l_tot - l_c),
        kout * b0 - kout * (1 + s) * b - qb / vc * b + qb / vb * bp,
        qb / vc * b - qb / vb * bp,
        cl * free,
        kint * vc * bound_mg,
        central / vc,
    ]


@pytest.mark.parametrize(
    "t, y",
    [
        (3.0, [10.0, 5.0, 1.0, 20.0, 50.0, 60.0, 0, 0, 0]),
        (200.0, [0.5, 6.0, 4.0, 1.0, 0.8, 3.0, 0, 0, 0]),
        (700.0, [2.0, 0.01, 0.02, 5.0, 100.0, 150.0, 0, 0, 0]),
    ],
)
def test_derivatives_match_the_hand_written_equations(p, t, y):
    state = np.array(y, dtype=float)
    dy = np.empty(kernel.N_STATES)
    kernel.derivatives(t, state, p, dy)
    assert dy == pytest.approx(hand_derivatives(t, state, p), rel=1e-9, abs=1e-12)


def test_one_value_worked_out_by_hand(p):
    # No drug, baseline target and B cells: only the target equation could move, and at t = 0
    # synthesis equals degradation, so nothing moves at all.
    y = np.empty(kernel.N_STATES)
    kernel.initial_state(p, y)
    dy = np.empty(kernel.N_STATES)
    kernel.derivatives(0.0, y, p, dy)
    assert dy == pytest.approx(np.zeros(kernel.N_STATES), abs=1e-12)
    # 10 mg in the depot: absorption is ka x 10 mg/day into the central compartment.
    y[kernel.DEPOT] = 10.0
    kernel.derivatives(0.0, y, p, dy)
    assert dy[kernel.DEPOT] == pytest.approx(-p[kernel.KA] * 10.0)
    assert dy[kernel.CENTRAL] == pytest.approx(p[kernel.KA] * 10.0)


def test_free_drug_root_stays_accurate_when_nearly_all_drug_is_bound():
    # total 1e-6 nM against 30 nM of target: the textbook root cancels to zero; ours does not.
    total, target, ks = 1e-6, 30.0, 0.2
    exact = ks * total / (target + ks)  # first-order expansion, exact to ~1e-13 here
    assert kernel.free_drug_nm(total, target, ks) == pytest.approx(exact, rel=1e-9)


def test_free_drug_is_never_negative_or_above_total():
    for total in (0.0, 1e-9, 0.1, 5.0, 50.0, 1e4):
        for target in (0.0, 0.01, 30.0, 300.0):
            free = kernel.free_drug_nm(total, target, 0.2)
            assert 0.0 <= free <= total + 1e-12


def test_drug_effect_follows_the_hill_curve_and_cannot_overflow(p):
    q = p.copy()
    assert kernel.drug_effect(q[kernel.EC50], q) == pytest.approx(q[kernel.EMAX] / 2)
    assert kernel.drug_effect(0.0, q) == 0.0
    q[kernel.GAMMA] = 150.0  # a virtual patient in the far tail of the Hill coefficient's spread
    assert kernel.drug_effect(10.0, q) == pytest.approx(q[kernel.EMAX])
    assert kernel.drug_effect(1e-4, q) == pytest.approx(0.0, abs=1e-12)
