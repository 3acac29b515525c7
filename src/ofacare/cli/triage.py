"""`ofacare triage`: how soon to act on symptoms described in your own words, and whom to call."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from ofacare.cli.arguments import parse_country
from ofacare.cli.ask import URGENCY_STYLE
from ofacare.safety.triage import TriageResult, triage


def triage_command(
    text: Annotated[str, typer.Argument(help="Your symptoms, in your own words.")],
    days_since_injection: Annotated[
        int | None,
        typer.Option(
            "--days-since-injection", help="Whole days since your last injection (0: same day)."
        ),
    ] = None,
    dose_number: Annotated[
        int | None,
        typer.Option("--dose-number", help="Which injection that was: 1, 2, 3 starting doses..."),
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="Two-letter country code, e.g. US, GB, DE.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Rate symptoms: emergency, urgent, contact your team, or self care; and whom to call."""
    result = triage(
        text,
        days_since_injection=days_since_injection,
        dose_number=dose_number,
        country=parse_country(country),
    )
    if as_json:
        print(json.dumps(build_triage_document(result), indent=2, ensure_ascii=False))
        return
    render_triage(result, Console())


def build_triage_document(result: TriageResult) -> dict[str, Any]:
    """The result in the `ofacare triage --json` shape."""
    return {
        "urgency": result.urgency.value,
        "advice": result.advice,
        "call": result.call,
        "reasons": list(result.reasons),
        "matched": [
            {"symptom": m.symptom, "fact": m.fact, "urgency": m.urgency.value}
            for m in result.matched
        ],
        "citations": [asdict(c) for c in result.citations],
        "knowledge_version": result.knowledge_version,
    }


def render_triage(result: TriageResult, console: Console) -> None:
    """Lead with the urgency and whom to call; then the advice, why, and the sources."""
    title = result.urgency.value.replace("_", " ").upper()
    body = Text()
    body.append(f"Call: {result.call}\n\n", style="bold")
    body.append(result.advice)
    console.print(Panel(body, title=title, style=URGENCY_STYLE[result.urgency]))
    console.print(Text("Why:", style="bold"))
    for reason in result.reasons:
        console.print(Text(f"  - {reason}"))
    console.print(Text("Sources:", style="bold"))
    for citation in result.citations:
        console.print(Text(f"  - {citation.title} §{citation.section}", style="dim"))
    console.print(
        Text(
            f"Knowledge base {result.knowledge_version}. "
            "ofacare supports your MS team and never replaces it.",
            style="dim",
        )
    )
