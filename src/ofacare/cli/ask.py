"""`ofacare ask`: answer a question from the knowledge base, with sources, or say who to ask."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from ofacare.cli.arguments import parse_audience, parse_country
from ofacare.knowledge.answer import Answer, answer_question
from ofacare.knowledge.schema import Urgency

URGENCY_STYLE = {
    Urgency.EMERGENCY: "bold white on red",
    Urgency.URGENT: "bold red",
    Urgency.CONTACT_TEAM: "bold yellow",
    Urgency.SELF_CARE: "green",
}


def ask_command(
    question: Annotated[str, typer.Argument(help="Your question, in your own words.")],
    audience: Annotated[str, typer.Option("--audience", help="patient or clinician.")] = "patient",
    country: Annotated[
        str | None, typer.Option("--country", help="Two-letter country code, e.g. US, GB, DE.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Answer a question about ofatumumab from ofacare's cited knowledge base."""
    answer = answer_question(
        question, audience=parse_audience(audience), country=parse_country(country)
    )
    if as_json:
        print(json.dumps(build_answer_document(answer), indent=2, ensure_ascii=False))
        return
    render_answer(answer, Console())


def build_answer_document(answer: Answer) -> dict[str, Any]:
    """The answer in the `ofacare ask --json` shape."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "confidence": answer.confidence,
        "urgency": answer.urgency.value if answer.urgency else None,
        "facts": list(answer.facts),
        "citations": [asdict(c) for c in answer.citations],
        "knowledge_version": answer.knowledge_version,
        "who_to_call": answer.who_to_call,
    }


def render_answer(answer: Answer, console: Console) -> None:
    if answer.urgency is not None:
        console.print(
            Panel(
                Text(answer.answer),
                title=answer.urgency.value.replace("_", " ").upper(),
                style=URGENCY_STYLE[answer.urgency],
            )
        )
    else:
        console.print(answer.answer)
    for citation in answer.citations:
        console.print(Text(f"  - {citation.title} §{citation.section}", style="dim"))
    console.print(
        Text(
            f"Confidence {answer.confidence:.2f}. Knowledge base {answer.knowledge_version}. "
            "ofacare supports your MS team and never replaces it.",
            style="dim",
        )
    )
