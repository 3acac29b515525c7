"""The daily sweep: reminders on the due day, escalation and care-team alerts when late, pens,
triage and immunoglobulins; idempotent; email through a real SMTP server (aiosmtpd).

Rules: DOSE-6 (dosing.late-reminder-escalation, dosing.late-care-team-alert), STORE-4.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ofacare.config import Settings
from ofacare.records.tables import (
    Alert,
    DiaryEntry,
    Injection,
    LabResult,
    PenEvent,
    Prescription,
    Reminder,
)
from ofacare.services.runtime import Runtime
from ofacare.services.sweep import run_sweep
from tests.people import build_world

START = date(2026, 3, 2)


def with_mail(runtime: Runtime, port: int, host: str = "127.0.0.1") -> Runtime:
    settings = Settings(database_url=runtime.settings.database_url, smtp_host=host, smtp_port=port)
    return replace(runtime, settings=settings)


def prescribe(
    runtime: Runtime, patient_id: str, *, start: date = START, taken: tuple[int, ...] = ()
) -> None:
    """A prescription starting on `start` with doses taken on the given day offsets."""
    now = runtime.now()
    with runtime.database.writing() as session:
        rx = Prescription(
            patient_id=patient_id,
            start_on=start,
            interval_mode="monthly",
            written_on=start,
            created_at=now,
        )
        session.add(rx)
        session.flush()
        for number, offset in enumerate(taken, start=1):
            given = datetime.combine(start + timedelta(days=offset), datetime.min.time(), UTC)
            session.add(
                Injection(
                    patient_id=patient_id,
                    prescription_id=rx.id,
                    given_at=given,
                    given_on=given.date(),
                    dose_number=number,
                    site="thigh-left",
                    injected_by="self",
                    reactions=[],
                    created_at=now,
                )
            )


def count(runtime: Runtime, table) -> int:  # type: ignore[no-untyped-def]
    with runtime.database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def keys(runtime: Runtime, table) -> set[str]:  # type: ignore[no-untyped-def]
    with runtime.database.reading() as session:
        return set(session.scalars(select(table.key)))


def test_a_dose_due_today_is_emailed_once_and_a_second_run_sends_nothing(runtime, smtp_server):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, taken=(0,))
    mailing = with_mail(runtime, smtp_server.port)
    first = run_sweep(mailing, as_of=START + timedelta(days=7))
    assert first.reminders == 1 and first.emailed == 1
    assert len(smtp_server.received) == 1
    message = smtp_server.received[0]
    assert message.rcpt_tos == ("robin@example.org",)
    assert "dose" in message.message["Subject"].lower()
    second = run_sweep(mailing, as_of=START + timedelta(days=7))
    assert second.reminders == 0 and second.emailed == 0
    assert len(smtp_server.received) == 1
    assert keys(runtime, Reminder) == {"dose-2:due:2026-03-09"}


def test_the_day_before_the_due_day_nothing_is_sent(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, taken=(0,))
    assert run_sweep(runtime, as_of=START + timedelta(days=6)).reminders == 0


def test_three_days_late_escalates_and_seven_days_late_alerts_the_care_team(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, taken=(0,))
    due = START + timedelta(days=7)
    run_sweep(runtime, as_of=due + timedelta(days=2))
    assert count(runtime, Alert) == 0
    reminders_before = keys(runtime, Reminder)
    run_sweep(runtime, as_of=due + timedelta(days=3))
    assert keys(runtime, Reminder) - reminders_before == {"dose-2:late-3:2026-03-09"}
    run_sweep(runtime, as_of=due + timedelta(days=6))
    assert count(runtime, Alert) == 0
    run_sweep(runtime, as_of=due + timedelta(days=7))
    assert keys(runtime, Alert) == {"dose-2:late-7:2026-03-09"}


def test_without_a_mail_server_reminders_are_kept_with_no_channel(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, taken=(0,))
    summary = run_sweep(runtime, as_of=START + timedelta(days=7))
    assert summary.reminders == 1 and summary.emailed == 0
    with runtime.database.reading() as session:
        assert session.scalar(select(Reminder.status)) == "no-channel"


def test_an_unreachable_mail_server_leaves_reminders_pending_for_the_next_run(runtime, smtp_server):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, taken=(0,))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = run_sweep(with_mail(runtime, closed_port), as_of=START + timedelta(days=7))
    assert down.emailed == 0 and down.email_failures == 1
    again = run_sweep(with_mail(runtime, smtp_server.port), as_of=START + timedelta(days=7))
    assert again.reminders == 0 and again.emailed == 1
    assert len(smtp_server.received) == 1


def test_an_open_urgent_symptom_report_alerts_the_care_team_once(runtime):
    world = build_world(runtime)
    with runtime.database.writing() as session:
        session.add(
            DiaryEntry(
                patient_id=world.patient_id,
                recorded_at=runtime.now(),
                text="fever and chills",
                choices=[],
                urgency="urgent",
                advice="Call your MS team today.",
                call="your MS team",
                triage={},
            )
        )
    run_sweep(runtime, as_of=runtime.now().date())
    run_sweep(runtime, as_of=runtime.now().date() + timedelta(days=1))
    assert count(runtime, Alert) == 1


def test_a_self_care_symptom_report_raises_no_alert(runtime):
    world = build_world(runtime)
    with runtime.database.writing() as session:
        session.add(
            DiaryEntry(
                patient_id=world.patient_id,
                recorded_at=runtime.now(),
                text="sore spot where I injected",
                choices=[],
                urgency="self_care",
                advice="Cool pack.",
                call="your MS team",
                triage={},
            )
        )
    run_sweep(runtime, as_of=runtime.now().date())
    assert count(runtime, Alert) == 0


def test_an_igg_below_the_labs_lower_limit_alerts_the_care_team(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=START - timedelta(days=200), taken=(0, 7, 14, 28))
    with runtime.database.writing() as session:
        session.add(
            LabResult(
                patient_id=world.patient_id,
                loinc="2465-3",
                test="IgG",
                value=4.1,
                unit="g/L",
                reference_low=7.0,
                reference_high=16.0,
                collected_on=START - timedelta(days=3),
                created_at=runtime.now(),
            )
        )
    run_sweep(runtime, as_of=START)
    assert any(key.startswith("igg") for key in keys(runtime, Alert))


def test_a_pen_past_its_room_temperature_days_gets_a_discard_reminder(runtime):
    world = build_world(runtime)
    days = runtime.kb.whole_number("storage.room-temperature-days", "day")
    left = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with runtime.database.writing() as session:
        session.add(
            PenEvent(
                patient_id=world.patient_id,
                pen="SN-1",
                kind="out-of-fridge",
                occurred_at=left,
                created_at=runtime.now(),
            )
        )
    run_sweep(runtime, as_of=(left + timedelta(days=days - 1)).date())
    assert not any(k.startswith("pen:") for k in keys(runtime, Reminder))
    run_sweep(runtime, as_of=(left + timedelta(days=days + 1)).date())
    assert any(k.startswith("pen:SN-1") for k in keys(runtime, Reminder))


def test_a_patient_with_an_impossible_record_is_skipped_not_fatal(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, taken=(-30,))  # a dose "taken" before the start
    prescribe(runtime, world.other_patient_id, taken=(0,))
    summary = run_sweep(runtime, as_of=START + timedelta(days=7))
    assert summary.patients == 2
    assert summary.skipped == [world.patient_id]
    assert summary.reminders == 1


@pytest.mark.parametrize("batch_size", [1, 1000])
def test_batches_of_any_size_give_the_same_result(runtime, batch_size):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, taken=(0,))
    prescribe(runtime, world.other_patient_id, taken=(0,))
    summary = run_sweep(runtime, as_of=START + timedelta(days=7), batch_size=batch_size)
    assert (summary.patients, summary.reminders) == (2, 2)
