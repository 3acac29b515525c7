"""The dose calendar for a signed-in reader: an iCalendar file to download, and whether the
patient's private feed address (services.calendar_feed) is switched on.

The file is the same calendar the feed serves (ofacare.interop.calendar.build_calendar): the
doses not yet taken, at the patient's reminder time in their timezone, with reminders.
"""

from __future__ import annotations

from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.calendar_feed import build_patient_calendar
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import require_active_prescription

DOWNLOAD_COUNT = 24  # two years of doses: a file is a snapshot, the feed keeps itself current


def download_calendar(runtime: Runtime, actor: Actor, patient_id: str) -> bytes:
    """The upcoming doses of the active course as an iCalendar file (409 without a course)."""
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="calendar.download",
            now=now,
        )
        prescription = require_active_prescription(session, patient)
        return build_patient_calendar(
            session, runtime, patient, prescription, now=now, count=DOWNLOAD_COUNT
        )


def has_feed(runtime: Runtime, actor: Actor, patient_id: str) -> bool:
    """Whether the patient has a feed address in use (only the patient manages it)."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.OWN,
            action="calendar.feed-status",
            now=runtime.now(),
        )
        return patient.feed_token_hash is not None
