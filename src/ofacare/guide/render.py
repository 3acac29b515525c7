"""Render a built guide as an accessible HTML page (Jinja2) and as a PDF (WeasyPrint)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ofacare.guide.sections import Guide
from ofacare.knowledge.schema import Audience

TEMPLATE = "guide.html.j2"
STYLESHEET = "guide.css"
JURISDICTION_NAMES = {"US": "United States", "EU": "European Union", "UK": "United Kingdom",
                      "CH": "Switzerland"}  # fmt: skip


def render_html(guide: Guide) -> str:
    """Render the guide as one self-contained HTML page (styles inlined, statements escaped)."""
    template = _environment().get_template(TEMPLATE)
    return template.render(
        guide=guide,
        css=Markup(_stylesheet()),  # our own packaged file, never user input
        label=_label_for(guide),
        audience_word="patients" if guide.audience is Audience.PATIENT else "clinicians",
        knowledge_date=guide.knowledge_date.isoformat() if guide.knowledge_date else "unknown",
        footnote_label=_footnote_label,
    )


def render_pdf(html: str) -> bytes:
    """Lay the HTML page out as a PDF with WeasyPrint (page numbers come from the print CSS)."""
    # Imported here: WeasyPrint is slow to import, and the HTML guide does not need it.
    from weasyprint import HTML  # type: ignore[import-untyped]  # noqa: PLC0415

    document: bytes = HTML(string=html).write_pdf()
    return document


def _label_for(guide: Guide) -> str:
    if guide.jurisdiction is None:
        return "Covers the US and EU labels; points that differ are marked US or EU."
    name = JURISDICTION_NAMES.get(guide.jurisdiction, guide.jurisdiction)
    return f"Follows the {name} label ({guide.jurisdiction})."


def _footnote_label(footnotes: tuple[int, ...]) -> str:
    numbers = ", ".join(str(n) for n in footnotes)
    return f"Source{'s' if len(footnotes) > 1 else ''} {numbers}"


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("ofacare.guide", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _stylesheet() -> str:
    return (resources.files("ofacare.guide") / "templates" / STYLESHEET).read_text(encoding="utf-8")
