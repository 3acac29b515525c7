"""The CSV export: one file per kind in a zip, times in the patient's zone, formulas defused."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from ofacare.errors import NotFound
from ofacare.records.tables import AuditEntry, DiaryEntry, Injection, Prescription, Vaccination
from ofacare.services.record_csv import MEDIA_TYPE, export_record_csv
from tests.people import build_world


def add_records(runtime, patient_id: str) -> None:  # type: ignore[no-untyped-def]
    now = runtime.now()
    with runtime.database.writing() as session:
        prescription = Prescription(
            patient_id=patient_id,
            start_on=date(2026, 1, 5),
            interval_mode="label",
            written_on=date(2026, 1, 1),
            created_at=now,
        )
        session.add(prescription)
        session.flush()
        session.add(
            Injection(
                patient_id=patient_id,
                prescription_id=prescription.id,
                given_at=datetime(2026, 7, 1, 9, 30, tzinfo=UTC),
                given_on=date(2026, 7, 1),
                dose_number=1,
                site="thigh-left",
                injected_by="self",
                reactions=["redness"],
                created_at=now,
            )
        )
        session.add(
            DiaryEntry(
                patient_id=patient_id,
                recorded_at=datetime(2026, 7, 2, 8, 0, tzinfo=UTC),
                text='=HYPERLINK("http://evil.example") headache, mild',
                choices=["headache"],
                urgency="routine",
                advice="Rest.",
                call="",
                triage={},
            )
        )
        session.add(Vaccination(
            patient_id=patient_id, name="Influenza", live=False, given_on=date(2025, 10, 1),
            created_at=now,
        ))  # fmt: skip


def read_zip(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def test_the_zip_holds_one_csv_per_kind_with_a_header_row(runtime):
    world = build_world(runtime)
    add_records(runtime, world.patient_id)
    files = export_record_csv(runtime, world.patient, world.patient_id)
    assert files.media_type == MEDIA_TYPE == "application/zip"
    assert files.filename == "ofacare-record-2026-03-02.zip"
    tables = read_zip(files.content)
    assert sorted(tables) == ["diary.csv", "injections.csv", "labs.csv", "vaccinations.csv"]
    assert tables["labs.csv"] == [
        [
            "collected_on",
            "test",
            "loinc",
            "value",
            "unit",
            "result",
            "reference_low",
            "reference_high",
        ]
    ]
    assert tables["vaccinations.csv"][1] == ["2025-10-01", "Influenza", "no"]


def test_times_are_written_in_the_patients_timezone_with_the_offset(runtime):
    world = build_world(runtime)
    add_records(runtime, world.patient_id)
    injection = read_zip(export_record_csv(runtime, world.patient, world.patient_id).content)[
        "injections.csv"
    ][1]
    assert injection[:4] == ["2026-07-01T10:30:00+01:00", "2026-07-01", "1", "thigh-left"]
    assert injection[8] == "redness"


def test_a_diary_text_that_looks_like_a_formula_is_kept_as_text(runtime):
    world = build_world(runtime)
    add_records(runtime, world.patient_id)
    diary = read_zip(export_record_csv(runtime, world.patient, world.patient_id).content)[
        "diary.csv"
    ]
    assert diary[1][1].startswith("'=HYPERLINK(")


def test_the_export_is_audited_and_refused_to_people_outside_the_record(runtime):
    world = build_world(runtime)
    export_record_csv(runtime, world.caregiver, world.patient_id)
    with pytest.raises(NotFound):
        export_record_csv(runtime, world.outsider_clinician, world.patient_id)
    with runtime.database.reading() as session:
        actions = session.scalars(
            select(AuditEntry.role).where(AuditEntry.action == "csv.export")
        ).all()
    assert actions == ["caregiver"]
