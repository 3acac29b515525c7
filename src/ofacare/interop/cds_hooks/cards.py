"""Safety findings as CDS Hooks cards.

One card per finding, most serious first. The indicator follows the severity: do_not_start is
critical; refer and wait are warning; caution is info (it neither stops nor delays the start: it
asks the prescriber to weigh something). On order-sign a missing hepatitis B screen is critical,
as codes.md section 4 maps it. Findings of severity info (screen passed, vaccine in time) make
no card: they would only add to alert fatigue. Fields without a value are left out, as the
specification asks (no null, "", [] or {}).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast
from uuid import uuid4

from ofacare.interop.cds_hooks.orders import OrderContext, build_order_suggestion
from ofacare.safety.finding import Finding, Severity

INDICATOR = {
    Severity.DO_NOT_START: "critical",
    Severity.REFER: "warning",
    Severity.WAIT: "warning",
    Severity.CAUTION: "info",
    Severity.INFO: "info",
}
CRITICAL_ON_ORDER = frozenset({"finding.hbv-missing"})
# A finding that says a test is missing is only true when the key that would bring the test was
# sent or fetched (even empty). When it was neither, the card is not made.
FINDING_NEEDS = {
    "finding.hbv-missing": frozenset({"hbsag", "antihbc"}),
    "finding.ig-missing": frozenset({"igg", "igm"}),
    "finding.liver-missing": frozenset({"liver"}),
    "finding.pregnancy-test-needed": frozenset({"pregnancy"}),
}
SUMMARY_LIMIT = 139  # the specification: fewer than 140 characters
FINDING_SYSTEM = "urn:ofacare:finding"
OVERRIDE_SYSTEM = "urn:ofacare:override-reason"
OVERRIDE_REASONS = {
    "result-elsewhere": "Result available outside this EHR",
    "will-order-later": "Will order later",
    "benefit-outweighs-risk": "Patient informed, benefit outweighs risk",
    "does-not-apply": "Does not apply to this patient",
    "record-out-of-date": "Record is wrong or out of date",
}
DISCLAIMER = "ofacare supports the care team and never replaces clinical judgement."


@dataclass(frozen=True, slots=True)
class CardContext:
    """What every card of one answer shares: the hook, the patient, the knowledge version."""

    hook: str
    order: OrderContext
    knowledge_version: str


def select_findings(findings: Iterable[Finding], known_keys: Iterable[str]) -> list[Finding]:
    """The findings worth a card: not info, and not resting on data nobody sent."""
    known = frozenset(known_keys)
    return [
        finding
        for finding in findings
        if finding.severity is not Severity.INFO
        and FINDING_NEEDS.get(finding.code, frozenset()) <= known
    ]


def build_cards(findings: Iterable[Finding], context: CardContext) -> list[dict[str, Any]]:
    return [build_card(finding, context) for finding in findings]


def build_card(finding: Finding, context: CardContext) -> dict[str, Any]:
    """One card: summary, indicator, detail with sources, source, suggestions, override reasons."""
    suggestions = [
        suggestion
        for action in finding.actions
        if action.kind == "order-test"
        and (suggestion := build_order_suggestion(action.target, context.order)) is not None
    ]
    card: dict[str, Any] = {
        "uuid": str(uuid4()),
        "summary": build_summary(finding.title),
        "indicator": compute_indicator(finding, context.hook),
        "detail": build_detail(finding, context.knowledge_version),
        "source": {
            "label": f"ofacare (knowledge base {context.knowledge_version})",
            "topic": {"system": FINDING_SYSTEM, "code": finding.code, "display": finding.title},
        },
        "suggestions": suggestions,
        "selectionBehavior": "any" if suggestions else None,
        "overrideReasons": build_override_reasons(finding, ordering=bool(suggestions)),
    }
    return cast(dict[str, Any], prune(card))


def compute_indicator(finding: Finding, hook: str) -> str:
    if hook == "order-sign" and finding.code in CRITICAL_ON_ORDER:
        return "critical"
    return INDICATOR[finding.severity]


def build_summary(title: str) -> str:
    """The title, cut at a word boundary with an ellipsis when it would reach 140 characters.

    >>> build_summary("short title")
    'short title'
    >>> len(build_summary("word " * 40)) <= 139
    True
    """
    text = " ".join(title.split())
    if len(text) <= SUMMARY_LIMIT:
        return text
    cut = text[: SUMMARY_LIMIT - 1]
    head = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return head.rstrip(" ,;:.-") + "…"


def build_detail(finding: Finding, knowledge_version: str) -> str:
    """GitHub-Flavored Markdown: the clinician message, dates, label, sources, disclaimer."""
    lines = [finding.clinician_message]
    facts = []
    if finding.until is not None:
        facts.append(f"Earliest start: **{finding.until.isoformat()}**.")
    if finding.label is not None:
        facts.append(f"Label followed: {finding.label}.")
    if facts:
        lines.append(" ".join(facts))
    if finding.citations:
        sources = "\n".join(f"- {c.title} §{c.section}" for c in finding.citations)
        lines.append(f"**Sources**\n\n{sources}")
    lines.append(f"_{DISCLAIMER} Knowledge base {knowledge_version}._")
    return "\n\n".join(lines)


def build_override_reasons(finding: Finding, *, ordering: bool) -> list[dict[str, str]]:
    """Why a clinician may go on: test reasons for order cards, risk reasons for the others."""
    if ordering:
        codes = ["result-elsewhere", "will-order-later", "does-not-apply"]
    else:
        codes = ["benefit-outweighs-risk", "record-out-of-date", "does-not-apply"]
    return [
        {"system": OVERRIDE_SYSTEM, "code": code, "display": OVERRIDE_REASONS[code]}
        for code in codes
    ]


def prune(value: Any) -> Any:
    """The value without None, "", [] or {} anywhere inside (they are not allowed in CDS Hooks).

    >>> prune({"a": None, "b": [], "c": {"d": ""}, "e": [1, {}], "f": False})
    {'e': [1], 'f': False}
    """
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if not _empty(v)}
    if isinstance(value, list):
        return [item for item in (prune(v) for v in value) if not _empty(item)]
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)
