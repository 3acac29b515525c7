"""Simulations: the patient's own course of drug level and B cells (educational)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from ofacare.api.auth import CurrentActor, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.api.routes.schedule import CallOut
from ofacare.services import simulations
from ofacare.services.simulations import SimulationForm

router = APIRouter(tags=["simulations"], responses=ERROR_RESPONSES)


class DoseOut(Out):
    number: int
    date: date
    day: int
    taken: bool
    """True for a dose on record, False for one the regimen plans."""


class IntervalOut(Out):
    start_day: int
    end_day: int
    auc_mg_day_per_l: float
    cmax_mg_per_l: float
    ctrough_mg_per_l: float


class LineOut(Out):
    fact: str
    cells_per_ul: float
    statement: str
    sources: list[str]


class ParameterSetOut(Out):
    name: str
    title: str


class SimulationOut(Out):
    start: date
    as_of: date
    until_week: int
    step_days: int
    doses: list[DoseOut]
    covariates: dict[str, float | bool | None]
    days: list[int]
    """Days from the first dose; the series below have one value per day listed."""
    conc_total_mg_per_l: list[float]
    conc_free_mg_per_l: list[float]
    b_cells: list[float]
    """CD19+ B cells per microlitre."""
    intervals: list[IntervalOut]
    days_below: dict[str, int | None]
    """The first day B cells fall below each line (cells/uL), null when they do not."""
    repletion_weeks: float | None
    """Weeks after the last dose until B cells are back at the lower limit of normal."""
    lines: list[LineOut]
    disclaimer: str
    care_team: str
    call: CallOut
    parameter_set: ParameterSetOut
    sources: list[str]
    knowledge_version: str


@router.post("/patients/{patient_id}/simulation", response_model=SimulationOut)
def simulate_course(
    patient_id: str,
    runtime: RuntimeDep,
    actor: CurrentActor,
    body: SimulationForm | None = None,
) -> SimulationOut:
    """Simulate the patient's own doses (on record, then as planned) with the model.

    Educational software, not a dosing tool: the answer carries the disclaimer and who to ask.
    `until_week` (1-260) sets the window (default: a year, or up to a quarter past today);
    `step` is `week` (default) or `day`. With no prescription active, the course ends after the
    last dose and `repletion_weeks` says when B cells come back.
    """
    form = body or SimulationForm()
    return SimulationOut.model_validate(
        simulations.simulate_patient_course(runtime, actor, patient_id, form)
    )
