"""Symptom triage: how soon to act on what a person describes, and whom to call.

Levels, most urgent first: emergency (call the emergency number now), urgent (the MS team or
prescriber today), contact_team (tell the team soon), self_care (expected; manage at home, with
when to call). The most urgent sign the text names wins; a sign the text denies does not count.

Context rule (clinical-rules.md TRIAGE-3, WARN-4): the expected injection reaction explains
flu-like signs (fever, chills, headache, aching muscles, tiredness) only within the window of
`adverse.injection-reaction-timing` (24 hours: day 0 or day 1) after one of the first
`triage.expected-reaction-doses` (3) injections; the dose number must be known, because most
people are on monthly doses, when a new flu-like illness may be an infection. Outside the window,
or with no timing given, the same signs read as a possible infection: urgent. A reaction where
the person injected is self care within the window after injections 1-3, or when the dose number
is not given; when it lasts past the window, comes with no timing, or first appears after a later
dose, it is for the team (contact_team). A reaction the text says comes with every injection, with
no timing given, is for the team too. Nothing recognised is contact_team, never self care.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ofacare.errors import InvalidInput, quote_value
from ofacare.knowledge.base import CitationRef, KnowledgeBase
from ofacare.knowledge.lexicon import load_lexicon
from ofacare.knowledge.loader import default_knowledge
from ofacare.knowledge.schema import Urgency
from ofacare.knowledge.symptoms import SymptomMatch, SymptomReading, read_symptoms

MAX_TEXT_CHARS = 1000
HOURS_PER_DAY = 24
CARE_TEAM = "your MS nurse or neurologist"
WINDOW = "adverse.injection-reaction-timing"
EXPECTED_DOSES = "triage.expected-reaction-doses"
EXPECTED = "triage.injection-reaction-self-care"
LASTING = "triage.lasting-reaction"
UNRECOGNISED = "triage.unrecognised"
NOTHING_CURRENT = "triage.nothing-current"
HOLD = "triage.hold-next-dose"
PREMEDICATION = "adverse.premedication-not-needed"
# Facts whose signs the expected injection reaction can explain: a possible infection.
INFECTION_SIGNS = frozenset({"triage.infection", "triage.flu-like"})
MAX_ADVICE_FACTS = 2  # statements at the winning level, most urgent sign first
URGENCY_ORDER = tuple(Urgency)


@dataclass(frozen=True, slots=True)
class TriageMatch:
    """A sign found in the text, the fact it matched, and the level it was given in context."""

    symptom: str
    fact: str
    urgency: Urgency


@dataclass(frozen=True, slots=True)
class TriageResult:
    """How soon to act, what to do, whom to call, and why, with the sources behind it."""

    urgency: Urgency
    advice: str
    call: str
    reasons: tuple[str, ...]
    matched: tuple[TriageMatch, ...]
    citations: tuple[CitationRef, ...]
    knowledge_version: str
    facts: tuple[str, ...]
    """The facts the advice is made of."""

    def __post_init__(self) -> None:
        if not self.advice or not self.call:
            raise ValueError("a triage result needs advice and someone to call")


@dataclass(frozen=True, slots=True)
class InjectionContext:
    """When the last injection was, and the expected-reaction window read from the facts."""

    days_since_injection: int | None
    dose_number: int | None
    window_days: int
    window_hours: float
    expected_doses: int

    def explains_flu_like(self) -> bool:
        """Whether flu-like signs now are the expected reaction to the last injection."""
        return self._in_window() and self.dose_number is not None and self._early_dose()

    def explains_site_reaction(self) -> bool:
        """Whether a reaction where the person injected is the expected one."""
        return self._in_window() and (self.dose_number is None or self._early_dose())

    def why_not(self) -> str:
        """Why the window does not apply, in glue words."""
        if self.days_since_injection is None:
            return "no injection timing given"
        if not self._in_window():
            return f"day {self.days_since_injection} is past the {self.window_hours:g}-hour window"
        if self.dose_number is None:
            return "the dose number is not given"
        return f"injection {self.dose_number} is after the first {self.expected_doses}"

    def where(self) -> str:
        dose = f"injection {self.dose_number}" if self.dose_number else "an injection"
        return f"day {self.days_since_injection} after {dose}"

    def _in_window(self) -> bool:
        days = self.days_since_injection
        return days is not None and days <= self.window_days

    def _early_dose(self) -> bool:
        return self.dose_number is not None and self.dose_number <= self.expected_doses


@dataclass(frozen=True, slots=True)
class _Verdict:
    match: SymptomMatch
    urgency: Urgency
    advice: str
    reason: str
    used_context: bool = False


def triage(
    text: str,
    *,
    days_since_injection: int | None = None,
    dose_number: int | None = None,
    country: str | None = None,
    kb: KnowledgeBase | None = None,
) -> TriageResult:
    """Rate a symptom description: emergency, urgent, contact_team or self_care, and whom to call.

    >>> triage("my throat is swelling", country="GB").call
    'the emergency number 999 now'
    >>> triage("headache and chills", days_since_injection=0, dose_number=1).urgency.value
    'self_care'
    >>> triage("headache and chills").urgency.value
    'urgent'
    """
    kb = kb or default_knowledge()
    description = _check_text(text)
    context = _context(kb, days_since_injection, dose_number)
    number = load_lexicon().emergency_number(_check_country(country))
    reading = read_symptoms(description, kb)
    verdicts, notes = _judge(reading, context)
    urgency = min((v.urgency for v in verdicts), key=URGENCY_ORDER.index, default=None)
    if urgency is None:
        return _unrecognised(kb, reading, number)
    advice_ids = _advice_facts([v for v in verdicts if v.urgency is urgency], urgency)
    call = who_to_call(urgency, number)
    rule_ids = [WINDOW, EXPECTED_DOSES] if any(v.used_context for v in verdicts) or notes else []
    reasons = [
        *(v.reason for v in verdicts),
        *notes,
        *_uncounted(reading),
        f"most urgent: {urgency}",
    ]
    return _result(kb, urgency, advice_ids, call, reasons=reasons, verdicts=verdicts,
                   cited=advice_ids + rule_ids)  # fmt: skip


def _judge(reading: SymptomReading, context: InjectionContext) -> tuple[list[_Verdict], list[str]]:
    """Give each sign the text names a level, the fact whose advice applies, and the reason.

    Also returns notes on the signs the expected injection reaction does not explain.
    """
    counted = [m for m in reading.matches if m.counts]
    expected = [m for m in counted if m.fact.id == EXPECTED]
    explained: set[int] = set()
    verdicts: list[_Verdict] = []
    notes: list[str] = []
    for match in expected:
        covered = [
            n
            for n, other in enumerate(counted)
            if other.fact.id in INFECTION_SIGNS and other.positions <= match.positions
        ]
        verdict = (
            _flu_like(match, context, recurring=reading.recurring)
            if covered
            else _site_reaction(match, context)
        )
        if verdict is not None:
            verdicts.append(verdict)
            explained.update(covered)
        else:
            notes.append(f"'{match.words}' is not the expected injection reaction: "
                         f"{context.why_not()}")  # fmt: skip
    for n, match in enumerate(counted):
        if match.fact.id != EXPECTED and n not in explained and match.fact.urgency is not None:
            level = match.fact.urgency
            reason = f"'{match.words}': {match.fact.id} ({level})"
            verdicts.append(_Verdict(match, level, match.fact.id, reason))
    return sorted(verdicts, key=lambda v: URGENCY_ORDER.index(v.urgency)), notes


def who_to_call(urgency: Urgency, number: str) -> str:
    """Whom to call at this level, with the country's emergency number.

    >>> who_to_call(Urgency.URGENT, "911")
    'your MS nurse or neurologist today; if you cannot reach them, urgent care or the emergency \
number 911'
    """
    emergency = f"the emergency number {number}" if number[:1].isdigit() else number
    return {
        Urgency.EMERGENCY: f"{emergency} now",
        Urgency.URGENT: f"{CARE_TEAM} today; if you cannot reach them, urgent care or {emergency}",
        Urgency.CONTACT_TEAM: f"{CARE_TEAM} soon; if you feel very unwell, {emergency}",
        Urgency.SELF_CARE: f"{CARE_TEAM} if it is severe, lasts or worries you; "
        f"{emergency} in an emergency",
    }[urgency]


def _flu_like(
    match: SymptomMatch, context: InjectionContext, *, recurring: bool
) -> _Verdict | None:
    if context.explains_flu_like():
        reason = (
            f"'{match.words}' on {context.where()}: within {context.window_hours:g} hours of one "
            f"of the first {context.expected_doses} injections, the expected injection reaction "
            f"({EXPECTED}, self_care)"
        )
        return _Verdict(match, Urgency.SELF_CARE, EXPECTED, reason, used_context=True)
    if recurring and context.days_since_injection is None:
        reason = f"'{match.words}' comes back with every injection ({LASTING}, contact_team)"
        return _Verdict(match, Urgency.CONTACT_TEAM, LASTING, reason)
    return None  # the infection reading of the same words stands


def _site_reaction(match: SymptomMatch, context: InjectionContext) -> _Verdict:
    if context.explains_site_reaction():
        reason = (
            f"'{match.words}' where the injection went, on {context.where()}: the expected "
            f"local reaction ({EXPECTED}, self_care)"
        )
        return _Verdict(match, Urgency.SELF_CARE, EXPECTED, reason, used_context=True)
    reason = (
        f"'{match.words}' where the injection went, {context.why_not()}: ({LASTING}, contact_team)"
    )
    return _Verdict(match, Urgency.CONTACT_TEAM, LASTING, reason, used_context=True)


def _advice_facts(verdicts: list[_Verdict], urgency: Urgency) -> list[str]:
    ids = list(dict.fromkeys(v.advice for v in verdicts))[:MAX_ADVICE_FACTS]
    if urgency in {Urgency.EMERGENCY, Urgency.URGENT} and not INFECTION_SIGNS.intersection(ids):
        ids.append(HOLD)  # the infection facts say to hold the next dose themselves
    elif urgency is Urgency.SELF_CARE:
        ids.append(PREMEDICATION)
    return ids


def _uncounted(reading: SymptomReading) -> list[str]:
    return [
        f"'{m.words}' is denied ('{m.cue}'); not counted"
        if m.negated
        else f"'{m.words}' has passed ('{m.cue}'); not counted"
        for m in reading.matches
        if not m.counts
    ]


def _unrecognised(kb: KnowledgeBase, reading: SymptomReading, number: str) -> TriageResult:
    # Signs the text denies or puts in the past are known not to be current; text with no sign
    # ofacare knows could be anything, so it goes to the team today (the more urgent level).
    if reading.matches:  # only denied or past signs: nothing to act on today
        fact_id, urgency = NOTHING_CURRENT, Urgency.CONTACT_TEAM
    else:
        fact_id = UNRECOGNISED
        urgency = kb.get_fact(fact_id).urgency or Urgency.URGENT
    reasons = [*_uncounted(reading), f"no current red-flag sign ({fact_id}, {urgency})"]
    call = who_to_call(urgency, number)
    return _result(kb, urgency, [fact_id], call, reasons=reasons, verdicts=[], cited=[fact_id])


def _result(
    kb: KnowledgeBase,
    urgency: Urgency,
    advice_ids: list[str],
    call: str,
    *,
    reasons: list[str],
    verdicts: list[_Verdict],
    cited: list[str],
) -> TriageResult:
    statements = " ".join(kb.statement(fact_id) for fact_id in advice_ids)
    matched = {
        (v.match.words, v.match.fact.id): TriageMatch(v.match.words, v.match.fact.id, v.urgency)
        for v in verdicts
    }
    return TriageResult(
        urgency=urgency,
        advice=f"{statements} Who to call: {call}.",
        call=call,
        reasons=tuple(dict.fromkeys(reasons)),
        matched=tuple(matched.values()),
        citations=tuple(kb.citations(dict.fromkeys(cited))),
        knowledge_version=kb.version,
        facts=tuple(advice_ids),
    )


def _context(kb: KnowledgeBase, days: int | None, dose: int | None) -> InjectionContext:
    if days is not None and days < 0:
        raise InvalidInput(
            "input.bad-days-since-injection",
            f"days_since_injection: {days} is below 0.",
            "Give whole days since the last injection: 0 for the same day, 1 for the next day.",
        )
    if dose is not None and dose < 1:
        raise InvalidInput(
            "input.bad-dose-number",
            f"dose_number: {dose} is not a dose number.",
            "Count injections from 1, the first starting dose, or leave the dose number out.",
        )
    hours = kb.number(WINDOW, "hour")
    return InjectionContext(
        days_since_injection=days,
        dose_number=dose,
        window_days=math.ceil(hours / HOURS_PER_DAY),
        window_hours=hours,
        expected_doses=kb.whole_number(EXPECTED_DOSES, "count"),
    )


def _check_text(text: str) -> str:
    description = " ".join(text.split())
    if not description:
        raise InvalidInput(
            "input.empty-symptoms",
            f"text: {quote_value(text)} is empty.",
            "Describe the symptoms in words.",
        )
    if len(description) > MAX_TEXT_CHARS:
        raise InvalidInput(
            "input.symptoms-too-long",
            f"text: {len(description)} characters is longer than {MAX_TEXT_CHARS}.",
            "Describe the main symptoms in fewer words.",
        )
    return description


def _check_country(country: str | None) -> str | None:
    if country is None:
        return None
    code = country.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InvalidInput(
            "input.bad-country",
            f"country: {quote_value(country)} is not a two-letter country code.",
            "Use an ISO code such as US, GB, DE, FR or IN, or leave the country out.",
        )
    return code
