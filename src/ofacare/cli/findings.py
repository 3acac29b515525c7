"""Show safety findings in the terminal and as JSON, the same way for every safety command."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ofacare.cli.arguments import parse_audience
from ofacare.knowledge import default_knowledge
from ofacare.safety.finding import Finding, Severity

SEVERITY_STYLE = {
    Severity.DO_NOT_START: "bold white on red",
    Severity.REFER: "bold red",
    Severity.WAIT: "bold yellow",
    Severity.CAUTION: "yellow",
    Severity.INFO: "green",
}
CARE_TEAM_LINE = (
    "Questions about these results: your MS nurse or neurologist. "
    "ofacare supports your MS team and never replaces it."
)


def build_finding_document(finding: Finding) -> dict[str, Any]:
    """A finding as JSON: every field, dates as ISO strings."""
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "title": finding.title,
        "patient_message": finding.patient_message,
        "clinician_message": finding.clinician_message,
        "citations": [asdict(c) for c in finding.citations],
        "until": finding.until.isoformat() if finding.until else None,
        "actions": [asdict(a) for a in finding.actions],
        "label": finding.label,
        "rule": finding.rule,
    }


def render_findings(findings: tuple[Finding, ...], console: Console, *, audience: str) -> None:
    """A table of findings, most serious first, with the message for the audience."""
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Finding")
    for finding in findings:
        message = finding.clinician_message if audience == "clinician" else finding.patient_message
        sources = "; ".join(f"{c.title} §{c.section}" for c in finding.citations)
        cell = Text(finding.title, style="bold")
        cell.append(f"\n{message}", style="")
        cell.append(f"\nSources: {sources}", style="dim")
        table.add_row(
            Text(finding.severity.value.replace("_", " "), style=SEVERITY_STYLE[finding.severity]),
            cell,
        )
    console.print(table)
    console.print(Text(CARE_TEAM_LINE, style="dim"))


def print_findings(findings: list[Finding], *, as_json: bool, audience: str) -> None:
    """Print findings as JSON or as a table for the audience."""
    reader = parse_audience(audience).value
    if as_json:
        document = {
            "findings": [build_finding_document(f) for f in findings],
            "knowledge_version": default_knowledge().version,
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return
    render_findings(tuple(findings), Console(), audience=reader)
