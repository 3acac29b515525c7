"""Prescriptions: one active course at a time, start dates in range, stops and corrections."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ofacare.errors import Conflict, InvalidInput, NotAllowed, NotFound
from ofacare.services.injections import InjectionForm, log_injection
from ofacare.services.patients import MAX_START_AHEAD
from ofacare.services.prescriptions import (
    PrescriptionChanges,
    PrescriptionForm,
    change_prescription,
    create_prescription,
    list_prescriptions,
)
from tests.people import build_world

TODAY = date(2026, 3, 2)  # the clock fixture's day; the world's patient lives in London (UTC now)


def prescribe(runtime, world, start_on=TODAY, interval="monthly", key=None):
    form = PrescriptionForm(start_on=start_on, interval_mode=interval, prescriber="Dr Okafor")
    return create_prescription(
        runtime, world.clinician, world.patient_id, form, idempotency_key=key
    )


def inject(runtime, world, at):
    form = InjectionForm(given_at=at, site="thigh-left")
    return log_injection(runtime, world.patient, world.patient_id, form, idempotency_key=None)


def test_a_clinician_records_a_prescription_written_today(runtime):
    world = build_world(runtime)
    made = prescribe(runtime, world, start_on=date(2026, 3, 9))
    assert (made.start_on, made.written_on, made.stopped_on) == (date(2026, 3, 9), TODAY, None)
    assert made.interval_mode == "monthly" and made.prescriber == "Dr Okafor"


def test_a_new_prescription_stops_the_active_one_today(runtime, clock):
    world = build_world(runtime)
    first = prescribe(runtime, world)
    clock.advance(days=40)
    second = prescribe(runtime, world, start_on=date(2026, 4, 20))
    listed = list_prescriptions(runtime, world.caregiver, world.patient_id)
    assert [p.id for p in listed] == [second.id, first.id]
    assert listed[0].stopped_on is None
    assert listed[1].stopped_on == TODAY + timedelta(days=40)


def test_four_weekly_is_read_as_the_4_weekly_interval(runtime):
    world = build_world(runtime)
    assert prescribe(runtime, world, interval="four-weekly").interval_mode == "4-weekly"
    assert prescribe(runtime, world, interval="4-weekly").interval_mode == "4-weekly"


def test_an_unknown_interval_is_refused_by_the_form():
    with pytest.raises(ValueError, match="interval_mode"):
        PrescriptionForm(start_on=TODAY, interval_mode="weekly")


def test_a_start_before_1990_is_refused_and_the_first_day_of_1990_is_accepted(runtime):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as refused:
        prescribe(runtime, world, start_on=date(1989, 12, 31))
    assert refused.value.code == "prescriptions.bad-start"
    assert "start_on: '1989-12-31'" in refused.value.message
    assert prescribe(runtime, world, start_on=date(1990, 1, 1)).start_on == date(1990, 1, 1)


def test_a_start_more_than_a_year_ahead_is_refused(runtime):
    world = build_world(runtime)
    latest = TODAY + MAX_START_AHEAD
    with pytest.raises(InvalidInput, match="start_on"):
        prescribe(runtime, world, start_on=latest + timedelta(days=1))
    assert prescribe(runtime, world, start_on=latest).start_on == latest


def test_patients_and_caregivers_may_not_record_prescriptions(runtime):
    world = build_world(runtime)
    form = PrescriptionForm(start_on=TODAY)
    for actor in (world.patient, world.caregiver):
        with pytest.raises(NotAllowed):
            create_prescription(runtime, actor, world.patient_id, form, idempotency_key=None)


def test_a_clinician_of_another_team_is_refused_as_if_the_patient_did_not_exist(runtime):
    world = build_world(runtime)
    form = PrescriptionForm(start_on=TODAY)
    with pytest.raises(NotFound) as other_team:
        create_prescription(
            runtime, world.outsider_clinician, world.patient_id, form, idempotency_key=None
        )
    with pytest.raises(NotFound) as nobody:
        create_prescription(runtime, world.clinician, "no-such-id", form, idempotency_key=None)
    assert other_team.value.code == nobody.value.code == "access.no-such-patient"


def test_the_same_idempotency_key_returns_the_first_prescription(runtime):
    world = build_world(runtime)
    first = prescribe(runtime, world, key="rx-1")
    again = prescribe(runtime, world, key="rx-1")
    assert again.id == first.id
    assert len(list_prescriptions(runtime, world.clinician, world.patient_id)) == 1


def test_the_start_moves_until_dose_one_is_recorded(runtime, clock):
    world = build_world(runtime)
    made = prescribe(runtime, world, start_on=date(2026, 3, 9))
    moved = change_prescription(
        runtime, world.clinician, world.patient_id, made.id,
        PrescriptionChanges(start_on=TODAY, interval_mode="4-weekly"),
    )  # fmt: skip
    assert (moved.start_on, moved.interval_mode) == (TODAY, "4-weekly")
    inject(runtime, world, clock.now)
    with pytest.raises(InvalidInput) as begun:
        change_prescription(
            runtime, world.clinician, world.patient_id, made.id,
            PrescriptionChanges(start_on=date(2026, 3, 3)),
        )  # fmt: skip
    assert begun.value.code == "prescriptions.already-begun"
    assert "2026-03-02" in begun.value.message


def test_a_stop_is_on_or_after_the_last_injection_and_not_in_the_future(runtime, clock):
    world = build_world(runtime)
    made = prescribe(runtime, world)
    inject(runtime, world, clock.now)
    clock.advance(days=3)

    def stop(day):
        changes = PrescriptionChanges(stopped_on=day)
        return change_prescription(runtime, world.clinician, world.patient_id, made.id, changes)

    for wrong in (TODAY - timedelta(days=1), TODAY + timedelta(days=4)):
        with pytest.raises(InvalidInput) as refused:
            stop(wrong)
        assert refused.value.code == "prescriptions.bad-stop"
        assert f"stopped_on: '{wrong.isoformat()}'" in refused.value.message
    assert stop(TODAY).stopped_on == TODAY


def test_a_stopped_prescription_no_longer_changes(runtime):
    world = build_world(runtime)
    made = prescribe(runtime, world)
    changes = PrescriptionChanges(stopped_on=TODAY)
    change_prescription(runtime, world.clinician, world.patient_id, made.id, changes)
    with pytest.raises(Conflict) as refused:
        change_prescription(runtime, world.clinician, world.patient_id, made.id, changes)
    assert refused.value.code == "prescriptions.already-stopped"


def test_a_change_with_nothing_in_it_or_for_another_patients_prescription_is_refused(runtime):
    world = build_world(runtime)
    made = prescribe(runtime, world)
    with pytest.raises(InvalidInput, match="No field"):
        change_prescription(
            runtime, world.clinician, world.patient_id, made.id, PrescriptionChanges()
        )
    with pytest.raises(NotFound) as unknown:
        change_prescription(
            runtime, world.clinician, world.patient_id, "nope",
            PrescriptionChanges(stopped_on=TODAY),
        )  # fmt: skip
    assert unknown.value.code == "prescriptions.no-such-prescription"
