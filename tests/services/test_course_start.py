"""Setting the start date: the checklist is run for the proposed first dose (nothing stored), and
the prescription becomes the planned start the checklist reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ofacare.errors import InvalidInput, NotAllowed
from ofacare.records.tables import Patient, Prescription
from ofacare.services.course_start import check_course_start, start_course
from ofacare.services.prescriptions import PrescriptionForm
from ofacare.services.screening import get_checklist
from tests.people import build_world
from tests.services.test_planning import TODAY
from tests.services.test_screening import complete_screening


def test_missing_screening_tests_are_findings_for_the_proposed_start(runtime):
    world = build_world(runtime)
    check = check_course_start(
        runtime, world.clinician, world.patient_id, TODAY + timedelta(days=7)
    )
    assert check.has_findings and check.result.readiness.value == "wait"
    assert "HBsAg" in check.result.missing and not check.on_treatment
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Prescription)) == 0


def test_a_complete_record_has_no_findings_for_a_start_within_the_pregnancy_test_window(runtime):
    """PRE-6 (practice): the negative pregnancy test counts for 14 days before the start."""
    world = build_world(runtime)
    complete_screening(runtime, world)
    assert not check_course_start(
        runtime, world.clinician, world.patient_id, TODAY + timedelta(days=7)
    ).has_findings
    assert check_course_start(
        runtime, world.clinician, world.patient_id, TODAY + timedelta(days=30)
    ).has_findings


def test_starting_a_course_records_the_prescription_and_the_planned_start(runtime):
    world = build_world(runtime)
    start = TODAY + timedelta(days=7)
    rx = start_course(
        runtime,
        world.clinician,
        world.patient_id,
        PrescriptionForm(start_on=start),
        idempotency_key=None,
    )
    assert rx.start_on == start and rx.stopped_on is None
    with runtime.database.reading() as session:
        assert session.get(Patient, world.patient_id).planned_start_on == start  # type: ignore[union-attr]
    assert get_checklist(runtime, world.clinician, world.patient_id).planned_start_on == start


@pytest.mark.parametrize("role", ["patient", "caregiver"])
def test_only_the_care_team_checks_a_start(runtime, role):
    world = build_world(runtime)
    with pytest.raises(NotAllowed):
        check_course_start(runtime, getattr(world, role), world.patient_id, TODAY)


def test_a_start_no_prescription_could_have_is_refused_naming_the_field(runtime):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as problem:
        check_course_start(runtime, world.clinician, world.patient_id, TODAY + timedelta(days=800))
    assert problem.value.message.startswith("start_on:")
