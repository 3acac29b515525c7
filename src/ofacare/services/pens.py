"""Pens in stock: what happened to each pen, and whether it can still be used.

The state of a pen (time out of the fridge, use-by moment, discard advice) is
ofacare.handling.storage.compute_pen_state over the pen's recorded events, shown in the patient's
own timezone. A pen whose serial was logged with an injection has been used: it is no longer in
stock and takes no more events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import InvalidInput, NotFound
from ofacare.handling.storage import PenEvent as StoredEvent
from ofacare.handling.storage import PenEventKind, PenState, compute_pen_state
from ofacare.knowledge import KnowledgeBase
from ofacare.records.tables import Injection, Patient, PenEvent
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import Form, Moment
from ofacare.services.idempotency import open_create, remember
from ofacare.services.injections import check_happened
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import CareTeamCall, care_team_call

PenLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class PenEventForm(Form):
    """Something that happened to one pen: out of the fridge, back in, frozen, too warm."""

    pen: PenLabel
    kind: PenEventKind
    occurred_at: Moment


@dataclass(frozen=True, slots=True)
class PenStatus:
    """One pen in stock: its events (oldest first) and its state now, in local time."""

    pen: str
    events: tuple[PenEvent, ...]
    state: PenState


@dataclass(frozen=True, slots=True)
class PenStock:
    """The pens in stock, whom to call about a pen that cannot be used, the knowledge version."""

    pens: tuple[PenStatus, ...]
    call: CareTeamCall
    knowledge_version: str


@dataclass(frozen=True, slots=True)
class RecordedPenEvent:
    """The event stored and the pen's state after it."""

    event: PenEvent
    status: PenStatus
    call: CareTeamCall
    knowledge_version: str


def record_pen_event(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    form: PenEventForm,
    *,
    idempotency_key: str | None,
) -> RecordedPenEvent:
    """Record what happened to a pen; the answer carries the pen's state after it."""
    now = runtime.now()
    with runtime.database.writing() as session:
        request = open_create(
            session,
            runtime,
            actor,
            patient_id,
            permission=Permission.LOG,
            action="pen.event-create",
            form=form,
            key=idempotency_key,
            lock=True,
        )
        patient, digest = request.patient, request.digest
        if request.replayed is not None:
            event = _get_event(session, patient_id, request.replayed)
        else:
            event = _add_event(session, patient, actor=actor, form=form, now=now, kb=runtime.kb)
            remember(session, runtime, actor, idempotency_key, digest=digest, record_id=event.id)
        events = _events_of(session, patient_id, pen=event.pen)
        return RecordedPenEvent(
            event=event,
            status=_status(patient, event.pen, events, now=now, kb=runtime.kb),
            call=care_team_call(session, patient),
            knowledge_version=runtime.kb.version,
        )


def list_pens(runtime: Runtime, actor: Actor, patient_id: str) -> PenStock:
    """Every pen in stock (not yet used in a logged injection) with its state now."""
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session, actor, patient_id, permission=Permission.READ, action="pen.list", now=now
        )
        used = _used_pens(session, patient_id)
        query = select(PenEvent).where(PenEvent.patient_id == patient_id)
        by_pen: dict[str, list[PenEvent]] = {}
        for event in session.scalars(query.order_by(PenEvent.occurred_at, PenEvent.created_at)):
            if event.pen not in used:
                by_pen.setdefault(event.pen, []).append(event)
        pens = tuple(
            _status(patient, pen, events, now=now, kb=runtime.kb)
            for pen, events in sorted(by_pen.items())
        )
        return PenStock(pens, care_team_call(session, patient), runtime.kb.version)


def _add_event(
    session: Session,
    patient: Patient,
    *,
    actor: Actor,
    form: PenEventForm,
    now: datetime,
    kb: KnowledgeBase,
) -> PenEvent:
    check_happened("occurred_at", form.occurred_at, now=now, patient=patient)
    if form.pen in _used_pens(session, patient.id):
        raise InvalidInput(
            "pens.already-used",
            f"pen: '{form.pen}' was logged with an injection, so it is no longer in stock.",
            "Check the pen's serial or label; a used pen is not stored again.",
        )
    event = PenEvent(
        patient_id=patient.id,
        pen=form.pen,
        kind=form.kind.value,
        occurred_at=form.occurred_at,
        recorded_by=actor.user_id,
        created_at=now,
    )
    history = [*_events_of(session, patient.id, pen=form.pen), event]
    history.sort(key=lambda e: e.occurred_at)  # stable: a same-moment event goes after
    try:
        compute_pen_state(_stored(history), now=max(now, form.occurred_at), kb=kb)
    except InvalidInput as problem:
        raise InvalidInput(
            problem.code,
            f"kind: '{form.kind.value}' at '{form.occurred_at.isoformat()}' does not fit the "
            f"events already recorded for pen '{form.pen}' ({problem.message})",
            problem.hint,
        ) from None
    session.add(event)
    session.flush()
    return event


def _status(
    patient: Patient, pen: str, events: list[PenEvent], *, now: datetime, kb: KnowledgeBase
) -> PenStatus:
    zone = ZoneInfo(patient.timezone)
    # A moment recorded within the clock skew of now is not "in the future" for the state.
    latest = max([now, *(event.occurred_at for event in events)])
    state = compute_pen_state(_stored(events, zone=zone), now=latest.astimezone(zone), kb=kb)
    return PenStatus(pen, tuple(events), state)


def _stored(events: list[PenEvent], *, zone: ZoneInfo | None = None) -> list[StoredEvent]:
    """The core's view of stored events, in the patient's timezone so advice reads locally."""
    return [
        StoredEvent(
            PenEventKind(event.kind),
            event.occurred_at.astimezone(zone) if zone else event.occurred_at,
        )
        for event in events
    ]


def _events_of(session: Session, patient_id: str, *, pen: str) -> list[PenEvent]:
    query = select(PenEvent).where(PenEvent.patient_id == patient_id, PenEvent.pen == pen)
    return list(session.scalars(query.order_by(PenEvent.occurred_at, PenEvent.created_at)))


def _used_pens(session: Session, patient_id: str) -> set[str]:
    query = select(Injection.pen_serial).where(
        Injection.patient_id == patient_id, Injection.pen_serial.is_not(None)
    )
    return {serial for serial in session.scalars(query) if serial}


def _get_event(session: Session, patient_id: str, event_id: str) -> PenEvent:
    event = session.get(PenEvent, event_id)
    if event is None or event.patient_id != patient_id:
        raise NotFound(
            "pens.no-such-event",
            f"pen event id: '{event_id}' is not a pen event of this patient.",
            "List the patient's pens to see their events.",
        )
    return event
