"""Prescriptions: the clinician's order that starts a course, and the one course that is active.

One prescription is active at a time: the newest one not stopped. A new prescription stops the
one before it, and its course counts doses from 1 again (the injections recorded under it).
Moving the start date is allowed only until the first dose of the course is recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import Conflict, InvalidInput, NotFound
from ofacare.records.tables import Injection, Prescription
from ofacare.regimen import IntervalMode
from ofacare.regimen.schedule import EARLIEST_DATE
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import Form, ShortText
from ofacare.services.idempotency import open_create, remember
from ofacare.services.patients import check_start, local_today
from ofacare.services.runtime import Runtime

INTERVAL_ALIASES = {"four-weekly": IntervalMode.FOUR_WEEKLY.value}


def _interval_alias(value: object) -> object:
    if isinstance(value, str):
        cleaned = value.strip().lower()
        return INTERVAL_ALIASES.get(cleaned, cleaned)
    return value


Interval = Annotated[IntervalMode, BeforeValidator(_interval_alias)]


class PrescriptionForm(Form):
    """A new prescription: when dose 1 is (or was) given and how maintenance doses are spaced."""

    start_on: date
    interval_mode: Interval = IntervalMode.MONTHLY
    prescriber: ShortText | None = None


class PrescriptionChanges(Form):
    """Stop the course, or correct a course not yet begun; omitted fields stay."""

    start_on: date | None = None
    stopped_on: date | None = None
    interval_mode: Interval | None = None


def create_prescription(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    form: PrescriptionForm,
    *,
    idempotency_key: str | None,
) -> Prescription:
    """Record a prescription (clinicians); the active one before it is stopped today."""
    now = runtime.now()
    with runtime.database.writing() as session:
        request = open_create(
            session,
            runtime,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="prescription.create",
            form=form,
            key=idempotency_key,
            lock=True,  # one writer per patient at a time
        )
        patient, digest = request.patient, request.digest
        if request.replayed is not None:
            return get_prescription(session, patient_id, request.replayed)
        today = local_today(patient, now)
        check_start(form.start_on, today=today)
        previous = find_active_prescription(session, patient_id)
        if previous is not None:
            previous.stopped_on = today
        prescription = Prescription(
            patient_id=patient_id,
            start_on=form.start_on,
            interval_mode=form.interval_mode.value,
            prescriber=form.prescriber,
            written_on=today,
            created_at=now,
        )
        session.add(prescription)
        session.flush()
        remember(session, runtime, actor, idempotency_key, digest=digest, record_id=prescription.id)
        return prescription


def list_prescriptions(runtime: Runtime, actor: Actor, patient_id: str) -> list[Prescription]:
    """Every prescription of the patient, newest first."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="prescription.list",
            now=runtime.now(),
        )
        query = select(Prescription).where(Prescription.patient_id == patient_id)
        return list(session.scalars(query.order_by(Prescription.created_at.desc())))


def change_prescription(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    prescription_id: str,
    changes: PrescriptionChanges,
) -> Prescription:
    """Stop a course (stopped_on), or move its start or spacing while no dose is recorded."""
    given = {k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None}
    if not given:
        raise InvalidInput(
            "input.nothing-to-change",
            "No field to change was given.",
            "Send stopped_on to stop the course, or start_on / interval_mode to correct it.",
        )
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="prescription.change",
            now=now,
        )
        session.refresh(patient, with_for_update=True)
        prescription = get_prescription(session, patient_id, prescription_id)
        if prescription.stopped_on is not None:
            raise Conflict(
                "prescriptions.already-stopped",
                f"prescription id: '{prescription_id}' was stopped on "
                f"{prescription.stopped_on.isoformat()} and can no longer change.",
                "Record a new prescription to start a new course.",
            )
        _apply_changes(session, prescription, changes=changes, today=local_today(patient, now))
        return prescription


def _apply_changes(
    session: Session,
    prescription: Prescription,
    *,
    changes: PrescriptionChanges,
    today: date,
) -> None:
    course = find_course_injections(session, prescription.id)
    if changes.start_on is not None or changes.interval_mode is not None:
        if course:
            field = "start_on" if changes.start_on is not None else "interval_mode"
            raise InvalidInput(
                "prescriptions.already-begun",
                f"{field}: cannot change: dose 1 of this course was recorded on "
                f"{course[0].given_on.isoformat()}.",
                "Stop this prescription (stopped_on) and record a new one for a new course.",
            )
        if changes.start_on is not None:
            check_start(changes.start_on, today=today)
            prescription.start_on = changes.start_on
        if changes.interval_mode is not None:
            prescription.interval_mode = changes.interval_mode.value
    if changes.stopped_on is not None:
        last = find_last_injection(session, prescription.patient_id)
        _check_stop(changes.stopped_on, today=today, last=last)
        prescription.stopped_on = changes.stopped_on


def _check_stop(stopped_on: date, *, today: date, last: Injection | None) -> None:
    if stopped_on > today:
        raise InvalidInput(
            "prescriptions.bad-stop",
            f"stopped_on: '{stopped_on.isoformat()}' is in the future (today is "
            f"{today.isoformat()}).",
            "Record a stop on the day it happens, or a day already past.",
        )
    if last is not None and stopped_on < last.given_on:
        raise InvalidInput(
            "prescriptions.bad-stop",
            f"stopped_on: '{stopped_on.isoformat()}' is before the last recorded injection "
            f"({last.given_on.isoformat()}).",
            "Give the day treatment stopped: on or after the last injection.",
        )
    if stopped_on < EARLIEST_DATE:
        raise InvalidInput(
            "prescriptions.bad-stop",
            f"stopped_on: '{stopped_on.isoformat()}' is before {EARLIEST_DATE.isoformat()}.",
            "Give the day treatment stopped.",
        )


def get_prescription(session: Session, patient_id: str, prescription_id: str) -> Prescription:
    """The patient's prescription with this id; NotFound for any other id."""
    prescription = session.get(Prescription, prescription_id)
    if prescription is None or prescription.patient_id != patient_id:
        raise NotFound(
            "prescriptions.no-such-prescription",
            f"prescription id: '{prescription_id}' is not a prescription of this patient.",
            "List the patient's prescriptions to see their ids.",
        )
    return prescription


def find_active_prescription(session: Session, patient_id: str) -> Prescription | None:
    """The prescription not stopped: a new one stops the one before, so there is at most one."""
    query = select(Prescription).where(
        Prescription.patient_id == patient_id, Prescription.stopped_on.is_(None)
    )
    return session.scalar(query.order_by(Prescription.created_at.desc()).limit(1))


def find_course_injections(session: Session, prescription_id: str) -> list[Injection]:
    """The injections recorded under a prescription, first dose first."""
    query = select(Injection).where(Injection.prescription_id == prescription_id)
    return list(session.scalars(query.order_by(Injection.given_at)))


def find_last_injection(session: Session, patient_id: str) -> Injection | None:
    """The patient's most recent injection in any course."""
    query = select(Injection).where(Injection.patient_id == patient_id)
    return session.scalar(query.order_by(Injection.given_at.desc()).limit(1))
