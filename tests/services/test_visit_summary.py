"""The team's review of a patient and the visit summary built from it (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ofacare.errors import NotAllowed, NotFound
from ofacare.records.tables import AuditEntry
from ofacare.services.visit_summary import build_visit_summary, get_patient_review
from tests.people import build_world
from tests.services.test_alerts import raise_one
from tests.services.test_planning import TODAY, prescribe
from tests.services.test_screening import add_lab


def test_the_review_gathers_plan_labs_checklist_and_alerts(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=TODAY - timedelta(days=9))
    add_lab(runtime, world, test="IgG", value=8.0, unit="g/L")
    raise_one(runtime, world.patient_id, "dose-1:late-7")
    review = get_patient_review(runtime, world.clinician, world.patient_id)
    assert review.schedule is not None and review.schedule.plan.overdue_dose is not None
    assert [s.test.name for s in review.labs] == ["IgG"]
    assert "HBsAg" in review.checklist.result.missing
    assert len(review.open_alerts) == 1 and review.citations


def test_without_a_prescription_the_review_has_no_plan(runtime):
    world = build_world(runtime)
    assert get_patient_review(runtime, world.clinician, world.patient_id).schedule is None


def test_a_visit_summary_names_who_generated_it_and_is_audited(runtime):
    world = build_world(runtime)
    summary = build_visit_summary(runtime, world.clinician, world.patient_id)
    assert summary.generated_by == "Clinician" and summary.generated_at == runtime.now()
    with runtime.database.reading() as session:
        actions = set(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.patient_id == world.patient_id)
            )
        )
    assert "visit-summary.create" in actions


@pytest.mark.parametrize("role", ["patient", "caregiver"])
def test_patients_and_caregivers_get_no_visit_summary(runtime, role):
    world = build_world(runtime)
    with pytest.raises(NotAllowed):
        build_visit_summary(runtime, getattr(world, role), world.patient_id)
    with pytest.raises(NotAllowed):
        get_patient_review(runtime, getattr(world, role), world.patient_id)


def test_another_teams_patient_has_no_summary(runtime):
    world = build_world(runtime)
    with pytest.raises(NotFound):
        build_visit_summary(runtime, world.clinician, world.other_patient_id)


def test_a_dose_record_that_cannot_be_planned_is_named_and_the_rest_still_reviewed(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=TODAY, taken_on=(TODAY - timedelta(days=3),))
    review = get_patient_review(runtime, world.clinician, world.patient_id)
    assert review.schedule is None
    assert (
        review.schedule_problem is not None and "before the start date" in review.schedule_problem
    )
    assert review.checklist.result.missing
