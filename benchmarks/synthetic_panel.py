"""Synthetic patients for the service benchmarks: bulk-inserted rows, fast to make.

Starts are spread over two years; most doses were taken on time, some late, a few patients are
overdue now; a few pens are out of the fridge, some have immunoglobulin results and open symptom
reports. Seeded, so every run builds the same panel.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import insert

from ofacare.records.tables import (
    CareTeam,
    DiaryEntry,
    Injection,
    LabResult,
    Patient,
    PenEvent,
    Prescription,
)
from ofacare.records.unit_of_work import Database
from ofacare.regimen import Plan, compute_plan

CHUNK = 5000
MAX_DOSES = 40  # two years of doses and more


def build_panel(database: Database, *, patients: int, as_of: date, seed: int = 7) -> int:
    """Insert `patients` synthetic patients with their records; returns the injection count."""
    rng = random.Random(seed)
    now = datetime.combine(as_of, time(5), UTC)
    team_id = str(uuid.uuid4())
    with database.writing() as session:
        session.execute(insert(CareTeam), [{"id": team_id, "name": "Bench", "created_at": now}])
    rows: dict[type, list[dict[str, object]]] = {t: [] for t in TABLES}
    injections = 0
    for index in range(patients):
        injections += _one_patient(rows, rng, team_id=team_id, as_of=as_of, now=now, index=index)
        if len(rows[Patient]) >= CHUNK:
            _flush(database, rows)
    _flush(database, rows)
    return injections


TABLES = (Patient, Prescription, Injection, PenEvent, LabResult, DiaryEntry)


def _one_patient(
    rows: dict[type, list[dict[str, object]]],
    rng: random.Random,
    *,
    team_id: str,
    as_of: date,
    now: datetime,
    index: int,
) -> int:
    patient_id, rx_id = str(uuid.uuid4()), str(uuid.uuid4())
    start = as_of - timedelta(days=rng.randint(0, 730))
    rows[Patient].append(
        {
            "id": patient_id,
            "team_id": team_id,
            "given_name": "Pat",
            "family_name": f"Bench{index}",
            "birth_date": date(1985, 1, 1),
            "sex": "female",
            "country": "GB",
            "timezone": "Europe/London",
            "reminder_time": time(9),
            "email": None,
            "ms_type": "RRMS",
            "can_become_pregnant": rng.random() < 0.4,
            "immunosuppressants": [],
            "created_at": now,
        }
    )
    rows[Prescription].append(
        {
            "id": rx_id,
            "patient_id": patient_id,
            "start_on": start,
            "interval_mode": "monthly",
            "written_on": start,
            "created_at": now,
        }
    )
    taken = _taken_dates(rng, start, as_of)
    for number, day in enumerate(taken, start=1):
        rows[Injection].append(
            {
                "id": str(uuid.uuid4()),
                "patient_id": patient_id,
                "prescription_id": rx_id,
                "given_at": datetime.combine(day, time(8), UTC),
                "given_on": day,
                "dose_number": number,
                "site": "thigh-left",
                "injected_by": "self",
                "reactions": [],
                "created_at": now,
            }
        )
    _extras(rows, rng, patient_id=patient_id, as_of=as_of, now=now)
    return len(taken)


def _taken_dates(rng: random.Random, start: date, as_of: date) -> list[date]:
    """Doses taken on their due days, except that some patients have not yet taken the doses of
    the last few days (late now) and 3% stopped after the loading doses (long overdue)."""
    on_time = _on_time_plan(start)
    waiting = rng.choice((0, 0, 0, 0, 1, 2, 4, 8))
    taken = [d.due_on for d in on_time.doses if d.due_on <= as_of - timedelta(days=waiting)]
    return taken[:3] if rng.random() < 0.03 else taken


@lru_cache(maxsize=1024)
def _on_time_plan(start: date) -> Plan:
    return compute_plan(start, [], start, count=MAX_DOSES)


def _extras(
    rows: dict[type, list[dict[str, object]]],
    rng: random.Random,
    *,
    patient_id: str,
    as_of: date,
    now: datetime,
) -> None:
    if rng.random() < 0.05:
        out = datetime.combine(as_of - timedelta(days=rng.randint(0, 10)), time(7), UTC)
        rows[PenEvent].append(
            {
                "id": str(uuid.uuid4()),
                "patient_id": patient_id,
                "pen": "SN1",
                "kind": "out-of-fridge",
                "occurred_at": out,
                "created_at": now,
            }
        )
    if rng.random() < 0.3:
        for test, loinc, low in (("IgG", "2465-3", 7.0), ("IgM", "2472-9", 0.4)):
            rows[LabResult].append(
                {
                    "id": str(uuid.uuid4()),
                    "patient_id": patient_id,
                    "loinc": loinc,
                    "test": test,
                    "value": round(rng.uniform(low * 0.6, low * 2), 2),
                    "unit": "g/L",
                    "reference_low": low,
                    "reference_high": low * 3,
                    "collected_on": as_of - timedelta(days=rng.randint(1, 300)),
                    "created_at": now,
                }
            )
    if rng.random() < 0.01:
        rows[DiaryEntry].append(
            {
                "id": str(uuid.uuid4()),
                "patient_id": patient_id,
                "recorded_at": now,
                "text": "fever",
                "choices": [],
                "urgency": "urgent",
                "advice": "Call the team today.",
                "call": "your MS team",
                "triage": {},
            }
        )


def _flush(database: Database, rows: dict[type, list[dict[str, object]]]) -> None:
    with database.writing() as session:
        for table in TABLES:
            if rows[table]:
                session.execute(insert(table), rows[table])
                rows[table].clear()
