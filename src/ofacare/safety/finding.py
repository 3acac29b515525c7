"""What a safety rule returns: a finding with its severity, words for both readers, and sources.

Rules never raise for a clinical outcome; an outcome is a Finding. The words come from the
knowledge base (findings.yaml `advice`), the citations from the facts the advice rests on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ofacare.knowledge.base import CitationRef, KnowledgeBase


class Severity(StrEnum):
    """How serious a finding is, most serious first."""

    DO_NOT_START = "do_not_start"
    REFER = "refer"
    WAIT = "wait"
    CAUTION = "caution"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most serious; lower ranks win."""
        return list(Severity).index(self)


@dataclass(frozen=True, slots=True)
class Action:
    """Something a clinician can do about a finding: order a test, refer, hold a dose."""

    kind: str  # order-test | refer | hold-dose | recheck | discuss
    target: str  # the test name (HBsAg), the specialty (hepatology), or the date
    text: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One outcome of one rule for one person."""

    code: str
    severity: Severity
    title: str
    patient_message: str
    clinician_message: str
    citations: tuple[CitationRef, ...]
    until: date | None = None
    """The earliest date the finding no longer holds (a waiting period), when there is one."""
    actions: tuple[Action, ...] = ()
    label: str | None = None
    """Which label the rule followed where US and EU/UK differ: 'US', 'EU', 'UK' or None."""
    rule: str = ""
    """The id of the rule that produced it (screening.hbv, vaccine.live...)."""


def build_finding(
    kb: KnowledgeBase,
    advice_id: str,
    severity: Severity,
    *,
    rule: str,
    values: Mapping[str, object] | None = None,
    until: date | None = None,
    actions: Iterable[Action] = (),
    label: str | None = None,
) -> Finding:
    """Make a finding from the advice texts with this id, filling in `{placeholders}`."""
    advice = kb.get_advice(advice_id)
    fill = {k: _show(v) for k, v in (values or {}).items()}
    return Finding(
        code=advice.id,
        severity=severity,
        title=advice.title.format_map(fill),
        patient_message=advice.patient.format_map(fill),
        clinician_message=advice.clinician.format_map(fill),
        citations=tuple(kb.citations(advice.facts)),
        until=until,
        actions=tuple(actions),
        label=label,
        rule=rule,
    )


def most_serious(findings: Iterable[Finding]) -> Severity | None:
    """The most serious severity among the findings, or None when there are none.

    >>> most_serious([]) is None
    True
    """
    ranked = sorted((f.severity for f in findings), key=lambda s: s.rank)
    return ranked[0] if ranked else None


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most serious first; ties keep the rules' order."""
    return sorted(findings, key=lambda f: f.severity.rank)


def _show(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
