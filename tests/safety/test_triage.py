"""Symptom triage: the labelled set, the context rule, negation, several signs, whom to call.

Rules: clinical-rules.md TRIAGE-1..4 and WARN-4; the expected-reaction window is read from the
knowledge base (adverse.injection-reaction-timing, triage.expected-reaction-doses).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from benchmarks.bench_triage import HELD_OUT, evaluate_triage, load_cases

import ofacare
from ofacare.errors import InvalidInput
from ofacare.knowledge import default_knowledge, load_knowledge
from ofacare.knowledge.schema import Urgency
from ofacare.safety.triage import triage

KB = default_knowledge()
CASES = load_cases()
REPORT = evaluate_triage(CASES, KB)  # triaging the 162 cases once serves every test
DATA = Path(ofacare.__file__).parent / "knowledge" / "data"

EMERGENCY = Urgency.EMERGENCY
URGENT = Urgency.URGENT
CONTACT_TEAM = Urgency.CONTACT_TEAM
SELF_CARE = Urgency.SELF_CARE


def level(text: str, **context: int) -> Urgency:
    return triage(text, kb=KB, **context).urgency


# --- The labelled set (tests/safety/triage_cases.yaml) ------------------------------------------


def test_the_labelled_set_is_large_and_covers_every_level_and_kind_of_text():
    assert len(CASES) >= 120
    assert {c.level for c in CASES} == set(Urgency)
    for tag in ("[negation]", "[multi]", "[misspelt]", "[pair]"):
        assert sum(tag in c.note for c in CASES) >= 10, tag


def test_no_labelled_emergency_is_rated_below_urgent():
    assert REPORT.under_triaged_emergencies == []


def test_labelled_emergencies_are_rated_emergency():
    # The aim behind the floor above: every emergency is called an emergency.
    assert REPORT.emergencies_not_emergency == []


def test_at_least_95_percent_of_the_labelled_set_gets_the_exact_level():
    assert REPORT.accuracy >= 0.95, "\n".join(REPORT.misses)


def test_the_held_out_set_never_rates_an_emergency_below_urgent():
    # Written without sight of the red flags: measures new wording (figures in docs/triage.md).
    report = evaluate_triage(load_cases(HELD_OUT), KB)
    assert report.under_triaged_emergencies == []
    assert report.wrong_calls == []
    assert report.accuracy >= 0.90, "\n".join(report.misses)


def test_every_labelled_emergency_number_follows_the_country():
    assert REPORT.wrong_calls == []


# --- Context rule: TRIAGE-3, WARN-4 (US-PI 5.2) -------------------------------------------------


@pytest.mark.parametrize("days", [0, 1])
@pytest.mark.parametrize("dose", [1, 2, 3])
def test_flu_like_signs_within_24_hours_of_injections_1_to_3_are_self_care_us_pi_5_2(days, dose):
    assert level("fever, chills and aching muscles", days_since_injection=days,
                 dose_number=dose) is SELF_CARE  # fmt: skip


def test_flu_like_signs_on_day_2_point_to_infection_triage_2():
    assert level("fever, chills and aching muscles", days_since_injection=2,
                 dose_number=1) is URGENT  # fmt: skip


def test_flu_like_signs_after_dose_4_point_to_infection_triage_2():
    assert level("headache and shivery", days_since_injection=0, dose_number=4) is URGENT
    assert level("headache and shivery", days_since_injection=0, dose_number=3) is SELF_CARE


def test_flu_like_signs_without_timing_or_without_dose_number_are_urgent():
    assert level("headache and a temperature") is URGENT
    assert level("headache and a temperature", days_since_injection=0) is URGENT


def test_fever_with_cough_is_urgent_even_inside_the_window_triage_2():
    assert level("fever and a cough", days_since_injection=0, dose_number=1) is URGENT


@pytest.mark.parametrize(("days", "dose", "want"), [
    (0, 1, SELF_CARE), (1, None, SELF_CARE), (2, 1, CONTACT_TEAM), (6, None, CONTACT_TEAM),
    (None, None, CONTACT_TEAM), (0, 5, CONTACT_TEAM),
])  # fmt: skip
def test_a_reaction_where_the_person_injected_is_self_care_only_in_the_window_triage_3(
    days, dose, want
):
    result = triage("red and itchy where I injected", days_since_injection=days,
                    dose_number=dose, kb=KB)  # fmt: skip
    assert result.urgency is want


def test_a_reaction_that_comes_back_with_every_injection_is_for_the_team():
    assert level("I get a headache after every injection") is CONTACT_TEAM


def test_the_self_care_window_never_lowers_an_emergency_triage_1():
    assert level("headache and chills, and my lips are swelling", days_since_injection=0,
                 dose_number=1) is EMERGENCY  # fmt: skip


def test_self_care_advice_says_what_helps_when_to_call_and_that_no_premedication_is_needed():
    result = triage("headache and chills", days_since_injection=0, dose_number=1, kb=KB)
    assert result.facts == ("triage.injection-reaction-self-care",
                            "adverse.premedication-not-needed")  # fmt: skip
    assert "painkillers can help" in result.advice
    assert "do not usually need to take any medicine before the injection" in result.advice
    assert "MS nurse or neurologist" in result.call


def test_the_window_is_read_from_the_knowledge_base(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    path = folder / "adverse-effects.yaml"
    text = path.read_text("utf-8")
    start = text.index("id: adverse.injection-reaction-timing")
    edited = text[:start] + text[start:].replace("value: 24", "value: 48", 1)
    path.write_text(edited, "utf-8")
    kb = load_knowledge(folder)
    result = triage("fever and headache", days_since_injection=2, dose_number=1, kb=kb)
    assert result.urgency is SELF_CARE
    assert any("48 hours" in reason for reason in result.reasons)


# --- Negation, several signs, nothing recognised -----------------------------------------------


@pytest.mark.parametrize("text", [
    "no fever", "not short of breath", "without any swelling of my lips", "I don't have a cough",
    "denies chills", "no longer feverish",
])  # fmt: skip
def test_a_denied_sign_alone_is_not_counted(text):
    result = triage(text, kb=KB)
    assert result.urgency is CONTACT_TEAM
    assert result.facts == ("triage.nothing-current",)
    assert any("is denied" in reason for reason in result.reasons)


def test_a_denial_stops_at_the_end_of_its_clause():
    assert level("not short of breath but my tongue is swelling") is EMERGENCY
    assert level("no fever, it burns when I pee") is URGENT
    assert level("no rash and then my throat started closing") is EMERGENCY


def test_the_most_urgent_of_several_signs_wins():
    result = triage("cold sore, a rash, and I can't breathe", kb=KB)
    assert result.urgency is EMERGENCY
    assert {m.urgency for m in result.matched} == {EMERGENCY, URGENT, CONTACT_TEAM}
    assert result.facts[0] == "triage.emergency-allergy"


def test_text_nothing_is_recognised_in_goes_to_the_team_today_never_to_self_care():
    # When in doubt, the more urgent level: an unknown description could be anything.
    result = triage("my big toe feels funny", country="US", kb=KB)
    assert result.urgency is URGENT
    assert result.facts == ("triage.unrecognised",)
    assert "could not tell" in result.advice
    assert KB.get_fact("triage.unrecognised").urgency is URGENT
    assert "911" in result.call and "911" in result.advice


def test_a_past_infection_that_cleared_is_not_an_active_one():
    assert level("had a water infection last month, all cleared up now") is CONTACT_TEAM
    assert level("had a water infection last month and it's back again") is URGENT


# --- Whom to call --------------------------------------------------------------------------------


@pytest.mark.parametrize(("country", "number"), [
    ("US", "911"), ("GB", "999"), ("UK", "999"), ("DE", "112"), ("FR", "112"), ("IN", "112"),
    ("es", "112"),
])  # fmt: skip
def test_the_emergency_number_follows_the_country(country, number):
    result = triage("I can't breathe", country=country, kb=KB)
    assert result.call == f"the emergency number {number} now"
    assert number in result.advice


def test_without_a_country_the_call_names_the_local_emergency_number():
    assert "local emergency number" in triage("I can't breathe", kb=KB).call


def test_urgent_calls_the_team_today_with_the_number_as_fallback():
    call = triage("yellow eyes", country="US", kb=KB).call
    assert call.startswith("your MS nurse or neurologist today")
    assert "911" in call


# --- What every result carries ------------------------------------------------------------------


def test_advice_is_made_only_of_fact_statements_and_the_call():
    result = triage("sore throat and a runny nose", country="GB", kb=KB)
    rest = result.advice
    for fact_id in result.facts:
        rest = rest.replace(KB.statement(fact_id), "")
    assert rest.strip() == f"Who to call: {result.call}."


def test_the_result_cites_the_sources_of_its_facts_and_the_knowledge_version():
    result = triage("double vision since this morning", kb=KB)
    cited = {(c.source, c.section) for c in result.citations}
    for fact_id in result.facts:
        assert {(s.source, s.section) for s in KB.get_fact(fact_id).sources} <= cited
    assert result.knowledge_version == KB.version


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("arguments", "field"), [
    ({"text": ""}, "text: ''"),
    ({"text": "x" * 1001}, "text: 1001 characters"),
    ({"text": "fever", "days_since_injection": -1}, "days_since_injection: -1"),
    ({"text": "fever", "dose_number": 0}, "dose_number: 0"),
    ({"text": "fever", "country": "USA"}, "country: 'USA'"),
])  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_the_value(arguments, field):
    with pytest.raises(InvalidInput) as caught:
        triage(**arguments)
    assert caught.value.message.startswith(field)
    assert caught.value.hint
