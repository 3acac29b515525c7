"""Clinical notes: the care team writes and reads them; patients and caregivers never can."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from ofacare.errors import NotAllowed, NotFound
from ofacare.records.tables import AuditEntry
from ofacare.services.notes import NoteForm, add_note, list_notes
from tests.people import build_world


def test_a_clinician_writes_a_note_and_the_team_reads_it_newest_first(runtime, clock):
    world = build_world(runtime)
    add_note(runtime, world.clinician, world.patient_id, NoteForm(text="Called about dose 3."))
    clock.advance(minutes=5)
    saved = add_note(runtime, world.clinician, world.patient_id, NoteForm(text="  Booked bloods. "))
    assert saved.text == "Booked bloods." and saved.author == "Clinician"
    notes = list_notes(runtime, world.clinician, world.patient_id)
    assert [n.text for n in notes] == ["Booked bloods.", "Called about dose 3."]


@pytest.mark.parametrize("role", ["patient", "caregiver"])
def test_patients_and_caregivers_can_neither_read_nor_write_notes(runtime, role):
    world = build_world(runtime)
    add_note(runtime, world.clinician, world.patient_id, NoteForm(text="Team only."))
    with pytest.raises(NotAllowed):
        list_notes(runtime, getattr(world, role), world.patient_id)
    with pytest.raises(NotAllowed):
        add_note(runtime, getattr(world, role), world.patient_id, NoteForm(text="Mine"))


def test_another_teams_clinician_cannot_see_the_patient_at_all(runtime):
    world = build_world(runtime)
    with pytest.raises(NotFound):
        list_notes(runtime, world.outsider_clinician, world.patient_id)


def test_writing_and_reading_notes_are_audited(runtime):
    world = build_world(runtime)
    add_note(runtime, world.clinician, world.patient_id, NoteForm(text="Seen in clinic."))
    list_notes(runtime, world.clinician, world.patient_id)
    with runtime.database.reading() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.patient_id == world.patient_id)
            )
        )
    assert actions == ["note.create", "note.list"]


def test_an_empty_note_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as problem:
        NoteForm(text="   ")
    assert problem.value.errors()[0]["loc"] == ("text",)
