"""Planning: checking a vaccine date, vaccination records, contraception and pregnancy."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter

from ofacare.api.auth import CurrentActor, IdempotencyKey, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.api.routes.schedule import CallOut, CitationOut, call_out, citations_out
from ofacare.api.routes.screening import FindingOut, finding_out
from ofacare.services import planning
from ofacare.services.planning import VaccinationForm, VaccineCheckForm

router = APIRouter(tags=["planning"], responses=ERROR_RESPONSES)


class FindingsOut(Out):
    findings: list[FindingOut]
    audience: str
    call: CallOut
    knowledge_version: str


class VaccinationOut(Out):
    id: str
    name: str
    live: bool
    given_on: date
    created_at: datetime


class PregnancyOut(Out):
    applies: bool
    """Whether the contraception rule applies (the person can become pregnant, or is)."""
    last_dose_on: date | None
    contraception_until: date | None
    """The last dose on record plus the label's months; each further dose moves it."""
    findings: list[FindingOut]
    guidance: list[str]
    citations: list[CitationOut]
    audience: str
    call: CallOut
    knowledge_version: str


@router.post("/patients/{patient_id}/vaccines/check", response_model=FindingsOut)
def check_vaccine(
    patient_id: str, body: VaccineCheckForm, runtime: RuntimeDep, actor: CurrentActor
) -> FindingsOut:
    """Whether a vaccine on a date fits the treatment dates on record.

    Before the first dose the lead times apply (live vaccines longer than non-live ones); on
    treatment, live vaccines wait for B cells to recover. Nothing is stored.
    """
    answer = planning.check_vaccine_plan(runtime, actor, patient_id, body)
    return FindingsOut(
        findings=[finding_out(f, answer.audience) for f in answer.findings],
        audience=answer.audience.value,
        call=call_out(answer.call),
        knowledge_version=answer.knowledge_version,
    )


@router.get("/patients/{patient_id}/vaccinations", response_model=list[VaccinationOut])
def list_vaccinations(
    patient_id: str, runtime: RuntimeDep, actor: CurrentActor
) -> list[VaccinationOut]:
    """The vaccines on record, newest first."""
    found = planning.list_vaccinations(runtime, actor, patient_id)
    return [VaccinationOut.model_validate(v) for v in found]


@router.post("/patients/{patient_id}/vaccinations", response_model=VaccinationOut, status_code=201)
def record_vaccination(
    patient_id: str,
    body: VaccinationForm,
    runtime: RuntimeDep,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> VaccinationOut:
    """Record a vaccine that was given (clinicians); the screening checklist reads it."""
    made = planning.record_vaccination(
        runtime, actor, patient_id, body, idempotency_key=idempotency_key
    )
    return VaccinationOut.model_validate(made)


@router.get("/patients/{patient_id}/pregnancy", response_model=PregnancyOut)
def get_pregnancy_plan(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> PregnancyOut:
    """Until when contraception is needed after the last dose, and what to do in a pregnancy."""
    plan = planning.get_pregnancy_plan(runtime, actor, patient_id)
    return PregnancyOut(
        applies=plan.applies,
        last_dose_on=plan.last_dose_on,
        contraception_until=plan.contraception_until,
        findings=[finding_out(f, plan.audience) for f in plan.findings],
        guidance=list(plan.guidance),
        citations=citations_out(plan.citations),
        audience=plan.audience.value,
        call=call_out(plan.call),
        knowledge_version=plan.knowledge_version,
    )
