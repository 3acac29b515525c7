"""Flags on a plan: possible duplicate (DOSE-5), overdue (DOSE-6), long interruption (DOSE-7).

Thresholds come from the knowledge base by id, so these tests follow the data: each checks the
case on each side of the threshold the knowledge base states.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from ofacare.knowledge import default_knowledge
from ofacare.regimen import IntervalMode, Plan, compute_plan
from ofacare.regimen.flag import Flag, FlagLevel

D = date
KB = default_knowledge()
DUPLICATE_GAP = KB.whole_number("dosing.possible-duplicate-gap", "day")
ESCALATION = KB.whole_number("dosing.late-reminder-escalation", "day")
CARE_TEAM_ALERT = KB.whole_number("dosing.late-care-team-alert", "day")

START = D(2026, 1, 5)
ON_TIME_LOADING = [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 19)]
ON_TIME_TO_DOSE_4 = [*ON_TIME_LOADING, D(2026, 2, 2)]  # dose 5 due 2 March 2026


def plan(
    taken: Sequence[date],
    as_of: date,
    *,
    start: date = START,
    interval: IntervalMode = IntervalMode.MONTHLY,
) -> Plan:
    return compute_plan(start, list(taken), as_of, count=8, interval=interval)


def flags_with(result: Plan, code: str) -> list[Flag]:
    return [flag for flag in result.flags if flag.code == code]


# --- Possible duplicate (DOSE-5; ofacare design "duplicate-entry check") ------------------------


def test_the_duplicate_threshold_is_five_days_ofacare_design_duplicate_entry_check() -> None:
    assert DUPLICATE_GAP == 5


def test_doses_recorded_just_under_the_duplicate_gap_apart_are_flagged_dose_5() -> None:
    second = START + timedelta(days=DUPLICATE_GAP - 1)
    (flag,) = flags_with(plan([START, second], second), "regimen.possible-duplicate")
    assert (flag.level, flag.dose_number, flag.days) == (FlagLevel.CAUTION, 2, DUPLICATE_GAP - 1)
    assert KB.statement("dosing.possible-duplicate-gap") in flag.message
    assert START.isoformat() in flag.message and second.isoformat() in flag.message
    assert flag.fact_ids == ("dosing.possible-duplicate-gap",)


def test_doses_recorded_exactly_the_duplicate_gap_apart_are_not_flagged_dose_5() -> None:
    second = START + timedelta(days=DUPLICATE_GAP)
    assert plan([START, second], second).flags == ()


def test_a_possible_duplicate_is_flagged_not_rejected_and_counts_as_a_dose() -> None:
    taken = [*ON_TIME_LOADING, D(2026, 1, 21)]
    result = plan(taken, D(2026, 1, 21))
    assert [f.dose_number for f in flags_with(result, "regimen.possible-duplicate")] == [4]
    assert result.doses[3].taken_on == D(2026, 1, 21)
    assert result.next_dose.number == 5


def test_on_time_doses_raise_no_flag() -> None:
    assert plan(ON_TIME_TO_DOSE_4, D(2026, 2, 2)).flags == ()


# --- Overdue levels (DOSE-6: reminder at due date, escalation at +3, care team at +7) -----------


def test_the_escalation_thresholds_are_3_and_7_days_msgo_adherence_ofacare_design_dose_6() -> None:
    assert (ESCALATION, CARE_TEAM_ALERT) == (3, 7)


@pytest.mark.parametrize(
    ("late", "level"),
    [
        (1, FlagLevel.INFO),
        (ESCALATION - 1, FlagLevel.INFO),
        (ESCALATION, FlagLevel.CAUTION),
        (CARE_TEAM_ALERT - 1, FlagLevel.CAUTION),
        (CARE_TEAM_ALERT, FlagLevel.REFER),
        (60, FlagLevel.REFER),
    ],
)
def test_an_overdue_first_dose_escalates_with_days_late_dose_6(late: int, level: FlagLevel) -> None:
    result = plan([], START + timedelta(days=late))
    (flag,) = result.flags
    assert (flag.code, flag.level, flag.dose_number, flag.days) == (
        "regimen.dose-overdue",
        level,
        1,
        late,
    )
    assert KB.statement("dosing.missed-dose") in flag.message
    assert START.isoformat() in flag.message


def test_a_first_dose_never_given_is_a_late_start_not_a_long_interruption_dose_7() -> None:
    result = plan([], START + timedelta(days=90))
    assert [f.code for f in result.flags] == ["regimen.dose-overdue"]


@pytest.mark.parametrize(
    ("late", "level"),
    [
        (ESCALATION - 1, FlagLevel.INFO),
        (ESCALATION, FlagLevel.CAUTION),
        (CARE_TEAM_ALERT - 1, FlagLevel.CAUTION),
        (CARE_TEAM_ALERT, FlagLevel.REFER),
    ],
)
def test_an_overdue_maintenance_dose_escalates_with_days_late_dose_6(
    late: int, level: FlagLevel
) -> None:
    result = plan(ON_TIME_TO_DOSE_4, D(2026, 3, 2) + timedelta(days=late))
    (flag,) = result.flags
    assert (flag.code, flag.level, flag.dose_number) == ("regimen.dose-overdue", level, 5)


def test_a_refer_level_overdue_flag_tells_the_person_to_call_the_care_team_dose_6() -> None:
    (flag,) = plan([], START + timedelta(days=CARE_TEAM_ALERT)).flags
    assert KB.statement("dosing.late-care-team-alert") in flag.message
    assert "dosing.late-care-team-alert" in flag.fact_ids


def test_a_dose_due_today_is_not_flagged_as_overdue() -> None:
    assert plan(ON_TIME_TO_DOSE_4, D(2026, 3, 2)).flags == ()


def test_a_late_dose_once_taken_is_no_longer_overdue() -> None:
    result = plan([*ON_TIME_TO_DOSE_4, D(2026, 3, 20)], D(2026, 3, 20))
    assert result.flags == ()


# --- Long interruption (DOSE-7: gap > 1 maintenance interval -> route to prescriber) -------------


def test_a_dose_taken_more_than_one_month_past_due_is_a_long_interruption_dose_7() -> None:
    taken = [*ON_TIME_TO_DOSE_4, D(2026, 4, 3)]  # due 2 March; one month later is 2 April
    (flag,) = plan(taken, D(2026, 4, 3)).flags
    assert (flag.code, flag.level, flag.dose_number, flag.days) == (
        "regimen.long-interruption",
        FlagLevel.INFO,
        5,
        32,
    )
    assert KB.statement("dosing.long-interruption") in flag.message
    assert "2026-04-03" in flag.message and "2026-03-02" in flag.message


def test_a_dose_taken_exactly_one_month_past_due_is_not_a_long_interruption_dose_7() -> None:
    taken = [*ON_TIME_TO_DOSE_4, D(2026, 4, 2)]
    assert plan(taken, D(2026, 4, 2)).flags == ()


def test_an_untaken_dose_more_than_one_month_past_due_is_referred_dose_7() -> None:
    (flag,) = plan(ON_TIME_TO_DOSE_4, D(2026, 4, 3)).flags
    assert (flag.code, flag.level, flag.dose_number) == (
        "regimen.long-interruption",
        FlagLevel.REFER,
        5,
    )
    assert KB.statement("dosing.long-interruption") in flag.message
    assert "dosing.long-interruption" in flag.fact_ids


def test_an_untaken_dose_exactly_one_month_past_due_is_overdue_not_interrupted_dose_7() -> None:
    (flag,) = plan(ON_TIME_TO_DOSE_4, D(2026, 4, 2)).flags
    assert (flag.code, flag.level) == ("regimen.dose-overdue", FlagLevel.REFER)


def test_one_month_is_a_calendar_month_from_a_31st_ofacare_design_dose_4_dose_7() -> None:
    # Dose 4 due 31 January 2026; one calendar month later is 28 February.
    loading = [D(2026, 1, 3), D(2026, 1, 10), D(2026, 1, 17)]
    on_boundary = plan(loading, D(2026, 2, 28), start=D(2026, 1, 3))
    past_boundary = plan(loading, D(2026, 3, 1), start=D(2026, 1, 3))
    assert [f.code for f in on_boundary.flags] == ["regimen.dose-overdue"]
    assert [f.code for f in past_boundary.flags] == ["regimen.long-interruption"]


def test_a_long_gap_in_the_loading_phase_is_a_long_interruption_dose_7() -> None:
    # Dose 2 due 12 January 2026.
    assert [f.code for f in plan([START], D(2026, 2, 12)).flags] == ["regimen.dose-overdue"]
    assert [f.code for f in plan([START], D(2026, 2, 13)).flags] == ["regimen.long-interruption"]


@pytest.mark.parametrize(("taken_on", "flagged"), [(D(2026, 3, 30), False), (D(2026, 3, 31), True)])
def test_in_4_weekly_mode_a_long_interruption_is_more_than_28_days_late_conf_12_dose_7(
    taken_on: date, flagged: bool
) -> None:
    taken = [*ON_TIME_TO_DOSE_4, taken_on]  # dose 5 due 2 March in both modes
    result = plan(taken, taken_on, interval=IntervalMode.FOUR_WEEKLY)
    assert bool(flags_with(result, "regimen.long-interruption")) is flagged


def test_a_long_interruption_never_restarts_loading_dose_7() -> None:
    taken = [*ON_TIME_TO_DOSE_4, D(2026, 6, 10)]  # dose 5 three months late
    result = plan(taken, D(2026, 6, 10))
    assert [f.code for f in result.flags] == ["regimen.long-interruption"]
    after = result.doses[5:8]
    assert [d.due_on for d in after] == [D(2026, 7, 10), D(2026, 8, 10), D(2026, 9, 10)]
    assert {d.phase.value for d in after} == {"maintenance"}


def test_a_long_gap_in_the_loading_phase_keeps_counting_loading_doses_dose_7() -> None:
    result = plan([START, D(2026, 3, 16)], D(2026, 3, 16))  # dose 2 two months late
    assert [d.due_on for d in result.doses[2:4]] == [D(2026, 3, 23), D(2026, 4, 6)]
    assert [d.phase.value for d in result.doses[:4]] == ["loading"] * 3 + ["maintenance"]


# --- Order -------------------------------------------------------------------------------------


def test_flags_are_listed_most_serious_first() -> None:
    taken = [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 14)]  # dose 3 two days after dose 2
    result = plan(taken, D(2026, 2, 20))  # dose 4 due 28 January, 23 days late
    assert [(f.code, f.level) for f in result.flags] == [
        ("regimen.dose-overdue", FlagLevel.REFER),
        ("regimen.possible-duplicate", FlagLevel.CAUTION),
    ]
