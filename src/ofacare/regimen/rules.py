"""The regimen's numbers, read once from the knowledge base by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from ofacare.knowledge import KnowledgeBase, default_knowledge


@dataclass(frozen=True, slots=True)
class RegimenRules:
    """Numbers the schedule needs; built from the knowledge base, never written as literals."""

    knowledge: KnowledgeBase
    dose_mg: float
    loading_doses: int
    loading_interval: timedelta
    first_maintenance_gap: timedelta
    maintenance_months: int
    four_weekly_interval: timedelta
    duplicate_gap_days: int
    escalation_days: int
    care_team_alert_days: int

    @classmethod
    def from_knowledge(cls, kb: KnowledgeBase) -> RegimenRules:
        """Read every regimen number from the knowledge base."""
        return cls(
            knowledge=kb,
            dose_mg=kb.number("dosing.dose-amount", "mg"),
            loading_doses=kb.whole_number("dosing.loading-dose-count", "count"),
            loading_interval=timedelta(days=kb.whole_number("dosing.loading-interval", "day")),
            first_maintenance_gap=timedelta(
                days=kb.whole_number("dosing.first-maintenance-gap", "day")
            ),
            maintenance_months=kb.whole_number("dosing.maintenance-interval", "month"),
            four_weekly_interval=timedelta(
                days=kb.whole_number("dosing.four-weekly-interval", "day")
            ),
            duplicate_gap_days=kb.whole_number("dosing.possible-duplicate-gap", "day"),
            escalation_days=kb.whole_number("dosing.late-reminder-escalation", "day"),
            care_team_alert_days=kb.whole_number("dosing.late-care-team-alert", "day"),
        )

    @property
    def first_maintenance_dose(self) -> int:
        return self.loading_doses + 1


@cache
def default_rules() -> RegimenRules:
    """The rules of the packaged knowledge base."""
    return RegimenRules.from_knowledge(default_knowledge())
