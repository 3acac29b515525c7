"""`ofacare facts`: list the knowledge base's facts, or show one with its sources."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ofacare.knowledge import KnowledgeBase, default_knowledge
from ofacare.knowledge.schema import Fact

facts_app = typer.Typer(help="List the knowledge base's facts, or show one.", no_args_is_help=False)


@facts_app.callback(invoke_without_command=True)
def list_facts(
    ctx: typer.Context,
    topic: Annotated[str | None, typer.Option("--topic", help="Only facts of this topic.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List facts (all, or of one topic)."""
    if ctx.invoked_subcommand is not None:
        return
    kb = default_knowledge()
    chosen = [f for f in kb.facts.values() if topic is None or f.topic == topic.strip().lower()]
    if as_json:
        document = {
            "knowledge_version": kb.version,
            "facts": [fact_document(f, kb) for f in chosen],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{len(chosen)} facts (knowledge base {kb.version})", title_justify="left")
    for column in ("id", "topic", "audience", "value", "statement"):
        table.add_column(column, overflow="fold")
    for fact in chosen:
        table.add_row(fact.id, fact.topic, fact.audience.value, _value(fact), fact.statement)
    Console().print(table)


@facts_app.command("show")
def show_fact(fact_id: Annotated[str, typer.Argument(help="The fact's id.")]) -> None:
    """Show one fact with its value, sources and review date."""
    kb = default_knowledge()
    fact = kb.get_fact(fact_id.strip())
    print(json.dumps(fact_document(fact, kb), indent=2, ensure_ascii=False))


def fact_document(fact: Fact, kb: KnowledgeBase) -> dict[str, Any]:
    document = fact.model_dump(mode="json", exclude_defaults=True)
    document["citations"] = kb.cite([fact.id])
    return document


def _value(fact: Fact) -> str:
    if fact.value is not None:
        return f"{fact.value:g} {fact.unit}"
    if fact.range is not None:
        return f"{fact.range.low:g}-{fact.range.high:g} {fact.unit}"
    return ""
