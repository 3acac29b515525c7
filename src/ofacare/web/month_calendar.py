"""A month of the dose plan as a grid of weeks, for the schedule page's calendar table.

Each day lists the doses on it in words (a number and a status), never by colour alone: a taken
dose on the day it was given, an overdue one on the day it was due and again on today (give it
now), the others on their due day. Weeks start on the locale's first weekday.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ofacare.regimen import DoseStatus, Plan

MONTH_PATTERN = r"^\d{4}-\d{2}$"
EARLIEST_MONTH = date(1990, 1, 1)
LATEST_MONTH = date(2199, 12, 1)


class MarkKind:
    """What a dose mark on a day says (a key the template turns into words)."""

    TAKEN = "taken"
    WAS_DUE = "was-due"
    GIVE_NOW = "give-now"
    DUE = "due"
    PLANNED = "planned"


@dataclass(frozen=True, slots=True)
class DoseMark:
    number: int
    kind: str


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    is_today: bool
    marks: tuple[DoseMark, ...]


@dataclass(frozen=True, slots=True)
class MonthGrid:
    """One month: its first day, weeks of seven days (None outside the month), and neighbours."""

    first: date
    weekdays: tuple[int, ...]
    """Weekday numbers in column order (0 is Monday)."""
    weeks: tuple[tuple[CalendarDay | None, ...], ...]
    previous: date | None
    following: date | None

    @property
    def dose_count(self) -> int:
        return len({m.number for week in self.weeks for d in week if d for m in d.marks})


def parse_month(text: str | None, *, today: date) -> date:
    """The first day of the month `text` names (YYYY-MM), or of today's month.

    >>> parse_month("2026-04", today=date(2026, 3, 2)), parse_month(None, today=date(2026, 3, 2))
    (datetime.date(2026, 4, 1), datetime.date(2026, 3, 1))
    """
    if not text:
        return today.replace(day=1)
    if not re.match(MONTH_PATTERN, text):
        raise ValueError(f"month: '{text}' is not a month written as YYYY-MM, e.g. 2026-03.")
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12:
        raise ValueError(f"month: '{text}' has no month {month}; use 01 to 12.")
    first = date(year, month, 1)
    if not EARLIEST_MONTH <= first <= LATEST_MONTH:
        raise ValueError(f"month: '{text}' is outside the dates ofacare plans for.")
    return first


def build_month(plan: Plan, first: date, *, first_weekday: int) -> MonthGrid:
    """Lay out the month starting `first` with the plan's doses on their days.

    >>> from ofacare.regimen import compute_plan
    >>> plan = compute_plan(date(2026, 3, 2), [], date(2026, 3, 2), count=3)
    >>> grid = build_month(plan, date(2026, 3, 1), first_weekday=0)
    >>> [(d.day.day, [m.kind for m in d.marks]) for w in grid.weeks for d in w if d and d.marks]
    [(2, ['due']), (9, ['planned']), (16, ['planned'])]
    """
    marks = _marks_by_day(plan)
    weeks = calendar.Calendar(firstweekday=first_weekday).monthdatescalendar(
        first.year, first.month
    )
    grid = tuple(
        tuple(
            CalendarDay(day, day == plan.as_of, tuple(marks.get(day, ())))
            if day.month == first.month
            else None
            for day in week
        )
        for week in weeks
    )
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=31)).replace(day=1)
    return MonthGrid(
        first=first,
        weekdays=tuple((first_weekday + i) % 7 for i in range(7)),
        weeks=grid,
        previous=previous if previous >= EARLIEST_MONTH else None,
        following=following if following <= LATEST_MONTH else None,
    )


def _marks_by_day(plan: Plan) -> dict[date, list[DoseMark]]:
    marks: dict[date, list[DoseMark]] = {}
    for dose in plan.doses:
        if dose.status is DoseStatus.TAKEN and dose.taken_on is not None:
            placed = [(dose.taken_on, MarkKind.TAKEN)]
        elif dose.status is DoseStatus.OVERDUE:
            placed = [(dose.due_on, MarkKind.WAS_DUE), (plan.as_of, MarkKind.GIVE_NOW)]
        elif dose.status is DoseStatus.DUE:
            placed = [(dose.due_on, MarkKind.DUE)]
        else:
            placed = [(dose.due_on, MarkKind.PLANNED)]
        for day, kind in placed:
            marks.setdefault(day, []).append(DoseMark(dose.number, kind))
    return marks


def month_key(first: date) -> str:
    """The ?month= value of a month."""
    return f"{first.year:04d}-{first.month:02d}"
