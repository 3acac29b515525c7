"""The batched solver: mass balance, positivity, dose events and agreement with a reference."""

from __future__ import annotations

import numpy as np
import pytest

from ofacare.pharmacology import kernel, solver
from ofacare.pharmacology.parameters import Covariates, typical_row
from ofacare.pharmacology.population import sample_population
from ofacare.pharmacology.reference import observed, reference_solution
from ofacare.pharmacology.solver import DoseHistory, simulate

TRIAL = [0, 7, 14, *range(28, 400, 28)]


@pytest.fixture(scope="module")
def population(kb, spec):
    return sample_population(kb, spec, 300, seed=11)


def test_mass_balance_dosed_equals_in_body_plus_eliminated(population):
    doses = DoseHistory.of(TRIAL, 20.0)
    result = simulate(population.params, doses, np.array([100.0, 399.0]))
    given = doses.days[doses.days <= 399.0].size * 20.0 * population.params[:, kernel.F]
    states = result.final_states
    in_body = states[:, kernel.DEPOT] + states[:, kernel.CENTRAL] + states[:, kernel.PERIPHERAL]
    eliminated = states[:, kernel.ELIMINATED_LINEAR] + states[:, kernel.ELIMINATED_TARGET]
    assert in_body + eliminated == pytest.approx(given, rel=1e-9)
    assert np.all(eliminated > 0.5 * given)  # after a year most of it has left, as it should


def test_b_cells_and_concentrations_stay_positive(population):
    result = simulate(population.params, DoseHistory.of(TRIAL, 20.0), np.arange(0.0, 400.0))
    assert np.all(result.bcells > 0)
    assert np.all(result.total_mg_l >= 0)
    assert np.all(result.free_mg_l >= 0)
    assert np.all(result.free_mg_l <= result.total_mg_l + 1e-12)


def test_a_dose_changes_nothing_before_its_day_and_everything_after(spec):
    row = typical_row(spec)
    days = np.arange(0.0, 60.0)
    without = simulate(row, DoseHistory.of([0, 7, 14], 20.0), days)
    late = simulate(row, DoseHistory.of([0, 7, 14, 40.0], 20.0), days)
    before, after = days < 40, days > 40
    np.testing.assert_array_equal(without.total_mg_l[0, before], late.total_mg_l[0, before])
    assert np.all(late.total_mg_l[0, after] > without.total_mg_l[0, after])


def test_the_dose_lands_in_the_depot_at_its_exact_time(spec):
    row = typical_row(spec)
    result = simulate(row, DoseHistory.of([10.5], 20.0), np.array([10.4, 10.5]))
    assert result.final_states[0, kernel.DEPOT] == pytest.approx(row[kernel.F] * 20.0)
    assert result.total_mg_l[0, 0] == 0.0


def test_a_late_dose_moves_the_peak(spec):
    row = typical_row(spec, Covariates(autoinjector=False))
    days = np.arange(0.0, 120.0)
    on_time = simulate(row, DoseHistory.of([0, 7, 14, 28, 56], 20.0), days)
    late = simulate(row, DoseHistory.of([0, 7, 14, 28, 66], 20.0), days)
    window = days >= 56
    peak_on_time = days[window][np.argmax(on_time.total_mg_l[0, window])]
    peak_late = days[window][np.argmax(late.total_mg_l[0, window])]
    assert peak_late - peak_on_time == pytest.approx(10, abs=1)


def test_within_1e4_of_a_tight_reference_on_random_patients(kb, spec):
    patients = sample_population(kb, spec, 4, seed=2024)
    doses = DoseHistory.of([0, 7, 14, 28, 56, 84, 112, 140, 168], 20.0)
    days = np.arange(0.0, 260.0)  # dosing, then three months of washout
    ours = simulate(patients.params, doses, days)
    for i in range(patients.size):
        reference = observed(
            patients.params[i], reference_solution(patients.params[i], doses, days)
        )
        concentration = reference[:, 0] > 1e-6
        assert ours.total_mg_l[i, concentration] == pytest.approx(
            reference[concentration, 0], rel=1e-4
        )
        free = reference[:, 1] > 1e-6
        assert ours.free_mg_l[i, free] == pytest.approx(reference[free, 1], rel=1e-4)
        counted = reference[:, 2] > 0.1
        assert ours.bcells[i, counted] == pytest.approx(reference[counted, 2], rel=1e-4)


def test_the_accuracy_check_would_catch_a_loose_solver(kb, spec):
    patient = sample_population(kb, spec, 1, seed=2024).params
    doses = DoseHistory.of([0, 7, 14, 28], 20.0)
    days = np.arange(0.0, 60.0)
    loose = simulate(patient, doses, days, rtol=1e-2, atol=1e-4)
    reference = observed(patient[0], reference_solution(patient[0], doses, days))
    assert loose.bcells[0] != pytest.approx(reference[:, 2], rel=1e-4)


def test_chunks_give_the_same_answer_as_one_batch(population, monkeypatch):
    doses, days = DoseHistory.of(TRIAL, 20.0), np.arange(0.0, 100.0)
    whole = simulate(population.params[:50], doses, days)
    monkeypatch.setattr(solver, "CHUNK", 7)
    chunked = simulate(population.params[:50], doses, days)
    np.testing.assert_array_equal(whole.bcells, chunked.bcells)


def test_bad_shapes_are_refused(spec):
    row = typical_row(spec)
    with pytest.raises(ValueError, match="columns"):
        simulate(row[:5], DoseHistory.of([0], 20.0), np.arange(3.0))
    with pytest.raises(ValueError, match="increasing"):
        simulate(row, DoseHistory.of([0], 20.0), np.array([3.0, 1.0]))
    with pytest.raises(ValueError, match="sorted"):
        DoseHistory.of([7, 0], 20.0)
