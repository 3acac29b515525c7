"""Dose histories for the model, from the regimen engine: a late dose in the plan is late here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ofacare.errors import InvalidInput
from ofacare.pharmacology.solver import DoseHistory
from ofacare.regimen import DoseStatus, IntervalMode, RegimenRules, compute_plan, default_rules

# The calendar day a course without real dates starts on (virtual populations, validation):
# any Monday serves, since only the days between doses matter.
ANCHOR = date(2026, 1, 5)

# Regimen names the simulator accepts: the label's calendar months, or the trials' 28 days.
REGIMENS = {"label": IntervalMode.MONTHLY, "trial": IntervalMode.FOUR_WEEKLY}


@dataclass(frozen=True, slots=True)
class DatedDoses:
    """A dose history on the calendar and as days from the start (day 0)."""

    start_on: date
    dates: tuple[date, ...]
    taken: tuple[bool, ...]
    """Per dose: True when the person recorded it, False when it is the plan's date."""
    history: DoseHistory


def parse_regimen(text: str) -> IntervalMode:
    """Read `label` or `trial`; anything else is an InvalidInput naming the value."""
    found = REGIMENS.get(text.strip().lower())
    if found is None:
        raise InvalidInput(
            "input.unknown-regimen",
            f"regimen: '{text}' is not a regimen ofacare simulates.",
            "Use 'label' (monthly, as the label says) or 'trial' (every 28 days, as trials did).",
        )
    return found


def dose_history(
    start_on: date,
    taken_on: Sequence[date],
    *,
    until_day: int,
    interval: IntervalMode = IntervalMode.MONTHLY,
    stop_after_dose: int | None = None,
    rules: RegimenRules | None = None,
) -> DatedDoses:
    """Recorded doses as given, then the regimen's planned dates, up to `until_day`.

    Planned doses are placed as the regimen engine places them after the last recorded dose (so a
    late dose shifts the ones after it), and `stop_after_dose` ends the course after that dose.
    """
    rules = rules or default_rules()
    if stop_after_dose is not None and stop_after_dose < 1:
        raise InvalidInput(
            "input.stop-after-dose",
            f"stop-after-dose: {stop_after_dose} is not a dose number.",
            "Give 1 or more, or leave it out to keep dosing.",
        )
    if stop_after_dose is not None and stop_after_dose < len(taken_on):
        raise InvalidInput(
            "input.stop-after-dose",
            f"stop-after-dose: {stop_after_dose} is before the {len(taken_on)} doses recorded.",
            "Give a number at least as large as the doses already taken.",
        )
    as_of = taken_on[-1] if taken_on else start_on
    count = len(taken_on) + until_day // 28 + 4  # more than enough to reach until_day
    plan = compute_plan(start_on, taken_on, as_of, count=count, interval=interval, rules=rules)
    dates: list[date] = []
    taken: list[bool] = []
    for dose in plan.doses:
        when = dose.taken_on or dose.due_on
        if (when - start_on).days > until_day:
            break
        if stop_after_dose is not None and dose.number > stop_after_dose:
            break
        dates.append(when)
        taken.append(dose.status is DoseStatus.TAKEN)
    days = [float((d - start_on).days) for d in dates]
    return DatedDoses(start_on, tuple(dates), tuple(taken), DoseHistory.of(days, rules.dose_mg))
