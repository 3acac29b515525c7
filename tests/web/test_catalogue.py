"""The translation catalogue holds every string the pages show, and a translation is used."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader

from ofacare.web import localisation
from ofacare.web.rendering import TEMPLATES

WEB = Path(localisation.__file__).parent
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS = {
    "**/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
}


def _extracted() -> set[str]:
    found = extract_from_dir(str(WEB), METHODS, options_map=OPTIONS)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def test_the_committed_catalogue_holds_every_string_of_the_pages() -> None:
    with (WEB / "locale" / "messages.pot").open("rb") as pot:
        committed = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    missing = sorted(_extracted() - committed)
    assert not missing, f"run `make messages`; not in messages.pot: {missing[:10]}"


def test_a_translated_catalogue_changes_what_the_page_says() -> None:
    catalog = Catalog(locale="fr")
    catalog.add("Sign in to ofacare", "Se connecter à ofacare")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    env = Environment(loader=FileSystemLoader(TEMPLATES), extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(Translations(buffer), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(csrf_field="csrf_token", static_version="1")
    html = env.get_template("common/sign_in.html").render(
        viewer=None, reader=localisation.Reader(language="fr"), csrf_token="", values={}, errors={}
    )
    assert "Se connecter à ofacare" in html
