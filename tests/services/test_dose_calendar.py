"""The dose calendar for a signed-in reader: the file to download and whether a feed is on."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar

from ofacare.errors import Conflict, NotAllowed
from ofacare.services.calendar_feed import create_feed, revoke_feed
from ofacare.services.dose_calendar import DOWNLOAD_COUNT, download_calendar, has_feed
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from tests.people import build_world


def test_the_download_lists_the_upcoming_doses_for_anyone_who_may_read(runtime):
    world = build_world(runtime)
    with pytest.raises(Conflict):  # no course yet, so no plan
        download_calendar(runtime, world.patient, world.patient_id)
    form = PrescriptionForm(start_on=date(2026, 3, 2))
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)
    calendar = Calendar.from_ical(download_calendar(runtime, world.caregiver, world.patient_id))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == DOWNLOAD_COUNT
    assert events[0].decoded("dtstart").date() == date(2026, 3, 2)


def test_only_the_patient_sees_whether_the_feed_is_on(runtime):
    world = build_world(runtime)
    assert has_feed(runtime, world.patient, world.patient_id) is False
    create_feed(runtime, world.patient, world.patient_id)
    assert has_feed(runtime, world.patient, world.patient_id) is True
    revoke_feed(runtime, world.patient, world.patient_id)
    assert has_feed(runtime, world.patient, world.patient_id) is False
    with pytest.raises(NotAllowed):
        has_feed(runtime, world.caregiver, world.patient_id)
