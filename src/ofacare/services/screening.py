"""The pre-treatment checklist and the on-treatment checks, built from the patient's records.

The screening profile is read from the patient record (flags, planned start), the labs, the
vaccinations and the allergies (an allergy to ofatumumab is the hypersensitivity the label names);
the monitoring status from the labs and the treatment dates. The rules are the safety core's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.knowledge.schema import Audience
from ofacare.records.tables import Allergy, LabResult, Patient, Vaccination
from ofacare.safety import profile
from ofacare.safety.finding import Finding, Severity
from ofacare.safety.monitoring import monitor
from ofacare.safety.profile import MsType, ScreeningProfile, TreatmentStatus
from ofacare.safety.screening import ScreeningResult, screen
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import Form, ShortText
from ofacare.services.labs import load_labs
from ofacare.services.patients import check_planned_start, local_today
from ofacare.services.planning import (
    Treatment,
    audience_for,
    load_treatment,
)
from ofacare.services.profiles import OFATUMUMAB_WORDS, to_profile_lab
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import CareTeamCall, care_team_call, compute_course_plan

StartSource = Literal["patient", "prescription", "today"]


class ScreeningItems(Form):
    """The profile items kept on the patient record; every one is sent, so none is left stale."""

    ms_type: MsType
    planned_start_on: date | None
    can_become_pregnant: bool
    pregnant: bool
    breastfeeding: bool
    active_infection: bool
    severely_immunocompromised: bool
    active_malignancy: bool
    immunosuppressants: tuple[ShortText, ...] = Field(max_length=20)


@dataclass(frozen=True, slots=True)
class Checklist:
    """The screening verdict for the patient's start date, worded for the reader."""

    result: ScreeningResult
    planned_start_on: date
    start_from: StartSource
    """Where the start date came from: the patient record, the prescription, or today."""
    on_treatment: bool
    """A dose is on record already: the checklist is then a look back at the start."""
    audience: Audience
    call: CareTeamCall


@dataclass(frozen=True, slots=True)
class Monitoring:
    """The on-treatment checks for today (WARN-5/6, CI-3), worded for the reader."""

    findings: tuple[Finding, ...]
    as_of: date
    last_dose_on: date | None
    next_dose_on: date | None
    audience: Audience
    call: CareTeamCall
    knowledge_version: str


def get_checklist(runtime: Runtime, actor: Actor, patient_id: str) -> Checklist:
    """Run the pre-treatment screening rules on what the records hold."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="checklist.read",
            now=runtime.now(),
        )
        return _checklist(session, runtime, actor, patient)


def record_screening_items(
    runtime: Runtime, actor: Actor, patient_id: str, items: ScreeningItems
) -> Checklist:
    """A clinician sets the profile items on the patient record; answers the new checklist."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="checklist.record",
            now=runtime.now(),
        )
        if items.planned_start_on is not None:
            today = local_today(patient, runtime.now())
            check_planned_start(patient.birth_date, items.planned_start_on, today=today)
        for name, value in items.model_dump().items():
            setattr(patient, name, list(value) if name == "immunosuppressants" else value)
        session.flush()
        return _checklist(session, runtime, actor, patient)


def _checklist(session: Session, runtime: Runtime, actor: Actor, patient: Patient) -> Checklist:
    today = local_today(patient, runtime.now())
    treatment = load_treatment(session, patient.id)
    start_on, source = planned_start(patient, treatment, today)
    result = screen(build_profile(session, patient, start_on=start_on), kb=runtime.kb)
    return Checklist(
        result=result,
        planned_start_on=start_on,
        start_from=source,
        on_treatment=treatment.first_dose_on is not None,
        audience=audience_for(actor),
        call=care_team_call(session, patient),
    )


def planned_start(patient: Patient, treatment: Treatment, today: date) -> tuple[date, StartSource]:
    """The start the checklist is for: the patient record's, else the course's, else today."""
    if patient.planned_start_on is not None:
        return patient.planned_start_on, "patient"
    if treatment.course_start_on is not None:
        return treatment.course_start_on, "prescription"
    return today, "today"


def build_profile(session: Session, patient: Patient, *, start_on: date) -> ScreeningProfile:
    """The screening profile of the records for a first dose on `start_on`."""
    vaccinations = session.scalars(
        select(Vaccination)
        .where(Vaccination.patient_id == patient.id)
        .order_by(Vaccination.given_on)
    )
    return profile_from_records(
        patient,
        start_on=start_on,
        labs=load_labs(session, patient),
        vaccinations=list(vaccinations),
        allergic=_allergic_to_ofatumumab(session, patient),
    )


def profile_from_records(
    patient: Patient,
    *,
    start_on: date,
    labs: Sequence[LabResult],
    vaccinations: Sequence[Vaccination],
    allergic: bool,
) -> ScreeningProfile:
    """The screening profile of rows already loaded (the panel loads them for many patients)."""
    return ScreeningProfile(
        birth_date=patient.birth_date,
        sex=patient.sex,
        can_become_pregnant=patient.can_become_pregnant,
        pregnant=patient.pregnant,
        breastfeeding=patient.breastfeeding,
        country=patient.country,
        ms_type=patient.ms_type,
        planned_start_on=start_on,
        labs=tuple(to_profile_lab(lab) for lab in labs),
        vaccinations=tuple(
            profile.Vaccination(name=v.name, live=v.live, on=v.given_on) for v in vaccinations
        ),
        active_infection=patient.active_infection,
        severely_immunocompromised=patient.severely_immunocompromised,
        active_malignancy=patient.active_malignancy,
        hypersensitivity_to_ofatumumab=allergic,
        immunosuppressants=tuple(patient.immunosuppressants),
    )


def _allergic_to_ofatumumab(session: Session, patient: Patient) -> bool:
    substances = session.scalars(select(Allergy.substance).where(Allergy.patient_id == patient.id))
    return is_ofatumumab_allergy(substances)


def is_ofatumumab_allergy(substances: Iterable[str]) -> bool:
    """Whether one of the allergies on record names ofatumumab (the label's hypersensitivity)."""
    return any(word in s.lower() for s in substances for word in OFATUMUMAB_WORDS)


def get_monitoring(runtime: Runtime, actor: Actor, patient_id: str) -> Monitoring:
    """Run the on-treatment checks on today's records: antibodies, infection, liver tests."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="monitor.read",
            now=runtime.now(),
        )
        status = build_status(session, runtime, patient, load_treatment(session, patient.id))
        return Monitoring(
            findings=tuple(monitor(status, kb=runtime.kb)),
            as_of=status.as_of,
            last_dose_on=status.last_dose_on,
            next_dose_on=status.next_dose_on,
            audience=audience_for(actor),
            call=care_team_call(session, patient),
            knowledge_version=runtime.kb.version,
        )


def build_status(
    session: Session, runtime: Runtime, patient: Patient, treatment: Treatment
) -> TreatmentStatus:
    """The monitoring status of the records today: dose dates, infection flag, every lab."""
    now = runtime.now()
    plan = (
        compute_course_plan(
            session, patient, prescription=treatment.prescription, now=now, kb=runtime.kb
        )
        if treatment.prescription is not None
        else None
    )
    return TreatmentStatus(
        country=patient.country,
        as_of=local_today(patient, now),
        last_dose_on=treatment.last_dose_on,
        next_dose_on=plan.next_dose.due_on if plan else None,
        active_infection=patient.active_infection,
        labs=tuple(to_profile_lab(lab) for lab in load_labs(session, patient)),
    )


def current_findings(session: Session, runtime: Runtime, patient: Patient) -> list[Finding]:
    """The findings that hold today, most serious first, each code once, without `info` ones.

    Before the first dose these are the checklist's; once a dose is on record, the on-treatment
    checks'. The caller has opened the patient (and written the audit entry).
    """
    treatment = load_treatment(session, patient.id)
    if treatment.first_dose_on is None:
        today = local_today(patient, runtime.now())
        start_on, _ = planned_start(patient, treatment, today)
        findings = screen(
            build_profile(session, patient, start_on=start_on), kb=runtime.kb
        ).findings
    else:
        findings = tuple(monitor(build_status(session, runtime, patient, treatment), kb=runtime.kb))
    unique: dict[str, Finding] = {}
    for finding in findings:
        if finding.severity is not Severity.INFO:
            unique.setdefault(finding.code, finding)
    return list(unique.values())
