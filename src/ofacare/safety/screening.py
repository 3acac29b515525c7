"""Pre-treatment screening: run every screening rule and say whether the first dose can go ahead.

Readiness is the most serious finding's severity; `caution` and `info` leave it `ready`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.loader import default_knowledge
from ofacare.safety.finding import Finding, Severity, most_serious, sort_findings
from ofacare.safety.profile import ScreeningProfile
from ofacare.safety.screening_rules import SCREENING_RULES

MAX_RECHECKS = 10  # each re-check can only push the start later; ten vaccines in a row is plenty


class Readiness(StrEnum):
    READY = "ready"
    WAIT = "wait"
    REFER = "refer"
    DO_NOT_START = "do_not_start"


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """The verdict, the earliest start when only time stands in the way, findings, missing tests."""

    readiness: Readiness
    earliest_start_on: date | None
    findings: tuple[Finding, ...]
    missing: tuple[str, ...]
    knowledge_version: str


def screen(profile: ScreeningProfile, *, kb: KnowledgeBase | None = None) -> ScreeningResult:
    """Check a profile against every pre-treatment rule (PRE, CI, VAX-1/2)."""
    kb = kb or default_knowledge()
    findings = run_rules(profile, kb)
    readiness = compute_readiness(findings)
    earliest = compute_earliest_start(profile.planned_start_on, findings, readiness)
    # A later start can age out a time-bound check (a pregnancy test) or bring in a vaccine given
    # after the planned date: re-check at the later date until the earliest start holds still.
    for _ in range(MAX_RECHECKS):
        if earliest is None or earliest == profile.planned_start_on:
            break
        known = {(f.code, f.title) for f in findings}
        later = run_rules(profile.model_copy(update={"planned_start_on": earliest}), kb)
        findings = sort_findings([*findings, *(f for f in later if (f.code, f.title) not in known)])
        readiness = compute_readiness(findings)
        # A test asked again at the later date (pregnancy) can be done by then: only dates move it.
        moved = max([earliest, *(f.until for f in findings if f.until is not None)])
        if moved == earliest:
            break
        earliest = moved
    missing = tuple(
        action.target
        for finding in findings
        for action in finding.actions
        if action.kind == "order-test"
    )
    return ScreeningResult(
        readiness=readiness,
        earliest_start_on=earliest,
        findings=tuple(findings),
        missing=missing,
        knowledge_version=kb.version,
    )


def run_rules(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """Every screening rule's findings, most serious first."""
    return sort_findings(f for rule in SCREENING_RULES for f in rule.check(profile, kb))


def compute_readiness(findings: list[Finding]) -> Readiness:
    """The most serious severity, where caution and info count as ready."""
    worst = most_serious(findings)
    if worst is None or worst in {Severity.CAUTION, Severity.INFO}:
        return Readiness.READY
    return Readiness(worst.value)


def compute_earliest_start(
    planned: date, findings: list[Finding], readiness: Readiness
) -> date | None:
    """The planned date when ready; the end of the longest wait when every wait is a date.

    None when something other than time must happen first (a test, a referral).
    """
    if readiness is Readiness.READY:
        return planned
    if readiness is not Readiness.WAIT:
        return None
    waits = [f for f in findings if f.severity is Severity.WAIT]
    if any(f.until is None for f in waits):
        return None
    return max([planned, *(f.until for f in waits if f.until is not None)])
