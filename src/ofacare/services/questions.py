"""Questions about ofatumumab, answered from the knowledge base with sources (no patient data)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from ofacare.knowledge.answer import MAX_QUESTION_CHARS, Answer, answer_question
from ofacare.services.access import Actor
from ofacare.services.forms import Country, Form
from ofacare.services.planning import audience_for
from ofacare.services.runtime import Runtime

Question = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS)
]


class QuestionForm(Form):
    """A question in the asker's own words; the country picks the label where labels differ."""

    question: Question
    country: Country | None = None


def ask(runtime: Runtime, actor: Actor, form: QuestionForm) -> Answer:
    """Answer in the asker's words: clinician facts for clinicians, patient facts for the rest."""
    return answer_question(
        form.question, audience=audience_for(actor), country=form.country, kb=runtime.kb
    )
