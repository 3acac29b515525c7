"""Hypothesis properties of the regimen engine (issue 2, section 5; DOSE-1..DOSE-5).

Inputs are realistic dose histories: each taken date lies near the nominal gap after the previous
one (7, 7, 14 days, then about a month), between a few days early and several weeks late.
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ofacare.knowledge import load_knowledge
from ofacare.regimen import DoseStatus, IntervalMode, Plan, RegimenRules, compute_plan
from ofacare.regimen.schedule import ScheduledDose

NOMINAL_GAPS = {2: 7, 3: 7, 4: 14}  # label weeks 0, 1, 2, 4 (US-PI §2.2)
MONTH_DAYS = 30
# Rules built from a second, separately loaded copy of the knowledge base (no shared cache).
FRESH_RULES = RegimenRules.from_knowledge(load_knowledge())


@dataclass(frozen=True)
class History:
    start: date
    taken: tuple[date, ...]
    as_of: date
    count: int
    interval: IntervalMode

    def plan(self, rules: RegimenRules | None = None) -> Plan:
        return compute_plan(
            self.start,
            list(self.taken),
            self.as_of,
            count=self.count,
            interval=self.interval,
            rules=rules,
        )


@st.composite
def histories(draw: st.DrawFn, interval: IntervalMode | None = None) -> History:
    start = draw(st.dates(min_value=date(1995, 1, 1), max_value=date(2150, 12, 31)))
    number_taken = draw(st.integers(min_value=0, max_value=20))
    taken = [start + timedelta(days=draw(st.integers(0, 3)))] if number_taken else []
    for number in range(2, number_taken + 1):
        nominal = NOMINAL_GAPS.get(number, MONTH_DAYS)
        jitter = draw(st.integers(min_value=-3, max_value=40))
        taken.append(taken[-1] + timedelta(days=max(1, nominal + jitter)))
    last = taken[-1] if taken else start
    as_of = last + timedelta(days=draw(st.integers(min_value=0, max_value=120)))
    return History(
        start=start,
        taken=tuple(taken),
        as_of=as_of,
        count=draw(st.integers(min_value=1, max_value=30)),
        interval=interval or draw(st.sampled_from(IntervalMode)),
    )


def actual_on(dose: ScheduledDose, as_of: date) -> date:
    """The day a dose was given, or the day the engine assumes it will be."""
    if dose.taken_on is not None:
        return dose.taken_on
    return as_of if dose.status is DoseStatus.OVERDUE else dose.due_on


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@given(histories())
def test_due_dates_strictly_increase(history: History) -> None:
    dues = [dose.due_on for dose in history.plan().doses]
    assert all(a < b for a, b in itertools.pairwise(dues))


@given(histories())
def test_the_plan_lists_count_doses_or_every_taken_dose_and_the_next(history: History) -> None:
    doses = history.plan().doses
    assert [d.number for d in doses] == list(range(1, len(doses) + 1))
    assert len(doses) == max(history.count, len(history.taken) + 1)


@given(histories())
def test_loading_gaps_are_7_7_14_days_from_the_previous_actual_dose_us_pi_2_2(
    history: History,
) -> None:
    doses = history.plan().doses
    assert doses[0].due_on == history.start
    for dose in doses[1:4]:
        previous = actual_on(doses[dose.number - 2], history.as_of)
        assert (dose.due_on - previous).days == NOMINAL_GAPS[dose.number]


@given(histories(IntervalMode.MONTHLY))
def test_monthly_due_dates_keep_the_anchor_day_or_the_months_last_day_dose_4(
    history: History,
) -> None:
    doses = history.plan().doses
    if len(doses) < 4:
        return
    anchor, anchor_number = actual_on(doses[3], history.as_of), 4
    for dose in doses[4:]:
        last_day = calendar.monthrange(dose.due_on.year, dose.due_on.month)[1]
        assert dose.due_on.day == anchor.day or (dose.due_on.day == last_day < anchor.day), (
            f"dose {dose.number} due {dose.due_on} with anchor {anchor}"
        )
        assert months_between(anchor, dose.due_on) == dose.number - anchor_number
        actual = actual_on(dose, history.as_of)
        if actual != dose.due_on:
            anchor, anchor_number = actual, dose.number


@given(histories(IntervalMode.FOUR_WEEKLY))
def test_in_4_weekly_mode_maintenance_gaps_are_28_days_asclepios(history: History) -> None:
    doses = history.plan().doses
    for dose in doses[4:]:
        previous = actual_on(doses[dose.number - 2], history.as_of)
        assert (dose.due_on - previous).days == 28


@given(histories())
def test_taken_dates_come_back_unchanged(history: History) -> None:
    doses = history.plan().doses
    assert tuple(d.taken_on for d in doses[: len(history.taken)]) == history.taken
    assert all(d.status is DoseStatus.TAKEN for d in doses[: len(history.taken)])
    assert all(d.taken_on is None for d in doses[len(history.taken) :])


@given(histories())
def test_at_most_one_dose_is_overdue_and_it_is_the_next_one(history: History) -> None:
    result = history.plan()
    overdue = [d for d in result.doses if d.status is DoseStatus.OVERDUE]
    assert overdue in ([], [result.next_dose])
    assert all(d.due_on < history.as_of for d in overdue)
    untaken_later = result.doses[len(history.taken) + 1 :]
    assert all(d.due_on > history.as_of for d in untaken_later)


@given(histories(), histories())
@settings(max_examples=50)
def test_planning_is_deterministic_for_the_same_inputs(history: History, other: History) -> None:
    first = history.plan()
    other.plan()  # a plan for someone else in between must not change the answer
    assert history.plan() == first
    assert history.plan(FRESH_RULES) == first
