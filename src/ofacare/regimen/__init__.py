"""The dosing regimen engine: when each pen is due, and what a late or early pen changes."""

from ofacare.regimen.interval import IntervalMode
from ofacare.regimen.rules import RegimenRules, default_rules
from ofacare.regimen.schedule import (
    DoseStatus,
    Phase,
    Plan,
    ScheduledDose,
    compute_plan,
)

__all__ = [
    "DoseStatus",
    "IntervalMode",
    "Phase",
    "Plan",
    "RegimenRules",
    "ScheduledDose",
    "compute_plan",
    "default_rules",
]
