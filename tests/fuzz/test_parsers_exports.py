"""Fuzzing the files people feed to other programs: the dose calendar (.ics) and the record CSVs.

ofacare imports neither format; what it reads back is an earlier .ics of its own (`ofacare
calendar --previous`), fuzzed here too. The properties:

- any plan, time of day and IANA timezone gives an .ics that icalendar parses back with the same
  events, local start times, texts and alarms, and exporting again over it changes nothing;
- an earlier calendar file that is damaged, or not iCalendar at all, is read or refused with
  InvalidInput naming the option;
- any text a patient's records hold (names, diary notes, pen lots, vaccine names, lab units:
  unicode, control characters, quotes, line breaks, the longest a column takes) comes back from
  the CSV zip through Python's csv module with the same value, a formula-like start defused with
  an apostrophe (record_csv.py); on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, assume, example, given
from hypothesis import strategies as st
from icalendar import Calendar

from ofacare.errors import InvalidInput
from ofacare.interop.calendar import EVENING_REMINDER_AT, build_calendar, dose_uid, load_revisions
from ofacare.records.tables import DiaryEntry, Injection, LabResult, Patient, Prescription
from ofacare.records.tables import Vaccination as VaccinationRow
from ofacare.regimen import DoseStatus, IntervalMode, compute_plan
from ofacare.services.record_csv import CsvTable, export_record_csv, to_csv
from ofacare.services.runtime import Runtime
from tests.fuzz.parser_strategies import CONTROL_TEXT, parser_settings
from tests.people import World, build_world

STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ZONES = sorted(available_timezones() - {"Factory", "localtime"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
TEXT = st.one_of(
    st.text(max_size=40),
    CONTROL_TEXT,
    st.sampled_from(
        ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", '"quoted", comma', "a\r\nb"]
    ),
    st.text(alphabet=st.sampled_from(',"\r\n\t;=\x00 \u2028'), max_size=12),
)


def expected_cell(value: object) -> str:
    """What a CSV cell holds for a value: text with formulas defused, others as ISO or digits."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# --- The dose calendar ----------------------------------------------------------------------------


@st.composite
def plans(draw: st.DrawFn) -> tuple[Any, time, ZoneInfo]:
    start = draw(st.dates(date(1990, 1, 1), date(2150, 12, 31)))
    gaps = draw(st.lists(st.integers(5, 60), max_size=8))
    taken = [start + timedelta(days=sum(gaps[:n])) for n in range(len(gaps) + 1)]
    taken = taken[: draw(st.integers(0, len(taken)))]
    as_of = max([start, *taken]) + timedelta(days=draw(st.integers(0, 200)))
    interval = draw(st.sampled_from(IntervalMode))
    try:
        plan = compute_plan(start, taken, as_of, count=draw(st.integers(1, 12)), interval=interval)
    except InvalidInput:  # doses too close together: the regimen refuses, no calendar to make
        assume(False)
    at = draw(st.times().map(lambda t: t.replace(second=0, microsecond=0)))
    return plan, at, ZoneInfo(draw(st.sampled_from(ZONES)))


@parser_settings(ci=60)
@given(plans())
def test_any_plan_and_timezone_give_an_ics_that_parses_back_the_same(
    case: tuple[Any, time, ZoneInfo],
) -> None:
    plan, at, tz = case
    built = build_calendar(plan, at=at, tz=tz, stamp=STAMP)
    ics = built.to_ical()
    parsed = Calendar.from_ical(ics)
    upcoming = [d for d in plan.doses if d.status is not DoseStatus.TAKEN]
    events = parsed.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [dose_uid(plan.start_on, d.number) for d in upcoming]
    for dose, event, original in zip(upcoming, events, built.walk("VEVENT"), strict=True):
        starts = event.decoded("dtstart")
        day = plan.as_of if dose.status is DoseStatus.OVERDUE else dose.due_on
        assert starts == datetime.combine(day, at, tzinfo=tz)  # the same instant
        if (
            getattr(starts.tzinfo, "key", "UTC") != "UTC"
        ):  # icalendar reads a zone that is UTC all year as UTC
            assert (starts.date(), starts.time(), starts.tzinfo.key) == (day, at, tz.key)
        for field in ("summary", "description"):
            assert str(event[field]) == str(original[field])
        alarms = [a.decoded("trigger") for a in event.walk("VALARM")]
        assert len(alarms) == 2 and timedelta(0) in alarms
        ring = starts.astimezone(UTC) + min(alarms)  # the evening before, in elapsed time
        assert ring.astimezone(tz).date() == day - timedelta(days=1)
        assert abs(ring.astimezone(tz).hour - EVENING_REMINDER_AT.hour) <= 1  # a DST jump at most
    # Exporting again over the first export changes no event: every SEQUENCE stays.
    again = Calendar.from_ical(
        build_calendar(plan, at=at, tz=tz, stamp=STAMP, previous=load_revisions(ics)).to_ical()
    )
    assert [int(e["sequence"]) for e in again.walk("VEVENT")] == [0] * len(upcoming)


EXAMPLE_ICS = build_calendar(
    compute_plan(date(2026, 3, 2), [date(2026, 3, 2)], date(2026, 3, 3), count=4),
    at=time(9, 0),
    tz=ZoneInfo("Europe/London"),
    stamp=STAMP,
).to_ical()
EXAMPLE_LINES = EXAMPLE_ICS.decode().split("\r\n")
ODD_LINES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "SEQUENCE:abc", "SEQUENCE:99999999999999999999999", "SEQUENCE:-1", "DTSTART:2026",
            "DTSTART;TZID=Mars/Olympus:20260309T090000", "DTSTART:20261345T250000",
            "DTSTART;VALUE=DATE:20260230", "UID:", "BEGIN:VEVENT", "END:VEVENT", "END:VCALENDAR",
            "BEGIN:VALARM", " folded continuation", "X-\x00:\x01", "DTSTART;TZID=:20260309T090000",
        ]
    ),
)  # fmt: skip


@st.composite
def damaged_ics(draw: st.DrawFn) -> bytes:
    lines = list(EXAMPLE_LINES)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        if action == "truncate":
            lines = lines[:at]
        elif action == "delete":
            del lines[at]
        else:
            lines[at : at + (action == "replace")] = [draw(ODD_LINES)]
        if not lines:
            break
    return "\r\n".join(lines).encode("utf-8", "surrogatepass")


@parser_settings(ci=150)
@given(damaged_ics() | st.binary(max_size=300))
@example(EXAMPLE_ICS.replace(b"SEQUENCE:0\r\n", b"SEQUENCE:0\r\nSEQUENCE:1\r\n", 1))  # TypeError
@example(EXAMPLE_ICS.replace(b"DTSTART;", b"DTSTART:20260309\r\nDTSTART;", 1))
def test_a_damaged_earlier_calendar_is_read_or_refused_naming_the_option(content: bytes) -> None:
    try:
        revisions = load_revisions(content, field="previous")
    except InvalidInput as error:
        assert error.message.startswith("previous: ") and error.code.startswith("calendar.")
        return
    for uid, revision in revisions.items():
        assert isinstance(uid, str) and isinstance(revision.sequence, int)
        assert isinstance(revision.starts_at, date)


# --- The record CSVs ------------------------------------------------------------------------------

CELLS = st.one_of(
    TEXT,
    st.text(min_size=1, max_size=3).map(lambda s: s * 3_000),
    st.none(),
    st.integers(-(2**63), 2**63),
    st.floats(),
    st.dates(),
)


@parser_settings(ci=150)
@given(
    header=st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=5),
    data=st.data(),
)
def test_any_cells_come_back_from_the_csv_with_the_same_values(
    header: list[str], data: st.DataObject
) -> None:
    width = len(header)
    rows = data.draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=6))
    text = to_csv(CsvTable("fuzz", tuple(header), tuple(tuple(r) for r in rows)))
    assert read_csv(text) == [
        header,  # ofacare's own column names, written as they are
        *([expected_cell(cell) for cell in row] for row in rows),
    ]


def sized(limit: int) -> st.SearchStrategy[str]:
    """Text that fits a column of `limit` characters (a varchar on PostgreSQL)."""
    return TEXT.map(lambda text: text[:limit])


RECORD_TEXT = st.fixed_dictionaries(
    {
        "given_name": sized(100).filter(str.strip),
        "family_name": sized(100).filter(str.strip),
        "diary": TEXT | st.text(min_size=1, max_size=3).map(lambda s: (s * 400)[:1000]),
        "choice": sized(60),
        "pen_lot": sized(40),
        "pen_serial": sized(40),
        "notes": TEXT,
        "reaction": sized(60),
        "vaccine": sized(100),
        "test": sized(40),
        "unit": sized(20),
        "result": sized(40),
        "value": st.floats(allow_nan=False, allow_infinity=False) | st.none(),
    }
)


def store(runtime: Runtime, world: World, texts: dict[str, Any]) -> str:
    """A new patient of the world's team holding the texts in every exported field."""
    now = runtime.now()
    with runtime.database.writing() as session:
        model = session.get(Patient, world.patient_id)
        assert model is not None
        patient = Patient(
            team_id=model.team_id, given_name=texts["given_name"],
            family_name=texts["family_name"], birth_date=date(1990, 4, 2), sex="female",
            country="GB", timezone="Pacific/Chatham", reminder_time=time(9, 0), ms_type="RRMS",
            created_at=now,
        )  # fmt: skip
        session.add(patient)
        session.flush()
        course = Prescription(patient_id=patient.id, start_on=date(2026, 1, 5),
                              interval_mode="monthly", written_on=date(2026, 1, 1), created_at=now)  # fmt: skip
        session.add(course)
        session.flush()
        session.add_all([
            Injection(patient_id=patient.id, prescription_id=course.id, given_at=now,
                      given_on=now.date(), dose_number=1, site="thigh-left", injected_by="self",
                      pen_lot=texts["pen_lot"], pen_serial=texts["pen_serial"],
                      reactions=[texts["reaction"]], notes=texts["notes"], created_at=now),
            DiaryEntry(patient_id=patient.id, recorded_at=now, text=texts["diary"],
                       choices=[texts["choice"]], urgency="urgent", advice="Call the team.",
                       call="the team", triage={}),
            LabResult(patient_id=patient.id, loinc="2465-3", test=texts["test"],
                      value=texts["value"], unit=texts["unit"], result=texts["result"],
                      collected_on=date(2026, 2, 1), created_at=now),
            VaccinationRow(patient_id=patient.id, name=texts["vaccine"], live=False,
                           given_on=date(2025, 10, 1), created_at=now),
        ])  # fmt: skip
        return patient.id


def exported(runtime: Runtime, world: World, patient_id: str) -> dict[str, Any]:
    files = export_record_csv(runtime, world.clinician, patient_id)
    with zipfile.ZipFile(io.BytesIO(files.content)) as archive:
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    tables = {name: read_csv(text.removeprefix("\ufeff")) for name, text in texts.items()}
    return {"about": texts["about.txt"], **tables}


def column(table: list[list[str]], name: str) -> str:
    header, row = table
    return row[header.index(name)]


# The examples share the test's database: each one adds a patient of its own.
@parser_settings(ci=25, suppress=(HealthCheck.function_scoped_fixture,))
@given(texts=RECORD_TEXT)
def test_any_text_in_a_record_comes_back_from_the_csv_zip_with_the_same_value(
    runtime: Runtime, texts: dict[str, Any]
) -> None:
    if runtime.database.engine.dialect.name == "postgresql":
        # PostgreSQL text cannot hold NUL at all; nothing with it can be stored to export.
        texts = {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in texts.items()}
        assume(texts["given_name"].strip() and texts["family_name"].strip())
    world = _world(runtime)
    tables = exported(runtime, world, store(runtime, world, texts))
    injection, diary = tables["injections.csv"], tables["diary.csv"]
    labs, vaccinations = tables["labs.csv"], tables["vaccinations.csv"]
    assert column(injection, "pen_lot") == expected_cell(texts["pen_lot"])
    assert column(injection, "pen_serial") == expected_cell(texts["pen_serial"])
    assert column(injection, "notes") == expected_cell(texts["notes"])
    assert column(injection, "reactions") == expected_cell(texts["reaction"])
    assert column(diary, "text") == expected_cell(texts["diary"])
    assert column(diary, "choices") == expected_cell(texts["choice"])
    assert column(labs, "test") == expected_cell(texts["test"])
    assert column(labs, "unit") == expected_cell(texts["unit"])
    assert column(labs, "result") == expected_cell(texts["result"])
    value = column(labs, "value")  # SQLite keeps -0.0 as 0.0: compare numbers, not spellings
    assert (float(value) if value else None) == texts["value"]
    assert column(vaccinations, "name") == expected_cell(texts["vaccine"])
    assert f"Records of {texts['given_name']} {texts['family_name']}," in tables["about"]
    assert re.search(r"\+12:45|\+13:45", column(injection, "given_at"))  # Chatham's offset


_WORLDS: dict[int, World] = {}


def _world(runtime: Runtime) -> World:
    """One world per database (the examples of a test share it; each adds its own patient)."""
    key = id(runtime)
    if key not in _WORLDS:
        _WORLDS[key] = build_world(runtime)
    return _WORLDS[key]


@pytest.fixture(autouse=True)
def _forget_worlds() -> None:
    _WORLDS.clear()
