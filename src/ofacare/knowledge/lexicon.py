"""The lay vocabulary people use for what the facts say, read from data/lexicon.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from ofacare.errors import KnowledgeDataError

WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Lay words and phrases mapped to the words facts use; stopwords; emergency numbers."""

    terms: dict[str, tuple[str, ...]]
    stopwords: frozenset[str]
    emergency_numbers: dict[str, str]
    personal_cues: frozenset[str]

    def emergency_number(self, country: str | None) -> str:
        """The number to call in an emergency in this country (ISO code), or a general phrase."""
        key = (country or "").upper()
        return self.emergency_numbers.get(key, self.emergency_numbers["default"])


def words(text: str) -> list[str]:
    """Lower-case word tokens of a text.

    >>> words("Can I get the flu-jab? It's late!")
    ['can', 'i', 'get', 'the', 'flu-jab', "it's", 'late']
    """
    return WORD.findall(text.lower())


@cache
def load_lexicon(folder: Path | None = None) -> Lexicon:
    """Read data/lexicon.yaml (from `folder` when given)."""
    root = (
        folder if folder is not None else Path(str(resources.files("ofacare.knowledge") / "data"))
    )
    path = root / "lexicon.yaml"
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
        terms = {
            str(k).lower(): tuple(str(v).lower() for v in vs) for k, vs in raw["lexicon"].items()
        }
        stopwords = frozenset(str(w).lower() for w in raw["stopwords"])
        numbers = {str(k): str(v) for k, v in raw["emergency_numbers"].items()}
        cues = frozenset(str(w).lower() for w in raw["personal_cues"])
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeDataError(
            "knowledge.bad-lexicon", f"lexicon.yaml: cannot be read ({exc})"
        ) from exc
    if "default" not in numbers:
        raise KnowledgeDataError(
            "knowledge.bad-lexicon", "lexicon.yaml, field 'emergency_numbers': no 'default'"
        )
    return Lexicon(terms, stopwords, numbers, cues)
