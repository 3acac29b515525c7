"""A patient's records as the FHIR exchange's chart and back: the database side of exchange.

The chart's record types use the tables' column names, so each record is copied field by field;
only what the chart does not carry (who recorded it, when it was stored) is added on the way in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.interop.fhir import chart
from ofacare.records import tables

# (chart record, table, chart field, order) for every kind of record but the patient itself.
KINDS: tuple[tuple[type, type[tables.Base], str, str], ...] = (
    (chart.Prescription, tables.Prescription, "prescriptions", "start_on"),
    (chart.Injection, tables.Injection, "injections", "given_at"),
    (chart.LabRecord, tables.LabResult, "labs", "collected_on"),
    (chart.DiaryEntry, tables.DiaryEntry, "diary", "recorded_at"),
    (chart.VaccinationRecord, tables.Vaccination, "vaccinations", "given_on"),
    (chart.Allergy, tables.Allergy, "allergies", "recorded_on"),
)


def _to_chart(record_type: type, row: object) -> Any:
    values = {f.name: getattr(row, f.name) for f in fields(record_type)}
    return record_type(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def _to_row(table: type[tables.Base], record: object, **extra: object) -> Any:
    values = {f.name: getattr(record, f.name) for f in fields(record)}  # type: ignore[arg-type]
    return table(**{k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}, **extra)


def load_chart(
    session: Session, patient: tables.Patient, *, findings: Sequence[chart.ActiveFinding] = ()
) -> chart.PatientChart:
    """Everything the chart holds about `patient`, oldest first within each kind."""
    kinds = {}
    for record_type, table, name, order in KINDS:
        column: Any = table
        query = select(table).where(column.patient_id == patient.id)
        rows = session.scalars(query.order_by(getattr(table, order), column.id))
        kinds[name] = tuple(_to_chart(record_type, row) for row in rows)
    details = _to_chart(chart.PatientDetails, patient)
    return chart.PatientChart(patient=details, findings=tuple(findings), **kinds)


def store_chart(
    session: Session,
    record: chart.PatientChart,
    *,
    team_id: str | None,
    user_id: str,
    now: datetime,
) -> tables.Patient:
    """Add every record of an imported chart, keeping its ids; the caller checks they are free."""
    patient: tables.Patient = _to_row(
        tables.Patient, record.patient, team_id=team_id, created_at=now
    )
    session.add(patient)
    session.flush()
    zone = ZoneInfo(record.patient.timezone)
    extra: dict[type, Any] = {
        chart.Prescription: lambda _: {"created_at": now},
        chart.Injection: lambda i: {
            "given_on": i.given_at.astimezone(zone).date(),
            "recorded_by": user_id,
            "created_at": now,
        },
        chart.LabRecord: lambda _: {"recorded_by": user_id, "created_at": now},
        chart.DiaryEntry: lambda _: {
            "call": "",
            "triage": {"imported": True},
            "recorded_by": user_id,
        },
        chart.VaccinationRecord: lambda _: {"created_at": now},
        chart.Allergy: lambda _: {},
    }
    for record_type, table, name, _ in KINDS:  # prescriptions first: injections refer to them
        for item in getattr(record, name):
            session.add(_to_row(table, item, patient_id=patient.id, **extra[record_type](item)))
        session.flush()
    return patient


def clashing_ids(session: Session, record: chart.PatientChart) -> list[str]:
    """Ids in the chart that the database holds already (an import must not overwrite)."""
    checks: list[tuple[Any, list[str]]] = [(tables.Patient, [record.patient.id])]
    checks += [(table, [item.id for item in getattr(record, name)]) for _, table, name, _ in KINDS]
    found: list[str] = []
    for table, ids in checks:
        if ids:
            found.extend(session.scalars(select(table.id).where(table.id.in_(ids))))
    return found
