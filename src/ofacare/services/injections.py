"""Injections: logging a dose of the active course, listing them, and where to inject next.

The dose number is the plan's next untaken dose, never taken from the client. Injections are
logged in order, one per local day: a second one the same day is refused as a possible
duplicate (dosing.possible-duplicate-gap), and so is a self-injection in the arm
(injection.upper-arm-caregiver). The same site as last time, or a pen past use, is recorded with a
warning: the injection has happened, and the record must say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import InvalidInput, NotFound
from ofacare.handling.sites import (
    Injector,
    Site,
    SiteSuggestion,
    check_site,
    suggest_site,
)
from ofacare.handling.storage import PenEvent as StoredEvent
from ofacare.handling.storage import PenEventKind, compute_pen_state
from ofacare.knowledge import KnowledgeBase
from ofacare.records.tables import Injection, Patient, PenEvent, Prescription
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.forms import Form, Moment, ShortText
from ofacare.services.idempotency import open_create, remember
from ofacare.services.prescriptions import find_last_injection
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import (
    CareTeamCall,
    Schedule,
    build_schedule,
    care_team_call,
    require_active_prescription,
)

CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock may run a little ahead of the server's
RECENT_SITES = 2 * len(Site)  # enough history to rank every site by when it was last used
DUPLICATE_FACT = "dosing.possible-duplicate-gap"
PenText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class InjectionForm(Form):
    """One injection as the person who gave it (or saw it given) records it."""

    given_at: Moment
    site: Site
    injected_by: Injector = Injector.SELF
    pen_lot: PenText | None = None
    pen_serial: PenText | None = None
    out_of_fridge_at: Moment | None = None
    reactions: tuple[ShortText, ...] = Field(default=(), max_length=20)
    notes: Notes | None = None


@dataclass(frozen=True, slots=True)
class InjectionWarning:
    """Something to check about an injection already given: recorded, and said."""

    code: str
    message: str
    fact_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoggedInjection:
    """The injection stored, the plan after it, where to inject next, and what to check."""

    injection: Injection
    schedule: Schedule
    next_site: SiteSuggestion
    warnings: tuple[InjectionWarning, ...]


@dataclass(frozen=True, slots=True)
class SiteAdvice:
    """Where to inject next, with the knowledge version and whom to call."""

    suggestion: SiteSuggestion
    knowledge_version: str
    call: CareTeamCall


def log_injection(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    form: InjectionForm,
    *,
    idempotency_key: str | None,
) -> LoggedInjection:
    """Record an injection of the active course; the answer carries the new plan."""
    now = runtime.now()
    with runtime.database.writing() as session:
        request = open_create(
            session,
            runtime,
            actor,
            patient_id,
            permission=Permission.LOG,
            action="injections.log",
            form=form,
            key=idempotency_key,
            lock=True,  # dose numbers are handed out in turn
        )
        patient, digest = request.patient, request.digest
        if request.replayed is not None:
            injection = _get_injection(session, patient_id, request.replayed)
        else:
            injection = _add_injection(
                session, patient, actor=actor, form=form, now=now, kb=runtime.kb
            )
            remember(
                session, runtime, actor, idempotency_key, digest=digest, record_id=injection.id
            )
        prescription = session.get(Prescription, injection.prescription_id)
        assert prescription is not None  # the foreign key holds
        schedule = build_schedule(
            session, patient, prescription=prescription, now=now, kb=runtime.kb
        )
        recent = recent_sites(session, patient_id)
        return LoggedInjection(
            injection=injection,
            schedule=schedule,
            next_site=suggest_site(recent, injector=Injector(injection.injected_by), kb=runtime.kb),
            warnings=_warnings(session, injection, kb=runtime.kb),
        )


def get_logged_injection(
    runtime: Runtime, actor: Actor, patient_id: str, injection_id: str
) -> LoggedInjection:
    """An injection already logged, with the plan now, where to inject next and what to check."""
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="injections.read",
            now=now,
        )
        injection = _get_injection(session, patient_id, injection_id)
        prescription = session.get(Prescription, injection.prescription_id)
        assert prescription is not None  # the foreign key holds
        schedule = build_schedule(
            session, patient, prescription=prescription, now=now, kb=runtime.kb
        )
        injector = Injector(injection.injected_by)
        return LoggedInjection(
            injection=injection,
            schedule=schedule,
            next_site=suggest_site(
                recent_sites(session, patient_id), injector=injector, kb=runtime.kb
            ),
            warnings=_warnings(session, injection, kb=runtime.kb),
        )


def list_injections(runtime: Runtime, actor: Actor, patient_id: str) -> list[Injection]:
    """Every injection of the patient, newest first."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="injections.list",
            now=runtime.now(),
        )
        query = select(Injection).where(Injection.patient_id == patient_id)
        return list(session.scalars(query.order_by(Injection.given_at.desc())))


def suggest_next_site(
    runtime: Runtime, actor: Actor, patient_id: str, *, injector: Injector
) -> SiteAdvice:
    """Where to inject next: the allowed site used longest ago, never the last one."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="injections.site-suggestion",
            now=runtime.now(),
        )
        suggestion = suggest_site(
            recent_sites(session, patient_id), injector=injector, kb=runtime.kb
        )
        return SiteAdvice(suggestion, runtime.kb.version, care_team_call(session, patient))


def recent_sites(session: Session, patient_id: str) -> list[Site]:
    """The sites of the patient's latest injections, newest first."""
    query = (
        select(Injection.site)
        .where(Injection.patient_id == patient_id)
        .order_by(Injection.given_at.desc())
        .limit(RECENT_SITES)
    )
    return [Site(site) for site in session.scalars(query)]


def check_happened(field: str, moment: datetime, *, now: datetime, patient: Patient) -> None:
    """Refuse a moment later than now (beyond a small clock skew) or before the patient's birth:
    events are recorded after they happen, and in the patient's life."""
    if moment > now + CLOCK_SKEW:
        raise InvalidInput(
            "input.in-the-future",
            f"{field}: '{moment.isoformat()}' is in the future (now is {now.isoformat()}).",
            "Record it once it has happened, with its date, time and UTC offset.",
        )
    if moment.astimezone(ZoneInfo(patient.timezone)).date() < patient.birth_date:
        raise InvalidInput(
            "input.before-birth",
            f"{field}: '{moment.isoformat()}' is before the patient's date of birth "
            f"({patient.birth_date.isoformat()}).",
            "Check the date and the year.",
        )


def _add_injection(
    session: Session,
    patient: Patient,
    *,
    actor: Actor,
    form: InjectionForm,
    now: datetime,
    kb: KnowledgeBase,
) -> Injection:
    prescription = require_active_prescription(session, patient)
    given_on = form.given_at.astimezone(ZoneInfo(patient.timezone)).date()
    _check_time(form, patient, prescription, now=now, given_on=given_on)
    _check_order(session, patient.id, form=form, given_on=given_on, kb=kb)
    _check_site(form, kb)
    course = select(Injection.id).where(Injection.prescription_id == prescription.id)
    injection = Injection(
        patient_id=patient.id,
        prescription_id=prescription.id,
        given_at=form.given_at,
        given_on=given_on,
        dose_number=len(session.scalars(course).all()) + 1,
        site=form.site.value,
        pen_lot=form.pen_lot,
        pen_serial=form.pen_serial,
        injected_by=form.injected_by.value,
        recorded_by=actor.user_id,
        out_of_fridge_at=form.out_of_fridge_at,
        reactions=list(form.reactions),
        notes=form.notes or None,
        created_at=now,
    )
    session.add(injection)
    session.flush()
    return injection


def _check_time(
    form: InjectionForm,
    patient: Patient,
    prescription: Prescription,
    *,
    now: datetime,
    given_on: date,
) -> None:
    check_happened("given_at", form.given_at, now=now, patient=patient)
    if given_on < prescription.start_on:
        raise InvalidInput(
            "injections.before-start",
            f"given_at: '{form.given_at.isoformat()}' is before the course started "
            f"({prescription.start_on.isoformat()}).",
            "Check the date; injections of an earlier course are not logged against this one.",
        )
    if form.out_of_fridge_at is not None:
        check_happened("out_of_fridge_at", form.out_of_fridge_at, now=now, patient=patient)
        if form.out_of_fridge_at > form.given_at:
            raise InvalidInput(
                "injections.out-of-fridge-after-injection",
                f"out_of_fridge_at: '{form.out_of_fridge_at.isoformat()}' is after the "
                f"injection ('{form.given_at.isoformat()}').",
                "Give when the pen came out of the fridge, before it was injected.",
            )


def _check_order(
    session: Session, patient_id: str, *, form: InjectionForm, given_on: date, kb: KnowledgeBase
) -> None:
    last = find_last_injection(session, patient_id)
    if last is None:
        return
    if given_on == last.given_on:
        raise InvalidInput(
            "injections.possible-duplicate",
            f"given_at: '{form.given_at.isoformat()}' is on {given_on.isoformat()}, the day "
            f"dose {last.dose_number} was already recorded. " + kb.statement(DUPLICATE_FACT),
            "If this is the same injection, there is nothing more to record. If a second pen "
            "was injected, tell your MS team.",
        )
    if form.given_at < last.given_at:
        raise InvalidInput(
            "injections.out-of-order",
            f"given_at: '{form.given_at.isoformat()}' is before the last recorded injection "
            f"({last.given_on.isoformat()}, dose {last.dose_number}).",
            "Record injections in the order they were given; ask your MS team to correct "
            "an earlier entry.",
        )


def _check_site(form: InjectionForm, kb: KnowledgeBase) -> None:
    problems = check_site(form.site, injector=form.injected_by, last_site=None, kb=kb)
    if problems:
        raise InvalidInput(
            problems[0].code,
            problems[0].message,
            "Choose a thigh or the lower belly, or record who gave it in injected_by.",
        )


def _warnings(
    session: Session, injection: Injection, *, kb: KnowledgeBase
) -> tuple[InjectionWarning, ...]:
    before = session.scalar(
        select(Injection.site)
        .where(
            Injection.patient_id == injection.patient_id, Injection.given_at < injection.given_at
        )
        .order_by(Injection.given_at.desc())
        .limit(1)
    )
    site = Site(injection.site)
    problems = check_site(
        site,
        injector=Injector(injection.injected_by),
        last_site=Site(before) if before else None,
        kb=kb,
    )
    found = [InjectionWarning(p.code, p.message, p.fact_ids) for p in problems]
    pen = _pen_warning(session, injection, kb=kb)
    return (*found, pen) if pen else tuple(found)


def _pen_warning(
    session: Session, injection: Injection, *, kb: KnowledgeBase
) -> InjectionWarning | None:
    if injection.pen_serial is None:
        return None
    rows = session.scalars(
        select(PenEvent)
        .where(
            PenEvent.patient_id == injection.patient_id,
            PenEvent.pen == injection.pen_serial,
            PenEvent.occurred_at <= injection.given_at,
        )
        .order_by(PenEvent.occurred_at, PenEvent.created_at)
    )
    events = [StoredEvent(PenEventKind(row.kind), row.occurred_at) for row in rows]
    try:
        state = compute_pen_state(events, now=injection.given_at, kb=kb)
    except InvalidInput:
        return None  # the stored events were checked when recorded; nothing to add here
    if not state.must_discard:
        return None
    lines = " ".join(advice.text for advice in state.advice)
    facts = tuple(dict.fromkeys(f for advice in state.advice for f in advice.fact_ids))
    return InjectionWarning(
        "injections.pen-past-use",
        f"pen_serial: '{injection.pen_serial}' was past use when it was injected. {lines}",
        facts,
    )


def _get_injection(session: Session, patient_id: str, injection_id: str) -> Injection:
    injection = session.get(Injection, injection_id)
    if injection is None or injection.patient_id != patient_id:
        raise NotFound(
            "injections.no-such-injection",
            f"injection id: '{injection_id}' is not an injection of this patient.",
            "List the patient's injections to see their ids.",
        )
    return injection
