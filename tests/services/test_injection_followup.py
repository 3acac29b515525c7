"""After an injection: the saved answer read back, and "how did it go?" asked on the next local
day, once, until someone answers (no problems, reactions, or a diary entry since)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ofacare.errors import NotFound
from ofacare.services.diary import DiaryForm, record_diary_entry
from ofacare.services.injection_followup import (
    ReactionAnswer,
    find_reaction_check,
    get_reported_reactions,
    record_reactions,
)
from ofacare.services.injections import InjectionForm, get_logged_injection, log_injection
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from tests.people import build_world

START = date(2026, 3, 2)


def world_with_dose_1(runtime, *, site="thigh-left"):
    world = build_world(runtime)
    create_prescription(
        runtime,
        world.clinician,
        world.patient_id,
        PrescriptionForm(start_on=START),
        idempotency_key=None,
    )
    form = InjectionForm(given_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC), site=site)
    logged = log_injection(runtime, world.patient, world.patient_id, form, idempotency_key=None)
    return world, logged.injection.id


def test_the_saved_injection_reads_back_with_the_plan_and_the_next_site(runtime):
    world, injection_id = world_with_dose_1(runtime)
    found = get_logged_injection(runtime, world.caregiver, world.patient_id, injection_id)
    assert found.injection.dose_number == 1
    assert found.schedule.plan.next_dose.number == 2
    assert found.next_site.site.value == "thigh-right"
    with pytest.raises(NotFound):
        get_logged_injection(runtime, world.outsider_clinician, world.patient_id, injection_id)


def test_the_question_comes_on_the_next_local_day_only(runtime, clock):
    world, injection_id = world_with_dose_1(runtime)
    assert find_reaction_check(runtime, world.patient, world.patient_id) is None  # same day
    clock.advance(days=1)
    check = find_reaction_check(runtime, world.caregiver, world.patient_id)
    assert check is not None and (check.injection_id, check.dose_number) == (injection_id, 1)
    clock.advance(days=1)
    assert find_reaction_check(runtime, world.patient, world.patient_id) is None  # a day later


def test_no_problems_is_kept_on_the_injection_and_ends_the_question(runtime, clock):
    world, injection_id = world_with_dose_1(runtime)
    clock.advance(days=1)
    stored = record_reactions(
        runtime, world.patient, world.patient_id, ReactionAnswer(injection_id=injection_id)
    )
    assert stored.reactions == []
    assert stored.reactions_checked_at is not None
    assert find_reaction_check(runtime, world.patient, world.patient_id) is None


def test_a_diary_entry_since_the_injection_ends_the_question_and_reads_back(runtime, clock):
    world, _ = world_with_dose_1(runtime)
    clock.advance(days=1)
    answer = record_diary_entry(
        runtime,
        world.patient,
        world.patient_id,
        DiaryForm(choices=("fever",)),
        idempotency_key=None,
    )
    assert find_reaction_check(runtime, world.patient, world.patient_id) is None
    entry = get_reported_reactions(runtime, world.caregiver, world.patient_id, answer.entry.id)
    assert entry.urgency == "self_care"
    with pytest.raises(NotFound):
        get_reported_reactions(runtime, world.patient, world.other_patient_id, answer.entry.id)


def test_reactions_are_kept_only_on_the_patients_own_injection(runtime):
    world, injection_id = world_with_dose_1(runtime)
    answer = ReactionAnswer(injection_id=injection_id, reactions=("fever", "headache"))
    assert record_reactions(runtime, world.caregiver, world.patient_id, answer).reactions == [
        "fever",
        "headache",
    ]
    with pytest.raises(NotFound):
        record_reactions(
            runtime, world.clinician, world.patient_id, ReactionAnswer(injection_id="missing")
        )
