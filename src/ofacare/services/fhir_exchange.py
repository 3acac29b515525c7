"""FHIR R4 exchange of one patient: export the chart as a Bundle, import one into a care team.

Import keeps the resource ids, so export -> import into an empty database -> export gives the
same Bundle. An id already in the database is refused (409), never overwritten.
"""

from __future__ import annotations

from typing import Any

from ofacare.errors import Conflict, NotAllowed
from ofacare.interop.fhir import build_patient_bundle, read_patient_bundle
from ofacare.interop.fhir.chart import ActiveFinding
from ofacare.records.tables import Patient, TeamMember
from ofacare.services import idempotency
from ofacare.services.access import Actor, Permission, Role, open_patient, record_access
from ofacare.services.chart import clashing_ids, load_chart, store_chart
from ofacare.services.runtime import Runtime
from ofacare.services.screening import current_findings


def export_bundle(runtime: Runtime, actor: Actor, patient_id: str) -> dict[str, Any]:
    """The patient's chart as a FHIR R4 collection Bundle, with today's active findings."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="fhir.export",
            now=runtime.now(),
        )
        findings = [
            ActiveFinding.from_finding(f, patient_id=patient.id)
            for f in current_findings(session, runtime, patient)
        ]
        chart = load_chart(session, patient, findings=findings)
    return build_patient_bundle(chart, kb=runtime.kb)


def import_bundle(
    runtime: Runtime, actor: Actor, bundle: object, *, idempotency_key: str | None = None
) -> Patient:
    """Add the patient in a FHIR Bundle to the clinician's care team, keeping every id."""
    if actor.role is not Role.CLINICIAN:
        raise NotAllowed(
            "access.not-allowed",
            f"A {actor.role} account may not import patients.",
            "Patients are imported by their MS team.",
        )
    chart = read_patient_bundle(bundle)
    now = runtime.now()
    digest = idempotency.fingerprint("fhir-import", bundle)
    with runtime.database.writing() as session:
        replay = idempotency.find_replay(session, actor, idempotency_key, digest)
        if replay is not None:
            found = session.get(Patient, replay)
            assert found is not None  # kept by the same transaction that made the key
            return found
        team_id = session.query(TeamMember.team_id).filter_by(user_id=actor.user_id).scalar()
        if team_id is None:
            raise NotAllowed(
                "access.no-team",
                "Your account is not in a care team yet, so there is no panel to import into.",
                "Ask an administrator to add you to your MS team.",
            )
        clashes = clashing_ids(session, chart)
        if clashes:
            raise Conflict(
                "fhir.ids-exist",
                f"Bundle: {len(clashes)} resource id(s) exist already, e.g. '{clashes[0]}'.",
                "This patient (or these records) was imported before; nothing was changed.",
            )
        patient = store_chart(session, chart, team_id=team_id, user_id=actor.user_id, now=now)
        record_access(session, actor, action="fhir.import", patient_id=patient.id, now=now)
        idempotency.remember(
            session, runtime, actor, idempotency_key, digest=digest, record_id=patient.id
        )
        return patient
