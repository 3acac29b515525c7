"""The audit log: every access to a patient's data leaves an entry naming who, whose and what; the
patient's "who viewed my record" page names every such action in words; and the database itself
refuses to change or delete an entry (migration 0003), on SQLite and on PostgreSQL.

That no route edits the log through the app is checked by the two authorisation matrices, which
compare the whole audit table before and after every call (only appends are allowed).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError
from starlette.testclient import TestClient

from ofacare.api.app import create_app
from ofacare.records.tables import AuditEntry
from ofacare.services.access import record_access
from ofacare.services.runtime import Runtime
from ofacare.web.routes.patient_settings import ACTIONS
from tests.api import test_authorisation_matrix as api_matrix
from tests.people import build_world
from tests.security.access_world import (
    AccessWorld,
    audit_entries,
    build_access_world,
    last_audit_id,
    sqlite_runtime,
)
from tests.web import test_page_access_matrix as page_matrix

# Routes without a patient in the path that still read or change patients' data.
API_PANEL_ROUTES = {
    ("GET", "/patients"): {"patient", "caregiver", "clinician"},
    ("GET", "/alerts"): {"clinician"},
    ("POST", "/patients"): {"clinician"},
    ("POST", "/fhir/import"): {"clinician"},
}
PAGE_PANEL_ROUTES = {
    ("GET", "/choose"): {"patient", "caregiver"},
    ("GET", "/team"): {"clinician"},
    ("POST", "/team/patients/new"): {"clinician"},
}
NEW_PATIENT = {("POST", "/patients"), ("POST", "/fhir/import"), ("POST", "/team/patients/new")}


def _pairs(table: dict[tuple[str, str], Any], panel: dict[tuple[str, str], set[str]]):  # type: ignore[no-untyped-def]
    allowed = {route: entry.allowed for route, entry in table.items()} | panel
    return [
        pytest.param(route, role, id=f"{route[0]} {route[1]} as {role}")
        for route in sorted(allowed)
        for role in sorted(allowed[route])
    ]


@pytest.fixture(scope="module")
def shared(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    yield from sqlite_runtime(request, tmp_path_factory)


@pytest.fixture(scope="module")
def app_client(shared: Runtime):  # type: ignore[no-untyped-def]
    with TestClient(create_app(runtime=shared), follow_redirects=False) as client:
        yield client


def check_audited(
    runtime: Runtime, world: AccessWorld, route: tuple[str, str], role: str, since: int
) -> None:
    """An entry names the actor, their role, the patient and the action; each action has words."""
    actor = world.actors[role]
    entries = [e for e in audit_entries(runtime, after_id=since) if e.user_id == actor.user_id]
    patient = world.other_patient_id if "/account/" in route[1] else world.patient_id
    ours = [e for e in entries if e.patient_id == patient or route in NEW_PATIENT]
    assert any(e.patient_id for e in ours), f"{route} as {role} left no entry naming the patient"
    for entry in entries:
        assert (entry.role, entry.address) == (actor.role.value, "testclient"), entry.action
        assert entry.action, route
        if entry.patient_id is not None:
            assert entry.action in ACTIONS, f"the access page has no words for {entry.action!r}"


@pytest.mark.parametrize(("route", "role"), _pairs(api_matrix.PATIENT_ROUTES, API_PANEL_ROUTES))
def test_every_api_call_that_touches_a_patient_is_audited(app_client, shared, route, role):
    world = build_access_world(shared)
    if route == ("POST", "/fhir/import"):
        api_matrix.prepare_import(shared, world)
    since = last_audit_id(shared)
    answer = api_matrix.send(
        app_client, world, route, role, api_matrix.path_ids(world, "own", route[1])
    )
    assert answer.status_code < 300, answer.text
    check_audited(shared, world, route, role, since)


@pytest.mark.parametrize(("route", "role"), _pairs(page_matrix.PATIENT_PAGES, PAGE_PANEL_ROUTES))
def test_every_page_that_touches_a_patient_is_audited(app_client, shared, route, role):
    world = build_access_world(shared)
    since = last_audit_id(shared)
    answer = page_matrix.call(app_client, world, route, role, "own")
    assert page_matrix.succeeded(answer, route), answer.text[:2000]
    check_audited(shared, world, route, role, since)


def test_the_database_refuses_to_change_or_delete_an_audit_entry(runtime):
    world = build_world(runtime)
    with runtime.database.writing() as session:
        record_access(
            session,
            world.clinician,
            action="patient.read",
            patient_id=world.patient_id,
            now=runtime.now(),
        )
    before = [(e.id, e.action, e.patient_id) for e in audit_entries(runtime)]
    refused = [
        update(AuditEntry).values(action="nothing.happened"),
        update(AuditEntry).values(patient_id=None).where(AuditEntry.id == before[0][0]),
        text("DELETE FROM audit_log"),
        text(f"DELETE FROM audit_log WHERE id = {before[0][0]}"),
    ]
    if runtime.database.engine.dialect.name == "postgresql":
        refused.append(text("TRUNCATE audit_log"))
    for statement in refused:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            runtime.database.engine.begin() as connection,
        ):
            connection.execute(statement)
    with pytest.raises(DatabaseError, match="append-only"), runtime.database.writing() as session:
        session.delete(session.scalars(select(AuditEntry)).first())
    assert [(e.id, e.action, e.patient_id) for e in audit_entries(runtime)] == before
    with runtime.database.writing() as session:  # appending still works
        record_access(
            session,
            world.patient,
            action="audit.read",
            patient_id=world.patient_id,
            now=runtime.now(),
        )
    assert len(audit_entries(runtime)) == len(before) + 1
