"""The calendar feed: a secret address, kept only as a hash, that serves the upcoming doses."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar
from sqlalchemy import select

from ofacare.errors import NotAllowed, NotFound
from ofacare.records.tables import AuditEntry, Patient
from ofacare.services.calendar_feed import create_feed, read_feed, revoke_feed
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from tests.people import build_world


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def prescribe(runtime, world):
    form = PrescriptionForm(start_on=date(2026, 3, 2))
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)


def test_the_feed_address_uses_the_base_url_and_only_its_hash_is_stored(runtime):
    world = build_world(runtime)
    url = create_feed(runtime, world.patient, world.patient_id).url
    assert url.startswith(f"{runtime.settings.base_url}/calendar/") and url.endswith(".ics")
    with runtime.database.reading() as session:
        stored = session.scalar(
            select(Patient.feed_token_hash).where(Patient.id == world.patient_id)
        )
    assert stored is not None and token_of(url) not in stored


def test_the_feed_lists_the_upcoming_doses_at_the_patients_reminder_time(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    token = token_of(create_feed(runtime, world.patient, world.patient_id).url)
    calendar = Calendar.from_ical(read_feed(runtime, token, address="192.0.2.1"))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 12
    first = events[0].decoded("dtstart")
    assert (first.date(), first.strftime("%H:%M"), str(first.tzinfo)) == (
        date(2026, 3, 2), "09:00", "Europe/London",
    )  # fmt: skip


def test_reading_the_feed_leaves_an_audit_entry_by_the_feed(runtime):
    world = build_world(runtime)
    token = token_of(create_feed(runtime, world.patient, world.patient_id).url)
    read_feed(runtime, token, address="192.0.2.1")
    with runtime.database.reading() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.feed-read"))
    assert entry is not None
    assert (entry.role, entry.user_id, entry.patient_id, entry.address) == (
        "feed", None, world.patient_id, "192.0.2.1",
    )  # fmt: skip


def test_without_an_active_course_the_feed_is_an_empty_calendar(runtime):
    world = build_world(runtime)
    token = token_of(create_feed(runtime, world.patient, world.patient_id).url)
    calendar = Calendar.from_ical(read_feed(runtime, token, address=None))
    assert list(calendar.walk("VEVENT")) == []


def test_a_new_address_replaces_the_old_one_and_revoking_ends_both(runtime):
    world = build_world(runtime)
    old = token_of(create_feed(runtime, world.patient, world.patient_id).url)
    new = token_of(create_feed(runtime, world.patient, world.patient_id).url)
    with pytest.raises(NotFound) as replaced:
        read_feed(runtime, old, address=None)
    assert replaced.value.code == "calendar.no-such-feed"
    assert read_feed(runtime, new, address=None).startswith(b"BEGIN:VCALENDAR")
    revoke_feed(runtime, world.patient, world.patient_id)
    with pytest.raises(NotFound):
        read_feed(runtime, new, address=None)


def test_a_malformed_token_is_simply_unknown(runtime):
    with pytest.raises(NotFound):
        read_feed(runtime, "../../etc/passwd", address=None)
    with pytest.raises(NotFound):
        read_feed(runtime, "a" * 101, address=None)


def test_only_the_patient_manages_their_feed(runtime):
    world = build_world(runtime)
    for actor in (world.caregiver, world.clinician):
        with pytest.raises(NotAllowed):
            create_feed(runtime, actor, world.patient_id)
        with pytest.raises(NotAllowed):
            revoke_feed(runtime, actor, world.patient_id)
