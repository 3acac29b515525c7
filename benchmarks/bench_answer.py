"""Accuracy and latency of `ofacare ask` on the labelled question set in tests/knowledge."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

from ofacare.knowledge import default_knowledge
from ofacare.knowledge.answer import answer_question
from ofacare.knowledge.evaluation import LabelledQuestion, Report, evaluate_answers
from ofacare.knowledge.schema import Audience

QUESTIONS = Path(__file__).parent.parent / "tests" / "knowledge" / "questions.yaml"
HELD_OUT = QUESTIONS.with_name("questions_heldout.yaml")


def load_questions(path: Path = QUESTIONS) -> list[LabelledQuestion]:
    raw = yaml.safe_load(path.read_text("utf-8"))["questions"]
    return [
        LabelledQuestion(
            question=item["q"],
            expect=tuple(item.get("expect") or ()),
            audience=Audience(item.get("audience", "patient")),
            country=item.get("country"),
            urgency=item.get("urgency"),
        )
        for item in raw
    ]


def main() -> None:
    kb = default_knowledge()
    began = time.perf_counter()
    answer_question("warm-up question", kb=kb)
    print(f"question answering (start-up {1000 * (time.perf_counter() - began):.0f} ms, "
          "including the embedding model)")  # fmt: skip
    tuning = load_questions()
    print_report("tuning set (questions.yaml)", evaluate_answers(tuning, kb))
    held_out = load_questions(HELD_OUT)
    print_report("held-out set (questions_heldout.yaml)", evaluate_answers(held_out, kb))
    latencies = []
    for item in tuning * 3:
        start = time.perf_counter()
        answer_question(item.question, audience=item.audience, country=item.country, kb=kb)
        latencies.append(1000 * (time.perf_counter() - start))
    latencies.sort()
    print(
        f"  latency per question: median {statistics.median(latencies):.2f} ms, "
        f"p95 {latencies[int(0.95 * len(latencies))]:.2f} ms, max {latencies[-1]:.2f} ms"
    )


def print_report(name: str, report: Report) -> None:
    print(f"  {name}: {report.answerable} answerable, {report.unanswerable} unanswerable")
    total = report.answerable
    print(f"    top-1 (first-ranked fact): {report.top1_accuracy:.1%} ({report.top1}/{total})")
    print(f"    top-3                    : {report.top3_accuracy:.1%} ({report.top3}/{total})")
    print(
        f"    answered with a right fact: {report.answered_right_share:.1%} "
        f"({report.answered_right}/{report.answerable}; the rest abstained or answered wrongly)"
    )
    print(
        f"    abstention precision     : {report.abstention_precision:.1%} "
        f"({report.abstained_correctly} right, {report.abstained_wrongly} wrong); "
        f"confident answers to unanswerable: {len(report.confident_on_unanswerable)}"
        f"/{report.unanswerable} {report.confident_on_unanswerable}"
    )
    print(f"    urgency routing          : {report.urgency_right}/{report.urgency_total}")
    for miss in report.misses[:5]:
        print(f"    miss: {miss}")
