"""Fuzzing the free-text readers: symptom triage (safety/triage.py, knowledge/symptoms.py) and
questions (knowledge/answer.py, search.py, semantic.py).

Any text, in any script, with control characters, search syntax or a thousand words, gets a
well-formed answer in bounded time (the Hypothesis deadline is the per-input bound), or InvalidInput
naming the field. Triage always gives a level and whom to call, and errs toward the more urgent
level; an answer either cites its facts or abstains and says whom to ask.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from ofacare.cli.main import main
from ofacare.errors import InvalidInput
from ofacare.knowledge import default_knowledge
from ofacare.knowledge.answer import MAX_QUESTION_CHARS, answer_question
from ofacare.knowledge.schema import Audience, Urgency
from ofacare.knowledge.search import fact_index
from ofacare.knowledge.symptoms import load_symptom_lexicon, read_symptoms
from ofacare.safety.triage import MAX_TEXT_CHARS, triage
from tests.fuzz.parser_strategies import CONTROL_TEXT, parser_settings

KB = default_knowledge()
URGENCY_ORDER = tuple(Urgency)
EMERGENCY_SENTENCE = ". My throat is swelling."
_LEXICON = load_symptom_lexicon()
# Words the readers act on: red flags, denials, history and clause words, and search syntax.
VOCABULARY = sorted(
    {word for fact in KB.facts.values() for flag in fact.red_flags for word in flag.split()}
    | set(_LEXICON.negation)
    | {w for phrases in (_LEXICON.resolved, _LEXICON.recurring, _LEXICON.not_symptoms,
                         _LEXICON.clause_breaks) for p in phrases for w in p}
    | {"kesimpta", "injection", "pen", "vaccine", "pregnant", "dose", "fridge", "38.5", "my",
       "i", "have", "what", "how", "can", "will"}
    | {'"', "*", "^", "NEAR(", ")", "AND", "OR", "NOT", "topic:", "-", "+", "|", "'", "\\"}
)  # fmt: skip
SEPARATORS = st.sampled_from(
    [" ", " ", " ", ", ", ". ", "! ", "; ", "\n", " - ", " (", ") ", "\u2014"]
)
WORD_SALAD = st.lists(
    st.tuples(st.sampled_from(VOCABULARY), SEPARATORS).map("".join), max_size=40
).map("".join)
FLAGS = sorted({flag.replace(" + ", " ").replace("|", " ") for fact in KB.facts.values()
                for flag in fact.red_flags})  # fmt: skip
SENTENCE = st.tuples(
    st.sampled_from(["", "", "no ", "not ", "without any ", "I don't have ", "my "]),
    st.sampled_from(FLAGS),
    st.sampled_from(["", "", " after my injection", " every time", ", cleared up now", " still"]),
).map("".join)
SYMPTOMS = st.lists(SENTENCE, min_size=1, max_size=6).flatmap(
    lambda sentences: st.lists(SEPARATORS, min_size=len(sentences), max_size=len(sentences)).map(
        lambda marks: "".join(s + m for s, m in zip(sentences, marks, strict=True))
    )
)
TEXTS = st.one_of(
    SYMPTOMS,
    SYMPTOMS,
    WORD_SALAD,
    st.text(max_size=300),
    CONTROL_TEXT,
    st.text(min_size=1, max_size=5).map(lambda s: s * 400),  # past the length limit
    st.builds(lambda s: s * 990, st.sampled_from(["a", " ", "é", "字"])),  # just inside it
)
VALID_COUNTRIES = st.sampled_from(["GB", "us", "DE", "IN", "FR", "ch", " gb "])
COUNTRIES = st.one_of(st.none(), VALID_COUNTRIES, VALID_COUNTRIES, st.text(max_size=4))
# Mostly the window of the expected injection reaction (days 0-1 after doses 1-3) and beyond it;
# sometimes numbers no one would send.
DAYS = st.one_of(st.none(), st.integers(0, 2), st.integers(0, 60), st.integers(-(2**63), 2**63))
DOSES = st.one_of(st.none(), st.integers(1, 4), st.integers(1, 40), st.integers(-(2**63), 2**63))


@pytest.fixture(scope="module", autouse=True)
def _loaded_once() -> Iterator[None]:
    """Load the search index and the embedding model before the per-input deadline applies."""
    answer_question("How should I store the pens?")
    triage("headache")
    yield


def rank(urgency: Urgency) -> int:
    return URGENCY_ORDER.index(urgency)


@parser_settings(ci=250)
@given(text=TEXTS, days=DAYS, dose=DOSES, country=COUNTRIES)
def test_triage_always_gives_a_level_and_whom_to_call_or_names_the_bad_field(
    text: str, days: int | None, dose: int | None, country: str | None
) -> None:
    try:
        result = triage(text, days_since_injection=days, dose_number=dose, country=country)
    except InvalidInput as error:
        event(f"refused: {error.code}")
        fields = ("text: ", "days_since_injection: ", "dose_number: ", "country: ")
        assert error.message.startswith(fields) and error.hint, error.message
        assert len(error.message) <= 2_000
        return
    assert result.urgency in URGENCY_ORDER
    event(f"urgency {result.urgency}")
    assert result.call and result.advice.endswith(f"Who to call: {result.call}.")
    assert result.facts and result.citations and result.knowledge_version
    assert all(rank(match.urgency) >= rank(result.urgency) for match in result.matched)
    if days is None:  # no injection timing: nothing is the expected reaction, so never self care
        assert result.urgency is not Urgency.SELF_CARE, result.reasons


@parser_settings(ci=150)
@given(
    text=SYMPTOMS | WORD_SALAD | st.text(max_size=200),
    days=st.none() | st.integers(0, 2**63),
)
def test_an_emergency_sentence_added_to_any_text_makes_it_an_emergency(
    text: str, days: int | None
) -> None:
    description = " ".join(text.split())[: MAX_TEXT_CHARS - len(EMERGENCY_SENTENCE)]
    result = triage(description + EMERGENCY_SENTENCE, days_since_injection=days, dose_number=1)
    assert result.urgency is Urgency.EMERGENCY, result.reasons
    assert "emergency" in result.call


@parser_settings(ci=150)
@given(TEXTS)
def test_reading_any_text_finds_red_flags_inside_the_text(text: str) -> None:
    reading = read_symptoms(text, KB)
    for match in reading.matches:
        assert match.positions and max(match.positions) < len(reading.tokens)
        assert match.fact.red_flags and match.fact.urgency is not None


@parser_settings(ci=200)
@given(question=TEXTS, audience=st.sampled_from(Audience), country=COUNTRIES)
def test_an_answer_cites_its_facts_or_abstains_and_says_whom_to_ask(
    question: str, audience: Audience, country: str | None
) -> None:
    try:
        answer = answer_question(question, audience=audience, country=country)
    except InvalidInput as error:
        event(f"refused: {error.code}")
        assert error.message.startswith("question: ") and error.code.startswith("ask."), error
        assert len(" ".join(question.split())) in {0} | set(range(MAX_QUESTION_CHARS + 1, 10**6))
        return
    assert answer.who_to_call and answer.knowledge_version
    assert 0.0 <= answer.confidence <= 1.0
    event("abstained" if answer.abstained else f"answered ({answer.urgency or 'facts'})")
    if answer.abstained:
        assert not answer.facts and not answer.citations
        assert answer.who_to_call in answer.answer
    else:
        assert answer.facts and answer.citations
        assert all(fact_id in KB.facts for fact_id in answer.facts)
        assert KB.facts[answer.facts[0]].statement in answer.answer


@parser_settings(ci=100)
@given(question=TEXTS, country=COUNTRIES)
def test_search_reads_any_text_as_terms_without_search_syntax_errors(
    question: str, country: str | None
) -> None:
    index = fact_index(KB)
    query = index.parse(question)
    hits = index.search(query, audience=Audience.CLINICIAN, country=country, question=question)
    assert len(hits) <= 5
    for hit in hits:
        assert 0.0 <= hit.coverage <= 1.0 and -1.0 <= hit.meaning <= 1.0


NUMBER_TEXT = st.one_of(
    st.integers(-5, 40).map(str), st.sampled_from(["", "abc", "1e3", "٣", " 2 ", str(2**64)])
)


@parser_settings(ci=60)
@given(
    command=st.sampled_from(["triage", "ask"]),
    text=TEXTS,
    options=st.dictionaries(
        st.sampled_from(["--days-since-injection", "--dose-number", "--country", "--audience"]),
        NUMBER_TEXT | COUNTRIES.map(str) | st.sampled_from(["patient", "clinician", "nurse"]),
        max_size=3,
    ),
)
@example(command="triage", text="\n", options={})  # the message quoted a line break: two lines
@example(command="ask", text="why?", options={"--country": "\n"})
def test_the_cli_answers_any_text_with_a_verdict_or_one_error_line(
    command: str, text: str, options: dict[str, str]
) -> None:
    allowed = {"triage": {"--days-since-injection", "--dose-number", "--country"},
               "ask": {"--country", "--audience"}}[command]  # fmt: skip
    args = [command, "--json", *(p for k, v in options.items() if k in allowed for p in (k, v))]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, "--", text])
    event(f"{command}: exit {code}")
    assert "Traceback" not in err.getvalue()
    if code == 0:
        document = json.loads(out.getvalue())
        assert document.get("call") or document.get("who_to_call"), document
    else:
        assert code == 2, err.getvalue()
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), err.getvalue()
