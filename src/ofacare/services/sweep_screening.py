"""Screening findings for a patient whose first dose is still ahead (the pre-start check)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ofacare.knowledge import KnowledgeBase
from ofacare.records.tables import Patient
from ofacare.safety.finding import Finding
from ofacare.safety.screening import screen
from ofacare.services.screening import build_profile


def screening_findings(
    session: Session, patient: Patient, *, as_of: date, kb: KnowledgeBase
) -> tuple[Finding, ...]:
    """The screening checks' findings for the planned start; empty when there is no plan."""
    start = patient.planned_start_on
    if start is None or start < as_of:
        return ()
    return tuple(screen(build_profile(session, patient, start_on=start), kb=kb).findings)
