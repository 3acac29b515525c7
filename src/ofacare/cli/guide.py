"""`ofacare guide`: write the patient guide or clinician summary as HTML or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ofacare.errors import InvalidInput
from ofacare.guide.render import render_html, render_pdf
from ofacare.guide.sections import build_guide
from ofacare.knowledge.loader import default_knowledge
from ofacare.knowledge.schema import Audience

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
    reader = parse_guide_audience(audience)
    fmt = parse_guide_format(output_format)
    code = parse_guide_country(country)
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


def parse_guide_audience(text: str) -> Audience:
    word = text.strip().lower()
    if word in {Audience.PATIENT, Audience.CLINICIAN}:
        return Audience(word)
    raise InvalidInput(
        "guide.unknown-audience",
        f"audience: '{text}' is not a guide audience.",
        "Use --audience patient or --audience clinician.",
    )


def parse_guide_format(text: str) -> str:
    word = text.strip().lower()
    if word in FORMATS:
        return word
    raise InvalidInput(
        "guide.unknown-format",
        f"format: '{text}' is not a guide format.",
        "Use --format html or --format pdf.",
    )


def parse_guide_country(text: str | None) -> str | None:
    if text is None:
        return None
    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InvalidInput(
            "guide.bad-country",
            f"country: '{text}' is not a two-letter country code.",
            "Use an ISO code such as US, GB, DE or FR, or leave --country out for both labels.",
        )
    return code
