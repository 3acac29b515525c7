"""Screening findings for a patient whose first dose is still ahead (the pre-start check)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ofacare.knowledge import KnowledgeBase
from ofacare.records.tables import Patient
from ofacare.safety.finding import Finding
from ofacare.safety.screening import screen
from ofacare.services.profiles import load_screening_profile


def screening_findings(
    session: Session, patient: Patient, *, as_of: date, kb: KnowledgeBase
) -> tuple[Finding, ...]:
    """The screening checks' findings for the planned start; empty when there is no plan."""
    profile = load_screening_profile(session, patient)
    if profile is None or profile.planned_start_on is None or profile.planned_start_on < as_of:
        return ()
    return tuple(screen(profile, kb=kb).findings)
