"""The guide's structure: sections from facts, footnotes that resolve, audience and label filters."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ofacare.errors import InvalidInput
from ofacare.guide.sections import Guide, build_guide
from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.loader import default_knowledge
from ofacare.knowledge.schema import Audience, Fact, Source, SourceKind

REVIEWED = date(2026, 11, 21)
EXPECTED_KEYS = [
    "about", "who", "dosing", "injecting", "storage", "before", "during",
    "side-effects", "help", "evidence", "comparisons", "disclaimer",
]  # fmt: skip


def _fact(fact_id: str, topic: str, statement: str, **more: Any) -> Fact:
    sources = more.pop("sources", ({"source": "label", "section": "1.1"},))
    return Fact.model_validate(
        {"id": fact_id, "topic": topic, "audience": more.pop("audience", "both"),
         "statement": statement, "sources": sources, "reviewed_on": REVIEWED, **more}
    )  # fmt: skip


def small_kb() -> KnowledgeBase:
    """A knowledge base with one fact or so per section, and label- and audience-specific facts."""
    facts = [
        _fact("about.what", "about", "A medicine for relapsing MS, <b>made</b> in a lab & tested."),
        _fact("about.indication-us", "who it is for", "US-only indication text.", jurisdiction="US"),
        _fact("about.indication-eu", "who it is for", "EU-only indication text.", jurisdiction="EU"),
        _fact("dosing.dose-amount", "dosing", "Each dose is one pen.", value=20, unit="mg"),
        _fact("dosing.loading-dose-count", "dosing", "Three starting doses.", value=3, unit="count"),
        _fact("dosing.loading-interval", "dosing", "A week apart.", value=7, unit="day"),
        _fact("dosing.first-maintenance-gap", "dosing", "Two weeks later.", value=14, unit="day"),
        _fact("dosing.maintenance-interval", "dosing", "Then monthly.", value=1, unit="month"),
        _fact("dosing.missed-dose", "missed dose", "Inject a missed dose soon."),
        _fact("injection.sites", "injection", "Belly, thigh or upper arm."),
        _fact("storage.warm-up", "storage", "Warm it up first.", range={"low": 15, "high": 30},
              unit="minute"),
        _fact("storage.refrigerate", "storage", "Keep it cold.", range={"low": 2, "high": 8},
              unit="celsius"),
        _fact("storage.sharps", "disposal", "Use a sharps bin."),
        _fact("screening.hepatitis-b", "tests before starting", "A blood test first."),
        _fact("vaccine.live-before-start", "vaccines", "Live vaccines before.", value=4, unit="week"),
        _fact("vaccine.live-during-treatment", "vaccines", "No live vaccines during."),
        _fact("pregnancy.contraception", "pregnancy", "Use contraception.", value=6, unit="month"),
        _fact("warning.infections", "infections", "Infections are more likely."),
        _fact("adverse.headache", "side effects", "Headache in some.", value=13, unit="percent",
              rule="AE-3"),
        _fact("triage.allergy", "triage", "Call for help now.", urgency="emergency",
              red_flags=("throat swelling",)),
        _fact("triage.fever", "triage", "Call the team today.", urgency="urgent"),
        _fact("efficacy.relapses", "efficacy", "Fewer relapses in trials.",
              sources=({"source": "trial", "section": "Results"},)),
        _fact("comparison.other", "comparisons", "Compared with another drug."),
        _fact("screening.clinician-only", "tests before starting", "Clinician-only detail.",
              audience="clinician"),
    ]  # fmt: skip
    sources = {
        "label": Source(id="label", title="Test Label", publisher="Regulator",
                        kind=SourceKind.REGULATORY_LABEL, jurisdiction="US", weight=100),
        "trial": Source(id="trial", title="Test Trial", publisher="Journal",
                        kind=SourceKind.TRIAL_PUBLICATION, jurisdiction="international", weight=60),
    }  # fmt: skip
    return KnowledgeBase(
        facts={f.id: f for f in facts}, sources=sources, version="test+0001", conflicts={}
    )


def _fact_ids(guide: Guide) -> set[str]:
    return {item.fact_id for section in guide.sections for item in section.items}


def test_guide_has_every_expected_section_in_order_when_facts_exist() -> None:
    guide = build_guide(small_kb(), audience=Audience.PATIENT)
    assert [s.key for s in guide.sections] == EXPECTED_KEYS


def test_every_item_has_a_footnote_and_every_footnote_resolves_to_a_citation() -> None:
    guide = build_guide(small_kb(), audience=Audience.CLINICIAN)
    numbers = {ref.number for ref in guide.references}
    assert numbers == set(range(1, len(guide.references) + 1))
    for section in guide.sections:
        for item in section.items:
            assert item.footnotes, item.fact_id
            assert set(item.footnotes) <= numbers


def test_dosing_table_is_read_from_the_dosing_facts() -> None:
    guide = build_guide(small_kb(), audience=Audience.PATIENT)
    table = next(s.table for s in guide.sections if s.key == "dosing")
    assert table is not None
    assert [r.when for r in table.rows] == [
        "Week 0", "Week 1", "Week 2", "Week 3", "Week 4", "Then every month",
    ]  # fmt: skip
    assert [r.dose for r in table.rows] == ["20 mg"] * 3 + ["none"] + ["20 mg"] * 2
    assert table.footnotes


def test_before_start_vaccines_and_during_treatment_vaccines_are_apart() -> None:
    guide = build_guide(small_kb(), audience=Audience.PATIENT)
    by_key = {s.key: {i.fact_id for i in s.items} for s in guide.sections}
    assert "vaccine.live-before-start" in by_key["before"]
    assert "vaccine.live-during-treatment" in by_key["during"]
    assert "storage.warm-up" in by_key["injecting"]
    assert {"triage.allergy", "triage.fever"} <= by_key["help"]


def test_help_section_orders_emergency_before_same_day() -> None:
    guide = build_guide(small_kb(), audience=Audience.PATIENT, country="US")
    help_section = next(s for s in guide.sections if s.key == "help")
    assert [g.tone for g in help_section.groups] == ["emergency", "urgent"]
    assert "911" in (help_section.groups[0].heading or "")


def test_side_effects_show_their_trial_frequency() -> None:
    guide = build_guide(small_kb(), audience=Audience.PATIENT)
    effects = next(s for s in guide.sections if s.key == "side-effects")
    assert effects.items[0].frequency == "13%"


def test_patient_guide_has_no_clinician_only_fact() -> None:
    kb = small_kb()
    patient = _fact_ids(build_guide(kb, audience=Audience.PATIENT))
    assert all(kb.facts[i].audience is not Audience.CLINICIAN for i in patient)
    assert "screening.clinician-only" in _fact_ids(build_guide(kb, audience=Audience.CLINICIAN))


@pytest.mark.parametrize(("country", "other"), [("US", "EU"), ("DE", "US"), ("GB", "US")])
def test_a_countrys_guide_has_no_fact_of_the_other_label(country: str, other: str) -> None:
    kb = small_kb()
    shown = _fact_ids(build_guide(kb, audience=Audience.CLINICIAN, country=country))
    assert not [i for i in shown if kb.facts[i].jurisdiction == other]


def test_guide_without_a_country_shows_both_labels_labelled() -> None:
    guide = build_guide(small_kb(), audience=Audience.PATIENT)
    labels = {i.fact_id: i.jurisdiction for s in guide.sections for i in s.items}
    assert labels["about.indication-us"] == "US"
    assert labels["about.indication-eu"] == "EU"
    assert labels["about.what"] is None


def test_a_section_without_facts_is_left_out() -> None:
    kb = small_kb()
    facts = {k: v for k, v in kb.facts.items() if not k.startswith("comparison.")}
    guide = build_guide(
        KnowledgeBase(facts=facts, sources=kb.sources, version=kb.version, conflicts={}),
        audience=Audience.PATIENT,
    )
    assert "comparisons" not in [s.key for s in guide.sections]


def test_guide_for_both_audiences_at_once_is_refused() -> None:
    with pytest.raises(InvalidInput):
        build_guide(small_kb(), audience=Audience.BOTH)


def test_packaged_knowledge_builds_the_core_sections_with_resolving_footnotes() -> None:
    kb = default_knowledge()
    guide = build_guide(kb, audience=Audience.PATIENT, country="US")
    keys = [s.key for s in guide.sections]
    assert {"dosing", "injecting", "storage", "disclaimer"} <= set(keys)
    numbers = {ref.number for ref in guide.references}
    for section in guide.sections:
        for item in section.items:
            assert item.footnotes and set(item.footnotes) <= numbers
            fact = kb.facts.get(item.fact_id)
            if fact is not None:
                assert fact.audience is not Audience.CLINICIAN
                assert fact.jurisdiction in {"all", "US"}
