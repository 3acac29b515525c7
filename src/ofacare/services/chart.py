"""A patient's records as the FHIR exchange's chart and back: the database side of exchange."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.interop.fhir import chart
from ofacare.records import tables

PATIENT_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "country",
    "timezone",
    "reminder_time",
    "email",
    "phone",
    "ms_type",
    "can_become_pregnant",
    "pregnant",
    "breastfeeding",
    "active_infection",
    "severely_immunocompromised",
    "active_malignancy",
    "planned_start_on",
)


def load_chart(
    session: Session, patient: tables.Patient, *, findings: Sequence[chart.ActiveFinding] = ()
) -> chart.PatientChart:
    """Everything the chart holds about `patient`, oldest first within each kind."""

    def rows(table: Any, order: Any) -> list[Any]:
        query = select(table).where(table.patient_id == patient.id).order_by(order, table.id)
        return list(session.scalars(query))

    T = tables  # noqa: N806  (short: the chart lists eight tables)
    return chart.PatientChart(
        patient=chart.PatientDetails(
            id=patient.id,
            immunosuppressants=tuple(patient.immunosuppressants),
            **{name: getattr(patient, name) for name in PATIENT_FIELDS},
        ),
        prescriptions=tuple(
            chart.Prescription(
                id=r.id,
                start_on=r.start_on,
                interval_mode=r.interval_mode,
                prescriber=r.prescriber,
                written_on=r.written_on,
                stopped_on=r.stopped_on,
            )
            for r in rows(T.Prescription, T.Prescription.start_on)
        ),
        injections=tuple(
            chart.Injection(
                id=i.id,
                prescription_id=i.prescription_id,
                given_at=i.given_at,
                dose_number=i.dose_number,
                site=i.site,
                pen_lot=i.pen_lot,
                pen_serial=i.pen_serial,
                injected_by=i.injected_by,
                out_of_fridge_at=i.out_of_fridge_at,
                reactions=tuple(i.reactions),
                notes=i.notes,
            )
            for i in rows(T.Injection, T.Injection.given_at)
        ),
        labs=tuple(
            chart.LabRecord(
                id=x.id,
                loinc=x.loinc,
                test=x.test,
                value=x.value,
                unit=x.unit,
                result=x.result,
                reference_low=x.reference_low,
                reference_high=x.reference_high,
                collected_on=x.collected_on,
            )
            for x in rows(T.LabResult, T.LabResult.collected_on)
        ),
        diary=tuple(
            chart.DiaryEntry(
                id=d.id,
                recorded_at=d.recorded_at,
                text=d.text,
                choices=tuple(d.choices),
                urgency=d.urgency,
                advice=d.advice,
                resolved_at=d.resolved_at,
            )
            for d in rows(T.DiaryEntry, T.DiaryEntry.recorded_at)
        ),
        vaccinations=tuple(
            chart.VaccinationRecord(id=v.id, name=v.name, live=v.live, given_on=v.given_on)
            for v in rows(T.Vaccination, T.Vaccination.given_on)
        ),
        allergies=tuple(
            chart.Allergy(id=a.id, substance=a.substance, recorded_on=a.recorded_on, note=a.note)
            for a in rows(T.Allergy, T.Allergy.recorded_on)
        ),
        findings=tuple(findings),
    )


def store_chart(
    session: Session,
    record: chart.PatientChart,
    *,
    team_id: str | None,
    user_id: str,
    now: datetime,
) -> tables.Patient:
    """Add every record of an imported chart, keeping its ids; the caller checks they are free."""
    details = record.patient
    patient = tables.Patient(
        id=details.id,
        team_id=team_id,
        created_at=now,
        immunosuppressants=list(details.immunosuppressants),
        **{name: getattr(details, name) for name in PATIENT_FIELDS},
    )
    session.add(patient)
    session.flush()
    zone = ZoneInfo(details.timezone)
    session.add_all(
        tables.Prescription(
            id=r.id,
            patient_id=patient.id,
            start_on=r.start_on,
            interval_mode=r.interval_mode,
            prescriber=r.prescriber,
            written_on=r.written_on,
            stopped_on=r.stopped_on,
            created_at=now,
        )
        for r in record.prescriptions
    )
    session.flush()
    session.add_all(
        tables.Injection(
            id=i.id,
            patient_id=patient.id,
            prescription_id=i.prescription_id,
            given_at=i.given_at,
            given_on=i.given_at.astimezone(zone).date(),
            dose_number=i.dose_number,
            site=i.site,
            pen_lot=i.pen_lot,
            pen_serial=i.pen_serial,
            injected_by=i.injected_by,
            recorded_by=user_id,
            out_of_fridge_at=i.out_of_fridge_at,
            reactions=list(i.reactions),
            notes=i.notes,
            created_at=now,
        )
        for i in record.injections
    )
    session.add_all(
        tables.LabResult(
            id=x.id,
            patient_id=patient.id,
            loinc=x.loinc,
            test=x.test,
            value=x.value,
            unit=x.unit,
            result=x.result,
            reference_low=x.reference_low,
            reference_high=x.reference_high,
            collected_on=x.collected_on,
            recorded_by=user_id,
            created_at=now,
        )
        for x in record.labs
    )
    session.add_all(
        tables.DiaryEntry(
            id=d.id,
            patient_id=patient.id,
            recorded_at=d.recorded_at,
            text=d.text,
            choices=list(d.choices),
            urgency=d.urgency,
            advice=d.advice,
            call="",
            triage={"imported": True},
            recorded_by=user_id,
            resolved_at=d.resolved_at,
        )
        for d in record.diary
    )
    session.add_all(
        tables.Vaccination(
            id=v.id,
            patient_id=patient.id,
            name=v.name,
            live=v.live,
            given_on=v.given_on,
            created_at=now,
        )
        for v in record.vaccinations
    )
    session.add_all(
        tables.Allergy(
            id=a.id,
            patient_id=patient.id,
            substance=a.substance,
            recorded_on=a.recorded_on,
            note=a.note,
        )
        for a in record.allergies
    )
    session.flush()
    return patient


def clashing_ids(session: Session, record: chart.PatientChart) -> list[str]:
    """Ids in the chart that the database holds already (an import must not overwrite)."""
    checks: list[tuple[type, Sequence[str]]] = [
        (tables.Patient, [record.patient.id]),
        (tables.Prescription, [r.id for r in record.prescriptions]),
        (tables.Injection, [i.id for i in record.injections]),
        (tables.LabResult, [x.id for x in record.labs]),
        (tables.DiaryEntry, [d.id for d in record.diary]),
        (tables.Vaccination, [v.id for v in record.vaccinations]),
        (tables.Allergy, [a.id for a in record.allergies]),
    ]
    found: list[str] = []
    for table, ids in checks:
        if ids:
            query = select(table.id).where(table.id.in_(ids))  # type: ignore[attr-defined]
            found.extend(session.scalars(query))
    return found
