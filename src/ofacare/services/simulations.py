"""The patient's own course, simulated: drug level and B cells for the doses on record and ahead.

Educational, not a dosing tool: the document carries the disclaimer and who to ask. The doses are
the injections on record, then the regimen's planned dates while a prescription is active; with
none active, the course ends after the last dose (so the document shows B cells coming back).
The pharmacology stack is imported when a simulation runs, so other requests never load it.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import Field
from sqlalchemy.orm import Session

from ofacare.errors import Conflict, InvalidInput
from ofacare.knowledge import KnowledgeBase
from ofacare.records.tables import Patient
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import Form
from ofacare.services.labs import UNITS, load_labs
from ofacare.services.patients import local_today
from ofacare.services.planning import Treatment, load_treatment
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import CareTeamCall, care_team_call

if TYPE_CHECKING:
    from ofacare.pharmacology.parameters import Covariates

MAX_WEEKS = 260  # five years of daily points keeps one request well under a second
SHORTEST_DEFAULT_WEEKS = 52
WEEKS_AHEAD = 13  # by default the window reaches a quarter of a year past today
DAYS_PER_STEP = {"day": 1, "week": 7}


class SimulationForm(Form):
    """How far to simulate, and whether to return a point per day or per week."""

    until_week: int | None = Field(default=None, ge=1, le=MAX_WEEKS)
    step: Literal["day", "week"] = "week"


@dataclasses.dataclass(frozen=True, slots=True)
class CourseInputs:
    """What the simulation needs from the records, read in one transaction."""

    treatment: Treatment
    today: date
    age_years: float | None
    baseline_bcells: float | None
    call: CareTeamCall


def simulate_patient_course(
    runtime: Runtime, actor: Actor, patient_id: str, form: SimulationForm
) -> dict[str, Any]:
    """The simulation document of the patient's doses (pharmacology.document's shape, and more)."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="simulation.run",
            now=runtime.now(),
        )
        inputs = _read_inputs(session, patient, runtime)
    return _simulate(runtime.kb, inputs, form)


def _read_inputs(session: Session, patient: Patient, runtime: Runtime) -> CourseInputs:
    treatment = load_treatment(session, patient.id)
    start = treatment.first_dose_on or treatment.course_start_on
    if start is None:
        raise Conflict(
            "simulation.no-doses",
            f"patient id: '{patient.id}' has no dose and no active prescription to simulate.",
            "Record the prescription (or the injections given) first.",
        )
    cd19 = [
        lab
        for lab in load_labs(session, patient)
        if lab.test == "CD19" and lab.value is not None and lab.collected_on <= start
    ]
    usable = [lab for lab in cd19 if UNITS["CD19"].get(lab.unit or "") is not None]
    return CourseInputs(
        treatment=treatment,
        today=local_today(patient, runtime.now()),
        age_years=float(relativedelta(start, patient.birth_date).years),
        baseline_bcells=usable[-1].value if usable else None,
        call=care_team_call(session, patient),
    )


def _simulate(kb: KnowledgeBase, inputs: CourseInputs, form: SimulationForm) -> dict[str, Any]:
    from ofacare.pharmacology.document import individual_document  # noqa: PLC0415
    from ofacare.pharmacology.doses import dose_history  # noqa: PLC0415
    from ofacare.pharmacology.individual import simulate_individual  # noqa: PLC0415
    from ofacare.pharmacology.metrics import LLN_FACT, LOW_FACT  # noqa: PLC0415
    from ofacare.pharmacology.parameters import model_spec  # noqa: PLC0415

    treatment = inputs.treatment
    start = treatment.first_dose_on or treatment.course_start_on
    assert start is not None  # checked when the inputs were read
    until_week = form.until_week or _default_weeks(start, inputs.today)
    stop_after = None if treatment.active else len(treatment.taken_on)
    doses = dose_history(
        start,
        treatment.taken_on,
        until_day=until_week * 7,
        interval=treatment.interval,
        stop_after_dose=stop_after,
    )
    result = simulate_individual(
        kb,
        model_spec(kb, kb.model.default_set),
        doses,
        until_day=until_week * 7,
        covariates=_covariates(inputs),
        stopped=stop_after is not None,
    )
    document = _thin(individual_document(kb, result), DAYS_PER_STEP[form.step])
    return {
        **document,
        "as_of": inputs.today.isoformat(),
        "until_week": until_week,
        "step_days": DAYS_PER_STEP[form.step],
        # The lines drawn with the course: the lower limit of normal and the deep-depletion line.
        "lines": [_line(kb, fact) for fact in (LLN_FACT, LOW_FACT)],
        "call": {"phone": inputs.call.phone, "text": inputs.call.text},
    }


def _default_weeks(start: date, today: date) -> int:
    weeks_so_far = max(0, (today - start).days // 7)
    return min(MAX_WEEKS, max(SHORTEST_DEFAULT_WEEKS, weeks_so_far + WEEKS_AHEAD))


def _covariates(inputs: CourseInputs) -> Covariates:
    """The person's age and baseline B cells; a value the model cannot describe is left out."""
    from ofacare.pharmacology.parameters import Covariates  # noqa: PLC0415

    try:
        by_age = Covariates(age_years=inputs.age_years)
    except InvalidInput:
        by_age = Covariates()  # an age outside the model's range: the typical age stands in
    try:
        return dataclasses.replace(by_age, baseline_bcells=inputs.baseline_bcells)
    except InvalidInput:
        return by_age


def _thin(document: dict[str, Any], step: int) -> dict[str, Any]:
    """Keep every `step`-th day of the daily series (the summaries were computed on every day)."""
    if step == 1:
        return document
    series = ("days", "conc_total_mg_per_l", "conc_free_mg_per_l", "b_cells")
    return {**document, **{name: document[name][::step] for name in series}}


def _line(kb: KnowledgeBase, fact_id: str) -> dict[str, Any]:
    return {
        "fact": fact_id,
        "cells_per_ul": kb.number(fact_id, "cells/uL"),
        "statement": kb.statement(fact_id),
        "sources": kb.cite([fact_id]),
    }
