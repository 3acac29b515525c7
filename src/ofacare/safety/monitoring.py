"""Checks during treatment (clinical-rules.md WARN-1..6, CI-3, TRIAGE-4).

Low immunoglobulins, a dose due during an active infection, a liver-injury signal in the labs,
and signs of hepatitis B reactivation, liver injury or PML.
"""

from __future__ import annotations

from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.loader import default_knowledge
from ofacare.safety.finding import Action, Finding, Severity, build_finding, sort_findings
from ofacare.safety.profile import LIVER_SIGNS, LabResult, TreatmentStatus
from ofacare.safety.rule import Rule
from ofacare.safety.screening_rules import low_immunoglobulin


def check_immunoglobulins_on_treatment(status: TreatmentStatus, kb: KnowledgeBase) -> list[Finding]:
    """WARN-5: IgG or IgM below the lower limit of normal."""
    findings = []
    for name in ("IgG", "IgM"):
        lab = status.latest(name)
        if lab is not None and (
            low := low_immunoglobulin(name, lab, kb, "finding.ig-low-on-treatment")
        ):
            findings.append(low)
    return findings


def check_dose_during_infection(status: TreatmentStatus, kb: KnowledgeBase) -> list[Finding]:
    """CI-3, TRIAGE-4: a dose due while an infection is active is held until it resolves."""
    if not status.active_infection or status.next_dose_on is None:
        return []
    return [
        build_finding(
            kb,
            "finding.hold-dose-infection",
            Severity.WAIT,
            rule="monitoring:infection",
            values={"due_on": status.next_dose_on},
            actions=[
                Action(
                    "hold-dose",
                    status.next_dose_on.isoformat(),
                    "Hold the dose until the infection has resolved",
                )
            ],
        )
    ]


def check_liver_labs(status: TreatmentStatus, kb: KnowledgeBase) -> list[Finding]:
    """WARN-6: ALT or AST above 3x and total bilirubin above 2x the upper limit of normal."""
    bilirubin = _times_upper_limit(status.latest("bilirubin"))
    transaminase = max(
        (r for r in (_times_upper_limit(status.latest(n)) for n in ("ALT", "AST")) if r),
        default=None,
    )
    if bilirubin is None or transaminase is None:
        return []
    if transaminase <= kb.number(
        "warning.liver-injury-aminotransferase", "ratio"
    ) or bilirubin <= kb.number("warning.liver-injury-bilirubin", "ratio"):
        return []
    dated = [lab.on for n in ("ALT", "AST", "bilirubin") if (lab := status.latest(n))]
    return [
        build_finding(
            kb,
            "finding.liver-injury-signal",
            Severity.REFER,
            rule="monitoring:liver",
            values={
                "date": max(dated),
                "alt_ratio": round(transaminase, 1),
                "bili_ratio": round(bilirubin, 1),
            },
            label="US",
        )
    ]


def check_signs(status: TreatmentStatus, kb: KnowledgeBase) -> list[Finding]:
    """WARN-2/3/6: liver signs (HBV reactivation, liver injury) and new neurological signs (PML)."""
    findings = []
    liver = sorted(LIVER_SIGNS.intersection(status.signs))
    neuro = sorted(set(status.signs) - LIVER_SIGNS)
    if liver:
        findings.append(
            build_finding(
                kb,
                "finding.hbv-reactivation-signs",
                Severity.REFER,
                rule="monitoring:signs",
                values={"signs": ", ".join(liver)},
            )
        )
    if neuro:
        findings.append(
            build_finding(
                kb,
                "finding.pml-signs",
                Severity.REFER,
                rule="monitoring:signs",
                values={"signs": ", ".join(neuro)},
                actions=[Action("hold-dose", "next", "Withhold until evaluated")],
            )
        )
    return findings


MONITORING_RULES: tuple[Rule[TreatmentStatus], ...] = (
    Rule("monitoring:ig", ("WARN-5",), check_immunoglobulins_on_treatment),
    Rule("monitoring:infection", ("CI-3", "TRIAGE-4"), check_dose_during_infection),
    Rule("monitoring:liver", ("WARN-6",), check_liver_labs),
    Rule("monitoring:signs", ("WARN-2", "WARN-3", "WARN-6"), check_signs),
)


def monitor(status: TreatmentStatus, *, kb: KnowledgeBase | None = None) -> list[Finding]:
    """Every monitoring rule's findings, most serious first."""
    kb = kb or default_knowledge()
    return sort_findings(f for rule in MONITORING_RULES for f in rule.check(status, kb))


def _times_upper_limit(lab: LabResult | None) -> float | None:
    """A result as a multiple of its upper limit of normal; None without a value and a limit."""
    if lab is None or lab.value is None or not lab.reference_high:
        return None
    return lab.value / lab.reference_high
