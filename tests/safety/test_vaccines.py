"""Vaccines around treatment (clinical-rules.md VAX-1..4): lead times before the start, and live
versus non-live vaccines on treatment and before B-cell recovery."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ofacare.errors import InvalidInput
from ofacare.knowledge import default_knowledge
from ofacare.safety.finding import Finding, Severity
from ofacare.safety.vaccines import check_vaccine

D = date
KB = default_knowledge()
RECOVERY_WEEKS = KB.number("efficacy.b-cell-repletion-median", "week")
START = D(2026, 12, 8)
LAST_DOSE = D(2027, 1, 1)


def one(findings: list[Finding]) -> Finding:
    (finding,) = findings
    return finding


def test_the_median_b_cell_recovery_is_24_6_weeks_vax_3_dose_7() -> None:
    assert RECOVERY_WEEKS == 24.6


# --- Before the start (VAX-1, VAX-2) ----------------------------------------------------------------


def test_a_live_vaccine_27_days_before_the_start_waits_until_28_days_after_it_vax_1() -> None:
    given = START - timedelta(days=27)
    finding = one(check_vaccine("MMR", live=True, given_on=given, start_on=START))
    assert finding.code == "finding.live-vaccine-too-recent"
    assert finding.severity is Severity.WAIT
    assert finding.until == given + timedelta(days=28)
    assert "4 weeks" in finding.clinician_message


def test_a_live_vaccine_28_days_before_the_start_is_in_time_vax_1() -> None:
    finding = one(
        check_vaccine("MMR", live=True, given_on=START - timedelta(days=28), start_on=START)
    )
    assert finding.code == "finding.vaccine-in-time"
    assert finding.severity is Severity.INFO
    assert finding.until is None


def test_a_non_live_vaccine_13_days_before_the_start_waits_until_14_days_after_it_vax_2() -> None:
    given = START - timedelta(days=13)
    finding = one(check_vaccine("flu", live=False, given_on=given, start_on=START))
    assert finding.code == "finding.non-live-vaccine-too-recent"
    assert finding.severity is Severity.WAIT
    assert finding.until == given + timedelta(days=14)
    assert "2 weeks" in finding.clinician_message


def test_a_non_live_vaccine_14_days_before_the_start_is_in_time_vax_2() -> None:
    finding = one(
        check_vaccine("flu", live=False, given_on=START - timedelta(days=14), start_on=START)
    )
    assert finding.code == "finding.vaccine-in-time"


def test_a_vaccine_before_the_start_uses_the_lead_time_even_with_a_last_dose_given_vax_1() -> None:
    # A restart: previous course ended, new start planned after the vaccine.
    given = START - timedelta(days=10)
    findings = check_vaccine(
        "MMR", live=True, given_on=given, last_dose_on=D(2026, 1, 1), start_on=START
    )
    assert one(findings).code == "finding.live-vaccine-too-recent"


def test_a_live_vaccine_after_the_start_is_on_treatment_not_a_lead_time_vax_3() -> None:
    finding = one(
        check_vaccine("MMR", live=True, given_on=START + timedelta(days=30), start_on=START)
    )
    assert finding.code == "finding.live-vaccine-on-treatment"
    assert finding.severity is Severity.REFER


# --- On treatment (VAX-3, VAX-4) ----------------------------------------------------------------------


@pytest.mark.parametrize("days_since", [0, 28, 172])  # 172 days = 24.57 weeks
def test_a_live_vaccine_before_the_median_b_cell_recovery_is_not_recommended_vax_3(
    days_since: int,
) -> None:
    given = LAST_DOSE + timedelta(days=days_since)
    finding = one(check_vaccine("MMR", live=True, given_on=given, last_dose_on=LAST_DOSE))
    assert finding.code == "finding.live-vaccine-on-treatment"
    assert finding.severity is Severity.REFER
    assert "24.6" in finding.patient_message
    assert "24.6" in finding.clinician_message
    assert "MMR" in finding.patient_message


def test_a_live_vaccine_after_the_median_recovery_asks_to_confirm_b_cell_recovery_vax_3() -> None:
    given = LAST_DOSE + timedelta(days=173)  # 24.71 weeks
    finding = one(check_vaccine("MMR", live=True, given_on=given, last_dose_on=LAST_DOSE))
    assert finding.code == "finding.live-vaccine-after-recovery"
    assert finding.severity is Severity.CAUTION
    assert "confirm" in finding.clinician_message
    assert "24.7 weeks" in finding.clinician_message
    assert LAST_DOSE.isoformat() in finding.patient_message


@pytest.mark.parametrize("days_since", [0, 14, 400])
def test_a_non_live_vaccine_on_treatment_is_allowed_and_may_work_less_well_vax_4(
    days_since: int,
) -> None:
    given = LAST_DOSE + timedelta(days=days_since)
    finding = one(check_vaccine("flu", live=False, given_on=given, last_dose_on=LAST_DOSE))
    assert finding.code == "finding.non-live-vaccine-on-treatment"
    assert finding.severity is Severity.INFO
    assert "less strongly" in finding.patient_message
    assert "reduced" in finding.clinician_message


# --- Bad input --------------------------------------------------------------------------------------


def test_no_start_and_no_last_dose_is_invalid_input_naming_both_options() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_vaccine("MMR", live=True, given_on=START)
    assert raised.value.code == "input.vaccine-no-context"
    assert "--last-dose" in raised.value.message and "--start" in raised.value.message


def test_a_last_dose_after_the_vaccine_is_invalid_input_quoting_both_dates() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_vaccine("MMR", live=True, given_on=D(2027, 1, 1), last_dose_on=D(2027, 2, 1))
    assert raised.value.code == "input.vaccine-dose-after-vaccine"
    assert "'2027-02-01'" in raised.value.message
    assert "2027-01-01" in raised.value.message


def test_an_empty_vaccine_name_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_vaccine("  ", live=True, given_on=START, last_dose_on=LAST_DOSE)
    assert "--name" in raised.value.message
