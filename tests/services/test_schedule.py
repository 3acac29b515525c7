"""The schedule: the active course's plan as of the patient's local today, with what to do."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from ofacare.errors import Conflict
from ofacare.records.tables import CareTeam, Patient
from ofacare.services.injections import InjectionForm, log_injection
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from ofacare.services.schedule import get_schedule
from tests.people import build_world


def prescribe(runtime, world, start_on):
    form = PrescriptionForm(start_on=start_on)
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)


def inject(runtime, world, day):
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=8)
    form = InjectionForm(given_at=at, site="thigh-left" if day.day % 2 else "thigh-right")
    log_injection(runtime, world.patient, world.patient_id, form, idempotency_key=None)


def set_patient(runtime, world, **values):
    with runtime.database.writing() as session:
        session.execute(update(Patient).where(Patient.id == world.patient_id).values(**values))


def test_without_a_prescription_the_schedule_says_to_record_one(runtime):
    world = build_world(runtime)
    with pytest.raises(Conflict) as missing:
        get_schedule(runtime, world.patient, world.patient_id)
    assert missing.value.code == "schedule.no-prescription"
    assert "prescriptions" in missing.value.hint


def test_the_plan_follows_the_start_and_the_days_doses_were_given(runtime, clock):
    world = build_world(runtime)
    prescribe(runtime, world, date(2026, 3, 2))
    inject(runtime, world, date(2026, 3, 2))
    clock.advance(days=9)
    inject(runtime, world, date(2026, 3, 11))  # dose 2 two days late moves dose 3
    found = get_schedule(runtime, world.caregiver, world.patient_id)
    plan = found.plan
    assert plan.as_of == date(2026, 3, 11)
    assert [(d.number, d.status.value) for d in plan.doses[:3]] == [
        (1, "taken"), (2, "taken"), (3, "planned"),
    ]  # fmt: skip
    assert plan.doses[2].due_on == date(2026, 3, 18)
    assert plan.next_dose.number == 3 and plan.next_dose.days_from(plan.as_of) == 7
    assert found.moves == () and found.guidance is None


def test_today_is_the_patients_own_day(runtime, clock):
    world = build_world(runtime)
    set_patient(runtime, world, timezone="Pacific/Auckland")  # 13 hours ahead of UTC in March
    prescribe(runtime, world, date(2026, 3, 2))
    clock.now = datetime(2026, 3, 2, 10, 59, tzinfo=UTC)  # 23:59 on 2 March in Auckland
    before = get_schedule(runtime, world.patient, world.patient_id).plan
    assert (before.as_of, before.next_dose.status.value) == (date(2026, 3, 2), "due")
    clock.now = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # midnight: 3 March there
    after = get_schedule(runtime, world.patient, world.patient_id).plan
    assert (after.as_of, after.next_dose.status.value) == (date(2026, 3, 3), "overdue")


def test_an_overdue_dose_says_what_to_do_and_how_the_later_doses_move(runtime, clock):
    world = build_world(runtime)
    prescribe(runtime, world, date(2026, 2, 2))
    inject(runtime, world, date(2026, 2, 2))
    inject(runtime, world, date(2026, 2, 9))  # dose 3 was due on 16 February; today is 2 March
    found = get_schedule(runtime, world.patient, world.patient_id)
    overdue = found.plan.overdue_dose
    assert overdue is not None and overdue.number == 3
    assert overdue.days_from(found.plan.as_of) == -14
    assert found.guidance is not None and "Dose 3 was due on 2026-02-16" in found.guidance
    first_move = found.moves[0]
    assert (first_move.number, first_move.due_on_if_on_time, first_move.due_on) == (
        4, date(2026, 3, 2), date(2026, 3, 16),
    )  # fmt: skip
    assert {m.days_later for m in found.moves} == {14}


def test_a_dose_due_today_is_not_overdue_and_moves_nothing(runtime):
    world = build_world(runtime)
    prescribe(runtime, world, date(2026, 3, 2))
    found = get_schedule(runtime, world.patient, world.patient_id)
    assert found.plan.overdue_dose is None and found.moves == ()
    assert found.plan.next_dose.status.value == "due"


def test_the_schedule_carries_sources_the_knowledge_version_and_the_team_phone(runtime):
    world = build_world(runtime)
    prescribe(runtime, world, date(2026, 3, 2))
    found = get_schedule(runtime, world.patient, world.patient_id)
    assert "dosing.missed-dose" in found.fact_ids
    assert found.citations and found.knowledge_version == runtime.kb.version
    assert found.call.phone == "+44 161 555 0100"
    assert "+44 161 555 0100" in found.call.text
    assert found.notes  # dose 1 is next: the first injection is supervised


def test_without_a_team_phone_the_schedule_still_says_who_to_call(runtime):
    world = build_world(runtime)
    with runtime.database.writing() as session:
        session.execute(update(CareTeam).values(phone=None))
    prescribe(runtime, world, date(2026, 3, 2))
    call = get_schedule(runtime, world.patient, world.patient_id).call
    assert call.phone is None and "MS nurse or neurologist" in call.text


def test_the_four_weekly_course_spaces_maintenance_doses_28_days_apart(runtime):
    world = build_world(runtime)
    form = PrescriptionForm(start_on=date(2026, 3, 2), interval_mode="4-weekly")
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)
    plan = get_schedule(runtime, world.patient, world.patient_id, count=6).plan
    gap = (plan.doses[4].due_on - plan.doses[3].due_on).days
    assert gap == runtime.kb.whole_number("dosing.four-weekly-interval", "day")
