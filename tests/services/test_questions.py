"""Questions: answered from the knowledge base for the asker's role, with sources; no patient data."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from ofacare.knowledge.answer import MAX_QUESTION_CHARS
from ofacare.records.tables import AuditEntry
from ofacare.services.questions import QuestionForm, ask
from tests.people import build_world

CLINICIAN_QUESTION = (
    "Is there a permitted window for late doses, or a cut-off after which a dose is skipped?"
)


def test_an_answer_carries_its_facts_sources_and_the_knowledge_version(runtime):
    world = build_world(runtime)
    answer = ask(runtime, world.patient, QuestionForm(question="how often do i take kesimpta"))
    assert not answer.abstained and answer.facts and answer.citations
    assert answer.knowledge_version == runtime.kb.version


def test_clinicians_get_clinician_facts_that_patients_do_not(runtime):
    world = build_world(runtime)
    for_clinician = ask(runtime, world.clinician, QuestionForm(question=CLINICIAN_QUESTION))
    for_patient = ask(runtime, world.caregiver, QuestionForm(question=CLINICIAN_QUESTION))
    assert for_clinician.facts == ("dosing.no-timing-window",)
    assert for_patient.abstained and "MS team" in for_patient.answer


def test_a_red_flag_symptom_leads_with_its_urgency_and_the_countrys_emergency_number(runtime):
    world = build_world(runtime)
    form = QuestionForm(question="my throat is swelling after my injection", country="gb")
    answer = ask(runtime, world.patient, form)
    assert answer.urgency is not None and answer.urgency.value == "emergency"
    assert "999" in answer.who_to_call


def test_a_question_up_to_the_limit_is_accepted_and_one_character_more_is_refused():
    assert QuestionForm(question="q" * MAX_QUESTION_CHARS)
    with pytest.raises(ValidationError) as raised:
        QuestionForm(question="q" * (MAX_QUESTION_CHARS + 1))
    assert raised.value.errors()[0]["loc"] == ("question",)


def test_asking_reads_no_patient_data_and_leaves_no_audit_entry(runtime):
    world = build_world(runtime)
    ask(runtime, world.admin, QuestionForm(question="how do I store the pens"))
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
