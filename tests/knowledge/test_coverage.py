"""Coverage and integrity of the knowledge base against the clinical rules, conflicts and seeds."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from ofacare.knowledge import default_knowledge
from ofacare.knowledge.schema import Audience, SourceKind

HERE = Path(__file__).parent
KB = default_knowledge()

# Every rule id of shared/reference/clinical-rules.md (sections 1-8, 10, 11).
CATALOGUE_RULES = (
    [f"DOSE-{n}" for n in range(1, 13)] + [f"STORE-{n}" for n in range(1, 9)]
    + [f"INJ-{n}" for n in range(1, 9)] + [f"CI-{n}" for n in range(1, 9)]
    + [f"PRE-{n}" for n in range(1, 8)] + [f"VAX-{n}" for n in range(1, 6)]
    + [f"REPRO-{n}" for n in range(1, 5)] + [f"WARN-{n}" for n in range(9)]
    + [f"EFF-{n}" for n in range(1, 5)] + [f"TRIAGE-{n}" for n in range(1, 5)]
)  # fmt: skip
CATALOGUE_CONFLICTS = [f"CONF-{n}" for n in range(1, 19)]


@pytest.mark.parametrize("rule", CATALOGUE_RULES)
def test_every_catalogue_rule_is_a_fact(rule):
    assert any(f.rule == rule for f in KB.facts.values()), f"no fact encodes {rule}"


def test_every_adverse_reaction_row_is_a_fact():
    assert len([f for f in KB.facts.values() if (f.rule or "").startswith("AE-")]) >= 8


@pytest.mark.parametrize("code", CATALOGUE_CONFLICTS)
def test_every_catalogue_conflict_is_recorded_with_a_resolution(code):
    found = [c for c in KB.conflicts.values() if c.code == code]
    assert found, f"{code} is not recorded"
    assert all(c.resolution and c.reason for c in found)


@pytest.mark.parametrize("conflict_id", sorted(KB.conflicts))
def test_each_conflict_is_resolved_for_the_highest_weight_source(conflict_id):
    """The label (or the highest-weight source) wins; a seed page never beats a label."""
    conflict = KB.conflicts[conflict_id]
    weights = {c.source: KB.sources[c.source].weight for c in conflict.claims}
    assert weights[conflict.winner] == max(weights.values()), (conflict_id, weights)


def test_where_a_label_takes_part_in_a_conflict_a_label_wins():
    for conflict in KB.conflicts.values():
        kinds = {KB.sources[c.source].kind for c in conflict.claims}
        if SourceKind.REGULATORY_LABEL in kinds:
            assert KB.sources[conflict.winner].kind in {
                SourceKind.REGULATORY_LABEL, SourceKind.PATIENT_LEAFLET
            }, conflict.id  # fmt: skip


def load_seed_claims() -> list[dict]:
    claims = []
    for path in sorted(HERE.glob("seed_claims_*.yaml")):
        for claim in yaml.safe_load(path.read_text("utf-8"))["claims"]:
            claims.append({**claim, "file": path.name})
    return claims


SEED_CLAIMS = load_seed_claims()


def test_the_seed_checklist_covers_all_four_seed_documents():
    assert {str(c["seed"]).zfill(3) for c in SEED_CLAIMS} == {"000", "001", "002", "003"}
    assert len(SEED_CLAIMS) >= 60


@pytest.mark.parametrize("claim", SEED_CLAIMS, ids=lambda c: f"{c['seed']}:{c['claim'][:40]}")
def test_every_seed_claim_maps_to_a_fact_or_a_resolved_conflict(claim):
    covered = list(claim.get("covered_by") or [])
    code = claim.get("conflict")
    if code:
        covered += [c.id for c in KB.conflicts.values() if c.code == code]
    assert covered, f"{claim['file']}: nothing covers {claim['claim']!r}"
    for ref in covered:
        assert ref in KB.facts or ref in KB.conflicts, f"{claim['file']}: unknown id {ref}"


def shingles(text: str) -> set[str]:
    tokens = re.findall(r"[a-z0-9]+", text.lower())
    runs = (" ".join(tokens[i : i + 8]) for i in range(len(tokens) - 7))
    return {hashlib.sha1(run.encode()).hexdigest()[:12] for run in runs}


def test_no_statement_copies_eight_words_in_a_row_from_the_seeds_or_references():
    lines = (HERE / "source_shingles.txt").read_text("utf-8").splitlines()
    known = {line for line in lines if line and not line.startswith("#")}
    copied = [f.id for f in KB.facts.values() if shingles(f.statement) & known]
    copied += [c.id for c in KB.conflicts.values() if shingles(c.resolution) & known]
    assert copied == []


def test_the_copy_check_would_catch_a_copied_sentence():
    lines = (HERE / "source_shingles.txt").read_text("utf-8").splitlines()
    copied = "Give 20 mg subcutaneously at Week 0, Week 1 and Week 2 (three weekly injections)."
    assert shingles(copied) & set(lines)


def grade_level(text: str) -> float:
    """Flesch-Kincaid grade with a vowel-group syllable count (good enough to spot hard prose)."""
    sentences = max(1, len(re.findall(r"[.!?](\s|$)", text)))
    tokens = re.findall(r"[A-Za-z]+", text)
    syllables = sum(max(1, len(re.findall(r"[aeiouy]+", w.lower()))) for w in tokens)
    return 0.39 * len(tokens) / sentences + 11.8 * syllables / max(1, len(tokens)) - 15.59


def test_patient_statements_read_at_about_age_twelve_on_average():
    grades = [grade_level(f.statement) for f in KB.facts.values() if f.audience is Audience.PATIENT]
    assert grades
    assert sum(grades) / len(grades) <= 9.0


def test_every_symptom_fact_has_red_flags_and_says_who_to_call():
    symptoms = [f for f in KB.facts.values() if f.urgency is not None]
    assert {f.urgency.value for f in symptoms} >= {"emergency", "urgent", "self_care"}
    for fact in symptoms:
        assert fact.red_flags, fact.id
        assert re.search(r"call|tell|contact|emergency|doctor|nurse|team", fact.statement, re.I)
