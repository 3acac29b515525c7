"""FHIR exchange through the database: export, import into an empty database, export again is
lossless on SQLite and PostgreSQL; imports keep ids, refuse clashes, and are clinician-only."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest

from ofacare.errors import Conflict, NotAllowed, NotFound
from ofacare.records.tables import (
    Allergy,
    CareTeam,
    DiaryEntry,
    Injection,
    LabResult,
    Prescription,
    TeamMember,
    User,
    Vaccination,
)
from ofacare.services.access import Actor, Role
from ofacare.services.fhir_exchange import export_bundle, import_bundle
from tests.people import build_world


def fill_chart(runtime, patient_id: str) -> None:
    now = runtime.now()
    with runtime.database.writing() as session:
        rx = Prescription(
            patient_id=patient_id,
            start_on=date(2026, 2, 2),
            interval_mode="monthly",
            prescriber="Dr Ada Obi",
            written_on=date(2026, 1, 20),
            created_at=now,
        )
        session.add(rx)
        session.flush()
        for number, day in enumerate((2, 9, 16), start=1):
            given = datetime(2026, 2, day, 8, 30, tzinfo=UTC)
            session.add(
                Injection(
                    patient_id=patient_id,
                    prescription_id=rx.id,
                    given_at=given,
                    given_on=given.date(),
                    dose_number=number,
                    site=("thigh-left", "thigh-right", "abdomen-left")[number - 1],
                    pen_lot="LOT42",
                    pen_serial=f"SN{number}",
                    injected_by="self",
                    out_of_fridge_at=datetime(2026, 2, day, 8, 0, tzinfo=UTC),
                    reactions=["headache"] if number == 1 else [],
                    notes=None,
                    created_at=now,
                )
            )
        session.add(
            LabResult(
                patient_id=patient_id,
                loinc="2465-3",
                test="IgG",
                value=9.1,
                unit="g/L",
                reference_low=7.0,
                reference_high=16.0,
                collected_on=date(2026, 1, 10),
                created_at=now,
            )
        )
        session.add(
            LabResult(
                patient_id=patient_id,
                loinc="5196-1",
                test="HBsAg",
                result="negative",
                collected_on=date(2026, 1, 10),
                created_at=now,
            )
        )
        session.add(
            DiaryEntry(
                patient_id=patient_id,
                recorded_at=datetime(2026, 2, 3, 19, 0, tzinfo=UTC),
                text="headache and chills after the first pen",
                choices=["headache"],
                urgency="self_care",
                advice="Rest and fluids.",
                call="your MS team",
                triage={},
            )
        )
        session.add(
            Vaccination(
                patient_id=patient_id,
                name="influenza (inactivated)",
                live=False,
                given_on=date(2025, 12, 1),
                created_at=now,
            )
        )
        session.add(
            Allergy(
                patient_id=patient_id,
                substance="penicillin",
                recorded_on=date(2020, 1, 1),
                note="rash",
            )
        )


def clinician_in_new_team(runtime) -> Actor:
    now = runtime.now()
    with runtime.database.writing() as session:
        user = User(
            email="importer@example.org",
            display_name="Importer",
            role="clinician",
            password_hash="x",
            active=True,
            created_at=now,
        )
        team = CareTeam(name="Importing MS Centre", created_at=now)
        session.add_all([user, team])
        session.flush()
        session.add(TeamMember(team_id=team.id, user_id=user.id))
        return Actor(user_id=user.id, role=Role.CLINICIAN)


def test_export_import_into_an_empty_database_and_export_again_is_lossless(runtime, empty_runtime):
    world = build_world(runtime)
    fill_chart(runtime, world.patient_id)
    first = export_bundle(runtime, world.clinician, world.patient_id)
    importer = clinician_in_new_team(empty_runtime)
    patient = import_bundle(empty_runtime, importer, json.loads(json.dumps(first)))
    assert patient.id == world.patient_id
    second = export_bundle(empty_runtime, importer, world.patient_id)
    assert json.dumps(second, sort_keys=True) == json.dumps(first, sort_keys=True)
    kinds = sorted({entry["resource"]["resourceType"] for entry in first["entry"]})
    assert {
        "Patient",
        "Condition",
        "MedicationRequest",
        "MedicationAdministration",
        "Observation",
        "Immunization",
        "AllergyIntolerance",
    } <= set(kinds)


def test_importing_the_same_bundle_twice_is_refused_and_changes_nothing(runtime):
    world = build_world(runtime)
    fill_chart(runtime, world.patient_id)
    bundle = export_bundle(runtime, world.clinician, world.patient_id)
    with pytest.raises(Conflict, match="exist already"):
        import_bundle(runtime, world.clinician, bundle)


def test_a_retried_import_with_the_same_key_returns_the_first_patient(runtime, empty_runtime):
    world = build_world(runtime)
    bundle = export_bundle(runtime, world.clinician, world.patient_id)
    importer = clinician_in_new_team(empty_runtime)
    first = import_bundle(empty_runtime, importer, bundle, idempotency_key="k-1")
    again = import_bundle(empty_runtime, importer, bundle, idempotency_key="k-1")
    assert again.id == first.id


def test_only_clinicians_import_and_outsiders_cannot_export(runtime):
    world = build_world(runtime)
    bundle = export_bundle(runtime, world.patient, world.patient_id)
    with pytest.raises(NotAllowed):
        import_bundle(runtime, world.caregiver, bundle)
    with pytest.raises(NotFound):
        export_bundle(runtime, world.outsider_clinician, world.patient_id)


def test_the_patients_reminder_time_and_timezone_survive_the_round_trip(runtime, empty_runtime):
    world = build_world(runtime)
    bundle = export_bundle(runtime, world.clinician, world.patient_id)
    patient = import_bundle(empty_runtime, clinician_in_new_team(empty_runtime), bundle)
    assert (patient.timezone, patient.reminder_time) == ("Europe/London", time(9, 0))
