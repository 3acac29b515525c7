"""The patient's dose schedule: the plan of the active course as of their local today.

The plan comes from ofacare.regimen.compute_plan: the active prescription's start date and
spacing, the days its injections were given (Injection.given_on, the patient's own days) and the
date it is where the patient lives. An overdue dose carries the missed-dose guidance and how the
following doses move when it is given today rather than on its due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import Conflict
from ofacare.knowledge import KnowledgeBase
from ofacare.knowledge.base import CitationRef
from ofacare.records.tables import Injection, Patient, Prescription
from ofacare.regimen import IntervalMode, Plan, RegimenRules, compute_plan
from ofacare.regimen.document import CARE_TEAM_NOTE, build_plan_document, guidance_for
from ofacare.services.access import Actor, Permission, check_patient, save_access
from ofacare.services.admin import team_phone
from ofacare.services.patients import local_today
from ofacare.services.prescriptions import find_active_prescription
from ofacare.services.runtime import Runtime

DEFAULT_COUNT = 12
MAX_COUNT = 60  # five years of monthly doses: enough for any screen or calendar


@dataclass(frozen=True, slots=True)
class CareTeamCall:
    """Who to call about the advice given: the care team's phone when ofacare knows it."""

    phone: str | None
    text: str


@dataclass(frozen=True, slots=True)
class DoseMove:
    """A dose after an overdue one: its date had the overdue dose been on time, and now."""

    number: int
    due_on_if_on_time: date
    due_on: date

    @property
    def days_later(self) -> int:
        return (self.due_on - self.due_on_if_on_time).days


@dataclass(frozen=True, slots=True)
class Schedule:
    """The plan of the active course, with guidance, notes, sources and whom to call."""

    prescription: Prescription
    plan: Plan
    guidance: str | None
    moves: tuple[DoseMove, ...]
    notes: tuple[str, ...]
    care_team_note: str
    fact_ids: tuple[str, ...]
    citations: tuple[CitationRef, ...]
    knowledge_version: str
    call: CareTeamCall


def get_schedule(
    runtime: Runtime, actor: Actor, patient_id: str, *, count: int = DEFAULT_COUNT
) -> Schedule:
    """The schedule of the patient's active course as of their local today.

    The most frequent read of all: it reads in a reading transaction, which on SQLite runs beside
    other readers and the one writer, and then commits its audit entry on its own, so that the
    write lock is held for one INSERT rather than for the whole computation.
    """
    now = runtime.now()
    action = "schedule.read"
    with runtime.database.reading() as session:
        patient = check_patient(
            session, actor, patient_id, permission=Permission.READ, action=action
        )
        prescription = require_active_prescription(session, patient)
        found = build_schedule(
            session, patient, prescription=prescription, now=now, kb=runtime.kb, count=count
        )
    save_access(runtime.database, actor, action=action, patient_id=patient.id, now=now)
    return found


def build_schedule(
    session: Session,
    patient: Patient,
    *,
    prescription: Prescription,
    now: datetime,
    kb: KnowledgeBase,
    count: int = DEFAULT_COUNT,
) -> Schedule:
    """Compute the plan of `prescription` and everything a screen shows beside it."""
    plan = compute_course_plan(
        session, patient, prescription=prescription, now=now, kb=kb, count=count
    )
    rules = rules_for(kb)
    document = build_plan_document(plan, rules)
    fact_ids = tuple(document["facts"])
    return Schedule(
        prescription=prescription,
        plan=plan,
        guidance=guidance_for(plan),
        moves=_moves(plan, rules),
        notes=tuple(document["notes"]),
        care_team_note=CARE_TEAM_NOTE,
        fact_ids=fact_ids,
        citations=tuple(kb.citations(fact_ids)),
        knowledge_version=kb.version,
        call=care_team_call(session, patient),
    )


def compute_course_plan(
    session: Session,
    patient: Patient,
    *,
    prescription: Prescription,
    now: datetime,
    kb: KnowledgeBase,
    count: int = DEFAULT_COUNT,
) -> Plan:
    """The plan from the course's start, the days its doses were given, and the local today."""
    taken = find_course_days(session, prescription.id)
    # A dose logged just after local midnight within the allowed clock skew is not "future".
    as_of = max([local_today(patient, now), *taken])
    return compute_plan(
        prescription.start_on,
        taken,
        as_of,
        count=min(max(count, 1), MAX_COUNT),
        interval=IntervalMode(prescription.interval_mode),
        rules=rules_for(kb),
    )


def find_course_days(session: Session, prescription_id: str) -> list[date]:
    """The days the course's injections were given, first dose first (the days alone: every
    schedule read asks, and whole injection rows cost several times more to load)."""
    query = select(Injection.given_on).where(Injection.prescription_id == prescription_id)
    return list(session.scalars(query.order_by(Injection.given_at)))


def require_active_prescription(session: Session, patient: Patient) -> Prescription:
    """The active prescription; a Conflict saying what to do when there is none."""
    prescription = find_active_prescription(session, patient.id)
    if prescription is None:
        raise Conflict(
            "schedule.no-prescription",
            f"patient id: '{patient.id}' has no active prescription, so there is no dose plan.",
            "A clinician on the care team records the prescription first "
            f"(POST /api/v1/patients/{patient.id}/prescriptions).",
        )
    return prescription


def care_team_call(session: Session, patient: Patient) -> CareTeamCall:
    """Say who to call about this advice: the team's phone when known."""
    phone = team_phone(session, patient)
    if phone:
        return CareTeamCall(phone, f"Call your MS team on {phone}.")
    return CareTeamCall(None, "Call your MS nurse or neurologist.")


@cache
def rules_for(kb: KnowledgeBase) -> RegimenRules:
    """The regimen numbers of this knowledge base, read once per knowledge base."""
    return RegimenRules.from_knowledge(kb)


def _moves(plan: Plan, rules: RegimenRules) -> tuple[DoseMove, ...]:
    overdue = plan.overdue_dose
    if overdue is None:
        return ()
    taken = [d.taken_on for d in plan.doses if d.taken_on is not None]
    on_time = compute_plan(
        plan.start_on,
        taken,
        overdue.due_on,
        count=len(plan.doses),
        interval=plan.interval,
        rules=rules,
    )
    return tuple(
        DoseMove(now.number, then.due_on, now.due_on)
        for then, now in zip(on_time.doses, plan.doses, strict=True)
        if now.number > overdue.number
    )
