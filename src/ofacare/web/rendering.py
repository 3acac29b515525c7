"""Render a page: one Jinja2 environment with autoescaping, gettext and the reader's formats."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ofacare.web.localisation import Reader, choose_language, translations
from ofacare.web.session import CSRF_FIELD, Viewer

TEMPLATES = Path(__file__).parent / "templates"
STATIC_VERSION = "1"
"""Raised when static files change, so browsers fetch them afresh."""


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["csrf_field"] = CSRF_FIELD
    env.globals["static_version"] = STATIC_VERSION
    return env


def reader_for(request: Request, *, country: str | None = None, timezone: str = "UTC") -> Reader:
    language = choose_language(request.headers.get("accept-language"))
    return Reader(language=language, country=country, timezone=timezone)


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None,
    reader: Reader | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `template` with the context every page has: the viewer, reader and CSRF token."""
    reader = reader or reader_for(request)
    env = environment(reader.language)
    html = env.get_template(template).render(
        request=request,
        viewer=viewer,
        reader=reader,
        csrf_token=viewer.csrf_token if viewer else "",
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
