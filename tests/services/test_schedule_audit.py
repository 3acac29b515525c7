"""A schedule read reads in a reading transaction and commits its audit entry on its own,
before it answers: every read shown is audited, nothing unaudited is shown."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from ofacare.errors import Conflict, NotFound
from ofacare.records.tables import AuditEntry
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from ofacare.services.schedule import get_schedule
from tests.people import build_world


def prescribe(runtime, world):
    form = PrescriptionForm(start_on=date(2026, 3, 2))
    create_prescription(runtime, world.clinician, world.patient_id, form, idempotency_key=None)


def reads_of(runtime, actor, patient_id):
    query = select(func.count()).where(
        AuditEntry.action == "schedule.read",
        AuditEntry.user_id == actor.user_id,
        AuditEntry.patient_id == patient_id,
    )
    with runtime.database.reading() as session:
        return session.scalar(query)


def test_each_schedule_read_leaves_one_committed_audit_entry(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    for count in (1, 2):
        get_schedule(runtime, world.caregiver, world.patient_id)
        # A new session sees it: the entry was committed before the schedule came back.
        assert reads_of(runtime, world.caregiver, world.patient_id) == count
    with runtime.database.reading() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "schedule.read")
        ).first()
    assert entry is not None
    assert (entry.role, entry.address) == ("caregiver", "127.0.0.1")


def test_a_refused_or_impossible_read_leaves_no_read_entry(runtime):
    world = build_world(runtime)
    with pytest.raises(Conflict):  # no prescription yet: nothing to show, nothing read
        get_schedule(runtime, world.patient, world.patient_id)
    prescribe(runtime, world)
    with pytest.raises(NotFound):
        get_schedule(runtime, world.outsider_clinician, world.patient_id)
    assert reads_of(runtime, world.patient, world.patient_id) == 0
    assert reads_of(runtime, world.outsider_clinician, world.patient_id) == 0


def test_no_schedule_is_shown_when_its_audit_entry_cannot_be_saved(runtime):
    world = build_world(runtime)
    prescribe(runtime, world)
    refuse_audit_entries(runtime)
    with pytest.raises(Exception, match="audit refused"):
        get_schedule(runtime, world.clinician, world.patient_id)
    assert reads_of(runtime, world.clinician, world.patient_id) == 0


def refuse_audit_entries(runtime):
    """A trigger that makes every new audit entry fail, as a full disk would."""
    statements = {
        "sqlite": [
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
        ],
        "postgresql": [
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
    }[runtime.database.engine.dialect.name]
    with runtime.database.writing() as session:
        for statement in statements:
            session.execute(text(statement))
