"""Export a dose plan as an RFC 5545 iCalendar file that calendar programs import and update.

Each upcoming dose is one VEVENT at the patient's local time with a TZID (and its VTIMEZONE), so
the time stays right across daylight-saving changes. UIDs are stable per dose number; SEQUENCE
rises when a dose's time moves compared with the previous export, so clients update events
instead of adding duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from ofacare.errors import InvalidInput
from ofacare.regimen import DoseStatus, Plan, RegimenRules, ScheduledDose, default_rules
from ofacare.regimen.document import CARE_TEAM_NOTE, guidance_for

PRODID = "-//ofacare//dose plan//EN"
EVENING_REMINDER_AT = time(
    19, 0
)  # when the "tomorrow" reminder rings; a habit, not a clinical rule
EVENT_LENGTH = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class EventRevision:
    """What an earlier export said about one event: its SEQUENCE and its start."""

    sequence: int
    starts_at: datetime | date


def dose_uid(start_on: date, number: int) -> str:
    """The event UID of a dose: the same for the same course and dose number in every export."""
    return f"ofacare-{start_on:%Y%m%d}-dose-{number}@ofacare"


def build_calendar(
    plan: Plan,
    *,
    at: time,
    tz: ZoneInfo,
    stamp: datetime,
    previous: Mapping[str, EventRevision] | None = None,
    rules: RegimenRules | None = None,
) -> Calendar:
    """Build the calendar of every dose not yet taken; an overdue dose goes on the as-of day."""
    rules = rules or default_rules()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Kesimpta doses (ofacare)")
    upcoming = [d for d in plan.doses if d.status is not DoseStatus.TAKEN]
    for dose in upcoming:
        starts = datetime.combine(_event_day(dose, plan), at, tzinfo=tz)
        uid = dose_uid(plan.start_on, dose.number)
        sequence = _next_sequence((previous or {}).get(uid), starts)
        calendar.add_component(
            _event(dose, plan, starts=starts, uid=uid, sequence=sequence, stamp=stamp, rules=rules)
        )
    if upcoming:
        first = _event_day(upcoming[0], plan) - timedelta(days=2)
        last = upcoming[-1].due_on + timedelta(days=2)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def load_revisions(ics: bytes, *, field: str = "previous") -> dict[str, EventRevision]:
    """Read UID, SEQUENCE and start of each event of an earlier export."""
    try:
        calendar = Calendar.from_ical(ics)
        revisions = {}
        for event in calendar.walk("VEVENT"):
            uid, sequence = event["uid"], event.get("sequence", 0)
            starts = event.decoded("dtstart")
            if isinstance(uid, list) or isinstance(sequence, list) or isinstance(starts, list):
                raise ValueError("an event has its UID, SEQUENCE or DTSTART more than once")
            if not isinstance(starts, date):
                raise ValueError(f"DTSTART {starts!r} is not a date or a date and time")
            revisions[str(uid)] = EventRevision(int(sequence), starts)
    except (ValueError, KeyError, IndexError) as exc:
        raise InvalidInput(
            "calendar.unreadable-previous",
            f"{field}: the earlier calendar file could not be read as iCalendar ({exc}).",
            "Point it at a file ofacare exported, or remove it to start afresh.",
        ) from exc
    return revisions


def _event_day(dose: ScheduledDose, plan: Plan) -> date:
    return plan.as_of if dose.status is DoseStatus.OVERDUE else dose.due_on


def _next_sequence(before: EventRevision | None, starts: datetime) -> int:
    if before is None:
        return 0
    moved = not isinstance(before.starts_at, datetime) or before.starts_at != starts
    return before.sequence + 1 if moved else before.sequence


def _event(
    dose: ScheduledDose,
    plan: Plan,
    *,
    starts: datetime,
    uid: str,
    sequence: int,
    stamp: datetime,
    rules: RegimenRules,
) -> Event:
    kb = rules.knowledge
    amount = f"{plan.dose_mg:g} mg"
    title = f"Kesimpta dose {dose.number} ({amount}, {dose.phase.value})"
    lines = [f"Dose {dose.number} of ofatumumab {amount}, {dose.phase.value} phase."]
    if dose.status is DoseStatus.OVERDUE:
        title = f"Kesimpta dose {dose.number}: overdue since {dose.due_on.isoformat()}"
        lines.append(guidance_for(plan) or kb.statement("dosing.missed-dose"))
    warm_up = kb.statement("storage.warm-up")
    fact_ids = ["dosing.dose-amount", "dosing.missed-dose", "storage.warm-up"]
    lines += [warm_up, CARE_TEAM_NOTE, "Sources: " + "; ".join(kb.cite(fact_ids))]
    lines.append(f"Knowledge base {kb.version}.")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", starts)
    event.add("dtend", starts + EVENT_LENGTH)
    event.add("summary", title)
    event.add("description", "\n".join(lines))
    event.add("categories", ["Medication"])
    event.add("transp", "TRANSPARENT")
    evening = datetime.combine(
        starts.date() - timedelta(days=1), EVENING_REMINDER_AT, tzinfo=starts.tzinfo
    )
    # Relative triggers count real elapsed time, so subtract in UTC to survive a DST night.
    ahead = starts.astimezone(UTC) - evening.astimezone(UTC)
    event.add_component(_alarm(-ahead, f"Tomorrow at {starts:%H:%M}: {title}. {warm_up}"))
    event.add_component(_alarm(timedelta(0), f"Now: {title}. {warm_up}"))
    return event


def _alarm(trigger: timedelta, text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", trigger)
    alarm.add("description", text)
    return alarm
