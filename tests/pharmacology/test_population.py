"""Virtual populations: reproducible, with the published spread and correlations."""

from __future__ import annotations

import numpy as np
import pytest

from ofacare.errors import InvalidInput
from ofacare.knowledge.schema import Covariate
from ofacare.pharmacology import kernel
from ofacare.pharmacology.parameters import COLUMNS, typical_row
from ofacare.pharmacology.population import sample_population


def test_the_same_seed_gives_the_same_patients(kb, spec):
    first = sample_population(kb, spec, 50, seed=5)
    again = sample_population(kb, spec, 50, seed=5)
    other = sample_population(kb, spec, 50, seed=6)
    np.testing.assert_array_equal(first.params, again.params)
    assert not np.array_equal(first.params, other.params)


def test_random_effects_have_the_published_sds_and_correlations(kb, spec):
    population = sample_population(kb, spec, 40_000, seed=1, autoinjector_share=0.0)
    fixed = sample_population(
        kb, spec, 40_000, seed=1, autoinjector_share=0.0, fixed_weight_kg=70.0
    )
    # With weight fixed at the reference, log(P / typical) is the random effect itself for the
    # parameters that have no other covariate.
    typical = typical_row(spec)

    def eta(symbol):
        column = COLUMNS[symbol]
        return np.log(fixed.params[:, column] / typical[column])

    assert np.std(eta("Vb")) == pytest.approx(1.37, rel=0.03)
    assert np.std(eta("EC50")) == pytest.approx(0.927, rel=0.03)
    assert np.corrcoef(eta("kdes"), eta("Q"))[0, 1] == pytest.approx(0.0, abs=0.03)
    assert np.corrcoef(eta("kint"), eta("R0"))[0, 1] == pytest.approx(-0.551, abs=0.03)
    assert np.corrcoef(eta("kout"), eta("Emax"))[0, 1] == pytest.approx(0.423, abs=0.05)
    assert population.size == 40_000


def test_bioavailability_is_logit_normal_and_stays_a_fraction(kb, spec):
    population = sample_population(kb, spec, 20_000, seed=3)
    f = population.params[:, kernel.F]
    assert np.all((f > 0) & (f < 1))
    logit = np.log(f / (1 - f))
    assert np.median(f) == pytest.approx(0.685, abs=0.01)
    assert np.std(logit) == pytest.approx(0.531, rel=0.03)


def test_covariates_come_from_the_trial_population(kb, spec):
    population = sample_population(kb, spec, 20_000, seed=4, autoinjector_share=0.5)
    weight = kb.model.covariates[Covariate.WEIGHT]
    assert np.median(population.weight_kg) == pytest.approx(weight.median, rel=0.02)
    assert population.weight_kg.min() >= weight.low
    assert population.weight_kg.max() <= weight.high
    assert population.age_years.min() >= 18 and population.age_years.max() <= 56
    assert np.mean(population.autoinjector) == pytest.approx(0.5, abs=0.02)
    # Baseline B cells follow the model's B0 (weight, age, variability): median near the
    # published trial median of 200 cells/uL.
    assert np.median(population.baseline_bcells) == pytest.approx(200, rel=0.05)


def test_a_study_indicator_scales_its_parameter(kb, spec):
    plain = sample_population(kb, spec, 100, seed=8)
    aplios = sample_population(kb, spec, 100, seed=8, study=Covariate.STUDY_APLIOS)
    ratio = aplios.params[:, kernel.EMAX] / plain.params[:, kernel.EMAX]
    assert ratio == pytest.approx(np.full(100, np.exp(0.503)))


def test_a_population_size_out_of_range_names_the_field(kb, spec):
    with pytest.raises(InvalidInput, match="n: 0"):
        sample_population(kb, spec, 0)
