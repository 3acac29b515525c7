"""The plan as a plain document (dicts, lists, ISO dates): the one shape every door shows.

Extra keys beyond the `ofacare plan --json` contract carry the weekday, day counts, guidance,
the facts' citations and the knowledge-base version.
"""

from __future__ import annotations

from typing import Any

from ofacare.regimen.flag import Flag
from ofacare.regimen.rules import RegimenRules, default_rules
from ofacare.regimen.schedule import DoseStatus, Plan, ScheduledDose

SCHEDULE_FACTS = (
    "dosing.dose-amount",
    "dosing.loading-interval",
    "dosing.no-dose-week-3",
    "dosing.first-maintenance-gap",
    "dosing.maintenance-interval",
    "dosing.missed-dose",
)
CARE_TEAM_NOTE = (
    "ofacare supports your MS team and does not replace it: for questions about your doses, "
    "call your MS nurse or neurologist."
)


def build_plan_document(plan: Plan, rules: RegimenRules | None = None) -> dict[str, Any]:
    """Assemble the plan as JSON-ready data, with citations and the knowledge version."""
    rules = rules or default_rules()
    kb = rules.knowledge
    fact_ids = [*SCHEDULE_FACTS]
    if plan.interval.value == "4-weekly":
        fact_ids.append("dosing.four-weekly-interval")
    for flag in plan.flags:
        fact_ids.extend(f for f in flag.fact_ids if f not in fact_ids)
    notes = [kb.statement(f) for f in notes_for(plan)]
    fact_ids.extend(notes_for(plan))
    return {
        "start": plan.start_on.isoformat(),
        "as_of": plan.as_of.isoformat(),
        "interval": plan.interval.value,
        "dose_mg": plan.dose_mg,
        "doses": [_dose(d, plan) for d in plan.doses],
        "flags": [_flag(f) for f in plan.flags],
        "next_dose": plan.next_dose.number,
        "notes": notes,
        "care_team": CARE_TEAM_NOTE,
        "facts": fact_ids,
        "sources": kb.cite(fact_ids),
        "knowledge_version": kb.version,
    }


def _dose(dose: ScheduledDose, plan: Plan) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "number": dose.number,
        "phase": dose.phase.value,
        "due": dose.due_on.isoformat(),
        "taken": dose.taken_on.isoformat() if dose.taken_on else None,
        "status": dose.status.value,
        "weekday": dose.due_on.strftime("%A"),
        "days_from_as_of": dose.days_from(plan.as_of),
    }
    if dose.taken_on is not None:
        entry["days_late"] = (dose.taken_on - dose.due_on).days
    if dose.status is DoseStatus.OVERDUE:
        entry["guidance"] = guidance_for(plan)
    return entry


def _flag(flag: Flag) -> dict[str, Any]:
    return {
        "code": flag.code,
        "level": flag.level.value,
        "dose": flag.dose_number,
        "days": flag.days,
        "message": flag.message,
        "facts": list(flag.fact_ids),
    }


def notes_for(plan: Plan) -> list[str]:
    """Knowledge ids of notes that fit where the patient is in the course."""
    if plan.next_dose.number == 1:
        return ["dosing.first-injection-supervised"]
    return []


def guidance_for(plan: Plan) -> str | None:
    """One line of advice for the overdue dose: the most serious flag about it."""
    overdue = plan.overdue_dose
    if overdue is None:
        return None
    for flag in plan.flags:  # flags are sorted most serious first
        if flag.dose_number == overdue.number and flag.code != "regimen.possible-duplicate":
            return flag.message
    return None
