"""Find the facts that answer a question: BM25 over SQLite FTS5, lay words, spelling tolerance.

The index holds each fact's topic, statement, synonyms and red flags. A question is cut into
words; lay words and phrases add the words facts use (lexicon.yaml); a misspelt word is replaced by
the closest word of the index. Audience and country filter the facts before ranking.
"""

from __future__ import annotations

import difflib
import math
import sqlite3
import threading
from dataclasses import dataclass
from functools import cache

from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.lexicon import Lexicon, load_lexicon, words
from ofacare.knowledge.schema import Audience, Fact
from ofacare.knowledge.semantic import SemanticScorer

# Countries whose label is the EU one (EU/EEA, plus the UK for this purpose; see CONF-13).
EU_LABEL_COUNTRIES = frozenset(
    ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
     "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
     "GB", "UK"]
)  # fmt: skip
COLUMN_WEIGHTS = (4.0, 1.0, 3.0, 2.0, 2.0)  # topic, statement, synonyms, red flags, asked
UNKNOWN_TERM_WEIGHT = 3.0  # a word no fact uses: weighs like a rare word, not more
SCORE_SHARE = 0.35  # how much BM25 (relative to the best) adds to term coverage when ranking
MEANING_SHARE = 1.5  # how much meaning (cosine similarity, semantic.py) adds when ranking
MIN_SPELL_LENGTH = 5  # shorter words are too often real words ("fine", not "faint")


@dataclass(frozen=True, slots=True)
class Hit:
    """A fact that matched, its BM25 score (higher is better) and the share of terms it covers."""

    fact: Fact
    score: float
    coverage: float
    meaning: float = 0.0
    """Cosine similarity of question and fact (0 when no semantic scorer is used)."""

    @property
    def rank(self) -> float:
        return self.coverage + MEANING_SHARE * self.meaning


@dataclass(frozen=True, slots=True)
class Query:
    """A question cut into meaningful terms: each a set of alternative words."""

    terms: tuple[frozenset[str], ...]
    tokens: tuple[str, ...]
    in_phrases: frozenset[int] = frozenset()
    """Positions of tokens that belong to a lay phrase ("yellow fever"), not to a symptom."""


class FactIndex:
    """An in-memory FTS5 index of a knowledge base's facts."""

    def __init__(
        self, kb: KnowledgeBase, lexicon: Lexicon, *, semantic: SemanticScorer | None = None
    ) -> None:
        self.kb = kb
        self.semantic = semantic
        self.lexicon = lexicon
        self._facts = list(kb.facts.values())
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE facts USING fts5(topic, statement, synonyms, red_flags, asked, "
            "tokenize='porter unicode61')"
        )
        self._db.executemany(
            "INSERT INTO facts(rowid, topic, statement, synonyms, red_flags, asked) "
            "VALUES (?,?,?,?,?,?)",
            [
                (n, f.topic + " " + f.id.replace(".", " ").replace("-", " "), f.statement,
                 " ".join(f.synonyms), " ".join(f.red_flags), " ".join(kb.phrasings.get(f.id, ())))
                for n, f in enumerate(self._facts)
            ],
        )  # fmt: skip
        self._known = {
            w for f in self._facts for w in words(_text(f, kb.phrasings.get(f.id, ())))
        } | set(lexicon.terms)
        self._vocabulary = sorted(self._known)

    def parse(self, question: str) -> Query:
        """Cut a question into terms, expanding lay words and correcting spelling."""
        tokens = [self._spell(w) for w in self._split(words(question))]
        terms: list[frozenset[str]] = []
        used: set[int] = set()
        for size in (3, 2):  # phrases first: "flu jab" before "jab"
            for start in range(len(tokens) - size + 1):
                span = range(start, start + size)
                phrase = " ".join(tokens[i] for i in span)
                if phrase in self.lexicon.terms and not used.intersection(span):
                    terms.append(frozenset({*phrase.split(), *self.lexicon.terms[phrase]}))
                    used.update(span)
        for index, token in enumerate(tokens):
            if index in used or token in self.lexicon.stopwords or len(token) < 2:
                continue
            terms.append(frozenset({token, *self.lexicon.terms.get(token, ())}))
        return Query(tuple(terms), tuple(tokens), frozenset(used))

    def search(
        self,
        query: Query,
        *,
        audience: Audience,
        country: str | None,
        limit: int = 5,
        question: str = "",
    ) -> list[Hit]:
        """Rank the facts open to this audience and country; best first."""
        alternatives = sorted({w for term in query.terms for w in term})
        if not alternatives:
            return []
        expression = _expression(frozenset(alternatives))
        with self._lock:
            rows = self._db.execute(
                "SELECT rowid, bm25(facts, ?, ?, ?, ?, ?) FROM facts WHERE facts MATCH ? "
                "ORDER BY 2 LIMIT 60",
                (*COLUMN_WEIGHTS, expression),
            ).fetchall()
        weights = [self._weight(term) for term in query.terms]
        meaning = self.semantic.similarities(question) if self.semantic and question else None
        hits = [
            Hit(
                self._facts[rowid],
                -rank,
                self._coverage(query, weights, rowid),
                float(meaning[rowid]) if meaning is not None else 0.0,
            )
            for rowid, rank in rows
            if _open_to(self._facts[rowid], audience, country)
        ]
        best = max((h.score for h in hits), default=1.0) or 1.0
        hits.sort(key=lambda h: h.rank + SCORE_SHARE * h.score / best, reverse=True)
        return hits[:limit]

    def _weight(self, term: frozenset[str]) -> float:
        """A term's inverse document frequency: rare words say more about what is asked.

        A term no fact mentions weighs most: it is what the facts cannot answer.
        """
        with self._lock:
            (found,) = self._db.execute(
                "SELECT count(*) FROM facts WHERE facts MATCH ?", (_expression(term),)
            ).fetchone()
        total = len(self._facts)
        idf = math.log(1.0 + (total - found + 0.5) / (found + 0.5))
        return min(idf, UNKNOWN_TERM_WEIGHT) if found == 0 else idf

    def _coverage(self, query: Query, weights: list[float], rowid: int) -> float:
        """The weighted share of the question's terms that this fact mentions in some form."""
        if not query.terms:
            return 0.0
        covered = 0.0
        with self._lock:
            for term, weight in zip(query.terms, weights, strict=True):
                found = self._db.execute(
                    "SELECT 1 FROM facts WHERE facts MATCH ? AND rowid = ?",
                    (_expression(term), rowid),
                ).fetchone()
                covered += weight if found else 0.0
        return covered / sum(weights)

    def _split(self, tokens: list[str]) -> list[str]:
        """Hyphenated words the lexicon does not know become their parts: "hbsag-negative"."""
        parts: list[str] = []
        for token in tokens:
            if "-" in token and token not in self.lexicon.terms and token not in self._known:
                parts.extend(p for p in token.split("-") if p)
            else:
                parts.append(token)
        return parts

    def _spell(self, token: str) -> str:
        if (
            len(token) < MIN_SPELL_LENGTH
            or token in self.lexicon.stopwords
            or token in self.lexicon.terms
        ):
            return token
        if token in self._known:
            return token
        close = difflib.get_close_matches(token, self._vocabulary, n=1, cutoff=0.8)
        return close[0] if close else token


@cache
def fact_index(kb: KnowledgeBase) -> FactIndex:
    """The index of a knowledge base with its semantic re-ranker, built once per knowledge base."""
    groups = [
        (_text(f, kb.phrasings.get(f.id, ())), f.statement, *kb.phrasings.get(f.id, ()))
        for f in kb.facts.values()
    ]
    return FactIndex(kb, load_lexicon(), semantic=SemanticScorer(groups))


def country_jurisdiction(country: str | None) -> str | None:
    """The label jurisdiction a country follows: US, EU, CH or None when unknown.

    >>> country_jurisdiction("de"), country_jurisdiction("US"), country_jurisdiction(None)
    ('EU', 'US', None)
    """
    code = (country or "").upper()
    if code in {"US", "CH"}:
        return code
    if code in EU_LABEL_COUNTRIES:
        return "UK" if code in {"GB", "UK"} else "EU"
    return None


def _open_to(fact: Fact, audience: Audience, country: str | None) -> bool:
    if audience is Audience.PATIENT and fact.audience is Audience.CLINICIAN:
        return False
    if fact.jurisdiction == "all" or country is None:
        return True
    jurisdiction = country_jurisdiction(country)
    if jurisdiction == "UK":
        return fact.jurisdiction in {"UK", "EU"}
    return jurisdiction is None or fact.jurisdiction == jurisdiction


def _text(fact: Fact, phrasings: tuple[str, ...]) -> str:
    return " ".join([fact.topic, fact.statement, *fact.synonyms, *fact.red_flags, *phrasings])


def _expression(term: frozenset[str]) -> str:
    return " OR ".join(_quote(w) for w in sorted(term))


def _quote(word: str) -> str:
    return '"' + word.replace('"', "") + '"'
