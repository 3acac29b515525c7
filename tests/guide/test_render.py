"""The rendered guide: accessible HTML, a real PDF, and the `ofacare guide` command."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
import typer
from pypdf import PdfReader

import ofacare.cli.guide as guide_cli
import ofacare.cli.main as cli_main
from ofacare.cli.guide import guide_command
from ofacare.guide.render import render_html, render_pdf
from ofacare.guide.sections import build_guide
from ofacare.knowledge.schema import Audience
from tests.guide.test_sections import small_kb


class _Outline(HTMLParser):
    """Collects what the accessibility checks need: tags seen, headings, lang, footnote links."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.headings: list[int] = []
        self.lang: str | None = None
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = values.get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and (values.get("href") or "").startswith("#"):
            self.links.append(str(values["href"])[1:])


def _outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def test_html_has_one_h1_lang_landmarks_and_ordered_headings() -> None:
    html = render_html(build_guide(small_kb(), audience=Audience.PATIENT))
    page = _outline(html)
    assert page.lang == "en"
    assert page.tags.count("h1") == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert page.tags.count(landmark) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False))


def test_every_footnote_link_points_at_a_reference_on_the_page() -> None:
    page = _outline(render_html(build_guide(small_kb(), audience=Audience.CLINICIAN)))
    assert any(link.startswith("ref-") for link in page.links)
    assert set(page.links) <= page.ids


def test_statements_are_escaped() -> None:
    html = render_html(build_guide(small_kb(), audience=Audience.PATIENT))
    assert "&lt;b&gt;made&lt;/b&gt; in a lab &amp; tested" in html
    assert "<b>made</b>" not in html


def test_footer_carries_the_knowledge_version_and_date() -> None:
    html = render_html(build_guide(small_kb(), audience=Audience.PATIENT))
    footer = html[html.index("<footer") :]
    assert "test+0001" in footer
    assert "2026-11-21" in footer


def test_pdf_has_several_pages_and_the_heading_text() -> None:
    guide = build_guide(small_kb(), audience=Audience.PATIENT, country="US")
    document = render_pdf(render_html(guide))
    assert document.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(document))
    assert len(reader.pages) > 1
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "When to get help" in text
    assert guide.title.split(":")[0] in text


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run `ofacare guide` through main()'s error handling, on the small knowledge base."""
    app = typer.Typer()
    app.command("guide")(guide_command)

    @app.callback()
    def _root() -> None: ...

    monkeypatch.setattr(cli_main, "app", app)
    monkeypatch.setattr(guide_cli, "default_knowledge", small_kb)


@pytest.mark.usefixtures("cli")
def test_cli_writes_the_html_file(tmp_path: Path) -> None:
    target = tmp_path / "guide.html"
    status = cli_main.main(
        [
            "guide",
            "--audience",
            "clinician",
            "--format",
            "html",
            "--country",
            "DE",
            "-o",
            str(target),
        ]
    )
    assert status == 0
    assert "clinician summary" in target.read_text(encoding="utf-8")


@pytest.mark.usefixtures("cli")
def test_cli_refuses_a_bad_format_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "guide.doc"
    status = cli_main.main(["guide", "--format", "docx", "-o", str(target)])
    assert status == 2
    assert "format: 'docx'" in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.usefixtures("cli")
def test_cli_refuses_a_bad_audience_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["guide", "--audience", "nurse", "-o", "x.html"]) == 2
    assert "audience: 'nurse'" in capsys.readouterr().err
