"""The few facts every page about a patient shows: the name, where they live, who to call."""

from __future__ import annotations

from dataclasses import dataclass

from ofacare.records.tables import CareTeam
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import CareTeamCall, care_team_call


@dataclass(frozen=True, slots=True)
class PatientCard:
    id: str
    given_name: str
    family_name: str
    timezone: str
    country: str
    team_name: str | None
    call: CareTeamCall

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def get_patient_card(runtime: Runtime, actor: Actor, patient_id: str) -> PatientCard:
    """The patient's card, if the actor may read the record (the read is audited)."""
    with runtime.database.writing() as session:
        patient = open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="patient.read",
            now=runtime.now(),
        )
        team = session.get(CareTeam, patient.team_id) if patient.team_id else None
        return PatientCard(
            id=patient.id,
            given_name=patient.given_name,
            family_name=patient.family_name,
            timezone=patient.timezone,
            country=patient.country,
            team_name=team.name if team else None,
            call=care_team_call(session, patient),
        )
