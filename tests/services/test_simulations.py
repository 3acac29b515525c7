"""Simulations of the patient's own course: recorded doses, then the regimen's plan while a course
is active; a stopped course ends after the last dose. The model runs in one test per backend."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from ofacare.errors import Conflict, NotFound
from ofacare.records.tables import Prescription
from ofacare.services.labs import LabForm, record_lab
from ofacare.services.simulations import MAX_WEEKS, SimulationForm, simulate_patient_course
from tests.people import build_world
from tests.services.test_planning import prescribe

LOADING = (date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19))


def test_recorded_doses_then_planned_ones_are_simulated_and_a_stopped_course_shows_recovery(
    runtime,
):
    world = build_world(runtime)
    rx = prescribe(runtime, world.patient_id, start=LOADING[0], taken_on=LOADING)
    for on, count in ((date(2025, 12, 1), 250.0), (date(2026, 1, 20), 3.0)):
        form = LabForm(test="CD19", value=count, unit="cells/uL", collected_on=on)
        record_lab(runtime, world.clinician, world.patient_id, form, idempotency_key=None)
    active = simulate_patient_course(runtime, world.patient, world.patient_id, SimulationForm())
    with runtime.database.writing() as session:
        session.get(Prescription, rx).stopped_on = date(2026, 2, 1)
    stopped = simulate_patient_course(
        runtime, world.clinician, world.patient_id, SimulationForm(until_week=60, step="day")
    )

    assert [d["taken"] for d in active["doses"][:4]] == [True, True, True, False]
    assert active["doses"][3]["date"] == "2026-02-02"  # dose 4: the first monthly dose, planned
    assert active["until_week"] == 52 and active["step_days"] == 7
    assert active["days"][:3] == [0, 7, 14] and len(active["b_cells"]) == len(active["days"])
    assert [line["cells_per_ul"] for line in active["lines"]] == [40, 10]
    assert active["call"]["phone"] == "+44 161 555 0100" and active["disclaimer"]
    assert active["repletion_weeks"] is None
    assert active["covariates"]["age_years"] == 35  # born 1990-05-17, first dose 2026-01-05
    assert active["covariates"]["baseline_bcells"] == 250  # the count before the first dose

    assert [d["taken"] for d in stopped["doses"]] == [True, True, True]
    assert stopped["days"][:3] == [0, 1, 2] and stopped["days"][-1] == 60 * 7
    assert stopped["repletion_weeks"] is not None and stopped["repletion_weeks"] > 0


def test_without_a_dose_or_an_active_prescription_there_is_nothing_to_simulate(runtime):
    world = build_world(runtime, start_on=date(2026, 4, 1))
    with pytest.raises(Conflict) as raised:
        simulate_patient_course(runtime, world.patient, world.patient_id, SimulationForm())
    assert raised.value.code == "simulation.no-doses"


def test_the_window_is_one_to_two_hundred_sixty_weeks():
    assert SimulationForm(until_week=MAX_WEEKS).until_week == 260
    assert SimulationForm(until_week=1).until_week == 1
    for bad in (0, MAX_WEEKS + 1):
        with pytest.raises(ValidationError):
            SimulationForm(until_week=bad)


def test_another_teams_clinician_cannot_simulate_the_patient(runtime):
    world = build_world(runtime)
    with pytest.raises(NotFound):
        simulate_patient_course(
            runtime, world.outsider_clinician, world.patient_id, SimulationForm()
        )
