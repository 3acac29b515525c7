"""What the care team reviews about one patient, and the printable visit summary built from it.

The review gathers the answers of the use cases a clinician would open one by one (the schedule,
the labs over time, the checklist, alerts, triage, vaccines, prescriptions); each of them checks
access and leaves its own audit entry. A visit summary adds who generated it and when, and an
audit entry of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ofacare.errors import Conflict, InvalidInput, NotAllowed
from ofacare.knowledge.base import CitationRef
from ofacare.records.tables import Alert, DiaryEntry, Patient, Prescription, User, Vaccination
from ofacare.services.access import Actor, Permission, Role, open_patient
from ofacare.services.alerts import AlertStatus, list_patient_alerts
from ofacare.services.diary import DiaryFilter, list_diary
from ofacare.services.labs import LabSeries, list_lab_series
from ofacare.services.patients import get_patient
from ofacare.services.planning import list_vaccinations
from ofacare.services.prescriptions import list_prescriptions
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import Schedule, get_schedule
from ofacare.services.screening import Checklist, get_checklist

TIMELINE_DOSES = 24  # every dose of two years on the timeline; older ones still count in the plan
RECENT_TRIAGE = 20


@dataclass(frozen=True, slots=True)
class PatientReview:
    """One patient's record as the care team reviews it."""

    patient: Patient
    schedule: Schedule | None
    """None when no prescription is active (or the dose record cannot be planned)."""
    schedule_problem: str | None
    """Why the dose record cannot be planned (a dose before the start...), for the team to fix."""
    prescriptions: tuple[Prescription, ...]
    labs: tuple[LabSeries, ...]
    checklist: Checklist
    alerts: tuple[Alert, ...]
    """Open and acknowledged, most severe first."""
    triage: tuple[DiaryEntry, ...]
    """The newest diary entries with the triage answer given, newest first."""
    vaccinations: tuple[Vaccination, ...]
    knowledge_version: str

    @property
    def open_alerts(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.acknowledged_at is None)

    @property
    def citations(self) -> tuple[CitationRef, ...]:
        """The sources of the plan and of the checklist's findings, each once."""
        found = list(self.schedule.citations) if self.schedule else []
        for finding in self.checklist.result.findings:
            found.extend(finding.citations)
        unique = {(c.source, c.section): c for c in found}
        return tuple(unique.values())


@dataclass(frozen=True, slots=True)
class VisitSummary:
    review: PatientReview
    generated_at: datetime
    generated_by: str


def get_patient_review(runtime: Runtime, actor: Actor, patient_id: str) -> PatientReview:
    """Everything the team's patient page shows except the notes (see services.notes)."""
    if actor.role is not Role.CLINICIAN:
        raise NotAllowed(
            "access.not-allowed",
            f"A {actor.role} account may not open the care team's review of a patient.",
            "The patient's own pages show their plan, diary and results.",
        )
    patient = get_patient(runtime, actor, patient_id)
    schedule: Schedule | None = None
    problem: str | None = None
    try:
        schedule = get_schedule(runtime, actor, patient_id, count=TIMELINE_DOSES)
    except Conflict:  # no active prescription: no plan yet
        pass
    except InvalidInput as exc:  # the rest of the record is still worth reviewing
        problem = f"{exc.message} {exc.hint}".strip()
    return PatientReview(
        patient=patient,
        schedule=schedule,
        schedule_problem=problem,
        prescriptions=tuple(list_prescriptions(runtime, actor, patient_id)),
        labs=tuple(list_lab_series(runtime, actor, patient_id)),
        checklist=get_checklist(runtime, actor, patient_id),
        alerts=tuple(list_patient_alerts(runtime, actor, patient_id, status=AlertStatus.ALL)),
        triage=tuple(
            list_diary(runtime, actor, patient_id, query=DiaryFilter(limit=RECENT_TRIAGE))
        ),
        vaccinations=tuple(list_vaccinations(runtime, actor, patient_id)),
        knowledge_version=runtime.kb.version,
    )


def build_visit_summary(runtime: Runtime, actor: Actor, patient_id: str) -> VisitSummary:
    """The review for a printable summary, with who generated it and when (audited)."""
    now = runtime.now()
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="visit-summary.create",
            now=now,
        )
        user = session.get(User, actor.user_id)
        author = user.display_name if user else ""
    review = get_patient_review(runtime, actor, patient_id)
    return VisitSummary(review=review, generated_at=now, generated_by=author)
