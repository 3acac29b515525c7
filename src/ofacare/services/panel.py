"""The care team's panel: one row per patient with what needs doing, loaded in a few queries.

A nurse may look after two hundred patients, so the rows are built from a handful of batch
queries (patients, prescriptions, injections, labs, vaccinations, allergies, open alerts) and the
pure core (the dose plan, the screening rules), never one query per patient. Each patient shown
leaves one audit entry, as `patients.list_patients` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from math import ceil

from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.errors import NotAllowed, OfacareError
from ofacare.knowledge import KnowledgeBase
from ofacare.records.tables import Alert, Allergy, Injection, LabResult, Patient, Prescription
from ofacare.records.tables import Vaccination as VaccinationRow
from ofacare.regimen import IntervalMode, ScheduledDose, compute_plan
from ofacare.regimen.schedule import DoseStatus
from ofacare.safety.finding import Severity
from ofacare.safety.screening import Readiness, screen
from ofacare.safety.screening_rules import low_immunoglobulin
from ofacare.services.access import Actor, Role, record_access, visible_patients_query
from ofacare.services.patients import local_today
from ofacare.services.planning import Treatment
from ofacare.services.profiles import to_profile_lab
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import rules_for
from ofacare.services.screening import is_ofatumumab_allergy, planned_start, profile_from_records

PAGE_SIZE = 100
CHUNK = 500  # ids per IN (...) list: well under every database's bound-parameter limit
IMMUNOGLOBULINS = ("IgG", "IgM")
MAX_SEARCH = 100


class PanelSort(StrEnum):
    ATTENTION = "attention"
    """Open alerts first (most severe first), then the most overdue, then missing screening."""
    DUE = "due"
    OVERDUE = "overdue"
    NAME = "name"


class PanelFilter(StrEnum):
    EVERYONE = "all"
    OVERDUE = "overdue"
    ALERTS = "alerts"
    SCREENING = "screening"


@dataclass(frozen=True, slots=True)
class PanelQuery:
    """Which rows to show: a name search, a filter, the order and the page (from 1)."""

    search: str = ""
    only: PanelFilter = PanelFilter.EVERYONE
    sort: PanelSort = PanelSort.ATTENTION
    page: int = 1


@dataclass(frozen=True, slots=True)
class LatestLab:
    """The newest immunoglobulin result and whether it is below the lower limit used."""

    test: str
    value: float | None
    unit: str | None
    result: str | None
    collected_on: date
    low: bool
    """Below the laboratory's lower limit (or, without one, the trials' limit)."""


@dataclass(frozen=True, slots=True)
class ScreeningStatus:
    readiness: Readiness | None
    """None when the rules could not read the record (`problem` says why)."""
    missing: tuple[str, ...]
    on_treatment: bool
    problem: str | None = None

    @property
    def complete(self) -> bool:
        return self.readiness is Readiness.READY and not self.missing


@dataclass(frozen=True, slots=True)
class PanelRow:
    patient_id: str
    given_name: str
    family_name: str
    as_of: date
    """The patient's local today, the day the plan is computed for."""
    has_course: bool
    next_dose: ScheduledDose | None
    overdue_days: int
    plan_problem: str | None
    open_alerts: int
    worst_alert: Severity | None
    screening: ScreeningStatus
    igg: LatestLab | None
    igm: LatestLab | None

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True, slots=True)
class Panel:
    rows: tuple[PanelRow, ...]
    """The rows of the page asked for, in the order asked for."""
    total: int
    """Every patient on the panel."""
    matching: int
    """The patients the search and filter keep."""
    page: int
    pages: int
    query: PanelQuery


@dataclass
class _Records:
    """The rows of the panel's patients, grouped by patient id."""

    prescriptions: dict[str, Prescription] = field(default_factory=dict)
    course_doses: dict[str, list[date]] = field(default_factory=lambda: defaultdict(list))
    all_doses: dict[str, list[date]] = field(default_factory=lambda: defaultdict(list))
    labs: dict[str, list[LabResult]] = field(default_factory=lambda: defaultdict(list))
    vaccinations: dict[str, list[VaccinationRow]] = field(default_factory=lambda: defaultdict(list))
    allergies: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    alerts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def list_panel(runtime: Runtime, actor: Actor, query: PanelQuery | None = None) -> Panel:
    """The clinician's patients with next dose, lateness, alerts, screening and immunoglobulins."""
    if actor.role is not Role.CLINICIAN:
        raise NotAllowed(
            "access.not-allowed",
            f"A {actor.role} account has no panel of patients.",
            "The panel is for the care team.",
        )
    query = query or PanelQuery()
    now = runtime.now()
    with runtime.database.writing() as session:
        patients = list(session.scalars(visible_patients_query(actor)))
        records = _load(session, [p.id for p in patients])
        rows = [_row(p, records, today=local_today(p, now), kb=runtime.kb) for p in patients]
        kept = sort_rows([r for r in rows if matches(r, query)], query.sort)
        pages = max(1, ceil(len(kept) / PAGE_SIZE))
        page = min(max(query.page, 1), pages)
        shown = kept[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        for row in shown:
            record_access(session, actor, action="patient.list", patient_id=row.patient_id, now=now)
        return Panel(tuple(shown), len(rows), len(kept), page, pages, query)


def matches(row: PanelRow, query: PanelQuery) -> bool:
    """Whether the row passes the name search and the filter."""
    words = query.search.strip().lower().split()[:MAX_SEARCH]
    if any(word not in row.name.lower() for word in words):
        return False
    if query.only is PanelFilter.OVERDUE:
        return row.overdue_days > 0
    if query.only is PanelFilter.ALERTS:
        return row.open_alerts > 0
    if query.only is PanelFilter.SCREENING:
        return not row.screening.complete
    return True


def sort_rows(rows: Sequence[PanelRow], sort: PanelSort) -> list[PanelRow]:
    """The rows in the order asked for; ties (and the last resort) go by family name."""
    by_name = sorted(rows, key=lambda r: (r.family_name.lower(), r.given_name.lower()))
    if sort is PanelSort.NAME:
        return by_name
    if sort is PanelSort.DUE:
        return sorted(by_name, key=lambda r: (r.next_dose is None, _due(r)))
    if sort is PanelSort.OVERDUE:
        return sorted(by_name, key=lambda r: -r.overdue_days)
    return sorted(by_name, key=_attention)


def _due(row: PanelRow) -> date:
    return row.next_dose.due_on if row.next_dose is not None else date.max


def _attention(row: PanelRow) -> tuple[int, int, int, int]:
    alert_rank = row.worst_alert.rank if row.worst_alert is not None else len(Severity)
    return (alert_rank, -row.open_alerts, -row.overdue_days, int(row.screening.complete))


def _load(session: Session, ids: list[str]) -> _Records:
    records = _Records()
    for chunk in _chunks(ids):
        _load_treatment(session, chunk, records)
        _load_findings_inputs(session, chunk, records)
    return records


def _load_treatment(session: Session, ids: list[str], records: _Records) -> None:
    active = (
        select(Prescription)
        .where(Prescription.patient_id.in_(ids), Prescription.stopped_on.is_(None))
        .order_by(Prescription.created_at)
    )
    for rx in session.scalars(active):
        records.prescriptions[rx.patient_id] = rx  # the newest wins, as find_active_prescription
    doses = (
        select(Injection.patient_id, Injection.prescription_id, Injection.given_on)
        .where(Injection.patient_id.in_(ids))
        .order_by(Injection.given_on, Injection.given_at)
    )
    for patient_id, rx_id, given_on in session.execute(doses):
        records.all_doses[patient_id].append(given_on)
        course = records.prescriptions.get(patient_id)
        if course is not None and course.id == rx_id:
            records.course_doses[patient_id].append(given_on)
    open_alerts = select(Alert.patient_id, Alert.severity).where(
        Alert.patient_id.in_(ids), Alert.acknowledged_at.is_(None)
    )
    for patient_id, severity in session.execute(open_alerts):
        records.alerts[patient_id].append(severity)


def _load_findings_inputs(session: Session, ids: list[str], records: _Records) -> None:
    labs = (
        select(LabResult)
        .where(LabResult.patient_id.in_(ids))
        .order_by(LabResult.collected_on, LabResult.created_at)
    )
    for lab in session.scalars(labs):
        records.labs[lab.patient_id].append(lab)
    vaccines = (
        select(VaccinationRow)
        .where(VaccinationRow.patient_id.in_(ids))
        .order_by(VaccinationRow.given_on)
    )
    for vaccination in session.scalars(vaccines):
        records.vaccinations[vaccination.patient_id].append(vaccination)
    allergies = select(Allergy.patient_id, Allergy.substance).where(Allergy.patient_id.in_(ids))
    for patient_id, substance in session.execute(allergies):
        records.allergies[patient_id].append(substance)


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _row(patient: Patient, records: _Records, *, today: date, kb: KnowledgeBase) -> PanelRow:
    rx = records.prescriptions.get(patient.id)
    next_dose, overdue_days, problem = _next_dose(rx, records.course_doses[patient.id], today, kb)
    severities = records.alerts.get(patient.id, [])
    labs = records.labs.get(patient.id, [])
    return PanelRow(
        patient_id=patient.id,
        given_name=patient.given_name,
        family_name=patient.family_name,
        as_of=today,
        has_course=rx is not None,
        next_dose=next_dose,
        overdue_days=overdue_days,
        plan_problem=problem,
        open_alerts=len(severities),
        worst_alert=_worst(severities),
        screening=_screening(patient, records, rx=rx, today=today, kb=kb),
        igg=_latest(labs, "IgG", kb),
        igm=_latest(labs, "IgM", kb),
    )


def _next_dose(
    rx: Prescription | None, taken: list[date], today: date, kb: KnowledgeBase
) -> tuple[ScheduledDose | None, int, str | None]:
    """The next dose of the active course and how many days it is overdue (as the schedule)."""
    if rx is None:
        return None, 0, None
    as_of = max([today, *taken])
    try:
        plan = compute_plan(
            rx.start_on,
            taken,
            as_of,
            count=len(taken) + 1,
            interval=IntervalMode(rx.interval_mode),
            rules=rules_for(kb),
        )
    except OfacareError as problem:  # a record the team must correct; the row says so
        return None, 0, problem.message
    dose = plan.next_dose
    overdue = (as_of - dose.due_on).days if dose.status is DoseStatus.OVERDUE else 0
    return dose, overdue, None


def _worst(severities: list[str]) -> Severity | None:
    names = {severity.value for severity in Severity}
    known = [Severity(s) for s in severities if s in names]
    return min(known, key=lambda s: s.rank, default=None)


def _screening(
    patient: Patient,
    records: _Records,
    *,
    rx: Prescription | None,
    today: date,
    kb: KnowledgeBase,
) -> ScreeningStatus:
    """The checklist's verdict, as `screening.get_checklist` reaches it for one patient."""
    doses = tuple(records.all_doses.get(patient.id, []))
    start_on, _ = planned_start(patient, Treatment(prescription=rx, taken_on=doses), today)
    try:
        profile = profile_from_records(
            patient,
            start_on=start_on,
            labs=records.labs.get(patient.id, []),
            vaccinations=records.vaccinations.get(patient.id, []),
            allergic=is_ofatumumab_allergy(records.allergies.get(patient.id, [])),
        )
        result = screen(profile, kb=kb)
    except (OfacareError, ValueError) as problem:  # pydantic's ValidationError is a ValueError
        return ScreeningStatus(None, (), bool(doses), problem=str(problem))
    return ScreeningStatus(result.readiness, result.missing, bool(doses))


def _latest(labs: list[LabResult], test: str, kb: KnowledgeBase) -> LatestLab | None:
    found = [lab for lab in labs if lab.test == test]
    if not found:
        return None
    lab = found[-1]  # loaded oldest first
    return LatestLab(
        test=test,
        value=lab.value,
        unit=lab.unit,
        result=lab.result,
        collected_on=lab.collected_on,
        low=_is_low(lab, kb),
    )


def _is_low(lab: LabResult, kb: KnowledgeBase) -> bool:
    """Low by the screening rule's own reading (the laboratory's limit, else the trials')."""
    try:
        finding = low_immunoglobulin(lab.test, to_profile_lab(lab), kb, "finding.ig-low")
    except OfacareError:
        return False
    return finding is not None
