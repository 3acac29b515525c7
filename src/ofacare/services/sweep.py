"""`ofacare sweep`: one pass over every patient for the day's reminders and care-team alerts.

Each notice has a key (dose 5 due on 2 March, dose 5 three days late...) stored with a unique
constraint, so a second run on the same day, a crash and re-run, or two instances sweeping at once
add nothing new. Reminders are written as `pending` in the batch's transaction and emailed after
it commits; one still pending (the process died before sending) is sent by the next run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ofacare.errors import OfacareError
from ofacare.interop.mail import MailError, MailSettings, OutgoingMail, build_message_id, send_mail
from ofacare.knowledge import KnowledgeBase
from ofacare.records.tables import Alert, Patient, Reminder
from ofacare.safety.finding import Finding
from ofacare.safety.reminders import Notice, NoticeAudience, build_notices
from ofacare.services.runtime import Runtime
from ofacare.services.sweep_inputs import Batch, build_patient_day, load_batch
from ofacare.services.sweep_screening import screening_findings

log = logging.getLogger(__name__)
BATCH_SIZE = 1000
BATCH_ATTEMPTS = 3
PENDING, SENT, FAILED, NO_CHANNEL = "pending", "sent", "failed", "no-channel"


@dataclass
class SweepSummary:
    as_of: date
    patients: int = 0
    reminders: int = 0
    alerts: int = 0
    emailed: int = 0
    email_failures: int = 0
    skipped: list[str] = field(default_factory=list)
    """Patients whose records the core refused (each logged with the reason)."""

    def add(self, other: SweepSummary) -> None:
        self.patients += other.patients
        self.reminders += other.reminders
        self.alerts += other.alerts
        self.skipped.extend(other.skipped)

    def __str__(self) -> str:
        return (
            f"{self.as_of}: {self.patients} patients, {self.reminders} new reminders, "
            f"{self.alerts} new alerts, {self.emailed} emailed, {self.email_failures} email "
            f"failures, {len(self.skipped)} skipped"
        )


def run_sweep(runtime: Runtime, *, as_of: date, batch_size: int = BATCH_SIZE) -> SweepSummary:
    """Sweep all patients for `as_of`; safe to run again (nothing is sent twice)."""
    summary = SweepSummary(as_of=as_of)
    after: str | None = ""
    while after is not None:
        after = _sweep_next_batch(runtime, after, as_of=as_of, size=batch_size, summary=summary)
    return summary


def _sweep_next_batch(
    runtime: Runtime, after: str, *, as_of: date, size: int, summary: SweepSummary
) -> str | None:
    """Sweep the batch after id `after`; the last id swept, or None when none was left."""
    for attempt in range(BATCH_ATTEMPTS):
        batch_summary = SweepSummary(as_of=as_of)
        try:
            with runtime.database.writing() as session:
                patients = list(
                    session.scalars(
                        select(Patient).where(Patient.id > after).order_by(Patient.id).limit(size)
                    )
                )
                if not patients:
                    return None
                _sweep_batch(session, runtime, patients, as_of=as_of, summary=batch_summary)
                pending = _pending_mail(session, patients[0].id, patients[-1].id)
        except IntegrityError:
            # Another sweep stored one of these keys first; the retry finds it and skips it.
            log.warning("sweep batch after %r met a concurrent sweep (attempt %d)", after, attempt)
            continue
        summary.add(batch_summary)
        _send(runtime, pending, summary)
        return patients[-1].id
    raise RuntimeError(f"sweep batch after {after!r} kept clashing with another sweep")


def _sweep_batch(
    session: Session,
    runtime: Runtime,
    patients: list[Patient],
    *,
    as_of: date,
    summary: SweepSummary,
) -> None:
    batch = load_batch(session, patients, as_of)
    known = _known_keys(session, patients[0].id, patients[-1].id)
    now = runtime.now()
    for patient in patients:
        summary.patients += 1
        try:
            notices = _notices(session, batch, patient, as_of=as_of, kb=runtime.kb)
        except OfacareError as problem:
            log.warning("sweep skipped patient %s: %s", patient.id, problem)
            summary.skipped.append(patient.id)
            continue
        for notice in notices:
            if (notice.audience, notice.key) in known[patient.id]:
                continue
            known[patient.id].add((notice.audience, notice.key))
            if notice.audience is NoticeAudience.PATIENT:
                session.add(_reminder(patient, notice, as_of=as_of, now=now, runtime=runtime))
                summary.reminders += 1
            else:
                session.add(_alert(patient, notice, as_of=as_of, now=now))
                summary.alerts += 1


def _notices(
    session: Session, batch: Batch, patient: Patient, *, as_of: date, kb: KnowledgeBase
) -> tuple[Notice, ...]:
    screening: tuple[Finding, ...] = ()
    if patient.planned_start_on is not None and not batch.taken.get(patient.id):
        screening = screening_findings(session, patient, as_of=as_of, kb=kb)
    day = build_patient_day(batch, patient, as_of=as_of, kb=kb, screening=screening)
    return build_notices(day, kb=kb)


def _known_keys(
    session: Session, first: str, last: str
) -> dict[str, set[tuple[NoticeAudience, str]]]:
    known: dict[str, set[tuple[NoticeAudience, str]]] = defaultdict(set)
    for patient_id, key in session.execute(
        select(Reminder.patient_id, Reminder.key).where(Reminder.patient_id.between(first, last))
    ):
        known[patient_id].add((NoticeAudience.PATIENT, key))
    for patient_id, key in session.execute(
        select(Alert.patient_id, Alert.key).where(Alert.patient_id.between(first, last))
    ):
        known[patient_id].add((NoticeAudience.CARE_TEAM, key))
    return known


def _reminder(
    patient: Patient, notice: Notice, *, as_of: date, now: datetime, runtime: Runtime
) -> Reminder:
    # Email only when the patient chose it in their settings (not 'calendar' or 'none').
    wants_email = patient.reminder_channel == "email"
    channel = "email" if wants_email and patient.email and runtime.settings.smtp_host else "none"
    return Reminder(
        patient_id=patient.id,
        key=notice.key,
        code=notice.code,
        channel=channel,
        subject=notice.title,
        message=notice.message,
        due_on=as_of,
        status=PENDING if channel == "email" else NO_CHANNEL,
        created_at=now,
    )


def _alert(patient: Patient, notice: Notice, *, as_of: date, now: datetime) -> Alert:
    return Alert(
        patient_id=patient.id,
        key=notice.key,
        code=notice.code,
        severity=notice.severity.value,
        title=notice.title,
        message=notice.message,
        facts=list(notice.fact_ids),
        raised_on=as_of,
        created_at=now,
    )


@dataclass(frozen=True, slots=True)
class _Pending:
    reminder_id: str
    mail: OutgoingMail


def _pending_mail(session: Session, first: str, last: str) -> list[_Pending]:
    rows = session.execute(
        select(Reminder, Patient.email)
        .join(Patient, Patient.id == Reminder.patient_id)
        .where(Reminder.patient_id.between(first, last), Reminder.status == PENDING)
    ).all()
    return [
        _Pending(
            reminder_id=reminder.id,
            mail=OutgoingMail(
                to=email,
                subject=f"ofacare: {reminder.subject}",
                text=_mail_text(reminder),
                message_id=build_message_id(reminder.id, domain="ofacare"),
            ),
        )
        for reminder, email in rows
        if email
    ]


def _mail_text(reminder: Reminder) -> str:
    return (
        f"{reminder.message}\n\n"
        "ofacare supports your MS team and never replaces it. If you are unsure what to do, "
        "call your MS nurse or neurologist; in an emergency call your local emergency number.\n"
    )


def _send(runtime: Runtime, pending: list[_Pending], summary: SweepSummary) -> None:
    settings = runtime.settings
    if not pending or not settings.smtp_host:
        return
    mail_settings = MailSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )
    try:
        results = send_mail(mail_settings, [p.mail for p in pending], now=runtime.now())
    except MailError as problem:  # left pending: the next run tries again
        log.error("sweep could not reach the mail server: %s", problem)
        summary.email_failures += len(pending)
        return
    with runtime.database.writing() as session:
        for item, result in zip(pending, results, strict=True):
            reminder = session.get(Reminder, item.reminder_id)
            if reminder is None:
                continue
            reminder.status = SENT if result.accepted else FAILED
            reminder.sent_at = runtime.now() if result.accepted else None
            summary.emailed += int(result.accepted)
            summary.email_failures += int(not result.accepted)
