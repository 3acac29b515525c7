"""A new patient: create them on the clinician's team, then set the start date once ready.

The new patient lands on their page, where the pre-treatment checklist shows what is missing.
Setting the start date records the prescription; when the checklist has findings for that date,
the page shows them and asks the clinician to confirm before anything is stored. ofacare adds no
rule of its own: the findings are the screening rules' (the label's), the decision the prescriber's.
"""

from __future__ import annotations

import secrets
from functools import cache
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ofacare.errors import InvalidInput, OfacareError
from ofacare.services.access import Role
from ofacare.services.course_start import StartCheck, check_course_start, start_course
from ofacare.services.forms import PatientForm
from ofacare.services.patients import create_patient
from ofacare.services.prescriptions import PrescriptionForm, list_prescriptions
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.frames import TEAM_NAV, PatientFrame, open_patient_frame
from ofacare.web.localisation import N_, translations
from ofacare.web.rendering import reader_for, render
from ofacare.web.route import PageRoute
from ofacare.web.routes import team_words
from ofacare.web.session import (
    Viewer,
    form_text,
    form_values,
    get_runtime,
    read_form,
    require_viewer,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TEXT_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "country",
    "timezone",
    "email",
    "phone",
    "ms_type",
    "immunosuppressants",
    "planned_start_on",
)
FLAGS = (
    "can_become_pregnant",
    "pregnant",
    "breastfeeding",
    "active_infection",
    "severely_immunocompromised",
    "active_malignancy",
)
START_FIELDS = ("start_on", "interval_mode", "prescriber")
CONFIRM = "confirm_start_on"
NEEDS_CONFIRMATION = N_(
    "The checklist has findings for a first dose on %(day)s (listed above). Read them, then tick "
    "the box to record this start date anyway, or choose another date."
)


@cache
def timezone_names() -> list[str]:
    return sorted(available_timezones())


@router.get("/team/patients/new")
def new_patient_page(request: Request) -> Response:
    viewer = require_viewer(request, Role.CLINICIAN)
    defaults = {"sex": "female", "ms_type": "RRMS"}
    return _new_patient(request, viewer, values=defaults, errors={})


@router.post("/team/patients/new")
async def create(request: Request) -> Response:
    viewer = require_viewer(request, Role.CLINICIAN)
    form = await read_form(request, viewer)
    values = form_values(form, *TEXT_FIELDS, *FLAGS)
    fields: dict[str, object] = {k: v for k, v in values.items() if k not in FLAGS}
    fields.update({flag: values.get(flag) == "true" for flag in FLAGS})
    names = values.get("immunosuppressants", "").split(",")
    fields["immunosuppressants"] = tuple(n.strip() for n in names if n.strip())
    try:
        parsed = parse_form(PatientForm, fields)
        patient = create_patient(get_runtime(request), viewer.actor, parsed)
    except FormProblem as problem:
        return _new_patient(request, viewer, values=values, errors=problem.errors, status=422)
    except OfacareError as exc:
        found = problem_from(exc, TEXT_FIELDS)
        return _new_patient(request, viewer, values=values, errors=found.errors, status=422)
    return RedirectResponse(f"/team/patients/{patient.id}?done=created#checklist", status_code=303)


def _new_patient(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    reader = reader_for(request)
    say = translations(reader.language).gettext
    return render(
        request,
        "team/new_patient.html",
        viewer=viewer,
        reader=reader,
        status=status,
        title=N_("New patient"),
        nav=TEAM_NAV,
        current="new-patient",
        values=values,
        errors=errors,
        sexes=[(value, say(text)) for value, text in team_words.SEXES],
        ms_types=[(value, say(text)) for value, text in team_words.MS_TYPES],
        zones=timezone_names(),
    )


@router.get("/team/patients/{patient_id}/start")
def start_page(request: Request, patient_id: str) -> Response:
    viewer = require_viewer(request, Role.CLINICIAN)
    frame = open_patient_frame(request, viewer, patient_id, "team")
    return _start(request, frame, values={"interval_mode": "monthly"}, errors={})


@router.post("/team/patients/{patient_id}/start")
async def set_start(request: Request, patient_id: str) -> Response:
    """Record the prescription; with checklist findings for the date, only once confirmed."""
    viewer = require_viewer(request, Role.CLINICIAN)
    form = await read_form(request, viewer)
    frame = open_patient_frame(request, viewer, patient_id, "team")
    values = form_values(form, *START_FIELDS)
    runtime = get_runtime(request)
    check: StartCheck | None = None
    try:
        parsed = parse_form(PrescriptionForm, values)
        check = check_course_start(runtime, viewer.actor, patient_id, parsed.start_on)
        if check.has_findings and form_text(form, CONFIRM) != parsed.start_on.isoformat():
            say = translations(frame.reader.language).gettext
            day = frame.reader.day(parsed.start_on)
            raise FormProblem({CONFIRM: say(NEEDS_CONFIRMATION) % {"day": day}})
        key = form_text(form, "idempotency_key") or None
        start_course(runtime, viewer.actor, patient_id, parsed, idempotency_key=key)
    except FormProblem as problem:
        return _start(request, frame, values=values, errors=problem.errors, check=check)
    except InvalidInput as exc:
        found = problem_from(exc, START_FIELDS)
        return _start(request, frame, values=values, errors=found.errors, check=check)
    return RedirectResponse(f"/team/patients/{patient_id}?done=started#doses", status_code=303)


def _start(
    request: Request,
    frame: PatientFrame,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    check: StartCheck | None = None,
) -> HTMLResponse:
    """The start-date form, with the checklist's findings for the date asked when there are."""
    viewer = frame.viewer
    prescriptions = list_prescriptions(get_runtime(request), viewer.actor, frame.patient.id)
    active = next((rx for rx in prescriptions if rx.stopped_on is None), None)
    return render(
        request,
        "team/start.html",
        viewer=viewer,
        reader=frame.reader,
        status=422 if errors else 200,
        title=N_("Set the start date"),
        nav=TEAM_NAV,
        current="",
        patient=frame.patient,
        values=values,
        errors=errors,
        check=check,
        active=active,
        confirm_field=CONFIRM,
        words=team_words,
        new_key=secrets.token_urlsafe(16),
    )
