"""Planning around treatment: vaccines, vaccination records, pregnancy, and the treatment dates.

The treatment dates (the active prescription, the doses given) are read here once for every
clinical-review area: screening, monitoring, labs and simulations use them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import Conflict, InvalidInput
from ofacare.knowledge.base import CitationRef, KnowledgeBase
from ofacare.knowledge.schema import Audience
from ofacare.records.tables import Injection, Patient, Prescription, Vaccination
from ofacare.regimen import IntervalMode
from ofacare.regimen.schedule import LATEST_DATE
from ofacare.safety.finding import Finding, sort_findings
from ofacare.safety.pregnancy import check_pregnancy_plan, compute_contraception_until
from ofacare.safety.vaccines import check_vaccine
from ofacare.services import idempotency
from ofacare.services.access import Actor, Permission, Role, open_patient
from ofacare.services.forms import Form
from ofacare.services.patients import local_today
from ofacare.services.prescriptions import find_active_prescription
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import CareTeamCall, care_team_call

GUIDANCE_FACTS = ("pregnancy.contraception", "pregnancy.during-treatment", "pregnancy.planning")
VaccineName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


@dataclass(frozen=True, slots=True)
class Treatment:
    """What the records say about the course: the active prescription and every dose given."""

    prescription: Prescription | None
    """The active prescription, or None when no prescription is active."""
    taken_on: tuple[date, ...]
    """Every dose ever given, in any course, oldest first (the drug in the body counts these)."""

    @property
    def active(self) -> bool:
        return self.prescription is not None

    @property
    def course_start_on(self) -> date | None:
        return self.prescription.start_on if self.prescription else None

    @property
    def interval(self) -> IntervalMode:
        """The spacing of maintenance doses (monthly when no course is active)."""
        if self.prescription is None:
            return IntervalMode.MONTHLY
        return IntervalMode(self.prescription.interval_mode)

    @property
    def first_dose_on(self) -> date | None:
        return self.taken_on[0] if self.taken_on else None

    @property
    def last_dose_on(self) -> date | None:
        return self.taken_on[-1] if self.taken_on else None


def load_treatment(session: Session, patient_id: str) -> Treatment:
    """Read the patient's active prescription and the days of every injection."""
    taken = session.scalars(
        select(Injection.given_on)
        .where(Injection.patient_id == patient_id)
        .order_by(Injection.given_on, Injection.given_at)
    )
    return Treatment(
        prescription=find_active_prescription(session, patient_id), taken_on=tuple(taken)
    )


def audience_for(actor: Actor) -> Audience:
    """Clinicians read the clinician wording; everyone else the patient wording."""
    return Audience.CLINICIAN if actor.role is Role.CLINICIAN else Audience.PATIENT


def check_not_before_birth(patient: Patient, field: str, value: date) -> None:
    if value < patient.birth_date:
        raise InvalidInput(
            "input.before-birth",
            f"{field}: '{value}' is before the patient's date of birth ({patient.birth_date}).",
            "Check the date (YYYY-MM-DD).",
        )


def check_not_after_plans(field: str, value: date) -> None:
    if value > LATEST_DATE:
        raise InvalidInput(
            "regimen.date-out-of-range",
            f"{field}: '{value}' is after {LATEST_DATE}, the last date ofacare plans for.",
            "Check the year (YYYY-MM-DD).",
        )


def check_not_future(field: str, value: date, today: date) -> None:
    if value > today:
        raise InvalidInput(
            "input.date-in-future",
            f"{field}: '{value}' is after today ({today}) where the patient lives.",
            "Give the day it happened (YYYY-MM-DD), in the patient's own timezone.",
        )


# --- Vaccines ------------------------------------------------------------------------------------


class VaccineCheckForm(Form):
    """A vaccine someone plans (or had): its name, whether it is live, and the date."""

    name: VaccineName
    live: bool
    planned_on: date


class VaccinationForm(Form):
    """A vaccine that was given."""

    name: VaccineName
    live: bool
    given_on: date


@dataclass(frozen=True, slots=True)
class FindingsAnswer:
    """Findings for one question about one patient, worded for the reader, with who to call."""

    findings: tuple[Finding, ...]
    audience: Audience
    call: CareTeamCall
    knowledge_version: str


def check_vaccine_plan(
    runtime: Runtime, actor: Actor, patient_id: str, form: VaccineCheckForm
) -> FindingsAnswer:
    """Whether a vaccine on a date fits the treatment dates on record (VAX-1..4)."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="vaccination.check",
            now=runtime.now(),
        )
        check_not_before_birth(patient, "planned_on", form.planned_on)
        check_not_after_plans("planned_on", form.planned_on)
        treatment = load_treatment(session, patient.id)
        findings = _vaccine_findings(form, treatment, patient, runtime.kb)
        return FindingsAnswer(
            findings=tuple(sort_findings(findings)),
            audience=audience_for(actor),
            call=care_team_call(session, patient),
            knowledge_version=runtime.kb.version,
        )


def _vaccine_findings(
    form: VaccineCheckForm, treatment: Treatment, patient: Patient, kb: KnowledgeBase
) -> list[Finding]:
    before = [on for on in treatment.taken_on if on <= form.planned_on]
    start = treatment.first_dose_on or treatment.course_start_on or patient.planned_start_on
    if not before and start is None:
        raise Conflict(
            "vaccination.no-treatment-dates",
            f"planned_on: '{form.planned_on}' cannot be judged: the record has no dose, "
            "prescription or planned start yet.",
            "Record the planned start (PUT .../screening) or the prescription first.",
        )
    return check_vaccine(
        form.name,
        live=form.live,
        given_on=form.planned_on,
        last_dose_on=before[-1] if before else None,
        start_on=start,
        kb=kb,
    )


def record_vaccination(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    form: VaccinationForm,
    *,
    idempotency_key: str | None,
) -> Vaccination:
    """A clinician records a vaccine that was given; a retry with the same key returns it."""
    now = runtime.now()
    with runtime.database.writing() as session:
        request = idempotency.open_create(
            session,
            runtime,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="vaccination.record",
            form=form,
            key=idempotency_key,
        )
        patient, digest = request.patient, request.digest
        if request.replayed is not None:
            found = session.get(Vaccination, request.replayed)
            assert found is not None  # stored in the same transaction as the key
            return found
        check_not_before_birth(patient, "given_on", form.given_on)
        check_not_future("given_on", form.given_on, local_today(patient, now))
        vaccination = Vaccination(
            patient_id=patient.id,
            name=form.name,
            live=form.live,
            given_on=form.given_on,
            created_at=now,
        )
        session.add(vaccination)
        session.flush()
        idempotency.remember(
            session, runtime, actor, idempotency_key, digest=digest, record_id=vaccination.id
        )
        return vaccination


def list_vaccinations(runtime: Runtime, actor: Actor, patient_id: str) -> list[Vaccination]:
    """The vaccines on record, newest first."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="vaccination.list",
            now=runtime.now(),
        )
        query = select(Vaccination).where(Vaccination.patient_id == patient_id)
        return list(
            session.scalars(query.order_by(Vaccination.given_on.desc(), Vaccination.created_at))
        )


# --- Pregnancy -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PregnancyPlan:
    """Contraception until when (after the last dose on record), findings and guidance."""

    applies: bool
    """Whether the contraception rule applies: the person can become pregnant (or is)."""
    last_dose_on: date | None
    contraception_until: date | None
    """The last dose plus the label's months: it moves with every further dose."""
    findings: tuple[Finding, ...]
    guidance: tuple[str, ...]
    citations: tuple[CitationRef, ...]
    audience: Audience
    call: CareTeamCall
    knowledge_version: str


def get_pregnancy_plan(runtime: Runtime, actor: Actor, patient_id: str) -> PregnancyPlan:
    """Contraception window and pregnancy guidance from the patient's last dose (REPRO-1/2)."""
    now = runtime.now()
    kb = runtime.kb
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="pregnancy-plan.read",
            now=now,
        )
        last = load_treatment(session, patient.id).last_dose_on
        applies = patient.can_become_pregnant or patient.pregnant
        facts = _pregnancy_facts(patient, applies=applies)
        findings = (
            check_pregnancy_plan(
                last, pregnant=patient.pregnant, as_of=local_today(patient, now), kb=kb
            )
            if applies and last is not None
            else []
        )
        return PregnancyPlan(
            applies=applies,
            last_dose_on=last,
            contraception_until=(
                compute_contraception_until(last, kb=kb) if applies and last else None
            ),
            findings=tuple(findings),
            guidance=tuple(kb.statement(fact) for fact in facts),
            citations=tuple(kb.citations(facts)),
            audience=audience_for(actor),
            call=care_team_call(session, patient),
            knowledge_version=kb.version,
        )


def _pregnancy_facts(patient: Patient, *, applies: bool) -> tuple[str, ...]:
    if not applies:
        return ("pregnancy.males",) if patient.sex == "male" else ()
    if patient.breastfeeding:
        return (*GUIDANCE_FACTS, "pregnancy.breastfeeding")
    return GUIDANCE_FACTS
