"""What the team records from a patient's page: results, screening items, vaccinations, notes,
and whether a triage entry was dealt with. Each form posts here and comes back to the page."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from ofacare.errors import OfacareError
from ofacare.services.access import Role
from ofacare.services.diary import DiaryChanges, change_diary_entry
from ofacare.services.labs import LabForm, record_lab
from ofacare.services.notes import NoteForm, add_note
from ofacare.services.planning import VaccinationForm, record_vaccination
from ofacare.services.screening import ScreeningItems, record_screening_items
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.route import PageRoute
from ofacare.web.routes.team_patient import render_team_patient
from ofacare.web.session import (
    Viewer,
    form_text,
    form_values,
    get_runtime,
    read_form,
    require_viewer,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LAB_FIELDS = ("test", "value", "unit", "result", "reference_low", "reference_high", "collected_on")
SCREENING_FLAGS = (
    "can_become_pregnant",
    "pregnant",
    "breastfeeding",
    "active_infection",
    "severely_immunocompromised",
    "active_malignancy",
)
SCREENING_FIELDS = ("ms_type", "planned_start_on", "immunosuppressants")
FORM_ID = re.compile(r"^lab-[A-Za-z0-9-]{1,40}$")
Store = Callable[[], object]
ANCHORS = {"lab": "checklist", "screening": "checklist", "vaccination": "vaccines", "note": "notes"}


@router.post("/team/patients/{patient_id}/labs")
async def post_lab(request: Request, patient_id: str) -> Response:
    """One result, from a one-click form of the checklist or the 'another result' form."""
    viewer, form = await _open(request)
    form_id = form_text(form, "form_id")
    form_id = form_id if FORM_ID.match(form_id) else "lab-any"
    values = form_values(form, *LAB_FIELDS)
    key = form_text(form, "idempotency_key") or None

    def store() -> object:
        parsed = parse_form(LabForm, values)
        return record_lab(
            get_runtime(request), viewer.actor, patient_id, parsed, idempotency_key=key
        )

    return _save(request, viewer, patient_id, (form_id, values, LAB_FIELDS), store, done="lab")


@router.post("/team/patients/{patient_id}/screening")
async def post_screening(request: Request, patient_id: str) -> Response:
    viewer, form = await _open(request)
    values = form_values(form, *SCREENING_FIELDS, *SCREENING_FLAGS)
    fields = {
        "ms_type": values.get("ms_type", ""),
        "planned_start_on": values.get("planned_start_on") or None,
        "immunosuppressants": _names(values.get("immunosuppressants", "")),
        **{flag: values.get(flag) == "true" for flag in SCREENING_FLAGS},
    }

    def store() -> object:
        items = parse_form(ScreeningItems, fields)
        return record_screening_items(get_runtime(request), viewer.actor, patient_id, items)

    return _save(
        request,
        viewer,
        patient_id,
        ("screening", values, SCREENING_FIELDS),
        store,
        done="screening",
    )


@router.post("/team/patients/{patient_id}/vaccinations")
async def post_vaccination(request: Request, patient_id: str) -> Response:
    viewer, form = await _open(request)
    values = form_values(form, "name", "live", "given_on")
    key = form_text(form, "idempotency_key") or None

    def store() -> object:
        parsed = parse_form(VaccinationForm, values)
        runtime = get_runtime(request)
        return record_vaccination(runtime, viewer.actor, patient_id, parsed, idempotency_key=key)

    names = ("name", "live", "given_on")
    return _save(
        request, viewer, patient_id, ("vaccination", values, names), store, done="vaccination"
    )


@router.post("/team/patients/{patient_id}/notes")
async def post_note(request: Request, patient_id: str) -> Response:
    viewer, form = await _open(request)
    values = {"text": form_text(form, "text")}

    def store() -> object:
        parsed = parse_form(NoteForm, values)
        return add_note(get_runtime(request), viewer.actor, patient_id, parsed)

    return _save(request, viewer, patient_id, ("note", values, ("text",)), store, done="note")


@router.post("/team/patients/{patient_id}/diary/{entry_id}")
async def post_diary(request: Request, patient_id: str, entry_id: str) -> Response:
    """Mark a triage entry dealt with, or open it again."""
    viewer, form = await _open(request)
    changes = parse_form(DiaryChanges, {"resolved": form_text(form, "resolved") == "true"})
    change_diary_entry(get_runtime(request), viewer.actor, patient_id, entry_id, changes)
    return RedirectResponse(f"/team/patients/{patient_id}?done=diary#triage", status_code=303)


async def _open(request: Request) -> tuple[Viewer, FormData]:
    viewer = require_viewer(request, Role.CLINICIAN)
    return viewer, await read_form(request, viewer)


def _save(
    request: Request,
    viewer: Viewer,
    patient_id: str,
    sent: tuple[str, Mapping[str, str], tuple[str, ...]],
    store: Store,
    *,
    done: str,
) -> Response:
    """Store through the use case and go back to the page; on a problem show the form again."""
    form_id, values, fields = sent
    try:
        store()
    except FormProblem as problem:
        errors = problem.errors
    except OfacareError as exc:  # refused by the use case: nothing was stored
        errors = problem_from(exc, fields).errors
    else:
        anchor = ANCHORS[done]
        return RedirectResponse(
            f"/team/patients/{patient_id}?done={done}#{anchor}", status_code=303
        )
    state = {"values": dict(values), "errors": errors}
    return render_team_patient(request, viewer, patient_id, status=422, posted={form_id: state})


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in re.split(r"[,\n]", text) if name.strip())
