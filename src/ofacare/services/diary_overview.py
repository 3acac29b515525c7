"""The diary as a person reads it: one entry by id, what kind each entry is, and weeks of entries.

Kinds come from the facts the triage matched when the entry was written, so the injection
context then decides: a fever the day after an early dose is a side effect (the expected
injection reaction), the same fever weeks later a possible infection. An entry whose signs
ofacare did not recognise is a symptom.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from ofacare.errors import NotFound
from ofacare.knowledge.schema import Urgency
from ofacare.records.tables import DiaryEntry
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.diary import DiaryFilter, list_diary
from ofacare.services.runtime import Runtime

DAYS_PER_WEEK = 7


class EntryKind(StrEnum):
    """What a diary entry is about, in the words of the diary's filter."""

    SIDE_EFFECT = "side_effect"
    INFECTION = "infection"
    SYMPTOM = "symptom"


# The triage facts by the kind of problem they describe; any other fact is a symptom.
KIND_OF_FACT: dict[str, EntryKind] = {
    "triage.injection-reaction-self-care": EntryKind.SIDE_EFFECT,
    "triage.lasting-reaction": EntryKind.SIDE_EFFECT,
    "triage.emergency-allergy": EntryKind.SIDE_EFFECT,
    "triage.allergy-worsening": EntryKind.SIDE_EFFECT,
    "triage.liver": EntryKind.SIDE_EFFECT,
    "triage.infection": EntryKind.INFECTION,
    "triage.flu-like": EntryKind.INFECTION,
    "triage.shingles": EntryKind.INFECTION,
    "triage.cold-sore": EntryKind.INFECTION,
    "triage.recurring-infections": EntryKind.INFECTION,
}


@dataclass(frozen=True, slots=True)
class WeekCount:
    """The entries of one week (Monday to Sunday, the patient's local days), by urgency."""

    starts_on: date
    counts: dict[Urgency, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def get_diary_entry(runtime: Runtime, actor: Actor, patient_id: str, entry_id: str) -> DiaryEntry:
    """One diary entry of the patient, with the triage answer kept with it."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="diary.read",
            now=runtime.now(),
        )
        entry = session.get(DiaryEntry, entry_id)
        if entry is None or entry.patient_id != patient_id:
            raise NotFound(
                "diary.no-such-entry",
                f"diary entry id: '{entry_id}' is not an entry of this patient.",
                "Open the diary to see the entries.",
            )
        return entry


def list_diary_of_kind(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    *,
    query: DiaryFilter,
    kind: EntryKind | None,
) -> list[DiaryEntry]:
    """The diary (newest first) filtered as list_diary does, then by kind."""
    entries = list_diary(runtime, actor, patient_id, query=query)
    if kind is None:
        return entries
    return [entry for entry in entries if kind in kinds_of(entry)]


def kinds_of(entry: DiaryEntry) -> tuple[EntryKind, ...]:
    """The kinds of problem an entry describes, from the facts its triage matched.

    An entry whose signs were not recognised (or only denied) is a symptom.
    """
    matched = entry.triage.get("matched", []) if isinstance(entry.triage, dict) else []
    found = {KIND_OF_FACT.get(str(m.get("fact")), EntryKind.SYMPTOM) for m in matched}
    return tuple(kind for kind in EntryKind if kind in found) or (EntryKind.SYMPTOM,)


def count_by_week(
    entries: Iterable[DiaryEntry], *, timezone: str, since: date | None, until: date
) -> list[WeekCount]:
    """Entries per week and urgency, every week from `since` (or the first entry) to `until`.

    Weeks with no entry are kept (as zero), so a chart shows quiet weeks too.

    >>> count_by_week([], timezone="UTC", since=None, until=date(2026, 3, 4))
    []
    """
    zone = ZoneInfo(timezone)
    days = [(_local_day(e.recorded_at, zone), Urgency(e.urgency)) for e in entries]
    if not days and since is None:
        return []
    first = since or min(day for day, _ in days)
    weeks = _week_starts(_monday(first), _monday(until))
    counts: dict[date, dict[Urgency, int]] = {week: {} for week in weeks}
    for day, urgency in days:
        week = counts.get(_monday(day))
        if week is not None:
            week[urgency] = week.get(urgency, 0) + 1
    return [WeekCount(week, counts[week]) for week in weeks]


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_starts(first: date, last: date) -> Sequence[date]:
    count = max(0, (last - first).days // DAYS_PER_WEEK) + 1
    return [first + timedelta(days=DAYS_PER_WEEK * n) for n in range(count)]
