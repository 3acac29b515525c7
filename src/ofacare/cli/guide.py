"""`ofacare guide`: write the patient guide or clinician summary as HTML or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ofacare.cli.arguments import parse_audience, parse_country
from ofacare.errors import InvalidInput
from ofacare.guide.render import render_html, render_pdf
from ofacare.guide.sections import build_guide
from ofacare.knowledge.loader import default_knowledge

FORMATS = ("html", "pdf")


def guide_command(
    audience: Annotated[
        str, typer.Option("--audience", help="patient (guide) or clinician (summary).")
    ] = "patient",
    output_format: Annotated[str, typer.Option("--format", help="html or pdf.")] = "html",
    country: Annotated[
        str | None,
        typer.Option(
            "--country", help="Two-letter country code (US, GB, DE...); omit for both labels."
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")] = Path(
        "guide.html"
    ),
) -> None:
    """Write the patient guide or clinician summary, every statement footnoted to its sources."""
    reader = parse_audience(audience)
    fmt = parse_guide_format(output_format)
    code = parse_country(country)
    guide = build_guide(default_knowledge(), audience=reader, country=code)
    html = render_html(guide)
    try:
        if fmt == "pdf":
            output.write_bytes(render_pdf(html))
        else:
            output.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            "guide.cannot-write",
            f"output: '{output}' cannot be written ({exc.strerror}).",
            "Choose a file in a folder that exists and that you can write to.",
        ) from exc
    print(f"Wrote the {guide.audience.value} {fmt.upper()} guide to {output}.")


def parse_guide_format(text: str) -> str:
    word = text.strip().lower()
    if word in FORMATS:
        return word
    raise InvalidInput(
        "guide.unknown-format",
        f"format: '{text}' is not a guide format.",
        "Use --format html or --format pdf.",
    )
