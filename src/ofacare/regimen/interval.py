"""Maintenance spacing: calendar months (the label's "monthly") or 28 days (the trials)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from ofacare.errors import InvalidInput
from ofacare.regimen.rules import RegimenRules


class IntervalMode(StrEnum):
    """How maintenance doses are spaced: calendar months (label) or 28 days (trials)."""

    MONTHLY = "monthly"
    FOUR_WEEKLY = "4-weekly"

    @classmethod
    def parse(cls, text: str) -> IntervalMode:
        """Read an interval name; raise InvalidInput naming the value for anything else."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = " or ".join(f"'{mode.value}'" for mode in cls)
            raise InvalidInput(
                "regimen.unknown-interval",
                f"interval: '{text}' is not a known interval.",
                f"Use {choices}.",
            ) from None


def one_interval_after(day: date, mode: IntervalMode, rules: RegimenRules) -> date:
    """The day one maintenance interval after `day`.

    >>> from ofacare.regimen.rules import default_rules
    >>> one_interval_after(date(2026, 1, 31), IntervalMode.MONTHLY, default_rules())
    datetime.date(2026, 2, 28)
    """
    if mode is IntervalMode.FOUR_WEEKLY:
        return day + rules.four_weekly_interval
    return add_months(day, rules.maintenance_months)


@lru_cache(maxsize=1 << 16)
def add_months(anchor: date, months: int) -> date:
    """Add calendar months, keeping the anchor's day or the month's last day.

    >>> add_months(date(2026, 1, 31), 1), add_months(date(2026, 1, 31), 2)
    (datetime.date(2026, 2, 28), datetime.date(2026, 3, 31))
    """
    result: date = anchor + relativedelta(months=months)
    return result
