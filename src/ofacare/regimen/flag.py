"""Flags on a plan: an overdue dose, a long interruption, a possible duplicate entry.

Flags never reject input: they tell the patient and the care team what to check. The advice in
each message is the knowledge base's statement; the code adds only the dates and day counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import TYPE_CHECKING

from ofacare.regimen.interval import IntervalMode, one_interval_after
from ofacare.regimen.rules import RegimenRules

if TYPE_CHECKING:
    from ofacare.regimen.schedule import ScheduledDose


class FlagLevel(StrEnum):
    """How much a flag asks of the person, least to most: note it, act on it, call the team."""

    INFO = "info"
    CAUTION = "caution"
    REFER = "refer"


@dataclass(frozen=True, slots=True)
class Flag:
    """Something about the dose history a patient or clinician should look at."""

    code: str
    level: FlagLevel
    dose_number: int
    message: str
    fact_ids: tuple[str, ...]
    days: int | None = None


def check_flags(
    doses: Sequence[ScheduledDose],
    as_of: date,
    *,
    rules: RegimenRules,
    interval: IntervalMode,
) -> tuple[Flag, ...]:
    """Return the flags of a computed plan, most serious first, then by dose number."""
    flags = [*_check_duplicates(doses, rules), *_check_lateness(doses, as_of, rules, interval)]
    order = list(FlagLevel)
    return tuple(sorted(flags, key=lambda f: (-order.index(f.level), f.dose_number)))


def _check_duplicates(doses: Sequence[ScheduledDose], rules: RegimenRules) -> list[Flag]:
    flags = []
    taken = [d for d in doses if d.taken_on is not None]
    for before, after in pairwise(taken):
        assert before.taken_on is not None and after.taken_on is not None
        gap = (after.taken_on - before.taken_on).days
        if gap < rules.duplicate_gap_days:
            fact = "dosing.possible-duplicate-gap"
            flags.append(
                Flag(
                    "regimen.possible-duplicate",
                    FlagLevel.CAUTION,
                    after.number,
                    f"Doses {before.number} and {after.number} were recorded {_days(gap)} apart "
                    f"({before.taken_on.isoformat()} and {after.taken_on.isoformat()}). "
                    + rules.knowledge.statement(fact),
                    (fact,),
                    gap,
                )
            )
    return flags


def _check_lateness(
    doses: Sequence[ScheduledDose], as_of: date, rules: RegimenRules, interval: IntervalMode
) -> list[Flag]:
    flags = []
    for dose in doses:
        given = dose.taken_on if dose.taken_on is not None else as_of
        if dose.taken_on is None and dose.due_on >= as_of:
            break
        late = (given - dose.due_on).days
        # A first dose never given is a late start, not an interruption of treatment.
        interrupted = dose.number > 1 and given > one_interval_after(dose.due_on, interval, rules)
        if interrupted:
            flags.append(_long_interruption(dose, late, rules))
        elif dose.taken_on is None:
            flags.append(_overdue(dose, late, rules))
    return flags


def _overdue(dose: ScheduledDose, late: int, rules: RegimenRules) -> Flag:
    facts = ["dosing.missed-dose"]
    level = FlagLevel.INFO
    if late >= rules.escalation_days:
        level = FlagLevel.CAUTION
    if late >= rules.care_team_alert_days:
        level = FlagLevel.REFER
        facts.append("dosing.late-care-team-alert")
    text = " ".join(rules.knowledge.statement(f) for f in facts)
    return Flag(
        "regimen.dose-overdue",
        level,
        dose.number,
        f"Dose {dose.number} was due on {dose.due_on.isoformat()}, {_days(late)} ago. {text}",
        tuple(facts),
        late,
    )


def _long_interruption(dose: ScheduledDose, late: int, rules: RegimenRules) -> Flag:
    fact = "dosing.long-interruption"
    if dose.taken_on is None:
        situation = f"Dose {dose.number} was due on {dose.due_on.isoformat()}, {_days(late)} ago."
        level = FlagLevel.REFER
    else:
        situation = (
            f"Dose {dose.number} was given on {dose.taken_on.isoformat()}, {_days(late)} after "
            f"its due date {dose.due_on.isoformat()}."
        )
        level = FlagLevel.INFO
    return Flag(
        "regimen.long-interruption",
        level,
        dose.number,
        f"{situation} {rules.knowledge.statement(fact)}",
        (fact, "dosing.missed-dose"),
        late,
    )


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"
