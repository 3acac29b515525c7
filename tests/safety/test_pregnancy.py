"""Contraception and pregnancy around treatment (clinical-rules.md REPRO-1/2, VAX-5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ofacare.knowledge import default_knowledge
from ofacare.safety.finding import Severity
from ofacare.safety.pregnancy import check_pregnancy_plan, compute_contraception_until

D = date
KB = default_knowledge()
LAST_DOSE = D(2027, 1, 15)
UNTIL = D(2027, 7, 15)


def test_contraception_runs_6_months_past_the_last_dose_repro_1() -> None:
    assert KB.whole_number("pregnancy.contraception", "month") == 6


@pytest.mark.parametrize(
    ("last_dose", "until"),
    [
        (D(2027, 1, 15), D(2027, 7, 15)),
        (D(2027, 8, 31), D(2028, 2, 29)),  # leap year
        (D(2026, 8, 31), D(2027, 2, 28)),
        (D(2027, 3, 31), D(2027, 9, 30)),
        (D(2027, 12, 31), D(2028, 6, 30)),
    ],
)
def test_contraception_until_handles_month_ends_repro_1(last_dose: date, until: date) -> None:
    assert compute_contraception_until(last_dose, kb=KB) == until


def test_not_pregnant_gives_only_the_contraception_date_repro_1() -> None:
    (finding,) = check_pregnancy_plan(LAST_DOSE, as_of=D(2027, 2, 1))
    assert finding.code == "finding.contraception-until"
    assert finding.severity is Severity.INFO
    assert finding.until == UNTIL
    assert UNTIL.isoformat() in finding.title
    assert LAST_DOSE.isoformat() in finding.patient_message


def test_the_leap_day_shows_in_the_contraception_finding_repro_1() -> None:
    (finding,) = check_pregnancy_plan(D(2027, 8, 31), as_of=D(2027, 9, 1))
    assert finding.until == D(2028, 2, 29)
    assert "2028-02-29" in finding.patient_message


@pytest.mark.parametrize("as_of", [LAST_DOSE, D(2027, 4, 1), UNTIL])
def test_pregnant_within_the_window_refers_and_warns_about_the_babys_live_vaccines_repro_2_vax_5(
    as_of: date,
) -> None:
    findings = check_pregnancy_plan(LAST_DOSE, pregnant=True, as_of=as_of)
    assert [f.code for f in findings] == [
        "finding.pregnant-on-treatment",
        "finding.infant-live-vaccines",
        "finding.contraception-until",
    ]
    referral, infant, _ = findings
    assert referral.severity is Severity.REFER
    assert ("refer", "neurology") in [(a.kind, a.target) for a in referral.actions]
    assert "today" in referral.patient_message
    assert infant.severity is Severity.INFO
    assert "live vaccines" in infant.patient_message
    assert "B-cell recovery" in infant.clinician_message


def test_pregnant_the_day_after_the_window_gets_only_the_contraception_info_repro_2() -> None:
    findings = check_pregnancy_plan(LAST_DOSE, pregnant=True, as_of=UNTIL + timedelta(days=1))
    assert [f.code for f in findings] == ["finding.contraception-until"]
