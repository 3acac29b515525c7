"""The calendar feed: a secret address a calendar app subscribes to, listing the upcoming doses.

The address holds a random token, shown once to the patient; ofacare keeps only its hash
(Patient.feed_token_hash), so creating a new one replaces the old address and revoking forgets
it. Reading the feed needs no sign-in (calendar apps cannot sign in); each read leaves an audit
entry with the role "feed".
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import NotFound
from ofacare.interop.calendar import PRODID, build_calendar
from ofacare.records.tables import AuditEntry, Patient, Prescription
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.accounts import hash_secret
from ofacare.services.prescriptions import find_active_prescription
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import DEFAULT_COUNT, compute_course_plan, rules_for

FEED_ROLE = "feed"
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100
TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")  # token_urlsafe's
CALENDAR_NAME = "Kesimpta doses (ofacare)"


@dataclass(frozen=True, slots=True)
class NewFeed:
    """The feed's address: shown once, since only the token's hash is kept."""

    url: str


def create_feed(runtime: Runtime, actor: Actor, patient_id: str) -> NewFeed:
    """Create the patient's feed address, or replace it: the old address stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.OWN,
            action="calendar.feed-create",
            now=runtime.now(),
        )
        patient.feed_token_hash = hash_secret(token)
    return NewFeed(url=feed_url(runtime.settings.base_url, token))


def revoke_feed(runtime: Runtime, actor: Actor, patient_id: str) -> None:
    """Forget the feed address: calendar apps subscribed to it get 404 from now on."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.OWN,
            action="calendar.feed-revoke",
            now=runtime.now(),
        )
        patient.feed_token_hash = None


def read_feed(runtime: Runtime, token: str, *, address: str | None) -> bytes:
    """The iCalendar of the patient the token belongs to; NotFound for any other token."""
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = _find_patient(session, token) if _is_token(token) else None
        if patient is None:
            raise NotFound(
                "calendar.no-such-feed",
                "This calendar feed address is not known (mistyped, replaced or revoked).",
                "Ask for a new feed address in ofacare and subscribe to it again.",
            )
        session.add(
            AuditEntry(
                at=now,
                user_id=None,
                role=FEED_ROLE,
                action="calendar.feed-read",
                patient_id=patient.id,
                address=address,
            )
        )
        prescription = find_active_prescription(session, patient.id)
        if prescription is None:
            return _empty_calendar()  # no course: the subscribed calendar empties, not errors
        return build_patient_calendar(session, runtime, patient, prescription, now=now)


def build_patient_calendar(
    session: Session,
    runtime: Runtime,
    patient: Patient,
    prescription: Prescription,
    *,
    now: datetime,
    count: int = DEFAULT_COUNT,
) -> bytes:
    """The course's doses as iCalendar bytes, at the patient's reminder time and timezone."""
    plan = compute_course_plan(
        session, patient, prescription=prescription, now=now, kb=runtime.kb, count=count
    )
    calendar = build_calendar(
        plan,
        at=patient.reminder_time,
        tz=ZoneInfo(patient.timezone),
        stamp=now,
        rules=rules_for(runtime.kb),
    )
    data: bytes = calendar.to_ical()
    return data


def feed_url(base_url: str, token: str) -> str:
    """The address calendar apps subscribe to."""
    return f"{base_url.rstrip('/')}/calendar/{token}.ics"


def _find_patient(session: Session, token: str) -> Patient | None:
    query = select(Patient).where(Patient.feed_token_hash == hash_secret(token))
    return session.scalar(query)


def _is_token(text: str) -> bool:
    return 0 < len(text) <= MAX_TOKEN_LENGTH and set(text) <= TOKEN_CHARACTERS


def _empty_calendar() -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    data: bytes = calendar.to_ical()
    return data
