"""Accuracy, under- and over-triage, and latency of `ofacare triage` on the labelled symptom set."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ofacare.knowledge import KnowledgeBase, default_knowledge
from ofacare.knowledge.schema import Urgency
from ofacare.safety.triage import TriageResult, triage

CASES = Path(__file__).parent.parent / "tests" / "safety" / "triage_cases.yaml"
HELD_OUT = CASES.with_name("triage_cases_heldout.yaml")
LEVELS = tuple(Urgency)


@dataclass(frozen=True, slots=True)
class TriageCase:
    """A symptom description in lay words, its context, and the level a careful nurse would give."""

    text: str
    level: Urgency
    days_since_injection: int | None = None
    dose_number: int | None = None
    country: str | None = None
    call: str | None = None
    note: str = ""

    def run(self, kb: KnowledgeBase) -> TriageResult:
        return triage(self.text, days_since_injection=self.days_since_injection,
                      dose_number=self.dose_number, country=self.country, kb=kb)  # fmt: skip


@dataclass(slots=True)
class TriageReport:
    total: int = 0
    exact: int = 0
    confusion: Counter[tuple[Urgency, Urgency]] = field(default_factory=Counter)
    """(expected, given) -> count."""
    under_triaged_emergencies: list[str] = field(default_factory=list)
    """Emergencies rated below urgent: the failure that must never happen."""
    emergencies_not_emergency: list[str] = field(default_factory=list)
    wrong_calls: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.exact / self.total if self.total else 0.0

    @property
    def under_triage(self) -> int:
        """Cases rated less urgent than labelled."""
        return sum(n for (want, got), n in self.confusion.items() if _rank(got) > _rank(want))

    @property
    def over_triage(self) -> int:
        """Cases rated more urgent than labelled."""
        return sum(n for (want, got), n in self.confusion.items() if _rank(got) < _rank(want))


def load_cases(path: Path = CASES) -> list[TriageCase]:
    raw = yaml.safe_load(path.read_text("utf-8"))["cases"]
    return [
        TriageCase(
            text=item["text"],
            level=Urgency(item["level"]),
            days_since_injection=item.get("days_since_injection"),
            dose_number=item.get("dose_number"),
            country=item.get("country"),
            call=item.get("call"),
            note=item.get("note", ""),
        )
        for item in raw
    ]


def evaluate_triage(cases: list[TriageCase], kb: KnowledgeBase) -> TriageReport:
    """Triage every case and count exact levels, the confusion, and the emergency misses."""
    report = TriageReport()
    for case in cases:
        result = case.run(kb)
        got = result.urgency
        report.total += 1
        report.confusion[(case.level, got)] += 1
        if got is case.level:
            report.exact += 1
        else:
            context = f"day {case.days_since_injection}, dose {case.dose_number}"
            report.misses.append(f"{case.text!r} ({context}): got {got}, want {case.level}")
        if case.level is Urgency.EMERGENCY and got is not Urgency.EMERGENCY:
            report.emergencies_not_emergency.append(case.text)
            if _rank(got) > _rank(Urgency.URGENT):
                report.under_triaged_emergencies.append(case.text)
        if case.call is not None and case.call not in result.call:
            report.wrong_calls.append(f"{case.text!r}: {result.call!r} lacks {case.call}")
    return report


def main() -> None:
    cases = load_cases()
    kb = default_knowledge()
    began = time.perf_counter()
    triage("warm-up", kb=kb)
    print(f"symptom triage: {len(cases)} labelled descriptions "
          f"(start-up {1000 * (time.perf_counter() - began):.0f} ms)")  # fmt: skip
    report = evaluate_triage(cases, kb)
    print(f"  exact accuracy      : {report.accuracy:.1%} ({report.exact}/{report.total})")
    print(f"  under-triage        : {report.under_triage} rated less urgent than labelled; "
          f"emergencies rated below urgent: {len(report.under_triaged_emergencies)}, "
          f"below emergency: {len(report.emergencies_not_emergency)}")  # fmt: skip
    print(f"  over-triage         : {report.over_triage} rated more urgent than labelled")
    print(f"  emergency numbers   : {len(report.wrong_calls)} wrong")
    print("  confusion (rows: labelled, columns: given)")
    print("    " + " " * 13 + "".join(f"{level.value:>13}" for level in LEVELS))
    for want in LEVELS:
        row = "".join(f"{report.confusion[(want, got)]:>13}" for got in LEVELS)
        print(f"    {want.value:<13}{row}")
    latencies = []
    for case in cases * 5:
        start = time.perf_counter()
        case.run(kb)
        latencies.append(1000 * (time.perf_counter() - start))
    latencies.sort()
    print(
        f"  latency per text    : median {statistics.median(latencies):.2f} ms, "
        f"p95 {latencies[int(0.95 * len(latencies))]:.2f} ms, max {latencies[-1]:.2f} ms"
    )
    for miss in report.misses[:10]:
        print(f"  miss: {miss}")
    held_out = evaluate_triage(load_cases(HELD_OUT), kb)
    print(
        f"  held-out set ({held_out.total} descriptions, written without sight of the red flags):"
    )
    print(f"    exact accuracy    : {held_out.accuracy:.1%} ({held_out.exact}/{held_out.total})")
    print(f"    emergencies rated below urgent: {len(held_out.under_triaged_emergencies)}, "
          f"below emergency: {len(held_out.emergencies_not_emergency)}; "
          f"under-triage {held_out.under_triage}, over-triage {held_out.over_triage}, "
          f"wrong numbers {len(held_out.wrong_calls)}")  # fmt: skip
    for miss in held_out.misses:
        print(f"    miss: {miss}")


def _rank(level: Urgency) -> int:
    return LEVELS.index(level)
