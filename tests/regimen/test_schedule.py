"""Example tests for the regimen rules (issue 2, section 2; clinical-rules.md DOSE-1..DOSE-7).

Each test names the source of the rule it checks: US-PI §2.2 and EU-SmPC §4.2 (weeks 0, 1, 2,
monthly from week 4), EU-PIL §3 (count later doses from the day a late dose was given), CONF-1,
CONF-2, CONF-7 and CONF-12 (the conflicts resolved in favour of the labels), and the ofacare design
decisions DOSE-4 (same calendar day each month) and DOSE-5 (loading-phase inference).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from ofacare.errors import InvalidInput
from ofacare.regimen import DoseStatus, IntervalMode, Phase, Plan, compute_plan
from ofacare.regimen.schedule import EARLIEST_DATE, LATEST_DATE, MAX_COUNT, add_months

D = date


def plan(
    start: date,
    taken: Sequence[date] = (),
    as_of: date | None = None,
    *,
    count: int = 12,
    interval: IntervalMode = IntervalMode.MONTHLY,
) -> Plan:
    return compute_plan(start, list(taken), as_of or start, count=count, interval=interval)


def dues(result: Plan) -> list[date]:
    return [dose.due_on for dose in result.doses]


def statuses(result: Plan) -> list[str]:
    return [dose.status.value for dose in result.doses]


# Start on Monday 5 January 2026; on-time doses in weeks 0, 1, 2 and 4.
START = D(2026, 1, 5)
ON_TIME_LOADING = [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 19)]


# --- Loading phase: weeks 0, 1 and 2 (DOSE-1, CONF-1) ------------------------------------------


def test_first_dose_is_due_on_the_start_date_us_pi_2_2() -> None:
    assert plan(START).doses[0].due_on == START


def test_second_loading_dose_is_one_week_after_the_first_dose_us_pi_2_2() -> None:
    assert plan(START, [START]).doses[1].due_on == D(2026, 1, 12)


def test_third_loading_dose_is_one_week_after_the_second_dose_us_pi_2_2() -> None:
    assert plan(START, ON_TIME_LOADING[:2], D(2026, 1, 12)).doses[2].due_on == D(2026, 1, 19)


def test_loading_is_counted_in_weeks_from_day_0_not_trial_days_1_7_14_conf_1() -> None:
    assert dues(plan(START, count=3)) == [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 19)]


def test_first_monthly_dose_is_two_weeks_after_the_third_dose_in_week_4_us_pi_2_2_conf_2() -> None:
    fourth = plan(START, ON_TIME_LOADING, D(2026, 1, 19)).doses[3]
    assert fourth.due_on == D(2026, 2, 2)
    assert (fourth.due_on - START).days == 28  # week 4, not week 5 as seed 000 says (CONF-2)


def test_no_dose_falls_in_week_3_us_mg_eu_pil_3_dose_2() -> None:
    week_3 = {START.toordinal() + day for day in range(21, 28)}
    assert not any(due.toordinal() in week_3 for due in dues(plan(START, count=6)))


def test_phase_is_loading_for_doses_1_to_3_and_maintenance_from_dose_4_us_pi_2_2() -> None:
    phases = [dose.phase for dose in plan(START, count=6).doses]
    assert phases == [Phase.LOADING] * 3 + [Phase.MAINTENANCE] * 3


def test_every_dose_is_20_mg_from_the_knowledge_base_us_pi_2_2_dose_1() -> None:
    assert plan(START).dose_mg == 20


# --- Late and early loading doses (DOSE-5, CONF-7) ---------------------------------------------


def test_late_loading_dose_moves_the_following_doses_eu_pil_3_dose_5() -> None:
    result = plan(START, [D(2026, 1, 5), D(2026, 1, 15)], D(2026, 1, 16), count=5)
    assert dues(result)[2:] == [D(2026, 1, 22), D(2026, 2, 5), D(2026, 3, 5)]


def test_early_loading_dose_moves_the_following_doses_eu_pil_3_dose_5() -> None:
    result = plan(START, [D(2026, 1, 5), D(2026, 1, 11)], D(2026, 1, 11), count=4)
    assert dues(result)[2:] == [D(2026, 1, 18), D(2026, 2, 1)]


def test_late_third_loading_dose_moves_the_first_monthly_dose_ofacare_design_dose_5() -> None:
    taken = [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 22)]
    assert dues(plan(START, taken, D(2026, 1, 22), count=5))[3:] == [D(2026, 2, 5), D(2026, 3, 5)]


def test_plan_matches_the_issue_contract_example_for_ofacare_plan() -> None:
    result = plan(START, [D(2026, 1, 5), D(2026, 1, 15)], D(2026, 1, 16), count=4)
    rows = [
        (d.number, d.phase.value, d.due_on.isoformat(), d.taken_on, d.status.value)
        for d in result.doses
    ]
    assert rows == [
        (1, "loading", "2026-01-05", D(2026, 1, 5), "taken"),
        (2, "loading", "2026-01-12", D(2026, 1, 15), "taken"),
        (3, "loading", "2026-01-22", None, "planned"),
        (4, "maintenance", "2026-02-05", None, "planned"),
    ]
    assert (result.start_on, result.as_of, result.interval) == (START, D(2026, 1, 16), "monthly")


# --- Monthly doses on the same day of the month (DOSE-3, DOSE-4, CONF-12) -----------------------


def test_monthly_doses_fall_on_the_same_day_of_the_month_ofacare_design_dose_4() -> None:
    assert dues(plan(START, count=7))[3:] == [
        D(2026, 2, 2),
        D(2026, 3, 2),
        D(2026, 4, 2),
        D(2026, 5, 2),
    ]


def test_anchor_31_uses_the_last_day_of_shorter_months_ofacare_design_dose_4() -> None:
    # Start 3 January: the first monthly dose (week 4) is on 31 January.
    result = plan(D(2026, 1, 3), count=9)
    assert dues(result)[3:] == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
        D(2026, 5, 31),
        D(2026, 6, 30),
    ]


def test_anchor_stays_31_while_doses_are_taken_on_their_due_days_ofacare_design_dose_4() -> None:
    taken = [D(2026, 1, 3), D(2026, 1, 10), D(2026, 1, 17), D(2026, 1, 31), D(2026, 2, 28)]
    result = plan(D(2026, 1, 3), taken, D(2026, 2, 28), count=8)
    assert dues(result)[5:] == [D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31)]


def test_a_dose_taken_on_another_day_becomes_the_new_anchor_ofacare_design_dose_4() -> None:
    taken = [D(2026, 1, 3), D(2026, 1, 10), D(2026, 1, 17), D(2026, 1, 31), D(2026, 3, 1)]
    result = plan(D(2026, 1, 3), taken, D(2026, 3, 1), count=8)
    assert dues(result)[5:] == [D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1)]


def test_first_monthly_dose_is_the_anchor_even_when_taken_late_ofacare_design_dose_4() -> None:
    taken = [*ON_TIME_LOADING, D(2026, 2, 4)]  # due 2 February
    assert dues(plan(START, taken, D(2026, 2, 4), count=6))[4:] == [D(2026, 3, 4), D(2026, 4, 4)]


def test_anchor_31_reaches_29_february_in_a_leap_year_ofacare_design_dose_4() -> None:
    result = plan(D(2028, 1, 3), count=7)
    assert dues(result)[3:] == [D(2028, 1, 31), D(2028, 2, 29), D(2028, 3, 31), D(2028, 4, 30)]


def test_anchor_29_february_falls_on_28_february_a_year_later_ofacare_design_dose_4() -> None:
    result = plan(D(2028, 2, 1), count=16)
    assert result.doses[3].due_on == D(2028, 2, 29)
    assert result.doses[4].due_on == D(2028, 3, 29)
    assert result.doses[15].due_on == D(2029, 2, 28)


def test_add_months_keeps_the_anchor_day_or_the_last_day_of_the_month() -> None:
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 1, 31), 2) == D(2026, 3, 31)
    assert add_months(D(2028, 1, 30), 1) == D(2028, 2, 29)
    assert add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)


# --- Late and early maintenance doses (DOSE-5, CONF-7) -----------------------------------------


def test_late_maintenance_dose_moves_the_following_doses_eu_pil_3_dose_5() -> None:
    taken = [*ON_TIME_LOADING, D(2026, 2, 2), D(2026, 3, 9)]  # dose 5 due 2 March
    assert dues(plan(START, taken, D(2026, 3, 9), count=7))[5:] == [D(2026, 4, 9), D(2026, 5, 9)]


def test_early_maintenance_dose_moves_the_following_doses_eu_pil_3_dose_5() -> None:
    taken = [*ON_TIME_LOADING, D(2026, 2, 2), D(2026, 2, 27)]  # dose 5 due 2 March
    assert dues(plan(START, taken, D(2026, 2, 27), count=7))[5:] == [D(2026, 3, 27), D(2026, 4, 27)]


def test_a_dose_one_day_off_its_due_day_already_moves_the_next_one_eu_pil_3_dose_5() -> None:
    on_day = plan(START, [*ON_TIME_LOADING, D(2026, 2, 2)], D(2026, 2, 2), count=5)
    off_day = plan(START, [*ON_TIME_LOADING, D(2026, 2, 3)], D(2026, 2, 3), count=5)
    assert (on_day.doses[4].due_on, off_day.doses[4].due_on) == (D(2026, 3, 2), D(2026, 3, 3))


# --- Status: taken, overdue, due, planned (issue 2 section 2; DOSE-5) ---------------------------


def test_first_dose_not_taken_by_the_as_of_date_is_overdue_and_projected_from_it_us_pi_2_2() -> (
    None
):
    result = plan(START, [], D(2026, 1, 8), count=4)
    assert statuses(result) == ["overdue", "planned", "planned", "planned"]
    assert dues(result) == [START, D(2026, 1, 15), D(2026, 1, 22), D(2026, 2, 5)]
    assert result.overdue_dose == result.doses[0]
    assert result.doses[0].days_from(D(2026, 1, 8)) == -3


def test_only_the_first_untaken_past_due_dose_is_overdue_us_pi_2_2_missed_doses() -> None:
    result = plan(START, [START], D(2026, 3, 1), count=5)
    assert statuses(result) == ["taken", "overdue", "planned", "planned", "planned"]
    # Later doses are projected as if dose 2 were given on the as-of date.
    assert dues(result)[1:] == [D(2026, 1, 12), D(2026, 3, 8), D(2026, 3, 22), D(2026, 4, 22)]


def test_overdue_maintenance_dose_becomes_the_anchor_on_the_as_of_date_eu_pil_3() -> None:
    taken = [*ON_TIME_LOADING, D(2026, 2, 2)]  # dose 5 due 2 March, not taken by 10 March
    result = plan(START, taken, D(2026, 3, 10), count=7)
    assert statuses(result)[4:] == ["overdue", "planned", "planned"]
    assert dues(result)[4:] == [D(2026, 3, 2), D(2026, 4, 10), D(2026, 5, 10)]


@pytest.mark.parametrize(
    ("as_of", "status"),
    [(D(2026, 1, 11), "planned"), (D(2026, 1, 12), "due"), (D(2026, 1, 13), "overdue")],
)
def test_a_dose_is_due_on_its_due_date_planned_before_and_overdue_after(
    as_of: date, status: str
) -> None:
    assert plan(START, [START], as_of, count=3).doses[1].status == status


def test_taken_doses_have_status_taken_and_keep_their_dates() -> None:
    taken = [D(2026, 1, 5), D(2026, 1, 13), D(2026, 1, 19)]
    result = plan(START, taken, D(2026, 1, 20))
    assert [d.taken_on for d in result.doses[:3]] == taken
    assert statuses(result)[:3] == ["taken"] * 3
    assert all(d.taken_on is None for d in result.doses[3:])
    assert result.next_dose.number == 4


# --- 4-weekly mode (DOSE-4, CONF-12; ASCLEPIOS) ------------------------------------------------


def test_four_weekly_maintenance_doses_are_28_days_apart_asclepios_conf_12() -> None:
    result = plan(START, count=7, interval=IntervalMode.FOUR_WEEKLY)
    assert dues(result)[3:] == [D(2026, 2, 2), D(2026, 3, 2), D(2026, 3, 30), D(2026, 4, 27)]


def test_four_weekly_counts_28_days_from_a_late_dose_asclepios_dose_5() -> None:
    taken = [*ON_TIME_LOADING, D(2026, 2, 2), D(2026, 3, 5)]  # dose 5 due 2 March
    result = plan(START, taken, D(2026, 3, 5), count=7, interval=IntervalMode.FOUR_WEEKLY)
    assert dues(result)[5:] == [D(2026, 4, 2), D(2026, 4, 30)]


def test_four_weekly_keeps_the_label_loading_phase_us_pi_2_2_conf_12() -> None:
    result = plan(START, count=4, interval=IntervalMode.FOUR_WEEKLY)
    assert dues(result) == dues(plan(START, count=4))


# --- Listing length (issue 2 section 3) ----------------------------------------------------------


def test_the_plan_lists_twelve_doses_by_default_with_the_monthly_interval() -> None:
    result = plan(START)
    assert len(result.doses) == 12
    assert result.interval is IntervalMode.MONTHLY


@pytest.mark.parametrize(("count", "listed"), [(1, 4), (3, 4), (4, 4), (5, 5)])
def test_the_listing_grows_to_show_every_taken_dose_and_the_next_one(
    count: int, listed: int
) -> None:
    result = plan(START, ON_TIME_LOADING, D(2026, 1, 19), count=count)
    assert [d.number for d in result.doses] == list(range(1, listed + 1))


def test_a_count_of_one_without_taken_doses_lists_only_the_first_dose() -> None:
    assert [d.number for d in plan(START, count=1).doses] == [1]


# --- Invalid input (DESIGN.md "Errors that reach people") ---------------------------------------


@pytest.mark.parametrize("second", [D(2026, 1, 4), D(2026, 1, 5)])
def test_taken_dates_out_of_order_or_equal_are_rejected(second: date) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(D(2026, 1, 1), [D(2026, 1, 5), second], D(2026, 2, 1))
    assert caught.value.code == "regimen.taken-out-of-order"
    assert second.isoformat() in caught.value.message
    assert "dose 2" in caught.value.message


def test_taken_dates_one_day_apart_are_accepted() -> None:
    result = plan(START, [D(2026, 1, 5), D(2026, 1, 6)], D(2026, 1, 6))
    assert statuses(result)[:2] == ["taken", "taken"]


def test_a_dose_taken_before_the_start_date_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(START, [D(2026, 1, 4)], D(2026, 1, 10))
    assert caught.value.code == "regimen.taken-before-start"
    assert "2026-01-04" in caught.value.message


def test_a_dose_taken_on_the_start_date_is_accepted() -> None:
    assert plan(START, [START], START).doses[0].status is DoseStatus.TAKEN


def test_a_dose_taken_after_the_as_of_date_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(START, [START, D(2026, 1, 13)], D(2026, 1, 12))
    assert caught.value.code == "regimen.taken-after-as-of"
    assert "2026-01-13" in caught.value.message


def test_a_dose_taken_on_the_as_of_date_is_accepted() -> None:
    assert plan(START, [START, D(2026, 1, 12)], D(2026, 1, 12)).doses[1].status == "taken"


@pytest.mark.parametrize("count", [0, -1, MAX_COUNT + 1])
def test_a_count_outside_one_to_the_maximum_is_rejected(count: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(START, count=count)
    assert caught.value.code == "regimen.bad-count"
    assert str(count) in caught.value.message


@pytest.mark.parametrize("count", [1, MAX_COUNT])
def test_a_count_at_the_limits_is_accepted(count: int) -> None:
    assert len(plan(START, count=count).doses) == count


@pytest.mark.parametrize("text", ["fortnightly", "weekly", "", "4 weekly"])
def test_an_unknown_interval_is_rejected_naming_the_value(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        IntervalMode.parse(text)
    assert caught.value.code == "regimen.unknown-interval"
    assert f"'{text}'" in caught.value.message


@pytest.mark.parametrize(
    ("text", "mode"),
    [("monthly", IntervalMode.MONTHLY), (" Monthly ", IntervalMode.MONTHLY),
     ("4-weekly", IntervalMode.FOUR_WEEKLY), ("4-WEEKLY", IntervalMode.FOUR_WEEKLY)],
)  # fmt: skip
def test_known_intervals_parse_ignoring_case_and_spaces(text: str, mode: IntervalMode) -> None:
    assert IntervalMode.parse(text) is mode


@pytest.mark.parametrize(
    ("start", "taken", "as_of", "bad"),
    [
        (D(1989, 12, 31), [], D(2026, 1, 1), D(1989, 12, 31)),
        (START, [], D(2200, 1, 1), D(2200, 1, 1)),
        (START, [START, D(2200, 1, 1)], LATEST_DATE, D(2200, 1, 1)),
    ],
)
def test_dates_outside_the_planning_range_are_rejected(
    start: date, taken: list[date], as_of: date, bad: date
) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(start, taken, as_of)
    assert caught.value.code == "regimen.date-out-of-range"
    assert bad.isoformat() in caught.value.message


def test_dates_at_the_edges_of_the_planning_range_are_accepted() -> None:
    assert plan(EARLIEST_DATE, [EARLIEST_DATE], LATEST_DATE).doses[0].status is DoseStatus.TAKEN
