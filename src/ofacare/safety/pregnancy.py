"""Contraception and pregnancy around treatment (clinical-rules.md REPRO-1/2, VAX-5)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.loader import default_knowledge
from ofacare.safety.finding import Action, Finding, Severity, build_finding


def compute_contraception_until(last_dose_on: date, *, kb: KnowledgeBase) -> date:
    """The last day contraception is needed: the last dose plus the label's months."""
    months = kb.whole_number("pregnancy.contraception", "month")
    return last_dose_on + relativedelta(months=months)


def check_pregnancy_plan(
    last_dose_on: date,
    *,
    pregnant: bool = False,
    as_of: date,
    kb: KnowledgeBase | None = None,
) -> list[Finding]:
    """Contraception until when; a pregnancy in that window goes to the neurologist today."""
    kb = kb or default_knowledge()
    until = compute_contraception_until(last_dose_on, kb=kb)
    values = {"until": until, "last_dose": last_dose_on}
    findings = []
    if pregnant and as_of <= until:
        findings.append(
            build_finding(
                kb,
                "finding.pregnant-on-treatment",
                Severity.REFER,
                rule="pregnancy:on-treatment",
                values=values,
                actions=[Action("refer", "neurology", "Contact the neurologist today")],
            )
        )
        findings.append(
            build_finding(
                kb,
                "finding.infant-live-vaccines",
                Severity.INFO,
                rule="pregnancy:infant-vaccines",
                values=values,
            )
        )
    findings.append(
        build_finding(
            kb,
            "finding.contraception-until",
            Severity.INFO,
            rule="pregnancy:contraception",
            values=values,
            until=until,
        )
    )
    return findings
