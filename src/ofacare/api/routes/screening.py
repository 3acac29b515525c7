"""Screening and monitoring: the pre-treatment checklist, its profile items, on-treatment checks."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Literal

from fastapi import APIRouter

from ofacare.api.auth import CurrentActor, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.api.routes.schedule import CallOut, CitationOut, call_out, citations_out
from ofacare.knowledge.schema import Audience
from ofacare.safety.finding import Finding
from ofacare.services import screening
from ofacare.services.screening import Checklist, ScreeningItems

router = APIRouter(tags=["screening"], responses=ERROR_RESPONSES)


class ActionOut(Out):
    kind: str
    target: str
    text: str


class FindingOut(Out):
    code: str
    severity: str
    title: str
    message: str
    """The patient's wording for patients and caregivers, the clinician's for clinicians."""
    until: date | None
    actions: list[ActionOut]
    citations: list[CitationOut]
    label: str | None
    rule: str


def finding_out(finding: Finding, audience: Audience) -> FindingOut:
    """A finding in the reader's wording."""
    clinician = audience is Audience.CLINICIAN
    return FindingOut(
        code=finding.code,
        severity=finding.severity.value,
        title=finding.title,
        message=finding.clinician_message if clinician else finding.patient_message,
        until=finding.until,
        actions=[ActionOut(**asdict(a)) for a in finding.actions],
        citations=citations_out(finding.citations),
        label=finding.label,
        rule=finding.rule,
    )


class ChecklistOut(Out):
    readiness: str
    """ready, wait, refer or do_not_start: the most serious finding decides."""
    planned_start_on: date
    start_from: Literal["patient", "prescription", "today"]
    earliest_start_on: date | None
    on_treatment: bool
    findings: list[FindingOut]
    missing: list[str]
    """The tests still to order."""
    audience: str
    call: CallOut
    knowledge_version: str


class MonitoringOut(Out):
    as_of: date
    last_dose_on: date | None
    next_dose_on: date | None
    findings: list[FindingOut]
    audience: str
    call: CallOut
    knowledge_version: str


def _checklist_out(checklist: Checklist) -> ChecklistOut:
    result = checklist.result
    return ChecklistOut(
        readiness=result.readiness.value,
        planned_start_on=checklist.planned_start_on,
        start_from=checklist.start_from,
        earliest_start_on=result.earliest_start_on,
        on_treatment=checklist.on_treatment,
        findings=[finding_out(f, checklist.audience) for f in result.findings],
        missing=list(result.missing),
        audience=checklist.audience.value,
        call=call_out(checklist.call),
        knowledge_version=result.knowledge_version,
    )


@router.get("/patients/{patient_id}/screening", response_model=ChecklistOut)
def get_checklist(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> ChecklistOut:
    """The pre-treatment checklist from the record: findings, tests missing, readiness.

    The profile comes from the patient record (PUT this path to set its items), the labs, the
    vaccinations and the allergies. The start date is the record's planned start, else the
    prescription's start, else today (`start_from` says which).
    """
    return _checklist_out(screening.get_checklist(runtime, actor, patient_id))


@router.put("/patients/{patient_id}/screening", response_model=ChecklistOut)
def record_screening_items(
    patient_id: str, body: ScreeningItems, runtime: RuntimeDep, actor: CurrentActor
) -> ChecklistOut:
    """Set the profile items kept on the patient record (clinicians); answers the new checklist.

    Every item is required, so an item left out is never silently cleared. To change a single
    item, PATCH /patients/{id} takes the same fields one at a time.
    """
    return _checklist_out(screening.record_screening_items(runtime, actor, patient_id, body))


@router.get("/patients/{patient_id}/monitoring", response_model=MonitoringOut)
def get_monitoring(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> MonitoringOut:
    """On-treatment checks for today: low antibodies, a dose due in an infection, liver tests."""
    found = screening.get_monitoring(runtime, actor, patient_id)
    return MonitoringOut(
        as_of=found.as_of,
        last_dose_on=found.last_dose_on,
        next_dose_on=found.next_dose_on,
        findings=[finding_out(f, found.audience) for f in found.findings],
        audience=found.audience.value,
        call=call_out(found.call),
        knowledge_version=found.knowledge_version,
    )
