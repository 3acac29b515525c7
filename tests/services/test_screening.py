"""The pre-treatment checklist built from the records (PRE-1/2/6, CI-2, VAX-1) and the on-treatment
checks (WARN-5, WARN-6, CI-3). Sources: clinical-rules.md."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ofacare.errors import InvalidInput, NotAllowed
from ofacare.records.tables import Allergy, AuditEntry, Patient
from ofacare.services.labs import LabForm, record_lab
from ofacare.services.planning import VaccinationForm, record_vaccination
from ofacare.services.screening import (
    ScreeningItems,
    current_findings,
    get_checklist,
    get_monitoring,
    record_screening_items,
)
from tests.people import build_world
from tests.services.test_planning import TODAY, prescribe, set_patient

START = TODAY + timedelta(days=10)


def add_lab(runtime, world, **fields: object) -> None:  # type: ignore[no-untyped-def]
    form = LabForm.model_validate({"collected_on": TODAY - timedelta(days=2), **fields})
    record_lab(runtime, world.clinician, world.patient_id, form, idempotency_key=None)


def complete_screening(runtime, world) -> None:  # type: ignore[no-untyped-def]
    add_lab(runtime, world, test="HBsAg", result="negative")
    add_lab(runtime, world, test="anti-HBc", result="negative")
    add_lab(runtime, world, test="IgG", value=10.1, unit="g/L")
    add_lab(runtime, world, test="IgM", value=1.1, unit="g/L")
    add_lab(runtime, world, test="pregnancy", result="negative", collected_on=TODAY)


def items(**changes: object) -> ScreeningItems:
    base = {
        "ms_type": "RRMS",
        "planned_start_on": START,
        "can_become_pregnant": True,
        "pregnant": False,
        "breastfeeding": False,
        "active_infection": False,
        "severely_immunocompromised": False,
        "active_malignancy": False,
        "immunosuppressants": [],
    }
    return ScreeningItems.model_validate({**base, **changes})


def test_a_complete_record_is_ready_to_start_on_the_planned_date(runtime):
    world = build_world(runtime, start_on=START)
    complete_screening(runtime, world)
    checklist = get_checklist(runtime, world.clinician, world.patient_id)
    assert checklist.result.readiness.value == "ready"
    assert checklist.result.earliest_start_on == START and checklist.start_from == "patient"
    assert checklist.result.missing == () and not checklist.on_treatment


def test_an_empty_record_waits_for_every_screening_test(runtime):
    """PRE-1, PRE-2, PRE-6: hepatitis B, immunoglobulins and a pregnancy test come first."""
    world = build_world(runtime, start_on=START)
    checklist = get_checklist(runtime, world.clinician, world.patient_id)
    assert checklist.result.readiness.value == "wait"
    assert set(checklist.result.missing) == {"HBsAg", "anti-HBc", "IgG", "IgM", "pregnancy"}


def test_a_positive_hbsag_on_record_means_do_not_start(runtime):
    """PRE-1, CI-1: active hepatitis B is a contraindication."""
    world = build_world(runtime, start_on=START)
    complete_screening(runtime, world)
    add_lab(runtime, world, test="HBsAg", result="positive", collected_on=TODAY)
    checklist = get_checklist(runtime, world.clinician, world.patient_id)
    assert checklist.result.readiness.value == "do_not_start"


def test_an_allergy_to_ofatumumab_on_record_means_do_not_start(runtime):
    """CI-2: hypersensitivity to ofatumumab; the allergy list is where the record keeps it."""
    world = build_world(runtime, start_on=START)
    complete_screening(runtime, world)
    with runtime.database.writing() as session:
        session.add(
            Allergy(
                patient_id=world.patient_id, substance="Kesimpta (ofatumumab)", recorded_on=TODAY
            )
        )
    checklist = get_checklist(runtime, world.clinician, world.patient_id)
    assert "finding.hypersensitivity" in [f.code for f in checklist.result.findings]
    assert checklist.result.readiness.value == "do_not_start"


def test_a_live_vaccine_on_record_moves_the_earliest_start(runtime):
    """VAX-1: a live vaccine at least 4 weeks before the first dose."""
    world = build_world(runtime, start_on=START)
    complete_screening(runtime, world)
    given = TODAY - timedelta(days=7)
    record_vaccination(
        runtime,
        world.clinician,
        world.patient_id,
        VaccinationForm(name="MMR", live=True, given_on=given),
        idempotency_key=None,
    )
    checklist = get_checklist(runtime, world.patient, world.patient_id)
    assert checklist.result.readiness.value == "wait"
    assert checklist.result.earliest_start_on == given + timedelta(weeks=4)


def test_the_start_comes_from_the_record_else_the_prescription_else_today(runtime):
    world = build_world(runtime)
    assert get_checklist(runtime, world.clinician, world.patient_id).start_from == "today"
    prescribe(runtime, world.patient_id, start=START)
    from_rx = get_checklist(runtime, world.clinician, world.patient_id)
    assert (from_rx.start_from, from_rx.planned_start_on) == ("prescription", START)
    set_patient(runtime, world.patient_id, planned_start_on=START + timedelta(days=5))
    assert get_checklist(runtime, world.clinician, world.patient_id).start_from == "patient"


def test_readers_get_the_wording_for_their_role_and_the_team_phone(runtime):
    world = build_world(runtime, start_on=START)
    assert get_checklist(runtime, world.caregiver, world.patient_id).audience.value == "patient"
    clinician = get_checklist(runtime, world.clinician, world.patient_id)
    assert clinician.audience.value == "clinician"
    assert clinician.call.phone == "+44 161 555 0100"


def test_a_clinician_records_the_profile_items_and_sees_the_new_checklist(runtime):
    world = build_world(runtime)
    complete_screening(runtime, world)
    checklist = record_screening_items(
        runtime,
        world.clinician,
        world.patient_id,
        items(active_infection=True, immunosuppressants=["fingolimod"]),
    )
    assert checklist.planned_start_on == START
    codes = [f.code for f in checklist.result.findings]
    assert "finding.active-infection" in codes and "finding.other-immunosuppressants" in codes
    with runtime.database.reading() as session:
        patient = session.get(Patient, world.patient_id)
        assert patient.active_infection and patient.immunosuppressants == ["fingolimod"]


def test_a_planned_start_before_the_birth_date_is_refused_naming_the_field(runtime):
    world = build_world(runtime)  # born 1990-05-17
    with pytest.raises(InvalidInput) as raised:
        record_screening_items(
            runtime, world.clinician, world.patient_id, items(planned_start_on=date(1990, 5, 16))
        )
    assert raised.value.message.startswith("planned_start_on: '1990-05-16'")


def test_patients_and_caregivers_may_read_but_not_record_the_profile_items(runtime):
    world = build_world(runtime)
    for actor in (world.patient, world.caregiver):
        with pytest.raises(NotAllowed):
            record_screening_items(runtime, actor, world.patient_id, items())


def test_every_checklist_read_leaves_an_audit_entry(runtime):
    world = build_world(runtime, start_on=START)
    get_checklist(runtime, world.patient, world.patient_id)
    get_monitoring(runtime, world.patient, world.patient_id)
    with runtime.database.reading() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.user_id == world.patient.user_id)
            )
        )
    assert actions == ["checklist.read", "monitor.read"]


# --- On treatment ---------------------------------------------------------------------------------


def test_igg_below_the_laboratory_range_on_treatment_is_referred_and_at_the_limit_is_not(runtime):
    """WARN-5: immunoglobulins below the lower limit of normal during treatment."""
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=date(2026, 1, 5), taken_on=(date(2026, 1, 5),))
    add_lab(runtime, world, test="IgG", value=7.0, unit="g/L", reference_low=7.0, reference_high=16)
    at_limit = get_monitoring(runtime, world.clinician, world.patient_id)
    add_lab(
        runtime, world, test="IgG", value=6.9, unit="g/L", reference_low=7.0, collected_on=TODAY
    )
    below = get_monitoring(runtime, world.clinician, world.patient_id)
    assert at_limit.findings == ()
    assert [f.code for f in below.findings] == ["finding.ig-low-on-treatment"]


def test_an_active_infection_holds_the_next_dose_of_an_active_course(runtime):
    """CI-3, TRIAGE-4: the dose due during an active infection waits until it resolves."""
    world = build_world(runtime)
    set_patient(runtime, world.patient_id, active_infection=True)
    assert get_monitoring(runtime, world.clinician, world.patient_id).findings == ()
    prescribe(
        runtime,
        world.patient_id,
        start=date(2026, 2, 16),
        taken_on=(date(2026, 2, 16), date(2026, 2, 23)),
    )
    monitoring = get_monitoring(runtime, world.clinician, world.patient_id)
    assert monitoring.last_dose_on == date(2026, 2, 23)
    assert monitoring.next_dose_on == date(2026, 3, 2)
    assert [f.code for f in monitoring.findings] == ["finding.hold-dose-infection"]


@pytest.mark.parametrize(
    ("alt", "expected"), [(120.0, []), (121.0, ["finding.liver-injury-signal"])]
)
def test_alt_above_three_times_the_upper_limit_with_bilirubin_above_twice_refers(
    runtime, alt, expected
):
    """WARN-6: ALT > 3x ULN with bilirubin > 2x ULN (upper limits 40 U/L and 1.2 mg/dL here)."""
    world = build_world(runtime)
    add_lab(runtime, world, test="ALT", value=alt, unit="U/L", reference_high=40)
    add_lab(runtime, world, test="bilirubin", value=2.5, unit="mg/dL", reference_high=1.2)
    assert [
        f.code for f in get_monitoring(runtime, world.clinician, world.patient_id).findings
    ] == expected


# --- The findings that hold today (exported with the chart) ---------------------------------------


def test_before_the_first_dose_the_current_findings_are_the_checklists_without_info(runtime):
    world = build_world(runtime, start_on=START)
    add_lab(runtime, world, test="HBsAg", result="negative")
    add_lab(runtime, world, test="anti-HBc", result="negative")  # finding.hbv-clear is info
    with runtime.database.reading() as session:
        found = current_findings(session, runtime, session.get(Patient, world.patient_id))
    codes = [f.code for f in found]
    assert "finding.hbv-clear" not in codes
    assert codes == ["finding.ig-missing", "finding.pregnancy-test-needed"]


def test_on_treatment_the_current_findings_are_the_monitoring_ones_each_code_once(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=date(2026, 1, 5), taken_on=(date(2026, 1, 5),))
    add_lab(runtime, world, test="IgG", value=5.0, unit="g/L", reference_low=7.0)
    add_lab(runtime, world, test="IgM", value=0.2, unit="g/L", reference_low=0.4)
    with runtime.database.reading() as session:
        found = current_findings(session, runtime, session.get(Patient, world.patient_id))
    assert [f.code for f in found] == ["finding.ig-low-on-treatment"]
