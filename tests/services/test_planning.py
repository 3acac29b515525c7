"""Planning: vaccine dates against the treatment on record (VAX-1..4), vaccination records, and
the contraception window after the last dose (REPRO-1/2). Sources: clinical-rules.md."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from ofacare.errors import Conflict, InvalidInput, NotAllowed, NotFound
from ofacare.records.tables import AuditEntry, Injection, Patient, Prescription, Vaccination
from ofacare.services.planning import (
    VaccinationForm,
    VaccineCheckForm,
    check_vaccine_plan,
    get_pregnancy_plan,
    list_vaccinations,
    load_treatment,
    record_vaccination,
)
from ofacare.services.runtime import Runtime
from tests.people import build_world

TODAY = date(2026, 3, 2)  # the clock's day, in the patient's Europe/London too


def prescribe(
    runtime: Runtime,
    patient_id: str,
    *,
    start: date,
    taken_on: tuple[date, ...] = (),
    interval: str = "monthly",
    stopped_on: date | None = None,
) -> str:
    """Insert a prescription and the injections given under it; returns its id."""
    now = runtime.now()
    with runtime.database.writing() as session:
        rx = Prescription(
            patient_id=patient_id,
            start_on=start,
            interval_mode=interval,
            written_on=start,
            stopped_on=stopped_on,
            created_at=now,
        )
        session.add(rx)
        session.flush()
        for number, day in enumerate(taken_on, start=1):
            session.add(
                Injection(
                    patient_id=patient_id,
                    prescription_id=rx.id,
                    given_at=datetime.combine(day, time(10, 0), UTC),
                    given_on=day,
                    dose_number=number,
                    site="thigh-left",
                    injected_by="self",
                    reactions=[],
                    created_at=now,
                )
            )
        return rx.id


def set_patient(runtime: Runtime, patient_id: str, **fields: object) -> None:
    with runtime.database.writing() as session:
        patient = session.get(Patient, patient_id)
        for name, value in fields.items():
            setattr(patient, name, value)


def check(runtime: Runtime, actor, patient_id: str, *, live: bool, on: date):  # type: ignore[no-untyped-def]
    form = VaccineCheckForm(name="MMR" if live else "flu", live=live, planned_on=on)
    return check_vaccine_plan(runtime, actor, patient_id, form)


# --- Treatment dates ------------------------------------------------------------------------------


def test_the_treatment_reads_the_active_course_and_every_dose_ever_given(runtime):
    world = build_world(runtime)
    prescribe(
        runtime,
        world.patient_id,
        start=date(2025, 1, 6),
        taken_on=(date(2025, 1, 6),),
        stopped_on=date(2025, 2, 1),
    )
    prescribe(
        runtime,
        world.patient_id,
        start=date(2026, 1, 5),
        taken_on=(date(2026, 1, 5), date(2026, 1, 12)),
        interval="4-weekly",
    )
    with runtime.database.reading() as session:
        treatment = load_treatment(session, world.patient_id)
    assert treatment.active and treatment.course_start_on == date(2026, 1, 5)
    assert treatment.taken_on == (date(2025, 1, 6), date(2026, 1, 5), date(2026, 1, 12))
    assert treatment.interval.value == "4-weekly"


def test_without_an_active_prescription_the_treatment_keeps_the_doses_given(runtime):
    world = build_world(runtime)
    prescribe(
        runtime,
        world.patient_id,
        start=date(2025, 1, 6),
        taken_on=(date(2025, 1, 6),),
        stopped_on=date(2025, 2, 1),
    )
    with runtime.database.reading() as session:
        treatment = load_treatment(session, world.patient_id)
    assert not treatment.active and treatment.course_start_on is None
    assert treatment.last_dose_on == date(2025, 1, 6) and treatment.interval.value == "monthly"


# --- Vaccines (VAX-1..4) --------------------------------------------------------------------------


def test_a_live_vaccine_four_weeks_before_the_planned_start_is_in_time_and_a_day_later_waits(
    runtime,
):
    """VAX-1: live vaccines at least 4 weeks (vaccine.live-before-start) before the first dose."""
    start = TODAY + timedelta(weeks=6)
    world = build_world(runtime, start_on=start)
    in_time = check(
        runtime, world.clinician, world.patient_id, live=True, on=start - timedelta(weeks=4)
    )
    too_late = check(
        runtime,
        world.clinician,
        world.patient_id,
        live=True,
        on=start - timedelta(weeks=4) + timedelta(days=1),
    )
    assert [f.code for f in in_time.findings] == ["finding.vaccine-in-time"]
    assert [f.code for f in too_late.findings] == ["finding.live-vaccine-too-recent"]
    assert too_late.findings[0].until == start + timedelta(days=1)


def test_a_non_live_vaccine_needs_two_weeks_before_the_start(runtime):
    """VAX-2: non-live vaccines at least 2 weeks (vaccine.non-live-before-start) before."""
    start = TODAY + timedelta(weeks=6)
    world = build_world(runtime, start_on=start)
    in_time = check(
        runtime, world.patient, world.patient_id, live=False, on=start - timedelta(weeks=2)
    )
    too_late = check(
        runtime, world.patient, world.patient_id, live=False, on=start - timedelta(days=13)
    )
    assert [f.severity.value for f in in_time.findings] == ["info"]
    assert [f.code for f in too_late.findings] == ["finding.non-live-vaccine-too-recent"]


def test_a_live_vaccine_on_treatment_refers_and_a_non_live_one_is_allowed(runtime):
    """VAX-3: live vaccines are not given on treatment; the last recorded dose counts."""
    world = build_world(runtime)
    last = date(2026, 2, 2)
    prescribe(
        runtime,
        world.patient_id,
        start=date(2026, 1, 5),
        taken_on=(date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), last),
    )
    soon = check(
        runtime, world.clinician, world.patient_id, live=True, on=last + timedelta(weeks=4)
    )
    flu = check(
        runtime, world.clinician, world.patient_id, live=False, on=last + timedelta(weeks=4)
    )
    assert [f.code for f in soon.findings] == ["finding.live-vaccine-on-treatment"]
    assert soon.findings[0].severity.value == "refer"
    assert [f.code for f in flu.findings] == ["finding.non-live-vaccine-on-treatment"]


def test_a_live_vaccine_is_referred_until_the_median_b_cell_recovery_and_cautioned_after(runtime):
    """VAX-3: on treatment, live vaccines wait for recovery (efficacy.b-cell-repletion-median)."""
    world = build_world(runtime)
    last = date(2025, 6, 2)
    prescribe(runtime, world.patient_id, start=last, taken_on=(last,), stopped_on=last)
    weeks = runtime.kb.number("efficacy.b-cell-repletion-median", "week")
    first_day_after = last + timedelta(days=math.ceil(weeks * 7))
    before = check(
        runtime,
        world.clinician,
        world.patient_id,
        live=True,
        on=first_day_after - timedelta(days=1),
    )
    after = check(runtime, world.clinician, world.patient_id, live=True, on=first_day_after)
    assert [f.severity.value for f in before.findings] == ["refer"]
    assert [(f.code, f.severity.value) for f in after.findings] == [
        ("finding.live-vaccine-after-recovery", "caution")
    ]


def test_a_vaccine_before_the_first_recorded_dose_counts_against_the_start_and_after_it_on_treatment(
    runtime,
):
    world = build_world(runtime)
    prescribe(
        runtime,
        world.patient_id,
        start=date(2026, 1, 5),
        taken_on=(date(2026, 1, 5), date(2026, 1, 12)),
    )
    before = check(runtime, world.clinician, world.patient_id, live=True, on=date(2025, 12, 20))
    between = check(runtime, world.clinician, world.patient_id, live=True, on=date(2026, 1, 10))
    assert [f.code for f in before.findings] == ["finding.live-vaccine-too-recent"]
    assert [f.code for f in between.findings] == ["finding.live-vaccine-on-treatment"]


def test_without_a_dose_prescription_or_planned_start_a_vaccine_cannot_be_judged(runtime):
    world = build_world(runtime)
    with pytest.raises(Conflict) as raised:
        check(runtime, world.clinician, world.patient_id, live=True, on=TODAY)
    assert raised.value.code == "vaccination.no-treatment-dates"
    assert "planned_on" in raised.value.message


def test_the_vaccine_answer_says_who_to_call_with_the_team_phone(runtime):
    world = build_world(runtime, start_on=TODAY + timedelta(weeks=8))
    answer = check(runtime, world.patient, world.patient_id, live=False, on=TODAY)
    assert answer.call.phone == "+44 161 555 0100" and "+44 161 555 0100" in answer.call.text
    assert answer.audience.value == "patient"


def test_another_teams_clinician_cannot_check_a_vaccine_for_the_patient(runtime):
    world = build_world(runtime, start_on=TODAY)
    with pytest.raises(NotFound):
        check(runtime, world.outsider_clinician, world.patient_id, live=True, on=TODAY)


# --- Vaccination records --------------------------------------------------------------------------


def test_a_clinician_records_a_vaccination_and_a_retry_with_the_key_returns_it(runtime):
    world = build_world(runtime)
    form = VaccinationForm(name="MMR", live=True, given_on=date(2026, 2, 1))
    first = record_vaccination(
        runtime, world.clinician, world.patient_id, form, idempotency_key="k1"
    )
    again = record_vaccination(
        runtime, world.clinician, world.patient_id, form, idempotency_key="k1"
    )
    assert first.id == again.id
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Vaccination)) == 1
    listed = list_vaccinations(runtime, world.caregiver, world.patient_id)
    assert [(v.name, v.live, v.given_on) for v in listed] == [("MMR", True, date(2026, 2, 1))]


def test_a_vaccination_given_today_is_recorded_and_tomorrow_is_refused(runtime):
    world = build_world(runtime)
    today = VaccinationForm(name="flu", live=False, given_on=TODAY)
    tomorrow = VaccinationForm(name="flu", live=False, given_on=TODAY + timedelta(days=1))
    assert record_vaccination(
        runtime, world.clinician, world.patient_id, today, idempotency_key=None
    )
    with pytest.raises(InvalidInput) as raised:
        record_vaccination(
            runtime, world.clinician, world.patient_id, tomorrow, idempotency_key=None
        )
    assert raised.value.message.startswith("given_on: '2026-03-03'")


def test_a_vaccination_before_the_birth_date_is_refused_and_on_it_is_recorded(runtime):
    world = build_world(runtime)  # born 1990-05-17
    born = VaccinationForm(name="BCG", live=True, given_on=date(1990, 5, 17))
    before = VaccinationForm(name="BCG", live=True, given_on=date(1990, 5, 16))
    assert record_vaccination(
        runtime, world.clinician, world.patient_id, born, idempotency_key=None
    )
    with pytest.raises(InvalidInput) as raised:
        record_vaccination(runtime, world.clinician, world.patient_id, before, idempotency_key=None)
    assert raised.value.code == "input.before-birth" and "given_on" in raised.value.message


def test_patients_and_caregivers_may_not_record_vaccinations(runtime):
    world = build_world(runtime)
    form = VaccinationForm(name="flu", live=False, given_on=TODAY)
    for actor in (world.patient, world.caregiver):
        with pytest.raises(NotAllowed):
            record_vaccination(runtime, actor, world.patient_id, form, idempotency_key=None)


# --- Pregnancy (REPRO-1/2) ------------------------------------------------------------------------


def test_contraception_runs_six_months_from_the_last_dose_on_record(runtime):
    """REPRO-1: contraception for 6 months (pregnancy.contraception) after the last dose."""
    world = build_world(runtime)
    prescribe(
        runtime,
        world.patient_id,
        start=date(2026, 1, 5),
        taken_on=(date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 2, 2)),
    )
    plan = get_pregnancy_plan(runtime, world.patient, world.patient_id)
    assert plan.applies and plan.last_dose_on == date(2026, 2, 2)
    assert plan.contraception_until == date(2026, 8, 2)
    assert [f.code for f in plan.findings] == ["finding.contraception-until"]
    assert plan.citations and plan.guidance and plan.call.phone == "+44 161 555 0100"


def test_a_pregnancy_within_the_window_is_referred_today_and_one_after_it_is_not(runtime, clock):
    """REPRO-2: a pregnancy on treatment or within the window goes to the neurologist today."""
    world = build_world(runtime)
    prescribe(
        runtime,
        world.patient_id,
        start=date(2025, 8, 4),
        taken_on=(date(2025, 9, 2),),
        stopped_on=date(2025, 9, 3),
    )
    set_patient(runtime, world.patient_id, pregnant=True)
    inside = get_pregnancy_plan(runtime, world.clinician, world.patient_id)  # 2026-03-02 <= 03-02
    clock.advance(days=1)
    after = get_pregnancy_plan(runtime, world.clinician, world.patient_id)
    assert inside.contraception_until == date(2026, 3, 2)
    assert "finding.pregnant-on-treatment" in [f.code for f in inside.findings]
    assert "finding.pregnant-on-treatment" not in [f.code for f in after.findings]


def test_the_contraception_rule_does_not_apply_to_someone_who_cannot_become_pregnant(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=date(2026, 1, 5), taken_on=(date(2026, 1, 5),))
    set_patient(runtime, world.patient_id, can_become_pregnant=False, sex="male")
    plan = get_pregnancy_plan(runtime, world.patient, world.patient_id)
    assert not plan.applies and plan.contraception_until is None and plan.findings == ()
    assert len(plan.guidance) == 1  # pregnancy.males: the 6-month rule is not for men


def test_before_the_first_dose_there_is_guidance_but_no_window_yet(runtime):
    world = build_world(runtime, start_on=TODAY + timedelta(days=30))
    plan = get_pregnancy_plan(runtime, world.caregiver, world.patient_id)
    assert plan.applies and plan.last_dose_on is None and plan.contraception_until is None
    assert plan.findings == () and len(plan.guidance) == 3


def test_reading_the_pregnancy_plan_leaves_an_audit_entry(runtime):
    world = build_world(runtime)
    get_pregnancy_plan(runtime, world.patient, world.patient_id)
    with runtime.database.reading() as session:
        actions = set(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.patient_id == world.patient_id)
            )
        )
    assert "pregnancy-plan.read" in actions
