"""The symptom diary: what the person felt, the triage answer they got then, and its follow-up.

Each entry runs ofacare.safety.triage.triage with the injection context from the records (days
since the last injection before the entry, in the patient's own days, and that injection's dose
number) and the patient's country for the emergency number. The stored entry keeps the urgency,
advice and whom to call as shown, and the full result. Below an emergency, the care team's phone
is added to whom to call.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import InvalidInput, NotFound
from ofacare.knowledge.schema import Urgency
from ofacare.records.tables import DiaryEntry, Injection, Patient
from ofacare.safety.triage import CARE_TEAM, MAX_TEXT_CHARS, TriageResult, triage
from ofacare.services.access import Actor, Permission, Role, open_patient
from ofacare.services.admin import team_phone
from ofacare.services.forms import YEARS, Form, Moment
from ofacare.services.idempotency import open_create, remember
from ofacare.services.injections import check_happened
from ofacare.services.runtime import Runtime

MAX_CHOICES = 20
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
ChoiceWord = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class DiaryForm(Form):
    """Symptoms in the person's own words and/or ticked common symptom words."""

    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    choices: tuple[ChoiceWord, ...] = Field(default=(), max_length=MAX_CHOICES)
    recorded_at: Moment | None = None


class DiaryChanges(Form):
    """Mark an entry dealt with (true) or open again (false)."""

    resolved: bool


@dataclass(frozen=True, slots=True)
class DiaryAnswer:
    """The stored entry and the care team's phone the answer names."""

    entry: DiaryEntry
    team_phone: str | None


@dataclass(frozen=True, slots=True)
class InjectionTiming:
    """The last injection before an entry: whole local days since it, and its dose number."""

    days_since_injection: int | None
    dose_number: int | None


@dataclass(frozen=True, slots=True)
class DiaryFilter:
    """Which entries to list: an urgency, and local days from and to (both included)."""

    urgency: Urgency | None = None
    since: date | None = None
    until: date | None = None
    limit: int = DEFAULT_LIMIT


def record_diary_entry(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    form: DiaryForm,
    *,
    idempotency_key: str | None,
) -> DiaryAnswer:
    """Triage the symptoms in the context of the last injection and keep the answer given."""
    now = runtime.now()
    with runtime.database.writing() as session:
        request = open_create(
            session,
            runtime,
            actor,
            patient_id,
            permission=Permission.LOG,
            action="diary.create",
            form=form,
            key=idempotency_key,
        )
        patient, digest = request.patient, request.digest
        phone = team_phone(session, patient)
        if request.replayed is not None:
            return DiaryAnswer(_get_entry(session, patient_id, request.replayed), phone)
        recorded_at = form.recorded_at or now
        check_happened("recorded_at", recorded_at, now=now, patient=patient)
        timing = _last_injection_timing(session, patient, at=recorded_at)
        result = triage(
            _description(form),
            days_since_injection=timing.days_since_injection,
            dose_number=timing.dose_number,
            country=patient.country,
            kb=runtime.kb,
        )
        call = _with_team_phone(result.call, phone)
        entry = DiaryEntry(
            patient_id=patient_id,
            recorded_at=recorded_at,
            text=form.text,
            choices=list(form.choices),
            urgency=result.urgency.value,
            advice=result.advice.replace(result.call, call),
            call=call,
            triage=_document(result, call=call, timing=timing, country=patient.country),
            recorded_by=actor.user_id,
        )
        session.add(entry)
        session.flush()
        remember(session, runtime, actor, idempotency_key, digest=digest, record_id=entry.id)
        return DiaryAnswer(entry, phone)


def list_diary(
    runtime: Runtime, actor: Actor, patient_id: str, *, query: DiaryFilter
) -> list[DiaryEntry]:
    """The patient's entries, newest first, filtered by urgency and local days."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="diary.list",
            now=runtime.now(),
        )
        zone = ZoneInfo(patient.timezone)
        select_entries = select(DiaryEntry).where(DiaryEntry.patient_id == patient_id)
        if query.urgency is not None:
            select_entries = select_entries.where(DiaryEntry.urgency == query.urgency.value)
        if query.since is not None:
            select_entries = select_entries.where(
                DiaryEntry.recorded_at >= _day_starts(query.since, zone)
            )
        if query.until is not None:
            select_entries = select_entries.where(
                DiaryEntry.recorded_at < _day_starts(query.until + timedelta(days=1), zone)
            )
        ordered = select_entries.order_by(DiaryEntry.recorded_at.desc())
        return list(session.scalars(ordered.limit(min(max(query.limit, 1), MAX_LIMIT))))


def change_diary_entry(
    runtime: Runtime, actor: Actor, patient_id: str, entry_id: str, changes: DiaryChanges
) -> DiaryEntry:
    """Mark an entry resolved (or open again): the patient or a clinician of their team."""
    permission = Permission.CLINICAL if actor.role is Role.CLINICIAN else Permission.OWN
    now = runtime.now()
    with runtime.database.writing() as session:
        open_patient(
            session, actor, patient_id, permission=permission, action="diary.resolve", now=now
        )
        entry = _get_entry(session, patient_id, entry_id)
        if not changes.resolved:
            entry.resolved_at = None
        elif entry.resolved_at is None:
            entry.resolved_at = now
        return entry


def check_filter(query: DiaryFilter) -> DiaryFilter:
    """Refuse a date range that ends before it starts, or a day outside the years recorded."""
    for name, day in (("since", query.since), ("until", query.until)):
        if day is not None and day.year not in YEARS:
            raise InvalidInput(
                "diary.bad-range",
                f"{name}: '{day.isoformat()}' is outside the years ofacare records "
                f"({YEARS[0]} to {YEARS[-1]}).",
                "Check the year, or leave the limit out.",
            )
    if query.since and query.until and query.until < query.since:
        raise InvalidInput(
            "diary.bad-range",
            f"until: '{query.until.isoformat()}' is before since: '{query.since.isoformat()}'.",
            "Give the first day in since and the last day in until (both included).",
        )
    return query


def _description(form: DiaryForm) -> str:
    parts = [form.text.strip(), ", ".join(form.choices)]
    description = ". ".join(part for part in parts if part)
    if not description:
        raise InvalidInput(
            "diary.empty",
            "text: '' is empty and no choices were ticked.",
            "Describe the symptoms in words, or tick the common symptoms that fit.",
        )
    return description


def _last_injection_timing(session: Session, patient: Patient, *, at: datetime) -> InjectionTiming:
    last = session.scalar(
        select(Injection)
        .where(Injection.patient_id == patient.id, Injection.given_at <= at)
        .order_by(Injection.given_at.desc())
        .limit(1)
    )
    if last is None:
        return InjectionTiming(None, None)
    day = at.astimezone(ZoneInfo(patient.timezone)).date()
    return InjectionTiming((day - last.given_on).days, last.dose_number)


def _with_team_phone(call: str, phone: str | None) -> str:
    # The emergency line names no care team, so an emergency keeps its number alone.
    if phone is None or CARE_TEAM not in call:
        return call
    return call.replace(CARE_TEAM, f"{CARE_TEAM} ({phone})", 1)


def _document(
    result: TriageResult, *, call: str, timing: InjectionTiming, country: str
) -> dict[str, Any]:
    return {
        "urgency": result.urgency.value,
        "advice": result.advice.replace(result.call, call),
        "call": call,
        "reasons": list(result.reasons),
        "matched": [
            {"symptom": m.symptom, "fact": m.fact, "urgency": m.urgency.value}
            for m in result.matched
        ],
        "facts": list(result.facts),
        "citations": [asdict(c) for c in result.citations],
        "knowledge_version": result.knowledge_version,
        "context": {**asdict(timing), "country": country},
    }


def _day_starts(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _get_entry(session: Session, patient_id: str, entry_id: str) -> DiaryEntry:
    entry = session.get(DiaryEntry, entry_id)
    if entry is None or entry.patient_id != patient_id:
        raise NotFound(
            "diary.no-such-entry",
            f"diary entry id: '{entry_id}' is not an entry of this patient.",
            "List the patient's diary to see the entry ids.",
        )
    return entry
