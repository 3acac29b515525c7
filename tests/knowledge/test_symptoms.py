"""Reading symptom descriptions: red flags in lay words and misspellings, denials, history."""

from __future__ import annotations

import pytest

from ofacare.knowledge import default_knowledge
from ofacare.knowledge.lexicon import load_lexicon
from ofacare.knowledge.symptoms import (
    find_red_flag_facts,
    find_symptoms,
    load_symptom_lexicon,
    read_symptoms,
)

KB = default_knowledge()


def counted(text: str) -> set[str]:
    return {m.fact.id for m in find_symptoms(text, KB) if m.counts}


def denied(text: str) -> set[str]:
    return {m.words for m in find_symptoms(text, KB) if m.negated}


# --- Red flags in people's words --------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "cant breath", "can't breathe", "I cannot breathe", "struggling to breathe",
    "my throat is swelling", "swollen tongue", "lips swolen", "throte feels tite",
    "my whole face is puffy", "hives all ova my back",
])  # fmt: skip
def test_emergency_signs_are_found_in_lay_words_and_misspellings(text):
    assert "triage.emergency-allergy" in counted(text)


@pytest.mark.parametrize(("text", "fact"), [
    ("feaver", "triage.infection"), ("a bad cauf", "triage.infection"),
    ("it burns when I wee", "triage.infection"), ("shivvering all night", "triage.infection"),
    ("vison going blury", "triage.neurological"), ("getting confussed", "triage.neurological"),
    ("jaundise", "triage.liver"), ("shingels on my back", "triage.shingles"),
    ("i think im pregnent", "triage.pregnancy"), ("headach", "triage.flu-like"),
])  # fmt: skip
def test_misspelt_and_lay_words_meet_the_words_red_flags_use(text, fact):
    assert fact in counted(text)


def test_a_word_is_only_corrected_to_a_red_flag_word_with_the_same_first_letter():
    assert counted("I was painting the fence") == set()
    assert counted("I tried to rest") == set()


def test_a_phrase_needs_its_words_in_order_within_one_clause():
    assert "triage.emergency-allergy" in counted("my chest feels really tight")
    assert "triage.emergency-allergy" not in counted("tight shoes, chest is fine")


def test_a_site_reaction_needs_a_sign_and_the_injection_site_in_one_sentence():
    assert "triage.injection-reaction-self-care" in counted(
        "red, sore, itchy patch where I injected"
    )
    assert "triage.injection-reaction-self-care" not in counted("red. I injected yesterday.")


@pytest.mark.parametrize("text", [
    "booked for a yellow fever jab", "my GP offered the shingles vaccine", "had the flu jab today",
])  # fmt: skip
def test_a_symptom_word_inside_a_vaccine_name_is_not_a_symptom(text):
    assert counted(text) == set()


# --- Denials ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "word"), [
    ("no fever", "fever"), ("not short of breath", "short of breath"),
    ("without any swelling of my lips", "swelling of my lips"),
    ("I don't have a cough", "cough"), ("denies chills", "chills"),
    ("no longer feverish", "feverish"), ("my throat isn't swollen", "throat swollen"),
    ("no numbness or weakness", "weakness"), ("didn't faint", "faint"),
])  # fmt: skip
def test_a_denial_before_a_sign_negates_it(text, word):
    assert word in denied(text)
    assert counted(text) == set()


@pytest.mark.parametrize("text", [
    "no fever, but my throat is swelling", "no fever but my throat is swelling",
    "no fever. My throat is swelling", "no fever and then my throat started swelling",
    "no rash and my throat is swelling",
])  # fmt: skip
def test_a_denial_ends_with_its_clause(text):
    assert "triage.emergency-allergy" in counted(text)
    assert "fever" in denied(text) or "rash" in denied(text)


def test_a_denial_must_stand_right_before_an_emergency_sign():
    assert "triage.emergency-allergy" in counted("I didn't realise my lips were swelling")


def test_a_denial_inside_a_red_flag_is_part_of_the_sign():
    assert "triage.neurological" in counted("my wife says I'm not myself")
    assert "triage.emergency-collapse" in counted("he won't wake up")


def test_a_sign_that_has_cleared_is_history():
    matches = find_symptoms("had a chest infection in spring, all cleared up now", KB)
    infection = [m for m in matches if m.fact.id == "triage.infection"]
    assert infection and all(m.past and m.cue == "cleared up" for m in infection)


def test_history_never_hides_an_emergency_sign():
    assert "triage.emergency-allergy" in counted("I fainted this morning but I'm fine now")


def test_a_reaction_with_every_injection_is_noticed():
    assert read_symptoms("headaches after each monthly injection", KB).recurring
    assert not read_symptoms("a headache after my injection", KB).recurring


# --- The rule `ofacare ask` routes by -------------------------------------------------------------


def test_red_flag_facts_come_most_urgent_first():
    facts = find_red_flag_facts("I have a rash and my tongue is swelling", KB, load_lexicon())
    assert [f.id for f in facts][:2] == ["triage.emergency-allergy", "triage.allergy-worsening"]


def test_below_emergency_a_question_must_speak_of_someone_now():
    lexicon = load_lexicon()
    assert find_red_flag_facts("how common are rashes?", KB, lexicon) == []
    assert [f.id for f in find_red_flag_facts("I have a rash", KB, lexicon)] == [
        "triage.allergy-worsening"
    ]
    assert [f.id for f in find_red_flag_facts("what if my throat swells shut?", KB, lexicon)] == [
        "triage.emergency-allergy"
    ]


def test_denied_signs_do_not_route_a_question():
    assert find_red_flag_facts("I have no rash", KB, load_lexicon()) == []


def test_the_symptom_vocabulary_loads_from_the_lexicon():
    lexicon = load_symptom_lexicon()
    assert "no" in lexicon.negation and "without" in lexicon.negation
    assert lexicon.spelling["wee"] == "pee"
    assert ("but",) in lexicon.clause_breaks
