"""Measure the question-answering engine on a labelled question set (used by tests and bench)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ofacare.knowledge.answer import answer_question, rank_facts
from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.schema import Audience


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """A question as people ask it, and the facts that must support its answer.

    `expect` empty means the knowledge base cannot answer it and the engine must abstain.
    """

    question: str
    expect: tuple[str, ...]
    audience: Audience = Audience.PATIENT
    country: str | None = None
    urgency: str | None = None


@dataclass(slots=True)
class Report:
    answerable: int = 0
    top1: int = 0
    """Answerable questions whose first-ranked fact is a right one (before the abstain decision)."""
    answered_right: int = 0
    """Answerable questions answered (not abstained) with a right fact first."""
    top3: int = 0
    unanswerable: int = 0
    abstained_correctly: int = 0
    abstained_wrongly: int = 0
    confident_on_unanswerable: list[str] = field(default_factory=list)
    urgency_total: int = 0
    urgency_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.answerable if self.answerable else 0.0

    @property
    def answered_right_share(self) -> float:
        return self.answered_right / self.answerable if self.answerable else 0.0

    @property
    def top3_accuracy(self) -> float:
        return self.top3 / self.answerable if self.answerable else 0.0

    @property
    def abstention_precision(self) -> float:
        abstained = self.abstained_correctly + self.abstained_wrongly
        return self.abstained_correctly / abstained if abstained else 1.0


def evaluate_answers(questions: Sequence[LabelledQuestion], kb: KnowledgeBase) -> Report:
    """Answer every question and count top-1, top-3, abstentions and urgency routing."""
    report = Report()
    for item in questions:
        answer = answer_question(item.question, audience=item.audience, country=item.country, kb=kb)
        if item.urgency is not None:
            report.urgency_total += 1
            report.urgency_right += (
                answer.urgency.value if answer.urgency else None
            ) == item.urgency
        if not item.expect:
            report.unanswerable += 1
            if answer.abstained:
                report.abstained_correctly += 1
            else:
                report.confident_on_unanswerable.append(item.question)
            continue
        report.answerable += 1
        if answer.abstained:
            report.abstained_wrongly += 1
        hits, red_flags = rank_facts(item.question, audience=item.audience,
                                     country=item.country, kb=kb)  # fmt: skip
        ranked = [f.id for f in red_flags] + [h.fact.id for h in hits]
        report.top1 += bool(ranked) and ranked[0] in item.expect
        if answer.facts and answer.facts[0] in item.expect and not answer.abstained:
            report.answered_right += 1
        else:
            got = "abstained" if answer.abstained else answer.facts[:1]
            report.misses.append(f"{item.question!r}: got {got}, want {item.expect}")
        report.top3 += any(fact_id in item.expect for fact_id in ranked[:3])
    return report
