"""The day after an injection: asking "how did it go?" once, and keeping the answer.

Injection reactions mostly start within a day of the injection (adverse.injection-reaction-timing),
so the question comes on the patient's next local day. Reactions the person reports are also
written in the symptom diary by the caller (services.diary.record_diary_entry), which triages them
in the context of that injection; this module keeps them on the injection record with the time of
the answer (`reactions_checked_at`, also set when there were none). Either answer, or any diary
entry since the injection, means the question is not asked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import NotFound
from ofacare.records.tables import DiaryEntry, Injection
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import Form, ShortText
from ofacare.services.patients import local_today
from ofacare.services.prescriptions import find_last_injection
from ofacare.services.runtime import Runtime

ASKED_AFTER = timedelta(days=1)  # the question comes on the local day after the injection
RecordId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]


class ReactionAnswer(Form):
    """What the person said about the day after an injection; no reactions: no problems."""

    injection_id: RecordId
    reactions: tuple[ShortText, ...] = Field(default=(), max_length=20)


@dataclass(frozen=True, slots=True)
class ReactionCheck:
    """The injection to ask about: given on the day before the patient's today."""

    injection_id: str
    dose_number: int
    given_on: date
    site: str


def find_reaction_check(runtime: Runtime, actor: Actor, patient_id: str) -> ReactionCheck | None:
    """The latest injection when it was given yesterday (local) and nobody has answered for it."""
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="injections.reaction-check",
            now=now,
        )
        last = find_last_injection(session, patient_id)
        if last is None or local_today(patient, now) != last.given_on + ASKED_AFTER:
            return None
        if last.reactions_checked_at or last.reactions or _diary_since(session, last):
            return None
        return ReactionCheck(last.id, last.dose_number, last.given_on, last.site)


def record_reactions(
    runtime: Runtime, actor: Actor, patient_id: str, answer: ReactionAnswer
) -> Injection:
    """Keep the reactions on the injection, or that there were none; a repeat replaces it."""
    now = runtime.now()
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.LOG,
            action="injections.reactions",
            now=now,
        )
        injection = session.get(Injection, answer.injection_id)
        if injection is None or injection.patient_id != patient_id:
            raise NotFound(
                "injections.no-such-injection",
                f"injection id: '{answer.injection_id}' is not an injection of this patient.",
                "List the patient's injections to see their ids.",
            )
        injection.reactions = list(answer.reactions)
        injection.reactions_checked_at = now
        return injection


def get_reported_reactions(
    runtime: Runtime, actor: Actor, patient_id: str, entry_id: str
) -> DiaryEntry:
    """The diary entry reported reactions made, with the triage answer it was given."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="diary.read",
            now=runtime.now(),
        )
        entry = session.get(DiaryEntry, entry_id) if len(entry_id) <= 36 else None
        if entry is None or entry.patient_id != patient_id:
            raise NotFound(
                "diary.no-such-entry",
                f"diary entry id: '{entry_id}' is not an entry of this patient.",
                "Open the diary to see the entries.",
            )
        return entry


def _diary_since(session: Session, injection: Injection) -> bool:
    query = select(DiaryEntry.id).where(
        DiaryEntry.patient_id == injection.patient_id,
        DiaryEntry.recorded_at >= injection.given_at,
    )
    return session.scalar(query.limit(1)) is not None
