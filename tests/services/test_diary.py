"""The symptom diary: triage in the context of the last injection, whom to call, follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from ofacare.errors import InvalidInput, NotAllowed
from ofacare.knowledge.schema import Urgency
from ofacare.records.tables import Patient
from ofacare.services.diary import (
    DiaryChanges,
    DiaryFilter,
    DiaryForm,
    change_diary_entry,
    check_filter,
    list_diary,
    record_diary_entry,
)
from ofacare.services.injections import InjectionForm, log_injection
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from tests.people import build_world

TEAM_PHONE = "+44 161 555 0100"


def write(runtime, world, text="", *, choices=(), recorded_at=None, actor=None, key=None):
    form = DiaryForm(text=text, choices=choices, recorded_at=recorded_at)
    return record_diary_entry(
        runtime, actor or world.patient, world.patient_id, form, idempotency_key=key
    )


def first_dose_at(runtime, world, given_at):
    form = PrescriptionForm(start_on=given_at.date())
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)
    injection = InjectionForm(given_at=given_at, site="thigh-left")
    log_injection(runtime, world.patient, world.patient_id, injection, idempotency_key=None)


def test_an_emergency_names_the_countrys_emergency_number_and_not_the_team(runtime):
    world = build_world(runtime)
    entry = write(runtime, world, "my throat is swelling").entry
    assert entry.urgency == "emergency"
    assert entry.call == "the emergency number 999 now"  # the patient lives in GB
    assert TEAM_PHONE not in entry.call


def test_below_an_emergency_the_call_names_the_team_phone(runtime):
    world = build_world(runtime)
    answer = write(runtime, world, "headache and chills")
    assert answer.entry.urgency == "urgent" and answer.team_phone == TEAM_PHONE
    assert f"your MS nurse or neurologist ({TEAM_PHONE}) today" in answer.entry.call
    assert answer.entry.advice.endswith(f"Who to call: {answer.entry.call}.")


def test_flu_like_signs_within_a_day_of_dose_1_are_the_expected_reaction(runtime, clock):
    world = build_world(runtime)
    first_dose_at(runtime, world, clock.now - timedelta(days=2))
    day_one = write(
        runtime, world, "headache and chills", recorded_at=clock.now - timedelta(days=1)
    )
    day_two = write(runtime, world, "headache and chills", recorded_at=clock.now)
    assert (day_one.entry.urgency, day_two.entry.urgency) == ("self_care", "urgent")
    context = day_one.entry.triage["context"]
    assert context == {"days_since_injection": 1, "dose_number": 1, "country": "GB"}


def test_an_entry_dated_before_the_injection_has_no_injection_context(runtime, clock):
    world = build_world(runtime)
    first_dose_at(runtime, world, clock.now)
    earlier = write(
        runtime, world, "headache and chills", recorded_at=clock.now - timedelta(hours=1)
    )
    assert earlier.entry.urgency == "urgent"
    assert earlier.entry.triage["context"]["days_since_injection"] is None


def test_ticked_choices_are_triaged_with_the_text(runtime):
    world = build_world(runtime)
    entry = write(runtime, world, choices=("fever", "chills")).entry
    assert entry.urgency == "urgent" and entry.choices == ["fever", "chills"]
    assert entry.triage["matched"]


def test_an_entry_with_neither_text_nor_choices_is_refused(runtime):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as refused:
        write(runtime, world, "   ")
    assert refused.value.code == "diary.empty" and refused.value.message.startswith("text:")


def test_an_entry_recorded_in_the_future_is_refused(runtime, clock):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as refused:
        write(runtime, world, "tired", recorded_at=clock.now + timedelta(hours=1))
    assert refused.value.message.startswith("recorded_at:")


def test_the_stored_entry_keeps_the_full_triage_result(runtime):
    world = build_world(runtime)
    entry = write(runtime, world, "headache and chills", actor=world.caregiver).entry
    assert entry.recorded_by == world.caregiver.user_id
    assert {"reasons", "citations", "facts", "knowledge_version"} <= set(entry.triage)
    assert entry.triage["knowledge_version"] == runtime.kb.version


def test_the_diary_lists_newest_first_and_filters_by_urgency_and_local_days(runtime, clock):
    world = build_world(runtime)
    with runtime.database.writing() as session:
        session.execute(
            update(Patient).where(Patient.id == world.patient_id).values(timezone="Asia/Tokyo")
        )
    # 14:59 UTC is 23:59 in Tokyo on the 1st; 15:00 UTC is the 2nd there.
    late_first = write(
        runtime, world, "tired", recorded_at=datetime(2026, 3, 1, 14, 59, tzinfo=UTC)
    )
    early_second = write(
        runtime, world, "my throat is swelling", recorded_at=datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    )
    everything = list_diary(runtime, world.clinician, world.patient_id, query=DiaryFilter())
    assert [e.id for e in everything] == [early_second.entry.id, late_first.entry.id]
    second_day = DiaryFilter(since=date(2026, 3, 2), until=date(2026, 3, 2))
    found = list_diary(runtime, world.patient, world.patient_id, query=second_day)
    assert [e.id for e in found] == [early_second.entry.id]
    first_day = DiaryFilter(until=date(2026, 3, 1))
    found = list_diary(runtime, world.patient, world.patient_id, query=first_day)
    assert [e.id for e in found] == [late_first.entry.id]
    urgent = DiaryFilter(urgency=Urgency.EMERGENCY)
    found = list_diary(runtime, world.patient, world.patient_id, query=urgent)
    assert [e.id for e in found] == [early_second.entry.id]


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(InvalidInput, match="until"):
        check_filter(DiaryFilter(since=date(2026, 3, 2), until=date(2026, 3, 1)))


def test_the_patient_or_a_clinician_resolves_an_entry_and_a_caregiver_may_not(runtime, clock):
    world = build_world(runtime)
    entry = write(runtime, world, "tired").entry
    with pytest.raises(NotAllowed):
        change_diary_entry(
            runtime, world.caregiver, world.patient_id, entry.id, DiaryChanges(resolved=True)
        )
    resolved = change_diary_entry(
        runtime, world.clinician, world.patient_id, entry.id, DiaryChanges(resolved=True)
    )
    assert resolved.resolved_at == clock.now
    reopened = change_diary_entry(
        runtime, world.patient, world.patient_id, entry.id, DiaryChanges(resolved=False)
    )
    assert reopened.resolved_at is None


def test_the_same_idempotency_key_records_one_entry(runtime):
    world = build_world(runtime)
    first = write(runtime, world, "tired", key="d1")
    again = write(runtime, world, "tired", key="d1")
    assert again.entry.id == first.entry.id
    assert len(list_diary(runtime, world.patient, world.patient_id, query=DiaryFilter())) == 1
