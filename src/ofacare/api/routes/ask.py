"""Ask: a question about ofatumumab answered from the knowledge base, with its sources."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.api.auth import CurrentActor, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.api.routes.schedule import CitationOut, citations_out
from ofacare.services import questions
from ofacare.services.questions import QuestionForm

router = APIRouter(tags=["ask"], responses=ERROR_RESPONSES)


class AnswerOut(Out):
    question: str
    answer: str
    abstained: bool
    """True when no fact answers well enough: the answer then says who to ask."""
    confidence: float
    urgency: str | None
    """For a red-flag symptom: emergency, urgent, contact_team or self_care."""
    facts: list[str]
    citations: list[CitationOut]
    who_to_call: str
    knowledge_version: str


@router.post("/ask", response_model=AnswerOut)
def ask(body: QuestionForm, runtime: RuntimeDep, actor: CurrentActor) -> AnswerOut:
    """Answer a question (any signed-in person) from the cited knowledge base only.

    Clinicians get the clinician wording. A question naming a red-flag symptom leads with what to
    do now; with no good match the answer says so and who to ask. No patient data is read.
    """
    answer = questions.ask(runtime, actor, body)
    return AnswerOut(
        question=answer.question,
        answer=answer.answer,
        abstained=answer.abstained,
        confidence=answer.confidence,
        urgency=answer.urgency.value if answer.urgency else None,
        facts=list(answer.facts),
        citations=citations_out(answer.citations),
        who_to_call=answer.who_to_call,
        knowledge_version=answer.knowledge_version,
    )
