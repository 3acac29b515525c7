"""Load what the sweep needs for a batch of patients in a few queries, not one per patient."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import InvalidInput
from ofacare.handling.storage import PenEvent as PenHistoryEvent
from ofacare.handling.storage import compute_pen_state, parse_event_kind
from ofacare.knowledge import KnowledgeBase
from ofacare.knowledge.schema import Urgency
from ofacare.records.tables import DiaryEntry, Injection, LabResult, Patient, PenEvent, Prescription
from ofacare.regimen import IntervalMode, compute_plan
from ofacare.safety.finding import Finding
from ofacare.safety.reminders import OpenTriage, PatientDay, PenOnHand
from ofacare.services.profiles import to_profile_lab

log = logging.getLogger(__name__)
IMMUNOGLOBULINS = ("IgG", "IgM")
ALERTING_URGENCIES = (Urgency.EMERGENCY.value, Urgency.URGENT.value)


@dataclass
class Batch:
    """Rows of one batch of patients, grouped by patient id."""

    patients: list[Patient]
    prescriptions: dict[str, Prescription] = field(default_factory=dict)
    taken: dict[str, list[date]] = field(default_factory=lambda: defaultdict(list))
    used_pens: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    pen_events: dict[str, dict[str, list[PenEvent]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    labs: dict[str, dict[str, LabResult]] = field(default_factory=lambda: defaultdict(dict))
    triage: dict[str, list[DiaryEntry]] = field(default_factory=lambda: defaultdict(list))


def load_batch(session: Session, patients: Sequence[Patient], as_of: date) -> Batch:
    """The active prescription, doses, pens, latest immunoglobulins and open triage per patient.

    `patients` are every patient with an id in their range, in id order: related rows are read
    by id range, which uses the patient_id indexes without a thousand bound parameters.
    """
    batch = Batch(patients=list(patients))
    first, last = patients[0].id, patients[-1].id
    end = datetime.combine(as_of, time.max, UTC)
    for rx in session.scalars(
        select(Prescription)
        .where(Prescription.patient_id.between(first, last))
        .order_by(Prescription.created_at)
    ):
        batch.prescriptions[rx.patient_id] = rx  # the newest wins
    for patient_id, rx_id, given_on, serial in session.execute(
        select(
            Injection.patient_id,
            Injection.prescription_id,
            Injection.given_on,
            Injection.pen_serial,
        ).where(Injection.patient_id.between(first, last), Injection.given_on <= as_of)
    ):
        active = batch.prescriptions.get(patient_id)
        if active is not None and active.id == rx_id:
            batch.taken[patient_id].append(given_on)
        if serial:
            batch.used_pens[patient_id].add(serial)
    for event in session.scalars(
        select(PenEvent)
        .where(PenEvent.patient_id.between(first, last), PenEvent.occurred_at <= end)
        .order_by(PenEvent.occurred_at)
    ):
        batch.pen_events[event.patient_id][event.pen].append(event)
    for lab in session.scalars(
        select(LabResult)
        .where(
            LabResult.patient_id.between(first, last),
            LabResult.test.in_(IMMUNOGLOBULINS),
            LabResult.collected_on <= as_of,
        )
        .order_by(LabResult.collected_on)
    ):
        batch.labs[lab.patient_id][lab.test] = lab  # the newest wins
    for entry in session.scalars(
        select(DiaryEntry).where(
            DiaryEntry.patient_id.between(first, last),
            DiaryEntry.urgency.in_(ALERTING_URGENCIES),
            DiaryEntry.resolved_at.is_(None),
            DiaryEntry.recorded_at <= end,
        )
    ):
        batch.triage[entry.patient_id].append(entry)
    return batch


def build_patient_day(
    batch: Batch,
    patient: Patient,
    *,
    as_of: date,
    kb: KnowledgeBase,
    screening: tuple[Finding, ...] = (),
) -> PatientDay:
    """The pure core's view of one patient on the sweep day."""
    rx = batch.prescriptions.get(patient.id)
    plan = None
    if rx is not None:
        taken = sorted(batch.taken.get(patient.id, []))
        plan = compute_plan(rx.start_on, taken, as_of, interval=IntervalMode(rx.interval_mode))
    stopped = rx.stopped_on if rx is not None and rx.stopped_on and rx.stopped_on <= as_of else None
    return PatientDay(
        as_of=as_of,
        plan=plan,
        treatment_stopped_on=stopped,
        pens=_pens(batch, patient.id, as_of=as_of, kb=kb),
        can_become_pregnant=patient.can_become_pregnant,
        screening_findings=screening,
        planned_start_on=patient.planned_start_on,
        immunoglobulins=tuple(
            to_profile_lab(lab) for lab in batch.labs.get(patient.id, {}).values()
        ),
        open_triage=tuple(
            OpenTriage(entry_id=e.id, urgency=Urgency(e.urgency), reported_on=e.recorded_at.date())
            for e in batch.triage.get(patient.id, [])
        ),
    )


def _pens(
    batch: Batch, patient_id: str, *, as_of: date, kb: KnowledgeBase
) -> tuple[PenOnHand, ...]:
    now = datetime.combine(as_of, time.max, UTC)
    used = batch.used_pens.get(patient_id, set())
    pens = []
    for serial, events in batch.pen_events.get(patient_id, {}).items():
        if serial in used:
            continue
        history = [PenHistoryEvent(kind=parse_event_kind(e.kind), at=e.occurred_at) for e in events]
        try:
            pens.append(PenOnHand(serial=serial, state=compute_pen_state(history, now=now, kb=kb)))
        except InvalidInput as problem:  # a history the person must correct; not a sweep failure
            log.warning("pen %s of patient %s skipped: %s", serial, patient_id, problem)
    return tuple(pens)
