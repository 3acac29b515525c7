"""Log an injection: a body map with the suggested site, a warm-up timer; then the new plan.

The form works without JavaScript: the site is a radio group (the picture only points at it),
the times are typed, and the warm-up wait is stated in words. Each rendering of the form carries
a fresh idempotency key, so a double submit logs the injection once.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from ofacare.errors import Conflict, InvalidInput
from ofacare.handling.sites import Injector, Site
from ofacare.handling.storage import WARM_UP
from ofacare.knowledge import KnowledgeBase
from ofacare.services.access import Role
from ofacare.services.injections import (
    InjectionForm,
    get_logged_injection,
    list_injections,
    log_injection,
    suggest_next_site,
)
from ofacare.services.pens import list_pens
from ofacare.web.body_map import SITE_NAMES, build_body_map, parse_site_choice
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.route import PageRoute
from ofacare.web.routes.patient_schedule import find_schedule, upcoming
from ofacare.web.session import form_text, get_runtime, read_form, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FIELDS = (
    "given_at",
    "site",
    "injected_by",
    "pen_lot",
    "pen_serial",
    "out_of_fridge_at",
    "notes",
    "idempotency_key",
)
TIME_FIELDS = ("given_at", "out_of_fridge_at")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
SKIN_FACTS = ("injection.skin-to-avoid", "injection.pen-prepare-skin", "injection.rotate-sites")
SHOWN_FACTS = (
    *SKIN_FACTS,
    "injection.upper-arm-caregiver",
    WARM_UP,
    "injection.site-suggestion-order",
)
RECENT_SHOWN = 3
DEFAULT_INJECTOR = {
    Role.PATIENT: Injector.SELF,
    Role.CAREGIVER: Injector.CAREGIVER,
    Role.CLINICIAN: Injector.CLINICIAN,
}


@router.get("/p/{patient_id}/inject")
def inject_page(request: Request, patient_id: str) -> Response:
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "inject")
    now = frame.reader.local(get_runtime(request).now())
    values = {
        "given_at": now.strftime(LOCAL_INPUT),
        "injected_by": DEFAULT_INJECTOR.get(viewer.role, Injector.SELF).value,
        "idempotency_key": secrets.token_urlsafe(16),
    }
    return _form_page(request, frame, values=values, errors={})


@router.post("/p/{patient_id}/inject")
async def log(request: Request, patient_id: str) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request, viewer)
    frame = open_patient_frame(request, viewer, patient_id, "inject")
    values = {name: form_text(form, name) for name in FIELDS}
    if not values["idempotency_key"]:
        values["idempotency_key"] = secrets.token_urlsafe(16)
    try:
        parsed = parse_form(InjectionForm, _form_input(form, values, frame.patient.timezone))
        logged = log_injection(
            get_runtime(request),
            viewer.actor,
            patient_id,
            parsed,
            idempotency_key=values["idempotency_key"],
        )
    except FormProblem as problem:
        return _form_page(request, frame, values=values, errors=problem.errors, status=422)
    except (InvalidInput, Conflict) as exc:
        refused = problem_from(exc, FIELDS)
        return _form_page(request, frame, values=values, errors=refused.errors, status=422)
    saved = f"/p/{patient_id}/inject/saved/{logged.injection.id}"
    return RedirectResponse(saved, status_code=303)


@router.get("/p/{patient_id}/inject/saved/{injection_id}")
def saved_page(request: Request, patient_id: str, injection_id: str) -> Response:
    """Saved: the injection, anything to check about it, and the plan after it."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "inject")
    logged = get_logged_injection(get_runtime(request), viewer.actor, patient_id, injection_id)
    return render_patient_page(
        request,
        frame,
        "patient/inject_saved.html",
        logged=logged,
        schedule=logged.schedule,
        coming=upcoming(logged.schedule, 3),
        site_names=SITE_NAMES,
    )


def _form_input(form: FormData, values: dict[str, str], timezone: str) -> dict[str, object]:
    """The posted fields as the use case's form takes them: local times made aware."""
    problems: dict[str, str] = {}
    given: dict[str, object] = {
        name: values[name]
        for name in ("site", "injected_by", "pen_lot", "pen_serial", "notes")
        if values[name]
    }
    for name in TIME_FIELDS:
        if values[name]:
            try:
                given[name] = _aware(values[name], timezone)
            except ValueError:
                problems[name] = (
                    f"{name}: '{values[name]}' is not a date and time. "
                    "Pick it in the box or write it as 2026-03-02T09:30."
                )
    if problems:
        raise FormProblem(problems)
    return given


def _aware(text: str, timezone: str) -> datetime:
    """A typed local time in the patient's timezone (an offset typed with it is kept)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def _form_page(
    request: Request,
    frame: PatientFrame,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    runtime, actor, patient_id = get_runtime(request), frame.viewer.actor, frame.patient.id
    schedule = find_schedule(runtime, actor, patient_id)
    if schedule is None:
        return render_patient_page(
            request, frame, "patient/inject.html", schedule=None, values=values, errors={}
        )
    injector = next((i for i in Injector if i.value == values.get("injected_by")), Injector.SELF)
    advice = suggest_next_site(runtime, actor, patient_id, injector=injector)
    recent = list_injections(runtime, actor, patient_id)[:RECENT_SHOWN]
    if "site" not in values:  # a new form: the suggested site, chosen for the person
        values = {**values, "site": advice.suggestion.site.value}
    chosen = parse_site_choice(values["site"])
    return render_patient_page(
        request,
        frame,
        "patient/inject.html",
        status=status,
        schedule=schedule,
        values=values,
        errors=errors,
        advice=advice,
        body_map=build_body_map(
            suggested=advice.suggestion.site,
            recent=[Site(i.site) for i in recent],
            chosen=chosen,
        ),
        site_names=SITE_NAMES,
        sites=list(Site),
        recent=recent,
        pens=[p for p in list_pens(runtime, actor, patient_id).pens if not p.state.must_discard],
        facts=_facts(runtime.kb),
        warm_minutes=runtime.kb.bounds(WARM_UP, "minute"),
        citations=runtime.kb.citations(SHOWN_FACTS),
        knowledge_version=runtime.kb.version,
    )


def _facts(kb: KnowledgeBase) -> dict[str, str]:
    """The statements the form shows, by fact id."""
    return {fact_id: kb.statement(fact_id) for fact_id in SHOWN_FACTS}
