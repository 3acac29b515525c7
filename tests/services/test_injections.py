"""Injections: dose numbers from the plan, one per local day, sites by who injects, warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from ofacare.errors import Conflict, InvalidInput, NotFound
from ofacare.handling.sites import Injector
from ofacare.records.tables import Patient
from ofacare.services.access import Actor, Role
from ofacare.services.injections import (
    CLOCK_SKEW,
    InjectionForm,
    list_injections,
    log_injection,
    suggest_next_site,
)
from ofacare.services.pens import PenEventForm, record_pen_event
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from tests.people import build_world

START = date(2026, 2, 23)


def prescribe(runtime, world, start_on=START):
    form = PrescriptionForm(start_on=start_on)
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)


def log(runtime, world, at, site="thigh-left", *, actor=None, key=None, **fields):
    form = InjectionForm(given_at=at, site=site, **fields)
    return log_injection(
        runtime, actor or world.patient, world.patient_id, form, idempotency_key=key
    )


def feb(day, hour=8, minute=0):
    return datetime(2026, 2, day, hour, minute, tzinfo=UTC)


def mar(day, hour=8, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_dose_numbers_come_from_the_plan_in_the_order_given(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    first = log(runtime, world, feb(23))
    second = log(runtime, world, mar(2), "thigh-right", actor=world.caregiver)
    assert (first.injection.dose_number, second.injection.dose_number) == (1, 2)
    assert second.injection.recorded_by == world.caregiver.user_id
    assert second.schedule.plan.next_dose.number == 3
    listed = list_injections(runtime, world.clinician, world.patient_id)
    assert [i.dose_number for i in listed] == [2, 1]


def test_a_second_injection_on_the_same_local_day_is_refused_as_a_possible_duplicate(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    log(runtime, world, feb(23, hour=0, minute=5))
    with pytest.raises(InvalidInput) as refused:
        log(runtime, world, feb(23, hour=23, minute=55), "thigh-right")
    assert refused.value.code == "injections.possible-duplicate"
    assert "given_at: '2026-02-23T23:55:00+00:00'" in refused.value.message
    assert runtime.kb.statement("dosing.possible-duplicate-gap") in refused.value.message
    next_day = log(runtime, world, feb(24, hour=0, minute=5), "thigh-right")
    codes = [f.code for f in next_day.schedule.plan.flags]
    assert "regimen.possible-duplicate" in codes  # a day apart is recorded, and flagged


def test_local_days_decide_what_counts_as_the_same_day(runtime):
    world = build_world(runtime)
    with runtime.database.writing() as session:
        session.execute(
            update(Patient)
            .where(Patient.id == world.patient_id)
            .values(timezone="America/New_York")
        )
    prescribe(runtime, world)
    # 04:30 and 05:30 UTC on 24 February are 23:30 on the 23rd and 00:30 on the 24th in New York.
    first = log(runtime, world, feb(24, hour=4, minute=30))
    second = log(runtime, world, feb(24, hour=5, minute=30), "thigh-right")
    assert (first.injection.given_on, second.injection.given_on) == (
        date(2026, 2, 23), date(2026, 2, 24),
    )  # fmt: skip


def test_self_injection_in_the_arm_is_refused_and_a_caregiver_may_use_it(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    with pytest.raises(InvalidInput) as refused:
        log(runtime, world, feb(23), "upper-arm-left")
    assert refused.value.code == "handling.arm-self-injection"
    assert refused.value.message.startswith("site: 'upper-arm-left'")
    given = log(runtime, world, feb(23), "upper-arm-left", injected_by=Injector.CAREGIVER)
    assert given.injection.site == "upper-arm-left"


def test_a_time_beyond_the_clock_skew_is_refused_and_within_it_is_accepted(runtime, clock):
    world = build_world(runtime)
    prescribe(runtime, world)
    with pytest.raises(InvalidInput) as refused:
        log(runtime, world, clock.now + CLOCK_SKEW + timedelta(seconds=1))
    assert refused.value.message.startswith("given_at:")
    assert log(runtime, world, clock.now + CLOCK_SKEW).injection.dose_number == 1


def test_an_injection_before_the_course_started_is_refused(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    with pytest.raises(InvalidInput) as refused:
        log(runtime, world, datetime(2026, 2, 22, 23, 59, tzinfo=UTC))
    assert refused.value.code == "injections.before-start"
    assert log(runtime, world, datetime(2026, 2, 23, 0, 0, tzinfo=UTC)).injection.dose_number == 1


def test_injections_are_logged_in_the_order_they_were_given(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    log(runtime, world, mar(2))
    with pytest.raises(InvalidInput) as refused:
        log(runtime, world, feb(24), "thigh-right")
    assert refused.value.code == "injections.out-of-order"


def test_without_a_prescription_nothing_can_be_logged(runtime):
    world = build_world(runtime)
    with pytest.raises(Conflict) as refused:
        log(runtime, world, feb(23))
    assert refused.value.code == "schedule.no-prescription"


def test_a_pen_out_of_the_fridge_after_the_injection_is_refused(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    with pytest.raises(InvalidInput) as refused:
        log(runtime, world, feb(23), out_of_fridge_at=feb(23, minute=1))
    assert refused.value.message.startswith("out_of_fridge_at:")
    logged = log(runtime, world, feb(23), out_of_fridge_at=feb(23, hour=7, minute=30))
    assert logged.injection.out_of_fridge_at == feb(23, hour=7, minute=30)


def test_the_same_site_as_last_time_is_recorded_with_a_warning(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    assert log(runtime, world, feb(23)).warnings == ()
    again = log(runtime, world, mar(2))
    assert [w.code for w in again.warnings] == ["handling.same-site-as-last"]
    assert again.injection.site == "thigh-left"


def test_a_pen_past_use_is_recorded_with_a_warning(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    frozen = PenEventForm(pen="SN-7", kind="frozen", occurred_at=feb(22))
    record_pen_event(runtime, world.patient, world.patient_id, frozen, idempotency_key=None)
    warned = log(runtime, world, feb(23), pen_serial="SN-7")
    assert [w.code for w in warned.warnings] == ["injections.pen-past-use"]
    fine = log(runtime, world, mar(2), "thigh-right", pen_serial="SN-8")
    assert fine.warnings == ()


def test_the_answer_suggests_the_next_site_for_the_same_injector(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    logged = log(runtime, world, feb(23), "thigh-left")
    assert logged.next_site.site.value == "thigh-right"
    assert (
        logged.next_site.last_site is not None and logged.next_site.last_site.value == "thigh-left"
    )


def test_the_site_suggestion_is_never_the_last_site_and_the_arm_only_for_others(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    log(runtime, world, feb(23), "thigh-left")
    log(runtime, world, mar(2), "abdomen-left")
    self_advice = suggest_next_site(
        runtime, world.patient, world.patient_id, injector=Injector.SELF
    )
    assert self_advice.suggestion.site.value == "thigh-right"
    assert not any(s.is_arm for s in self_advice.suggestion.allowed)
    helped = suggest_next_site(
        runtime, world.patient, world.patient_id, injector=Injector.CAREGIVER
    )
    assert helped.suggestion.site.value == "thigh-right"
    assert any(s.is_arm for s in helped.suggestion.allowed)
    assert helped.call.phone == "+44 161 555 0100"


def test_an_admin_cannot_see_the_patient_to_log_injections(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    nobody = Actor(user_id=world.admin.user_id, role=Role.ADMIN)
    with pytest.raises(NotFound) as refused:
        log(runtime, world, feb(23), actor=nobody)
    assert refused.value.code == "access.no-such-patient"
