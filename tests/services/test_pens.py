"""Pens in stock: each pen's state from its events, in local time; used pens leave the stock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from ofacare.errors import InvalidInput
from ofacare.records.tables import Patient
from ofacare.services.injections import InjectionForm, log_injection
from ofacare.services.pens import PenEventForm, list_pens, record_pen_event
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from tests.people import build_world


def event(runtime, world, pen, kind, at, *, actor=None, key=None):
    form = PenEventForm(pen=pen, kind=kind, occurred_at=at)
    return record_pen_event(
        runtime, actor or world.caregiver, world.patient_id, form, idempotency_key=key
    )


def test_a_pen_out_of_the_fridge_is_usable_until_the_room_temperature_limit(runtime, clock):
    world = build_world(runtime)
    out_at = clock.now - timedelta(days=2)
    recorded = event(runtime, world, "SN-1", "out-of-fridge", out_at)
    state = recorded.status.state
    room_days = runtime.kb.whole_number("storage.room-temperature-days", "day")
    assert state.location.value == "room-temperature" and not state.must_discard
    assert state.use_by == out_at + timedelta(days=room_days)
    assert state.time_out == timedelta(days=2)
    assert recorded.call.phone == "+44 161 555 0100"
    clock.advance(days=room_days - 2)
    assert not list_pens(runtime, world.patient, world.patient_id).pens[0].state.must_discard
    clock.advance(seconds=1)
    late = list_pens(runtime, world.patient, world.patient_id).pens[0].state
    assert late.must_discard and [r.value for r in late.discard_reasons] == [
        "room-temperature-limit"
    ]


def test_times_are_shown_in_the_patients_timezone(runtime, clock):
    world = build_world(runtime)
    with runtime.database.writing() as session:
        session.execute(
            update(Patient).where(Patient.id == world.patient_id).values(timezone="Asia/Tokyo")
        )
    event(runtime, world, "SN-1", "out-of-fridge", datetime(2026, 3, 1, 23, 0, tzinfo=UTC))
    state = list_pens(runtime, world.patient, world.patient_id).pens[0].state
    assert state.left_fridge_at is not None
    assert state.left_fridge_at.isoformat() == "2026-03-02T08:00:00+09:00"
    assert "2026-03-02 08:00" in state.advice[0].text


def test_a_frozen_pen_is_to_be_discarded_with_whom_to_ask(runtime, clock):
    world = build_world(runtime)
    state = event(runtime, world, "SN-2", "frozen", clock.now).status.state
    assert state.must_discard and state.discard_reasons[0].value == "frozen"
    texts = [advice.text for advice in state.advice]
    assert runtime.kb.statement("storage.unusable-pen-contact") in texts


def test_an_event_that_does_not_fit_the_pens_history_is_refused_naming_kind(runtime, clock):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as refused:
        event(runtime, world, "SN-3", "back-in-fridge", clock.now)
    assert refused.value.code == "handling.impossible-pen-event"
    assert refused.value.message.startswith("kind: 'back-in-fridge'")
    event(runtime, world, "SN-3", "out-of-fridge", clock.now - timedelta(hours=2))
    back = event(runtime, world, "SN-3", "back-in-fridge", clock.now)
    assert back.status.state.location.value == "fridge"


def test_an_event_in_the_future_is_refused(runtime, clock):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as refused:
        event(runtime, world, "SN-4", "out-of-fridge", clock.now + timedelta(hours=1))
    assert refused.value.message.startswith("occurred_at:")


def test_a_pen_logged_with_an_injection_leaves_the_stock_and_takes_no_more_events(runtime, clock):
    world = build_world(runtime)
    form = PrescriptionForm(start_on=date(2026, 3, 2))
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)
    event(runtime, world, "SN-5", "out-of-fridge", clock.now - timedelta(hours=1))
    event(runtime, world, "SN-6", "out-of-fridge", clock.now - timedelta(hours=1))
    given = InjectionForm(given_at=clock.now, site="thigh-left", pen_serial="SN-5")
    log_injection(runtime, world.patient, world.patient_id, given, idempotency_key=None)
    stock = list_pens(runtime, world.clinician, world.patient_id)
    assert [p.pen for p in stock.pens] == ["SN-6"]
    with pytest.raises(InvalidInput) as refused:
        event(runtime, world, "SN-5", "back-in-fridge", clock.now)
    assert refused.value.code == "pens.already-used"


def test_the_same_idempotency_key_records_one_event(runtime, clock):
    world = build_world(runtime)
    first = event(runtime, world, "SN-7", "out-of-fridge", clock.now, key="k1")
    again = event(runtime, world, "SN-7", "out-of-fridge", clock.now, key="k1")
    assert again.event.id == first.event.id
    assert len(list_pens(runtime, world.patient, world.patient_id).pens[0].events) == 1
