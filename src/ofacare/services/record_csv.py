"""A patient's own records as spreadsheet files: one CSV file per kind, together in one zip.

The zip holds injections.csv, diary.csv, labs.csv, vaccinations.csv and a short about.txt. Times
are written in the patient's own timezone with the offset (ISO 8601, 2026-03-02T10:00:00+00:00)
and dates as YYYY-MM-DD, so a spreadsheet sorts them and nothing is ambiguous. A text cell that
starts with = + - @ or a control character gets a leading apostrophe, so a spreadsheet shows it
as text instead of running it as a formula (the "CSV injection" of free text such as diary notes).
The complete record, lossless and ready for another system, is the FHIR export.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ofacare.records.tables import DiaryEntry, Injection, LabResult, Patient, Vaccination
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.runtime import Runtime

MEDIA_TYPE = "application/zip"
KINDS = ("injections", "diary", "labs", "vaccinations")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True, slots=True)
class RecordFiles:
    """The zip to download and the name to save it under."""

    filename: str
    content: bytes
    media_type: str = MEDIA_TYPE


@dataclass(frozen=True, slots=True)
class CsvTable:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


def export_record_csv(runtime: Runtime, actor: Actor, patient_id: str) -> RecordFiles:
    """The patient's injections, diary, labs and vaccinations as CSV files in one zip (audited)."""
    now = runtime.now()
    with runtime.database.writing() as session:
        patient = open_patient(
            session, actor, patient_id, permission=Permission.READ, action="csv.export", now=now
        )
        zone = ZoneInfo(patient.timezone)
        tables = build_tables(session, patient, zone)
        about = _about(patient, now.astimezone(zone))
    day = now.astimezone(zone).date().isoformat()
    return RecordFiles(filename=f"ofacare-record-{day}.zip", content=_zip(tables, about, now))


def build_tables(session: Session, patient: Patient, zone: ZoneInfo) -> list[CsvTable]:
    """One table per kind, oldest first."""

    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).isoformat() if moment else ""

    return [
        _table(
            "injections",
            _rows(session, Injection, patient.id, Injection.given_at),
            ("given_at", "given_on", "dose_number", "site", "injected_by", "pen_lot",
             "pen_serial", "out_of_fridge_at", "reactions", "notes"),
            lambda i: (local(i.given_at), i.given_on, i.dose_number, i.site, i.injected_by,
                       i.pen_lot, i.pen_serial, local(i.out_of_fridge_at),
                       "; ".join(map(str, i.reactions or [])), i.notes),
        ),
        _table(
            "diary",
            _rows(session, DiaryEntry, patient.id, DiaryEntry.recorded_at),
            ("recorded_at", "text", "choices", "urgency", "advice", "call", "resolved_at"),
            lambda d: (local(d.recorded_at), d.text, "; ".join(map(str, d.choices or [])),
                       d.urgency, d.advice, d.call, local(d.resolved_at)),
        ),
        _table(
            "labs",
            _rows(session, LabResult, patient.id, LabResult.collected_on),
            ("collected_on", "test", "loinc", "value", "unit", "result", "reference_low",
             "reference_high"),
            lambda r: (r.collected_on, r.test, r.loinc, r.value, r.unit, r.result,
                       r.reference_low, r.reference_high),
        ),
        _table(
            "vaccinations",
            _rows(session, Vaccination, patient.id, Vaccination.given_on),
            ("given_on", "name", "live"),
            lambda v: (v.given_on, v.name, "yes" if v.live else "no"),
        ),
    ]  # fmt: skip


def to_csv(table: CsvTable) -> str:
    """The table as CSV text (comma-separated, quoted where needed, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    writer.writerows([_cell(value) for value in row] for row in table.rows)
    return out.getvalue()


def _rows(session: Session, table: Any, patient_id: str, order: Any) -> Sequence[Any]:
    query = select(table).where(table.patient_id == patient_id).order_by(order, table.id)
    return list(session.scalars(query))


def _table(
    name: str, rows: Iterable[Any], header: tuple[str, ...], row: Callable[[Any], tuple[Any, ...]]
) -> CsvTable:
    return CsvTable(name=name, header=header, rows=tuple(row(item) for item in rows))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date | int | float):
        return value.isoformat() if isinstance(value, date) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _about(patient: Patient, local_now: datetime) -> str:
    return (
        f"Records of {patient.given_name} {patient.family_name}, exported from ofacare on "
        f"{local_now.isoformat(timespec='minutes')}.\n"
        f"Times are in {patient.timezone} with their UTC offset; dates are YYYY-MM-DD.\n"
        "Files: " + ", ".join(f"{kind}.csv" for kind in KINDS) + ".\n"
        "A text that starts with = + - or @ has an apostrophe in front, so spreadsheets show "
        "it as text.\n"
        "The complete record for another system is the FHIR export (a JSON file).\n"
    )


def _zip(tables: Sequence[CsvTable], about: str, now: datetime) -> bytes:
    stamp = now.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in [("about.txt", about), *((f"{t.name}.csv", to_csv(t)) for t in tables)]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            # UTF-8 with a byte-order mark: spreadsheet programs then read accents correctly.
            archive.writestr(info, ("\ufeff" + text if name.endswith(".csv") else text).encode())
    return buffer.getvalue()
