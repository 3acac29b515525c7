"""The SBML export and libroadrunner as a peer simulator: same model, same answers."""

from __future__ import annotations

import libsbml
import numpy as np
import pytest
from numpy.typing import NDArray

from ofacare.interop.sbml import (
    PARAMETER_IDS,
    RoadRunnerModel,
    build_sbml,
    compare_with_solver,
)
from ofacare.knowledge import default_knowledge
from ofacare.pharmacology import kernel
from ofacare.pharmacology.parameters import ModelSpec, model_spec, typical_row
from ofacare.pharmacology.population import sample_population
from ofacare.pharmacology.solver import DoseHistory

# The label regimen (days 0, 7, 14, then every 28 days) to about day 400, reported daily.
DOSE_DAYS = [0.0, 7.0, 14.0, *np.arange(28.0, 401.0, 28.0)]
DAYS = np.arange(0.0, 401.0)
AGREEMENT = 1e-4


@pytest.fixture(scope="module")
def spec() -> ModelSpec:
    return model_spec(default_knowledge())


@pytest.fixture(scope="module")
def typical(spec: ModelSpec) -> NDArray[np.float64]:
    return typical_row(spec)


@pytest.fixture(scope="module")
def regimen(spec: ModelSpec) -> DoseHistory:
    return DoseHistory.of(DOSE_DAYS, spec.dose_mg)


@pytest.fixture(scope="module")
def patients(spec: ModelSpec, typical: NDArray[np.float64]) -> NDArray[np.float64]:
    """The typical patient, then five virtual ones."""
    population = sample_population(default_knowledge(), spec, 5, seed=2022)
    return np.vstack([typical, population.params])


def read(sbml: str) -> libsbml.SBMLDocument:
    document = libsbml.readSBMLFromString(sbml)
    document.checkConsistency()
    return document


def test_the_document_passes_libsbml_consistency_checks_with_units_fully_checked(
    typical: NDArray[np.float64], regimen: DoseHistory
) -> None:
    document = read(build_sbml(typical, regimen))

    problems = [document.getError(i).getMessage() for i in range(document.getNumErrors())]
    assert problems == []
    assert (document.getLevel(), document.getVersion()) == (3, 2)


def test_the_document_names_every_parameter_its_source_and_that_it_is_no_dosing_tool(
    typical: NDArray[np.float64], regimen: DoseHistory
) -> None:
    model = read(build_sbml(typical, regimen, model_id="patient_1")).getModel()

    assert model.getId() == "patient_1"
    assert model.getTimeUnits() == "day"
    for column, symbol in PARAMETER_IDS.items():
        # libsbml writes 15 significant digits, not the 17 that round-trip a float64.
        assert model.getParameter(symbol).getValue() == pytest.approx(typical[column], rel=1e-14)
    notes = model.getNotesString()
    assert "CNS Drugs 2022" in notes
    assert "not a dosing tool" in notes
    assert model.getNumEvents() == len(DOSE_DAYS)


def test_doses_on_the_same_day_become_one_event_that_gives_both(
    typical: NDArray[np.float64],
) -> None:
    doses = DoseHistory(np.array([0.0, 28.0, 28.0]), np.array([20.0, 20.0, 10.0]))

    model = read(build_sbml(typical, doses)).getModel()

    assert model.getNumEvents() == 2
    assert model.getParameter("dose_2_mg").getValue() == 30.0
    assert compare_with_solver(typical, doses, np.arange(0.0, 120.0)) < AGREEMENT


@pytest.mark.parametrize("patient", range(6), ids=["typical", *(f"virtual-{i}" for i in range(5))])
def test_roadrunner_and_our_solver_agree_on_concentration_and_b_cells(
    patients: NDArray[np.float64], regimen: DoseHistory, patient: int
) -> None:
    assert compare_with_solver(patients[patient], regimen, DAYS) < AGREEMENT


def test_a_late_fifth_dose_moves_the_roadrunner_concentration_peak_by_as_much(
    typical: NDArray[np.float64], spec: ModelSpec
) -> None:
    late = list(DOSE_DAYS)
    late[4] += 10.0  # day 56 -> 66
    window = slice(int(DOSE_DAYS[4]), int(DOSE_DAYS[5]))  # daily output: index = day

    def peak_day(dose_days: list[float]) -> float:
        doses = DoseHistory.of(dose_days, spec.dose_mg)
        total = RoadRunnerModel(build_sbml(typical, doses)).run(typical, DAYS)[:, 0]
        return float(DAYS[window][np.argmax(total[window])])

    assert peak_day(late) - peak_day(DOSE_DAYS) == pytest.approx(10.0, abs=1.0)


def test_one_loaded_model_reused_for_two_patients_gives_what_fresh_loads_give(
    typical: NDArray[np.float64], regimen: DoseHistory
) -> None:
    other = typical.copy()
    for column, factor in ((kernel.R0, 2.0), (kernel.B0, 1.5), (kernel.VB, 1.3), (kernel.VC, 1.2)):
        other[column] *= factor
    other[kernel.F] = 0.5
    reused = RoadRunnerModel(build_sbml(typical, regimen))

    first = reused.run(typical, DAYS)
    second = reused.run(other, DAYS)
    again = reused.run(typical, DAYS)

    fresh = RoadRunnerModel(build_sbml(other, regimen)).run(other, DAYS)
    np.testing.assert_allclose(second, fresh, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(again, first, rtol=1e-9, atol=1e-15)
    assert second[0, 2] == pytest.approx(other[kernel.B0], rel=1e-12)


def test_output_days_after_day_zero_are_simulated_from_day_zero(
    typical: NDArray[np.float64], regimen: DoseHistory
) -> None:
    model = RoadRunnerModel(build_sbml(typical, regimen))

    whole = model.run(typical, DAYS)
    later = model.run(typical, DAYS[100:])

    np.testing.assert_allclose(later, whole[100:], rtol=1e-8)


def test_a_row_of_the_wrong_length_is_refused(
    typical: NDArray[np.float64], regimen: DoseHistory
) -> None:
    with pytest.raises(ValueError, match="21"):
        build_sbml(typical[:-1], regimen)
