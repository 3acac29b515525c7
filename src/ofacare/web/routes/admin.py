"""Administration: users, roles, care teams, invitations and locked accounts.

Admin pages show accounts and teams only, never clinical data: an invitation appears by the
invitee's email, without the patient who sent it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ofacare.errors import Conflict, InvalidInput, NotFound
from ofacare.records.tables import User
from ofacare.services import admin, lockouts
from ofacare.services.access import Role
from ofacare.services.admin import TeamForm, UserChanges, UserForm
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.frames import ADMIN_NAV, NavItem
from ofacare.web.localisation import N_
from ofacare.web.rendering import render
from ofacare.web.route import PageRoute
from ofacare.web.session import Viewer, form_text, get_runtime, read_form, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ADMIN_PAGES = [
    *ADMIN_NAV,
    NavItem("/admin/invitations", N_("Invitations"), "invitations"),
    NavItem("/admin/locked", N_("Locked accounts"), "locked"),
]
ROLE_NAMES = {
    Role.PATIENT.value: N_("Patient"),
    Role.CAREGIVER.value: N_("Caregiver"),
    Role.CLINICIAN.value: N_("Clinician"),
    Role.ADMIN.value: N_("Administrator"),
}
USER_FIELDS = ("email", "display_name", "role", "password")
FAILED = (InvalidInput, Conflict)
"""Use-case errors that are about the form the person sent: shown beside it, not as a page."""


def _page(
    request: Request, viewer: Viewer, template: str, current: str, status: int = 200, **context: Any
) -> Response:
    return render(
        request,
        template,
        viewer=viewer,
        status=status,
        nav=ADMIN_PAGES,
        current=current,
        role_names=ROLE_NAMES,
        **context,
    )


def _admin(request: Request) -> Viewer:
    return require_viewer(request, Role.ADMIN)


@router.get("/admin")
def overview(request: Request) -> Response:
    """Counts of accounts, teams, open invitations and locked sign-ins, with links."""
    viewer = _admin(request)
    runtime = get_runtime(request)
    users = admin.list_users(runtime, viewer.actor)
    return _page(
        request,
        viewer,
        "admin/overview.html",
        "overview",
        title=N_("Administration"),
        by_role=Counter(u.role for u in users),
        users=len(users),
        inactive=sum(1 for u in users if not u.active),
        teams=len(admin.list_teams(runtime, viewer.actor)),
        invitations=sum(
            1 for i in admin.list_invitations(runtime, viewer.actor) if i.status == "pending"
        ),
        locked=len(lockouts.list_lockouts(runtime, viewer.actor)),
    )


@router.get("/admin/users")
def users_page(request: Request) -> Response:
    viewer = _admin(request)
    return _users(request, viewer, {"role": Role.CLINICIAN.value}, {})


def _users(
    request: Request,
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return _page(
        request,
        viewer,
        "admin/users.html",
        "users",
        status=status,
        title=N_("Users"),
        users=admin.list_users(get_runtime(request), viewer.actor),
        values=values,
        errors=errors,
    )


@router.post("/admin/users")
async def create_user(request: Request) -> Response:
    """A new account with a temporary password the admin passes on by a safe route."""
    viewer = _admin(request)
    form = await read_form(request, viewer)
    values = {name: form_text(form, name) for name in ("email", "display_name", "role")}
    try:
        parsed = parse_form(UserForm, {**values, "password": form_text(form, "password")})
        user = admin.create_user(get_runtime(request), viewer.actor, parsed)
    except FormProblem as problem:
        return _users(request, viewer, values, problem.errors, 422)
    except FAILED as exc:
        return _users(request, viewer, values, problem_from(exc, USER_FIELDS).errors, 422)
    return RedirectResponse(f"/admin/users/{user.id}?done=created", status_code=303)


def _find_user(request: Request, viewer: Viewer, user_id: str) -> User:
    for user in admin.list_users(get_runtime(request), viewer.actor):
        if user.id == user_id:
            return user
    raise NotFound("admin.no-such-user", f"user id: {user_id!r} is not a user.", "")


@router.get("/admin/users/{user_id}")
def user_page(request: Request, user_id: str, done: str = "") -> Response:
    viewer = _admin(request)
    return _user(request, viewer, user_id, {}, done=done)


def _user(
    request: Request,
    viewer: Viewer,
    user_id: str,
    errors: dict[str, str],
    status: int = 200,
    *,
    done: str = "",
) -> Response:
    user = _find_user(request, viewer, user_id)
    return _page(
        request,
        viewer,
        "admin/user.html",
        "users",
        status=status,
        title=N_("Manage an account"),
        user=user,
        values={"role": user.role},
        errors=errors,
        done=done if done in {"created", "role", "active", "password"} else "",
        is_self=user.id == viewer.actor.user_id,
    )


@router.post("/admin/users/{user_id}/role")
async def change_role(request: Request, user_id: str) -> Response:
    viewer = _admin(request)
    form = await read_form(request, viewer)
    text = form_text(form, "role")
    try:
        role = Role(text)
    except ValueError:
        problem = {"role": f"role: {text!r} is not one of patient, caregiver, clinician, admin."}
        return _user(request, viewer, user_id, problem, 422)
    try:
        admin.change_role(get_runtime(request), viewer.actor, user_id, role)
    except FAILED as exc:
        return _user(request, viewer, user_id, problem_from(exc, ("role",)).errors, 422)
    return RedirectResponse(f"/admin/users/{user_id}?done=role", status_code=303)


@router.post("/admin/users/{user_id}/active")
async def change_active(request: Request, user_id: str) -> Response:
    """Activate, or deactivate (which ends the account's sessions)."""
    viewer = _admin(request)
    form = await read_form(request, viewer)
    active = form_text(form, "active") == "true"
    try:
        admin.set_user_active(get_runtime(request), viewer.actor, user_id, active=active)
    except FAILED as exc:
        return _user(request, viewer, user_id, problem_from(exc, ("active",)).errors, 422)
    return RedirectResponse(f"/admin/users/{user_id}?done=active", status_code=303)


@router.post("/admin/users/{user_id}/password")
async def reset_password(request: Request, user_id: str) -> Response:
    """A temporary password: ends the account's sessions and clears its sign-in pause."""
    viewer = _admin(request)
    form = await read_form(request, viewer)
    try:
        changes = parse_form(UserChanges, {"password": form_text(form, "password"), "unlock": True})
        admin.change_user(get_runtime(request), viewer.actor, user_id, changes)
    except FormProblem as problem:
        return _user(request, viewer, user_id, problem.errors, 422)
    except FAILED as exc:
        return _user(request, viewer, user_id, problem_from(exc, ("password",)).errors, 422)
    return RedirectResponse(f"/admin/users/{user_id}?done=password", status_code=303)


@router.get("/admin/teams")
def teams_page(request: Request, done: str = "") -> Response:
    viewer = _admin(request)
    return _teams(request, viewer, {}, {}, done=done)


def _teams(
    request: Request,
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    *,
    done: str = "",
) -> Response:
    runtime = get_runtime(request)
    clinicians = [
        u
        for u in admin.list_users(runtime, viewer.actor)
        if u.role == Role.CLINICIAN.value and u.active
    ]
    return _page(
        request,
        viewer,
        "admin/teams.html",
        "teams",
        status=status,
        title=N_("Care teams"),
        teams=admin.list_teams_with_members(runtime, viewer.actor),
        clinicians=clinicians,
        values=values,
        errors=errors,
        done=done if done in {"created", "added", "removed"} else "",
    )


@router.post("/admin/teams")
async def create_team(request: Request) -> Response:
    viewer = _admin(request)
    form = await read_form(request, viewer)
    values = {name: form_text(form, name) for name in ("name", "phone")}
    try:
        parsed = parse_form(TeamForm, {k: v for k, v in values.items() if v})
        admin.create_team(get_runtime(request), viewer.actor, parsed)
    except FormProblem as problem:
        return _teams(request, viewer, values, problem.errors, 422)
    except FAILED as exc:
        return _teams(request, viewer, values, problem_from(exc, ("name", "phone")).errors, 422)
    return RedirectResponse("/admin/teams?done=created", status_code=303)


@router.post("/admin/teams/{team_id}/members")
async def add_member(request: Request, team_id: str) -> Response:
    viewer = _admin(request)
    form = await read_form(request, viewer)
    user_id = form_text(form, "user_id")
    try:
        admin.add_team_member(get_runtime(request), viewer.actor, team_id, user_id)
    except (*FAILED, NotFound) as exc:
        errors = {f"member-{team_id}": f"{exc.message} {exc.hint}".strip()}
        return _teams(request, viewer, {}, errors, 422)
    return RedirectResponse("/admin/teams?done=added", status_code=303)


@router.post("/admin/teams/{team_id}/members/{user_id}/remove")
async def remove_member(request: Request, team_id: str, user_id: str) -> Response:
    viewer = _admin(request)
    await read_form(request, viewer)
    admin.remove_team_member(get_runtime(request), viewer.actor, team_id, user_id)
    return RedirectResponse("/admin/teams?done=removed", status_code=303)


@router.get("/admin/invitations")
def invitations_page(request: Request, done: bool = False) -> Response:
    """Open caregiver invitations: invitee email and dates only (no patient, nothing clinical)."""
    viewer = _admin(request)
    return _page(
        request,
        viewer,
        "admin/invitations.html",
        "invitations",
        title=N_("Invitations"),
        invitations=admin.list_invitations(get_runtime(request), viewer.actor),
        done=done,
    )


@router.post("/admin/invitations/{link_id}/revoke")
async def revoke_invitation(request: Request, link_id: str) -> Response:
    viewer = _admin(request)
    await read_form(request, viewer)
    admin.revoke_invitation(get_runtime(request), viewer.actor, link_id)
    return RedirectResponse("/admin/invitations?done=true", status_code=303)


@router.get("/admin/locked")
def locked_page(request: Request, done: bool = False) -> Response:
    """Emails and addresses whose sign-in is paused by repeated failures."""
    viewer = _admin(request)
    runtime = get_runtime(request)
    return _page(
        request,
        viewer,
        "admin/locked.html",
        "locked",
        title=N_("Locked accounts"),
        lockouts=lockouts.list_lockouts(runtime, viewer.actor),
        max_failures=runtime.settings.login_max_failures,
        window_minutes=runtime.settings.login_window_minutes,
        done=done,
    )


@router.post("/admin/locked/unlock")
async def unlock(request: Request) -> Response:
    viewer = _admin(request)
    form = await read_form(request, viewer)
    kind = form_text(form, "kind")
    if kind not in {"email", "address"}:
        raise InvalidInput("admin.bad-lock", f"kind: {kind!r} is not email or address.", "")
    lockouts.unlock(
        get_runtime(request),
        viewer.actor,
        kind="email" if kind == "email" else "address",
        key=form_text(form, "key"),
    )
    return RedirectResponse("/admin/locked?done=true", status_code=303)
