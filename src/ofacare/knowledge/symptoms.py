"""Read a symptom description: the red-flag facts it names, and the signs it denies or puts past.

A description is cut into sentences and clauses (commas, "but", "and then", full stops). Each word
is put in the form red-flag phrases use: lay words and common misspellings through the lexicon
(lexicon.yaml `symptom_words`), other misspellings by the closest red-flag word, then a crude stem
so "swelling" meets "swollen". A red-flag phrase matches when its words come in order within one
clause (at most MAX_GAP words between two of them); "A + B" flags need both parts in one sentence.
A match is negated when a denial ("no", "not", "without", "don't", "denies") comes just before it
in its clause, and past when a phrase such as "cleared up" follows an urgent sign in its sentence.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ofacare.errors import KnowledgeDataError
from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.lexicon import Lexicon, load_lexicon, words
from ofacare.knowledge.schema import Fact, Urgency

MAX_GAP = 3  # other words allowed between two words of a red-flag phrase
NEGATION_REACH = {Urgency.EMERGENCY: 1}  # words a denial may stand before an emergency sign
DEFAULT_NEGATION_REACH = 4  # ...and before any other sign ("without any swelling or fever")
MIN_SPELL_LENGTH = 5  # shorter words are too often real words to correct
SPELL_CUTOFF = 0.82  # "tried" (0.80) is not "tired"; "feaver" (0.91) is "fever"
SPELL_CACHE_SIZE = 10_000  # corrected words remembered per knowledge base
URGENCY_ORDER = tuple(Urgency)
QUESTION_WORDS = frozenset(
    ["what", "how", "does", "do", "is", "are", "can", "will", "why", "when", "which", "who",
     "should", "could", "would", "may", "might", "has", "have", "was", "were", "did"]
)  # fmt: skip
IRREGULAR_STEMS = {"swollen": "swell", "swelled": "swell"}
SENTENCE_END = re.compile(r"[.!?;\n]+(?=\s|$)")  # a full stop inside "38.5" ends nothing
CLAUSE_MARK = re.compile(r"[,:()\u2013\u2014]|\s-\s")

Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class SymptomLexicon:
    """How symptom descriptions are read: lay spellings, denials, clause ends, history cues."""

    spelling: Mapping[str, str]
    negation: frozenset[str]
    clause_breaks: tuple[Phrase, ...]
    resolved: tuple[Phrase, ...]
    recurring: tuple[Phrase, ...]
    not_symptoms: tuple[Phrase, ...]


@dataclass(frozen=True, slots=True)
class SymptomMatch:
    """One red flag of a fact found in the text, and whether the text denies it or puts it past."""

    fact: Fact
    phrase: str
    """The red flag as written in the knowledge base."""
    words: str
    """The words of the text it matched, as read (spelling corrected)."""
    positions: frozenset[int]
    negated: bool = False
    past: bool = False
    cue: str = ""
    """The denial ("no") or the history phrase ("cleared up") behind `negated` or `past`."""

    @property
    def counts(self) -> bool:
        """Whether this is a sign the person has now."""
        return not (self.negated or self.past)


@dataclass(frozen=True, slots=True)
class SymptomReading:
    """What a description says: every red flag found (denied ones too) and context cues."""

    tokens: tuple[str, ...]
    matches: tuple[SymptomMatch, ...]
    recurring: bool
    """The text says the reaction comes back with every injection ("every time")."""


@dataclass(frozen=True, slots=True)
class _Text:
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    clauses: tuple[int, ...]
    sentences: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Flag:
    fact: Fact
    text: str
    parts: tuple[tuple[Phrase, ...], ...]
    """Each part's alternatives, as stems; a plain phrase is one part with one alternative."""


def find_symptoms(
    text: str, kb: KnowledgeBase, lexicon: SymptomLexicon | None = None
) -> list[SymptomMatch]:
    """Every red flag the text names, denied and past ones included, most urgent first.

    >>> from ofacare.knowledge import default_knowledge
    >>> [(m.fact.id, m.negated) for m in find_symptoms("no fever, but my throat is swelling",
    ...                                                default_knowledge())]
    [('triage.emergency-allergy', False), ('triage.infection', True), \
('triage.injection-reaction-self-care', True)]
    """
    return list(read_symptoms(text, kb, lexicon).matches)


def read_symptoms(
    text: str, kb: KnowledgeBase, lexicon: SymptomLexicon | None = None
) -> SymptomReading:
    """Read a description into its red-flag matches and whether it speaks of every injection."""
    matcher = _matcher(kb, lexicon or load_symptom_lexicon())
    return matcher.read(text)


HYPOTHETICAL_STARTS = frozenset({"will", "would", "could", "might"})


def find_red_flag_facts(question: str, kb: KnowledgeBase, lexicon: Lexicon) -> list[Fact]:
    """The red-flag facts a question names and does not deny, most urgent first.

    Emergency signs always count. Below that the question must speak of someone now: a personal
    cue ("my", "I have", "since") or a start that is not a question word, so "how common are
    rashes?" is answered from the facts while "I have a rash" goes to triage.
    """
    reading = read_symptoms(question, kb)
    tokens = reading.tokens
    hypothetical = bool(tokens) and tokens[0] in HYPOTHETICAL_STARTS  # "will I feel fluey?"
    personal = not hypothetical and (
        bool(lexicon.personal_cues.intersection(tokens))
        or (bool(tokens) and tokens[0] not in QUESTION_WORDS)
    )
    found: dict[str, Fact] = {}
    covered: dict[str, set[int]] = {}
    for match in reading.matches:
        urgency = match.fact.urgency
        if match.counts and urgency is not None and (personal or urgency is Urgency.EMERGENCY):
            found.setdefault(match.fact.id, match.fact)
            covered.setdefault(match.fact.id, set()).update(match.positions)
    # Most urgent first; at the same level, the fact whose signs cover more of the words
    # ("skin turning yellow and more tired" is the liver fact before the flu-like one).
    return sorted(found.values(), key=lambda f: (urgency_rank(f), -len(covered[f.id])))


def stem(word: str) -> str:
    """A crude stem so 'breathing' meets 'breathe' and 'swelling' meets 'swollen'.

    >>> stem("breathing"), stem("breathe"), stem("fevers"), stem("swollen")
    ('breath', 'breath', 'fever', 'swell')
    """
    if word in IRREGULAR_STEMS:
        return IRREGULAR_STEMS[word]
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def urgency_rank(fact: Fact) -> int:
    """0 for emergency up to 3 for self care; facts without urgency last."""
    return URGENCY_ORDER.index(fact.urgency) if fact.urgency else len(URGENCY_ORDER)


@cache
def load_symptom_lexicon(folder: Path | None = None) -> SymptomLexicon:
    """Read `symptom_words` from data/lexicon.yaml (from `folder` when given)."""
    root = folder or Path(str(resources.files("ofacare.knowledge") / "data"))
    try:
        raw = yaml.safe_load((root / "lexicon.yaml").read_text("utf-8"))["symptom_words"]
        return SymptomLexicon(
            spelling={str(k).lower(): str(v).lower() for k, v in raw["spelling"].items()},
            negation=frozenset(str(w).lower() for w in raw["negation"]),
            clause_breaks=_phrases(raw["clause_breaks"]),
            resolved=_phrases(raw["resolved"]),
            recurring=_phrases(raw["recurring"]),
            not_symptoms=_phrases(raw["not_symptoms"]),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeDataError(
            "knowledge.bad-lexicon", f"lexicon.yaml, field 'symptom_words': cannot be read ({exc})"
        ) from exc


def _phrases(raw: Any) -> tuple[Phrase, ...]:
    return tuple(tuple(words(str(p))) for p in raw)


@cache
def _matcher(kb: KnowledgeBase, lexicon: SymptomLexicon) -> _Matcher:
    return _Matcher(kb, lexicon, load_lexicon())


class _Matcher:
    """The red flags of one knowledge base, compiled once, and the reading of texts against them."""

    def __init__(self, kb: KnowledgeBase, lexicon: SymptomLexicon, lay: Lexicon) -> None:
        self.lexicon = lexicon
        self.order = {fact_id: n for n, fact_id in enumerate(kb.facts)}
        self.flags = [
            _Flag(fact, flag, self._compile(flag))
            for fact in kb.facts.values()
            for flag in fact.red_flags
        ]
        self.targets = sorted(
            {self._spell_known(w) for f in kb.facts.values() for w in words(" ".join(f.red_flags))}
        )
        self.known = _known_words(kb, lexicon, lay)
        self._spelled: dict[str, str] = {}

    def read(self, text: str) -> SymptomReading:
        parsed = self._parse(text)
        matches = [m for flag in self.flags for m in self._find(flag, parsed)]
        matches = _drop_contained(matches)
        matches.sort(key=lambda m: (urgency_rank(m.fact), self.order[m.fact.id], min(m.positions)))
        recurring = any(
            not self._denied(parsed, set(span), Urgency.SELF_CARE)
            for phrase in self.lexicon.recurring
            for span in _occurrences(tuple(stem(w) for w in phrase), parsed, gap=0)
        )
        return SymptomReading(parsed.tokens, tuple(matches), recurring)

    def _compile(self, flag: str) -> tuple[tuple[Phrase, ...], ...]:
        return tuple(
            tuple(
                tuple(stem(self._spell_known(w)) for w in words(alternative))
                for alternative in part.split("|")
            )
            for part in flag.split(" + ")
        )

    def _spell_known(self, word: str) -> str:
        return self.lexicon.spelling.get(word, word)

    def _spell(self, word: str) -> str:
        """The word red flags use for this word: lexicon spelling, else the closest flag word."""
        if word in self.lexicon.spelling:
            return self.lexicon.spelling[word]
        if len(word) < MIN_SPELL_LENGTH or word in self.known or not word.isalpha():
            return word
        if word not in self._spelled:
            if len(self._spelled) >= SPELL_CACHE_SIZE:
                self._spelled.clear()
            # Misspellings keep their first letter; this keeps "painting" from becoming "fainting".
            same_start = [t for t in self.targets if t[:1] == word[:1]]
            close = difflib.get_close_matches(word, same_start, n=1, cutoff=SPELL_CUTOFF)
            self._spelled[word] = close[0] if close else word
        return self._spelled[word]

    def _parse(self, text: str) -> _Text:
        tokens: list[str] = []
        clauses: list[int] = []
        sentences: list[int] = []
        clause = 0
        normal = text.lower().replace("\u2019", "'")
        for sentence_number, sentence in enumerate(SENTENCE_END.split(normal)):
            for chunk in CLAUSE_MARK.split(sentence):
                clause += 1
                chunk_tokens = [self._spell(w) for w in words(chunk)]
                for index in range(len(chunk_tokens)):
                    if index and _starts_any(chunk_tokens, index, self.lexicon.clause_breaks):
                        clause += 1
                    clauses.append(clause)
                    sentences.append(sentence_number)
                tokens.extend(chunk_tokens)
        stems = [stem(t) for t in tokens]
        for phrase in self.lexicon.not_symptoms:  # "yellow fever" is a vaccine, not a fever
            for start in range(len(tokens) - len(phrase) + 1):
                if tuple(tokens[start : start + len(phrase)]) == phrase:
                    stems[start : start + len(phrase)] = [""] * len(phrase)
        return _Text(tuple(tokens), tuple(stems), tuple(clauses), tuple(sentences))

    def _find(self, flag: _Flag, text: _Text) -> Iterator[SymptomMatch]:
        urgency = flag.fact.urgency
        if len(flag.parts) == 1:
            for alternative in flag.parts[0]:
                for span in _occurrences(alternative, text, gap=MAX_GAP):
                    yield self._match(flag, text, [span], urgency)
            return
        for sentence in sorted(set(text.sentences)):
            found = [
                [s for a in part for s in _occurrences(a, text) if text.sentences[s[0]] == sentence]
                for part in flag.parts
            ]
            if all(found):
                clear = [[s for s in spans if not self._denied(text, set(s), urgency)]
                         for spans in found]  # fmt: skip
                chosen = [c[0] for c in clear] if all(clear) else [f[0] for f in found]
                yield self._match(flag, text, chosen, urgency)

    def _match(
        self, flag: _Flag, text: _Text, spans: list[tuple[int, ...]], urgency: Urgency | None
    ) -> SymptomMatch:
        positions = frozenset(p for span in spans for p in span)
        denial = next((d for s in spans if (d := self._denied(text, set(s), urgency))), "")
        history = self._history(text, positions) if urgency is Urgency.URGENT else ""
        shown = " ".join(text.tokens[p] for p in sorted(positions))
        return SymptomMatch(flag.fact, " ".join(flag.text.split()), shown, positions,
                            negated=bool(denial), past=bool(history) and not denial,
                            cue=denial or history)  # fmt: skip

    def _denied(self, text: _Text, span: set[int], urgency: Urgency | None) -> str:
        """The denying word before (or inside) a span in its clause, or ''."""
        first, last = min(span), max(span)
        reach = NEGATION_REACH.get(urgency, DEFAULT_NEGATION_REACH) if urgency else 0
        for index in range(max(0, first - 1 - reach), last):
            if index in span or text.clauses[index] != text.clauses[first]:
                continue
            if text.tokens[index] in self.lexicon.negation:
                return text.tokens[index]
        return ""

    def _history(self, text: _Text, positions: frozenset[int]) -> str:
        """A phrase after the sign in its sentence saying it has passed ("cleared up"), or ''."""
        last = max(positions)
        for phrase in self.lexicon.resolved:
            for start in range(last + 1, len(text.tokens) - len(phrase) + 1):
                same = text.sentences[start] == text.sentences[last]
                if same and tuple(text.tokens[start : start + len(phrase)]) == phrase:
                    return " ".join(phrase)
        return ""


def _occurrences(phrase: Phrase, text: _Text, gap: int = MAX_GAP) -> Iterator[tuple[int, ...]]:
    """Where the phrase's words occur in order within one clause, at most `gap` words apart."""
    if not phrase:
        return
    stems = text.stems
    for start, word in enumerate(stems):
        if word != phrase[0]:
            continue
        span = [start]
        for wanted in phrase[1:]:
            at = span[-1]
            window = range(at + 1, min(len(stems), at + 2 + gap))
            nxt = next((i for i in window if stems[i] == wanted), None)
            if nxt is None or text.clauses[nxt] != text.clauses[start]:
                break
            span.append(nxt)
        else:
            yield tuple(span)


def _starts_any(tokens: list[str], index: int, phrases: tuple[Phrase, ...]) -> bool:
    return any(tuple(tokens[index : index + len(p)]) == p for p in phrases)


def _drop_contained(matches: list[SymptomMatch]) -> list[SymptomMatch]:
    """One match per fact and place: a flag inside a longer match of the same fact goes."""
    unique: dict[tuple[str, frozenset[int], bool], SymptomMatch] = {}
    for match in matches:
        unique.setdefault((match.fact.id, match.positions, match.counts), match)
    return [
        m
        for m in unique.values()
        if not any(
            o.fact.id == m.fact.id and o.counts == m.counts and m.positions < o.positions
            for o in unique.values()
        )
    ]


def _known_words(kb: KnowledgeBase, lexicon: SymptomLexicon, lay: Lexicon) -> frozenset[str]:
    """Words that are spelt right: every word of the knowledge base and of the lexicon."""
    known: set[str] = set(lay.stopwords) | set(lay.personal_cues) | set(lexicon.negation)
    for term, expansions in lay.terms.items():
        known.update(words(term), *(words(e) for e in expansions))
    for fact in kb.facts.values():
        text = " ".join([fact.topic, fact.statement, *fact.synonyms, *fact.red_flags])
        known.update(words(text))
    known.update(lexicon.spelling.values())
    return frozenset(known)
