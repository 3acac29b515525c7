"""Injections: log a dose of the active course, list them, and where to inject next."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from ofacare.api.auth import CurrentActor, IdempotencyKey, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.api.routes.schedule import (
    CallOut,
    CitationOut,
    DoseOut,
    ScheduleOut,
    call_out,
    citations_out,
    schedule_out,
)
from ofacare.handling.sites import Injector, SiteSuggestion, describe_site
from ofacare.knowledge import KnowledgeBase
from ofacare.services import injections
from ofacare.services.injections import InjectionForm

router = APIRouter(tags=["injections"], responses=ERROR_RESPONSES)


class InjectionOut(Out):
    id: str
    prescription_id: str
    dose_number: int
    given_at: datetime
    given_on: date
    """The day in the patient's own timezone."""
    site: str
    injected_by: str
    pen_lot: str | None
    pen_serial: str | None
    out_of_fridge_at: datetime | None
    reactions: list[str]
    notes: str | None
    recorded_by: str | None
    created_at: datetime


class GuidanceOut(Out):
    text: str
    facts: list[str]


class SiteSuggestionOut(Out):
    site: str
    where: str
    """The suggested site in plain words."""
    allowed: list[str]
    last_site: str | None
    guidance: list[GuidanceOut]
    citations: list[CitationOut]
    knowledge_version: str
    call: CallOut


class WarningOut(Out):
    code: str
    message: str
    facts: list[str]


class LoggedInjectionOut(Out):
    injection: InjectionOut
    next_dose: DoseOut
    next_site: SiteSuggestionOut
    warnings: list[WarningOut]
    """Recorded anyway, to check: the same site as last time, a pen past use."""
    schedule: ScheduleOut


@router.get("/patients/{patient_id}/injections", response_model=list[InjectionOut])
def list_injections(
    patient_id: str, runtime: RuntimeDep, actor: CurrentActor
) -> list[InjectionOut]:
    """Every injection logged for the patient, newest first."""
    found = injections.list_injections(runtime, actor, patient_id)
    return [InjectionOut.model_validate(i) for i in found]


@router.get("/patients/{patient_id}/injections/site-suggestion", response_model=SiteSuggestionOut)
def suggest_site(
    patient_id: str,
    runtime: RuntimeDep,
    actor: CurrentActor,
    injector: Annotated[Injector, Query(description="Who gives the injection.")] = Injector.SELF,
) -> SiteSuggestionOut:
    """Where to inject next: the allowed site used longest ago and never the last one; the
    upper arm only when a caregiver or clinician gives the injection."""
    advice = injections.suggest_next_site(runtime, actor, patient_id, injector=injector)
    return site_out(advice.suggestion, kb=runtime.kb, call=call_out(advice.call))


@router.post(
    "/patients/{patient_id}/injections", response_model=LoggedInjectionOut, status_code=201
)
def log_injection(
    patient_id: str,
    body: InjectionForm,
    runtime: RuntimeDep,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> LoggedInjectionOut:
    """Log an injection (patient, caregiver or clinician). given_at needs its UTC offset. The
    dose number is the plan's next dose. Refused: a second injection the same local day, one
    before the course started or in the future, a self-injection in the arm. The answer has the
    new plan and where to inject next time."""
    logged = injections.log_injection(
        runtime, actor, patient_id, body, idempotency_key=idempotency_key
    )
    plan = schedule_out(logged.schedule)
    return LoggedInjectionOut(
        injection=InjectionOut.model_validate(logged.injection),
        next_dose=plan.next_dose,
        next_site=site_out(logged.next_site, kb=runtime.kb, call=plan.call),
        warnings=[
            WarningOut(code=w.code, message=w.message, facts=list(w.fact_ids))
            for w in logged.warnings
        ],
        schedule=plan,
    )


def site_out(suggestion: SiteSuggestion, *, kb: KnowledgeBase, call: CallOut) -> SiteSuggestionOut:
    fact_ids = list(dict.fromkeys(f for line in suggestion.guidance for f in line.fact_ids))
    return SiteSuggestionOut(
        site=suggestion.site.value,
        where=describe_site(suggestion.site, kb=kb),
        allowed=[s.value for s in suggestion.allowed],
        last_site=suggestion.last_site.value if suggestion.last_site else None,
        guidance=[GuidanceOut(text=g.text, facts=list(g.fact_ids)) for g in suggestion.guidance],
        citations=citations_out(kb.citations(fact_ids)),
        knowledge_version=kb.version,
        call=call,
    )
