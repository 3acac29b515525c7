"""iCalendar export (RFC 5545): local times with TZID across DST, alarms, stable UIDs, SEQUENCE."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from ofacare.errors import InvalidInput
from ofacare.interop.calendar import build_calendar, dose_uid, load_revisions
from ofacare.knowledge import default_knowledge
from ofacare.regimen import compute_plan

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def export(taken: list[date], as_of: date, previous=None, *, at=time(9, 0), tz=LONDON) -> Calendar:
    plan = compute_plan(date(2026, 3, 2), taken, as_of, count=len(taken) + 5)
    ics = build_calendar(plan, at=at, tz=tz, stamp=STAMP, previous=previous).to_ical()
    return Calendar.from_ical(ics)  # always test what a client would parse


def events(calendar: Calendar) -> dict[str, object]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_one_event_per_upcoming_dose_with_stable_uids():
    cal = events(export([date(2026, 3, 2)], date(2026, 3, 3)))
    assert list(cal) == [dose_uid(date(2026, 3, 2), n) for n in range(2, 7)]


def test_events_keep_local_time_across_the_spring_dst_change():
    cal = export([date(2026, 3, 2)], date(2026, 3, 3))
    starts = [e.decoded("dtstart") for e in cal.walk("VEVENT")]
    assert [s.strftime("%Y-%m-%d %H:%M") for s in starts[:3]] == [
        "2026-03-09 09:00", "2026-03-16 09:00", "2026-03-30 09:00",
    ]  # fmt: skip
    assert {s.tzinfo.key for s in starts} == {"Europe/London"}
    assert starts[0].utcoffset() == timedelta(0)  # GMT before 29 March
    assert starts[2].utcoffset() == timedelta(hours=1)  # BST after
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]


def test_evening_alarm_rings_at_19_local_even_across_a_dst_night():
    # Dose 3 on Sunday 29 March 2026, the night the clocks go forward in London.
    plan = compute_plan(date(2026, 3, 15), [date(2026, 3, 15)], date(2026, 3, 16), count=3)
    cal = build_calendar(plan, at=time(9, 0), tz=LONDON, stamp=STAMP)
    dose3 = next(e for e in cal.walk("VEVENT") if e["uid"].endswith("dose-3@ofacare"))
    assert dose3.decoded("dtstart").date() == date(2026, 3, 29)
    triggers = sorted(a.decoded("trigger") for a in dose3.walk("VALARM"))
    assert triggers == [timedelta(hours=-13), timedelta(0)]  # 19:00 GMT -> 09:00 BST is 13 hours
    ring = dose3.decoded("dtstart").astimezone(UTC) + triggers[0]  # elapsed time, not wall time
    assert ring.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z") == "2026-03-28 19:00 GMT"


def test_alarms_tell_to_take_the_pen_out_of_the_fridge_in_time():
    cal = export([date(2026, 3, 2)], date(2026, 3, 3))
    warm_up = default_knowledge().statement("storage.warm-up")
    for event in cal.walk("VEVENT"):
        texts = [str(a["description"]) for a in event.walk("VALARM")]
        assert len(texts) == 2
        assert texts[0].startswith("Tomorrow at 09:00")
        assert all(warm_up in t for t in texts)
        assert "MS nurse or neurologist" in str(event["description"])
        assert "Sources:" in str(event["description"])


def test_overdue_dose_is_placed_today_and_says_so():
    cal = export([date(2026, 3, 2)], date(2026, 3, 12))
    first = next(iter(cal.walk("VEVENT")))
    assert first.decoded("dtstart").date() == date(2026, 3, 12)
    assert "overdue since 2026-03-09" in str(first["summary"])
    assert "as soon as you can" in str(first["description"])


def test_sequence_rises_only_for_events_whose_date_moved():
    first = export([date(2026, 3, 2)], date(2026, 3, 3))
    previous = load_revisions(first.to_ical())
    # Dose 2 was given on its due day: nothing moves.
    same = events(export([date(2026, 3, 2), date(2026, 3, 9)], date(2026, 3, 9), previous))
    assert {int(e["sequence"]) for e in same.values()} == {0}
    # Dose 2 was given three days late: every later dose moves.
    moved = export([date(2026, 3, 2), date(2026, 3, 12)], date(2026, 3, 12), previous)
    sequences = {uid.split("-")[-1]: int(e["sequence"]) for uid, e in events(moved).items()}
    assert sequences == {"3@ofacare": 1, "4@ofacare": 1, "5@ofacare": 1, "6@ofacare": 1,
                         "7@ofacare": 0}  # fmt: skip
    again = export(
        [date(2026, 3, 2), date(2026, 3, 12)], date(2026, 3, 12), load_revisions(moved.to_ical())
    )
    assert {int(e["sequence"]) for e in events(again).values()} == {1, 0}


def test_changing_the_time_of_day_moves_every_event():
    first = export([date(2026, 3, 2)], date(2026, 3, 3))
    later = export(
        [date(2026, 3, 2)], date(2026, 3, 3), load_revisions(first.to_ical()), at=time(18, 30)
    )
    assert {int(e["sequence"]) for e in later.walk("VEVENT")} == {1}


def test_unreadable_previous_export_is_refused_with_the_field_named():
    with pytest.raises(InvalidInput) as caught:
        load_revisions(b"this is not a calendar", field="previous")
    assert caught.value.code == "calendar.unreadable-previous"
    assert caught.value.message.startswith("previous:")
