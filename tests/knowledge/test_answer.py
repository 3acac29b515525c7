"""Question answering: answers only from facts, cites, routes red flags, abstains when unsure."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.bench_answer import HELD_OUT, load_questions

from ofacare.cli.main import main
from ofacare.errors import InvalidInput
from ofacare.knowledge import default_knowledge
from ofacare.knowledge.answer import answer_question
from ofacare.knowledge.evaluation import evaluate_answers
from ofacare.knowledge.schema import Audience

KB = default_knowledge()
QUESTIONS = load_questions()
GOLDEN = Path(__file__).parent / "golden"
REPORT = evaluate_answers(QUESTIONS, KB)  # answering 267 questions once serves every test


def test_the_question_set_is_large_and_varied():
    assert len(QUESTIONS) >= 150
    assert sum(1 for q in QUESTIONS if not q.expect) >= 15
    assert sum(1 for q in QUESTIONS if q.urgency == "emergency") >= 5
    assert sum(1 for q in QUESTIONS if q.audience is Audience.CLINICIAN) >= 15
    for item in QUESTIONS:
        assert all(f in KB.facts for f in item.expect), item.question


def test_almost_no_confident_answer_to_a_question_the_knowledge_base_cannot_answer():
    # Aim: none. Known miss: "what dose of ocrevus will i get" matches the Ocrevus comparison
    # facts on most of its words (see docs/ask.md).
    report = REPORT
    assert len(report.confident_on_unanswerable) <= 1, report.confident_on_unanswerable
    assert report.abstained_correctly >= 0.95 * report.unanswerable


def test_answerable_questions_are_answered_from_the_right_fact():
    report = REPORT
    # Aim: 95% top-1. The floors guard against regressions; `make bench` prints the figures.
    assert report.top1_accuracy >= 0.92, "\n".join(report.misses)
    assert report.answered_right_share >= 0.88, "\n".join(report.misses)
    assert report.top3_accuracy >= 0.97


def test_the_held_out_questions_rank_the_right_fact_first():
    # Written after tuning, without the lexicon, synonyms or tuning set: measures generalisation.
    report = evaluate_answers(load_questions(HELD_OUT), KB)
    assert report.top1_accuracy >= 0.92, "\n".join(report.misses)
    assert report.top3_accuracy >= 0.96
    assert len(report.confident_on_unanswerable) <= 1, report.confident_on_unanswerable


def test_every_labelled_urgent_question_is_routed_to_triage():
    report = REPORT
    assert report.urgency_right == report.urgency_total


@pytest.mark.parametrize(
    "question",
    ["my throat is swelling after my injection", "I can't breathe properly since the pen",
     "swollen tongue and lips after kesimpta"],
)  # fmt: skip
def test_an_emergency_leads_with_the_emergency_number(question):
    answer = answer_question(question, country="US")
    assert answer.urgency is not None and answer.urgency.value == "emergency"
    assert answer.answer.startswith("This may be an emergency. Call 911 now.")
    assert "911" in answer.who_to_call


def test_the_emergency_number_follows_the_country():
    answer = answer_question("trouble breathing after my injection", country="GB")
    assert "999" in answer.answer


def test_an_unanswerable_question_abstains_and_says_who_to_ask():
    answer = answer_question("what is the best pizza topping in Naples")
    assert answer.abstained
    assert answer.facts == ()
    assert "MS team" in answer.answer


def test_every_answer_cites_the_sources_of_its_facts():
    answer = answer_question("I forgot my injection, what should I do?")
    assert not answer.abstained
    cited = {(c.source, c.section) for c in answer.citations}
    for fact_id in answer.facts:
        assert {(s.source, s.section) for s in KB.get_fact(fact_id).sources} <= cited


def test_answer_text_is_made_only_of_fact_statements_and_fixed_wording():
    answer = answer_question("how long can the pen stay out of the fridge")
    rest = answer.answer
    for fact_id in answer.facts:
        rest = rest.replace(KB.get_fact(fact_id).statement, "")
    assert (
        rest.strip()
        == "If you have questions about your own treatment, ask your MS nurse or neurologist."
    )


@pytest.mark.parametrize("bad", ["", "   ", "x" * 1001])
def test_an_empty_or_huge_question_is_refused_naming_the_field(bad):
    with pytest.raises(InvalidInput) as caught:
        answer_question(bad)
    assert caught.value.message.startswith("question:")


def test_ask_json_prints_one_object_in_the_documented_shape(capsys):
    assert main(["ask", "can I have the flu jab while on kesimpta", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) >= {"question", "answer", "abstained", "confidence", "urgency", "facts",
                              "citations", "knowledge_version"}  # fmt: skip
    assert 0 <= document["confidence"] <= 1
    assert all(set(c) == {"source", "title", "section"} for c in document["citations"])


@pytest.mark.parametrize("name", sorted(p.stem for p in GOLDEN.glob("ask-*.json")))
def test_golden_answers_stay_the_same(name):
    golden = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    answer = answer_question(golden["question"], audience=Audience(golden["audience"]),
                             country=golden["country"])  # fmt: skip
    assert {"facts": list(answer.facts), "urgency": answer.urgency and answer.urgency.value,
            "abstained": answer.abstained} == golden["expected"]  # fmt: skip


def test_loading_the_embedding_model_leaves_logging_as_it_was():
    # wordllama configures root logging on import; semantic.py undoes it (library info messages
    # would otherwise reach people's terminals). A fresh process, so the import really runs.
    code = (
        "import logging; from ofacare.knowledge.semantic import SemanticScorer; "
        "SemanticScorer([('a fact',)]); r = logging.getLogger(); print(len(r.handlers), r.level)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", str(logging.WARNING)]
