"""`ofacare screen PROFILE.json`: the pre-treatment checklist and whether the first dose can go."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from ofacare.cli.arguments import parse_audience, read_json
from ofacare.cli.findings import build_finding_document, render_findings
from ofacare.safety.profile import parse_profile
from ofacare.safety.screening import Readiness, ScreeningResult, screen

READINESS_TEXT = {
    Readiness.READY: ("Ready to start", "bold green"),
    Readiness.WAIT: ("Wait", "bold yellow"),
    Readiness.REFER: ("Refer before starting", "bold red"),
    Readiness.DO_NOT_START: ("Do not start", "bold white on red"),
}


def screen_command(
    profile_file: Annotated[Path, typer.Argument(help="The screening profile (JSON).")],
    audience: Annotated[
        str, typer.Option("--audience", help="patient or clinician.")
    ] = "clinician",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check a person against the pre-treatment rules: tests, vaccines, pregnancy, conditions."""
    result = screen(parse_profile(read_json(profile_file, field="PROFILE")))
    if as_json:
        print(json.dumps(build_screening_document(result), indent=2, ensure_ascii=False))
        return
    console = Console()
    label, style = READINESS_TEXT[result.readiness]
    line = Text(label, style=style)
    if result.earliest_start_on is not None:
        line.append(f"  earliest start {result.earliest_start_on.isoformat()}", style="bold")
    if result.missing:
        line.append(f"  still needed: {', '.join(result.missing)}")
    console.print(line)
    render_findings(result.findings, console, audience=parse_audience(audience).value)


def build_screening_document(result: ScreeningResult) -> dict[str, Any]:
    """The `ofacare screen --json` shape."""
    return {
        "readiness": result.readiness.value,
        "earliest_start_on": result.earliest_start_on.isoformat()
        if result.earliest_start_on
        else None,
        "findings": [build_finding_document(f) for f in result.findings],
        "missing": list(result.missing),
        "knowledge_version": result.knowledge_version,
    }
