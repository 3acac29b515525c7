"""Compute a patient's dose plan from the start date, the dates actually taken and a date.

The rules (knowledge ids dosing.*; clinical-rules.md DOSE-1..DOSE-7): dose 1 on the start date,
doses 2 and 3 one loading interval after the previous dose was taken, dose 4 (the first monthly
dose) the first-maintenance gap after dose 3, then monthly. Every interval counts from the day the
previous dose was actually given, so a late or early dose moves all later ones (DOSE-5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise

from ofacare.errors import InvalidInput
from ofacare.regimen.flag import Flag, check_flags
from ofacare.regimen.interval import IntervalMode, add_months
from ofacare.regimen.rules import RegimenRules, default_rules

EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2199, 12, 31)
EARLIEST_RECORD_DATE = date(1900, 1, 1)
"""Births, results and events may be older than any dose: nobody alive was born before 1900. The
rules add weeks to dates, which must stay inside Python's calendar, hence LATEST_DATE for all."""
MAX_COUNT = 1200  # a hundred years of monthly doses; more is a typo, not a plan


class Phase(StrEnum):
    LOADING = "loading"
    MAINTENANCE = "maintenance"


class DoseStatus(StrEnum):
    TAKEN = "taken"
    OVERDUE = "overdue"
    DUE = "due"
    PLANNED = "planned"


@dataclass(frozen=True, slots=True)
class ScheduledDose:
    """One dose in a plan: when it is (or was) due, and when it was taken if it was."""

    number: int
    phase: Phase
    due_on: date
    taken_on: date | None
    status: DoseStatus

    def days_from(self, as_of: date) -> int:
        """Days from `as_of` to the due date: negative when the dose is overdue."""
        return (self.due_on - as_of).days


@dataclass(frozen=True, slots=True)
class Plan:
    """A computed plan: every taken dose, the one to take next and the planned ones after it."""

    start_on: date
    as_of: date
    interval: IntervalMode
    dose_mg: float
    doses: tuple[ScheduledDose, ...]
    flags: tuple[Flag, ...]

    @property
    def next_dose(self) -> ScheduledDose:
        """The first dose not yet taken (the plan always lists one)."""
        return next(d for d in self.doses if d.status is not DoseStatus.TAKEN)

    @property
    def overdue_dose(self) -> ScheduledDose | None:
        nxt = self.next_dose
        return nxt if nxt.status is DoseStatus.OVERDUE else None


def compute_plan(
    start_on: date,
    taken_on: Sequence[date],
    as_of: date,
    *,
    count: int = 12,
    interval: IntervalMode = IntervalMode.MONTHLY,
    rules: RegimenRules | None = None,
) -> Plan:
    """Plan `count` doses (more if needed to show every taken dose and the next one).

    >>> plan = compute_plan(date(2026, 1, 5), [date(2026, 1, 5), date(2026, 1, 15)],
    ...                     date(2026, 1, 16), count=4)
    >>> [(d.due_on.isoformat(), d.status.value)
    ...  for d in plan.doses]  # doctest: +NORMALIZE_WHITESPACE
    [('2026-01-05', 'taken'), ('2026-01-12', 'taken'), ('2026-01-22', 'planned'),
     ('2026-02-05', 'planned')]
    """
    rules = rules or default_rules()
    _check_inputs(start_on, taken_on, as_of, count)
    doses = _walk(
        start_on,
        taken_on,
        as_of,
        count=max(count, len(taken_on) + 1),
        interval=interval,
        rules=rules,
    )
    flags = check_flags(doses, as_of, rules=rules, interval=interval)
    return Plan(start_on, as_of, interval, rules.dose_mg, doses, flags)


def _walk(
    start_on: date,
    taken_on: Sequence[date],
    as_of: date,
    *,
    count: int,
    interval: IntervalMode,
    rules: RegimenRules,
) -> tuple[ScheduledDose, ...]:
    doses: list[ScheduledDose] = []
    previous = start_on  # the day the previous dose was given, or is assumed to be given
    anchor, anchor_number = start_on, 0  # the day monthly doses keep, and its dose number
    pending = True  # no untaken dose placed yet: the first one may be overdue
    first_monthly = rules.first_maintenance_dose
    for number in range(1, count + 1):
        if number == 1:
            due = start_on
        elif number <= rules.loading_doses:
            due = previous + rules.loading_interval
        elif number == first_monthly:
            due = previous + rules.first_maintenance_gap
        elif interval is IntervalMode.FOUR_WEEKLY:
            due = previous + rules.four_weekly_interval
        else:
            due = add_months(anchor, (number - anchor_number) * rules.maintenance_months)
        if number <= len(taken_on):
            actual, status = taken_on[number - 1], DoseStatus.TAKEN
        elif pending and due < as_of:
            # Give it as soon as possible: later doses are projected from today (DOSE-5).
            actual, status = as_of, DoseStatus.OVERDUE
        else:
            actual, status = due, DoseStatus.DUE if due == as_of else DoseStatus.PLANNED
        if status is not DoseStatus.TAKEN:
            pending = False
        if number == first_monthly or (number > first_monthly and actual != due):
            anchor, anchor_number = actual, number
        phase = Phase.LOADING if number <= rules.loading_doses else Phase.MAINTENANCE
        taken = actual if status is DoseStatus.TAKEN else None
        doses.append(ScheduledDose(number, phase, due, taken, status))
        previous = actual
    return tuple(doses)


def _check_inputs(start_on: date, taken_on: Sequence[date], as_of: date, count: int) -> None:
    for field, value in [("start", start_on), ("as-of", as_of), *(("taken", t) for t in taken_on)]:
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise InvalidInput(
                "regimen.date-out-of-range",
                f"{field}: {value.isoformat()} is outside the dates ofacare plans for.",
                f"Use a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}.",
            )
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(
            "regimen.bad-count",
            f"count: {count} is not a number of doses ofacare can list.",
            f"Use a whole number from 1 to {MAX_COUNT}.",
        )
    if taken_on and taken_on[0] < start_on:
        raise InvalidInput(
            "regimen.taken-before-start",
            f"taken: {taken_on[0].isoformat()} (dose 1) is before the start date "
            f"{start_on.isoformat()}.",
            "Check the start date, or leave out doses from an earlier course.",
        )
    for number, (before, after) in enumerate(pairwise(taken_on), start=2):
        if after <= before:
            raise InvalidInput(
                "regimen.taken-out-of-order",
                f"taken: {after.isoformat()} (dose {number}) is not after "
                f"{before.isoformat()} (dose {number - 1}).",
                "List taken dates in order, one date per dose.",
            )
    if taken_on and taken_on[-1] > as_of:
        raise InvalidInput(
            "regimen.taken-after-as-of",
            f"taken: {taken_on[-1].isoformat()} (dose {len(taken_on)}) is after the as-of date "
            f"{as_of.isoformat()}.",
            "A dose can only be recorded once it has been given.",
        )
