"""Caregivers: invite by email with a one-time code, accept, list, revoke."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request

from ofacare.api.auth import CurrentActor, RuntimeDep, client_address
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.services import caregivers
from ofacare.services.caregivers import AcceptForm, InvitationForm

router = APIRouter(tags=["caregivers"], responses=ERROR_RESPONSES)


class CaregiverOut(Out):
    id: str
    email: str
    user_id: str | None
    created_at: datetime
    invite_expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationOut(Out):
    caregiver: CaregiverOut
    code: str
    """Shown once; give it to the caregiver, who accepts at POST /api/v1/invitations/accept."""


class AcceptedOut(Out):
    user_id: str
    email: str


@router.get("/patients/{patient_id}/caregivers", response_model=list[CaregiverOut])
def list_caregivers(
    patient_id: str, runtime: RuntimeDep, actor: CurrentActor
) -> list[CaregiverOut]:
    links = caregivers.list_caregivers(runtime, actor, patient_id)
    return [CaregiverOut.model_validate(link) for link in links]


@router.post("/patients/{patient_id}/caregivers", response_model=InvitationOut, status_code=201)
def invite(
    patient_id: str, body: InvitationForm, runtime: RuntimeDep, actor: CurrentActor
) -> InvitationOut:
    """Invite a caregiver (patients): they may read, and log injections and symptoms."""
    made = caregivers.invite_caregiver(runtime, actor, patient_id, body)
    return InvitationOut(caregiver=CaregiverOut.model_validate(made.link), code=made.code)


@router.delete("/patients/{patient_id}/caregivers/{link_id}", response_model=CaregiverOut)
def revoke(patient_id: str, link_id: str, runtime: RuntimeDep, actor: CurrentActor) -> CaregiverOut:
    """Revoke a caregiver: their access ends at once."""
    return CaregiverOut.model_validate(
        caregivers.revoke_caregiver(runtime, actor, patient_id, link_id)
    )


@router.post("/invitations/accept", response_model=AcceptedOut, status_code=201)
def accept(body: AcceptForm, request: Request, runtime: RuntimeDep) -> AcceptedOut:
    """Accept an invitation with its code: creates the caregiver account; then sign in."""
    user = caregivers.accept_invitation(runtime, body, address=client_address(request))
    return AcceptedOut(user_id=user.id, email=user.email)
