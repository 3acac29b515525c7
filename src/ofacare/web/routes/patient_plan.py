"""Plan ahead: a vaccine checker, the vaccines on record, birth control and pregnancy, and
travelling with pens.

The vaccine checker stores nothing, so its answer is shown straight from the POST. Every number
on the page comes from the knowledge base; temperatures are shown in the reader's unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from ofacare.errors import Conflict, InvalidInput
from ofacare.knowledge.base import CitationRef, KnowledgeBase
from ofacare.regimen.schedule import ScheduledDose
from ofacare.services.planning import (
    FindingsAnswer,
    VaccineCheckForm,
    check_vaccine_plan,
    get_pregnancy_plan,
    list_vaccinations,
)
from ofacare.services.schedule import get_schedule
from ofacare.web.forms import GENERAL, FormProblem, parse_form, problem_from
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.localisation import N_, Reader
from ofacare.web.route import PageRoute
from ofacare.web.session import form_text, get_runtime, read_form, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)

VACCINE_FIELDS = ("name", "live", "planned_on")
LIVE_ANSWERS = {"yes": True, "no": False, "unsure": True}
"""Not sure whether a vaccine is live: check it as live, the stricter rule."""
STORAGE_FACTS = (
    "storage.refrigerate",
    "storage.travel-hand-luggage",
    "storage.travel-cool-bag",
    "storage.keep-in-carton",
    "storage.room-temperature-days",
    "storage.room-temperature-max-celsius",
    "storage.room-temperature-once",
    "storage.return-to-fridge-days",
    "storage.do-not-freeze",
)
DOSE_DAY_FACTS = ("dosing.any-time-of-day", "dosing.missed-dose")
PREGNANCY_MONTHS = "pregnancy.contraception"
UPCOMING_DOSES = 3


@dataclass(frozen=True, slots=True)
class TravelFacts:
    """Storage numbers in the reader's unit, statements, and the next dose dates."""

    fridge_low: str
    fridge_high: str
    warmest: str
    days_out: int
    days_back_in_fridge: int
    once: str
    keep_in_box: str
    never_freeze: str
    hand_luggage: str
    cool_bag: str
    any_time_of_day: str
    missed_dose: str
    citations: list[CitationRef]
    next_doses: tuple[ScheduledDose, ...]


@router.get("/p/{patient_id}/plan")
def plan_page(request: Request, patient_id: str) -> Response:
    """Vaccines, birth control and pregnancy, and travel with pens."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "plan")
    return _plan_page(request, frame, values={}, errors={}, answer=None)


@router.post("/p/{patient_id}/plan")
async def check_vaccine(request: Request, patient_id: str) -> Response:
    """Check a vaccine on a date against the treatment dates; nothing is stored."""
    viewer = require_viewer(request)
    form = await read_form(request, viewer)
    frame = open_patient_frame(request, viewer, patient_id, "plan")
    values = {name: form_text(form, name) for name in VACCINE_FIELDS}
    try:
        parsed = _parse_vaccine(values)
        answer = check_vaccine_plan(get_runtime(request), viewer.actor, patient_id, parsed)
    except FormProblem as problem:
        return _plan_page(request, frame, values=values, errors=problem.errors, answer=None)
    except (InvalidInput, Conflict) as exc:
        errors = problem_from(exc, VACCINE_FIELDS).errors
        return _plan_page(request, frame, values=values, errors=errors, answer=None)
    return _plan_page(request, frame, values=values, errors={}, answer=answer)


def _parse_vaccine(values: dict[str, str]) -> VaccineCheckForm:
    live = LIVE_ANSWERS.get(values["live"])
    if live is None:
        shown = f" {values['live']!r}" if values["live"] else ""
        raise FormProblem({"live": f"live:{shown} choose live, not live, or not sure."})
    return parse_form(
        VaccineCheckForm,
        {"name": values["name"], "live": live, "planned_on": values["planned_on"] or None},
    )


def _plan_page(
    request: Request,
    frame: PatientFrame,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    answer: FindingsAnswer | None,
) -> Response:
    runtime = get_runtime(request)
    actor = frame.viewer.actor
    kb = runtime.kb
    return render_patient_page(
        request,
        frame,
        "patient/plan.html",
        status=422 if errors else 200,
        title=N_("Plan ahead"),
        values=values,
        errors=errors,
        error_fields={GENERAL, *VACCINE_FIELDS},
        answer=answer,
        clinician=answer is not None and answer.audience.value == "clinician",
        vaccinations=list_vaccinations(runtime, actor, frame.patient.id),
        pregnancy=get_pregnancy_plan(runtime, actor, frame.patient.id),
        contraception_months=kb.whole_number(PREGNANCY_MONTHS, "month"),
        travel=_travel(request, frame, kb, frame.reader),
        knowledge_version=kb.version,
    )


def _travel(
    request: Request, frame: PatientFrame, kb: KnowledgeBase, reader: Reader
) -> TravelFacts:
    low, high = kb.bounds("storage.refrigerate", "celsius")
    return TravelFacts(
        fridge_low=reader.temperature(low),
        fridge_high=reader.temperature(high),
        warmest=reader.temperature(kb.number("storage.room-temperature-max-celsius", "celsius")),
        days_out=kb.whole_number("storage.room-temperature-days", "day"),
        days_back_in_fridge=kb.whole_number("storage.return-to-fridge-days", "day"),
        once=kb.statement("storage.room-temperature-once"),
        keep_in_box=kb.statement("storage.keep-in-carton"),
        never_freeze=kb.statement("storage.do-not-freeze"),
        hand_luggage=kb.statement("storage.travel-hand-luggage"),
        cool_bag=kb.statement("storage.travel-cool-bag"),
        any_time_of_day=kb.statement("dosing.any-time-of-day"),
        missed_dose=kb.statement("dosing.missed-dose"),
        citations=kb.citations((*STORAGE_FACTS, *DOSE_DAY_FACTS)),
        next_doses=_next_doses(request, frame),
    )


def _next_doses(request: Request, frame: PatientFrame) -> tuple[ScheduledDose, ...]:
    """The next doses still to take, to plan a trip around (none without an active course)."""
    try:
        schedule = get_schedule(get_runtime(request), frame.viewer.actor, frame.patient.id)
    except Conflict:
        return ()
    upcoming = [dose for dose in schedule.plan.doses if dose.taken_on is None]
    return tuple(upcoming[:UPCOMING_DOSES])
