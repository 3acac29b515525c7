"""Administration: users, roles, care teams. Admins see no clinical data through these."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from ofacare.api.auth import CurrentActor, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.services import admin
from ofacare.services.admin import TeamForm, UserChanges, UserForm

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)


class UserOut(Out):
    id: str
    email: str
    display_name: str
    role: str
    active: bool
    created_at: datetime


class TeamOut(Out):
    id: str
    name: str
    phone: str | None


@router.get("/users", response_model=list[UserOut])
def list_users(runtime: RuntimeDep, actor: CurrentActor) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in admin.list_users(runtime, actor)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserForm, runtime: RuntimeDep, actor: CurrentActor) -> UserOut:
    return UserOut.model_validate(admin.create_user(runtime, actor, body))


@router.patch("/users/{user_id}", response_model=UserOut)
def change_user(
    user_id: str, body: UserChanges, runtime: RuntimeDep, actor: CurrentActor
) -> UserOut:
    """Rename, deactivate, reset a password, or clear the sign-in throttle for the account."""
    return UserOut.model_validate(admin.change_user(runtime, actor, user_id, body))


@router.get("/teams", response_model=list[TeamOut])
def list_teams(runtime: RuntimeDep, actor: CurrentActor) -> list[TeamOut]:
    return [TeamOut.model_validate(t) for t in admin.list_teams(runtime, actor)]


@router.post("/teams", response_model=TeamOut, status_code=201)
def create_team(body: TeamForm, runtime: RuntimeDep, actor: CurrentActor) -> TeamOut:
    return TeamOut.model_validate(admin.create_team(runtime, actor, body))


@router.put("/teams/{team_id}/members/{user_id}", status_code=204)
def add_member(team_id: str, user_id: str, runtime: RuntimeDep, actor: CurrentActor) -> None:
    admin.add_team_member(runtime, actor, team_id, user_id)


@router.delete("/teams/{team_id}/members/{user_id}", status_code=204)
def remove_member(team_id: str, user_id: str, runtime: RuntimeDep, actor: CurrentActor) -> None:
    admin.remove_team_member(runtime, actor, team_id, user_id)


@router.put("/patients/{patient_id}/account/{user_id}", status_code=204)
def link_account(patient_id: str, user_id: str, runtime: RuntimeDep, actor: CurrentActor) -> None:
    """Give a patient record its sign-in account."""
    admin.link_patient_account(runtime, actor, patient_id, user_id)
