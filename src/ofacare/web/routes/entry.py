"""The way in: sign in and out, each role's home page, and accepting a caregiver invitation."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from ofacare.errors import InvalidInput, OfacareError, TooManyAttempts
from ofacare.services import accounts, patients
from ofacare.services.access import Role
from ofacare.services.caregivers import AcceptForm, accept_invitation
from ofacare.web.forms import GENERAL, FormProblem, parse_form, problem_from
from ofacare.web.rendering import render
from ofacare.web.route import PageRoute
from ofacare.web.session import (
    SESSION_COOKIE,
    client_address,
    find_viewer,
    form_text,
    form_values,
    get_runtime,
    read_form,
    require_viewer,
    set_session_cookie,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    """Send each person to their own starting page."""
    viewer = find_viewer(request)
    if viewer is None:
        return RedirectResponse("/sign-in", status_code=303)
    if viewer.role is Role.CLINICIAN:
        return RedirectResponse("/team", status_code=303)
    if viewer.role is Role.ADMIN:
        return RedirectResponse("/admin", status_code=303)
    return choose_patient(request)


@router.get("/choose")
def choose_patient(request: Request) -> Response:
    """A patient goes to their record; a caregiver picks whose (straight there when only one)."""
    viewer = require_viewer(request, Role.PATIENT, Role.CAREGIVER)
    visible = patients.list_patients(get_runtime(request), viewer.actor)
    if len(visible) == 1:
        return RedirectResponse(f"/p/{visible[0].id}", status_code=303)
    return render(
        request, "common/choose.html", viewer=viewer, title="Whose record?", patients=visible
    )


@router.get("/sign-in")
def sign_in_page(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    return render(
        request, "common/sign_in.html", viewer=None, values={"next": safe_next(next)}, errors={}
    )


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await read_form(request, None)
    values = {"email": form_text(form, "email"), "next": safe_next(form_text(form, "next"))}
    try:
        signed = accounts.sign_in(
            get_runtime(request),
            email=values["email"],
            password=form_text(form, "password"),
            address=client_address(request),
            replacing=request.cookies.get(SESSION_COOKIE),
        )
    except TooManyAttempts as exc:
        paused = render(
            request,
            "common/sign_in.html",
            viewer=None,
            status=429,
            values=values,
            errors={GENERAL: f"{exc.message} {exc.hint}".strip()},
        )
        paused.headers["Retry-After"] = str(exc.retry_after_seconds)
        return paused
    except OfacareError as exc:
        return render(
            request,
            "common/sign_in.html",
            viewer=None,
            status=401,
            values=values,
            errors={GENERAL: f"{exc.message} {exc.hint}".strip()},
        )
    response = RedirectResponse(values["next"], status_code=303)
    set_session_cookie(response, signed, get_runtime(request))
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    viewer = find_viewer(request)
    await read_form(request, viewer)
    cookie = request.cookies.get(SESSION_COOKIE)
    if viewer is not None and cookie:
        accounts.sign_out(get_runtime(request), cookie)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/invitation")
def invitation_page(request: Request, code: Annotated[str, Query(max_length=100)] = "") -> Response:
    return render(request, "common/invitation.html", viewer=None, values={"code": code}, errors={})


@router.post("/invitation")
async def accept(request: Request) -> Response:
    """A caregiver sets up their account with the one-time code the patient gave them."""
    form = await read_form(request, None)
    values = form_values(form, "code", "display_name")
    try:
        parsed = parse_form(AcceptForm, {**values, "password": form_text(form, "password")})
        accept_invitation(get_runtime(request), parsed, address=client_address(request))
    except FormProblem as problem:
        return _invitation_problem(request, values, problem)
    except InvalidInput as exc:
        return _invitation_problem(request, values, problem_from(exc, ("code", "password")))
    except OfacareError as exc:
        return _invitation_problem(request, values, problem_from(exc))
    return render(request, "common/invitation_done.html", viewer=None, title="You are set up")


def _invitation_problem(request: Request, values: dict[str, str], problem: FormProblem) -> Response:
    return render(
        request,
        "common/invitation.html",
        viewer=None,
        status=422,
        values=values,
        errors=problem.errors,
    )


def safe_next(target: str) -> str:
    """Only a path on this site: never send a person on to another site after signing in."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target
