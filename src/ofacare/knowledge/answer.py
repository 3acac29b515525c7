"""Answer a question from the knowledge base only: cite, route symptoms to triage, or abstain.

An answer is composed from the statements of the best-matching facts, never from generated text.
A question that mentions a red-flag symptom leads with its urgency and what to do now. When no fact
matches well enough, the engine says it does not know and who to ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from ofacare.errors import InvalidInput
from ofacare.knowledge.base import CitationRef, KnowledgeBase
from ofacare.knowledge.loader import default_knowledge
from ofacare.knowledge.schema import Audience, Fact, Urgency
from ofacare.knowledge.search import FactIndex, Hit, fact_index
from ofacare.knowledge.symptoms import find_red_flag_facts

MAX_QUESTION_CHARS = 1000
# Tuned on tests/knowledge/questions.yaml, checked on questions_heldout.yaml (docs/ask.md).
ABSTAIN_BELOW = 0.53
COVERAGE_SHARE = 0.6  # the rest of the confidence is closeness in meaning
MEANING_FLOOR = 0.3  # cosine similarity at or below which a fact is unrelated in meaning
SECOND_FACT_RATIO = 0.85  # a runner-up this close to the best answer is shown with it
CARE_TEAM = "your MS nurse or neurologist"
ABSTAIN_TEXT = (
    "I don't have reliable information on that; please ask your MS team ({call}). "
    "ofacare answers only from its reviewed knowledge base."
)


@dataclass(frozen=True, slots=True)
class Answer:
    """What ofacare says to a question, with the facts and sources behind it."""

    question: str
    answer: str
    abstained: bool
    confidence: float
    urgency: Urgency | None
    facts: tuple[str, ...]
    citations: tuple[CitationRef, ...]
    knowledge_version: str
    who_to_call: str


def answer_question(
    question: str,
    *,
    audience: Audience = Audience.PATIENT,
    country: str | None = None,
    kb: KnowledgeBase | None = None,
) -> Answer:
    """Answer from the knowledge base, leading with triage for red-flag symptoms."""
    kb = kb or default_knowledge()
    text = _check_question(question)
    index = fact_index(kb)
    hits, red_flags = rank_facts(text, audience=audience, country=country, kb=kb)
    if red_flags:
        return _triage_answer(text, red_flags, kb=kb, index=index, country=country)
    confidence = compute_confidence(hits)
    if confidence < ABSTAIN_BELOW:
        call = CARE_TEAM
        return Answer(text, ABSTAIN_TEXT.format(call=call), True, round(confidence, 3), None,
                      (), (), kb.version, call)  # fmt: skip
    chosen = [hits[0].fact]
    if (
        len(hits) > 1
        and hits[1].coverage >= hits[0].coverage
        and (hits[1].score >= SECOND_FACT_RATIO * hits[0].score)
    ):
        chosen.append(hits[1].fact)
    body = " ".join(f.statement for f in chosen)
    answer = f"{body} If you have questions about your own treatment, ask {CARE_TEAM}."
    return _answer(
        text, answer, confidence=confidence, urgency=None, facts=chosen, kb=kb, call=CARE_TEAM
    )


def rank_facts(
    question: str, *, audience: Audience, country: str | None, kb: KnowledgeBase
) -> tuple[list[Hit], list[Fact]]:
    """The facts matching a question, best first, and the red-flag symptom facts it mentions."""
    index = fact_index(kb)
    query = index.parse(question)
    hits = index.search(query, audience=audience, country=country, question=question)
    return hits, find_red_flag_facts(question, kb, index.lexicon)


def compute_confidence(hits: list[Hit]) -> float:
    """How sure the best hit answers the question: its word coverage and its closeness in meaning.

    Coverage is the IDF-weighted share of the question's terms the fact mentions; meaning is the
    cosine similarity (semantic.py), scaled so MEANING_FLOOR counts as nothing and 1 as full.

    >>> compute_confidence([])
    0.0
    """
    if not hits:
        return 0.0
    best = hits[0]
    meaning = (best.meaning - MEANING_FLOOR) / (1.0 - MEANING_FLOOR)
    return COVERAGE_SHARE * best.coverage + (1 - COVERAGE_SHARE) * max(0.0, min(1.0, meaning))


def _triage_answer(
    question: str,
    red_flags: list[Fact],
    *,
    kb: KnowledgeBase,
    index: FactIndex,
    country: str | None,
) -> Answer:
    urgency = red_flags[0].urgency or Urgency.SELF_CARE
    number = index.lexicon.emergency_number(country)
    call = {
        Urgency.EMERGENCY: f"the emergency number, {number}",
        Urgency.URGENT: f"{CARE_TEAM} today; if you cannot reach them, {number} or urgent care",
        Urgency.CONTACT_TEAM: CARE_TEAM,
        Urgency.SELF_CARE: f"{CARE_TEAM} if it is severe, lasts or worries you",
    }[urgency]
    headline = {
        Urgency.EMERGENCY: f"This may be an emergency. Call {number} now.",
        Urgency.URGENT: f"Call {CARE_TEAM} today.",
        Urgency.CONTACT_TEAM: f"Tell {CARE_TEAM} soon.",
        Urgency.SELF_CARE: "This can usually be managed at home.",
    }[urgency]
    chosen = [f for f in red_flags if f.urgency is urgency][:2]
    body = " ".join(f.statement for f in chosen)
    answer = f"{headline} {body} Who to call: {call}."
    return _answer(
        question, answer, confidence=1.0, urgency=urgency, facts=chosen, kb=kb, call=call
    )


def _answer(
    question: str,
    text: str,
    *,
    confidence: float,
    urgency: Urgency | None,
    facts: list[Fact],
    kb: KnowledgeBase,
    call: str,
) -> Answer:
    return Answer(
        question=question,
        answer=text,
        abstained=False,
        confidence=round(confidence, 3),
        urgency=urgency,
        facts=tuple(f.id for f in facts),
        citations=tuple(kb.citations(f.id for f in facts)),
        knowledge_version=kb.version,
        who_to_call=call,
    )


def _check_question(question: str) -> str:
    text = " ".join(question.split())
    if not text:
        raise InvalidInput("ask.empty-question", "question: '' is empty.", "Type a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidInput(
            "ask.question-too-long",
            f"question: {len(text)} characters is longer than {MAX_QUESTION_CHARS}.",
            "Ask one shorter question at a time.",
        )
    return text
