"""The diary as a person reads it: one entry, the kind of each entry, and entries per week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from ofacare.errors import NotFound
from ofacare.knowledge.schema import Urgency
from ofacare.records.tables import AuditEntry
from ofacare.services.diary import DiaryFilter, DiaryForm, record_diary_entry
from ofacare.services.diary_overview import (
    KIND_OF_FACT,
    EntryKind,
    count_by_week,
    get_diary_entry,
    kinds_of,
    list_diary_of_kind,
)
from ofacare.services.injections import InjectionForm, log_injection
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from tests.people import build_world


def write(runtime, world, text="", *, choices=(), recorded_at=None):
    form = DiaryForm(text=text, choices=choices, recorded_at=recorded_at)
    answer = record_diary_entry(
        runtime, world.patient, world.patient_id, form, idempotency_key=None
    )
    return answer.entry


def test_every_fact_a_kind_is_read_from_exists(runtime):
    assert all(runtime.kb.find_fact(fact) is not None for fact in KIND_OF_FACT)


def test_one_entry_is_read_by_anyone_who_sees_the_record_and_the_read_is_audited(runtime):
    world = build_world(runtime)
    written = write(runtime, world, "cough")
    read = get_diary_entry(runtime, world.caregiver, world.patient_id, written.id)
    assert read.id == written.id and read.urgency == "urgent"
    with runtime.database.writing() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.user_id == world.caregiver.user_id)
        )
        assert "diary.read" in list(actions)


def test_an_entry_of_another_patient_is_not_found(runtime):
    world = build_world(runtime)
    written = write(runtime, world, "cough")
    with pytest.raises(NotFound):
        get_diary_entry(runtime, world.outsider_clinician, world.patient_id, written.id)
    with pytest.raises(NotFound):
        get_diary_entry(runtime, world.clinician, world.patient_id, "no-such-entry")


def test_the_same_fever_is_a_side_effect_after_an_early_dose_and_an_infection_later(runtime, clock):
    world = build_world(runtime)
    given = clock.now - timedelta(days=20)
    create_prescription(
        runtime, world.clinician, world.patient_id,
        PrescriptionForm(start_on=given.date()), idempotency_key=None,
    )  # fmt: skip
    log_injection(
        runtime, world.patient, world.patient_id,
        InjectionForm(given_at=given, site="thigh-left"), idempotency_key=None,
    )  # fmt: skip
    expected = write(runtime, world, "fever", recorded_at=given + timedelta(hours=6))
    later = write(runtime, world, "fever")
    assert kinds_of(expected) == (EntryKind.SIDE_EFFECT,)
    assert kinds_of(later) == (EntryKind.INFECTION,)


def test_an_entry_ofacare_did_not_recognise_is_a_symptom(runtime):
    world = build_world(runtime)
    assert kinds_of(write(runtime, world, "my left ear hums")) == (EntryKind.SYMPTOM,)
    assert kinds_of(write(runtime, world, "blurred vision")) == (EntryKind.SYMPTOM,)


def test_the_diary_filters_by_kind_as_well_as_urgency(runtime):
    world = build_world(runtime)
    rash = write(runtime, world, choices=("rash",))
    cough = write(runtime, world, choices=("cough",))
    query = DiaryFilter()
    infections = list_diary_of_kind(
        runtime, world.patient, world.patient_id, query=query, kind=EntryKind.INFECTION
    )
    side_effects = list_diary_of_kind(
        runtime, world.patient, world.patient_id, query=query, kind=EntryKind.SIDE_EFFECT
    )
    every = list_diary_of_kind(runtime, world.patient, world.patient_id, query=query, kind=None)
    assert [e.id for e in infections] == [cough.id]
    assert [e.id for e in side_effects] == [rash.id]
    assert {e.id for e in every} == {rash.id, cough.id}


class _Entry:
    """Just what count_by_week reads of an entry."""

    def __init__(self, recorded_at: datetime, urgency: Urgency) -> None:
        self.recorded_at, self.urgency = recorded_at, urgency.value


def test_weeks_run_monday_to_sunday_in_the_patients_days_and_quiet_weeks_count_zero():
    entries = [
        # Sunday 1 March 23:30 in UTC is Monday 2 March in Tokyo.
        _Entry(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), Urgency.URGENT),
        _Entry(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), Urgency.SELF_CARE),
        _Entry(datetime(2026, 3, 20, 9, 0, tzinfo=UTC), Urgency.URGENT),
    ]
    weeks = count_by_week(entries, timezone="Asia/Tokyo", since=None, until=date(2026, 3, 22))  # type: ignore[arg-type]
    assert [w.starts_on for w in weeks] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert [w.total for w in weeks] == [2, 0, 1]
    assert weeks[0].counts == {Urgency.URGENT: 1, Urgency.SELF_CARE: 1}
    in_london = count_by_week(
        entries, timezone="Europe/London", since=None, until=date(2026, 3, 22)
    )  # type: ignore[arg-type]
    assert in_london[0].starts_on == date(2026, 2, 23)


def test_a_period_starts_the_weeks_and_leaves_out_entries_before_it():
    entries = [_Entry(datetime(2026, 1, 5, 9, 0, tzinfo=UTC), Urgency.URGENT)]
    weeks = count_by_week(entries, timezone="UTC", since=date(2026, 3, 4), until=date(2026, 3, 10))  # type: ignore[arg-type]
    assert [w.starts_on for w in weeks] == [date(2026, 3, 2), date(2026, 3, 9)]
    assert sum(w.total for w in weeks) == 0
