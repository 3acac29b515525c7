"""The patient's home: the next dose, an overdue banner, pens out of the fridge, what comes next,
and, the day after an injection, a gentle "how did it go?"."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from ofacare.errors import InvalidInput
from ofacare.services.diary import DiaryForm, record_diary_entry
from ofacare.services.injection_followup import (
    ReactionAnswer,
    find_reaction_check,
    get_reported_reactions,
    record_reactions,
)
from ofacare.services.pens import PenStatus, list_pens
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.localisation import N_
from ofacare.web.route import PageRoute
from ofacare.web.routes.patient_schedule import find_schedule, upcoming
from ofacare.web.session import form_text, get_runtime, read_form, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)

COMING = 3
# Common injection reactions as people say them (adverse.injection-reaction-ofatumumab,
# adverse.injection-site-reaction-ofatumumab); the words are ones the symptom reader knows.
REACTION_CHOICES = (
    ("redness where I injected", N_("Redness where I injected")),
    ("swollen where I injected", N_("Swelling where I injected")),
    ("itchy where I injected", N_("Itching where I injected")),
    ("sore where I injected", N_("Pain where I injected")),
    ("fever", N_("Fever")),
    ("chills", N_("Chills")),
    ("headache", N_("Headache")),
    ("aching muscles", N_("Aching muscles")),
    ("tiredness", N_("Tiredness")),
)
KNOWN_CHOICES = frozenset(value for value, _ in REACTION_CHOICES)


@router.get("/p/{patient_id}")
def home(
    request: Request, patient_id: str, thanks: Annotated[str | None, Query(max_length=5)] = None
) -> Response:
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "home")
    return _home_page(request, frame, thanks=thanks == "1")


@router.post("/p/{patient_id}/how-did-it-go")
async def how_did_it_go(request: Request, patient_id: str) -> Response:
    """No problems: noted on the injection. Reactions: triaged in the diary and noted too."""
    viewer = require_viewer(request)
    form = await read_form(request, viewer)
    frame = open_patient_frame(request, viewer, patient_id, "home")
    runtime, actor = get_runtime(request), viewer.actor
    choices = tuple(c for c in form.getlist("choices") if isinstance(c, str) and c in KNOWN_CHOICES)
    text = form_text(form, "text")
    values: dict[str, object] = {"choices": choices, "text": text}
    reported = bool(choices or text)
    try:
        answer = parse_form(
            ReactionAnswer,
            {
                "injection_id": form_text(form, "injection_id"),
                "reactions": (*choices, text) if text else choices,
            },
        )
        if not reported:
            record_reactions(runtime, actor, patient_id, answer)
            return RedirectResponse(f"/p/{patient_id}?thanks=1", status_code=303)
        entry = record_diary_entry(
            runtime,
            actor,
            patient_id,
            DiaryForm(text=text, choices=choices),
            idempotency_key=form_text(form, "idempotency_key") or None,
        ).entry
        record_reactions(runtime, actor, patient_id, answer)
    except FormProblem as problem:
        return _home_page(request, frame, values=values, errors=problem.errors)
    except InvalidInput as exc:
        return _home_page(request, frame, values=values, errors=problem_from(exc).errors)
    return RedirectResponse(f"/p/{patient_id}/how-did-it-go/{entry.id}", status_code=303)


@router.get("/p/{patient_id}/how-did-it-go/{entry_id}")
def reaction_answer(request: Request, patient_id: str, entry_id: str) -> Response:
    """What to do about the reactions reported, led by how soon, with whom to call."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "home")
    entry = get_reported_reactions(get_runtime(request), viewer.actor, patient_id, entry_id)
    return render_patient_page(request, frame, "patient/home_reactions.html", entry=entry)


def _home_page(
    request: Request,
    frame: PatientFrame,
    *,
    thanks: bool = False,
    values: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    runtime, actor, patient_id = get_runtime(request), frame.viewer.actor, frame.patient.id
    schedule = find_schedule(runtime, actor, patient_id)
    return render_patient_page(
        request,
        frame,
        "patient/home.html",
        status=422 if errors else 200,
        schedule=schedule,
        coming=upcoming(schedule, COMING) if schedule else [],
        pens=_pens_out(list_pens(runtime, actor, patient_id).pens),
        check=find_reaction_check(runtime, actor, patient_id),
        reaction_choices=REACTION_CHOICES,
        reaction_key=secrets.token_urlsafe(16),
        reaction_values=values or {},
        reaction_errors=errors or {},
        thanks=thanks,
    )


def _pens_out(pens: tuple[PenStatus, ...]) -> list[PenStatus]:
    """Pens that have left the fridge (they have a use-by) or must not be used."""
    return [pen for pen in pens if pen.state.must_discard or pen.state.use_by is not None]
