"""Schedule: the dose plan of the active course as of the patient's local today."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from ofacare.api.auth import CurrentActor, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.api.routes.prescriptions import PrescriptionOut
from ofacare.knowledge.base import CitationRef
from ofacare.regimen import Plan, ScheduledDose
from ofacare.regimen.flag import Flag
from ofacare.services import schedule
from ofacare.services.schedule import DEFAULT_COUNT, MAX_COUNT, CareTeamCall, Schedule

router = APIRouter(tags=["schedule"], responses=ERROR_RESPONSES)


class CallOut(Out):
    """Who to call about the advice in this answer: the care team's phone when known."""

    phone: str | None
    text: str


class CitationOut(Out):
    source: str
    title: str
    section: str


class DoseOut(Out):
    number: int
    phase: str
    due_on: date
    taken_on: date | None
    status: str
    weekday: str
    days_from_today: int
    """Negative when the dose is overdue."""
    days_late: int | None
    """For a taken dose: days after its due date it was given (negative: early)."""


class DoseMoveOut(Out):
    number: int
    due_on_if_on_time: date
    due_on: date
    days_later: int


class OverdueOut(Out):
    """The dose to give now, what to do, and how the doses after it move."""

    number: int
    due_on: date
    days_overdue: int
    guidance: str | None
    following: list[DoseMoveOut]


class FlagOut(Out):
    code: str
    level: str
    dose_number: int
    days: int | None
    message: str
    facts: list[str]


class ScheduleOut(Out):
    prescription: PrescriptionOut
    start_on: date
    as_of: date
    interval_mode: str
    dose_mg: float
    doses: list[DoseOut]
    next_dose: DoseOut
    overdue: OverdueOut | None
    flags: list[FlagOut]
    notes: list[str]
    care_team_note: str
    call: CallOut
    facts: list[str]
    citations: list[CitationOut]
    knowledge_version: str


@router.get("/patients/{patient_id}/schedule", response_model=ScheduleOut)
def get_schedule(
    patient_id: str,
    runtime: RuntimeDep,
    actor: CurrentActor,
    count: Annotated[int, Query(ge=1, le=MAX_COUNT, description="Doses to list.")] = DEFAULT_COUNT,
) -> ScheduleOut:
    """When each pen is due: taken, overdue, due today and planned doses, the next dose, what to
    do about an overdue one and how the later dates move, flags to check, sources, and who to
    call. 409 schedule.no-prescription when no course is active."""
    return schedule_out(schedule.get_schedule(runtime, actor, patient_id, count=count))


def schedule_out(found: Schedule) -> ScheduleOut:
    """Render a schedule (also the plan inside an injection's answer)."""
    plan = found.plan
    overdue = plan.overdue_dose
    return ScheduleOut(
        prescription=PrescriptionOut.model_validate(found.prescription),
        start_on=plan.start_on,
        as_of=plan.as_of,
        interval_mode=plan.interval.value,
        dose_mg=plan.dose_mg,
        doses=[dose_out(d, plan) for d in plan.doses],
        next_dose=dose_out(plan.next_dose, plan),
        overdue=None
        if overdue is None
        else OverdueOut(
            number=overdue.number,
            due_on=overdue.due_on,
            days_overdue=-overdue.days_from(plan.as_of),
            guidance=found.guidance,
            following=[
                DoseMoveOut(
                    number=m.number,
                    due_on_if_on_time=m.due_on_if_on_time,
                    due_on=m.due_on,
                    days_later=m.days_later,
                )
                for m in found.moves
            ],
        ),
        flags=[flag_out(f) for f in plan.flags],
        notes=list(found.notes),
        care_team_note=found.care_team_note,
        call=call_out(found.call),
        facts=list(found.fact_ids),
        citations=citations_out(found.citations),
        knowledge_version=found.knowledge_version,
    )


def dose_out(dose: ScheduledDose, plan: Plan) -> DoseOut:
    return DoseOut(
        number=dose.number,
        phase=dose.phase.value,
        due_on=dose.due_on,
        taken_on=dose.taken_on,
        status=dose.status.value,
        weekday=dose.due_on.strftime("%A"),
        days_from_today=dose.days_from(plan.as_of),
        days_late=(dose.taken_on - dose.due_on).days if dose.taken_on else None,
    )


def flag_out(flag: Flag) -> FlagOut:
    return FlagOut(
        code=flag.code,
        level=flag.level.value,
        dose_number=flag.dose_number,
        days=flag.days,
        message=flag.message,
        facts=list(flag.fact_ids),
    )


def call_out(call: CareTeamCall) -> CallOut:
    return CallOut(phone=call.phone, text=call.text)


def citations_out(citations: tuple[CitationRef, ...] | list[CitationRef]) -> list[CitationOut]:
    return [CitationOut(source=c.source, title=c.title, section=c.section) for c in citations]
