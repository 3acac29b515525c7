"""Settings that reach beyond the record: caregivers (invite, revoke) and closing the account.

Included in patient_settings' router, so pages.py needs no change.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ofacare.errors import InvalidInput, NotFound
from ofacare.services import caregivers
from ofacare.services.access import Role
from ofacare.services.account_closure import CONFIRMATION_PHRASE, ClosureForm, close_account
from ofacare.services.caregivers import CaregiverEntry, InvitationForm
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.localisation import N_
from ofacare.web.rendering import render
from ofacare.web.route import PageRoute
from ofacare.web.session import (
    SESSION_COOKIE,
    form_text,
    get_runtime,
    read_form,
    require_viewer,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _open(request: Request, patient_id: str) -> PatientFrame:
    viewer = require_viewer(request, Role.PATIENT)
    return open_patient_frame(request, viewer, patient_id, "settings")


@router.get("/p/{patient_id}/settings/caregivers")
def caregivers_page(request: Request, patient_id: str, revoked: bool = False) -> Response:
    frame = _open(request, patient_id)
    return _caregivers(request, frame, {}, {}, revoked=revoked)


@router.post("/p/{patient_id}/settings/caregivers")
async def invite(request: Request, patient_id: str) -> Response:
    """Invite by email; the one-time code is shown on this answer only (it is kept hashed)."""
    form = await read_form(request, require_viewer(request, Role.PATIENT))
    frame = _open(request, patient_id)
    values = {"email": form_text(form, "email")}
    runtime = get_runtime(request)
    try:
        parsed = parse_form(InvitationForm, values)
        made = caregivers.invite_caregiver(runtime, frame.viewer.actor, patient_id, parsed)
    except FormProblem as problem:
        return _caregivers(request, frame, values, problem.errors, status=422)
    except InvalidInput as exc:
        return _caregivers(request, frame, values, problem_from(exc, ("email",)).errors, 422)
    base = runtime.settings.base_url.rstrip("/")
    return render_patient_page(
        request,
        frame,
        "patient/settings_invited.html",
        title=N_("Give this code to your caregiver"),
        email=made.link.email,
        code=made.code,
        expires=made.link.invite_expires_at,
        accept_url=f"{base}/invitation",
        accept_link=f"{base}/invitation?code={made.code}",
    )


def _caregivers(
    request: Request,
    frame: PatientFrame,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    *,
    revoked: bool = False,
) -> Response:
    runtime = get_runtime(request)
    entries = caregivers.list_caregiver_entries(runtime, frame.viewer.actor, frame.patient.id)
    now = runtime.now()
    return render_patient_page(
        request,
        frame,
        "patient/settings_caregivers.html",
        status=status,
        title=N_("Caregivers"),
        entries=[(entry, _status(entry, now)) for entry in entries],
        values=values,
        errors=errors,
        revoked=revoked,
    )


def _status(entry: CaregiverEntry, now: datetime) -> str:
    """invited, expired, accepted or revoked: the word the list shows beside each person."""
    link = entry.link
    if link.revoked_at is not None:
        return "revoked"
    if link.accepted_at is not None:
        return "accepted"
    return "expired" if link.invite_expires_at <= now else "invited"


def _find_entry(request: Request, frame: PatientFrame, link_id: str) -> CaregiverEntry:
    entries = caregivers.list_caregiver_entries(
        get_runtime(request), frame.viewer.actor, frame.patient.id
    )
    for entry in entries:
        if entry.link.id == link_id and entry.link.revoked_at is None:
            return entry
    raise NotFound(
        "caregiver.no-such-link",
        "This caregiver is not on your list (or was revoked already).",
        "Go back to your caregivers.",
    )


@router.get("/p/{patient_id}/settings/caregivers/{link_id}/revoke")
def revoke_page(request: Request, patient_id: str, link_id: str) -> Response:
    """Ask before revoking: say what revoking does."""
    frame = _open(request, patient_id)
    entry = _find_entry(request, frame, link_id)
    return render_patient_page(
        request,
        frame,
        "patient/settings_revoke.html",
        title=N_("Revoke a caregiver"),
        entry=entry,
    )


@router.post("/p/{patient_id}/settings/caregivers/{link_id}/revoke")
async def revoke(request: Request, patient_id: str, link_id: str) -> Response:
    await read_form(request, require_viewer(request, Role.PATIENT))
    frame = _open(request, patient_id)
    caregivers.revoke_caregiver(get_runtime(request), frame.viewer.actor, patient_id, link_id)
    return RedirectResponse(f"{frame.base}/settings/caregivers?revoked=true", status_code=303)


@router.get("/p/{patient_id}/settings/delete")
def delete_page(request: Request, patient_id: str) -> Response:
    frame = _open(request, patient_id)
    return _delete(request, frame, {}, {})


def _delete(
    request: Request,
    frame: PatientFrame,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render_patient_page(
        request,
        frame,
        "patient/settings_delete.html",
        status=status,
        title=N_("Delete my account"),
        values=values,
        errors=errors,
        phrase=CONFIRMATION_PHRASE,
    )


@router.post("/p/{patient_id}/settings/delete")
async def delete_account(request: Request, patient_id: str) -> Response:
    """Close the account, then sign out (the session is gone already) and say goodbye."""
    form = await read_form(request, require_viewer(request, Role.PATIENT))
    frame = _open(request, patient_id)
    values = {"confirmation": form_text(form, "confirmation")}
    try:
        parsed = parse_form(ClosureForm, {**values, "password": form_text(form, "password")})
        close_account(get_runtime(request), frame.viewer.actor, patient_id, parsed)
    except FormProblem as problem:
        return _delete(request, frame, values, problem.errors, 422)
    except InvalidInput as exc:
        errors = problem_from(exc, ("confirmation", "password")).errors
        return _delete(request, frame, values, errors, 422)
    response = RedirectResponse("/goodbye", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/goodbye")
def goodbye(request: Request) -> Response:
    return render(
        request,
        "patient/settings_goodbye.html",
        viewer=None,
        title=N_("Your account is closed"),
    )
