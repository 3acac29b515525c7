"""A few months of history for the demo world, so `make run` shows a panel worth looking at.

Results and diary entries go through the same use cases as real ones (so they are validated and
audited); the injections of the two panel patients are written directly, as the seed's are.
Jordan Lee took every dose and has an immunoglobulin G below the laboratory's range; Casey Brown
missed the latest monthly dose by more than a week. A sweep then raises their alerts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ofacare.records.tables import Injection, Patient, Prescription, User
from ofacare.regimen import IntervalMode, compute_plan
from ofacare.services.access import Actor, Role
from ofacare.services.diary import DiaryForm, record_diary_entry
from ofacare.services.labs import LabForm, record_lab
from ofacare.services.planning import VaccinationForm, record_vaccination
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import rules_for
from ofacare.services.setup import DEMO_DOMAIN
from ofacare.services.sweep import SweepSummary, run_sweep

MISSED_BY_DAYS = 10
SITES = ("abdomen-left", "abdomen-right", "thigh-left", "thigh-right")
IGG_RANGE = {"unit": "g/L", "reference_low": 7.0, "reference_high": 16.0}
CD19_RANGE = {"unit": "cells/uL", "reference_low": 100.0, "reference_high": 500.0}
BASELINE: tuple[dict[str, object], ...] = (  # a laboratory's report, ranges as it printed them
    {"test": "HBsAg", "result": "negative"},
    {"test": "anti-HBc", "result": "negative"},
    {"test": "liver-panel", "result": "normal"},
    {"test": "IgG", "value": 10.4, **IGG_RANGE},
    {"test": "IgM", "value": 1.2, "unit": "g/L", "reference_low": 0.4, "reference_high": 2.3},
    {"test": "CD19", "value": 240.0, **CD19_RANGE},
)


def add_demo_history(runtime: Runtime) -> SweepSummary:
    """Labs, a diary entry and a vaccination for the demo patients, then today's sweep."""
    today = runtime.now().date()
    nurse, alex = _demo_actor(runtime, Role.CLINICIAN), _demo_actor(runtime, Role.PATIENT)
    patients = _patients_by_name(runtime)
    alex_id = patients["Morgan"].id
    start = patients["Morgan"].planned_start_on or today
    for reading in BASELINE:
        _lab(runtime, nurse, alex_id, reading, start - timedelta(days=21))
    after = {"test": "CD19", "value": 3.0, **CD19_RANGE}
    _lab(runtime, nurse, alex_id, after, start + timedelta(days=14))
    flu = VaccinationForm(
        name="Influenza (inactivated)", live=False, given_on=start - timedelta(days=30)
    )
    record_vaccination(runtime, nurse, alex_id, flu, idempotency_key=None)
    evening = DiaryForm(
        text="Headache and chills the evening after the pen", choices=("headache", "chills")
    )
    record_diary_entry(runtime, alex, alex_id, evening, idempotency_key=None)
    _take_doses(runtime, patients["Lee"], until=today)
    missed = today - timedelta(days=MISSED_BY_DAYS)
    _take_doses(runtime, patients["Brown"], until=missed, skip_last=True)
    for months, igg in ((6, 9.1), (3, 7.6), (0, 6.2)):
        taken = today - timedelta(days=30 * months + 2)
        _lab(runtime, nurse, patients["Lee"].id, {"test": "IgG", "value": igg, **IGG_RANGE}, taken)
    return run_sweep(runtime, as_of=today)


def _demo_actor(runtime: Runtime, role: Role) -> Actor:
    with runtime.database.reading() as session:
        user = session.scalar(select(User).where(User.email == f"{role.value}@{DEMO_DOMAIN}"))
    assert user is not None, "seed_demo runs first"
    return Actor(user_id=user.id, role=role, address="demo")


def _patients_by_name(runtime: Runtime) -> dict[str, Patient]:
    with runtime.database.reading() as session:
        return {p.family_name: p for p in session.scalars(select(Patient))}


def _lab(
    runtime: Runtime, actor: Actor, patient_id: str, reading: dict[str, object], on: date
) -> None:
    form = LabForm.model_validate({**reading, "collected_on": on})
    record_lab(runtime, actor, patient_id, form, idempotency_key=None)


def _due_dates(runtime: Runtime, start_on: date, until: date) -> list[date]:
    """The due days of a course taken on time up to `until` (each dose moves the next)."""
    taken: list[date] = []
    while True:
        plan = compute_plan(
            start_on, taken, until, count=len(taken) + 2, interval=IntervalMode.MONTHLY,
            rules=rules_for(runtime.kb),
        )  # fmt: skip
        following = plan.doses[len(taken)].due_on
        if following > until:
            return taken
        taken.append(following)


def _take_doses(
    runtime: Runtime, patient: Patient, *, until: date, skip_last: bool = False
) -> None:
    """Every dose due by `until` given on its day (the last one left out when `skip_last`)."""
    now = runtime.now()
    with runtime.database.writing() as session:
        prescription = session.scalar(
            select(Prescription).where(Prescription.patient_id == patient.id)
        )
        assert prescription is not None
        due = _due_dates(runtime, prescription.start_on, until)
        for number, due_on in enumerate(due[:-1] if skip_last else due, start=1):
            given = datetime.combine(due_on, time(19, 30), now.tzinfo)
            session.add(
                Injection(
                    patient_id=patient.id, prescription_id=prescription.id, given_at=given,
                    given_on=due_on, dose_number=number, site=SITES[(number - 1) % len(SITES)],
                    injected_by="self", reactions=[], created_at=now,
                )
            )  # fmt: skip
