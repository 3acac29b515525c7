"""Clinical notes: what the care team writes on a patient's record, for the team only.

Writing and reading both need the clinical permission, so patients and caregivers never see
the notes through any door; each read and write leaves an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import select

from ofacare.records.tables import ClinicalNote, User
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import Form
from ofacare.services.runtime import Runtime

MAX_NOTE_CHARS = 5000
MAX_NOTES = 200  # the newest notes a page lists; older ones stay on record
NoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE_CHARS)
]


class NoteForm(Form):
    """A note in the clinician's words."""

    text: NoteText


@dataclass(frozen=True, slots=True)
class Note:
    """A note with the name of who wrote it."""

    id: str
    written_at: datetime
    author: str
    text: str


def add_note(runtime: Runtime, actor: Actor, patient_id: str, form: NoteForm) -> Note:
    """A clinician of the patient's team writes a note on the record."""
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="note.create",
            now=now,
        )
        note = ClinicalNote(
            patient_id=patient.id, written_at=now, author_id=actor.user_id, text=form.text
        )
        session.add(note)
        session.flush()
        author = session.get(User, actor.user_id)
        return Note(note.id, now, author.display_name if author else "", note.text)


def list_notes(runtime: Runtime, actor: Actor, patient_id: str) -> list[Note]:
    """The team's notes on the record, newest first."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="note.list",
            now=runtime.now(),
        )
        rows = session.execute(
            select(ClinicalNote, User.display_name)
            .outerjoin(User, User.id == ClinicalNote.author_id)
            .where(ClinicalNote.patient_id == patient_id)
            .order_by(ClinicalNote.written_at.desc(), ClinicalNote.id)
            .limit(MAX_NOTES)
        ).all()
        return [
            Note(note.id, note.written_at, name or "a removed account", note.text)
            for note, name in rows
        ]
