"""Diary: symptoms with the triage answer given then (urgency, advice, who to call), and their
follow-up."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from ofacare.api.auth import CurrentActor, IdempotencyKey, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.api.routes.schedule import CitationOut
from ofacare.knowledge.schema import Urgency
from ofacare.records.tables import DiaryEntry
from ofacare.services import diary
from ofacare.services.diary import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    DiaryChanges,
    DiaryFilter,
    DiaryForm,
)

router = APIRouter(tags=["diary"], responses=ERROR_RESPONSES)


def _not_a_number(value: object) -> object:
    if isinstance(value, str):
        try:
            float(value)  # 0, 1.5, 4e-285, inf: pydantic would read each as a timestamp
        except ValueError:
            return value
        raise ValueError("is a number; send a date such as 2026-03-02")
    return value


Day = Annotated[date, BeforeValidator(_not_a_number)]
"""A day in a query: pydantic would read a bare number as seconds since 1970 (?since=0)."""


class DiaryEntryOut(Out):
    urgency: str
    """emergency, urgent, contact_team or self_care."""
    advice: str
    call: str
    """Who to call: the emergency number for an emergency, else the care team (with its phone)."""
    id: str
    recorded_at: datetime
    text: str
    choices: list[str]
    reasons: list[str]
    citations: list[CitationOut]
    knowledge_version: str
    recorded_by: str | None
    resolved_at: datetime | None


class DiaryAnswerOut(DiaryEntryOut):
    team_phone: str | None


@router.post("/patients/{patient_id}/diary", response_model=DiaryAnswerOut, status_code=201)
def record_entry(
    patient_id: str,
    body: DiaryForm,
    runtime: RuntimeDep,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> DiaryAnswerOut:
    """Describe symptoms (text and/or common symptom words in choices). ofacare rates them in
    the context of the last injection and answers first with how urgent it is, what to do and
    who to call; the entry keeps that answer."""
    answer = diary.record_diary_entry(
        runtime, actor, patient_id, body, idempotency_key=idempotency_key
    )
    return DiaryAnswerOut(**_fields(answer.entry), team_phone=answer.team_phone)


@router.get("/patients/{patient_id}/diary", response_model=list[DiaryEntryOut])
def list_entries(
    patient_id: str,
    runtime: RuntimeDep,
    actor: CurrentActor,
    *,
    urgency: Urgency | None = None,
    since: Annotated[Day | None, Query(description="First local day, included.")] = None,
    until: Annotated[Day | None, Query(description="Last local day, included.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> list[DiaryEntryOut]:
    """The diary, newest first; filter by urgency and by the patient's local days."""
    query = diary.check_filter(DiaryFilter(urgency=urgency, since=since, until=until, limit=limit))
    entries = diary.list_diary(runtime, actor, patient_id, query=query)
    return [DiaryEntryOut(**_fields(e)) for e in entries]


@router.patch("/patients/{patient_id}/diary/{entry_id}", response_model=DiaryEntryOut)
def change_entry(
    patient_id: str,
    entry_id: str,
    body: DiaryChanges,
    runtime: RuntimeDep,
    actor: CurrentActor,
) -> DiaryEntryOut:
    """Mark an entry resolved ({"resolved": true}) or open again (the patient or a clinician)."""
    entry = diary.change_diary_entry(runtime, actor, patient_id, entry_id, body)
    return DiaryEntryOut(**_fields(entry))


def _fields(entry: DiaryEntry) -> dict[str, Any]:
    stored = entry.triage
    return {
        "urgency": entry.urgency,
        "advice": entry.advice,
        "call": entry.call,
        "id": entry.id,
        "recorded_at": entry.recorded_at,
        "text": entry.text,
        "choices": list(entry.choices),
        "reasons": list(stored.get("reasons", [])),
        "citations": [CitationOut(**c) for c in stored.get("citations", [])],
        "knowledge_version": str(stored.get("knowledge_version", "")),
        "recorded_by": entry.recorded_by,
        "resolved_at": entry.resolved_at,
    }
